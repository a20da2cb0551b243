/**
 * The hidden-Markov variant as a regime forecaster, scored on the same walk-forward folds as the
 * Markov chain: for each fold, the HMM is fitted on the returns up to the last training pair's
 * date, then every symbol's series is filtered causally with those parameters, and the forecast
 * for a test pair (symbol, t) is filtered_t · A — the HMM's next-day state distribution, its
 * states ordered by variance and read as Low / Medium / High. Scored against the observed regime.
 */
import {
  type ClassificationMetrics,
  classificationMetrics,
  type PredictionPairs,
  timeSeriesSplit,
} from '#shared/evaluation/index';
import { fitGaussianHmm, type GaussianHmmFitOptions, scoreGaussianHmm } from './hmm.ts';
import { vectorTimesMatrix } from './linalg.ts';

export interface HmmSeries {
  symbol: string;
  /** Day numbers, strictly increasing. */
  day: Int32Array;
  /** Scaled log returns, aligned with `day`. */
  returns: Float64Array;
}

export interface HmmFoldReport {
  fold: number;
  n: number;
  metrics: ClassificationMetrics;
  degenerate: boolean;
}

export interface HmmEvaluation {
  folds: HmmFoldReport[];
  overall: { n: number; metrics: ClassificationMetrics };
}

/** Pairs must carry day numbers as dates (buildPredictionPairs with numeric dates). */
export function evaluateHmmOnFolds(
  pairs: PredictionPairs,
  series: readonly HmmSeries[],
  options: { nSplits: number; fit: GaussianHmmFitOptions },
): HmmEvaluation {
  const folds = timeSeriesSplit(pairs.from.length, { nSplits: options.nSplits });
  const bySymbol = new Map(series.map((s) => [s.symbol, s]));
  const allTrue: number[] = [];
  const allProba: number[] = [];
  const reports: HmmFoldReport[] = [];
  const K = options.fit.states ?? 3;
  folds.forEach((fold, index) => {
    const cutoff = pairs.dates[fold.train.end - 1] as number;
    const training = series
      .map((s) => s.returns.subarray(0, upperBound(s.day, cutoff)))
      .filter((r) => r.length > 1);
    const fit = fitGaussianHmm(training, options.fit);
    const filteredBySymbol = new Map<string, number[][]>();
    const yTrue: number[] = [];
    const proba: number[] = [];
    for (let t = fold.test.start; t < fold.test.end; t++) {
      const symbol = pairs.symbols[t]!;
      const s = bySymbol.get(symbol)!;
      let filtered = filteredBySymbol.get(symbol);
      if (filtered === undefined) {
        filtered = scoreGaussianHmm(fit.params, s.returns).filtered;
        filteredBySymbol.set(symbol, filtered);
      }
      const at = upperBound(s.day, pairs.dates[t] as number) - 1;
      const next = vectorTimesMatrix(filtered[at]!, fit.params.transition);
      yTrue.push(pairs.to[t]!);
      for (const p of next) proba.push(p);
    }
    const matrix = { samples: yTrue.length, classes: K, values: Float64Array.from(proba) };
    reports.push({
      fold: index,
      n: yTrue.length,
      metrics: classificationMetrics(Int32Array.from(yTrue), matrix),
      degenerate: fit.degenerate,
    });
    for (const y of yTrue) allTrue.push(y);
    for (const p of proba) allProba.push(p);
  });
  const matrix = { samples: allTrue.length, classes: K, values: Float64Array.from(allProba) };
  return {
    folds: reports,
    overall: { n: allTrue.length, metrics: classificationMetrics(Int32Array.from(allTrue), matrix) },
  };
}

/** Number of entries of an ascending array that are ≤ x. */
function upperBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
