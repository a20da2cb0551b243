/**
 * Histograms with numpy's equal-width bins: the edges of `np.histogram_bin_edges(x, bins)` for a
 * fixed bin count or the estimators "auto", "fd" and "sturges", and the counts of
 * `np.histogram(x, bins)` — the same edges bit for bit and the same counts (numpy 1.24).
 */
import { numpyLinearQuantile } from '#shared/monitoring/drift-stats';

/** A numpy bin estimator or a fixed number of equal-width bins. */
export type HistogramBins = 'auto' | 'fd' | 'sturges' | number;

export interface Histogram {
  /** How the bins were chosen. */
  bins: HistogramBins;
  /** n + 1 ascending edges; bin k is [edges[k], edges[k+1]), the last bin also holds its right edge. */
  edges: number[];
  /** Values per bin. */
  counts: number[];
  /** The estimator asked for more than `maxBins` bins, so `maxBins` were used (numpy has no cap). */
  capped: boolean;
}

/** An invalid bins argument or a non-finite value. */
export class HistogramInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HistogramInputError';
  }
}

/**
 * The histogram of `values`, as numpy 1.24 `np.histogram(values, bins)`:
 * - range [min, max] of the data, widened to [v − 0.5, v + 0.5] when every value is v;
 * - "sturges": width = (max − min) / (log2 n + 1);
 * - "fd" (Freedman–Diaconis): width = 2 · IQR · n^{−1/3}, IQR from numpy linear percentiles;
 * - "auto": min(fd, sturges) width, or sturges when the IQR is 0;
 * - bin count = ⌈(max − min) / width⌉ (1 when the width is 0); edges = `np.linspace(min, max, k + 1)`;
 * - a value goes to bin ⌊(x − min) · k / (max − min)⌋, corrected by one against the edges, the
 *   right-most edge belonging to the last bin.
 * An empty sample gives one bin [0, 1] with count 0, as numpy.
 *
 * One departure from numpy: an estimator whose width is tiny against the range (a nearly constant
 * sample with a few far values) would ask for millions of bins; above `maxBins` the histogram uses
 * `maxBins` equal-width bins instead and says so (`capped`).
 *
 * @param maxBins the most bins an estimator may choose. @default 1000
 * @throws HistogramInputError on a non-finite value or a bin count that is not a positive integer.
 */
export function histogram(
  values: ArrayLike<number>,
  bins: HistogramBins = 'auto',
  maxBins = 1000,
): Histogram {
  const n = values.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new HistogramInputError(`value at index ${i} is not finite`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let [first, last] = n === 0 ? [0, 1] : [min, max];
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const estimated = resolveBinCount(values, bins, first, last);
  const capped = typeof bins !== 'number' && !(estimated <= maxBins);
  const binCount = capped ? maxBins : estimated;
  const edges = linspace(first, last, binCount + 1);
  const counts = new Array<number>(binCount).fill(0);
  const norm = binCount / (last - first);
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    let k = Math.trunc((x - first) * norm);
    if (!Number.isFinite(k)) k = binBySearch(edges, x); // a subnormal range: norm overflows
    if (k === binCount) k--;
    if (x < edges[k]!) k--;
    if (x >= edges[k + 1]! && k !== binCount - 1) k++;
    counts[k]!++;
  }
  return { bins, edges, counts, capped };
}

function resolveBinCount(
  values: ArrayLike<number>,
  bins: HistogramBins,
  first: number,
  last: number,
): number {
  if (typeof bins === 'number') {
    if (!Number.isInteger(bins) || bins < 1) {
      throw new HistogramInputError(`bins must be a positive integer, got ${bins}`);
    }
    return bins;
  }
  if (bins !== 'auto' && bins !== 'fd' && bins !== 'sturges') {
    throw new HistogramInputError(`unknown bin estimator "${String(bins)}"`);
  }
  if (values.length === 0) return 1;
  const width = binWidth(values, bins);
  return width ? Math.ceil((last - first) / width) : 1;
}

/** numpy's `_hist_bin_<name>` width estimators on the data (not the widened range). */
function binWidth(values: ArrayLike<number>, estimator: 'auto' | 'fd' | 'sturges'): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const sturges = (sorted[n - 1]! - sorted[0]!) / (Math.log2(n) + 1);
  if (estimator === 'sturges') return sturges;
  const iqr = numpyLinearQuantile(sorted, 0.75) - numpyLinearQuantile(sorted, 0.25);
  const fd = 2 * iqr * n ** (-1 / 3);
  if (estimator === 'fd') return fd;
  return fd ? Math.min(fd, sturges) : sturges;
}

/** The bin of x by binary search over the edges (the right-most edge in the last bin). */
function binBySearch(edges: number[], x: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (edges[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** `np.linspace(start, stop, num)` with endpoint: start + i·step, the last value exactly stop. */
function linspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  const out = new Array<number>(num);
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  out[num - 1] = stop;
  return out;
}
