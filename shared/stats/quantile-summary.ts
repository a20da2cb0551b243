/**
 * A fixed-size summary of a large sample: M + 1 order statistics, from which the sample's empirical
 * CDF is known to within 1/M everywhere — so a model can carry the reference of every symbol and
 * feature in a few KiB, whatever the number of training rows (decision 8).
 *
 * Construction (n sorted values s_1 ≤ … ≤ s_n, M = min(m, n)): q_k = s_{r_k} with ranks
 * r_k = max(1, ⌈k·n/M⌉), k = 0 … M (q_0 is the minimum, q_M the maximum).
 *
 * The bound: for q_k ≤ x < q_{k+1}, F(x) = #{s ≤ x}/n lies in [r_k/n, (r_{k+1} − 1)/n], an interval
 * of width (r_{k+1} − r_k − 1)/n ≤ (⌈n/M⌉ − 1)/n < 1/M; below q_0 F = 0, from q_M on F = 1. So
 * - {@link summaryCdf} (linear inside each interval) is within 1/M of F at every x;
 * - the empirical CDF of q_0, q_1, q_1, …, q_{M−1}, q_{M−1}, q_M (each inner point twice,
 *   {@link pseudoSample}) is (j + ½)/M on [q_j, q_{j+1}): within 1/(2M) of F — what the data
 *   pipeline scores new rows against (its `ecdf`);
 * - a KS distance computed against the summary ({@link ksDistanceToSummary}) is within 1/M of the
 *   exact two-sample D (sup |F̂ − G| vs sup |F − G|, triangle inequality).
 */

export interface QuantileSummary {
  /** Size of the summarised sample. */
  readonly n: number;
  /** q_0 … q_M, ascending (M = min(m, n)). */
  readonly quantiles: readonly number[];
}

/** Number of values of an ascending array that are < x. */
export function lowerBound(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of values of an ascending array that are ≤ x. */
export function upperBound(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Summary of an ascending, finite, non-empty sample with at most m + 1 order statistics. */
export function summariseSorted(sorted: ArrayLike<number>, m: number): QuantileSummary {
  const n = sorted.length;
  if (n === 0) throw new RangeError('cannot summarise an empty sample');
  if (!(Number.isInteger(m) && m >= 1)) throw new RangeError(`m must be an integer ≥ 1, got ${m}`);
  const M = Math.min(m, n);
  const quantiles = new Array<number>(M + 1);
  for (let k = 0; k <= M; k++) {
    const rank = Math.max(1, Math.ceil((k * n) / M));
    quantiles[k] = sorted[rank - 1]!;
  }
  return { n, quantiles };
}

/** r_k of the summary (1-based ranks). */
function rankOf(k: number, n: number, M: number): number {
  return Math.max(1, Math.ceil((k * n) / M));
}

/**
 * F̂(x): the summary's estimate of the sample's empirical CDF at x (right-continuous), within
 * 1/M of it: 0 below q_0, 1 from q_M on, and linear from r_k/n to (r_{k+1} − 1)/n on [q_k, q_{k+1}).
 */
export function summaryCdf(s: QuantileSummary, x: number): number {
  const q = s.quantiles;
  const M = q.length - 1;
  const j = upperBound(q, x) - 1; // largest k with q_k ≤ x
  if (j < 0) return 0;
  if (j >= M) return 1;
  return interpolate(s, j, x);
}

/** F̂(x⁻), the left limit of {@link summaryCdf} at x. */
export function summaryCdfBefore(s: QuantileSummary, x: number): number {
  const q = s.quantiles;
  const M = q.length - 1;
  const j = lowerBound(q, x) - 1; // largest k with q_k < x
  if (j < 0) return 0;
  if (j >= M) return 1;
  return interpolate(s, j, Math.min(x, q[j + 1]!));
}

function interpolate(s: QuantileSummary, k: number, x: number): number {
  const q = s.quantiles;
  const M = q.length - 1;
  const lo = rankOf(k, s.n, M) / s.n;
  const hi = (rankOf(k + 1, s.n, M) - 1) / s.n;
  const width = q[k + 1]! - q[k]!;
  if (!(width > 0) || hi <= lo) return lo;
  return lo + ((hi - lo) * (x - q[k]!)) / width;
}

/**
 * 2M values whose empirical CDF is within 1/(2M) of the sample's everywhere: q_0 and q_M once,
 * every inner q_j twice (the CDF is then (j + ½)/M on [q_j, q_{j+1}), the middle of the interval F
 * lies in). A small stand-in for the sample wherever a sorted reference sample is expected.
 */
export function pseudoSample(s: QuantileSummary): Float64Array {
  const q = s.quantiles;
  const M = q.length - 1;
  if (M === 0) return Float64Array.of(q[0]!);
  if (M === s.n) return Float64Array.from(q.slice(1)); // every value kept: the sample itself, exact
  const out = new Float64Array(2 * M);
  out[0] = q[0]!;
  for (let j = 1; j < M; j++) {
    out[2 * j - 1] = q[j]!;
    out[2 * j] = q[j]!;
  }
  out[2 * M - 1] = q[M]!;
  return out;
}

/**
 * sup_x |F̂(x) − G(x)| with G the empirical CDF of `current` (any order, finite): within 1/M of the
 * two-sample KS D of the summarised sample and `current`. Both CDFs are monotone and F̂ is linear
 * between its points, so the supremum is reached at a point of either, from the left or the right.
 */
export function ksDistanceToSummary(s: QuantileSummary, current: ArrayLike<number>): number {
  const cur = Float64Array.from(current).sort();
  const w = cur.length;
  const points = new Float64Array(s.quantiles.length + w);
  for (let i = 0; i < s.quantiles.length; i++) points[i] = s.quantiles[i]!;
  points.set(cur, s.quantiles.length);
  points.sort();
  let d = 0;
  let previous = Number.NaN;
  for (let i = 0; i < points.length; i++) {
    const x = points[i]!;
    if (x === previous) continue;
    previous = x;
    const gAt = upperBound(cur, x) / w;
    const gBefore = lowerBound(cur, x) / w;
    const at = Math.abs(summaryCdf(s, x) - gAt);
    const before = Math.abs(summaryCdfBefore(s, x) - gBefore);
    if (at > d) d = at;
    if (before > d) d = before;
  }
  return d;
}

/**
 * numpy's linear quantile (type 7) at `probability` estimated from the summary: the rank
 * (n − 1)·p + 1 is placed between the stored ranks around it, and the value interpolated between
 * their order statistics (the true quantile lies between the same two stored values).
 */
export function summaryQuantile(s: QuantileSummary, probability: number): number {
  const q = s.quantiles;
  const M = q.length - 1;
  const rank = (s.n - 1) * probability + 1;
  if (M === 0 || rank <= 1) return q[0]!;
  if (rank >= s.n) return q[M]!;
  let k = 0;
  while (k + 1 < M && rankOf(k + 1, s.n, M) <= rank) k++;
  const r0 = rankOf(k, s.n, M);
  const r1 = rankOf(k + 1, s.n, M);
  if (r1 <= r0) return q[k]!;
  return q[k]! + ((q[k + 1]! - q[k]!) * (rank - r0)) / (r1 - r0);
}
