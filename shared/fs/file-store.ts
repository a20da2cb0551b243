/**
 * The storage port (ObjectStore) on a local folder: each bucket is a directory, each key a path
 * under it. What `finml pipeline` runs the pipeline's use cases on, so the CLI writes the same lake
 * layout as S3 holds (silver/market/symbol=…/part-0000.parquet, gold/features/symbol=…/part-0000.parquet,
 * runs/…).
 *
 * Writes go to a temporary file beside the target and are renamed into place, so a reader (or a
 * process killed mid-write) never leaves half an object. The ETag is the file's inode, size and
 * modification time: every write is a new file, so it changes with every write. A key whose path
 * would leave its bucket's folder ("..", ".", an absolute path, an empty segment) is refused.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ObjectStore, StoredObject } from '#shared/ports';

export class UnsafeKeyError extends Error {
  constructor(bucket: string, key: string, why: string) {
    super(`key "${key}" of bucket ${bucket} is not a safe file path: ${why}`);
    this.name = 'UnsafeKeyError';
  }
}

const TMP_SUFFIX = '.finml-tmp';
/** The write buffer: chunks are handed to the file system once this much is waiting. */
const WRITE_BUFFER = 1 << 20;
let tmpCounter = 0;

export class FileSystemObjectStore implements ObjectStore {
  private readonly roots: Map<string, string>;
  /** Folders this store made (or found), so that a put does not ask the file system each time. */
  private readonly folders = new Set<string>();

  /** `roots`: the folder of each bucket (the bronze "bucket" may be `/`, for input files anywhere). */
  constructor(roots: Readonly<Record<string, string>>) {
    this.roots = new Map(Object.entries(roots).map(([b, dir]) => [b, resolve(dir)]));
  }

  /** The file of a key (refusing keys that would leave the bucket's folder). */
  path(bucket: string, key: string): string {
    const root = this.roots.get(bucket);
    if (root === undefined) throw new Error(`no folder for bucket ${bucket}`);
    const segments = key.replace(/^\/+/, '').split('/');
    if (key.includes('\0')) throw new UnsafeKeyError(bucket, key, 'it holds a NUL byte');
    if (segments.some((s) => s === '' || s === '.' || s === '..')) {
      throw new UnsafeKeyError(bucket, key, 'a segment is empty, "." or ".."');
    }
    if (root !== sep && key.startsWith('/')) throw new UnsafeKeyError(bucket, key, 'it is absolute');
    return join(root, ...segments);
  }

  private async folder(dir: string): Promise<void> {
    if (this.folders.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.folders.add(dir);
  }

  async get(bucket: string, key: string, versionId?: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    if (versionId !== undefined) throw new Error('the file-system store keeps no object versions');
    const path = this.path(bucket, key);
    const s = await stat(path).catch(missing);
    if (s === undefined || !s.isFile()) return undefined;
    return createReadStream(path, { highWaterMark: 1 << 20 });
  }

  /**
   * The file's bytes and the ETag of that very file: it is opened first and its ETag taken from the
   * open handle, so a put renaming a new file into place meanwhile changes neither. No version id.
   */
  async read(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined> {
    if (versionId !== undefined) throw new Error('the file-system store keeps no object versions');
    const handle = await open(this.path(bucket, key), 'r').catch(missing);
    if (handle === undefined) return undefined;
    try {
      const s = await handle.stat({ bigint: true });
      if (!s.isFile()) {
        await handle.close();
        return undefined;
      }
      return { body: handle.createReadStream({ highWaterMark: 1 << 20 }), etag: etagOf(s) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  setLegalHold(bucket: string, key: string, _versionId: string, _on: boolean): Promise<void> {
    return Promise.reject(
      new Error(`cannot hold ${bucket}/${key}: the file-system store keeps no object versions`),
    );
  }

  async getText(bucket: string, key: string): Promise<string | undefined> {
    return readFile(this.path(bucket, key), 'utf8').catch(missing);
  }

  async put(bucket: string, key: string, body: string | Uint8Array | Iterable<string>): Promise<void> {
    const path = this.path(bucket, key);
    await this.folder(dirname(path));
    const tmp = `${path}.${process.pid}.${++tmpCounter}${TMP_SUFFIX}`;
    try {
      const out = createWriteStream(tmp, { highWaterMark: WRITE_BUFFER });
      const done = new Promise<void>((ok, fail) => {
        out.once('error', fail);
        out.once('finish', ok);
      });
      const write = (chunk: string | Uint8Array) =>
        out.write(chunk) ? Promise.resolve() : new Promise<void>((ok) => out.once('drain', ok));
      if (typeof body === 'string' || body instanceof Uint8Array) await write(body);
      else for (const chunk of body) await write(chunk);
      out.end();
      await done;
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async copy(
    from: { bucket: string; key: string; versionId?: string },
    to: { bucket: string; key: string },
  ): Promise<void> {
    if (from.versionId !== undefined) throw new Error('the file-system store keeps no object versions');
    const target = this.path(to.bucket, to.key);
    await this.folder(dirname(target));
    const tmp = `${target}.${process.pid}.${++tmpCounter}${TMP_SUFFIX}`;
    try {
      // Objects are immutable files (every put writes a new one and renames it into place), so a
      // copy can share the source's bytes: a hard link, and a byte copy only across file systems.
      await link(this.path(from.bucket, from.key), tmp).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV' && error.code !== 'EPERM') throw error;
        await copyFile(this.path(from.bucket, from.key), tmp);
      });
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async head(bucket: string, key: string): Promise<{ etag: string } | undefined> {
    const s = await stat(this.path(bucket, key), { bigint: true }).catch(missing);
    if (s === undefined || !s.isFile()) return undefined;
    return { etag: etagOf(s) };
  }

  /** Deletes the file, and the folders it leaves empty (S3 has no folders: an empty prefix is gone). */
  async delete(bucket: string, key: string): Promise<void> {
    const path = this.path(bucket, key);
    await rm(path, { force: true });
    const root = this.roots.get(bucket)!;
    for (let dir = dirname(path); dir.startsWith(root + sep) && dir !== root; dir = dirname(dir)) {
      try {
        await rmdir(dir);
        this.folders.delete(dir);
      } catch {
        break; // not empty (or gone already): the folders above are not empty either
      }
    }
  }

  /** Each key with the ETag head() gives it (inode, size, modification time: every put is a new file). */
  async listEtags(bucket: string, prefix: string): Promise<{ key: string; etag: string }[]> {
    const out: { key: string; etag: string }[] = [];
    for (const key of await this.list(bucket, prefix)) {
      const head = await this.head(bucket, key);
      if (head !== undefined) out.push({ key, etag: head.etag });
    }
    return out;
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const root = this.roots.get(bucket);
    if (root === undefined) throw new Error(`no folder for bucket ${bucket}`);
    // Walk only the folder the prefix names; keys use "/" whatever the platform.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = folder === '' ? root : this.path(bucket, folder);
    const entries = await readdir(start, { recursive: true, withFileTypes: true }).catch(missing);
    const keys: string[] = [];
    for (const e of entries ?? []) {
      if (!e.isFile() || e.name.endsWith(TMP_SUFFIX)) continue;
      const key = relative(root, join(e.parentPath, e.name)).split(sep).join('/');
      if (key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** Inode, size and modification time: every put is a new file, so every put a new ETag. */
function etagOf(s: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${s.ino.toString(16)}-${s.size.toString(16)}-${s.mtimeNs.toString(16)}`;
}

/** undefined for a missing file; any other error is rethrown. */
function missing(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
  throw error;
}
