/**
 * Point-in-time regime scores (DOMAIN §3 v2): a day is scored only against the symbol's own history
 * up to and including that day, so a label never depends on later data and appending data never
 * changes an earlier gold row.
 *
 *   score_f(t) = #{s ≤ t : v_s ≤ v_t} / #{s ≤ t}     (s over the symbol's post-warm-up rows)
 *
 * — pandas `Series.expanding().rank(method="max") / Series.expanding().count()`. Rows with
 * #{s ≤ t} < minHistory are burn-in: scored (they are part of later days' history) but not in gold.
 * `regime_age` counts the consecutive gold days, up to and including t, in the current regime.
 *
 * Cost per feature: a radix sort that also ranks each value (its sorted array is the reference
 * sample), O(n), and a Fenwick tree over the ranks, O(n log n).
 */
import type { DataConfig } from '#config/schema';
import {
  type Feature,
  type GoldFeatures,
  type GoldSeries,
  regimeAges,
  regimeOf,
  weightedFeatures,
} from './gold.ts';

/** A feature's values sorted, and each value's rank among the distinct values. */
export interface RankedValues {
  /** The values sorted as `Float64Array.prototype.sort` sorts them: ascending, −0 before 0, NaN last. */
  sorted: Float64Array;
  /** ranks[t]: 1 + the number of distinct values below values[t] (−0 and 0 are one); 0 for NaN. */
  ranks: Int32Array;
  /** The number of distinct non-NaN values (the largest rank). */
  distinct: number;
}

/** LSD radix passes over the 64-bit keys: [word (0 = low, 1 = high), shift, mask]. */
const PASSES: readonly (readonly [0 | 1, number, number])[] = [
  [0, 0, 0x7ff],
  [0, 11, 0x7ff],
  [0, 22, 0x3ff],
  [1, 0, 0x7ff],
  [1, 11, 0x7ff],
  [1, 22, 0x3ff],
];

/**
 * Sorts `values` and ranks them in one pass of work: a stable LSD radix sort (six 11-bit digits) of
 * the indices by each double's order-preserving key (the IEEE bits with the sign bit flipped, all
 * bits flipped for a negative number), NaNs set aside and appended in their order. The sorted array
 * holds the values' own bits, as `Float64Array.prototype.sort` returns them; a digit every key shares
 * is skipped. O(n) per digit, where a comparison sort and a binary search per value cost O(n log n).
 */
export function rankValues(values: ArrayLike<number>): RankedValues {
  const own = values instanceof Float64Array ? values : Float64Array.from(values);
  const n = own.length;
  const bits = new Uint32Array(own.buffer, own.byteOffset, n * 2);
  // Every array is made before the first loop, so the compiled code (often entered in a loop) has
  // seen every allocation; the work arrays are reused from the previous call when large enough.
  const sorted = new Float64Array(n);
  const ranks = new Int32Array(n);
  const work = workArrays(n);
  const keys = [work.low, work.high] as const;
  let order = work.order;
  let spare = work.spare;
  const counts = work.counts;
  counts.fill(0);
  const nans: number[] = [];
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const v = own[i]!;
    if (Number.isNaN(v)) {
      nans.push(i);
      continue;
    }
    const hi = bits[2 * i + 1]!;
    const lo = bits[2 * i]!;
    const negative = hi >>> 31 === 1;
    const high = negative ? ~hi >>> 0 : (hi | 0x8000_0000) >>> 0;
    const low = negative ? ~lo >>> 0 : lo;
    keys[1][i] = high;
    keys[0][i] = low;
    // Every pass's digit counts, in this one sweep (a digit's count does not depend on the order).
    counts[low & 0x7ff]!++;
    counts[0x800 + ((low >>> 11) & 0x7ff)]!++;
    counts[0x1000 + (low >>> 22)]!++;
    counts[0x1800 + (high & 0x7ff)]!++;
    counts[0x2000 + ((high >>> 11) & 0x7ff)]!++;
    counts[0x2800 + (high >>> 22)]!++;
    order[finite++] = i;
  }
  for (let p = 0; p < PASSES.length; p++) {
    const [word, shift, mask] = PASSES[p]!;
    const key = keys[word];
    const base = p * 0x800; // this pass's counts
    if (finite === 0 || counts[base + ((key[order[0]!]! >>> shift) & mask)] === finite) continue; // every key has this digit
    let sum = 0;
    for (let b = base; b <= base + mask; b++) {
      const c = counts[b]!;
      counts[b] = sum;
      sum += c;
    }
    for (let j = 0; j < finite; j++) {
      const i = order[j]!;
      spare[counts[base + ((key[i]! >>> shift) & mask)]!++] = i;
    }
    [order, spare] = [spare, order];
  }
  const out = new Uint32Array(sorted.buffer);
  let rank = 0;
  let previous = Number.NaN;
  for (let j = 0; j < finite; j++) {
    const i = order[j]!;
    const v = own[i]!;
    if (v !== previous) {
      rank++;
      previous = v;
    }
    ranks[i] = rank;
    out[2 * j] = bits[2 * i]!;
    out[2 * j + 1] = bits[2 * i + 1]!;
  }
  for (let j = 0; j < nans.length; j++) {
    const i = nans[j]!;
    out[2 * (finite + j)] = bits[2 * i]!;
    out[2 * (finite + j) + 1] = bits[2 * i + 1]!;
  }
  return { sorted, ranks, distinct: rank };
}

