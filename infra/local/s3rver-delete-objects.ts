/**
 * DeleteObjects (the multi-object delete: a run's cleanup of its staging) on s3rver 3.7. s3rver
 * deletes the request's keys at once, and each delete then removes the folders it left empty; two
 * keys of one folder race — one's `readdir` or `rmdir` finds the folder the other just removed — and
 * the whole request fails with InternalError. S3 has no folders to race on.
 *
 * The patch replaces the filesystem store's `deleteObject` with the same steps whose empty-folder
 * cleanup ignores a folder another delete removed (ENOENT) or a write filled again (ENOTEMPTY).
 * Applied once per process.
 */
import { readdir, rmdir, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  getBucketPath(bucket: string): string;
  deleteObject(bucket: string, key: string): Promise<void>;
}

const PATCHED = Symbol.for('finml.s3rver.deleteObjects');

/** A folder gone or no longer empty: another request's business, not an error of this delete. */
const raced = (error: unknown) =>
  ['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '');

/** Patches s3rver's FilesystemStore (idempotent). */
export function makeS3rverDeleteObjectsSafe(): void {
  const { prototype } = require('s3rver/lib/stores/filesystem') as { prototype: FilesystemStore };
  const marked = prototype as FilesystemStore & { [PATCHED]?: true };
  if (marked[PATCHED]) return;
  prototype.deleteObject = async function deleteObject(this: FilesystemStore, bucket: string, key: string) {
    await Promise.all(
      ['object', 'object.md5', 'metadata.json'].map((resource) =>
        unlink(this.getResourcePath(bucket, key, resource)).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }),
      ),
    );
    // The folders the key leaves empty (the last part of the key is in the file names).
    const parts = key.split('/').slice(0, -1);
    const root = this.getBucketPath(bucket);
    while (parts.length > 0) {
      const dir = join(root, ...parts);
      try {
        if ((await readdir(dir)).length > 0) return;
        await rmdir(dir);
      } catch (error) {
        if (raced(error)) return;
        throw error;
      }
      parts.pop();
    }
  };
  marked[PATCHED] = true;
}
