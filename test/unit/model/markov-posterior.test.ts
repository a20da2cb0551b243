import { describe, expect, it } from 'vitest';
import {
  fitTransitionMatrix,
  MarkovInputError,
  posteriorSummary,
  sortedQuantile,
  stationaryDistribution,
} from '#shared/model/markov';
import { expectClose, fitCases, pyReference, rReference } from './markov-fixtures.ts';

const handMadeCounts = rReference.cases.handMade!.counts;

describe('posteriorSummary', () => {
  it('gives exactly the same result for the same seed', () => {
    const a = posteriorSummary(handMadeCounts, { seed: 42, samples: 300 });
    const b = posteriorSummary(handMadeCounts, { seed: 42, samples: 300 });
    expect(b).toEqual(a);
  });

  it('changes with the seed', () => {
    const a = posteriorSummary(handMadeCounts, { seed: 42, samples: 300 });
    const b = posteriorSummary(handMadeCounts, { seed: 43, samples: 300 });
    expect(b.stationary.lower).not.toEqual(a.stationary.lower);
  });

  // P(reach High within 1 | i) = P_i,High, whose posterior marginal is the Beta of DOMAIN §4:
  // the Monte Carlo percentiles must agree with scipy beta.ppf up to Monte Carlo error.
  it.each(fitCases.filter((c) => c.alpha > 0))(
    'reproduces the Beta marginal of P_i,High at horizon 1 ($label)',
    ({ name, alpha }) => {
      const counts = rReference.cases[name]!.counts;
      const credible = pyReference.cases[name]!.fits.find((f) => f.alpha === alpha)!.credible;
      const summary = posteriorSummary(counts, { alpha, seed: 7, samples: 5000, horizons: [1] });
      for (let i = 0; i < 2; i++) {
        const lower = credible.lower[i]![2]!;
        const upper = credible.upper[i]![2]!;
        const tolerance = 0.05 * (upper - lower);
        expect(Math.abs(summary.reachWithin.lower[i]![0]! - lower)).toBeLessThan(tolerance);
        expect(Math.abs(summary.reachWithin.upper[i]![0]! - upper)).toBeLessThan(tolerance);
      }
    },
  );

  it('brackets the point estimate of π with a realistic amount of data (sp500, α = 1)', () => {
    const counts = rReference.cases.sp500VolTercile!.counts;
    const pi = stationaryDistribution(fitTransitionMatrix(counts, 1).matrix);
    const summary = posteriorSummary(counts, { seed: 1, samples: 1000 });
    pi.forEach((v, i) => {
      expect(summary.stationary.lower[i]).toBeLessThan(v);
      expect(summary.stationary.upper[i]).toBeGreaterThan(v);
    });
  });

  it('reports the absorbing state itself as reached at once', () => {
    const summary = posteriorSummary(handMadeCounts, { seed: 3, samples: 100, horizons: [1, 4] });
    expect(summary.reachWithin.lower[2]).toEqual([1, 1]);
    expect(summary.reachWithin.upper[2]).toEqual([1, 1]);
    expect([summary.expectedSteps.lower[2], summary.expectedSteps.upper[2]]).toEqual([0, 0]);
  });

  it('widens P(reach High) intervals monotonically with the horizon', () => {
    const summary = posteriorSummary(handMadeCounts, { seed: 3, samples: 500, horizons: [1, 2, 5, 21] });
    for (let i = 0; i < 2; i++) {
      const lows = summary.reachWithin.lower[i]!;
      for (let h = 1; h < lows.length; h++) expect(lows[h]).toBeGreaterThanOrEqual(lows[h - 1]!);
    }
  });

  it('uses the small zero-row prior for an empty row with α = 0 and never returns NaN', () => {
    const counts = rReference.cases.zeroRowUnseen!.counts;
    const summary = posteriorSummary(counts, { alpha: 0, seed: 5, samples: 200 });
    const values = JSON.stringify(summary, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v));
    expect(values).not.toContain('NaN');
    // 0 and 1 never moved to 2 in the data, so with α = 0 High is never reached from them.
    expect(summary.expectedSteps.lower.slice(0, 2)).toEqual([
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
    expect(summary.stationary.upper[2]).toBe(0);
  });

  it('rejects invalid options', () => {
    expect(() => posteriorSummary(handMadeCounts, { samples: 0 })).toThrow(MarkovInputError);
    expect(() => posteriorSummary(handMadeCounts, { horizons: [0] })).toThrow(MarkovInputError);
    expect(() => posteriorSummary(handMadeCounts, { absorbingState: 3 })).toThrow(MarkovInputError);
    expect(() => posteriorSummary(handMadeCounts, { mass: 1 })).toThrow(MarkovInputError);
    expect(() => posteriorSummary(handMadeCounts, { alpha: 0, zeroRowPrior: 0 })).toThrow(MarkovInputError);
  });
});

describe('sortedQuantile', () => {
  it('interpolates linearly between order statistics like numpy.percentile', () => {
    // numpy.percentile([1, 2, 4, 8], [0, 2.5, 50, 97.5, 100]) = [1, 1.075, 3, 7.7, 8]
    const sorted = [1, 2, 4, 8];
    [
      [0, 1],
      [0.025, 1.075],
      [0.5, 3],
      [0.975, 7.7],
      [1, 8],
    ].forEach(([q, expected]) => {
      expectClose(sortedQuantile(sorted, q!), expected!, 1e-12);
    });
  });

  it('returns Infinity rather than NaN next to infinite draws', () => {
    expect(sortedQuantile([1, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY], 0.9)).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(sortedQuantile([1, 2, Number.POSITIVE_INFINITY], 0.75)).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects an empty sample and levels outside [0, 1]', () => {
    expect(() => sortedQuantile([], 0.5)).toThrow(MarkovInputError);
    expect(() => sortedQuantile([1], 1.5)).toThrow(MarkovInputError);
  });
});
