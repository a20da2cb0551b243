/**
 * Walk-forward (expanding-window) evaluation of a one-step-ahead state forecaster against the
 * persistence and climatology baselines (DOMAIN §5).
 */
import { climatologyFit, persistenceFit } from './baselines.ts';
import { type ClassReliabilityTable, reliabilityTable } from './calibration.ts';
import { EvaluationInputError } from './errors.ts';
import { type IndexRange, type TimeSeriesSplitOptions, timeSeriesSplit } from './folds.ts';
import {
  type ClassificationMetrics,
  classificationMetrics,
  LOG_LOSS_EPSILON,
  type ProbabilityMatrix,
} from './metrics.ts';
import type { FitFunction, TransitionPairs } from './types.ts';

export interface WalkForwardOptions {
  /** Number of states K (states are 0 … K−1). */
  readonly numStates: number;
  /** Fold layout (scikit-learn `TimeSeriesSplit` parameters). @default { nSplits: 5 } */
  readonly split?: TimeSeriesSplitOptions;
  /** ε of the persistence baseline. @default 1e-6 */
  readonly persistenceEpsilon?: number;
  /** Clipping ε of the log loss. @default 2.220446049250313e-16 */
  readonly logLossEpsilon?: number;
  /** Class whose out-of-fold reliability table is reported. @default K − 1 (High) */
  readonly calibrationClass?: number;
  /** Bins of the reliability table. @default 10 */
  readonly calibrationBins?: number;
}

/** The same quantity for the model and both baselines, side by side. */
export interface Compared<T> {
  readonly model: T;
  readonly persistence: T;
  readonly climatology: T;
}

export interface FoldReport {
  /** 0-based fold number, in time order. */
  readonly fold: number;
  /** Pair indices the forecasters were fitted on. */
  readonly train: IndexRange;
  /** Pair indices they were scored on. */
  readonly test: IndexRange;
  readonly metrics: Compared<ClassificationMetrics>;
}

export interface WalkForwardReport {
  readonly numStates: number;
  /** All pairs given (train-only pairs of the first fold included). */
  readonly nPairs: number;
  readonly folds: FoldReport[];
  /** Every fold's test pairs together (out-of-fold). */
  readonly overall: {
    readonly n: number;
    readonly metrics: Compared<ClassificationMetrics>;
    readonly calibration: Compared<ClassReliabilityTable>;
  };
}

/** Out-of-fold forecasts of one fit function. */
export interface OutOfFoldForecasts {
  /** The observed next states of the tested pairs, folds concatenated in order. */
  readonly yTrue: Int32Array;
  /** The forecasts for those pairs, each made by the fit of its own fold. */
  readonly proba: ProbabilityMatrix;
  /** Row range of each fold in `yTrue` / `proba`. */
  readonly foldRows: IndexRange[];
}

/** Tolerance on |Σ_k p_k − 1| for a predictor's output. */
const SUM_TOLERANCE = 1e-6;

/**
 * Walk-forward evaluation: splits the time-ordered pairs with scikit-learn's `TimeSeriesSplit`
 * (default 5 splits), fits the model and both baselines (persistence with ε, unsmoothed
 * climatology) on each fold's training pairs, forecasts each test pair from its current state, and
 * computes every {@link ClassificationMetrics} per fold and over all test pairs together
 * (out-of-fold), plus out-of-fold reliability tables of one class.
 *
 * @param pairs time-ordered pairs, e.g. from `buildPredictionPairs`.
 * @param fit the model's fit function, e.g. `markovFit(1)`.
 * @throws TooFewSamplesError when there are too few pairs for the folds.
 * @throws EvaluationInputError for malformed pairs or a predictor output that is not a distribution.
 */
export function evaluateWalkForward(
  pairs: TransitionPairs,
  fit: FitFunction,
  options: WalkForwardOptions,
): WalkForwardReport {
  const K = options.numStates;
  const logLossEpsilon = options.logLossEpsilon ?? LOG_LOSS_EPSILON;
  const calibrationClass = options.calibrationClass ?? K - 1;
  const calibrationBins = options.calibrationBins ?? 10;
  const fits: Compared<FitFunction> = {
    model: fit,
    persistence: persistenceFit(options.persistenceEpsilon ?? 1e-6),
    climatology: climatologyFit(),
  };
  const folds = timeSeriesSplit(pairs.from.length, { nSplits: 5, ...options.split });
  // One fit function at a time: its out-of-fold forecasts (n × K doubles, 100 MB at 4M tested
  // pairs) are scored and dropped before the next one's are made.
  const scored = mapCompared(fits, (f) => {
    const forecast = walkForwardForecasts(pairs, f, options);
    const { yTrue, proba } = forecast;
    return {
      n: yTrue.length,
      folds: forecast.foldRows.map((rows) =>
        classificationMetrics(yTrue.subarray(rows.start, rows.end), sliceRows(proba, rows), logLossEpsilon),
      ),
      overall: classificationMetrics(yTrue, proba, logLossEpsilon),
      calibration: reliabilityTable(yTrue, proba, calibrationClass, calibrationBins),
    };
  });

  const foldReports = folds.map(
    (fold, index): FoldReport => ({
      fold: index,
      train: fold.train,
      test: fold.test,
      metrics: mapCompared(scored, (f) => f.folds[index]!),
    }),
  );
  return {
    numStates: K,
    nPairs: pairs.from.length,
    folds: foldReports,
    overall: {
      n: scored.model.n,
      metrics: mapCompared(scored, (f) => f.overall),
      calibration: mapCompared(scored, (f) => f.calibration),
    },
  };
}

