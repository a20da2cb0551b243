/**
 * Descriptive statistics of the EDA report, each reproducing the library a quant would check it
 * with: numpy (sum, mean, std, linear quantiles), scipy.stats (skew, kurtosis with bias=True) and
 * pandas (`DataFrame.corr` Pearson and Spearman on pairwise-complete rows). Sums use numpy's
 * pairwise summation, so means and standard deviations are bit-identical to numpy's.
 */
import { numpyLinearQuantile } from '#shared/monitoring/drift-stats';

export { numpyLinearQuantile };

/** numpy's pairwise-summation block (PW_BLOCKSIZE in loops_utils.h). */
const PAIRWISE_BLOCK = 128;

/**
 * Σ a[from..to) by numpy's pairwise summation (`np.sum` on a contiguous float64 array): blocks of
 * ≤ 128 values summed with 8 accumulators, larger ranges split in two at a multiple of 8.
 * Error O(ε·log n) instead of O(ε·n), and the same bits as numpy.
 */
export function pairwiseSum(a: ArrayLike<number>, from = 0, to = a.length): number {
  const n = to - from;
  if (n < 8) {
    let sum = 0;
    for (let i = from; i < to; i++) sum += a[i]!;
    return sum;
  }
  if (n <= PAIRWISE_BLOCK) {
    let r0 = a[from]!;
    let r1 = a[from + 1]!;
    let r2 = a[from + 2]!;
    let r3 = a[from + 3]!;
    let r4 = a[from + 4]!;
    let r5 = a[from + 5]!;
    let r6 = a[from + 6]!;
    let r7 = a[from + 7]!;
    const blockEnd = to - (n % 8);
    let i = from + 8;
    for (; i < blockEnd; i += 8) {
      r0 += a[i]!;
      r1 += a[i + 1]!;
      r2 += a[i + 2]!;
      r3 += a[i + 3]!;
      r4 += a[i + 4]!;
      r5 += a[i + 5]!;
      r6 += a[i + 6]!;
      r7 += a[i + 7]!;
    }
    let sum = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < to; i++) sum += a[i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(a, from, from + half) + pairwiseSum(a, from + half, to);
}

/** Arithmetic mean, numpy `np.mean(x)` (pairwise sum / n); NaN for an empty sample. */
export function mean(x: ArrayLike<number>): number {
  return x.length === 0 ? Number.NaN : pairwiseSum(x) / x.length;
}

/**
 * Standard deviation with `ddof` delta degrees of freedom, numpy `np.std(x, ddof=ddof)`:
 * sqrt(Σ (x − x̄)² / (n − ddof)), two-pass. NaN when n ≤ ddof.
 */
export function standardDeviation(x: ArrayLike<number>, ddof = 1): number {
  const n = x.length;
  if (n <= ddof) return Number.NaN;
  const m = mean(x);
  const squares = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = x[i]! - m;
    squares[i] = d * d;
  }
  return Math.sqrt(pairwiseSum(squares) / (n - ddof));
}

/** The finite values of `x`, in order (NaN and ±∞ left out). */
export function finiteValues(x: ArrayLike<number>): Float64Array {
  let count = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) count++;
  const out = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) out[k++] = x[i]!;
  return out;
}

/** A sorted copy (ascending). */
export function sortedCopy(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x).sort();
}

/** Biased central moments m2, m3, m4 (divisor n) as scipy.stats `_moment` computes them. */
interface CentralMoments {
  mean: number;
  m2: number;
  m3: number;
  m4: number;
}

function centralMoments(x: ArrayLike<number>): CentralMoments {
  const n = x.length;
  const m = mean(x);
  const d2 = new Float64Array(n);
  const d3 = new Float64Array(n);
  const d4 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = x[i]! - m;
    const sq = d * d;
    d2[i] = sq;
    d3[i] = sq * d;
    d4[i] = sq * sq;
  }
  return { mean: m, m2: pairwiseSum(d2) / n, m3: pairwiseSum(d3) / n, m4: pairwiseSum(d4) / n };
}

/** scipy's "variance is zero" test: m2 ≤ (resolution · mean)², resolution = 1e-15 for float64. */
function varianceIsZero({ m2, mean: m }: CentralMoments): boolean {
  return m2 <= (1e-15 * m) ** 2;
}

/**
 * Sample skewness g1 = m3 / m2^{3/2} (biased, scipy.stats `skew(x)` with its default bias=True).
 * NaN for an empty sample or one whose variance is zero at floating-point resolution.
 */
export function skewness(x: ArrayLike<number>): number {
  if (x.length === 0) return Number.NaN;
  const moments = centralMoments(x);
  return varianceIsZero(moments) ? Number.NaN : moments.m3 / moments.m2 ** 1.5;
}

/**
 * Excess kurtosis g2 = m4 / m2² − 3 (biased, scipy.stats `kurtosis(x)` with its defaults
 * fisher=True, bias=True). NaN as for {@link skewness}.
 */
