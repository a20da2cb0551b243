/**
 * S3's read-after-write consistency for s3rver 3.7, whose filesystem store breaks it two ways:
 * `putObject` answers before the object's bytes reach the file (it resolves on the md5 transform's
 * finish, or right after `writeStream.end(buffer)`), so a GET straight after a PUT can read an empty
 * or short file; and it rewrites an existing object in place (truncate, then write), so a GET during
 * an overwrite reads a mix. Real S3 never shows either: a GET sees the whole old or the whole new object.
 *
 * The patch writes each object to a temporary file, waits until it is flushed, and renames it over the
 * object (atomic on one filesystem), and it serialises, per key, a PUT's rename + metadata with a GET's
 * metadata read + open. An opened read stream keeps reading the inode it opened, so a GET that started
 * before an overwrite streams the whole old object. `copyObject` had the same fault (it copied over the
 * destination in place: a GET of a silver partition while a run published a staged copy onto it read
 * a damaged Parquet file, and that run failed and lost its rows); it now copies to a temporary file and
 * renames it into place the same way. Applied once per process, before the server starts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const require = createRequire(import.meta.url);

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  getMetadata(bucket: string, key: string): Promise<unknown>;
  getObject(bucket: string, key: string, options?: unknown): Promise<unknown>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata?: Record<string, string>,
  ): Promise<unknown>;
}

const PATCHED = Symbol.for('finml.s3rver.readAfterWrite');

/** Runs `work` after every earlier holder of `name` has finished (a promise chain per key). */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(name) ?? Promise.resolve();
    const result = before.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(name, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}

/** Patches s3rver's FilesystemStore (idempotent). */
export function makeS3rverReadAfterWrite(): void {
  const { prototype } = require('s3rver/lib/stores/filesystem') as { prototype: FilesystemStore };
  const marked = prototype as FilesystemStore & { [PATCHED]?: true };
  if (marked[PATCHED]) return;
  marked[PATCHED] = true;
  const queue = new KeyedQueue();
  const originalGet = prototype.getObject;

  prototype.getObject = function getObject(this: FilesystemStore, bucket, key, options) {
    return queue.run(`${bucket}\u0000${key}`, () => originalGet.call(this, bucket, key, options));
  };

  // The md5 and metadata files are written whole (temporary file + rename): s3rver's writeFile left a
  // 0-byte metadata file when the process was killed mid-write, and s3rver then failed every listing
  // of that bucket (HTTP 500), so `npm start` could not start again.
  prototype.putMetadata = async function putMetadata(this: FilesystemStore, bucket, key, metadata, md5) {
    const json = Object.fromEntries(
      Object.entries(metadata).filter(([k]) => ALLOWED_METADATA.has(k) || k.startsWith('x-amz-meta-')),
    );
    if (md5) await writeWhole(this.getResourcePath(bucket, key, 'object.md5'), md5);
    await writeWhole(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(json, null, 2));
  };

  prototype.putObject = async function putObject(this: FilesystemStore, object) {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    // Not a listed object: the listing keeps only names ending in the object suffix.
    const temporary = `${objectPath}.${randomUUID()}.partial`;
    const md5 = createHash('md5');
    let size = 0;
    try {
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      const source = Buffer.isBuffer(object.content) ? [object.content] : object.content;
      await pipeline(source as AsyncIterable<Buffer>, counter, createWriteStream(temporary));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await queue.run(`${object.bucket}\u0000${object.key}`, async () => {
      await rename(temporary, objectPath);
      await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    });
    return { size, md5: digest };
  };

  const originalCopy = prototype.copyObject;
  prototype.copyObject = async function copyObject(
    this: FilesystemStore,
    srcBucket,
    srcKey,
    destBucket,
    destKey,
    replacementMetadata,
  ) {
    const source = this.getResourcePath(srcBucket, srcKey, 'object');
    const target = this.getResourcePath(destBucket, destKey, 'object');
    const destination = `${destBucket}\u0000${destKey}`;
    // Onto itself (a metadata change, or the retry's same-bytes copy): only the metadata is written.
    if (source === target) {
      return queue.run(destination, () =>
        originalCopy.call(this, srcBucket, srcKey, destBucket, destKey, replacementMetadata),
      );
    }
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.partial`;
    // The source's bytes, md5 and metadata of one version: read under the source key's queue (a PUT
    // onto the source renames and writes its metadata under it), then written under the target's.
    const md5 = (name: string, k: string) => this.getResourcePath(name, k, 'object.md5');
    const meta = (name: string, k: string) => this.getResourcePath(name, k, 'metadata.json');
    const from = await queue.run(`${srcBucket}\u0000${srcKey}`, async () => {
      try {
        await copyFile(source, temporary);
        return {
          md5: await readFile(md5(srcBucket, srcKey)),
          metadata: replacementMetadata ? undefined : await readFile(meta(srcBucket, srcKey)),
        };
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    });
    return queue.run(destination, async () => {
      try {
        await rename(temporary, target);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      await writeFile(md5(destBucket, destKey), from.md5);
      if (replacementMetadata) await this.putMetadata(destBucket, destKey, replacementMetadata, '');
      else await writeFile(meta(destBucket, destKey), from.metadata!);
      return this.getMetadata(destBucket, destKey);
    });
  };
}

/** The metadata keys s3rver keeps (its S3Object.ALLOWED_METADATA). */
const ALLOWED_METADATA = new Set<string>(
  (require('s3rver/lib/models/object') as { ALLOWED_METADATA: string[] }).ALLOWED_METADATA,
);

/** Writes a small file whole: a temporary file (not a listed name), then a rename over the target. */
async function writeWhole(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomUUID()}.partial`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Repairs what a killed s3rver process left in its directory (before the server starts): a metadata
 * file that is empty or not JSON (written by s3rver before the patch above, or torn) is replaced by
 * `{}` and the object's md5 file deleted, so s3rver computes it again from the object's bytes (the
 * object itself is always whole: it is renamed into place); temporary `.partial` files are deleted.
 * Returns what it repaired, one line each.
 */
export async function repairS3rverStore(directory: string): Promise<string[]> {
  const repaired: string[] = [];
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (entry.name.endsWith('.partial')) {
      await rm(path, { force: true });
      continue;
    }
    if (!entry.name.endsWith('._S3rver_metadata.json')) continue;
    const text = await readFile(path, 'utf8');
    try {
      JSON.parse(text);
      continue;
    } catch {
      // torn: repaired below
    }
    const base = path.slice(0, -'metadata.json'.length);
    await rm(`${base}object.md5`, { force: true });
    await writeWhole(path, '{}');
    repaired.push(
      `${relative(directory, base.slice(0, -'._S3rver_'.length))}: its metadata was ${text.length === 0 ? 'empty' : 'not JSON'} (a killed write); reset, the object's bytes kept`,
    );
  }
  return repaired;
}
