import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binaryReliabilityTable,
  binaryReliabilityTableOfCheckedInputs,
  classReliabilityTablesOfCheckedInputs,
  type ReliabilityTable,
  reliabilityTable,
} from '#shared/evaluation/calibration';
import { EvaluationInputError } from '#shared/evaluation/errors';
import { probabilityMatrixFromRows } from '#shared/evaluation/metrics';
import { expectTableMatch, loadFixture } from './helpers.ts';

interface CalibrationCase {
  name: string;
  outcomes: number[];
  predicted: number[];
  nBins: number;
  expected: ReliabilityTable;
}

const fixture = loadFixture<{
  calibration: CalibrationCase[];
  classCalibration: { case: string; classIndex: number; nBins: number; expected: ReliabilityTable };
  cases: { name: string; y: number[]; proba: number[][] }[];
}>('metrics.json');

describe('reliability table against scikit-learn calibration_curve(strategy="uniform")', () => {
  it.each(fixture.calibration.map((c) => [c.name, c] as const))('matches on %s', (_, c) => {
    expectTableMatch(binaryReliabilityTable(c.outcomes, c.predicted, c.nBins), c.expected, c.name);
  });

  it('matches for one class of a probability matrix', () => {
    const { classIndex, nBins, expected } = fixture.classCalibration;
    const source = fixture.cases.find((c) => c.name === fixture.classCalibration.case)!;
    const table = reliabilityTable(source.y, probabilityMatrixFromRows(source.proba), classIndex, nBins);
    expect(table.classIndex).toBe(classIndex);
    expectTableMatch(table, expected, 'class table');
  });
});

describe('reliability table bins', () => {
  it('puts a probability on an edge into the bin below it (right-closed bins)', () => {
    const table = binaryReliabilityTable([1, 0], [0.5, 0.5000000000000001], 2);
    expect(table.bins.map((b) => b.count)).toEqual([1, 1]);
  });

  it('puts probability 0 into the first bin and 1 into the last', () => {
    const table = binaryReliabilityTable([0, 1], [0, 1], 4);
    expect(table.bins.map((b) => [b.lower, b.upper])).toEqual([
      [0, 0.25],
      [0.75, 1],
    ]);
  });

  it('defaults to 10 bins', () => {
    expect(binaryReliabilityTable([1], [0.42]).nBins).toBe(10);
  });

  it('rejects a probability above 1', () => {
    expect(() => binaryReliabilityTable([1], [1.01])).toThrow(EvaluationInputError);
  });

  it('rejects a class index outside [0, K)', () => {
    expect(() => reliabilityTable([0], probabilityMatrixFromRows([[0.5, 0.5]]), 2)).toThrow(
      EvaluationInputError,
    );
  });

  it('accounts for every forecast in exactly one bin, with means inside the bin', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
          maxLength: 80,
        }),
        fc.integer({ min: 1, max: 12 }),
        (rows, nBins) => {
          const table = binaryReliabilityTable(
            rows.map(([o]) => (o ? 1 : 0)),
            rows.map(([, p]) => p),
            nBins,
          );
          expect(table.bins.reduce((total, b) => total + b.count, 0)).toBe(rows.length);
          for (const bin of table.bins) {
            expect(bin.meanPredicted).toBeGreaterThanOrEqual(bin.lower - 1e-12);
            expect(bin.meanPredicted).toBeLessThanOrEqual(bin.upper + 1e-12);
            expect(bin.observedFrequency >= 0 && bin.observedFrequency <= 1).toBe(true);
          }
        },
      ),
    );
  });
});

describe('every class at once (the horizon backtest’s scorer)', () => {
  it('equals reliabilityTable of each class, bit for bit, on any valid forecasts', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 4 })
          .chain((K) =>
            fc.tuple(
              fc.constant(K),
              fc.array(
                fc.tuple(
                  fc.integer({ min: 0, max: K - 1 }),
                  fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: K, maxLength: K }),
                ),
                { minLength: 1, maxLength: 60 },
              ),
              fc.integer({ min: 1, max: 12 }),
            ),
          ),
        ([K, rows, nBins]) => {
          const y = rows.map(([label]) => label);
          // Rows normalised to sum to 1, some landing exactly on bin edges.
          const proba = probabilityMatrixFromRows(
            rows.map(([, w]) => {
              const total = w.reduce((a, b) => a + b, 0);
              return w.map((v) => (v > 0.9 ? 1 / nBins : v / total));
            }),
          );
          const all = classReliabilityTablesOfCheckedInputs(y, proba, nBins);
          expect(all).toHaveLength(K);
          for (let c = 0; c < K; c++) expect(all[c]).toEqual(reliabilityTable(y, proba, c, nBins));
        },
      ),
    );
  });

  it('binaryReliabilityTableOfCheckedInputs equals binaryReliabilityTable', () => {
    const outcomes = [0, 1, 1, 0, 1, 0, 0, 1];
    const predicted = [0, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9, 1];
    expect(binaryReliabilityTableOfCheckedInputs(outcomes, predicted, 4)).toEqual(
      binaryReliabilityTable(outcomes, predicted, 4),
    );
  });
});
