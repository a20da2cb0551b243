/**
 * Silver: the cleaned series of DOMAIN §2 — duplicates on (symbol, date) resolved (the last
 * surviving occurrence in file order wins), rows sorted by date, short gaps of missing closes
 * forward-filled, consistency flags set. Also the merge of a new file into a symbol's history.
 */
import type { DataConfig } from '#config/schema';
import { consistencyFlags } from './bronze.ts';
import {
  addCounts,
  countsQuality,
  dayOrderCounts,
  type LayerQuality,
  NO_ROWS,
  type QualityCounts,
} from './quality.ts';
import {
  FLAGS,
  type FlagName,
  type PriceSeries,
  pickRows,
  type SilverSeries,
  VALUE_FIELDS,
} from './series.ts';

export interface SilverStats {
  symbol: string;
  rowsIn: number;
  rowsOut: number;
  duplicatesDropped: number;
  forwardFilled: number;
  /** Rows in runs of missing closes longer than cleaning.maxForwardFill. */
  droppedLongGap: number;
  /** Rows with a missing close and no earlier close in the series. */
  droppedNoEarlierClose: number;
  flagged: Record<FlagName, number>;
  /** Rows with at least one flag. */
  flaggedRows: number;
}

/**
 * Cleans one symbol's accepted bronze rows (in file order) into a silver series.
 * Pure: the input is not modified. When the rows are already clean (days strictly ascending, every
 * close present — the usual vendor file) silver is the same rows, and the result shares the
 * input's arrays instead of copying them; neither is modified afterwards.
 */
export function cleanSeries(
  raw: PriceSeries,
  config: DataConfig,
): { series: SilverSeries; stats: SilverStats } {
  if (isCleanAlready(raw)) return cleanAlready(raw);
  const unique = lastPerDay(raw);
  const sorted = pickRows(raw, unique);
  const gaps = fillMissingCloses(sorted, config.cleaning.maxForwardFill);
  const series = withFlags(
    pickRows({ ...sorted, close: gaps.close }, gaps.index),
    Uint8Array.from(gaps.filled),
  );
  return {
    series,
    stats: {
      symbol: raw.symbol,
      rowsIn: raw.length,
      rowsOut: series.length,
      duplicatesDropped: raw.length - unique.length,
      forwardFilled: gaps.filledCount,
      droppedLongGap: gaps.long,
      droppedNoEarlierClose: gaps.leading,
      ...countFlags(series.flags),
    },
  };
}

/**
 * True when cleaning would keep every row in place: days strictly ascending (so no duplicates and
 * nothing to sort), every close present (nothing to fill or drop), arrays of the series' length.
 */
function isCleanAlready(s: PriceSeries): boolean {
  const n = s.length;
  const { day, close } = s;
  for (const a of [s.day, s.line, s.open, s.high, s.low, s.close, s.adjclose, s.volume])
    if (a.length !== n) return false;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(close[i]!)) return false;
    if (i > 0 && day[i]! <= day[i - 1]!) return false;
  }
  return true;
}

/** cleanSeries of a series that isCleanAlready: the same rows, sharing the arrays. */
function cleanAlready(raw: PriceSeries): { series: SilverSeries; stats: SilverStats } {
  const rows: PriceSeries = {
    symbol: raw.symbol,
    length: raw.length,
    day: raw.day,
    line: raw.line,
    open: raw.open,
    high: raw.high,
    low: raw.low,
    close: raw.close,
    adjclose: raw.adjclose,
    volume: raw.volume,
  };
  const series = withFlags(rows, new Uint8Array(raw.length));
  return {
    series,
    stats: {
      symbol: raw.symbol,
      rowsIn: raw.length,
      rowsOut: raw.length,
      duplicatesDropped: 0,
      forwardFilled: 0,
      droppedLongGap: 0,
      droppedNoEarlierClose: 0,
      ...countFlags(series.flags),
    },
  };
}

/**
 * Row indices of `s` sorted by day, keeping for each day the last row in input order.
 * Sorting a composite key (day, position) keeps it to one typed-array sort.
 */
function lastPerDay(s: PriceSeries): Int32Array {
  const n = s.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (s.day[i]! + 2 ** 20) * 2 ** 31 + i;
  keys.sort();
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = keys[k]! % 2 ** 31;
    const next = keys[k + 1];
    // Keep the last occurrence of each day: skip when the next key has the same day.
    if (next !== undefined && Math.floor(next / 2 ** 31) === Math.floor(keys[k]! / 2 ** 31)) continue;
    out.push(i);
  }
  return Int32Array.from(out);
}

