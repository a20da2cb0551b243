import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReliabilityTable } from '#shared/evaluation/calibration';
import { EvaluationInputError, TooFewSamplesError } from '#shared/evaluation/errors';
import { type Compared, evaluateWalkForward, walkForwardForecasts } from '#shared/evaluation/evaluate';
import { markovFit } from '#shared/evaluation/markov-fit';
import type { ClassificationMetrics } from '#shared/evaluation/metrics';
import { buildPredictionPairs } from '#shared/evaluation/pairs';
import type { FitFunction, TransitionPairs } from '#shared/evaluation/types';
import { expectAllClose, expectMetricsMatch, expectTableMatch, loadFixture } from './helpers.ts';

interface WalkForwardFixture {
  numStates: number;
  alpha: number;
  persistenceEpsilon: number;
  dates: string[];
  series: { symbol: string; firstDateIndex: number; states: number[] }[];
  pairs: { n: number; from: string; to: string; symbolIndex: string; firstDates: string[] };
  folds: {
    fold: number;
    train: [number, number];
    test: [number, number];
    metrics: Compared<ClassificationMetrics>;
    markovMatrix: number[][];
  }[];
  overall: { n: number; metrics: Compared<ClassificationMetrics>; calibration: Compared<ReliabilityTable> };
}

const fixture = loadFixture<WalkForwardFixture>('walk_forward.json');
const sequences = fixture.series.map((s) => ({
  symbol: s.symbol,
  dates: fixture.dates.slice(s.firstDateIndex, s.firstDateIndex + s.states.length),
  states: s.states,
}));
const pairs = buildPredictionPairs(sequences, { numStates: fixture.numStates });
const report = evaluateWalkForward(pairs, markovFit(fixture.alpha), {
  numStates: fixture.numStates,
  persistenceEpsilon: fixture.persistenceEpsilon,
});
const PREDICTORS = ['model', 'persistence', 'climatology'] as const;

const digits = (xs: ArrayLike<number>): string => Array.from(xs).join('');

