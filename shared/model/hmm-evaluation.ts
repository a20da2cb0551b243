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
import {
  filterGaussianHmm,
  fitGaussianHmm,
  type GaussianHmmFitOptions,
  type GaussianHmmParams,
  hmmWorkspace,
} from './hmm.ts';

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

/**
 * Pairs must carry day numbers as dates (buildPredictionPairs with numeric dates).
 *
 * The folds' training sets grow in time (each is a prefix of the next), so only the first fold is
 * fitted from the configured starts; each later fold starts EM from the previous fold's fit (a warm
 * start on data that contains the previous fold's): no fold sees a later fold's data. The filtered
 * probabilities are not kept: each symbol's filter writes its forecasts as it passes the test dates.
 */
export function evaluateHmmOnFolds(
  pairs: PredictionPairs,
  series: readonly HmmSeries[],
  options: { nSplits: number; fit: GaussianHmmFitOptions },
): HmmEvaluation {
  const folds = timeSeriesSplit(pairs.from.length, { nSplits: options.nSplits });
  const bySymbol = new Map(series.map((s) => [s.symbol, s]));
  const K = options.fit.states ?? 3;
  let total = 0;
  for (const fold of folds) total += fold.test.end - fold.test.start;
  const allTrue = new Uint8Array(total); // regimes (K < 256)
  const allProba = new Float64Array(total * K);
  let written = 0;
  const reports: HmmFoldReport[] = [];
  let previous: GaussianHmmParams | undefined;
  // The training sets of the folds, and one set of fitting buffers for the largest (the last): the
  // folds fit in it one after the other instead of leaving a workspace of garbage each.
  const trainings = folds.map((fold) => {
    const cutoff = pairs.dates[fold.train.end - 1] as number;
    return series.map((s) => s.returns.subarray(0, upperBound(s.day, cutoff))).filter((r) => r.length > 1);
  });
  const largest = Math.max(0, ...trainings.map((t) => t.reduce((n, r) => n + r.length, 0)));
  const workspace = hmmWorkspace(largest, K);
  folds.forEach((fold, index) => {
    const training = trainings[index]!;
    const fit = fitGaussianHmm(training, {
      ...options.fit,
      workspace,
      ...(previous === undefined ? {} : { init: previous }),
    });
    previous = fit.params;
    // The fold's test pairs of each symbol, in date order; each symbol is filtered once, up to its
    // last test date (the filter is causal), writing the forecast filtered_t · A at each test pair.
    const from = written;
    const pairsOf = new Map<string, number[]>();
    for (let t = fold.test.start; t < fold.test.end; t++) {
      const symbol = pairs.symbols[t]!;
      const list = pairsOf.get(symbol);
      if (list === undefined) pairsOf.set(symbol, [t]);
      else list.push(t);
    }
    const A = fit.params.transition;
    for (const [symbol, list] of pairsOf) {
      const s = bySymbol.get(symbol)!;
      const at = list.map((t) => upperBound(s.day, pairs.dates[t] as number) - 1);
      let next = 0;
      filterGaussianHmm(fit.params, s.returns, {
        length: at[at.length - 1]! + 1,
        onStep: (step, filtered) => {
          while (next < list.length && at[next] === step) {
            const row = from + list[next]! - fold.test.start;
            for (let j = 0; j < K; j++) {
              let p = 0;
              for (let i = 0; i < K; i++) p += filtered[i]! * A[i]![j]!;
              allProba[row * K + j] = p;
            }
            allTrue[row] = pairs.to[list[next]!]!;
            next++;
          }
        },
      });
    }
    written += fold.test.end - fold.test.start;
    const n = written - from;
    const matrix = { samples: n, classes: K, values: allProba.subarray(from * K, written * K) };
    reports.push({
      fold: index,
      n,
      metrics: classificationMetrics(allTrue.subarray(from, written), matrix),
      degenerate: fit.degenerate,
    });
  });
  const matrix = { samples: total, classes: K, values: allProba };
  return {
    folds: reports,
    overall: { n: total, metrics: classificationMetrics(allTrue, matrix) },
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
