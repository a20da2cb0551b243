/**
 * ObjectStore on Amazon S3 (and the local s3rver through the same client).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  type S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { ObjectStore, StoredObject } from '#shared/ports';

/** Keys per DeleteObjects request: S3's limit. */
const DELETE_BATCH = 1000;

/** S3's minimum size of every part of a multipart upload except the last (5 MiB). */
export const MIN_MULTIPART_PART_BYTES = 5 * 1024 * 1024;

/**
 * UTF-8 needs at most 4 bytes per code point, so `partSize + 3` bytes always have room for one more code
 * point while fewer than `partSize` bytes are used: a part never has to be cut short of `partSize`.
 */
const PART_BUFFER_SLACK_BYTES = 3;

export interface S3ObjectStoreOptions {
  /**
   * Size of the parts of a streamed (chunked) upload. S3 rejects parts below 5 MiB (except the last);
   * smaller values are only for tests against a mock. Default 5 MiB.
   */
  readonly partSizeBytes?: number;
}

/** Thrown when a multipart upload failed (after it was aborted); the S3 error is the `cause`. */
export class MultipartUploadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MultipartUploadError';
  }
}

/** Thrown when S3 answers GetObject with a body that is not a byte stream (should not happen in Node). */
export class UnexpectedS3BodyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnexpectedS3BodyError';
  }
}

/** Error names S3 uses for "no such object (version)"; NoSuchBucket is deliberately not one of them. */
const MISSING_OBJECT_ERROR_NAMES: ReadonlySet<string> = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);

function isMissingObject(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    (error instanceof S3ServiceException && MISSING_OBJECT_ERROR_NAMES.has(error.name))
  );
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function* emptyStream(): AsyncIterable<Uint8Array> {}

