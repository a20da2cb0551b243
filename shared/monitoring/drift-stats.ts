/**
 * Drift statistics of DOMAIN.md §6: two-sample Kolmogorov–Smirnov (asymptotic and moving-block
 * bootstrap p-values), population stability index, chi-square goodness of fit of the regime mix,
 * and a G-test of observed transitions against the model's transition matrix.
 *
 * Every function is pure: arrays in, numbers out. Thresholds and seeds are parameters.
 */
import { chi2Sf, kstwoSf } from '#shared/stats/distributions';
import { createRandom } from '#shared/stats/random';

/** An input a drift statistic cannot be computed from (empty, non-finite, mismatched shapes). */
export class DriftInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DriftInputError';
  }
}

// ---------------------------------------------------------------------------------------------
// Kolmogorov–Smirnov
// ---------------------------------------------------------------------------------------------

/** Two-sample KS statistic and p-value. */
export interface KsResult {
  /** D = sup_x |F_ref(x) − F_cur(x)|, in [0, 1]. */
  readonly d: number;
  /** Asymptotic two-sided p-value (Smirnov), as scipy `ks_2samp(method = "asymp")`. */
  readonly pValue: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test, exactly as scipy 1.10
 * `scipy.stats.ks_2samp(reference, current, alternative = "two-sided", method = "asymp")`.
 *
 * - D = max over every observed value x of |F_ref(x) − F_cur(x)|, with F the right-continuous
 *   empirical CDFs (#values ≤ x / size), so ties are handled as scipy's `searchsorted(side='right')`.
 * - p = `kstwo.sf(D, round(m·n / (m + n)))`, the exact distribution of the one-sample statistic at
 *   the effective size; `round` is numpy's (half to even). Clipped to [0, 1].
 *
 * @throws DriftInputError on an empty or non-finite sample, or when both samples have one value
 *   (effective size rounds to 0; scipy returns NaN there).
 */
export function ksTwoSample(reference: ArrayLike<number>, current: ArrayLike<number>): KsResult {
  return ksTwoSampleSortedReference(sortedSample(reference, 'reference'), current);
}

/** {@link ksTwoSample} with the reference already checked and sorted ({@link sortedSample}). */
export function ksTwoSampleSortedReference(reference: Float64Array, current: ArrayLike<number>): KsResult {
  const cur = sortedCopy(current, 'current');
  const d = ksStatisticSorted(reference, cur);
  return { d, pValue: ksAsymptoticPValue(d, reference.length, cur.length) };
}

/**
 * An ascending copy of a finite, non-empty sample — what {@link ksTwoSampleSortedReference} and
 * {@link psiReferenceBins} take, so one sort of a reference serves both.
 *
 * @throws DriftInputError on an empty or non-finite sample.
 */
export function sortedSample(values: ArrayLike<number>, name = 'sample'): Float64Array {
  return sortedCopy(values, name);
}

/** D for two ascending samples: walk the distinct values of the merged sample. */
function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  // Once one sample is exhausted its CDF is 1 and the gap can only shrink.
  while (i < n1 && j < n2) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n1 && a[i]! <= x) i++;
    while (j < n2 && b[j]! <= x) j++;
    const gap = Math.abs(i / n1 - j / n2);
    if (gap > d) d = gap;
  }
  return d;
}

/** The asymptotic p-value of {@link ksTwoSample} for a statistic D and sample sizes n1, n2. */
export function ksAsymptoticPValue(d: number, n1: number, n2: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const effectiveSize = roundHalfToEven((m * n) / (m + n));
  if (effectiveSize < 1) {
    throw new DriftInputError('ks_2samp asymptotic p-value is undefined when both samples have one value');
  }
  return clamp01(kstwoSf(d, effectiveSize));
}

/** Options of {@link ksTwoSampleBlockBootstrap}. */
export interface KsBootstrapOptions {
  /**
   * Block length L (observations). Default round((m + n)^(1/3)), the usual rate for block
   * bootstrap distribution estimates; for overlapping-window features such as
   * `realized_vol_21d` a block of at least the window (21) is the safer choice.
   */
  readonly blockLength?: number;
  /** Bootstrap resamples B. Default 999. */
  readonly resamples?: number;
  /** Seed of the resampling PRNG. Default 1. */
  readonly seed?: number;
  /**
   * Sequential stopping (Besag & Clifford 1991): stop as soon as this many resamples reached D, with
   * p = h / ℓ after ℓ resamples — a valid p-value that needs far fewer resamples when the
   * difference is unremarkable (p ≈ 0.5 after ~2h), and all B when it is. Default: never stop early.
   */
  readonly stopAfterExceedances?: number;
}

