/**
 * The HMM compared fairly (DOMAIN §4.5 v2): on the predictive log density of the next day's
 * return, out of fold, beside the regime-conditional empirical density of §4.4 — never on the ECDF
 * regime labels, which the HMM does not see.
 *
 * - Folds: the horizon backtest's — scikit-learn `TimeSeriesSplit(n_splits, gap)` over the sorted
 *   distinct dates of all rows (shared/evaluation/horizon-data.ts). Origins: rows t on a fold's
 *   test dates whose row t+1 is in the same symbol; the outcome is r_{t+1}.
 * - HMM: fitted on each fold's training rows (scaled returns; the first fold from the configured
 *   starts, each later fold warm-started from the previous fold's fit, as the one-day evaluation
 *   does); each symbol is filtered causally with the fold's parameters, and the density of r_{t+1}
 *   is the filtered mixture Σ_j (f_t·A)_j N(r_{t+1}·c; μ_j, σ²_j)·c, c = `returnScale` (the density
 *   of the unscaled return).
 * - Regime-conditional density: a Gaussian kernel density estimate (scipy `gaussian_kde`, Scott's
 *   rule: bandwidth sd·n^(−1/5), sd with ddof 1) of the fold's training next-day returns of the
 *   origin's regime s_t (origins t with t+1 on or before the last training date). Unconditional:
 *   the same estimate of all of them (the climatology of densities).
 * - A kernel estimate over n training returns evaluated at m outcomes costs n·m; above
 *   `exactBelow` (n·m) it is evaluated on a grid: linear binning of the training returns on
 *   `gridPoints` points spanning them ± 5 bandwidths, a direct convolution with the kernel cut at
 *   5 bandwidths, and linear interpolation (outside the grid: the exact estimate).
 * Scores: mean log density per origin (higher is better), overall and per fold, on the same origins
 * for the three.
 */
import { TooFewSamplesError } from '#shared/evaluation/errors';
import { buildRegimeHistory, dateFolds, trainingWindow } from '#shared/evaluation/horizon-data';
import {
  filterGaussianHmm,
  fitGaussianHmm,
  type GaussianHmmFitOptions,
  type GaussianHmmParams,
} from './hmm.ts';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export interface DensitySeries {
  readonly symbol: string;
  readonly day: ArrayLike<number>;
  readonly states: ArrayLike<number>;
  /** Unscaled log returns r_t. */
  readonly returns: ArrayLike<number>;
}

export interface DensityOptions {
  readonly numStates: number;
  readonly nSplits: number;
  readonly gap: number;
  readonly returnScale: number;
  readonly fit: GaussianHmmFitOptions;
  /** Kernel estimates with n·m above this are evaluated on a grid. @default 5e7 */
  readonly exactBelow?: number;
  /** @default 4096 */
  readonly gridPoints?: number;
}

export interface DensityScores {
  name: 'hmm' | 'regime' | 'unconditional';
  meanLogDensity: number;
  foldMeanLogDensity: (number | null)[];
}

export interface DensityComparison {
  nSplits: number;
  gap: number;
  origins: number;
  symbols: number;
  models: DensityScores[];
  /** The highest mean log density. */
  winner: DensityScores['name'];
  /** Folds whose HMM fit was degenerate (their scores are kept). */
  degenerateFolds: number[];
  /**
   * Folds not scored (null in every foldMeanLogDensity): their training rows are too few to fit the
   * HMM (fewer returns than states) or to estimate a density (a regime of the test origins, or all of
   * them, with fewer than 2 training returns or none that differ) — a short gold's first folds.
   */
  skippedFolds: number[];
  /** Each fitted fold's HMM parameters (scaled returns), for the record. */
  foldParams: GaussianHmmParams[];
}