/**
 * Out-of-fold forecasts of one fit function over the walk-forward folds: for each fold, fits on
 * its training pairs, then forecasts each test pair from its current state. The predictor is
 * called once per state and must return a distribution (length K, entries in [0, 1], summing to 1
 * within 1e-6).
 */
export function walkForwardForecasts(
  pairs: TransitionPairs,
  fit: FitFunction,
  options: Pick<WalkForwardOptions, 'numStates' | 'split'>,
): OutOfFoldForecasts {
  const K = options.numStates;
  validatePairs(pairs, K);
  const folds = timeSeriesSplit(pairs.from.length, { nSplits: 5, ...options.split });
  const nTested = folds.reduce((total, fold) => total + fold.test.end - fold.test.start, 0);
  const yTrue = new Int32Array(nTested);
  const values = new Float64Array(nTested * K);
  const foldRows: IndexRange[] = [];
  let row = 0;
  folds.forEach((fold, index) => {
    const train: TransitionPairs = {
      from: pairs.from.subarray(fold.train.start, fold.train.end),
      to: pairs.to.subarray(fold.train.start, fold.train.end),
    };
    const table = forecastTable(fit, train, K, index);
    foldRows.push({ start: row, end: row + fold.test.end - fold.test.start });
    for (let t = fold.test.start; t < fold.test.end; t++, row++) {
      yTrue[row] = pairs.to[t]!;
      values.set(table.subarray(pairs.from[t]! * K, (pairs.from[t]! + 1) * K), row * K);
    }
  });
  return { yTrue, proba: { samples: nTested, classes: K, values }, foldRows };
}

/** Fits on `train` and returns the K × K table of forecasts (row i = forecast from state i). */
function forecastTable(
  fitFunction: FitFunction,
  train: TransitionPairs,
  K: number,
  fold: number,
): Float64Array {
  const predict = fitFunction(train, K);
  const table = new Float64Array(K * K);
  for (let state = 0; state < K; state++) {
    const p = predict(state);
    if (p.length !== K) {
      throw new EvaluationInputError(
        `fold ${fold}: forecast from state ${state} has ${p.length} entries, not ${K}`,
      );
    }
    let total = 0;
    for (let k = 0; k < K; k++) {
      const pk = p[k]!;
      if (!(pk >= 0 && pk <= 1)) {
        throw new EvaluationInputError(`fold ${fold}: forecast from state ${state} has p[${k}] = ${pk}`);
      }
      table[state * K + k] = pk;
      total += pk;
    }
    if (Math.abs(total - 1) > SUM_TOLERANCE) {
      throw new EvaluationInputError(`fold ${fold}: forecast from state ${state} sums to ${total}, not 1`);
    }
  }
  return table;
}

function validatePairs(pairs: TransitionPairs, K: number): void {
  if (!Number.isInteger(K) || K < 2)
    throw new EvaluationInputError(`numStates must be an integer >= 2, got ${K}`);
  if (pairs.from.length !== pairs.to.length) {
    throw new EvaluationInputError(`${pairs.from.length} current states but ${pairs.to.length} next states`);
  }
  for (const column of [pairs.from, pairs.to]) {
    for (let i = 0; i < column.length; i++) {
      if (column[i]! < 0 || column[i]! >= K) {
        throw new EvaluationInputError(`pair ${i} has state ${column[i]}, not in [0, ${K})`);
      }
    }
  }
}

function sliceRows(proba: ProbabilityMatrix, rows: IndexRange): ProbabilityMatrix {
  const K = proba.classes;
  return {
    samples: rows.end - rows.start,
    classes: K,
    values: proba.values.subarray(rows.start * K, rows.end * K),
  };
}

function mapCompared<T, U>(compared: Compared<T>, f: (value: T) => U): Compared<U> {
  return {
    model: f(compared.model),
    persistence: f(compared.persistence),
    climatology: f(compared.climatology),
  };
}
