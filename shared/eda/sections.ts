/**
 * The sections of an EDA report, each a pure function of column arrays: missing-value patterns,
 * runs of missing closes, outliers, correlations, distributions, rolling trend, seasonality,
 * stationarity, regimes and the checks a gold table must pass before the model is trained on it.
 * Every threshold is a parameter (profile.ts documents the defaults).
 */
import { formatIsoDay } from '#shared/data/values';
import { AdfError, type AdfResult, adfuller } from './adf.ts';
import {
  type Correlation,
  finiteValues,
  mean,
  numpyLinearQuantile,
  pairwiseSum,
  pearson,
  sortedCopy,
  spearman,
  standardDeviation,
} from './descriptive.ts';
import {
  type AnovaResult,
  GroupTestInputError,
  type KruskalResult,
  kruskalWallis,
  oneWayAnova,
} from './group-tests.ts';
import { type Histogram, type HistogramBins, histogram } from './histogram.ts';

// ---------------------------------------------------------------------------------------------
// Missing values

export interface MissingPattern {
  /** The columns missing together in these rows. */
  columns: string[];
  rows: number;
}

export interface MissingValues {
  rows: number;
  /** Rows with at least one missing cell. */
  rowsWithMissing: number;
  /** Missing (NaN) cells per column. */
  columns: Record<string, number>;
  /** The most common combinations of missing columns (rows with none missing left out). */
  patterns: MissingPattern[];
}

/**
 * Missing cells per column and the `top` most common combinations of columns missing in the same
 * row (most rows first; ties in column order). A cell is missing when it is NaN.
 */
export function missingValues(columns: Record<string, ArrayLike<number>>, top: number): MissingValues {
  const names = Object.keys(columns);
  const rows = names.length === 0 ? 0 : columns[names[0]!]!.length;
  const perColumn = Object.fromEntries(names.map((n) => [n, 0])) as Record<string, number>;
  const patternCounts = new Map<string, number>();
  let rowsWithMissing = 0;
  const missing: number[] = [];
  for (let i = 0; i < rows; i++) {
    missing.length = 0;
    for (let c = 0; c < names.length; c++) {
      if (Number.isNaN(columns[names[c]!]![i]!)) {
        missing.push(c);
        perColumn[names[c]!]!++;
      }
    }
    if (missing.length === 0) continue;
    rowsWithMissing++;
    const key = missing.join(',');
    patternCounts.set(key, (patternCounts.get(key) ?? 0) + 1);
  }
  const patterns = [...patternCounts]
    .map(([key, count]) => ({ index: key.split(',').map(Number), rows: count }))
    .sort((a, b) => b.rows - a.rows || compareIndexLists(a.index, b.index))
    .slice(0, top)
    .map((p) => ({ columns: p.index.map((c) => names[c]!), rows: p.rows }));
  return { rows, rowsWithMissing, columns: perColumn, patterns };
}

function compareIndexLists(a: number[], b: number[]): number {
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
  return a.length - b.length;
}

export type CloseRunOutcome = 'forward-filled' | 'dropped: long gap' | 'dropped: no earlier close';

export interface CloseRun {
  first: string;
  last: string;
  length: number;
  outcome: CloseRunOutcome;
}

export interface CloseRuns {
  runs: number;
  /** Rows in all runs. */
  rows: number;
  longest: number;
  /** Number of runs of each length. */
  byLength: Record<string, number>;
  /** Rows per outcome of the silver rule. */
  outcomes: Record<CloseRunOutcome, number>;
  /** The longest runs (up to `examples`), longest first, then earliest. */
  longestRuns: CloseRun[];
}

/**
 * Runs of consecutive rows with a missing close, in date order, and what the silver rule does
 * with each (DOMAIN §2): a run of at most `maxForwardFill` rows after an earlier close is
 * forward-filled; a longer one, or one with no earlier close, is dropped.
 *
 * @param day the rows' days, sorted ascending.
 * @param missing 1 where the row's close is missing.
 */
