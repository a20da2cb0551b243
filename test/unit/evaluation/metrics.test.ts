import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvaluationInputError } from '#shared/evaluation/errors';
import {
  accuracy,
  argmaxPredictions,
  binaryRocAuc,
  type ClassificationMetrics,
  classificationMetrics,
  confusionMatrix,
  logLoss,
  multiclassBrier,
  type ProbabilityMatrix,
  probabilityMatrixFromRows,
  rocAucOvr,
} from '#shared/evaluation/metrics';
import { expectClose, expectMetricsMatch, loadFixture } from './helpers.ts';

interface MetricsCase {
  name: string;
  K: number;
  y: number[];
  proba: number[][];
  expected: ClassificationMetrics;
}

const fixture = loadFixture<{ cases: MetricsCase[] }>('metrics.json');
const caseNamed = (name: string): MetricsCase => fixture.cases.find((c) => c.name === name)!;

describe('classificationMetrics against scikit-learn 1.2.1', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('matches every metric on %s', (_, c) => {
    const actual = classificationMetrics(c.y, probabilityMatrixFromRows(c.proba, c.K));
    expectMetricsMatch(actual, c.expected, c.name);
  });

  it('leaves a class absent from y_true out of the macro ROC AUC', () => {
    const c = caseNamed('class_absent_k4');
    const auc = rocAucOvr(c.y, probabilityMatrixFromRows(c.proba));
    expect(auc.perClass[2]).toBeNull();
    const defined = [auc.perClass[0]!, auc.perClass[1]!, auc.perClass[3]!];
    expectClose(auc.macro, (defined[0]! + defined[1]! + defined[2]!) / 3, 'mean of present classes');
  });

  it('gives a null macro ROC AUC when only one class occurs', () => {
    const c = caseNamed('single_class_k3');
    expect(rocAucOvr(c.y, probabilityMatrixFromRows(c.proba))).toEqual({
      perClass: [null, null, null],
      macro: null,
    });
  });

  it('scores perfect forecasts with accuracy 1, AUC 1 and Brier 0', () => {
    const c = caseNamed('perfect_k3');
    const m = classificationMetrics(c.y, probabilityMatrixFromRows(c.proba));
    expect([m.accuracy, m.rocAucOvrMacro, m.brier, m.f1Macro]).toEqual([1, 1, 0, 1]);
  });

  it('clips a zero probability on the true class to epsilon in the log loss', () => {
    const proba = probabilityMatrixFromRows([[0, 1, 0]]);
    // clip → [ε, 1−ε, ε], row sum 1 + ε, p(true) = ε / (1 + ε)
    expectClose(logLoss([0], proba), -Math.log(Number.EPSILON / (1 - Number.EPSILON + 2 * Number.EPSILON)));
  });

  it('renormalises rows in the log loss', () => {
    expectClose(logLoss([1], probabilityMatrixFromRows([[0.2, 0.2, 0.4]])), -Math.log(0.25));
  });

  it('clips before renormalising in the log loss (scikit-learn 1.2 order)', () => {
    // clip → [ε, 0.5, ε], then p(true) = 0.5 / (0.5 + 2ε) ≈ 1 − 4ε; normalising first would give 1 − ε.
    const eps = Number.EPSILON;
    const expected = -Math.log(0.5 / (0.5 + 2 * eps));
    expect(logLoss([1], probabilityMatrixFromRows([[0, 0.5, 0]])) / expected).toBeCloseTo(1, 6);
  });

  it('uses the given log-loss epsilon', () => {
    expectClose(logLoss([0], probabilityMatrixFromRows([[0, 1]]), 0.01), -Math.log(0.01));
  });
});

