import { describe, expect, it } from 'vitest';
import type { GaussianHmmParams } from '#shared/model/hmm';
import { hmmStability, symmetricKl } from '#shared/model/hmm-stability';

const params = (means: number[], variances: number[]): GaussianHmmParams => ({
  kind: 'gaussian-hmm',
  states: means.length,
  labels: ['Low', 'Medium', 'High'].slice(0, means.length),
  initial: means.map(() => 1 / means.length),
  transition: means.map((_, i) => means.map((__, j) => (i === j ? 0.9 : 0.1 / (means.length - 1)))),
  means,
  variances,
});

describe('hmmStability', () => {
  it('matches a refit to itself: identity, no swap, zero divergence', () => {
    const p = params([0.05, -0.02, -0.1], [0.4, 1.2, 4.5]);
    expect(hmmStability(p, p, 'v1')).toEqual({
      previousVersion: 'v1',
      matchedTo: [0, 1, 2],
      swapped: false,
      divergence: [0, 0, 0],
      varianceRatio: [1, 1, 1],
    });
  });

  it('reports a swap when the variance order names other states than before', () => {
    // Medium and High have nearly equal variances; the refit's "Medium" is the old "High".
    const previous = params([0.1, -0.5, 0], [1, 2, 2.2]);
    const current = params([0.1, 0, -0.5], [1, 2.1, 2.15]);
    const s = hmmStability(current, previous, 'v1')!;
    expect(s.matchedTo).toEqual([0, 2, 1]);
    expect(s.swapped).toBe(true);
    expect(s.divergence[1]).toBeCloseTo(symmetricKl(0, 2.1, 0, 2.2), 14);
    expect(s.varianceRatio[2]).toBeCloseTo(2.15 / 2, 14);
  });

  it('symmetric KL: zero for equal Gaussians, symmetric, grows with the mean gap', () => {
    expect(symmetricKl(0, 1, 0, 1)).toBe(0);
    expect(symmetricKl(0, 1, 1, 2)).toBeCloseTo(symmetricKl(1, 2, 0, 1), 14);
    expect(symmetricKl(0, 1, 2, 1)).toBeGreaterThan(symmetricKl(0, 1, 1, 1));
    // (1 + 1)/1 · ½ · 2 − 1 = 1 for a unit mean gap and unit variances.
    expect(symmetricKl(0, 1, 1, 1)).toBeCloseTo(1, 14);
  });

  it('is null for fits with different numbers of states', () => {
    expect(hmmStability(params([0, 1], [1, 2]), params([0, 1, 2], [1, 2, 3]), 'v1')).toBeNull();
  });
});
