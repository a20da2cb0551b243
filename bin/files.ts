/** File-system helpers of the CLI (the domain code in shared/ never touches the file system). */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A file as a stream of byte chunks (1 MiB each), for the streaming readers. */
export function fileChunks(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/** A text file written in chunks under a temporary name, published by `commit()` (a rename). */
export interface StagedFile {
  write(text: string): Promise<void>;
  /** Closes the file (it stays under its temporary name until `commit()`). */
  close(): Promise<void>;
  /** Closes the file if open and renames it to its final path. */
  commit(): Promise<void>;
  /** Closes and deletes the temporary file. */
  abort(): Promise<void>;
}

/** Opens `path` for writing via a temporary file beside it, so a reader never sees half a file. */
export async function stageFile(path: string): Promise<StagedFile> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    return closed;
  };
  return {
    close,
    write: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.write(text)) return resolve();
        const drained = () => {
          out.off('error', failed);
          resolve();
        };
        const failed = (error: Error) => {
          out.off('drain', drained);
          reject(error);
        };
        out.once('drain', drained).once('error', failed);
      }),
    commit: async () => {
      await close();
      await rename(tmp, path);
    },
    abort: async () => {
      await close().catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}

/** Writes text chunks to `path` via a temporary file, so a reader never sees half a file. */
export async function writeAtomic(path: string, chunks: Iterable<string> | string): Promise<void> {
  const file = await stageFile(path);
  try {
    if (typeof chunks === 'string') await file.write(chunks);
    else for (const c of chunks) await file.write(c);
  } catch (error) {
    await file.abort();
    throw error;
  }
  await file.commit();
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

export async function ensureDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
}

/** A file-system-safe partition name for a symbol. */
export function partitionName(symbol: string): string {
  return `${encodeURIComponent(symbol).replace(/\./g, '%2E')}.csv`;
}

/** The symbol a partition file name stands for (the inverse of partitionName). */
export function symbolOfPartition(name: string): string {
  return decodeURIComponent(name.replace(/\.csv$/, ''));
}

export { writeFile };