/** Concatenates a byte stream into one buffer. */
export async function readAllBytes(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * The `x-amz-copy-source` value `bucket/key[?versionId=…]`. The key is URL-encoded except for `/` and the
 * characters that are safe in a path (`:` stays as is: s3rver decodes the header with `decodeURI`, which
 * leaves `%3A` encoded, and version keys contain timestamps); `?`, `#`, `+` and `&` are always escaped.
 */
export function copySource(bucket: string, key: string, versionId?: string): string {
  const encodedKey = encodeURI(key).replace(
    /[?#+&]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  const source = `${bucket}/${encodedKey}`;
  return versionId === undefined ? source : `${source}?versionId=${encodeURIComponent(versionId)}`;
}

/** ObjectStore backed by S3: streamed reads, PutObject or a streamed multipart upload, server-side copies. */
export class S3ObjectStore implements ObjectStore {
  private readonly partSizeBytes: number;

  constructor(
    private readonly client: S3Client,
    options: S3ObjectStoreOptions = {},
  ) {
    const partSize = options.partSizeBytes ?? MIN_MULTIPART_PART_BYTES;
    if (!Number.isInteger(partSize) || partSize < 1) {
      throw new RangeError(`partSizeBytes must be a positive integer, got ${partSize}`);
    }
    this.partSizeBytes = partSize;
  }

  /**
   * GetObject; the body as a byte stream (in Node the HTTP response itself — read it to the end or destroy
   * it, or the connection stays taken), or undefined on NoSuchKey / NoSuchVersion / NotFound. A missing
   * bucket is an error.
   */
  async get(bucket: string, key: string, versionId?: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    let body: unknown;
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(versionId === undefined ? {} : { VersionId: versionId }),
        }),
      );
      body = response.Body;
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
    if (body === undefined) return emptyStream();
    if (!isAsyncIterable(body)) {
      throw new UnexpectedS3BodyError(
        `GetObject s3://${bucket}/${key} returned a body that is not a byte stream`,
      );
    }
    return body;
  }

  /**
   * GetObject with the response's ETag (no quotes) and VersionId (absent for an unversioned object:
   * S3 says "null"); undefined on NoSuchKey / NoSuchVersion / NotFound.
   */
  async read(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined> {
    let response: GetObjectCommandOutput;
    try {
      response = await this.client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(versionId === undefined ? {} : { VersionId: versionId }),
        }),
      );
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
    const body: unknown = response.Body;
    if (body !== undefined && !isAsyncIterable(body)) {
      throw new UnexpectedS3BodyError(
        `GetObject s3://${bucket}/${key} returned a body that is not a byte stream`,
      );
    }
    return {
      body: body ?? emptyStream(),
      etag: (response.ETag ?? '').replace(/^"|"$/g, ''),
      ...(response.VersionId === undefined || response.VersionId === 'null'
        ? {}
        : { versionId: response.VersionId }),
    };
  }

  /** PutObjectLegalHold on one version (the bucket must have Object Lock enabled). */
  async setLegalHold(bucket: string, key: string, versionId: string, on: boolean): Promise<void> {
    await this.client.send(
      new PutObjectLegalHoldCommand({
        Bucket: bucket,
        Key: key,
        VersionId: versionId,
        LegalHold: { Status: on ? 'ON' : 'OFF' },
      }),
    );
  }

  /** The whole object decoded as UTF-8 (a BOM is kept), or undefined when it does not exist. */
  async getText(bucket: string, key: string): Promise<string | undefined> {
    const stream = await this.get(bucket, key);
    if (stream === undefined) return undefined;
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await readAllBytes(stream));
  }

  /**
   * Writes an object. A string or bytes go in one PutObject. String chunks are UTF-8 encoded into parts of
   * `partSizeBytes` and sent as a multipart upload, holding one part in memory at a time; if they add up to
   * less than one part, a single PutObject is sent instead. A failed multipart upload is aborted.
   */
  async put(
    bucket: string,
    key: string,
    body: string | Uint8Array | Iterable<string>,
    contentType?: string,
  ): Promise<void> {
    if (typeof body === 'string' || body instanceof Uint8Array) {
      await this.putObject(bucket, key, body, contentType);
      return;
    }
    await this.putChunks(bucket, key, body, contentType);
  }

  /** CopyObject (with the source VersionId when given; with `metadata`, MetadataDirective REPLACE). */
  async copy(
    from: { bucket: string; key: string; versionId?: string },
    to: { bucket: string; key: string },
    metadata?: Record<string, string>,
  ): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: to.bucket,
        Key: to.key,
        CopySource: copySource(from.bucket, from.key, from.versionId),
        ...(metadata === undefined ? {} : { MetadataDirective: 'REPLACE', Metadata: metadata }),
      }),
    );
  }

  /** DeleteObject (a delete marker in a versioned bucket; the old version expires by the lifecycle rule). */
  async delete(bucket: string, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  /**
   * DeleteObjects, 1,000 keys a request (S3's limit), quiet: the answer lists only the keys it could
   * not delete, and any such key fails the call naming it.
   */
  async deleteMany(bucket: string, keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const r = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = r.Errors ?? [];
      if (failed.length > 0) {
        const e = failed[0]!;
        throw new Error(
          `could not delete ${failed.length} of ${batch.length} objects in ${bucket}, e.g. ${e.Key}: ${e.Code} ${e.Message ?? ''}`.trim(),
        );
      }
    }
  }

  /** HeadObject: the ETag without its quotes and the VersionId; undefined when missing. */
  async head(bucket: string, key: string): Promise<{ etag: string; versionId?: string } | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        etag: (r.ETag ?? '').replace(/^"|"$/g, ''),
        ...(r.VersionId === undefined || r.VersionId === 'null' ? {} : { versionId: r.VersionId }),
      };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  /** ListObjectsV2 over every page; keys in S3's (UTF-8 binary) key order. */
  async list(bucket: string, prefix: string): Promise<string[]> {
    return (await this.listEtags(bucket, prefix)).map((o) => o.key);
  }

  /** ListObjectsV2 over every page, each key with its ETag (no quotes). */
  async listEtags(bucket: string, prefix: string): Promise<{ key: string; etag: string }[]> {
    const keys: { key: string; etag: string }[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined)
          keys.push({ key: object.Key, etag: (object.ETag ?? '').replace(/^"|"$/g, '') });
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    return keys;
  }

  private async putObject(bucket: string, key: string, body: string | Uint8Array, contentType?: string) {
    await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ...(contentType === undefined ? {} : { ContentType: contentType }),
      }),
    );
  }

  private async putChunks(bucket: string, key: string, chunks: Iterable<string>, contentType?: string) {
    const parts = encodeIntoParts(chunks, this.partSizeBytes);
    const first = parts.next();
    if (first.done) {
      await this.putObject(bucket, key, new Uint8Array(0), contentType);
      return;
    }
    const second = parts.next();
    if (second.done) {
      await this.putObject(bucket, key, first.value, contentType);
      return;
    }
    const created = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ...(contentType === undefined ? {} : { ContentType: contentType }),
      }),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined) {
      throw new MultipartUploadError(`CreateMultipartUpload s3://${bucket}/${key} returned no UploadId`);
    }
    try {
      const completed: { ETag: string; PartNumber: number }[] = [];
      const upload = async (bytes: Uint8Array) => {
        const partNumber = completed.length + 1;
        const response = await this.client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: bytes,
          }),
        );
        if (response.ETag === undefined) {
          throw new MultipartUploadError(
            `UploadPart ${partNumber} of s3://${bucket}/${key} returned no ETag`,
          );
        }
        completed.push({ ETag: response.ETag, PartNumber: partNumber });
      };
      await upload(first.value);
      await upload(second.value);
      for (const part of parts) await upload(part);
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: completed },
        }),
      );
    } catch (error) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
      throw new MultipartUploadError(`Multipart upload of s3://${bucket}/${key} failed and was aborted`, {
        cause: error,
      });
    }
  }
}

/**
 * UTF-8 encodes string chunks into parts of at least `partSize` bytes (the last may be shorter; an empty
 * input yields nothing). Parts are cut at exactly `partSize` bytes unless a multi-byte character straddles
 * the cut: it then goes whole into the earlier part, which is up to `partSize + 3` bytes long. Each part is a
 * fresh buffer (safe to hand to a request). Chunks are encoded one by one: a surrogate pair split between
 * two chunks becomes two U+FFFD.
 */
export function* encodeIntoParts(chunks: Iterable<string>, partSize: number): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  const capacity = partSize + PART_BUFFER_SLACK_BYTES;
  let buffer = new Uint8Array(capacity);
  let used = 0;
  for (const chunk of chunks) {
    let rest = chunk;
    while (rest.length > 0) {
      let { read, written } = encoder.encodeInto(rest, buffer.subarray(used, partSize));
      used += written;
      if (read < rest.length && used < partSize) {
        // The next character does not fit before the cut: put it whole into the slack.
        const next = String.fromCodePoint(rest.codePointAt(read) ?? 0xfffd);
        written = encoder.encodeInto(next, buffer.subarray(used)).written;
        used += written;
        read += next.length;
      }
      rest = read === rest.length ? '' : rest.slice(read);
      if (used >= partSize) {
        yield buffer.subarray(0, used);
        buffer = new Uint8Array(capacity);
        used = 0;
      }
    }
  }
  if (used > 0) yield buffer.subarray(0, used);
}