export function closeRuns(
  day: ArrayLike<number>,
  missing: ArrayLike<number>,
  maxForwardFill: number,
  examples: number,
): CloseRuns {
  const all: CloseRun[] = [];
  let i = 0;
  while (i < missing.length) {
    if (missing[i] !== 1) {
      i++;
      continue;
    }
    let j = i;
    while (j < missing.length && missing[j] === 1) j++;
    const length = j - i;
    const outcome: CloseRunOutcome =
      i === 0
        ? 'dropped: no earlier close'
        : length > maxForwardFill
          ? 'dropped: long gap'
          : 'forward-filled';
    all.push({ first: formatIsoDay(day[i]!), last: formatIsoDay(day[j - 1]!), length, outcome });
    i = j;
  }
  const byLength: Record<string, number> = {};
  const outcomes: Record<CloseRunOutcome, number> = {
    'forward-filled': 0,
    'dropped: long gap': 0,
    'dropped: no earlier close': 0,
  };
  for (const run of all) {
    byLength[run.length] = (byLength[run.length] ?? 0) + 1;
    outcomes[run.outcome] += run.length;
  }
  const longestRuns = all
    .map((run, order) => ({ run, order }))
    .sort((a, b) => b.run.length - a.run.length || a.order - b.order)
    .slice(0, examples)
    .map(({ run }) => run);
  return {
    runs: all.length,
    rows: all.reduce((s, r) => s + r.length, 0),
    longest: all.reduce((m, r) => Math.max(m, r.length), 0),
    byLength,
    outcomes,
    longestRuns,
  };
}

// ---------------------------------------------------------------------------------------------
// Outliers

export interface OutlierExample {
  date: string;
  value: number;
  z: number;
}

export interface Outliers {
  /** Finite values examined. */
  count: number;
  /** Tukey fences: outside [Q1 − k·IQR, Q3 + k·IQR] (strict), quartiles by numpy linear interpolation. */
  iqr: {
    multiplier: number;
    q1: number;
    q3: number;
    iqr: number;
    lower: number;
    upper: number;
    below: number;
    above: number;
    outliers: number;
    share: number;
  };
  /** |z| > threshold (strict), z against the sample's own mean and sd (ddof 1). */
  z: { threshold: number; mean: number; sd: number; outliers: number; share: number };
  /** The values with the largest |z| beyond the threshold, most extreme first. */
  extremes: OutlierExample[];
}

/**
 * Outliers of one series by the IQR rule (x < Q1 − k·IQR or x > Q3 + k·IQR) and the z rule
 * (|x − mean| / sd > threshold, sd with ddof 1; none when sd is 0 or undefined). Non-finite values
 * are left out.
 */
export function outliers(
  values: ArrayLike<number>,
  day: ArrayLike<number>,
  options: { iqrMultiplier: number; zThreshold: number; examples: number },
): Outliers {
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) kept.push(i);
  const x = Float64Array.from(kept, (i) => values[i]!);
  const n = x.length;
  const sorted = sortedCopy(x);
  const q1 = n === 0 ? Number.NaN : numpyLinearQuantile(sorted, 0.25);
  const q3 = n === 0 ? Number.NaN : numpyLinearQuantile(sorted, 0.75);
  const iqr = q3 - q1;
  const lower = q1 - options.iqrMultiplier * iqr;
  const upper = q3 + options.iqrMultiplier * iqr;
  const m = mean(x);
  const sd = standardDeviation(x, 1);
  const zUsable = sd > 0 && Number.isFinite(sd);
  let below = 0;
  let above = 0;
  const flagged: OutlierExample[] = [];
  for (let k = 0; k < n; k++) {
    const v = x[k]!;
    if (v < lower) below++;
    else if (v > upper) above++;
    if (!zUsable) continue;
    const z = (v - m) / sd;
    if (Math.abs(z) > options.zThreshold) flagged.push({ date: formatIsoDay(day[kept[k]!]!), value: v, z });
  }
  const share = (count: number) => (n === 0 ? 0 : count / n);
  return {
    count: n,
    iqr: {
      multiplier: options.iqrMultiplier,
      q1,
      q3,
      iqr,
      lower,
      upper,
      below,
      above,
      outliers: below + above,
      share: share(below + above),
    },
    z: { threshold: options.zThreshold, mean: m, sd, outliers: flagged.length, share: share(flagged.length) },
    extremes: flagged
      .map((e, order) => ({ e, order }))
      .sort((a, b) => Math.abs(b.e.z) - Math.abs(a.e.z) || a.order - b.order)
      .slice(0, options.examples)
      .map(({ e }) => e),
  };
}

// ---------------------------------------------------------------------------------------------
// Correlations and distributions

export interface CorrelationMatrix {
  columns: string[];
  /** pandas `df.corr("pearson")`: pairwise-complete rows; NaN for a constant column. */
  pearson: number[][];
  /** pandas `df.corr("spearman")`. */
  spearman: number[][];
  /** Complete pairs behind each coefficient. */
  pairs: number[][];
}

