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
 *
 * The calls are the file system's synchronous ones (the methods stay async, as the port is): this
 * store serves one CLI process, whose objects are small files in the page cache, and a synchronous
 * call costs a fraction of an asynchronous one's hand-offs to libuv's thread pool and back (the
 * pipeline makes thousands). Only an object larger than STREAM_ABOVE is streamed.
 */
import {
  closeSync,
  copyFileSync,
  createReadStream,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ObjectStore, StoredObject } from '#shared/ports';

export class UnsafeKeyError extends Error {
  constructor(bucket: string, key: string, why: string) {
    super(`key "${key}" of bucket ${bucket} is not a safe file path: ${why}`);
    this.name = 'UnsafeKeyError';
  }
}

const TMP_SUFFIX = '.finml-tmp';
/** Objects up to this size are read whole at once; larger ones (a bronze file) are streamed. */
const STREAM_ABOVE = 16 << 20;
/** Strings of an iterable body are written once this many characters are waiting. */
const WRITE_BATCH = 1 << 20;
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

  private folder(dir: string): void {
    if (this.folders.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.folders.add(dir);
  }

  async get(bucket: string, key: string, versionId?: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    if (versionId !== undefined) throw new Error('the file-system store keeps no object versions');
    const path = this.path(bucket, key);
    const s = attempt(() => statSync(path));
    if (s === undefined || !s.isFile()) return undefined;
    if (s.size > STREAM_ABOVE) return createReadStream(path, { highWaterMark: 1 << 20 });
    const bytes = attempt(() => readFileSync(path));
    return bytes === undefined ? undefined : once(bytes);
  }

  /**
   * The file's bytes and the ETag of that very file: it is opened first and its ETag taken from the
   * open handle, so a put renaming a new file into place meanwhile changes neither. No version id.
   */
  async read(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined> {
    if (versionId !== undefined) throw new Error('the file-system store keeps no object versions');
    const path = this.path(bucket, key);
    const fd = attempt(() => openSync(path, 'r'));
    if (fd === undefined) return undefined;
    let streamed = false;
    try {
      const s = fstatSync(fd, { bigint: true });
      if (!s.isFile()) return undefined;
      const etag = etagOf(s);
      if (s.size > BigInt(STREAM_ABOVE)) {
        streamed = true; // the stream closes the descriptor
        return { body: createReadStream(path, { fd, highWaterMark: 1 << 20 }), etag };
      }
      return { body: once(readAll(fd, Number(s.size))), etag };
    } finally {
      if (!streamed) closeSync(fd);
    }
  }

  setLegalHold(bucket: string, key: string, _versionId: string, _on: boolean): Promise<void> {
    return Promise.reject(
      new Error(`cannot hold ${bucket}/${key}: the file-system store keeps no object versions`),
    );
  }

  async getText(bucket: string, key: string): Promise<string | undefined> {
    const path = this.path(bucket, key);
    return attempt(() => readFileSync(path, 'utf8'));
  }

  async put(bucket: string, key: string, body: string | Uint8Array | Iterable<string>): Promise<void> {
    const path = this.path(bucket, key);
    this.folder(dirname(path));
    const tmp = `${path}.${process.pid}.${++tmpCounter}${TMP_SUFFIX}`;
    let fd: number | undefined;
    try {
      fd = openSync(tmp, 'wx', 0o644);
      if (typeof body === 'string') writeAll(fd, Buffer.from(body, 'utf8'));
      else if (body instanceof Uint8Array) writeAll(fd, body);
      else {
        let batch: string[] = [];
        let waiting = 0;
        for (const chunk of body) {
          batch.push(chunk);
          waiting += chunk.length;
          if (waiting >= WRITE_BATCH) {
            writeAll(fd, Buffer.from(batch.join(''), 'utf8'));
            batch = [];
            waiting = 0;
          }
        }
        if (waiting > 0) writeAll(fd, Buffer.from(batch.join(''), 'utf8'));
      }
      closeSync(fd);
      fd = undefined;
      renameSync(tmp, path);
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
      throw error;
    }
  }

  async copy(
    from: { bucket: string; key: string; versionId?: string },
    to: { bucket: string; key: string },
  ): Promise<void> {
    if (from.versionId !== undefined) throw new Error('the file-system store keeps no object versions');
    const source = this.path(from.bucket, from.key);
    const target = this.path(to.bucket, to.key);
    this.folder(dirname(target));
    const tmp = `${target}.${process.pid}.${++tmpCounter}${TMP_SUFFIX}`;
    try {
      // Objects are immutable files (every put writes a new one and renames it into place), so a
      // copy can share the source's bytes: a hard link, and a byte copy only across file systems.
      try {
        linkSync(source, tmp);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EXDEV' && code !== 'EPERM') throw error;
        copyFileSync(source, tmp);
      }
      renameSync(tmp, target);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
  }

  async head(bucket: string, key: string): Promise<{ etag: string } | undefined> {
    const path = this.path(bucket, key);
    const s = attempt(() => statSync(path, { bigint: true }));
    if (s === undefined || !s.isFile()) return undefined;
    return { etag: etagOf(s) };
  }

  /** Deletes each file as {@link delete} does (a file system has no batch delete). */
  async deleteMany(bucket: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.delete(bucket, key);
  }

  /** Deletes the file, and the folders it leaves empty (S3 has no folders: an empty prefix is gone). */
  async delete(bucket: string, key: string): Promise<void> {
    const path = this.path(bucket, key);
    rmSync(path, { force: true });
    const root = this.roots.get(bucket)!;
    for (let dir = dirname(path); dir.startsWith(root + sep) && dir !== root; dir = dirname(dir)) {
      try {
        rmdirSync(dir);
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
    const entries = attempt(() => readdirSync(start, { recursive: true, withFileTypes: true }));
    const keys: string[] = [];
    // Entries come folder by folder: each folder's key prefix is worked out once, not per file.
    let folderPath: string | undefined;
    let folderKey = '';
    for (const e of entries ?? []) {
      if (!e.isFile() || e.name.endsWith(TMP_SUFFIX)) continue;
      if (e.parentPath !== folderPath) {
        folderPath = e.parentPath;
        const rel = relative(root, folderPath);
        folderKey = rel === '' ? '' : `${rel.split(sep).join('/')}/`;
      }
      const key = folderKey + e.name;
      if (key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** Inode, size and modification time: every put is a new file, so every put a new ETag. */
function etagOf(s: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${s.ino.toString(16)}-${s.size.toString(16)}-${s.mtimeNs.toString(16)}`;
}

/** What `call` returns, or undefined for a missing file; any other error is thrown. */
function attempt<T>(call: () => T): T | undefined {
  try {
    return call();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** A body of one chunk. */
async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** The `size` bytes of an open file (fewer if it is shorter). */
function readAll(fd: number, size: number): Uint8Array {
  const out = Buffer.allocUnsafeSlow(size); // its own ArrayBuffer (not a view on the shared pool)
  let done = 0;
  while (done < size) {
    const n = readSync(fd, out, done, size - done, done);
    if (n === 0) break;
    done += n;
  }
  return done === size ? out : out.subarray(0, done);
}
