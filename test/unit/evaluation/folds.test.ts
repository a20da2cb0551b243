import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvaluationInputError, TooFewSamplesError } from '#shared/evaluation/errors';
import { rangeIndices, type TimeSeriesSplitOptions, timeSeriesSplit } from '#shared/evaluation/folds';
import { loadFixture } from './helpers.ts';

interface SklearnParams {
  n_splits?: number;
  test_size?: number;
  gap?: number;
  max_train_size?: number;
}

const fixture = loadFixture<{
  folds: { n: number; params: SklearnParams; folds: { train: [number, number]; test: [number, number] }[] }[];
  foldErrors: { n: number; params: SklearnParams }[];
}>('metrics.json');

function toOptions(params: SklearnParams): TimeSeriesSplitOptions {
  return {
    ...(params.n_splits !== undefined && { nSplits: params.n_splits }),
    ...(params.test_size !== undefined && { testSize: params.test_size }),
    ...(params.gap !== undefined && { gap: params.gap }),
    ...(params.max_train_size !== undefined && { maxTrainSize: params.max_train_size }),
  };
}

describe('timeSeriesSplit against scikit-learn TimeSeriesSplit', () => {
  it.each(fixture.folds.map((c) => [`n=${c.n} ${JSON.stringify(c.params)}`, c] as const))(
    'gives the same folds for %s',
    (_, c) => {
      const folds = timeSeriesSplit(c.n, toOptions(c.params));
      expect(
        folds.map((f) => ({ train: [f.train.start, f.train.end], test: [f.test.start, f.test.end] })),
      ).toEqual(c.folds);
    },
  );

  it.each(fixture.foldErrors.map((c) => [`n=${c.n} ${JSON.stringify(c.params)}`, c] as const))(
    'raises where scikit-learn raises: %s',
    (_, c) => {
      expect(() => timeSeriesSplit(c.n, toOptions(c.params))).toThrow(TooFewSamplesError);
    },
  );
});

describe('timeSeriesSplit', () => {
  it('defaults to 5 splits with test size floor(n / 6)', () => {
    const folds = timeSeriesSplit(13);
    expect(folds).toHaveLength(5);
    expect(folds.map((f) => rangeIndices(f.test))).toEqual([
      [3, 4],
      [5, 6],
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(rangeIndices(folds[0]!.train)).toEqual([0, 1, 2]);
  });

  it('names the needed sample count when there are too few samples', () => {
    expect(() => timeSeriesSplit(4)).toThrow(/needs at least 6 samples, got 4/);
  });

  it('rejects fewer than 2 splits like scikit-learn', () => {
    expect(() => timeSeriesSplit(10, { nSplits: 1 })).toThrow(EvaluationInputError);
  });

  it('never leaks: every train index precedes every test index, tests tile the tail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 500 }), (nSplits, extra) => {
        const n = nSplits + 1 + extra;
        const folds = timeSeriesSplit(n, { nSplits });
        expect(folds).toHaveLength(nSplits);
        folds.forEach((fold, i) => {
          expect(fold.train.start).toBe(0);
          expect(fold.train.end - 1).toBeLessThan(fold.test.start);
          expect(fold.test.end - fold.test.start).toBe(Math.floor(n / (nSplits + 1)));
          if (i > 0) expect(fold.test.start).toBe(folds[i - 1]!.test.end);
        });
        expect(folds.at(-1)!.test.end).toBe(n);
      }),
    );
  });
});