export function excessKurtosis(x: ArrayLike<number>): number {
  if (x.length === 0) return Number.NaN;
  const moments = centralMoments(x);
  return varianceIsZero(moments) ? Number.NaN : moments.m4 / moments.m2 ** 2 - 3;
}

/**
 * Ranks 1…n with ties given their average rank (scipy `rankdata(x, method="average")`, pandas
 * `rank()`). The input must not contain NaN.
 */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => (x[i]! < x[j]! ? -1 : x[i]! > x[j]! ? 1 : i - j));
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && x[order[end]!] === x[order[start]!]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 … end
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

/** A correlation coefficient with the number of pairs it used. */
export interface Correlation {
  value: number;
  pairs: number;
}

/** Indices where both x and y are finite. */
function completePairs(x: ArrayLike<number>, y: ArrayLike<number>): Int32Array {
  const n = Math.min(x.length, y.length);
  const index: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) index.push(i);
  return Int32Array.from(index);
}

/**
 * Pearson correlation over the rows where both values are finite, as pandas 1.5
 * `DataFrame.corr(method="pearson")` computes it (Welford updates of the means, co-moment and
 * sums of squares, so it is stable without a separate mean pass). NaN with fewer than two pairs
 * or a constant column. See {@link correlationOf} for the two guards pandas lacks.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  const index = completePairs(x, y);
  let meanX = 0;
  let meanY = 0;
  let ssX = 0;
  let ssY = 0;
  let co = 0;
  for (let k = 0; k < index.length; k++) {
    const vx = x[index[k]!]!;
    const vy = y[index[k]!]!;
    const dx = vx - meanX;
    const dy = vy - meanY;
    meanX += (1 / (k + 1)) * dx;
    meanY += (1 / (k + 1)) * dy;
    ssX += (vx - meanX) * dx;
    ssY += (vy - meanY) * dy;
    co += (vx - meanX) * dy;
  }
  return { value: correlationOf(co, ssX, ssY), pairs: index.length };
}

/**
 * Spearman rank correlation over the rows where both values are finite, as pandas 1.5
 * `DataFrame.corr(method="spearman")`: the complete pairs are ranked (average ties) and the
 * Pearson correlation of the ranks is taken about their mean (n + 1) / 2.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  const index = completePairs(x, y);
  const n = index.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    xs[k] = x[index[k]!]!;
    ys[k] = y[index[k]!]!;
  }
  const rx = averageRanks(xs);
  const ry = averageRanks(ys);
  const centre = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const vx = rx[k]! - centre;
    const vy = ry[k]! - centre;
    sxy += vx * vy;
    sxx += vx * vx;
    syy += vy * vy;
  }
  return { value: correlationOf(sxy, sxx, syy), pairs: n };
}

/**
 * co / sqrt(ssX · ssY), NaN when a sum of squares is 0. Unlike pandas, the square roots are taken
 * one by one (the product of two tiny sums of squares underflows) and the result is kept in
 * [−1, 1] (rounding can step one ulp outside); otherwise the same number.
 */
function correlationOf(co: number, ssX: number, ssY: number): number {
  const divisor = Math.sqrt(ssX) * Math.sqrt(ssY);
  if (divisor === 0) return Number.NaN;
  return Math.max(-1, Math.min(1, co / divisor));
}

/** Summary statistics of one numeric column (over its finite values). */
export interface FeatureStatistics {
  /** Finite values. */
  count: number;
  /** Values left out: missing (NaN) or infinite. */
  missing: number;
  mean: number;
  /** Sample standard deviation (ddof = 1). */
  sd: number;
  min: number;
  max: number;
  /** numpy linear quantiles, keyed by the probability as written (e.g. "0.25"). */
  quantiles: Record<string, number>;
  /** scipy.stats.skew (bias=True). */
  skewness: number;
  /** scipy.stats.kurtosis (fisher=True, bias=True). */
  excessKurtosis: number;
}

/**
 * Count, mean, sample sd (ddof 1), min, max, numpy linear quantiles at `probabilities`, skewness
 * and excess kurtosis of the finite values of `x` (NaN statistics when there are none).
 */
export function featureStatistics(x: ArrayLike<number>, probabilities: readonly number[]): FeatureStatistics {
  const values = finiteValues(x);
  const sorted = sortedCopy(values);
  const n = values.length;
  const quantiles: Record<string, number> = {};
  for (const p of probabilities) quantiles[String(p)] = n === 0 ? Number.NaN : numpyLinearQuantile(sorted, p);
  return {
    count: n,
    missing: x.length - n,
    mean: mean(values),
    sd: standardDeviation(values, 1),
    min: n === 0 ? Number.NaN : sorted[0]!,
    max: n === 0 ? Number.NaN : sorted[n - 1]!,
    quantiles,
    skewness: skewness(values),
    excessKurtosis: excessKurtosis(values),
  };
}
