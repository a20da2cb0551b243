/**
 * The record codec of every DynamoDB item the adapters write: DynamoDB stores numbers only when they are
 * 0 or of magnitude 1E-130 … 9.99…E+125 (and has no NaN or ±Infinity), so a p-value that underflowed to
 * 1e-200 or an infinite statistic would fail the whole write (`ValidationException: Number underflow`).
 * The document client also refuses magnitudes above Number.MAX_SAFE_INTEGER (it would lose digits of
 * an integer). Such numbers are written as `{ "$number": "<the number as a string>" }` and decoded back to the same
 * double on read: nothing is lost, and one symbol's extreme statistic cannot fail a record.
 */

/** Smallest nonzero magnitude DynamoDB stores. */
export const DYNAMO_MIN_MAGNITUDE = 1e-130;
/** Magnitudes from here on overflow (the largest storable is 9.99…E+125). */
export const DYNAMO_OVERFLOW_MAGNITUDE = 1e126;

const TAG = '$number';

/** True when DynamoDB can store `x` as a number attribute. */
export function isStorableNumber(x: number): boolean {
  if (x === 0) return true;
  const m = Math.abs(x);
  return m >= DYNAMO_MIN_MAGNITUDE && m < DYNAMO_OVERFLOW_MAGNITUDE;
}

/** True when the adapters write `x` as a tagged string: DynamoDB or the document client would refuse it. */
export function needsTag(x: number): boolean {
  return !isStorableNumber(x) || Math.abs(x) > Number.MAX_SAFE_INTEGER;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** The value with every number DynamoDB cannot store replaced by its tagged string (deep; bytes untouched). */
export function encodeNumbers<T>(value: T): T {
  return encode(value) as T;
}

function encode(value: unknown): unknown {
  if (typeof value === 'number') return needsTag(value) ? { [TAG]: String(value) } : value;
  if (Array.isArray(value)) return value.map(encode);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encode(v);
    return out;
  }
  return value;
}

/** The inverse of encodeNumbers: tagged numbers back to numbers (NaN, ±Infinity, 1e-200, …). */
export function decodeNumbers<T>(value: T): T {
  return decode(value) as T;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === TAG && typeof entries[0]![1] === 'string') {
      return Number(entries[0]![1]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[k] = decode(v);
    return out;
  }
  return value;
}
