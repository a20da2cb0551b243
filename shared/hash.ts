/** Content hashes used for lineage and versions. */
import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a value's JSON form. */
export function hashJson(value: unknown): string {
  return sha256Hex(JSON.stringify(value));
}