/** KS result with the block-bootstrap p-value beside the asymptotic one. */
export interface KsBootstrapResult extends KsResult {
  /** (1 + #{D* ≥ D}) / (B + 1), in [1 / (B + 1), 1]; h / ℓ when stopped early after ℓ resamples. */
  readonly bootstrapPValue: number;
  readonly blockLength: number;
  /** Resamples drawn (fewer than configured when stopped early). */
  readonly resamples: number;
}

/**
 * Two-sample KS test with a moving-block bootstrap p-value, for autocorrelated series (daily
 * volatility and drawdown are strongly autocorrelated, which makes the i.i.d. asymptotic p-value
 * far too small).
 *
 * Procedure (null hypothesis: both windows come from one stationary process):
 * 1. Pool the series in time order, reference then current (N = m + n values).
 * 2. Build a pseudo-series of length N by concatenating blocks of L consecutive pooled values whose
 *    starts are drawn uniformly from 0 … N − L (moving blocks, Künsch 1989; Lahiri 2003),
 *    truncating the last block; its first m values are the pseudo-reference, the last n the
 *    pseudo-current. Resampling from the pooled series imposes H0, the usual construction for
 *    bootstrap two-sample tests (Davison & Hinkley 1997, ch. 4); resampling blocks rather than single
 *    values keeps the short-range dependence inside each pseudo-sample.
 * 3. D* is the KS statistic of the pseudo-samples; p = (1 + #{D* ≥ D}) / (B + 1)
 *    (Davison & Hinkley 1997, ch. 4), never 0.
 *
 * Values are replaced by their ranks in the pooled sample once, so each resample costs O(N) with
 * no sorting; D* and D are compared as exact integers m·n·D, so lattice ties count as "≥".
 * No reference library implements this; the asymptotic part equals {@link ksTwoSample}.
 *
 * @throws DriftInputError on invalid samples or options.
 */
export function ksTwoSampleBlockBootstrap(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: KsBootstrapOptions = {},
): KsBootstrapResult {
  const observed = ksTwoSample(reference, current);
  const m = reference.length;
  const n = current.length;
  const total = m + n;
  const blockLength = Math.min(options.blockLength ?? Math.max(1, Math.round(Math.cbrt(total))), total);
  const resamples = options.resamples ?? 999;
  requirePositiveInteger(blockLength, 'blockLength');
  requirePositiveInteger(resamples, 'resamples');

  const { ranks, distinct } = pooledRanks(reference, current);
  const refCounts = new Int32Array(distinct);
  const curCounts = new Int32Array(distinct);
  for (let k = 0; k < total; k++) {
    if (k < m) refCounts[ranks[k]!]!++;
    else curCounts[ranks[k]!]!++;
  }
  const observedGap = maxScaledCdfGap(refCounts, curCounts, m, n);

  const stopAfter = options.stopAfterExceedances ?? Number.POSITIVE_INFINITY;
  if (options.stopAfterExceedances !== undefined) requirePositiveInteger(stopAfter, 'stopAfterExceedances');
  const random = createRandom(options.seed ?? 1);
  const startChoices = total - blockLength + 1;
  let atLeastAsExtreme = 0;
  for (let b = 0; b < resamples; b++) {
    refCounts.fill(0);
    curCounts.fill(0);
    let position = 0;
    while (position < total) {
      const start = Math.floor(random.uniform() * startChoices);
      const length = Math.min(blockLength, total - position);
      // The part of the block that falls in the pseudo-reference, then the rest (no branch per value).
      const inReference = Math.max(0, Math.min(length, m - position));
      const split = start + inReference;
      const end = start + length;
      for (let k = start; k < split; k++) refCounts[ranks[k]!]!++;
      for (let k = split; k < end; k++) curCounts[ranks[k]!]!++;
      position += length;
    }
    if (maxScaledCdfGap(refCounts, curCounts, m, n) >= observedGap) {
      atLeastAsExtreme++;
      if (atLeastAsExtreme >= stopAfter) {
        return { ...observed, bootstrapPValue: atLeastAsExtreme / (b + 1), blockLength, resamples: b + 1 };
      }
    }
  }

  return {
    ...observed,
    bootstrapPValue: (1 + atLeastAsExtreme) / (resamples + 1),
    blockLength,
    resamples,
  };
}

