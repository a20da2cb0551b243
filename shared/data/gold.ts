/**
 * Gold: features and risk regimes per symbol (DOMAIN §3).
 * - price p_t = adjclose where present, else close;
 * - log_return r_t = ln(p_t / p_{t-1});
 * - realized_vol_21d = sample sd (ddof 1) of the last `window` returns × sqrt(annualisation days);
 * - drawdown = 1 − p_t / max_{s≤t} p_s;
 * - per-feature score = point-in-time expanding empirical CDF (point-in-time.ts), or, under
 *   `scoring.mode: reference`, the empirical CDF against the symbol's reference sample;
 * - risk_score = weighted mean of the scores; regime by the thresholds (strict <).
 * Warm-up rows (any feature undefined) are left out and counted.
 */
import type { DataConfig } from '#config/schema';
import {
  addCounts,
  countsQuality,
  dayOrderCounts,
  type LayerQuality,
  NO_ROWS,
  type QualityCounts,
} from './quality.ts';
import type { SilverSeries } from './series.ts';

export const FEATURES = ['log_return', 'realized_vol_21d', 'drawdown'] as const;
export type Feature = (typeof FEATURES)[number];

export interface GoldFeatures {
  symbol: string;
  length: number;
  day: Int32Array;
  price: Float64Array;
  log_return: Float64Array;
  realized_vol_21d: Float64Array;
  drawdown: Float64Array;
  /** Silver rows before the first row with every feature defined. */
  warmupRows: number;
}

/** Sorted reference values per scored feature, for one symbol. */
export type ReferenceSample = Partial<Record<Feature, Float64Array>>;

export interface GoldSeries extends GoldFeatures {
  /** Empirical-CDF score per weighted feature. */
  scores: Partial<Record<Feature, Float64Array>>;
  risk_score: Float64Array;
  /** 0 = Low, 1 = Medium, 2 = High. */
  markov_state: Uint8Array;
  /** Consecutive gold days, up to and including each row, in its regime (1 on the day it entered). */
  regime_age: Int32Array;
  /** Post-warm-up rows left out of gold as point-in-time burn-in (0 under `scoring.mode: reference`). */
  burnInRows: number;
  /** Risk indicators on each row's date (forward-filled), when any were loaded. */
  indicators?: Record<string, Float64Array>;
}

/** Computes the features of one silver series (sorted by day, closes present). */
export function computeFeatures(s: SilverSeries, config: DataConfig): GoldFeatures {
  const window = config.features.volatilityWindow;
  const annualise = Math.sqrt(config.features.annualisationDays);
  const n = s.length;
  const warmup = Math.min(n, window);
  const m = n - warmup;
  const price = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const adj = s.adjclose[i]!;
    price[i] = Number.isNaN(adj) ? s.close[i]! : adj;
  }
  const ret = new Float64Array(n);
  ret[0] = Number.NaN;
  for (let i = 1; i < n; i++) ret[i] = Math.log(price[i]! / price[i - 1]!);

  // The post-warm-up rows as views (no copies: nothing writes to a series' arrays once built).
  const out: GoldFeatures = {
    symbol: s.symbol,
    length: m,
    day: s.day.subarray(warmup),
    price: price.subarray(warmup),
    log_return: ret.subarray(warmup),
    realized_vol_21d: new Float64Array(m),
    drawdown: new Float64Array(m),
    warmupRows: warmup,
  };
  let peak = 0;
  for (let i = 0; i < n; i++) {
    if (price[i]! > peak) peak = price[i]!;
    if (i >= warmup) out.drawdown[i - warmup] = 1 - price[i]! / peak;
  }
  rollingSampleSd(ret, window, annualise, out.realized_vol_21d);
  return out;
}

/**
 * out[j] = the sample standard deviation (ddof = 1, two-pass for accuracy) of a's `window` values
 * ending at index j + window, × scale. One loop writing the column: no standard deviation crosses a
 * call as a (boxed) double.
 */
function rollingSampleSd(a: Float64Array, window: number, scale: number, out: Float64Array): void {
  for (let j = 0; j < out.length; j++) {
    const from = j + 1;
    const to = j + window + 1;
    let sum = 0;
    for (let i = from; i < to; i++) sum += a[i]!;
    const mean = sum / window;
    let ss = 0;
    for (let i = from; i < to; i++) {
      const d = a[i]! - mean;
      ss += d * d;
    }
    out[j] = Math.sqrt(ss / (window - 1)) * scale;
  }
}

/** The reference sample of a symbol's features: its values, sorted (the training history). */
export function referenceSample(f: GoldFeatures, config: DataConfig): ReferenceSample {
  const ref: ReferenceSample = {};
  for (const feature of weightedFeatures(config)) ref[feature] = f[feature].slice().sort();
  return ref;
}

export function weightedFeatures(config: DataConfig): Feature[] {
  return FEATURES.filter((f) => (config.regimes.weights[f] ?? 0) > 0);
}