/**
 * DOMAIN §2: a run of at most `maxRun` consecutive missing closes is forward-filled from the last
 * valid close; a longer run, or a run with no earlier close, is dropped entirely.
 */
function fillMissingCloses(s: PriceSeries, maxRun: number) {
  const index: number[] = [];
  const filled: number[] = [];
  const close = s.close.slice();
  let filledCount = 0;
  let long = 0;
  let leading = 0;
  let i = 0;
  while (i < s.length) {
    if (!Number.isNaN(close[i]!)) {
      index.push(i);
      filled.push(0);
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && Number.isNaN(close[j]!)) j++;
    const run = j - i;
    if (i === 0) leading += run;
    else if (run > maxRun) long += run;
    else {
      for (let k = i; k < j; k++) {
        close[k] = close[i - 1]!;
        index.push(k);
        filled.push(1);
      }
      filledCount += run;
    }
    i = j;
  }
  return { index, filled, close, filledCount, long, leading };
}

function withFlags(s: PriceSeries, filled: Uint8Array): SilverSeries {
  const n = s.length;
  const flags = new Uint8Array(n);
  const { open, high, low, close, volume } = s;
  for (let i = 0; i < n; i++) flags[i] = consistencyFlags(open[i]!, high[i]!, low[i]!, close[i]!, volume[i]!);
  return { ...s, filled, flags };
}

function countFlags(flags: Uint8Array): { flagged: Record<FlagName, number>; flaggedRows: number } {
  const flagged = Object.fromEntries(Object.keys(FLAGS).map((k) => [k, 0])) as Record<FlagName, number>;
  let flaggedRows = 0;
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    if (f === 0) continue;
    flaggedRows++;
    for (const [name, bit] of Object.entries(FLAGS) as [FlagName, number][]) if (f & bit) flagged[name]++;
  }
  return { flagged, flaggedRows };
}

/**
 * Merges a newly cleaned series into a symbol's silver history (DESIGN §4): the union of days;
 * on a clash the newer file's row wins (a vendor correction).
 */
export function mergeSilver(history: SilverSeries | undefined, incoming: SilverSeries): SilverSeries {
  if (history === undefined || history.length === 0) return incoming;
  // Which row of the union comes from where: incoming row j as j, history row i as −1 − i.
  const from = new Int32Array(history.length + incoming.length);
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < history.length || j < incoming.length) {
    const hd = i < history.length ? history.day[i]! : Number.POSITIVE_INFINITY;
    const nd = j < incoming.length ? incoming.day[j]! : Number.POSITIVE_INFINITY;
    if (nd <= hd) {
      from[n++] = j++;
      if (nd === hd) i++;
    } else from[n++] = -1 - i++;
  }
  const merged = emptySilver(incoming.symbol, n);
  const copy = <T extends Int32Array | Uint8Array | Float64Array>(out: T, a: T, b: T) => {
    for (let r = 0; r < n; r++) {
      const k = from[r]!;
      out[r] = k >= 0 ? b[k]! : a[-1 - k]!;
    }
  };
  copy(merged.day, history.day, incoming.day);
  copy(merged.line, history.line, incoming.line);
  copy(merged.filled, history.filled, incoming.filled);
  copy(merged.flags, history.flags, incoming.flags);
  for (const f of VALUE_FIELDS) copy(merged[f], history[f], incoming[f]);
  return merged;
}

export function emptySilver(symbol: string, n: number): SilverSeries {
  return {
    symbol,
    length: n,
    day: new Int32Array(n),
    line: new Int32Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    adjclose: new Float64Array(n),
    volume: new Float64Array(n),
    filled: new Uint8Array(n),
    flags: new Uint8Array(n),
  };
}

/**
 * Silver quality: completeness = observed (not forward-filled) closes; validity = rows without a
 * consistency flag; uniqueness and timeliness check that the cleaning did its job (unique,
 * ordered days, none after the run day).
 */
export function silverQuality(series: SilverSeries[], runDay: number, gate: number): LayerQuality {
  return countsQuality('silver', gate, series.map((s) => silverCounts(s, runDay)).reduce(addCounts, NO_ROWS));
}

/** The counts behind silverQuality for one series. */
export function silverCounts(s: SilverSeries, runDay: number): QualityCounts {
  let filled = 0;
  let flagged = 0;
  for (let i = 0; i < s.length; i++) {
    filled += s.filled[i]!;
    if (s.flags[i] !== 0) flagged++;
  }
  return { rows: s.length, incomplete: filled, invalid: flagged, ...dayOrderCounts([s], runDay) };
}
