/**
 * Walk-forward folds over n time-ordered samples: the index arithmetic of scikit-learn 1.2
 * `TimeSeriesSplit` (model_selection/_split.py). Every train and test set is a contiguous range, so
 * folds are returned as half-open index ranges rather than index arrays.
 */
import { EvaluationInputError, TooFewSamplesError } from './errors.ts';

/** Half-open index range `[start, end)`. */
export interface IndexRange {
  readonly start: number;
  readonly end: number;
}

/** One walk-forward split: train indices strictly precede test indices. */
export interface TimeSeriesFold {
  readonly train: IndexRange;
  readonly test: IndexRange;
}

export interface TimeSeriesSplitOptions {
  /** Number of splits (scikit-learn `n_splits`). @default 5 */
  readonly nSplits?: number;
  /** Samples per test set (`test_size`). @default floor(n / (nSplits + 1)) */
  readonly testSize?: number;
  /** Samples left out between the end of train and the start of test (`gap`). @default 0 */
  readonly gap?: number;
  /** Keep at most this many most recent samples in train (`max_train_size`). @default unlimited */
  readonly maxTrainSize?: number;
}

/**
 * Splits `nSamples` ordered samples exactly as scikit-learn 1.2
 * `TimeSeriesSplit(n_splits, test_size, gap, max_train_size).split(X)` does:
 * `test_size = n // (n_splits + 1)` unless given; test starts are
 * `range(n - n_splits·test_size, n, test_size)`; test = `[start, start + test_size)`;
 * train = `[0, start − gap)`, cut to its last `max_train_size` samples when that is smaller.
 *
 * @throws TooFewSamplesError when `n_splits + 1 > n` or `n − gap − n_splits·test_size ≤ 0`
 *   (the two conditions under which scikit-learn raises `ValueError`).
 * @throws EvaluationInputError for a non-integer or out-of-range option.
 */
export function timeSeriesSplit(nSamples: number, options: TimeSeriesSplitOptions = {}): TimeSeriesFold[] {
  const nSplits = options.nSplits ?? 5;
  const gap = options.gap ?? 0;
  requireInteger('nSamples', nSamples, 0);
  requireInteger('nSplits', nSplits, 2);
  requireInteger('gap', gap, 0);
  if (options.testSize !== undefined) requireInteger('testSize', options.testSize, 1);
  if (options.maxTrainSize !== undefined) requireInteger('maxTrainSize', options.maxTrainSize, 1);

  const nFolds = nSplits + 1;
  const testSize = options.testSize ?? Math.floor(nSamples / nFolds);
  if (nFolds > nSamples) {
    throw new TooFewSamplesError({
      nSamples,
      nSplits,
      message: `TimeSeriesSplit with ${nSplits} splits needs at least ${nFolds} samples, got ${nSamples}`,
    });
  }
  if (nSamples - gap - testSize * nSplits <= 0) {
    throw new TooFewSamplesError({
      nSamples,
      nSplits,
      message:
        `TimeSeriesSplit: too many splits (${nSplits}) for ${nSamples} samples with ` +
        `testSize=${testSize} and gap=${gap}: no training sample would be left`,
    });
  }

  const folds: TimeSeriesFold[] = [];
  for (let testStart = nSamples - nSplits * testSize; testStart < nSamples; testStart += testSize) {
    const trainEnd = testStart - gap;
    const maxTrain = options.maxTrainSize;
    const trainStart = maxTrain !== undefined && maxTrain < trainEnd ? trainEnd - maxTrain : 0;
    folds.push({
      train: { start: trainStart, end: trainEnd },
      test: { start: testStart, end: testStart + testSize },
    });
  }
  return folds;
}

/** The indices of a range as an array, e.g. `{start: 2, end: 5}` → `[2, 3, 4]`. */
export function rangeIndices(range: IndexRange): number[] {
  return Array.from({ length: range.end - range.start }, (_, i) => range.start + i);
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new EvaluationInputError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}