/** Out-of-fold predictive log densities of the next day's return (see the module comment). */
export function compareNextDayDensity(
  series: readonly DensitySeries[],
  options: DensityOptions,
): DensityComparison {
  const K = options.numStates;
  const scale = options.returnScale;
  const exactBelow = options.exactBelow ?? 5e7;
  const gridPoints = options.gridPoints ?? 4096;
  const history = buildRegimeHistory(
    series.map((s) => ({ symbol: s.symbol, dates: s.day, states: s.states })),
    K,
  );
  const { symbolStart, dateIndex, states } = history;
  const folds = dateFolds(history, options.nSplits, options.gap);
  const scaled = series.map((s) => Float64Array.from(s.returns, (r) => r * scale));
  const models: DensityScores['name'][] = ['hmm', 'regime', 'unconditional'];
  const totals = [0, 0, 0];
  const foldMeans: (number | null)[][] = [[], [], []];
  const degenerateFolds: number[] = [];
  const skippedFolds: number[] = [];
  const skip = (f: number) => {
    skippedFolds.push(f);
    for (const f2 of foldMeans) f2.push(null);
  };
  const foldParams: GaussianHmmParams[] = [];
  let origins = 0;
  const scored = new Set<number>();
  let previous: GaussianHmmParams | undefined;
  folds.forEach((fold, f) => {
    const window = trainingWindow(history, fold);
    const training = scaled
      .map((r, s) => r.subarray(0, window.end[s]! - symbolStart[s]!))
      .filter((r) => r.length > 1);
    if (training.reduce((n, r) => n + r.length, 0) < K) return skip(f);
    const fit = fitGaussianHmm(training, {
      ...options.fit,
      ...(previous === undefined ? {} : { init: previous }),
    });
    previous = fit.params;
    foldParams.push(fit.params);
    if (fit.degenerate) degenerateFolds.push(f);
    // The fold's training next-day returns, per regime and pooled.
    const byRegime: number[][] = Array.from({ length: K }, () => []);
    series.forEach((s, i) => {
      const end = window.end[i]! - symbolStart[i]!;
      for (let t = 0; t + 1 < end; t++) byRegime[s.states[t]!]!.push(s.returns[t + 1]!);
    });
    const pooled = byRegime.flat();
    // The fold's origins, and their HMM density on the way through each symbol's filter.
    const outcome: number[] = [];
    const regimeOf: number[] = [];
    const hmmLog: number[] = [];
    const A = fit.params.transition;
    const { means, variances } = fit.params;
    series.forEach((s, i) => {
      const start = symbolStart[i]!;
      const n = s.returns.length;
      const rows: number[] = [];
      for (let t = 0; t + 1 < n; t++) {
        const d = dateIndex[start + t]!;
        if (d >= fold.testDates.start && d < fold.testDates.end) rows.push(t);
      }
      if (rows.length === 0) return;
      scored.add(i);
      let next = 0;
      filterGaussianHmm(fit.params, scaled[i]!, {
        length: rows[rows.length - 1]! + 1,
        onStep: (step, filtered) => {
          if (rows[next] !== step) return;
          next++;
          const x = scaled[i]![step + 1]!;
          let density = 0;
          for (let j = 0; j < K; j++) {
            let w = 0;
            for (let k = 0; k < K; k++) w += filtered[k]! * A[k]![j]!;
            const z = x - means[j]!;
            density +=
              w * Math.exp((-0.5 * (z * z)) / variances[j]! - 0.5 * Math.log(variances[j]!) - LOG_SQRT_2PI);
          }
          hmmLog.push(Math.log(density) + Math.log(scale));
          outcome.push(s.returns[step + 1]!);
          regimeOf.push(states[start + step]!);
        },
      });
    });
    const m = outcome.length;
    if (m === 0) {
      for (const f2 of foldMeans) f2.push(null);
      return;
    }
    if (!estimable(pooled) || regimeOf.some((j) => !estimable(byRegime[j]!))) return skip(f);
    const regimeLog = new Float64Array(m);
    for (let j = 0; j < K; j++) {
      const at: number[] = [];
      for (let o = 0; o < m; o++) if (regimeOf[o] === j) at.push(o);
      if (at.length === 0) continue;
      const values = kdeLogDensity(
        byRegime[j]!,
        at.map((o) => outcome[o]!),
        exactBelow,
        gridPoints,
      );
      at.forEach((o, q) => {
        regimeLog[o] = values[q]!;
      });
    }
    const unconditional = kdeLogDensity(pooled, outcome, exactBelow, gridPoints);
    const sums = [sum(hmmLog), sum(regimeLog), sum(unconditional)];
    sums.forEach((v, k) => {
      totals[k]! += v;
      foldMeans[k]!.push(v / m);
    });
    origins += m;
  });
  if (origins === 0) {
    throw new TooFewSamplesError({
      nSamples: history.dateIndex.length,
      nSplits: options.nSplits,
      message: `no fold could be scored (${skippedFolds.length} of ${folds.length} have too few training returns)`,
    });
  }
  const scores = models.map((name, k) => ({
    name,
    meanLogDensity: totals[k]! / origins,
    foldMeanLogDensity: foldMeans[k]!,
  }));
  const winner = scores.reduce((a, b) => (b.meanLogDensity > a.meanLogDensity ? b : a)).name;
  return {
    nSplits: options.nSplits,
    gap: options.gap,
    origins,
    symbols: scored.size,
    models: scores,
    winner,
    degenerateFolds,
    skippedFolds,
    foldParams,
  };
}

