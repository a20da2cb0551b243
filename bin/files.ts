/** File-system helpers of the CLI (the domain code in shared/ never touches the file system). */

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isParquet, PART_FILE } from '#shared/data/parquet-tables';

/** A file as a stream of byte chunks (1 MiB each), for the streaming readers. */
export function fileChunks(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/** What `readWithSnapshot` read: the lineage record of one file (shared/model/lineage.ts). */
export interface ReadSnapshot {
  sha256: string;
  bytes: number;
  /** The file's inode, size and modification time when opened (what changes with every rewrite). */
  etag: string;
  /** The copy of the bytes read, relative to the snapshot folder's parent: `lineage/sha256/<hex>`. */
  snapshot: string;
}

/**
 * A file's chunks for a streaming reader, each one hashed and copied as it passes into
 * `<dir>/lineage/sha256/<hex>` (named by the SHA-256 of the bytes, so the same bytes are kept once):
 * exactly the bytes the reader got, whatever happens to the file afterwards. `finish()`, after the
 * reader is done, publishes the copy and gives its record.
 */
export async function readWithSnapshot(
  path: string,
  dir: string,
): Promise<{ chunks: AsyncIterable<Uint8Array>; finish(): Promise<ReadSnapshot> }> {
  const handle = await open(path, 'r');
  const s = await handle.stat({ bigint: true });
  const etag = `${s.ino.toString(16)}-${s.size.toString(16)}-${s.mtimeNs.toString(16)}`;
  await mkdir(join(dir, 'lineage', 'sha256'), { recursive: true });
  const tmp = join(dir, 'lineage', `read-${process.pid}-${Date.now()}.tmp`);
  const out = createWriteStream(tmp);
  const hash = createHash('sha256');
  let bytes = 0;
  let ended = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20 })) {
      const c = chunk as Buffer;
      hash.update(c);
      bytes += c.length;
      if (!out.write(c)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      yield c;
    }
    ended = true;
  }
  return {
    chunks: chunks(),
    async finish() {
      await new Promise<void>((resolve, reject) =>
        out.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
      if (!ended) {
        await rm(tmp, { force: true });
        throw new Error(`${path} was not read to its end`);
      }
      const sha256 = hash.digest('hex');
      const snapshot = `lineage/sha256/${sha256}`;
      await rename(tmp, join(dir, snapshot));
      return { sha256, bytes, etag, snapshot };
    },
  };
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

export { writeFile };

/** True when the file starts with the Parquet magic bytes ("PAR1"). */
export async function isParquetFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && isParquet(buffer);
  } finally {
    await handle.close();
  }
}

/**
 * The gold files a path names: the file itself (Parquet or CSV), or a gold folder — the lake layout
 * (`features/symbol=<SYMBOL>/part-0000.parquet`, in symbol order), or an older `features_final.csv`.
 */
export async function goldFiles(path: string): Promise<string[]> {
  const s = await stat(path).catch(() => undefined);
  if (s === undefined) return [];
  if (s.isFile()) return [path];
  const single = join(path, 'features_final.csv');
  if ((await stat(single).catch(() => undefined))?.isFile()) return [single];
  const partitions = await readdir(join(path, 'features')).catch(() => [] as string[]);
  const files: string[] = [];
  for (const p of partitions.filter((n) => n.startsWith('symbol=')).sort()) {
    const file = join(path, 'features', p, PART_FILE);
    if ((await stat(file).catch(() => undefined))?.isFile()) files.push(file);
  }
  return files;
}

/**
 * The silver partitions of a silver folder: the lake layout (`market/symbol=<SYMBOL>/part-0000.parquet`,
 * in symbol order), or CSV files directly in it (an older layout).
 */
export async function silverFiles(dir: string): Promise<string[]> {
  const partitions = await readdir(join(dir, 'market')).catch(() => [] as string[]);
  const files: string[] = [];
  for (const p of partitions.filter((n) => n.startsWith('symbol=')).sort()) {
    const file = join(dir, 'market', p, PART_FILE);
    if ((await stat(file).catch(() => undefined))?.isFile()) files.push(file);
  }
  if (files.length > 0) return files;
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.csv'))
    .sort()
    .map((n) => join(dir, n));
}