/** Pearson and Spearman correlation between every two columns (rows aligned). */
export function correlationMatrix(columns: Record<string, ArrayLike<number>>): CorrelationMatrix {
  const names = Object.keys(columns);
  const k = names.length;
  const square = () => Array.from({ length: k }, () => new Array<number>(k).fill(Number.NaN));
  const result = { columns: names, pearson: square(), spearman: square(), pairs: square() };
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      const x = columns[names[a]!]!;
      const y = columns[names[b]!]!;
      const p: Correlation = pearson(x, y);
      const s: Correlation = spearman(x, y);
      for (const [i, j] of [
        [a, b],
        [b, a],
      ] as const) {
        result.pearson[i]![j] = p.value;
        result.spearman[i]![j] = s.value;
        result.pairs[i]![j] = p.pairs;
      }
    }
  }
  return result;
}

export interface Distribution extends Histogram {
  /** Finite values binned. */
  count: number;
}

/** numpy histogram of the finite values (see {@link histogram}). */
export function distribution(values: ArrayLike<number>, bins: HistogramBins): Distribution {
  const x = finiteValues(values);
  return { ...histogram(x, bins), count: x.length };
}

// ---------------------------------------------------------------------------------------------
// Rolling trend

export interface WindowSummary {
  /** Full windows ending in the year. */
  windows: number;
  mean: number;
  min: number;
  max: number;
  /** The value at the year's last row. */
  last: number;
}

export interface YearTrend {
  year: number;
  /** Returns dated in the year. */
  returns: number;
  meanReturn: number;
  /** sd (ddof 1) of the year's returns × √annualisationDays. */
  volatility: number;
  /** Rolling mean of the returns (pandas `r.rolling(window).mean()`), over the year's rows. */
  rollingMean: WindowSummary | null;
  /** Rolling sd (ddof 1) × √annualisationDays (pandas `r.rolling(window).std() * sqrt(A)`). */
  rollingVolatility: WindowSummary | null;
}

export interface RollingTrend {
  window: number;
  annualisationDays: number;
  years: YearTrend[];
}

/**
 * Rolling mean and annualised volatility of the returns over `window` consecutive returns,
 * summarised per calendar year (of the window's last return). Non-finite returns are left out
 * first, so a window spans `window` finite returns.
 */
export function rollingTrend(
  returns: ArrayLike<number>,
  day: ArrayLike<number>,
  window: number,
  annualisationDays: number,
): RollingTrend {
  const kept: number[] = [];
  for (let i = 0; i < returns.length; i++) if (Number.isFinite(returns[i]!)) kept.push(i);
  const r = Float64Array.from(kept, (i) => returns[i]!);
  const years = Int32Array.from(kept, (i) => yearOf(day[i]!));
  const scale = Math.sqrt(annualisationDays);
  const rollMean = new Float64Array(r.length).fill(Number.NaN);
  const rollVol = new Float64Array(r.length).fill(Number.NaN);
  for (let t = window - 1; t < r.length; t++) {
    const from = t - window + 1;
    const m = pairwiseSum(r, from, t + 1) / window;
    let ss = 0;
    for (let i = from; i <= t; i++) ss += (r[i]! - m) * (r[i]! - m);
    rollMean[t] = m;
    rollVol[t] = Math.sqrt(ss / (window - 1)) * scale;
  }
  const out: YearTrend[] = [];
  let start = 0;
  while (start < r.length) {
    let end = start;
    while (end < r.length && years[end] === years[start]) end++;
    const yearReturns = r.subarray(start, end);
    out.push({
      year: years[start]!,
      returns: end - start,
      meanReturn: mean(yearReturns),
      volatility: standardDeviation(yearReturns, 1) * scale,
      rollingMean: summarise(rollMean.subarray(start, end)),
      rollingVolatility: summarise(rollVol.subarray(start, end)),
    });
    start = end;
  }
  return { window, annualisationDays, years: out };
}

function summarise(values: Float64Array): WindowSummary | null {
  const x = finiteValues(values);
  if (x.length === 0) return null;
  let min = x[0]!;
  let max = x[0]!;
  for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { windows: x.length, mean: mean(x), min, max, last: x[x.length - 1]! };
}

function yearOf(day: number): number {
  return Number(formatIsoDay(day).slice(0, 4));
}

// ---------------------------------------------------------------------------------------------
// Seasonality

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

export interface GroupStatistics {
  group: string;
  count: number;
  mean: number;
  /** ddof 1; NaN for a single value. */
  sd: number;
}

export interface GroupEffect {
  groups: GroupStatistics[];
  /** scipy.stats.kruskal over the non-empty groups; null when it is undefined (see {@link kruskalWallis}). */
  kruskal: KruskalResult | null;
  /** scipy.stats.f_oneway over the non-empty groups; null with fewer than two groups. */
  anova: AnovaResult | null;
}