/** Whether a kernel density of the sample has a bandwidth: at least 2 values, not all equal. */
function estimable(sample: readonly number[]): boolean {
  for (let i = 1; i < sample.length; i++) if (sample[i] !== sample[0]) return true;
  return false;
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

/** scipy `gaussian_kde(sample)` bandwidth (Scott's rule, one dimension): sd (ddof 1) · n^(−1/5). */
export function scottBandwidth(sample: ArrayLike<number>): number {
  const n = sample.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += sample[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sample[i]! - mean) ** 2;
  return Math.sqrt(ss / (n - 1)) * n ** (-1 / 5);
}

/**
 * log of the Gaussian kernel density estimate of `sample` (Scott's bandwidth) at each point: exact
 * (a log-sum-exp over the sample) when sample × points ≤ exactBelow, else from a grid.
 */
export function kdeLogDensity(
  sample: ArrayLike<number>,
  points: ArrayLike<number>,
  exactBelow = 5e7,
  gridPoints = 4096,
): Float64Array {
  const n = sample.length;
  const bw = scottBandwidth(sample);
  const out = new Float64Array(points.length);
  const exact = (x: number) => {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const z = (x - sample[i]!) / bw;
      const e = -0.5 * z * z;
      if (e > max) max = e;
    }
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = (x - sample[i]!) / bw;
      s += Math.exp(-0.5 * z * z - max);
    }
    return max + Math.log(s) - Math.log(n * bw) - LOG_SQRT_2PI;
  };
  if (n * points.length <= exactBelow) {
    for (let q = 0; q < points.length; q++) out[q] = exact(points[q]!);
    return out;
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, sample[i]!);
    hi = Math.max(hi, sample[i]!);
  }
  lo -= 5 * bw;
  hi += 5 * bw;
  const G = gridPoints;
  const step = (hi - lo) / (G - 1);
  // Linear binning: each sample's unit weight split between its two neighbouring grid points.
  const weights = new Float64Array(G);
  for (let i = 0; i < n; i++) {
    const u = (sample[i]! - lo) / step;
    const g = Math.min(G - 2, Math.floor(u));
    const w = u - g;
    weights[g]! += 1 - w;
    weights[g + 1]! += w;
  }
  const reach = Math.ceil((5 * bw) / step);
  const kernel = new Float64Array(2 * reach + 1);
  for (let d = -reach; d <= reach; d++) kernel[d + reach] = Math.exp(-0.5 * ((d * step) / bw) ** 2);
  const density = new Float64Array(G);
  const norm = 1 / (n * bw * Math.sqrt(2 * Math.PI));
  for (let g = 0; g < G; g++) {
    const w = weights[g]!;
    if (w === 0) continue;
    const from = Math.max(0, g - reach);
    const to = Math.min(G - 1, g + reach);
    for (let t = from; t <= to; t++) density[t]! += w * kernel[t - g + reach]!;
  }
  for (let q = 0; q < points.length; q++) {
    const x = points[q]!;
    const u = (x - lo) / step;
    if (!(u >= 0 && u <= G - 1)) {
      out[q] = exact(x);
      continue;
    }
    const g = Math.min(G - 2, Math.floor(u));
    const w = u - g;
    const value = (density[g]! * (1 - w) + density[g + 1]! * w) * norm;
    out[q] = value > 0 ? Math.log(value) : exact(x);
  }
  return out;
}
