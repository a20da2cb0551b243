/** File-system helpers of the CLI (the domain code in shared/ never touches the file system). */
import { createReadStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A file as a stream of byte chunks (1 MiB each), for the streaming readers. */
export function fileChunks(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/** Writes text chunks to `path` via a temporary file, so a reader never sees half a file. */
export async function writeAtomic(path: string, chunks: Iterable<string> | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(tmp);
  const write = (s: string) =>
    new Promise<void>((resolve, reject) => {
      if (out.write(s)) resolve();
      else out.once('drain', resolve).once('error', reject);
    });
  if (typeof chunks === 'string') await write(chunks);
  else for (const c of chunks) await write(c);
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  await rename(tmp, path);
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

export async function ensureDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
}

export { writeFile };