export interface Seasonality {
  dayOfWeek: GroupEffect;
  month: GroupEffect;
}

/** Monday = 0 … Sunday = 6 of a day number (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

function monthOf(day: number): number {
  return Number(formatIsoDay(day).slice(5, 7)) - 1;
}

/**
 * Day-of-week and month effects on the returns: count, mean and sd per group (pandas
 * `groupby(...).agg(["count", "mean", "std"])`), and whether the groups differ (Kruskal–Wallis
 * and one-way ANOVA). A return is grouped by its own date. Non-finite returns are left out.
 */
export function seasonality(returns: ArrayLike<number>, day: ArrayLike<number>): Seasonality {
  return {
    dayOfWeek: groupEffect(returns, day, weekdayOf, WEEKDAYS),
    month: groupEffect(returns, day, monthOf, MONTHS),
  };
}

function groupEffect(
  returns: ArrayLike<number>,
  day: ArrayLike<number>,
  groupOf: (day: number) => number,
  names: readonly string[],
): GroupEffect {
  const members: number[][] = names.map(() => []);
  for (let i = 0; i < returns.length; i++) {
    if (Number.isFinite(returns[i]!)) members[groupOf(day[i]!)]!.push(returns[i]!);
  }
  const present = names
    .map((group, k) => ({ group, values: Float64Array.from(members[k]!) }))
    .filter((g) => g.values.length > 0);
  const samples = present.map((g) => g.values);
  return {
    groups: present.map((g) => ({
      group: g.group,
      count: g.values.length,
      mean: mean(g.values),
      sd: standardDeviation(g.values, 1),
    })),
    kruskal: orNull(() => kruskalWallis(samples)),
    anova: orNull(() => oneWayAnova(samples)),
  };
}

