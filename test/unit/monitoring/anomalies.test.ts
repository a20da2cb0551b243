import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AnomalyInputError,
  referenceMoments,
  unusualTransitions,
  zScoreAnomalies,
} from '#shared/monitoring/anomalies';

interface ZScoreFixture {
  reference: number[];
  values: number[];
  mean: number;
  sd: number;
  threshold: number;
  indices: number[];
  zScores: number[];
}

const { zscore } = JSON.parse(
  readFileSync(new URL('../../fixtures/monitoring/drift.json', import.meta.url), 'utf8'),
) as { zscore: ZScoreFixture };

const P = [
  [0.9, 0.08, 0.02],
  [0.1, 0.8, 0.1],
  [0.03, 0.17, 0.8],
];

describe('referenceMoments', () => {
  it('matches numpy mean and std(ddof=1) on five years of S&P 500 log returns', () => {
    const { mean, sd } = referenceMoments(zscore.reference);
    expect(Math.abs(mean - zscore.mean)).toBeLessThanOrEqual(1e-9 * Math.abs(zscore.mean));
    expect(Math.abs(sd - zscore.sd)).toBeLessThanOrEqual(1e-9 * zscore.sd);
  });

  it('uses the sample (n − 1) standard deviation', () => {
    expect(referenceMoments([1, 2, 3, 4])).toEqual({ mean: 2.5, sd: Math.sqrt(5 / 3) });
  });

  it('rejects fewer than two values and non-finite values', () => {
    expect(() => referenceMoments([1])).toThrow(AnomalyInputError);
    expect(() => referenceMoments([1, Number.POSITIVE_INFINITY])).toThrow(AnomalyInputError);
  });
});

describe('zScoreAnomalies', () => {
  it('flags the same S&P 500 returns (2019-04 … 2020-04) as numpy |z| > 3', () => {
    const result = zScoreAnomalies(zscore.values, zscore.mean, zscore.sd, zscore.threshold);
    expect(result.indices).toEqual(zscore.indices);
    expect(result.values).toEqual(zscore.indices.map((k) => zscore.values[k]));
    result.zScores.forEach((z, k) => {
      expect(Math.abs(z - zscore.zScores[k]!)).toBeLessThanOrEqual(1e-9 * Math.abs(zscore.zScores[k]!));
    });
  });

  it('does not flag a value exactly at the threshold (strict >)', () => {
    const result = zScoreAnomalies([3, -3, 3.0000001, -3.0000001], 0, 1);
    expect(result.indices).toEqual([2, 3]);
    expect(result.values).toEqual([3.0000001, -3.0000001]);
  });

  it('takes the threshold as a parameter', () => {
    expect(zScoreAnomalies([1, 2.5, -2.6], 0, 1, 2).indices).toEqual([1, 2]);
  });

  it('flags exactly the values whose |x − mean| exceeds threshold · sd', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true })),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (values, mean, sd) => {
          const expected = values.flatMap((v, k) => (Math.abs((v - mean) / sd) > 3 ? [k] : []));
          expect(zScoreAnomalies(values, mean, sd).indices).toEqual(expected);
        },
      ),
    );
  });

  it('rejects a zero or non-finite reference sd', () => {
    expect(() => zScoreAnomalies([1], 0, 0)).toThrow(AnomalyInputError);
    expect(() => zScoreAnomalies([1], 0, Number.NaN)).toThrow(AnomalyInputError);
    expect(() => zScoreAnomalies([1], Number.NaN, 1)).toThrow(AnomalyInputError);
  });
});

describe('unusualTransitions', () => {
  it('flags pairs whose model probability is below 0.05, indexed by the first state', () => {
    const result = unusualTransitions([0, 0, 2, 2, 0, 1, 1], P, 0.05);
    expect(result).toEqual({ indices: [1, 3], from: [0, 2], to: [2, 0], probabilities: [0.02, 0.03] });
  });

  it('does not flag a probability equal to the threshold (strict <)', () => {
    const p = [
      [0.95, 0.05],
      [0.5, 0.5],
    ];
    expect(unusualTransitions([0, 1, 0, 0], p, 0.05).indices).toEqual([]);
  });

  it('takes the threshold as a parameter', () => {
    expect(unusualTransitions([0, 1, 2], P, 0.15).indices).toEqual([0, 1]);
  });

  it('finds nothing in sequences shorter than two states', () => {
    expect(unusualTransitions([], P, 0.05).indices).toEqual([]);
    expect(unusualTransitions([2], P, 0.05).indices).toEqual([]);
  });

  it('rejects a state outside the model and a non-square matrix', () => {
    expect(() => unusualTransitions([0, 3], P, 0.05)).toThrow(AnomalyInputError);
    expect(() => unusualTransitions([0, 1.5], P, 0.05)).toThrow(AnomalyInputError);
    expect(() => unusualTransitions([0, 1], [[1, 0]], 0.05)).toThrow(AnomalyInputError);
  });
});

describe('the default unusual-transition threshold on the sample', () => {
  it('flags only the rare jumps of a Laplace-smoothed chain, not every regime change (DOMAIN §6: < 0.01)', async () => {
    const { loadConfig } = await import('#config/load');
    const { sampleModel } = await import('../../helpers/model.ts');
    const threshold = loadConfig().config.monitoring.anomalies.unusualTransitionProbability;
    const { model } = await sampleModel({ hmm: false });
    const P = model.markov.transitionMatrix;
    const changes = P.flatMap((row, i) => row.filter((_, j) => j !== i));
    // Every change of regime is below the first version's 0.05 — so 0.05 called them all unusual…
    expect(changes.every((p) => p < 0.05)).toBe(true);
    // …while 0.01 keeps the adjacent changes (Low ↔ Medium ↔ High) ordinary.
    expect(threshold).toBe(0.01);
    for (const [i, j] of [
      [0, 1],
      [1, 0],
      [1, 2],
      [2, 1],
    ] as const) {
      expect(P[i]![j]!, `P[${i}][${j}]`).toBeGreaterThanOrEqual(threshold);
    }
  }, 30_000);
});
