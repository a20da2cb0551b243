import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vectorTimesMatrix } from '#shared/model/linalg';
import {
  credibleIntervals,
  expectedStepsToReach,
  fitTransitionMatrix,
  meanFirstPassageTimes,
  observedMeanRunLength,
  reachProbabilities,
  stationaryDistribution,
  transitionCounts,
} from '#shared/model/markov';

/** K×K count matrices, K in 2..5, with many zeros so that α = 0 meets empty rows and reducible chains. */
const countsArbitrary = fc
  .integer({ min: 2, max: 5 })
  .chain((k) =>
    fc.array(
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 })), { minLength: k, maxLength: k }),
      { minLength: k, maxLength: k },
    ),
  );
const alphaArbitrary = fc.constantFrom(0, 0.5, 1, 2);
const smoothingArbitrary = fc.constantFrom(0.5, 1, 2);

describe('Markov-chain invariants (fast-check)', () => {
  it('rows of P sum to 1 and are never NaN, whatever the counts and α', () => {
    fc.assert(
      fc.property(countsArbitrary, alphaArbitrary, (counts, alpha) => {
        for (const row of fitTransitionMatrix(counts, alpha).matrix) {
          expect(row.every((v) => v >= 0 && v <= 1)).toBe(true);
          expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThanOrEqual(1e-12);
        }
      }),
    );
  });

  it('π P = π and Σ π = 1, also for reducible MLE chains', () => {
    fc.assert(
      fc.property(countsArbitrary, alphaArbitrary, (counts, alpha) => {
        const p = fitTransitionMatrix(counts, alpha).matrix;
        const pi = stationaryDistribution(
          p,
          counts.map((row) => row.reduce((s, v) => s + v, 0)),
        );
        expect(Math.abs(pi.reduce((s, v) => s + v, 0) - 1)).toBeLessThanOrEqual(1e-12);
        vectorTimesMatrix(pi, p).forEach((v, j) => {
          expect(Math.abs(v - pi[j]!)).toBeLessThanOrEqual(1e-12);
        });
      }),
    );
  });

  it('m_ij = 1 + Σ_{k≠j} P_ik m_kj wherever m_ij is finite', () => {
    fc.assert(
      fc.property(countsArbitrary, alphaArbitrary, (counts, alpha) => {
        const p = fitTransitionMatrix(counts, alpha).matrix;
        const m = meanFirstPassageTimes(p);
        const k = p.length;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) {
            if (i === j || !Number.isFinite(m[i]![j]!)) continue;
            let rhs = 1;
            for (let l = 0; l < k; l++) if (l !== j && p[i]![l]! > 0) rhs += p[i]![l]! * m[l]![j]!;
            expect(Math.abs(m[i]![j]! - rhs)).toBeLessThanOrEqual(1e-9 * Math.max(1, m[i]![j]!));
          }
        }
      }),
    );
  });

  it('every m_ij is finite once α > 0 (the smoothed chain is irreducible)', () => {
    fc.assert(
      fc.property(countsArbitrary, smoothingArbitrary, (counts, alpha) => {
        const m = meanFirstPassageTimes(fitTransitionMatrix(counts, alpha).matrix);
        expect(m.flat().every(Number.isFinite)).toBe(true);
      }),
    );
  });

  it('P(reach High within h) is non-decreasing in h, in [0, 1], and 1 from High', () => {
    fc.assert(
      fc.property(
        countsArbitrary,
        alphaArbitrary,
        fc.integer({ min: 1, max: 30 }),
        (counts, alpha, horizon) => {
          const p = fitTransitionMatrix(counts, alpha).matrix;
          const high = p.length - 1;
          const reach = reachProbabilities(p, high, horizon);
          expect(reach[high]!.every((v) => v === 1)).toBe(true);
          for (const row of reach) {
            expect(row.every((v) => v >= 0 && v <= 1)).toBe(true);
            for (let h = 1; h < row.length; h++) expect(row[h]).toBeGreaterThanOrEqual(row[h - 1]!);
          }
        },
      ),
    );
  });

  it('expected steps to High are finite exactly where High is reached almost surely', () => {
    const horizon = 5000;
    fc.assert(
      fc.property(countsArbitrary, alphaArbitrary, (counts, alpha) => {
        const p = fitTransitionMatrix(counts, alpha).matrix;
        const high = p.length - 1;
        const steps = expectedStepsToReach(p, high);
        const reach = reachProbabilities(p, high, horizon);
        steps.forEach((s, i) => {
          const reachedByHorizon = reach[i]![horizon - 1]!;
          // Finite mean: Markov's inequality P(T > H) ≤ E[T] / H. Infinite: some mass never arrives.
          if (Number.isFinite(s)) expect(reachedByHorizon).toBeGreaterThanOrEqual(1 - s / horizon - 1e-12);
          else expect(reachedByHorizon).toBeLessThan(1 - 1e-9);
        });
      }),
      { numRuns: 50 },
    );
  });

  it('Beta credible intervals contain the point estimate for α ≥ 1', () => {
    fc.assert(
      fc.property(countsArbitrary, fc.constantFrom(1, 1.5, 3), (counts, alpha) => {
        const p = fitTransitionMatrix(counts, alpha).matrix;
        const { lower, upper } = credibleIntervals(counts, alpha);
        p.forEach((row, i) => {
          row.forEach((v, j) => {
            expect(lower[i]![j]!).toBeLessThanOrEqual(v);
            expect(upper[i]![j]!).toBeGreaterThanOrEqual(v);
          });
        });
      }),
    );
  });

  it('the mean run length times the number of runs gives back the occurrences', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 40 }), { maxLength: 4 }),
        (seqs) => {
          const runLength = observedMeanRunLength(seqs, 3);
          const counts = transitionCounts(seqs, 3);
          for (let s = 0; s < 3; s++) {
            const occurrences = seqs.flat().filter((v) => v === s).length;
            const stays = counts[s]![s]!;
            // occurrences = runs + stays within runs, so runs = occurrences − stays.
            const runs = occurrences - stays;
            expect(runLength[s]).toBe(runs > 0 ? occurrences / runs : 0);
          }
        },
      ),
    );
  });
});
