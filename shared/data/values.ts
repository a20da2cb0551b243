/** Strict parsing of the cell values that DOMAIN §1 allows: plain decimals and ISO calendar dates. */

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Marks a cell that is present but not a number. */
export const INVALID = Number.NaN;

/**
 * A plain decimal (`[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?`, finite) → its value;
 * an empty cell → undefined (missing); anything else (`1601.5x`, `NaN`, `1,234.5`, ` 1`) → NaN.
 */
export function parseDecimal(cell: string): number | undefined {
  if (cell.length === 0) return undefined;
  if (!DECIMAL.test(cell)) return INVALID;
  const v = Number(cell);
  return Number.isFinite(v) ? v : INVALID;
}

/** Days since 1970-01-01 of a strict `YYYY-MM-DD` that is a real calendar day; undefined otherwise. */
export function parseIsoDay(cell: string): number | undefined {
  const m = ISO_DATE.exec(cell);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
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

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
