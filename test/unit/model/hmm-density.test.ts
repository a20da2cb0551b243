/**
 * DOMAIN §4.5 v2: the HMM on the out-of-fold predictive log density of the next day's return,
 * beside the regime-conditional kernel density — against an independent numpy / scipy /
 * scikit-learn computation (test/fixtures/hmm/make_density.py) from the same fold parameters.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TooFewSamplesError } from '#shared/evaluation/errors';
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

describe('compareNextDayDensity on a short gold', () => {
  // One symbol of 128 rows (a walk found 122–133 rows crashed `finml train`: fold 1's training held
  // 0–2 returns, fewer than the HMM's 3 states). Deterministic returns, regimes cycling by 20 days.
  const n = 128;
  const returns = Array.from({ length: n }, (_, t) => 0.01 * Math.sin(t * 1.7) + 0.002 * Math.cos(t / 3));
  const series = [
    {
      symbol: 'ONE',
      day: Array.from({ length: n }, (_, t) => 17_000 + t),
      states: Array.from({ length: n }, (_, t) => Math.floor(t / 20) % 3),
      returns,
    },
  ];
  const options = { numStates: 3, nSplits: 5, gap: 21, returnScale: 100, fit: { starts: 2, seed: 1 } };

  it('leaves out the folds it cannot score and scores the others on the same origins', () => {
    const result = compareNextDayDensity(series, options);
    expect(result.skippedFolds[0]).toBe(0);
    expect(result.skippedFolds.length).toBeLessThan(5);
    for (const m of result.models) {
      m.foldMeanLogDensity.forEach((v, f) =>
        expect(result.skippedFolds.includes(f) ? v === null : Number.isFinite(v)).toBe(true),
      );
      expect(Number.isFinite(m.meanLogDensity)).toBe(true);
    }
  });

  it('a regime with a single training return (no bandwidth) skips its fold instead of a −∞ score', () => {
    const flat = [{ ...series[0]!, returns: returns.map((r, t) => (t < 60 ? 0.001 : r)) }];
    const result = compareNextDayDensity(flat, options);
    for (const m of result.models)
      for (const v of m.foldMeanLogDensity) expect(v === null || Number.isFinite(v)).toBe(true);
    expect(result.skippedFolds.length).toBeGreaterThan(1);
  });

  it('fails as too few samples (the caller notes it and goes on) when the gold is too short', () => {
    const tiny = [
      {
        ...series[0]!,
        day: series[0]!.day.slice(0, 40),
        states: series[0]!.states.slice(0, 40),
        returns: returns.slice(0, 40),
      },
    ];
    expect(() => compareNextDayDensity(tiny, options)).toThrow(TooFewSamplesError);
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
