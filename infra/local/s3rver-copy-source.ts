/**
 * CopyObject of a key with `+`, `&`, `#` or `?` on s3rver 3.7. S3 (and the SDK) percent-encode the
 * key in `x-amz-copy-source`; s3rver decodes it with `decodeURI`, which leaves the escapes of URI
 * reserved characters (%2B, %26, %23, %3F, …) as they are, so it looks for `a%2Bb.csv` and answers
 * NoSuchKey — a rejected `market_data/a+b.csv` could not be quarantined, nor retried.
 *
 * The patch wraps s3rver's copy controller: the header is decoded whole (decodeURIComponent, its
 * query — a version id s3rver has no use for — dropped) and re-encoded with encodeURI, which
 * s3rver's decodeURI turns back into exactly the key. Applied once per process.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ObjectController {
  putObjectCopy(ctx: { headers: Record<string, string | undefined> }): Promise<void>;
}

const PATCHED = Symbol.for('finml.s3rver.copySource');

/** The header value s3rver's `decodeURI` decodes to the source S3 would read. */
export function s3rverCopySource(header: string): string {
  const query = header.indexOf('?');
  return encodeURI(decodeURIComponent(query < 0 ? header : header.slice(0, query)));
}

/** Patches s3rver's object controller (idempotent). */
export function makeS3rverCopySourceDecoded(): void {
  const controller = require('s3rver/lib/controllers/object') as ObjectController & { [PATCHED]?: true };
  if (controller[PATCHED]) return;
  const original = controller.putObjectCopy;
  controller.putObjectCopy = function putObjectCopy(ctx) {
    const header = ctx.headers['x-amz-copy-source'];
    if (header !== undefined) ctx.headers['x-amz-copy-source'] = s3rverCopySource(header);
    return original.call(this, ctx);
  };
  controller[PATCHED] = true;
}
