/**
 * An in-memory ObjectStore with S3's versioning and Object Lock legal holds — what the local S3
 * server lacks — so the versioned lineage path (decision 22) runs in a test: every put is a new
 * version, a read or copy may name one, a legal hold protects one, and `expireNoncurrent` does what
 * the lifecycle's noncurrent-version expiration does in S3: it deletes every noncurrent version
 * except those under a legal hold (AWS: "a locked version of an object cannot be deleted by a S3
 * Lifecycle expiration policy").
 */
import { createHash } from 'node:crypto';
import type { ObjectStore, StoredObject } from '#shared/ports';

interface Version {
  id: string;
  bytes: Uint8Array;
  etag: string;
  held: boolean;
  /** A delete marker: the key has no current object. */
  marker?: boolean;
}

export class VersionedMemoryStore implements ObjectStore {
  /** Versions of each `bucket/key`, oldest first; the last one is current. */
  readonly versions = new Map<string, Version[]>();
  private counter = 0;

  private current(bucket: string, key: string): Version | undefined {
    const v = this.versions.get(`${bucket}/${key}`)?.at(-1);
    return v?.marker ? undefined : v;
  }

  private version(bucket: string, key: string, versionId?: string): Version | undefined {
    if (versionId === undefined) return this.current(bucket, key);
    return this.versions.get(`${bucket}/${key}`)?.find((v) => v.id === versionId && !v.marker);
  }

  private write(bucket: string, key: string, bytes: Uint8Array): void {
    const list = this.versions.get(`${bucket}/${key}`) ?? [];
    const etag = createHash('md5').update(bytes).digest('hex');
    list.push({ id: `v${++this.counter}`, bytes, etag, held: false });
    this.versions.set(`${bucket}/${key}`, list);
  }

  async get(bucket: string, key: string, versionId?: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    return (await this.read(bucket, key, versionId))?.body;
  }

  async read(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined> {
    const v = this.version(bucket, key, versionId);
    if (v === undefined) return undefined;
    const bytes = v.bytes;
    return {
      body: (async function* () {
        yield bytes;
      })(),
      etag: v.etag,
      versionId: v.id,
    };
  }

  async setLegalHold(bucket: string, key: string, versionId: string, on: boolean): Promise<void> {
    const v = this.version(bucket, key, versionId);
    if (v === undefined) throw new Error(`NoSuchVersion: ${bucket}/${key}?versionId=${versionId}`);
    v.held = on;
  }

  async getText(bucket: string, key: string): Promise<string | undefined> {
    const v = this.current(bucket, key);
    return v === undefined ? undefined : new TextDecoder().decode(v.bytes);
  }

  async put(bucket: string, key: string, body: string | Uint8Array | Iterable<string>): Promise<void> {
    const text =
      typeof body === 'string' ? body : body instanceof Uint8Array ? undefined : [...body].join('');
    this.write(
      bucket,
      key,
      text === undefined ? (body as Uint8Array).slice() : new TextEncoder().encode(text),
    );
  }

  async copy(
    from: { bucket: string; key: string; versionId?: string },
    to: { bucket: string; key: string },
  ): Promise<void> {
    const v = this.version(from.bucket, from.key, from.versionId);
    if (v === undefined) throw new Error(`NoSuchKey: ${from.bucket}/${from.key}`);
    this.write(to.bucket, to.key, v.bytes);
  }

  async head(bucket: string, key: string): Promise<{ etag: string; versionId?: string } | undefined> {
    const v = this.current(bucket, key);
    return v === undefined ? undefined : { etag: v.etag, versionId: v.id };
  }

  /** Each key as {@link delete} (S3's DeleteObjects puts the same markers). */
  async deleteMany(bucket: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.delete(bucket, key);
  }

  /** A delete without a version id, as in a versioned S3 bucket: a delete marker (the versions stay). */
  async delete(bucket: string, key: string): Promise<void> {
    const list = this.versions.get(`${bucket}/${key}`);
    if (list === undefined || list.at(-1)!.marker) return;
    list.push({ id: `v${++this.counter}`, bytes: new Uint8Array(), etag: '', held: false, marker: true });
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    return [...this.versions.entries()]
      .filter(([k, list]) => k.startsWith(`${bucket}/${prefix}`) && !list.at(-1)!.marker)
      .map(([k]) => k)
      .map((k) => k.slice(bucket.length + 1))
      .sort();
  }

  async listEtags(bucket: string, prefix: string): Promise<{ key: string; etag: string }[]> {
    return (await this.list(bucket, prefix)).map((key) => ({ key, etag: this.current(bucket, key)!.etag }));
  }

  /** The lifecycle's noncurrent-version expiration: every noncurrent version not under a legal hold goes. */
  expireNoncurrent(): number {
    let expired = 0;
    for (const list of this.versions.values()) {
      for (let i = list.length - 2; i >= 0; i--) {
        if (!list[i]!.held) {
          list.splice(i, 1);
          expired++;
        }
      }
    }
    return expired;
  }
}
