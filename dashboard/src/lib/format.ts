/**
 * Formatting numbers, probabilities, intervals and times for display. Pure functions: the same
 * input always gives the same text (times are shown in UTC, so a screenshot does not depend on
 * the viewer's time zone). Missing values show as an em dash, infinite ones as ∞ — never as 0.
 */
import type { JsonNumber } from './types.ts';

/** No-break space: keeps "12.3 %" and "5 days" on one line. */
export const NBSP = '\u00a0';
export const MISSING = '—';

/** A JSON number that may be null or the string "Infinity" → number (±Infinity) or null. */
export function toNumber(value: JsonNumber | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.isNaN(value) ? null : value;
}

/** A probability in [0, 1] as a percentage: 0.1234 → "12.3 %". */
export function formatPercent(value: JsonNumber | undefined, digits = 1): string {
  const x = toNumber(value);
  if (x === null || !Number.isFinite(x)) return MISSING;
  return `${(x * 100).toFixed(digits)}${NBSP}%`;
}

/** A number with fixed decimals; ∞ for infinite values (e.g. a state never left). */
export function formatNumber(value: JsonNumber | undefined, digits = 3): string {
  const x = toNumber(value);
  if (x === null) return MISSING;
  if (x === Number.POSITIVE_INFINITY) return '∞';
  if (x === Number.NEGATIVE_INFINITY) return '−∞';
  return x.toFixed(digits);
}

/** An integer count with thousands separators: 12345 → "12,345". */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  return Math.round(value).toLocaleString('en-US');
}

/** A number of days: 12.345 → "12.3 days", Infinity → "∞ (never)". */
export function formatDays(value: JsonNumber | undefined, digits = 1): string {
  const x = toNumber(value);
  if (x === null) return MISSING;
  if (x === Number.POSITIVE_INFINITY) return `∞${NBSP}(never)`;
  const text = x.toFixed(digits);
  return `${text}${NBSP}${text === (1).toFixed(digits) ? 'day' : 'days'}`;
}

/**
 * An interval as "[lower, upper]" with the given formatter; empty when a bound is unknown (e.g. a
 * horizon without a posterior interval).
 */
export function formatInterval(
  lower: JsonNumber | undefined,
  upper: JsonNumber | undefined,
  format: (x: JsonNumber) => string = formatPercent,
): string {
  const lo = toNumber(lower);
  const hi = toNumber(upper);
  if (lo === null || hi === null) return '';
  return `[${format(lo)}, ${format(hi)}]`;
}

/** "12.3 % [9.1 %, 15.2 %]" — a probability with its credible interval (or alone when unknown). */
export function formatProbabilityWithInterval(p: {
  probability: JsonNumber;
  lower: JsonNumber;
  upper: JsonNumber;
}): string {
  const interval = formatInterval(p.lower, p.upper);
  const point = formatPercent(p.probability);
  return interval === '' ? point : `${point} ${interval}`;
}

/** A p-value: three decimals from 0.01, two significant digits below, "< 0.0001" below 1e-4. */
export function formatPValue(value: JsonNumber | undefined): string {
  const p = toNumber(value);
  if (p === null || !Number.isFinite(p)) return MISSING;
  if (p < 1e-4) return '<\u00a00.0001';
  return p >= 0.01 ? p.toFixed(3) : p.toPrecision(2);
}

/** A signed difference: +0.012 / −0.004 (with a real minus sign). */
export function formatSigned(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${value < 0 ? '−' : '+'}${text}`;
}

/** An ISO 8601 instant as "YYYY-MM-DD HH:MM UTC"; other text is returned as given. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return MISSING;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t).toISOString();
  return `${d.slice(0, 10)}${NBSP}${d.slice(11, 16)}${NBSP}UTC`;
}

/** How long ago an instant was, coarsely: "just now", "5 min ago", "3 h ago", "12 days ago". */
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return MISSING;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const seconds = Math.round((now - t) / 1000);
  if (seconds < 0) return 'in the future';
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}${NBSP}min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}${NBSP}h ago`;
  return `${Math.floor(hours / 24)}${NBSP}days ago`;
}

/** A metric name as a reader says it: "logLoss" → "log loss", "rocAuc" → "ROC AUC". */
export function metricLabel(metric: string): string {
  const known: Record<string, string> = {
    accuracy: 'accuracy',
    macroF1: 'macro F1',
    f1Macro: 'macro F1',
    rocAuc: 'ROC AUC',
    logLoss: 'log loss',
    brier: 'Brier score',
  };
  return known[metric] ?? metric.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