/** Empirical CDF: (number of reference values ≤ x) / (reference size). `sorted` ascending. */
export function ecdf(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

/**
 * The number of values of `sorted` that are ≤ x (so ecdf(sorted, x) = upperBoundNear(…) / length),
 * searched from `hint`, e.g. the answer for the previous day: steps of 1, 2, 4, … away from the
 * hint bracket the answer, then bisection finds it — O(log d) for an answer d places from the hint
 * instead of O(log n). The answer does not depend on the hint. NaN (in `sorted`, where a sort puts
 * it last, or as x) compares like in ecdf: `sorted[i] <= x` is false.
 */
export function upperBoundNear(sorted: Float64Array, x: number, hint: number): number {
  const n = sorted.length;
  const h = Math.min(Math.max(hint, 0), n);
  let lo = 0; // every value before lo is ≤ x
  let hi = n; // no value from hi on is ≤ x
  if (h < n && sorted[h]! <= x) {
    lo = h + 1;
    for (let step = 1; lo + step - 1 < n; step *= 2) {
      const probe = lo + step - 1;
      if (!(sorted[probe]! <= x)) {
        hi = probe;
        break;
      }
      lo = probe + 1;
    }
  } else {
    hi = h;
    for (let step = 1; hi - step >= 0; step *= 2) {
      const probe = hi - step;
      if (sorted[probe]! <= x) {
        lo = probe + 1;
        break;
      }
      hi = probe;
    }
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Counts of sample values ≤ x (ecdf(sorted, x) × length) for many x. A bucket index over the
 * sample's finite range — as many equal-width buckets as values — gives upperBoundNear a start a
 * few places from the answer, so a count costs a few comparisons instead of log2(length). The
 * counts are upperBoundNear's, which do not depend on where it starts: exactly ecdf's.
 */
export class EcdfIndex {
  private readonly low: number;
  private readonly scale: number;
  private readonly buckets: number;
  /** starts[k]: the first position whose value falls in bucket k or later. */
  private readonly starts: Int32Array;

  constructor(private readonly sorted: Float64Array) {
    const n = sorted.length;
    let first = 0;
    while (first < n && !Number.isFinite(sorted[first]!)) first++; // −∞ (NaN sorts last)
    let last = n - 1;
    while (last >= first && !Number.isFinite(sorted[last]!)) last--; // +∞ and NaN
    const finite = last - first + 1;
    this.low = finite > 0 ? sorted[first]! : 0;
    const width = finite > 1 ? sorted[last]! - this.low : 0;
    const scale = finite / width;
    this.buckets = Math.max(1, finite);
    this.scale = width > 0 && Number.isFinite(scale) ? scale : 0;
    this.starts = new Int32Array(this.buckets);
    let i = 0;
    for (let k = 0; k < this.buckets; k++) {
      while (i < n && this.bucketOf(sorted[i]!) < k) i++;
      this.starts[k] = i;
    }
  }

  /** The number of sample values ≤ x. */
  count(x: number): number {
    return upperBoundNear(this.sorted, x, this.starts[this.bucketOf(x)]!);
  }

  private bucketOf(x: number): number {
    const t = (x - this.low) * this.scale;
    if (!(t >= 0)) return 0; // below the range, or NaN
    return t < this.buckets ? Math.floor(t) : this.buckets - 1;
  }
}

/** Consecutive days in the current state, up to and including each day (1 on the day it entered). */
export function regimeAges(states: ArrayLike<number>): Int32Array {
  const age = new Int32Array(states.length);
  for (let t = 0; t < states.length; t++) {
    age[t] = t > 0 && states[t] === states[t - 1] ? age[t - 1]! + 1 : 1;
  }
  return age;
}

/** The regime state of a risk score: 0 Low if < low, 1 Medium if < high, else 2 High. */
export function regimeOf(riskScore: number, thresholds: { low: number; high: number }): 0 | 1 | 2 {
  if (riskScore < thresholds.low) return 0;
  if (riskScore < thresholds.high) return 1;
  return 2;
}

/** Scores features against a reference sample and labels regimes. */
export function scoreRegimes(f: GoldFeatures, reference: ReferenceSample, config: DataConfig): GoldSeries {
  const features = weightedFeatures(config);
  const n = f.length;
  const scores: GoldSeries['scores'] = {};
  const risk = new Float64Array(n);
  let totalWeight = 0;
  for (const feature of features) {
    const ref = reference[feature];
    if (ref === undefined || ref.length === 0) {
      throw new RangeError(`no reference sample for ${f.symbol}.${feature}`);
    }
    const w = config.regimes.weights[feature]!;
    totalWeight += w;
    const sc = new Float64Array(n);
    const values = f[feature];
    const index = new EcdfIndex(ref);
    for (let i = 0; i < n; i++) {
      sc[i] = index.count(values[i]!) / ref.length; // = ecdf(ref, values[i])
      risk[i]! += w * sc[i]!;
    }
    scores[feature] = sc;
  }
  const state = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    risk[i] = risk[i]! / totalWeight;
    state[i] = regimeOf(risk[i]!, config.regimes.thresholds);
  }
  return {
    ...f,
    scores,
    risk_score: risk,
    markov_state: state,
    regime_age: regimeAges(state),
    burnInRows: 0,
  };
}

/** Gold quality: every feature finite and in range, unique ordered days, none in the future. */
export function goldQuality(series: GoldSeries[], runDay: number, gate: number): LayerQuality {
  return countsQuality('gold', gate, series.map((s) => goldCounts(s, runDay)).reduce(addCounts, NO_ROWS));
}

/** The counts behind goldQuality for one series (an incomplete row also counts as invalid). */
export function goldCounts(s: GoldSeries, runDay: number): QualityCounts {
  let incomplete = 0;
  let invalid = 0;
  for (let i = 0; i < s.length; i++) {
    const price = s.price[i]!;
    const vol = s.realized_vol_21d[i]!;
    const drawdown = s.drawdown[i]!;
    const risk = s.risk_score[i]!;
    const finite =
      Number.isFinite(price) &&
      Number.isFinite(s.log_return[i]!) &&
      Number.isFinite(vol) &&
      Number.isFinite(drawdown) &&
      Number.isFinite(risk);
    if (!finite) incomplete++;
    else if (price <= 0 || vol < 0 || drawdown < 0 || drawdown >= 1 || risk < 0 || risk > 1) invalid++;
  }
  return { rows: s.length, incomplete, invalid: incomplete + invalid, ...dayOrderCounts([s], runDay) };
}