/** The work arrays of rankValues: the keys' two words, the order and its spare, each pass's digit counts. */
interface RankWork {
  low: Uint32Array;
  high: Uint32Array;
  order: Int32Array;
  spare: Int32Array;
  counts: Int32Array;
}

/** Inputs up to this many values share one set of work arrays (1 MiB); larger ones get their own. */
const SHARED_WORK_VALUES = 1 << 16;
let sharedWork: RankWork | undefined;

/**
 * Work arrays for `n` values (only the first n entries are used). A symbol's features, and the
 * symbols after it, rank in the same arrays instead of allocating four per call — external memory
 * that counts toward V8's next full collection.
 */
function workArrays(n: number): RankWork {
  const make = (size: number): RankWork => ({
    low: new Uint32Array(size),
    high: new Uint32Array(size),
    order: new Int32Array(size),
    spare: new Int32Array(size),
    counts: new Int32Array(PASSES.length * 0x800),
  });
  if (n > SHARED_WORK_VALUES) return make(n);
  if (sharedWork === undefined || sharedWork.order.length < n)
    sharedWork = make(Math.min(SHARED_WORK_VALUES, Math.max(n, 2 * (sharedWork?.order.length ?? 0))));
  return sharedWork;
}

/**
 * Expanding empirical-CDF scores of `values` in time order: out[t] = #{s ≤ t : v_s ≤ v_t} / (t + 1).
 * A NaN value scores NaN and is not part of any later day's history (it compares false, as in ecdf).
 * `ranked`: the values' ranks (rankValues), when the caller has them already (the reference sample
 * is their sorted array); ranked here otherwise. A Fenwick tree counts the ranks seen so far.
 */
export function expandingEcdf(values: ArrayLike<number>, ranked?: RankedValues): Float64Array {
  const n = values.length;
  const { ranks, distinct: m } = ranked ?? rankValues(values);
  if (ranks.length !== n) throw new RangeError(`ranked holds ${ranks.length} values, not ${n}`);
  const out = new Float64Array(n);
  const tree = new Int32Array(m + 1);
  let seen = 0;
  for (let t = 0; t < n; t++) {
    const r = ranks[t]!;
    if (r === 0) {
      out[t] = Number.NaN;
      continue;
    }
    for (let j = r; j <= m; j += j & -j) tree[j]!++;
    seen++;
    let atOrBelow = 0;
    for (let j = r; j > 0; j -= j & -j) atOrBelow += tree[j]!;
    out[t] = atOrBelow / seen;
  }
  return out;
}

/**
 * Scores a symbol's features point in time and labels its regimes; the first `minHistory − 1`
 * post-warm-up rows are burn-in. A symbol with fewer than `minHistory` rows gets an empty series
 * (its `burnInRows` says how many it has). `ranked`: each feature's ranked values (rankValues), when
 * the caller has them (their sorted arrays are the symbol's reference sample), so they are not
 * ranked twice.
 */
export function scorePointInTime(
  f: GoldFeatures,
  config: DataConfig,
  minHistory: number,
  ranked?: Partial<Record<Feature, RankedValues>>,
): GoldSeries {
  if (!Number.isInteger(minHistory) || minHistory < 1) {
    throw new RangeError(`minHistory must be an integer ≥ 1, got ${minHistory}`);
  }
  const n = f.length;
  const burnIn = Math.min(n, minHistory - 1);
  const kept = n - burnIn;
  const risk = new Float64Array(kept);
  const scores: Partial<Record<Feature, Float64Array>> = {};
  let totalWeight = 0;
  for (const feature of weightedFeatures(config)) {
    const w = config.regimes.weights[feature]!;
    totalWeight += w;
    const score = expandingEcdf(f[feature], ranked?.[feature]).subarray(burnIn);
    for (let i = 0; i < kept; i++) risk[i]! += w * score[i]!;
    scores[feature] = score;
  }
  const state = new Uint8Array(kept);
  for (let i = 0; i < kept; i++) {
    risk[i] = risk[i]! / totalWeight;
    state[i] = regimeOf(risk[i]!, config.regimes.thresholds);
  }
  // The gold rows as views past the burn-in (no copies: nothing writes to them afterwards).
  return {
    symbol: f.symbol,
    length: kept,
    day: f.day.subarray(burnIn),
    price: f.price.subarray(burnIn),
    log_return: f.log_return.subarray(burnIn),
    realized_vol_21d: f.realized_vol_21d.subarray(burnIn),
    drawdown: f.drawdown.subarray(burnIn),
    warmupRows: f.warmupRows,
    burnInRows: burnIn,
    scores,
    risk_score: risk,
    markov_state: state,
    regime_age: regimeAges(state),
  };
}
