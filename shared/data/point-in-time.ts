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
 * Cost: O(n log n) per feature: one numeric sort (shared with the reference sample), a binary search
 * for each value's rank and a Fenwick tree over the ranks.
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

/**
 * Expanding empirical-CDF scores of `values` in time order: out[t] = #{s ≤ t : v_s ≤ v_t} / (t + 1).
 * A NaN value scores NaN and is not part of any later day's history (it compares false, as in ecdf).
 * `sorted`: the values sorted ascending (NaN last, as `Float64Array.prototype.sort` puts them), when
 * the caller has them already (the reference sample is that very array); sorted here otherwise.
 */
export function expandingEcdf(values: ArrayLike<number>, sorted?: Float64Array): Float64Array {
  const n = values.length;
  const ascending = sorted ?? Float64Array.from(values).sort();
  if (ascending.length !== n) throw new RangeError(`sorted holds ${ascending.length} values, not ${n}`);
  // The distinct non-NaN values, ascending: value v has rank 1 + (its index here). −0 and 0 are one.
  let finite = n;
  while (finite > 0 && Number.isNaN(ascending[finite - 1]!)) finite--;
  const distinct = new Float64Array(finite);
  let m = 0;
  for (let k = 0; k < finite; k++) {
    const v = ascending[k]!;
    if (m === 0 || v !== distinct[m - 1]!) distinct[m++] = v;
  }
  const out = new Float64Array(n);
  const tree = new Int32Array(m + 1); // Fenwick tree: counts of the ranks seen so far
  let seen = 0;
  for (let t = 0; t < n; t++) {
    const v = values[t]!;
    if (Number.isNaN(v)) {
      out[t] = Number.NaN;
      continue;
    }
    // The rank of v: 1 + the index of v among the distinct values (binary search).
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (distinct[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    const r = lo + 1;
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
 * (its `burnInRows` says how many it has). `sorted`: each feature's values sorted ascending, when the
 * caller has them (the symbol's reference sample), so they are not sorted twice.
 */
export function scorePointInTime(
  f: GoldFeatures,
  config: DataConfig,
  minHistory: number,
  sorted?: Partial<Record<Feature, Float64Array>>,
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
    const score = expandingEcdf(f[feature], sorted?.[feature]).slice(burnIn);
    for (let i = 0; i < kept; i++) risk[i]! += w * score[i]!;
    scores[feature] = score;
  }
  const state = new Uint8Array(kept);
  for (let i = 0; i < kept; i++) {
    risk[i] = risk[i]! / totalWeight;
    state[i] = regimeOf(risk[i]!, config.regimes.thresholds);
  }
  return {
    symbol: f.symbol,
    length: kept,
    day: f.day.slice(burnIn),
    price: f.price.slice(burnIn),
    log_return: f.log_return.slice(burnIn),
    realized_vol_21d: f.realized_vol_21d.slice(burnIn),
    drawdown: f.drawdown.slice(burnIn),
    warmupRows: f.warmupRows,
    burnInRows: burnIn,
    scores,
    risk_score: risk,
    markov_state: state,
    regime_age: regimeAges(state),
  };
}
