/**
 * ListObjectsV2 past 1,000 keys on s3rver 3.7. Its continuation token is encrypted with single DES,
 * which OpenSSL 3 (Node ≥ 17) no longer provides, so every listing that needs a second page — a
 * prefix with more than 1,000 keys: the staging of a 500-symbol run, the silver of 1,000 symbols —
 * answers 500 InternalError (ERR_OSSL_EVP_UNSUPPORTED), where S3 answers the first page and a token.
 *
 * The patch wraps s3rver's GET-bucket controller for list-type 2: the request's continuation token
 * (an opaque base64 of region/bucket/last key, as s3rver's own, without DES) becomes the start-after
 * key, the store's listing runs with truncation hidden from the controller (so it never calls the
 * DES code), and the page's IsTruncated, NextContinuationToken and ContinuationToken are set after.
 * Version 1 listings (marker) never used the token and are untouched. Applied once per process.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ListResult {
  objects: { key: string }[];
  isTruncated: boolean;
}
interface BucketStore {
  listObjects(bucket: string, options: unknown): Promise<ListResult>;
}
interface KoaContext {
  query: Record<string, string | undefined>;
  params: { bucket: string };
  store: BucketStore;
  body: { ListBucketResult: Record<string, unknown> } | undefined;
}
interface BucketController {
  getBucket(ctx: KoaContext): Promise<void>;
}
type S3ErrorConstructor = new (code: string, message: string, detail?: Record<string, unknown>) => Error;

const PATCHED = Symbol.for('finml.s3rver.listPages');
const REGION = 'us-east-1';

export function continuationToken(bucket: string, lastKey: string): string {
  return Buffer.from(`${REGION}/${bucket}/${lastKey}`, 'utf8').toString('base64');
}

/** The key a token starts after, or undefined when it is not one of this bucket's tokens. */
export function startAfterOf(token: string, bucket: string): string | undefined {
  const text = Buffer.from(token, 'base64').toString('utf8');
  const prefix = `${REGION}/${bucket}/`;
  return text.startsWith(prefix) && text.length > prefix.length ? text.slice(prefix.length) : undefined;
}

/** Patches s3rver's bucket controller (idempotent). */
export function makeS3rverListPages(): void {
  const controller = require('s3rver/lib/controllers/bucket') as BucketController & { [PATCHED]?: true };
  if (controller[PATCHED]) return;
  const S3Error = require('s3rver/lib/models/error') as S3ErrorConstructor;
  const original = controller.getBucket;
  controller.getBucket = async function getBucket(ctx: KoaContext): Promise<void> {
    if (ctx.query['list-type'] !== '2') return original(ctx);
    const token = ctx.query['continuation-token'];
    if (token) {
      const startAfter = startAfterOf(token, ctx.params.bucket);
      if (startAfter === undefined) {
        throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', {
          ArgumentName: 'continuation-token',
        });
      }
      const { 'continuation-token': _token, ...rest } = ctx.query;
      ctx.query = { ...rest, 'start-after': startAfter };
    }
    const store = ctx.store;
    let page: ListResult | undefined;
    ctx.store = Object.create(store, {
      listObjects: {
        value: async (bucket: string, options: unknown) => {
          page = await store.listObjects(bucket, options);
          return { ...page, isTruncated: false };
        },
      },
    }) as BucketStore;
    try {
      await original(ctx);
    } finally {
      ctx.store = store;
    }
    const result = ctx.body?.ListBucketResult;
    if (result === undefined) return;
    if (token) {
      result.ContinuationToken = token;
      result.StartAfter = undefined;
    }
    if (page?.isTruncated && page.objects.length > 0) {
      result.IsTruncated = true;
      result.NextContinuationToken = continuationToken(ctx.params.bucket, page.objects.at(-1)!.key);
    }
  };
  controller[PATCHED] = true;
}
