/**
 * The identifiers the API takes from a caller, checked before any storage call: a symbol and a
 * model version. A request naming something that cannot exist is a 400 that says why, never a
 * storage error (an over-long DynamoDB key) or a prototype property (`constructor`).
 */

/** Longest symbol the API accepts (the request models say the same). */
export const SYMBOL_MAX_LENGTH = 64;

/**
 * The characters of a symbol (its length, 1 to {@link SYMBOL_MAX_LENGTH}, is checked apart): no
 * control character, slash or backslash, no space at either end. Tickers such as `BRK.B`, `^GSPC`,
 * `EURUSD=X` and file-stem names such as `SP500-2000` pass.
 */
export const SYMBOL_PATTERN = /^(?! )[^\p{Cc}/\\]*(?<! )$/u;

/**
 * Longest encoded symbol (URL-encoded, a `.` counted as `%2E` as the file leases encode it): every
 * file name built on it must fit 255 bytes, on the local S3 server and under `finml pipeline --out`.
 * The longest is a staged partition's on s3rver, `<encoded>@part-0000.parquet._S3rver_metadata.json.
 * <uuid>.partial` (85 bytes more); a lease folder adds `symbol%2F`. A character outside ASCII encodes
 * to 6–12 bytes: a symbol of 64 letters and digits passes, one of 17 CJK characters is the longest.
 */
export const SYMBOL_MAX_ENCODED_BYTES = 160;

/** A symbol's length as the longest encoding of it (see {@link SYMBOL_MAX_ENCODED_BYTES}). */
export function encodedSymbolBytes(symbol: string): number {
  return encodeURIComponent(symbol).replace(/\./g, '%2E').length;
}

/** Half a surrogate pair on its own: no character, and encodeURIComponent throws on it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be a symbol (too long, a control character, a slash), or undefined when it can. */
export function symbolProblem(symbol: string): string | undefined {
  if (symbol.length === 0) return 'it is empty';
  if (symbol.length > SYMBOL_MAX_LENGTH)
    return `it has ${symbol.length} characters (at most ${SYMBOL_MAX_LENGTH})`;
  if (LONE_SURROGATE.test(symbol)) return 'it holds an unpaired UTF-16 surrogate (not a character)';
  const encoded = encodedSymbolBytes(symbol);
  if (encoded > SYMBOL_MAX_ENCODED_BYTES)
    return `its partition name (URL-encoded) would take ${encoded} bytes (at most ${SYMBOL_MAX_ENCODED_BYTES}: fewer non-ASCII characters)`;
  if (symbol.startsWith(' ') || symbol.endsWith(' ')) return 'it starts or ends with a space';
  if (!SYMBOL_PATTERN.test(symbol)) return 'it holds a control character, a slash or a backslash';
  return undefined;
}

/** A model version as training names it: `<UTC yyyymmddThhmmss>-<8 hex digits of its fingerprint>`. */
export const MODEL_VERSION_PATTERN = /^\d{8}T\d{6}-[0-9a-f]{8}$/;

/** `record[key]` when `key` is the record's own property (never a prototype one such as `constructor`). */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
