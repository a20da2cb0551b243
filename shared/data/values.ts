/** Strict parsing of the cell values that DOMAIN §1 allows: plain decimals and ISO calendar dates. */

/** DOMAIN §1: the only text that is a number (and then only when finite). */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Integers below 2^53 are exact doubles (and so are their sums with a digit while below it). */
const TWO_POW_53 = 9_007_199_254_740_992;

/** 10^k is an exact double for k ≤ 22 (5^22 < 2^53). */
const MAX_EXACT_POWER = 22;

/** 10^k for k = 0…22, each exactly a double (parsed from its literal, so no rounding in pow). */
const EXACT_POWERS_OF_TEN = Float64Array.from({ length: MAX_EXACT_POWER + 1 }, (_, k) => Number(`1e${k}`));

const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** Marks a cell that is present but not a number. */
export const INVALID = Number.NaN;

/**
 * A plain decimal (`[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?`, finite) → its value;
 * an empty cell → undefined (missing); anything else (`1601.5x`, `NaN`, `1,234.5`, ` 1`) → NaN.
 * The value is `Number(cell)`: the correctly rounded double (ECMAScript StringToNumber).
 */
export function parseDecimal(cell: string): number | undefined {
  return parseDecimalIn(cell, 0, cell.length);
}

/**
 * `parseDecimal(text.slice(from, to))` without making the substring in the common case.
 *
 * Fast path (W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990): a cell of
 * the form `[+-]?digits[.digits]` is m / 10^k; with m < 2^53 and k ≤ 22 both are exact doubles, so
 * the one IEEE division is correctly rounded — the same double as `Number(cell)`. A longer mantissa of that form goes to `Number` without the regular expression
 * (the scan has checked it); anything else (exponents, invalid text) takes the regular expression of
 * DOMAIN §1 and `Number`.
 */
export function parseDecimalIn(text: string, from: number, to: number): number | undefined {
  if (to <= from) return undefined;
  let i = from;
  let c = text.charCodeAt(i);
  const negative = c === MINUS;
  if (negative || c === PLUS) i++;
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  let dot = false;
  for (; i < to; i++) {
    c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      if (dot) decimals++;
    } else if (c === DOT && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (i === to && digits > 0) {
    // Every partial mantissa is below the final one, so all were exact integers when the final one
    // is below 2^53 (a true value ≥ 2^53 never rounds below it, so the test is on the true value).
    if (mantissa < TWO_POW_53 && decimals <= MAX_EXACT_POWER) {
      const v = mantissa / EXACT_POWERS_OF_TEN[decimals]!;
      return negative ? -v : v;
    }
    // The scan has checked the form (`[+-]?digits[.digits]`, e.g. a shortest round-trip double
    // with 17 digits): only the correctly rounded conversion is left.
    const v = Number(text.slice(from, to));
    return Number.isFinite(v) ? v : INVALID;
  }
  return parseDecimalStrict(from === 0 && to === text.length ? text : text.slice(from, to));
}

/**
 * `parseDecimalIn(text, from, to)` where `bytes` holds the same characters as `text` at the same
 * positions (the ASCII bytes a chunk of text was made of): the fast path of parseDecimalIn read
 * from the bytes, which is cheaper than reading characters of a string; any other form (a long
 * mantissa, an exponent, invalid text) is left to parseDecimalIn.
 */
export function parseDecimalBytes(
  bytes: Uint8Array,
  text: string,
  from: number,
  to: number,
): number | undefined {
  const v = fastDecimalBytes(bytes, from, to);
  return Number.isNaN(v) ? parseDecimalIn(text, from, to) : v;
}

/**
 * The fast path of parseDecimalIn over bytes: the value of a cell `[+-]?digits[.digits]` with at
 * least one digit, m < 2^53 and k ≤ 22; NaN for any other cell (empty, long, an exponent, invalid),
 * which parseDecimalIn decides. Always a double (never undefined), so a caller's loop keeps it unboxed.
 */
export function fastDecimalBytes(bytes: Uint8Array, from: number, to: number): number {
  if (to <= from) return Number.NaN;
  let i = from;
  const sign = bytes[i]!;
  if (sign === MINUS || sign === PLUS) i++;
  const first = i;
  let dot = -1;
  // The first 9 digits in integer arithmetic (exact below 10^9, and a shorter dependency chain per
  // digit than a double's multiply and add); any further digits go on in a double.
  let small = 0;
  let digits = 0;
  for (; i < to && digits < 9; i++) {
    const c = bytes[i]!;
    const d = c - ZERO;
    if (d >= 0 && d <= 9) {
      small = small * 10 + d;
      digits++;
    } else if (c === DOT && dot < 0) dot = i;
    else break;
  }
  let mantissa = small;
  for (; i < to; i++) {
    const c = bytes[i]!;
    const d = c - ZERO;
    if (d >= 0 && d <= 9) mantissa = mantissa * 10 + d;
    else if (c === DOT && dot < 0) dot = i;
    else break;
  }
  const decimals = dot < 0 ? 0 : i - dot - 1;
  // The fast path of parseDecimalIn, under the same conditions (an empty cell has no digit).
  if (i === to && i - first > (dot < 0 ? 0 : 1) && mantissa < TWO_POW_53 && decimals <= MAX_EXACT_POWER) {
    const v = mantissa / EXACT_POWERS_OF_TEN[decimals]!;
    return sign === MINUS ? -v : v;
  }
  return Number.NaN;
}

/** The regular-expression definition of DOMAIN §1 (a non-empty cell). */
function parseDecimalStrict(cell: string): number {
  if (!DECIMAL.test(cell)) return INVALID;
  const v = Number(cell);
  return Number.isFinite(v) ? v : INVALID;
}

/**
 * Days since 1970-01-01 of a strict `YYYY-MM-DD` (`^\d{4}-\d{2}-\d{2}$`, ASCII digits) that is a
 * real calendar day; undefined otherwise.
 */
export function parseIsoDay(cell: string): number | undefined {
  if (cell.length !== 10 || cell.charCodeAt(4) !== MINUS || cell.charCodeAt(7) !== MINUS) return undefined;
  const year = digitsAt(cell, 0, 4);
  const month = digitsAt(cell, 5, 2);
  const day = digitsAt(cell, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

/** A time of day after a date, as vendors write daily bars: `00:00:00-05:00`, `16:00`, `00:00:00Z`. */
const TIME_OF_DAY = /^[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$/;

/**
 * The day of a bronze date cell: `YYYY-MM-DD`, or that followed by a time of day and an optional
 * offset (`2019-01-02 00:00:00-05:00`, as yfinance's `history().to_csv()` writes it; `…T00:00:00Z`).
 * The day is the date as written — the bar's own (exchange) date, never shifted to UTC.
 */
export function parseDayCell(cell: string): number | undefined {
  if (cell.length === 10) return parseIsoDay(cell);
  if (cell.length < 16 || !TIME_OF_DAY.test(cell.slice(10))) return undefined;
  return parseIsoDay(cell.slice(0, 10));
}

/** `YYYY-MM-DD` of a day number (days since 1970-01-01). */
export function formatIsoDay(day: number): string {
  const [y, m, d] = civilFromDays(day);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** [year, month, day] of a day number (H. Hinnant's civil_from_days). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** The UTC calendar day (days since epoch) of an instant. */
export function utcDay(instant: Date): number {
  return Math.floor(instant.getTime() / 86_400_000);
}

/** The integer of `count` ASCII digits at `from`; −1 when one of them is not a digit. */
function digitsAt(s: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