/** Dense ranks (0 … distinct − 1) of the pooled sample, reference values first. */
function pooledRanks(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): { ranks: Int32Array; distinct: number } {
  const m = reference.length;
  const total = m + current.length;
  const values = new Float64Array(total);
  for (let k = 0; k < m; k++) values[k] = reference[k]!;
  for (let k = m; k < total; k++) values[k] = current[k - m]!;
  // The distinct values in order (a typed sort), then each value's rank by bisection.
  const sorted = values.slice().sort();
  let distinct = 0;
  for (let k = 0; k < total; k++)
    if (k === 0 || sorted[k] !== sorted[distinct - 1]) sorted[distinct++] = sorted[k]!;
  const unique = sorted.subarray(0, distinct);
  const ranks = new Int32Array(total);
  for (let k = 0; k < total; k++) {
    const v = values[k]!;
    let lo = 0;
    let hi = distinct;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (unique[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    ranks[k] = lo;
  }
  return { ranks, distinct };
}

/**
 * m·n·D from per-distinct-value counts: max over values of |i·n − j·m| with i, j the cumulative
 * counts. Integer arithmetic (exact below 2^53), so statistics on the same lattice point compare
 * equal — with floats, 0.6 − 0.49 and 0.11 − 0 differ in the last bit.
 */
function maxScaledCdfGap(refCounts: Int32Array, curCounts: Int32Array, m: number, n: number): number {
  let i = 0;
  let j = 0;
  let gap = 0;
  for (let u = 0; u < refCounts.length; u++) {
    i += refCounts[u]!;
    j += curCounts[u]!;
    const g = Math.abs(i * n - j * m);
    if (g > gap) gap = g;
  }
  return gap;
}

// ---------------------------------------------------------------------------------------------
// Population stability index
// ---------------------------------------------------------------------------------------------

/** Options of {@link psi}. */
export interface PsiOptions {
  /** Number of quantile bins before duplicate edges are dropped. Default 10 (deciles). */
  readonly bins?: number;
  /** Lower floor of each bin share (applied without renormalising). Default 1e-4. */
  readonly floor?: number;
}

/** PSI and the binning it used. */
export interface PsiResult {
  /** Σ_k (c_k − r_k) ln(c_k / r_k) ≥ 0. */
  readonly psi: number;
  /** Interior bin edges after dropping duplicates (ascending); bins are (e_{k−1}, e_k]. */
  readonly innerEdges: number[];
  /** Floored reference share per bin. */
  readonly referenceShares: number[];
  /** Floored current share per bin. */
  readonly currentShares: number[];
}

/**
 * Population stability index of DOMAIN.md §6, equal to numpy / pandas:
 * `edges = np.quantile(ref, np.linspace(0, 1, bins + 1))` (linear interpolation), then
 * `edges[0] = -inf; edges[-1] = +inf`, and `pd.cut(x, edges, right=True, duplicates="drop")`;
 * shares r_k, c_k = count / size, each floored at `floor` (not renormalised);
 * PSI = Σ (c_k − r_k) ln(c_k / r_k).
 *
 * Duplicate edges (ties in the reference, e.g. a constant or discrete feature) are dropped as
 * pandas `duplicates="drop"` does, so fewer bins remain: a constant reference q gives the two bins
 * (−∞, q] and (q, ∞).
 *
 * @throws DriftInputError on an empty or non-finite sample, bins < 1 or floor ∉ (0, 1).
 */
export function psi(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: PsiOptions = {},
): PsiResult {
  const bins = options.bins ?? 10;
  const floor = options.floor ?? 1e-4;
  requirePositiveInteger(bins, 'bins');
  if (!(floor > 0 && floor < 1)) throw new DriftInputError(`floor must be in (0, 1), got ${floor}`);
  const ref = sortedCopy(reference, 'reference');
  return psiAgainstBins(psiReferenceBins(ref, bins), current, floor);
}

/** A reference's PSI bins: the interior edges of {@link psi} and the reference count in each bin. */
export interface PsiReferenceBins {
  readonly bins: number;
  readonly n: number;
  readonly innerEdges: readonly number[];
  readonly counts: readonly number[];
}

/** The bins {@link psi} puts an ascending reference sample into (numpy quantile edges, pandas cut). */
export function psiReferenceBins(sorted: Float64Array, bins: number): PsiReferenceBins {
  requirePositiveInteger(bins, 'bins');
  const innerEdges = distinctInnerQuantiles(sorted, bins);
  return { bins, n: sorted.length, innerEdges, counts: binCounts(sorted, innerEdges) };
}

/**
 * PSI of `current` against stored reference bins — equal to {@link psi} of the reference sample
 * the bins were made from.
 */
export function psiAgainstBins(
  reference: PsiReferenceBins,
  current: ArrayLike<number>,
  floor = 1e-4,
): PsiResult {
  if (!(floor > 0 && floor < 1)) throw new DriftInputError(`floor must be in (0, 1), got ${floor}`);
  requireFiniteSample(current, 'current');
  const innerEdges = [...reference.innerEdges];
  const referenceShares = reference.counts.map((count) => Math.max(count / reference.n, floor));
  const currentShares = binShares(current, innerEdges, floor);
  let value = 0;
  for (let k = 0; k < referenceShares.length; k++) {
    const r = referenceShares[k]!;
    const c = currentShares[k]!;
    value += (c - r) * Math.log(c / r);
  }
  return { psi: value, innerEdges, referenceShares, currentShares };
}

/**
 * The largest PSI any window can reach against these bins: a window wholly in one bin (PSI is convex
 * in the window's shares, so its maximum is at a vertex), with the other bins at the floor. A
 * persistent feature (drawdown) often fills one bin for a whole window, and the reference's own
 * windows then reach it too: its calibrated threshold sits at this ceiling.
 */
export function psiCeiling(reference: PsiReferenceBins, floor = 1e-4): number {
  const r = reference.counts.map((count) => Math.max(count / reference.n, floor));
  let ceiling = 0;
  for (let j = 0; j < r.length; j++) {
    let value = 0;
    for (let k = 0; k < r.length; k++) {
      const c = k === j ? 1 : floor;
      value += (c - r[k]!) * Math.log(c / r[k]!);
    }
    ceiling = Math.max(ceiling, value);
  }
  return ceiling;
}

/**
 * Relative tolerance of a threshold comparison: a statistic and its calibrated threshold computed by
 * the same sum over terms in another order differ in the 15th digit (8.281031624988897 against
 * 8.281031624988895), which is no evidence of anything.
 */
export const THRESHOLD_TOLERANCE = 1e-9;

/** `value > threshold`, beyond rounding ({@link THRESHOLD_TOLERANCE}). */
export function above(value: number, threshold: number): boolean {
  return value > threshold + THRESHOLD_TOLERANCE * Math.max(1, Math.abs(threshold));
}

/** `value ≥ threshold`, to within rounding ({@link THRESHOLD_TOLERANCE}). */
export function atOrAbove(value: number, threshold: number): boolean {
  return value >= threshold - THRESHOLD_TOLERANCE * Math.max(1, Math.abs(threshold));
}

/** Interior quantiles at probabilities k · (1/bins), k = 1 … bins − 1 (np.linspace), strictly increasing. */
function distinctInnerQuantiles(sorted: Float64Array, bins: number): number[] {
  const step = 1 / bins;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const edge = numpyLinearQuantile(sorted, k * step);
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return edges;
}

/**
 * numpy's default (`method="linear"`, Hyndman & Fan type 7) quantile of an ascending sample,
 * with numpy's two-sided lerp so the result is bit-identical.
 */
export function numpyLinearQuantile(sorted: ArrayLike<number>, probability: number): number {
  const n = sorted.length;
  const virtualIndex = (n - 1) * probability;
  if (virtualIndex >= n - 1) return sorted[n - 1]!;
  if (virtualIndex <= 0) return sorted[0]!;
  const below = Math.floor(virtualIndex);
  const gamma = virtualIndex - below;
  const a = sorted[below]!;
  const b = sorted[below + 1]!;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** Floored shares per bin; bin k holds e_{k−1} < x ≤ e_k (bin 0 and the last are open-ended). */
function binShares(values: ArrayLike<number>, innerEdges: readonly number[], floor: number): number[] {
  return binCounts(values, innerEdges).map((count) => Math.max(count / values.length, floor));
}

function binCounts(values: ArrayLike<number>, innerEdges: readonly number[]): number[] {
  const counts = new Array<number>(innerEdges.length + 1).fill(0);
  for (let k = 0; k < values.length; k++) counts[countEdgesBelow(innerEdges, values[k]!)]!++;
  return counts;
}

/** Number of edges strictly below x (binary search; edges ascending). */
function countEdgesBelow(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** PSI severity. */
export type PsiBand = 'none' | 'moderate' | 'significant';

/**
 * Classifies a PSI value: below `moderate` → "none", below `significant` → "moderate", else
 * "significant" (defaults 0.1 and 0.25, DOMAIN.md §6; a value equal to a threshold is in the
 * higher band).
 */
export function psiBand(
  value: number,
  thresholds: { moderate?: number; significant?: number } = {},
): PsiBand {
  const moderate = thresholds.moderate ?? 0.1;
  const significant = thresholds.significant ?? 0.25;
  // At a band's start to within rounding, as the drift rules judge it (atOrAbove).
  if (!atOrAbove(value, moderate)) return 'none';
  if (!atOrAbove(value, significant)) return 'moderate';
  return 'significant';
}

// ---------------------------------------------------------------------------------------------
// Chi-square goodness of fit (regime mix) and G-test (transitions)
// ---------------------------------------------------------------------------------------------

/** A chi-square-distributed test statistic. */
export interface ChiSquareTestResult {
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
}

/**
 * Pearson chi-square goodness of fit, as scipy 1.10
 * `scipy.stats.chisquare(f_obs, f_exp = p · n)` with n = Σ f_obs:
 * X² = Σ (o_k − e_k)² / e_k, df = K − 1, p = chi2.sf(X², df).
 *
 * Like scipy, the expected total must equal the observed total to a relative 1e-8 (the
 * probabilities must sum to 1). A category with p_k = 0 and o_k > 0 makes X² = ∞ (p = 0), as in
 * scipy; a category with p_k = 0 and o_k = 0 is a structural zero: it adds nothing and is not
 * counted in df (scipy returns NaN there).
 *
 * @throws DriftInputError on mismatched lengths, fewer than two categories, negative or
 *   non-finite entries, no observations, or probabilities that do not sum to 1.
 */
export function chiSquareGoodnessOfFit(
  observedCounts: ArrayLike<number>,
  expectedProbabilities: ArrayLike<number>,
): ChiSquareTestResult {
  const k = observedCounts.length;
  if (expectedProbabilities.length !== k) {
    throw new DriftInputError(`${k} observed counts but ${expectedProbabilities.length} probabilities`);
  }
  if (k < 2) throw new DriftInputError('chi-square goodness of fit needs at least two categories');
  requireNonNegative(observedCounts, 'observedCounts');
  requireNonNegative(expectedProbabilities, 'expectedProbabilities');
  const total = sum(observedCounts);
  if (total === 0) throw new DriftInputError('chi-square goodness of fit needs at least one observation');

  const expected = Array.from(expectedProbabilities, (p) => p * total);
  const expectedTotal = sum(expected);
  if (Math.abs(total - expectedTotal) / Math.min(total, expectedTotal) > 1e-8) {
    throw new DriftInputError(`expected probabilities sum to ${expectedTotal / total}, not 1`);
  }

  let statistic = 0;
  let categories = 0;
  for (let c = 0; c < k; c++) {
    const o = observedCounts[c]!;
    const e = expected[c]!;
    if (e === 0 && o === 0) continue;
    categories++;
    statistic += ((o - e) * (o - e)) / e;
  }
  const df = categories - 1;
  return { statistic, df, pValue: chiSquarePValue(statistic, df) };
}

/** An observed transition the model gives probability 0. */
export interface ImpossibleTransition {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** G-test of transition counts; `impossibleTransitions` non-empty ⇒ statistic ∞ and p = 0. */
export interface TransitionGTestResult extends ChiSquareTestResult {
  readonly impossibleTransitions: ImpossibleTransition[];
}

/**
 * Likelihood-ratio (G) test of observed transition counts C (K×K, current window) against the
 * model's transition matrix P (rows conditionally independent multinomials):
 * G² = 2 Σ_{C_ij > 0} C_ij ln(C_ij / (n_i P_ij)), n_i = Σ_j C_ij;
 * df = Σ over rows with n_i > 0 of (#{j : P_ij > 0} − 1); p = chi2.sf(G², df) (1 when df = 0).
 * Cells with C_ij > 0 but P_ij = 0 are listed in `impossibleTransitions` and make G² = ∞, p = 0.
 * Reference: the same sum in numpy with `scipy.stats.chi2.sf`.
 *
 * @throws DriftInputError when the matrices are not K×K alike, hold negative or non-finite
 *   entries, or a row of P used by the counts does not sum to 1 (relative 1e-8).
 */
export function transitionDriftGTest(
  currentCounts: ReadonlyArray<ArrayLike<number>>,
  modelP: ReadonlyArray<ArrayLike<number>>,
): TransitionGTestResult {
  const k = requireSquare(currentCounts, 'currentCounts');
  if (requireSquare(modelP, 'modelP') !== k) {
    throw new DriftInputError(`currentCounts is ${k}×${k} but modelP is ${modelP.length}×${modelP.length}`);
  }
  let statistic = 0;
  let df = 0;
  const impossibleTransitions: ImpossibleTransition[] = [];
  for (let i = 0; i < k; i++) {
    const counts = currentCounts[i]!;
    const probabilities = modelP[i]!;
    requireNonNegative(counts, `currentCounts[${i}]`);
    requireNonNegative(probabilities, `modelP[${i}]`);
    const rowTotal = sum(counts);
    if (rowTotal === 0) continue;
    if (Math.abs(sum(probabilities) - 1) > 1e-8) {
      throw new DriftInputError(`modelP row ${i} sums to ${sum(probabilities)}, not 1`);
    }
    let support = 0;
    for (let j = 0; j < k; j++) {
      const c = counts[j]!;
      const p = probabilities[j]!;
      if (p > 0) support++;
      if (c === 0) continue;
      if (p === 0) impossibleTransitions.push({ from: i, to: j, count: c });
      else statistic += c * Math.log(c / (rowTotal * p));
    }
    df += support - 1;
  }
  if (impossibleTransitions.length > 0) {
    return { statistic: Number.POSITIVE_INFINITY, df, pValue: 0, impossibleTransitions };
  }
  statistic *= 2;
  return { statistic, df, pValue: chiSquarePValue(statistic, df), impossibleTransitions };
}

function chiSquarePValue(statistic: number, df: number): number {
  if (statistic === Number.POSITIVE_INFINITY) return 0;
  if (df <= 0) return 1;
  return clamp01(chi2Sf(statistic, df));
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function sortedCopy(values: ArrayLike<number>, name: string): Float64Array {
  requireFiniteSample(values, name);
  return Float64Array.from(values).sort();
}

function requireFiniteSample(values: ArrayLike<number>, name: string): void {
  if (values.length === 0) throw new DriftInputError(`${name} sample is empty`);
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) throw new DriftInputError(`${name}[${k}] is not a finite number`);
  }
}

function requireNonNegative(values: ArrayLike<number>, name: string): void {
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!(Number.isFinite(v) && v >= 0))
      throw new DriftInputError(`${name}[${k}] = ${v} is not a finite number ≥ 0`);
  }
}

function requirePositiveInteger(value: number, name: string): void {
  if (!(Number.isInteger(value) && value >= 1))
    throw new DriftInputError(`${name} must be an integer ≥ 1, got ${value}`);
}

function requireSquare(matrix: ReadonlyArray<ArrayLike<number>>, name: string): number {
  const k = matrix.length;
  if (k === 0) throw new DriftInputError(`${name} is empty`);
  for (let i = 0; i < k; i++) {
    if (matrix[i]!.length !== k)
      throw new DriftInputError(`${name} row ${i} has ${matrix[i]!.length} entries, not ${k}`);
  }
  return k;
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let k = 0; k < values.length; k++) total += values[k]!;
  return total;
}

/** numpy `round`: nearest integer, halves to even. */
function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function clamp01(p: number): number {
  return Math.min(1, Math.max(0, p));
}
