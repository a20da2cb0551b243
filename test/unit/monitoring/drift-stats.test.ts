import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  above,
  atOrAbove,
  chiSquareGoodnessOfFit,
  DriftInputError,
  ksTwoSample,
  ksTwoSampleBlockBootstrap,
  numpyLinearQuantile,
  psi,
  psiAgainstBins,
  psiBand,
  psiCeiling,
  psiReferenceBins,
  transitionDriftGTest,
} from '#shared/monitoring/drift-stats';
import { createRandom } from '#shared/stats/random';

type JsonNumber = number | 'Infinity' | '-Infinity';

interface DriftFixture {
  source: string;
  ks: { name: string; reference: number[]; current: number[]; d: number; pValue: number }[];
  psi: {
    name: string;
    reference: number[];
    current: number[];
    bins: number;
    floor: number;
    psi: number;
    innerEdges: number[];
    referenceShares: number[];
    currentShares: number[];
  }[];
  chisquare: {
    name: string;
    observed: number[];
    probabilities: number[];
    statistic: number;
    df: number;
    pValue: number;
  }[];
  gtest: {
    name: string;
    counts: number[][];
    model: number[][];
    statistic: JsonNumber;
    df: number;
    pValue: number;
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/monitoring/drift.json', import.meta.url), 'utf8'),
) as DriftFixture;

function fromJson(x: JsonNumber): number {
  if (x === 'Infinity') return Number.POSITIVE_INFINITY;
  if (x === '-Infinity') return Number.NEGATIVE_INFINITY;
  return x;
}

/** |actual − expected| ≤ rel · |expected| (+ 1e-15 so an expected 0 needs an essentially exact 0). */
function expectRelClose(actual: number, expected: number, rel: number): void {
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected) + 1e-15);
}

const finiteSample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
  minLength: 1,
  maxLength: 60,
});

/** AR(1) x_t = φ x_{t−1} + ε_t, stationary start. */
function ar1(length: number, phi: number, seed: number): Float64Array {
  const random = createRandom(seed);
  const x = new Float64Array(length);
  x[0] = random.normal() / Math.sqrt(1 - phi * phi);
  for (let t = 1; t < length; t++) x[t] = phi * x[t - 1]! + random.normal();
  return x;
}