function orNull<T>(test: () => T): T | null {
  try {
    return test();
  } catch (error) {
    if (error instanceof GroupTestInputError) return null;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Stationarity

export interface AdfSummary {
  /** Values tested. */
  n: number;
  statistic: number;
  pValue: number;
  usedLag: number;
  nobs: number;
  criticalValues: AdfResult['criticalValues'];
  icBest: number | null;
  /** p-value below alpha: the unit root is rejected. */
  stationary: boolean;
}

export type AdfOutcome = AdfSummary | { n: number; error: string };

export interface Stationarity {
  regression: 'c';
  autolag: 'AIC';
  alpha: number;
  logPrice: AdfOutcome;
  logReturn: AdfOutcome;
}

/**
 * DOMAIN §8: ADF with a constant and AIC lag selection (statsmodels `adfuller(x, regression="c",
 * autolag="AIC")`) on the log prices and on the log returns. A series the test cannot take (too
 * short, constant, non-finite) gets the reason instead.
 */
export function stationarity(
  logPrice: ArrayLike<number>,
  logReturn: ArrayLike<number>,
  alpha: number,
): Stationarity {
  return {
    regression: 'c',
    autolag: 'AIC',
    alpha,
    logPrice: adfOutcome(logPrice, alpha),
    logReturn: adfOutcome(logReturn, alpha),
  };
}

function adfOutcome(x: ArrayLike<number>, alpha: number): AdfOutcome {
  try {
    const r = adfuller(x, { regression: 'c', autolag: 'AIC' });
    return {
      n: x.length,
      statistic: r.statistic,
      pValue: r.pValue,
      usedLag: r.usedLag,
      nobs: r.nobs,
      criticalValues: r.criticalValues,
      icBest: r.icBest,
      stationary: r.pValue < alpha,
    };
  } catch (error) {
    if (error instanceof AdfError) return { n: x.length, error: error.message };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Regimes (gold)

export interface RegimeSummary {
  /** Rows per regime label (valid states only). */
  counts: Record<string, number>;
  shares: Record<string, number>;
  transitions: {
    labels: string[];
    /** C[i][j]: consecutive rows (within a symbol) going from state i to state j. */
    counts: number[][];
    /** C[i][j] / Σ_j C[i][j]; NaN for a state never left. */
    frequencies: number[][];
  };
}

function isState(s: number, k: number): boolean {
  return Number.isInteger(s) && s >= 0 && s < k;
}

/**
 * Regime counts and shares, observed transition counts over consecutive rows of each sequence
 * (pairs never span two symbols, and pairs with an invalid state are left out) and their row
 * frequencies (the α = 0 maximum-likelihood transition matrix).
 */
export function regimeSummary(
  sequences: readonly ArrayLike<number>[],
  labels: readonly string[],
): RegimeSummary {
  const k = labels.length;
  const counts = new Array<number>(k).fill(0);
  const transitions = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const seq of sequences) {
    for (let t = 0; t < seq.length; t++) {
      const s = seq[t]!;
      if (isState(s, k)) counts[s]!++;
      if (t > 0 && isState(s, k) && isState(seq[t - 1]!, k)) transitions[seq[t - 1]!]![s]!++;
    }
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const frequencies = transitions.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (sum === 0 ? Number.NaN : c / sum));
  });
  return {
    counts: Object.fromEntries(labels.map((l, i) => [l, counts[i]!])),
    shares: Object.fromEntries(labels.map((l, i) => [l, total === 0 ? Number.NaN : counts[i]! / total])),
    transitions: { labels: [...labels], counts: transitions, frequencies },
  };
}

// ---------------------------------------------------------------------------------------------
// Model-input checks (gold)

export interface CheckExample {
  symbol: string;
  line: number;
  detail: string;
}

export interface ModelInputChecks {
  /** Every check passed: the table can be given to the model. */
  passed: boolean;
  /** No missing or non-finite numeric cell. */
  noMissing: { passed: boolean; cells: number; byColumn: Record<string, number> };
  /** Every markov_state is an integer in 0 … K − 1. */
  statesValid: { passed: boolean; invalid: number; examples: CheckExample[] };
  /** Every regime label is labels[markov_state]. */
  labelsMatchStates: { passed: boolean; mismatched: number; examples: CheckExample[] };
  /** Dates strictly increase within each symbol. */
  datesIncreasing: { passed: boolean; violations: number; examples: CheckExample[] };
  /** Transition pairs ≥ folds + 1, the least TimeSeriesSplit(folds) accepts. */
  enoughPairs: { passed: boolean; pairs: number; required: number; folds: number };
}

export interface GoldTableView {
  symbol: string;
  length: number;
  day: ArrayLike<number>;
  line: ArrayLike<number>;
  columns: Record<string, ArrayLike<number>>;
  regime: readonly string[];
}

/**
 * The checks a gold table must pass before the model is fitted on it: no NaN, states in
 * 0 … K − 1, labels consistent with states, dates strictly increasing per symbol, and at least
 * folds + 1 transition pairs (Σ_symbol (rows − 1)) so that scikit-learn's
 * `TimeSeriesSplit(n_splits=folds)` can split them.
 */
export function modelInputChecks(
  tables: readonly GoldTableView[],
  options: { labels: readonly string[]; folds: number; examples: number },
): ModelInputChecks {
  const k = options.labels.length;
  const byColumn: Record<string, number> = {};
  let cells = 0;
  const states: CheckExample[] = [];
  const labels: CheckExample[] = [];
  const dates: CheckExample[] = [];
  let invalid = 0;
  let mismatched = 0;
  let violations = 0;
  let pairs = 0;
  const note = (list: CheckExample[], example: CheckExample) => {
    if (list.length < options.examples) list.push(example);
  };
  for (const t of tables) {
    pairs += Math.max(0, t.length - 1);
    for (const [name, values] of Object.entries(t.columns)) {
      byColumn[name] ??= 0;
      for (let i = 0; i < t.length; i++) {
        if (!Number.isFinite(values[i]!)) {
          byColumn[name]!++;
          cells++;
        }
      }
    }
    const state = t.columns.markov_state ?? [];
    for (let i = 0; i < t.length; i++) {
      const s = state[i]!;
      if (!isState(s, k)) {
        invalid++;
        note(states, { symbol: t.symbol, line: t.line[i]!, detail: `markov_state ${s}` });
      } else if (t.regime[i] !== options.labels[s]) {
        mismatched++;
        note(labels, {
          symbol: t.symbol,
          line: t.line[i]!,
          detail: `regime "${t.regime[i]}" but markov_state ${s} is "${options.labels[s]}"`,
        });
      }
      if (i > 0 && !(t.day[i]! > t.day[i - 1]!)) {
        violations++;
        note(dates, {
          symbol: t.symbol,
          line: t.line[i]!,
          detail: `${formatIsoDay(t.day[i]!)} does not follow ${formatIsoDay(t.day[i - 1]!)}`,
        });
      }
    }
  }
  const required = options.folds + 1;
  const checks = {
    noMissing: { passed: cells === 0, cells, byColumn },
    statesValid: { passed: invalid === 0, invalid, examples: states },
    labelsMatchStates: { passed: mismatched === 0, mismatched, examples: labels },
    datesIncreasing: { passed: violations === 0, violations, examples: dates },
    enoughPairs: { passed: pairs >= required, pairs, required, folds: options.folds },
  };
  return { passed: Object.values(checks).every((c) => c.passed), ...checks };
}
