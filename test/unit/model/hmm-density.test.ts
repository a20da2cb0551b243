/**
 * DOMAIN §4.5 v2: the HMM on the out-of-fold predictive log density of the next day's return,
 * beside the regime-conditional kernel density — against an independent numpy / scipy /
 * scikit-learn computation (test/fixtures/hmm/make_density.py) from the same fold parameters.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareNextDayDensity, kdeLogDensity } from '#shared/model/hmm-density';
import { createRandom } from '#shared/stats/random';

const input = JSON.parse(
  readFileSync(new URL('../../fixtures/hmm/density_input.json', import.meta.url), 'utf8'),
);
const expected = JSON.parse(
  readFileSync(new URL('../../fixtures/hmm/density.json', import.meta.url), 'utf8'),
) as {
  origins: number;
  foldMeanLogDensity: Record<string, number[]>;
  meanLogDensity: Record<string, number>;
};

describe('compareNextDayDensity', () => {
  const result = compareNextDayDensity(input.series, {
    numStates: 3,
    nSplits: input.nSplits,
    gap: input.gap,
    returnScale: input.returnScale,
    fit: input.fit,
  });

  it('fits the same fold parameters as the fixture records (deterministic, warm-started)', () => {
    expect(result.foldParams).toEqual(input.foldParams);
  });

  it('equals the numpy filter and scipy gaussian_kde on the sample, per fold and overall', () => {
    expect(result.origins).toBe(expected.origins);
    for (const m of result.models) {
      expect(m.meanLogDensity).toBeCloseTo(expected.meanLogDensity[m.name]!, 10);
      m.foldMeanLogDensity.forEach((v, f) =>
        expect(v!).toBeCloseTo(expected.foldMeanLogDensity[m.name]![f]!, 10),
      );
    }
  });

  it('says where the HMM loses: on the sample the regime density beats it in three folds of five, the HMM wins overall by 0.002', () => {
    const hmm = result.models.find((m) => m.name === 'hmm')!;
    const regime = result.models.find((m) => m.name === 'regime')!;
    const regimeWins = hmm.foldMeanLogDensity.filter((v, f) => regime.foldMeanLogDensity[f]! > v!).length;
    expect(regimeWins).toBe(3);
    expect(result.winner).toBe('hmm');
    expect(hmm.meanLogDensity - regime.meanLogDensity).toBeLessThan(0.005);
  });
});

describe('kdeLogDensity on a grid', () => {
  it('is within 1e-3 of the exact kernel estimate (the path above exactBelow)', () => {
    const random = createRandom(3);
    const sample = Float64Array.from(
      { length: 5000 },
      () => (random.uniform() - 0.5) * (random.uniform() < 0.1 ? 0.2 : 0.02),
    );
    const points = Float64Array.from({ length: 400 }, () => (random.uniform() - 0.5) * 0.1);
    const exact = kdeLogDensity(sample, points, Number.POSITIVE_INFINITY);
    const grid = kdeLogDensity(sample, points, 0);
    exact.forEach((v, q) => expect(Math.abs(grid[q]! - v)).toBeLessThan(1e-3));
  });
});