describe('ksTwoSample', () => {
  it.each(fixture.ks.map((c) => [c.name, c] as const))(
    'matches scipy ks_2samp(method="asymp"): %s',
    (_, c) => {
      const result = ksTwoSample(c.reference, c.current);
      expectRelClose(result.d, c.d, 1e-12);
      expectRelClose(result.pValue, c.pValue, 1e-6);
    },
  );

  it('gives D = 0 and p = 1 for identical samples', () => {
    expect(ksTwoSample([3, 1, 2, 2], [2, 3, 1, 2])).toEqual({ d: 0, pValue: 1 });
  });

  it('gives D = 1 when the supports do not overlap', () => {
    expect(ksTwoSample([1, 2, 3], [4, 5, 6, 7]).d).toBe(1);
  });

  it('is symmetric in its samples, with D and p in [0, 1]', () => {
    fc.assert(
      fc.property(finiteSample, finiteSample, (a, b) => {
        fc.pre(a.length + b.length > 2);
        const ab = ksTwoSample(a, b);
        const ba = ksTwoSample(b, a);
        expect(ba).toEqual(ab);
        expect(ab.d).toBeGreaterThanOrEqual(0);
        expect(ab.d).toBeLessThanOrEqual(1);
        expect(ab.pValue).toBeGreaterThanOrEqual(0);
        expect(ab.pValue).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('does not depend on the order of the values', () => {
    fc.assert(
      fc.property(finiteSample, finiteSample, (a, b) => {
        fc.pre(a.length + b.length > 2);
        expect(ksTwoSample([...a].reverse(), b)).toEqual(ksTwoSample(a, b));
      }),
    );
  });

  it('rejects an empty sample', () => {
    expect(() => ksTwoSample([], [1, 2])).toThrow(DriftInputError);
  });

  it('rejects a non-finite value', () => {
    expect(() => ksTwoSample([1, Number.NaN], [1, 2])).toThrow(DriftInputError);
  });

  it('rejects two single-value samples, whose asymptotic p-value is undefined', () => {
    expect(() => ksTwoSample([1], [2])).toThrow(DriftInputError);
  });
});

describe('ksTwoSampleBlockBootstrap', () => {
  const logReturns = fixture.ks.find((c) => c.name.startsWith('log returns'))!;
  const equalSizes = fixture.ks.find((c) => c.name.startsWith('equal sizes'))!;

  it('reports the asymptotic D and p of ksTwoSample beside the bootstrap p-value', () => {
    const result = ksTwoSampleBlockBootstrap(logReturns.reference, logReturns.current, {
      resamples: 99,
      seed: 3,
    });
    const asymptotic = ksTwoSample(logReturns.reference, logReturns.current);
    expect(result.d).toBe(asymptotic.d);
    expect(result.pValue).toBe(asymptotic.pValue);
  });

  it('is reproducible for a given seed', () => {
    const options = { resamples: 199, seed: 42, blockLength: 5 };
    const first = ksTwoSampleBlockBootstrap(equalSizes.reference, equalSizes.current, options);
    const second = ksTwoSampleBlockBootstrap(equalSizes.reference, equalSizes.current, options);
    expect(second).toEqual(first);
  });

  it('defaults the block length to round((m + n)^(1/3))', () => {
    const result = ksTwoSampleBlockBootstrap(logReturns.reference, logReturns.current, { resamples: 19 });
    expect(result.blockLength).toBe(Math.round(Math.cbrt(5063)));
    expect(result.resamples).toBe(19);
  });

  it('gives the smallest possible p-value, 1 / (B + 1), for samples with disjoint supports', () => {
    const low = Array.from({ length: 40 }, (_, k) => k);
    const high = Array.from({ length: 30 }, (_, k) => 100 + k);
    const result = ksTwoSampleBlockBootstrap(low, high, { resamples: 99, blockLength: 3 });
    expect(result.d).toBe(1);
    expect(result.bootstrapPValue).toBe(1 / 100);
  });

  it('counts a resample that reaches D on the same lattice point despite float rounding', () => {
    // D = 0.6 − 0.49 = 0.1100000000000001 here, while 0.11 − 0 = 0.11 for the same 11/100 gap.
    const result = ksTwoSampleBlockBootstrap(equalSizes.reference, equalSizes.current, {
      resamples: 1999,
      blockLength: 1,
      seed: 7,
    });
    expect(result.d).toBe(0.1100000000000001);
    expect(Math.abs(result.bootstrapPValue - result.pValue)).toBeLessThan(0.03);
  });

  it('gives p = 1 for identical samples (every D* ≥ D = 0)', () => {
    const sample = [0.3, -1.2, 0.8, 2.1, -0.4];
    expect(ksTwoSampleBlockBootstrap(sample, sample, { resamples: 49 }).bootstrapPValue).toBe(1);
  });

  it('agrees with the asymptotic p-value on i.i.d. data when blocks have length 1', () => {
    const shifted = fixture.ks.find((c) => c.name.startsWith('shifted normals'))!;
    const result = ksTwoSampleBlockBootstrap(shifted.reference, shifted.current, {
      resamples: 1999,
      blockLength: 1,
      seed: 7,
    });
    expect(Math.abs(result.bootstrapPValue - result.pValue)).toBeLessThan(0.01);
  });

  /** False alarms at 5 % over 20 AR(1) series (φ = 0.9) without drift: first 500 values vs next 63. */
  function falseAlarms(blockLength: number): { asymptotic: number; bootstrap: number } {
    const alarms = { asymptotic: 0, bootstrap: 0 };
    for (let seed = 1; seed <= 20; seed++) {
      const series = ar1(563, 0.9, seed);
      const result = ksTwoSampleBlockBootstrap(series.subarray(0, 500), series.subarray(500), {
        resamples: 199,
        blockLength,
        seed,
      });
      if (result.pValue < 0.05) alarms.asymptotic++;
      if (result.bootstrapPValue < 0.05) alarms.bootstrap++;
    }
    return alarms;
  }

  it('keeps false alarms near the nominal rate on autocorrelated data where the asymptotic test does not', () => {
    const alarms = falseAlarms(30);
    expect(alarms.asymptotic).toBeGreaterThanOrEqual(8);
    expect(alarms.bootstrap).toBeLessThanOrEqual(3);
  });

  it('needs blocks for that: with blocks of length 1 (i.i.d. bootstrap) false alarms stay frequent', () => {
    expect(falseAlarms(1).bootstrap).toBeGreaterThanOrEqual(8);
  });

  it('rejects a block length or resample count that is not a positive integer', () => {
    expect(() => ksTwoSampleBlockBootstrap([1, 2, 3], [4, 5], { blockLength: 0 })).toThrow(DriftInputError);
    expect(() => ksTwoSampleBlockBootstrap([1, 2, 3], [4, 5], { resamples: 2.5 })).toThrow(DriftInputError);
  });
});

describe('psi', () => {
  it.each(fixture.psi.map((c) => [c.name, c] as const))('matches numpy/pandas: %s', (_, c) => {
    const result = psi(c.reference, c.current, { bins: c.bins, floor: c.floor });
    expect(result.innerEdges).toEqual(c.innerEdges);
    expect(result.referenceShares).toEqual(c.referenceShares);
    expect(result.currentShares).toEqual(c.currentShares);
    expectRelClose(result.psi, c.psi, 1e-9);
  });

  it('uses the reference deciles as right-closed bin edges', () => {
    // reference 0…100: deciles 10, 20, …, 90; 10 falls in (−∞, 10], 10.5 in (10, 20].
    const reference = Array.from({ length: 101 }, (_, k) => k);
    const result = psi(reference, [10, 10.5]);
    expect(result.currentShares[0]).toBe(0.5);
    expect(result.currentShares[1]).toBe(0.5);
  });

  it('bins a constant reference q as (−∞, q] and (q, ∞)', () => {
    const result = psi([2, 2, 2, 2], [1, 2, 3, 4]);
    expect(result.innerEdges).toEqual([2]);
    expect(result.referenceShares).toEqual([1, 1e-4]);
    expect(result.currentShares).toEqual([0.5, 0.5]);
  });

  it('is non-negative', () => {
    fc.assert(
      fc.property(finiteSample, finiteSample, (reference, current) => {
        expect(psi(reference, current).psi).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('never exceeds its ceiling, and a window wholly in one bin reaches it (9 · 0.0999 · ln 1000 + 0.9 · ln 10 for deciles)', () => {
    const reference = Array.from({ length: 1000 }, (_, k) => k);
    const bins = psiReferenceBins(Float64Array.from(reference), 10);
    const ceiling = psiCeiling(bins);
    expect(ceiling).toBeCloseTo(9 * (0.1 - 1e-4) * Math.log(1000) + 0.9 * Math.log(10), 12);
    // All 63 days in the top decile: the vertex.
    expect(
      psiAgainstBins(
        bins,
        Array.from({ length: 63 }, () => 995),
      ).psi,
    ).toBeCloseTo(ceiling, 12);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 1100, noNaN: true }), { minLength: 1, maxLength: 80 }),
        (current) => {
          expect(psiAgainstBins(bins, current).psi).toBeLessThanOrEqual(ceiling * (1 + 1e-12));
        },
      ),
    );
  });
});

describe('threshold comparisons', () => {
  it('ignore a difference in the 15th digit (a statistic equal to its threshold), not one in the 9th', () => {
    expect(above(8.281031624988897, 8.281031624988895)).toBe(false);
    expect(above(8.2811, 8.281031624988895)).toBe(true);
    expect(above(0.15 + 1e-17, 0.15)).toBe(false);
    expect(atOrAbove(0.25 - 1e-17, 0.25)).toBe(true);
    expect(atOrAbove(0.2499, 0.25)).toBe(false);
  });

  it('is 0 when the current sample equals the reference', () => {
    fc.assert(
      fc.property(finiteSample, (sample) => {
        expect(psi(sample, sample).psi).toBe(0);
      }),
    );
  });

  it('rejects an empty sample, a bad bin count and a floor outside (0, 1)', () => {
    expect(() => psi([], [1])).toThrow(DriftInputError);
    expect(() => psi([1], [])).toThrow(DriftInputError);
    expect(() => psi([1, 2], [1], { bins: 0 })).toThrow(DriftInputError);
    expect(() => psi([1, 2], [1], { floor: 0 })).toThrow(DriftInputError);
  });
});

describe('numpyLinearQuantile', () => {
  it('interpolates linearly between order statistics like np.quantile', () => {
    expect(numpyLinearQuantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(numpyLinearQuantile([1, 2, 3, 4], 0)).toBe(1);
    expect(numpyLinearQuantile([1, 2, 3, 4], 1)).toBe(4);
    expect(numpyLinearQuantile([0, 10], 0.3)).toBe(3);
  });
});

describe('psiBand', () => {
  it('puts a value equal to a threshold in the higher band', () => {
    expect(psiBand(0.0999)).toBe('none');
    expect(psiBand(0.1)).toBe('moderate');
    expect(psiBand(0.2499)).toBe('moderate');
    expect(psiBand(0.25)).toBe('significant');
  });

  it('takes the thresholds as parameters', () => {
    expect(psiBand(0.15, { moderate: 0.2, significant: 0.3 })).toBe('none');
    expect(psiBand(0.35, { moderate: 0.2, significant: 0.3 })).toBe('significant');
  });
});

describe('chiSquareGoodnessOfFit', () => {
  it.each(fixture.chisquare.map((c) => [c.name, c] as const))('matches scipy chisquare: %s', (_, c) => {
    const result = chiSquareGoodnessOfFit(c.observed, c.probabilities);
    expectRelClose(result.statistic, c.statistic, 1e-9);
    expect(result.df).toBe(c.df);
    expectRelClose(result.pValue, c.pValue, 1e-6);
  });

  it('gives an infinite statistic and p = 0 for counts in a zero-probability category', () => {
    expect(chiSquareGoodnessOfFit([5, 3, 1], [0.6, 0.4, 0])).toMatchObject({
      statistic: Number.POSITIVE_INFINITY,
      df: 2,
      pValue: 0,
    });
  });

  it('leaves a zero-probability category without counts out of the statistic and of df', () => {
    const withZero = chiSquareGoodnessOfFit([6, 4, 0], [0.5, 0.5, 0]);
    const without = chiSquareGoodnessOfFit([6, 4], [0.5, 0.5]);
    expect(withZero).toEqual(without);
    expect(withZero.df).toBe(1);
  });

  it('rejects probabilities that do not sum to 1', () => {
    expect(() => chiSquareGoodnessOfFit([10, 10], [0.5, 0.6])).toThrow(DriftInputError);
  });

  it('rejects mismatched lengths, a single category, negative counts and no observations', () => {
    expect(() => chiSquareGoodnessOfFit([1, 2], [1])).toThrow(DriftInputError);
    expect(() => chiSquareGoodnessOfFit([5], [1])).toThrow(DriftInputError);
    expect(() => chiSquareGoodnessOfFit([5, -1], [0.5, 0.5])).toThrow(DriftInputError);
    expect(() => chiSquareGoodnessOfFit([0, 0], [0.5, 0.5])).toThrow(DriftInputError);
  });
});

describe('transitionDriftGTest', () => {
  it.each(fixture.gtest.map((c) => [c.name, c] as const))('matches the numpy G² with chi2.sf: %s', (_, c) => {
    const result = transitionDriftGTest(c.counts, c.model);
    expectRelClose(result.statistic, fromJson(c.statistic), 1e-9);
    expect(result.df).toBe(c.df);
    expectRelClose(result.pValue, c.pValue, 1e-6);
  });

  it('lists the observed transitions the model gives probability 0', () => {
    const result = transitionDriftGTest(
      [
        [10, 2, 1],
        [1, 8, 1],
        [0, 3, 9],
      ],
      [
        [0.85, 0.15, 0],
        [0.1, 0.8, 0.1],
        [0, 0.25, 0.75],
      ],
    );
    expect(result.impossibleTransitions).toEqual([{ from: 0, to: 2, count: 1 }]);
    expect(result.pValue).toBe(0);
  });

  it('gives G² = 0 and p = 1 when every row of the model is deterministic and followed', () => {
    const result = transitionDriftGTest(
      [
        [0, 4],
        [3, 0],
      ],
      [
        [0, 1],
        [1, 0],
      ],
    );
    expect(result).toEqual({ statistic: 0, df: 0, pValue: 1, impossibleTransitions: [] });
  });

  it('rejects matrices of different sizes, non-square ones and rows of P not summing to 1', () => {
    const p2 = [
      [0.5, 0.5],
      [0.5, 0.5],
    ];
    expect(() => transitionDriftGTest([[1, 2, 3]], p2)).toThrow(DriftInputError);
    expect(() =>
      transitionDriftGTest(
        [
          [1, 2],
          [3, 4],
        ],
        [
          [0.5, 0.6],
          [0.5, 0.5],
        ],
      ),
    ).toThrow(DriftInputError);
    expect(() => transitionDriftGTest([[1], [2]], p2)).toThrow(DriftInputError);
  });
});
