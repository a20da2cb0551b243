import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  anomalyScores,
  averagePathLength,
  fitIsolationForest,
  IsolationForestInputError,
  isolationForestAnomalies,
  predictAnomalies,
} from '#shared/monitoring/isolation-forest';

interface IforestCase {
  name: string;
  x: number[][];
  contamination: number;
  planted: number[] | null;
  flagged: number[];
  flaggedByAllSeeds: number[];
  scores: number[];
  offset: number;
}

interface IforestFixture {
  source: string;
  averagePathLength: { n: number[]; c: number[] };
  cases: IforestCase[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/monitoring/iforest.json', import.meta.url), 'utf8'),
) as IforestFixture;
const planted = fixture.cases[0]!;
const gold = fixture.cases[1]!;

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let k = 0; k < n; k++) {
    meanA += a[k]! / n;
    meanB += b[k]! / n;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < n; k++) {
    ab += (a[k]! - meanA) * (b[k]! - meanB);
    aa += (a[k]! - meanA) ** 2;
    bb += (b[k]! - meanB) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Rows sklearn's percentile rule flags when all n training scores are distinct. */
function expectedFlagCount(n: number, contamination: number): number {
  const virtualIndex = (n - 1) * contamination;
  return Number.isInteger(virtualIndex) ? virtualIndex : Math.floor(virtualIndex) + 1;
}

describe('averagePathLength', () => {
  it('matches sklearn _average_path_length', () => {
    const { n, c } = fixture.averagePathLength;
    n.forEach((size, k) => {
      expect(Math.abs(averagePathLength(size) - c[k]!)).toBeLessThanOrEqual(1e-12 * c[k]!);
    });
  });
});

describe('isolationForestAnomalies on planted outliers', () => {
  const result = isolationForestAnomalies(planted.x, { contamination: planted.contamination, seed: 11 });

  it('flags every planted outlier, as sklearn does', () => {
    expect(planted.flaggedByAllSeeds).toEqual(planted.planted);
    expect(result.indices).toEqual(expect.arrayContaining(planted.planted!));
  });

  it('flags as many rows as sklearn (the contamination percentile rule)', () => {
    expect(result.indices.length).toBe(planted.flagged.length);
    expect(result.indices.length).toBe(expectedFlagCount(planted.x.length, planted.contamination));
  });

  it('returns the score of each flagged row above the threshold', () => {
    expect(result.scores).toEqual(result.indices.map((k) => result.allScores[k]));
    for (const score of result.scores) expect(score).toBeGreaterThan(result.threshold);
  });
});

describe('isolationForestAnomalies on S&P 500 gold features', () => {
  const result = isolationForestAnomalies(gold.x, { contamination: gold.contamination, seed: 5 });

  it('respects the contamination share like sklearn', () => {
    expect(result.indices.length).toBe(gold.flagged.length);
  });

  it('flags at least 90 % of the rows that sklearn flags with every seed', () => {
    const ours = new Set(result.indices);
    const shared = gold.flaggedByAllSeeds.filter((k) => ours.has(k)).length;
    expect(shared / gold.flaggedByAllSeeds.length).toBeGreaterThanOrEqual(0.9);
  });

  it('scores like sklearn: Pearson r > 0.975, largest gap < 0.07 (sklearn against itself across seeds: 0.987–0.990, 0.048–0.052)', () => {
    expect(pearson(result.allScores, gold.scores)).toBeGreaterThan(0.975);
    let gap = 0;
    gold.scores.forEach((s, k) => {
      gap = Math.max(gap, Math.abs(s - result.allScores[k]!));
    });
    expect(gap).toBeLessThan(0.07);
  });

  it('puts the threshold near sklearn −offset_', () => {
    expect(Math.abs(result.threshold + gold.offset)).toBeLessThan(0.02);
  });
});

describe('fitIsolationForest', () => {
  const cloud = planted.x.filter((_, k) => !planted.planted!.includes(k));

  it('is reproducible for a given seed and changes with the seed', () => {
    const a = fitIsolationForest(cloud, { seed: 1, nEstimators: 20 });
    const b = fitIsolationForest(cloud, { seed: 1, nEstimators: 20 });
    const c = fitIsolationForest(cloud, { seed: 2, nEstimators: 20 });
    expect(anomalyScores(b, cloud)).toEqual(anomalyScores(a, cloud));
    expect(anomalyScores(c, cloud)).not.toEqual(anomalyScores(a, cloud));
  });

  it('scores new rows: a far point above the threshold, the centre below', () => {
    const model = fitIsolationForest(cloud, { seed: 3 });
    const result = predictAnomalies(model, [
      [0, 0],
      [15, -15],
    ]);
    expect(result.indices).toEqual([1]);
    expect(result.allScores[0]!).toBeLessThan(0.5);
  });

  it('keeps scores in (0, 1]', () => {
    const model = fitIsolationForest(gold.x, { seed: 4, nEstimators: 10 });
    const scores = anomalyScores(model, gold.x);
    expect(Math.min(...scores)).toBeGreaterThan(0);
    expect(Math.max(...scores)).toBeLessThanOrEqual(1);
  });

  it('caps the rows per tree at n and grows leaves only from non-constant features', () => {
    const rows = [
      [1, 5],
      [1, 6],
      [1, 7],
    ];
    const model = fitIsolationForest(rows, { seed: 1, nEstimators: 5 });
    expect(model.maxSamples).toBe(3);
    // A split has a finite threshold (padding below a leaf has +∞); every split is on feature 1.
    let splits = 0;
    model.thresholds.forEach((threshold, slot) => {
      if (Number.isFinite(threshold)) {
        splits++;
        expect(model.features[slot]).toBe(1);
      }
    });
    expect(splits).toBeGreaterThan(0);
  });

  it('gives every row the score 0.5 when trees hold one row (c(1) = 0), as sklearn', () => {
    const model = fitIsolationForest(cloud, { maxSamples: 1, nEstimators: 3 });
    expect(new Set(anomalyScores(model, cloud))).toEqual(new Set([0.5]));
  });

  it('gives identical scores to identical rows', () => {
    const rows = Array.from({ length: 40 }, (_, k) => [k % 4 === 0 ? 1 : 0, 1]);
    const scores = anomalyScores(fitIsolationForest(rows, { seed: 9 }), rows);
    expect(new Set(scores).size).toBe(2);
  });

  it('rejects empty, ragged or non-finite data and invalid options', () => {
    expect(() => fitIsolationForest([])).toThrow(IsolationForestInputError);
    expect(() => fitIsolationForest([[1, 2], [3]])).toThrow(IsolationForestInputError);
    expect(() => fitIsolationForest([[Number.NaN]])).toThrow(IsolationForestInputError);
    expect(() => fitIsolationForest([[1]], { contamination: 0.6 })).toThrow(IsolationForestInputError);
    expect(() => fitIsolationForest([[1]], { nEstimators: 0 })).toThrow(IsolationForestInputError);
  });

  it('rejects rows with a different number of features than the model', () => {
    const model = fitIsolationForest(cloud, { nEstimators: 2 });
    expect(() => anomalyScores(model, [[1, 2, 3]])).toThrow(IsolationForestInputError);
  });
});