describe('walk-forward evaluation of S&P 500 volatility / drawdown terciles against scikit-learn', () => {
  it('builds the same pairs in the same (date, symbol) order as pandas', () => {
    expect(pairs.from).toHaveLength(fixture.pairs.n);
    expect(digits(pairs.from)).toBe(fixture.pairs.from);
    expect(digits(pairs.to)).toBe(fixture.pairs.to);
    expect(pairs.symbols.map((s) => (s === fixture.series[0]!.symbol ? '0' : '1')).join('')).toBe(
      fixture.pairs.symbolIndex,
    );
    expect(pairs.dates.slice(0, fixture.pairs.firstDates.length)).toEqual(fixture.pairs.firstDates);
  });

  it('uses the TimeSeriesSplit(5) folds', () => {
    expect(report.folds.map((f) => [f.train.start, f.train.end, f.test.start, f.test.end])).toEqual(
      fixture.folds.map((f) => [...f.train, ...f.test]),
    );
  });

  it('fits the same Laplace-smoothed Markov matrix per fold', () => {
    for (const fold of fixture.folds) {
      const train: TransitionPairs = {
        from: pairs.from.subarray(0, fold.train[1]),
        to: pairs.to.subarray(0, fold.train[1]),
      };
      const predict = markovFit(fixture.alpha)(train, fixture.numStates);
      fold.markovMatrix.forEach((row, i) => {
        expectAllClose(Array.from(predict(i)), row, `fold ${fold.fold} row ${i}`);
      });
    }
  });

  it.each(fixture.folds.flatMap((f) => PREDICTORS.map((p) => [f.fold, p, f] as const)))(
    'matches every metric of fold %i for the %s forecasts',
    (index, predictor, expected) => {
      expectMetricsMatch(
        report.folds[index]!.metrics[predictor],
        expected.metrics[predictor],
        `fold ${index}`,
      );
    },
  );

  it.each(PREDICTORS)('matches every out-of-fold metric for the %s forecasts', (predictor) => {
    expect(report.overall.n).toBe(fixture.overall.n);
    expectMetricsMatch(
      report.overall.metrics[predictor],
      fixture.overall.metrics[predictor],
      `overall ${predictor}`,
    );
  });

  it.each(PREDICTORS)('matches the out-of-fold High reliability table for the %s forecasts', (predictor) => {
    expect(report.overall.calibration[predictor].classIndex).toBe(2);
    expectTableMatch(
      report.overall.calibration[predictor],
      fixture.overall.calibration[predictor],
      predictor,
    );
  });

  it('returns a plain JSON-serialisable report', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

const pairsOf = (states: number[]): TransitionPairs => ({
  from: Int32Array.from(states.slice(0, -1)),
  to: Int32Array.from(states.slice(1)),
});

describe('evaluateWalkForward', () => {
  it('fits each fold on exactly the pairs before its test range', () => {
    const all = pairsOf(Array.from({ length: 61 }, (_, i) => i % 3));
    const seen: number[][] = [];
    const spy: FitFunction = (train, K) => {
      seen.push(Array.from(train.from));
      return markovFit(1)(train, K);
    };
    const folds = evaluateWalkForward(all, spy, { numStates: 3 }).folds;
    expect(seen.length).toBe(folds.length);
    folds.forEach((fold, i) => {
      expect(seen[i]).toEqual(Array.from(all.from.subarray(0, fold.test.start)));
    });
  });

  it('scores persistence with accuracy 1 on a constant sequence', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 7, max: 200 }), (state, length) => {
        const report = evaluateWalkForward(pairsOf(new Array(length).fill(state)), markovFit(1), {
          numStates: 3,
        });
        for (const fold of report.folds) expect(fold.metrics.persistence.accuracy).toBe(1);
        expect(report.overall.metrics.persistence.accuracy).toBe(1);
      }),
    );
  });

  it('averages a fold ROC AUC over the classes present in its test set', () => {
    // State 2 only occurs in the first half, so later test folds have no High.
    const states = [
      ...Array.from({ length: 30 }, (_, i) => i % 3),
      ...Array.from({ length: 31 }, (_, i) => i % 2),
    ];
    const report = evaluateWalkForward(pairsOf(states), markovFit(1), { numStates: 3 });
    const last = report.folds.at(-1)!.metrics.model;
    expect(last.rocAuc[2]).toBeNull();
    expect(last.rocAucOvrMacro).toBeCloseTo((last.rocAuc[0]! + last.rocAuc[1]!) / 2, 15);
  });

  it('adds up the fold confusion matrices to the out-of-fold one', () => {
    const states = Array.from({ length: 120 }, (_, i) => Math.floor(i / 7) % 3);
    const report = evaluateWalkForward(pairsOf(states), markovFit(1), { numStates: 3 });
    const summed = [0, 1, 2].map((i) =>
      [0, 1, 2].map((j) => report.folds.reduce((t, f) => t + f.metrics.model.confusionMatrix[i]![j]!, 0)),
    );
    expect(report.overall.metrics.model.confusionMatrix).toEqual(summed);
    expect(report.overall.n).toBe(report.folds.reduce((t, f) => t + f.test.end - f.test.start, 0));
  });

  it('honours the split options', () => {
    const report = evaluateWalkForward(pairsOf(Array.from({ length: 41 }, (_, i) => i % 3)), markovFit(1), {
      numStates: 3,
      split: { nSplits: 3 },
    });
    expect(report.folds.map((f) => [f.test.start, f.test.end])).toEqual([
      [10, 20],
      [20, 30],
      [30, 40],
    ]);
  });

  it('raises TooFewSamplesError with fewer pairs than folds', () => {
    expect(() => evaluateWalkForward(pairsOf([0, 1, 2, 0, 1]), markovFit(1), { numStates: 3 })).toThrow(
      TooFewSamplesError,
    );
  });

  it('rejects a forecast that is not a probability distribution', () => {
    const broken: FitFunction = () => () => [0.5, 0.5, 0.5];
    expect(() => walkForwardForecasts(pairsOf([0, 1, 2, 0, 1, 2, 0, 1]), broken, { numStates: 3 })).toThrow(
      /sums to 1.5/,
    );
  });

  it('rejects a pair state outside [0, K)', () => {
    expect(() =>
      evaluateWalkForward(pairsOf([0, 1, 3, 0, 1, 2, 0, 1]), markovFit(1), { numStates: 3 }),
    ).toThrow(EvaluationInputError);
  });
});