describe('individual metrics', () => {
  it('breaks argmax ties towards the lower class', () => {
    const proba = probabilityMatrixFromRows([
      [0.4, 0.4, 0.2],
      [0.2, 0.4, 0.4],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
    expect(Array.from(argmaxPredictions(proba))).toEqual([0, 1, 0]);
  });

  it('lays the confusion matrix out as [true][predicted]', () => {
    expect(confusionMatrix([0, 0, 1, 2], [1, 0, 1, 0], 3)).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 0],
    ]);
  });

  it('counts tied scores as one half in the binary ROC AUC', () => {
    expect(binaryRocAuc([1, 0], [0.5, 0.5])).toBe(0.5);
    expect(binaryRocAuc([1, 0, 1, 0], [0.9, 0.9, 0.8, 0.1])).toBe(0.625);
  });

  it('returns a null binary ROC AUC without negatives', () => {
    expect(binaryRocAuc([1, 1], [0.2, 0.3])).toBeNull();
  });

  it('computes the multi-class Brier score over all classes', () => {
    // (0.7−1)² + 0.2² + 0.1² = 0.14
    expectClose(multiclassBrier([0], probabilityMatrixFromRows([[0.7, 0.2, 0.1]])), 0.14);
  });

  it('rejects a label outside [0, K)', () => {
    expect(() => classificationMetrics([3], probabilityMatrixFromRows([[0.5, 0.5, 0]]))).toThrow(
      EvaluationInputError,
    );
  });

  it('rejects a probability outside [0, 1]', () => {
    expect(() => logLoss([0], probabilityMatrixFromRows([[1.5, -0.5]]))).toThrow(EvaluationInputError);
  });

  it('rejects empty input', () => {
    const empty: ProbabilityMatrix = { samples: 0, classes: 3, values: new Float64Array(0) };
    expect(() => classificationMetrics([], empty)).toThrow(EvaluationInputError);
  });

  it('rejects ragged rows', () => {
    expect(() => probabilityMatrixFromRows([[0.5, 0.5], [1]])).toThrow(EvaluationInputError);
  });

  it('rejects a length mismatch between labels and rows', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(EvaluationInputError);
  });
});

/** n ≥ 1 samples of K ∈ [2, 5] classes with rows normalised to 1 (some with ties). */
const labelledForecasts = fc.integer({ min: 2, max: 5 }).chain((K) =>
  fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: K - 1 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: K, maxLength: K }),
      ),
      { minLength: 1, maxLength: 60 },
    )
    .map((rows) => {
      const y = rows.map(([label]) => label);
      const proba = probabilityMatrixFromRows(
        rows.map(([, weights]) => {
          const total = weights.reduce((a, b) => a + b, 0);
          return total === 0 ? weights.map(() => 1 / K) : weights.map((w) => w / total);
        }),
        K,
      );
      return { y, proba };
    }),
);

describe('metric properties', () => {
  it('keeps every metric in its range', () => {
    fc.assert(
      fc.property(labelledForecasts, ({ y, proba }) => {
        const m = classificationMetrics(y, proba);
        const unit = [
          m.accuracy,
          m.precisionMacro,
          m.recallMacro,
          m.f1Macro,
          ...m.precision,
          ...m.recall,
          ...m.f1,
        ];
        for (const v of unit) expect(v >= 0 && v <= 1).toBe(true);
        for (const v of m.rocAuc) if (v !== null) expect(v >= 0 && v <= 1).toBe(true);
        if (m.rocAucOvrMacro !== null) expect(m.rocAucOvrMacro >= 0 && m.rocAucOvrMacro <= 1).toBe(true);
        expect(m.logLoss >= 0 && Number.isFinite(m.logLoss)).toBe(true);
        expect(m.brier >= 0 && m.brier <= 2 + 1e-12).toBe(true);
        expect(m.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(y.length);
      }),
    );
  });

  it('equals the Mann–Whitney pair count for the binary ROC AUC', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5 })), { minLength: 2, maxLength: 40 }),
        (rows) => {
          const positive = rows.map(([p]) => (p ? 1 : 0));
          const scores = rows.map(([, s]) => s / 5);
          let wins = 0;
          let pairs = 0;
          rows.forEach(([pi, si]) => {
            rows.forEach(([pj, sj]) => {
              if (pi && !pj) {
                pairs++;
                wins += si > sj ? 1 : si === sj ? 0.5 : 0;
              }
            });
          });
          const auc = binaryRocAuc(positive, scores);
          if (pairs === 0) expect(auc).toBeNull();
          else expectClose(auc, wins / pairs);
        },
      ),
    );
  });
});

describe('rocAucOvr on a table forecaster (few distinct scores, counted not sorted)', () => {
  it('equals the sorted walk (binaryRocAuc) class by class, ties and all', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 4 })), {
          minLength: 2,
          maxLength: 200,
        }),
        (rows) => {
          // Row i's forecast is one of five distributions (as a chain's table gives one per state).
          const table = [
            [0.9, 0.05, 0.05],
            [0.2, 0.7, 0.1],
            [0.1, 0.2, 0.7],
            [1 / 3, 1 / 3, 1 / 3],
            [0.05, 0.9, 0.05],
          ];
          const y = rows.map(([c]) => c);
          const values = Float64Array.from(rows.flatMap(([, s]) => table[s]!));
          const auc = rocAucOvr(y, { samples: y.length, classes: 3, values });
          for (let k = 0; k < 3; k++) {
            const expected = binaryRocAuc(
              y.map((c) => (c === k ? 1 : 0)),
              rows.map(([, s]) => table[s]![k]!),
            );
            if (expected === null) expect(auc.perClass[k]).toBeNull();
            else expect(auc.perClass[k]).toBeCloseTo(expected, 14);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
