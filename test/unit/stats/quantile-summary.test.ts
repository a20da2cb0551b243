/**
 * The reference summary's bound (shared/stats/quantile-summary.ts): with M + 1 order statistics,
 * the summary's CDF is within 1/M of the sample's empirical CDF everywhere, the pseudo-sample's
 * within 1/(2M), and KS D against the summary within 1/M of scipy's two-sample D (our ksTwoSample,
 * checked against scipy in drift-stats.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ecdf } from '#shared/data/gold';
import { ksTwoSample, numpyLinearQuantile } from '#shared/monitoring/drift-stats';
import {
  ksDistanceToSummary,
  pseudoSample,
  summariseSorted,
  summaryCdf,
  summaryCdfBefore,
  summaryQuantile,
  upperBound,
} from '#shared/stats/quantile-summary';

/** Sorted sample with many ties (values on a coarse grid) or none. */
const sampleArb = fc
  .tuple(fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 1, maxLength: 600 }), fc.boolean())
  .map(([ints, ties]) => Float64Array.from(ints, (v, i) => (ties ? v / 8 : v + i * 1e-3)).sort());

/** Every point where a CDF can change, and a point between each pair. */
function probePoints(sorted: Float64Array, extra: readonly number[]): number[] {
  const values = [...new Set([...sorted, ...extra])].sort((a, b) => a - b);
  const out = [values[0]! - 1];
  for (let i = 0; i < values.length; i++) {
    out.push(values[i]!);
    if (i + 1 < values.length) out.push((values[i]! + values[i + 1]!) / 2);
  }
  out.push(values[values.length - 1]! + 1);
  return out;
}

describe('quantile summary', () => {
  it('keeps M + 1 order statistics: the minimum, the maximum and the values at ranks ⌈k·n/M⌉', () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    const s = summariseSorted(sorted, 50);
    expect(s.n).toBe(1000);
    expect(s.quantiles).toHaveLength(51);
    expect(s.quantiles[0]).toBe(1);
    expect(s.quantiles[1]).toBe(20);
    expect(s.quantiles[50]).toBe(1000);
    // A sample smaller than M is kept whole.
    expect(summariseSorted(Float64Array.of(3, 1, 2).sort(), 50).quantiles).toEqual([1, 1, 2, 3]);
  });

  it('its CDF is within 1/M of the empirical CDF everywhere, ties included', () => {
    fc.assert(
      fc.property(sampleArb, fc.integer({ min: 1, max: 64 }), (sorted, m) => {
        const s = summariseSorted(sorted, m);
        const M = s.quantiles.length - 1;
        for (const x of probePoints(sorted, s.quantiles)) {
          const exact = ecdf(sorted, x);
          expect(Math.abs(summaryCdf(s, x) - exact)).toBeLessThan(1 / M + 1e-12);
          expect(Math.abs(summaryCdfBefore(s, x) - lowerCdf(sorted, x))).toBeLessThan(1 / M + 1e-12);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the pseudo-sample’s empirical CDF (what new rows are scored against) is within 1/(2M)', () => {
    fc.assert(
      fc.property(sampleArb, fc.integer({ min: 1, max: 64 }), (sorted, m) => {
        const s = summariseSorted(sorted, m);
        const M = s.quantiles.length - 1;
        const pseudo = pseudoSample(s);
        const bound = M === sorted.length ? 1e-12 : 1 / (2 * M) + 1e-12;
        for (const x of probePoints(sorted, s.quantiles)) {
          expect(Math.abs(ecdf(pseudo, x) - ecdf(sorted, x))).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('KS D against the summary is within 1/M of the exact two-sample D', () => {
    fc.assert(
      fc.property(
        sampleArb,
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 80 }),
        fc.integer({ min: 1, max: 64 }),
        (sorted, currentInts, m) => {
          const current = currentInts.map((v) => v / 8);
          const s = summariseSorted(sorted, m);
          const M = s.quantiles.length - 1;
          const exact = ksTwoSample(sorted, current).d;
          expect(Math.abs(ksDistanceToSummary(s, current) - exact)).toBeLessThanOrEqual(1 / M + 1e-12);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('estimates numpy quantiles between the two stored values around them', () => {
    const sorted = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 3 + i / 1000).sort();
    const s = summariseSorted(sorted, 50);
    for (const p of [0.1, 0.25, 0.5, 0.9]) {
      const exact = numpyLinearQuantile(sorted, p);
      const k = upperBound(s.quantiles, exact);
      const estimate = summaryQuantile(s, p);
      expect(estimate).toBeGreaterThanOrEqual(s.quantiles[Math.max(0, k - 1)]!);
      expect(estimate).toBeLessThanOrEqual(s.quantiles[Math.min(50, k)]!);
    }
  });
});

/** F(x⁻) = share of values < x. */
function lowerCdf(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}
