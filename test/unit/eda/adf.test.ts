import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AdfConstantSeriesError,
  AdfDegenerateRegressionError,
  AdfError,
  AdfInputError,
  type AdfRegression,
  AdfSeriesTooShortError,
  adfDefaultMaxLag,
  adfuller,
  mackinnonCriticalValues,
  mackinnonPValue,
} from '#shared/eda/adf';

interface AdfFixtureCase {
  series: string;
  regression: AdfRegression;
  autolag: 'AIC' | 'BIC' | null;
  maxlag: number | null;
  /** Present when statsmodels fits a regression with no residual degree of freedom. */
  expectedError?: 'AdfSeriesTooShortError';
  expected?: {
    statistic: number;
    pValue: number;
    usedLag: number;
    nobs: number;
    criticalValues: { '1%': number; '5%': number; '10%': number };
    icBest: number | null;
  };
}

interface AdfFixture {
  source: string;
  series: Record<string, number[]>;
  cases: AdfFixtureCase[];
  mackinnonp: Record<AdfRegression, { t: number; p: number }[]>;
  mackinnoncrit: Record<AdfRegression, { nobs: number; values: [number, number, number] }[]>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/eda/adf.json', import.meta.url), 'utf8'),
) as AdfFixture;

const REGRESSIONS: readonly AdfRegression[] = ['c', 'ct', 'n'];

function seriesNamed(name: string): number[] {
  const series = fixture.series[name];
  if (series === undefined) throw new Error(`fixture has no series ${name}`);
  return series;
}

function expectRelativelyClose(actual: number, expected: number, relative: number): void {
  const tolerance = relative * Math.abs(expected);
  expect(Math.abs(actual - expected), `actual ${actual} vs expected ${expected}`).toBeLessThanOrEqual(
    tolerance,
  );
}

/** p-values: 1e-6 absolute, and 1e-6 relative for the tiny tail values. */
function expectPValueClose(actual: number, expected: number): void {
  const tolerance = Math.min(1e-6, 1e-6 * Math.abs(expected) + 1e-300);
  expect(Math.abs(actual - expected), `p ${actual} vs expected ${expected}`).toBeLessThanOrEqual(tolerance);
}

function caseLabel(c: AdfFixtureCase): string {
  return `${c.series} regression=${c.regression} autolag=${c.autolag} maxlag=${c.maxlag ?? 'default'}`;
}

function optionsOf(c: AdfFixtureCase) {
  return {
    regression: c.regression,
    autolag: c.autolag,
    ...(c.maxlag === null ? {} : { maxlag: c.maxlag }),
  };
}

const valueCases = fixture.cases.filter((c) => c.expected !== undefined);
const errorCases = fixture.cases.filter((c) => c.expectedError !== undefined);

describe('adfuller against statsmodels 0.13.5 adfuller', () => {
  it.each(valueCases.map((c) => [caseLabel(c), c] as const))('%s', (_, c) => {
    const expected = c.expected!;

    const result = adfuller(seriesNamed(c.series), optionsOf(c));

    expect(result.usedLag).toBe(expected.usedLag);
    expect(result.nobs).toBe(expected.nobs);
    expectRelativelyClose(result.statistic, expected.statistic, 1e-9);
    expectPValueClose(result.pValue, expected.pValue);
    for (const level of ['1%', '5%', '10%'] as const) {
      expectRelativelyClose(result.criticalValues[level], expected.criticalValues[level], 1e-9);
    }
    if (expected.icBest === null) {
      expect(result.icBest).toBeNull();
    } else {
      expectRelativelyClose(result.icBest!, expected.icBest, 1e-9);
    }
  });

  it.each(errorCases.map((c) => [caseLabel(c), c] as const))(
    '%s: refuses the zero-degree-of-freedom regression statsmodels reports as an exact fit',
    (_, c) => {
      expect(() => adfuller(seriesNamed(c.series), optionsOf(c))).toThrow(AdfSeriesTooShortError);
    },
  );

  it('uses the DOMAIN §8 defaults: constant, AIC, Schwert maximum lag', () => {
    const expected = fixture.cases.find(
      (c) => c.series === 'logPrices' && c.regression === 'c' && c.autolag === 'AIC' && c.maxlag === null,
    )!.expected!;

    const result = adfuller(seriesNamed('logPrices'));

    expect(result.regression).toBe('c');
    expect(result.autolag).toBe('AIC');
    expect(result.maxLag).toBe(33);
    expect(result.usedLag).toBe(expected.usedLag);
    expectRelativelyClose(result.statistic, expected.statistic, 1e-9);
  });

  it('names its reference library in the fixture', () => {
    expect(fixture.source).toContain('statsmodels 0.13.5');
  });
});

describe('mackinnonPValue against statsmodels mackinnonp', () => {
  it.each(REGRESSIONS)('matches on a grid of statistics for regression %s', (regression) => {
    for (const { t, p } of fixture.mackinnonp[regression]) {
      expectPValueClose(mackinnonPValue(t, regression), p);
    }
  });

  it('is 1 above the upper cut-off and 0 below the lower cut-off', () => {
    expect(mackinnonPValue(2.75, 'c')).toBe(1);
    expect(mackinnonPValue(-18.84, 'c')).toBe(0);
    expect(mackinnonPValue(0.71, 'ct')).toBe(1);
    expect(mackinnonPValue(-16.19, 'ct')).toBe(0);
    expect(mackinnonPValue(-19.05, 'n')).toBe(0);
  });

  it('always lies in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.constantFrom(...REGRESSIONS),
        (t, regression) => {
          const p = mackinnonPValue(t, regression);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('rejects a NaN statistic', () => {
    expect(() => mackinnonPValue(Number.NaN)).toThrow(AdfInputError);
  });
});

describe('mackinnonCriticalValues against statsmodels mackinnoncrit', () => {
  it.each(REGRESSIONS)('matches for several sample sizes with regression %s', (regression) => {
    for (const { nobs, values } of fixture.mackinnoncrit[regression]) {
      const critical = mackinnonCriticalValues(regression, nobs);
      expectRelativelyClose(critical['1%'], values[0], 1e-9);
      expectRelativelyClose(critical['5%'], values[1], 1e-9);
      expectRelativelyClose(critical['10%'], values[2], 1e-9);
    }
  });

  it('gives the asymptotic values for an infinite sample', () => {
    expect(mackinnonCriticalValues('c', Number.POSITIVE_INFINITY)).toEqual({
      '1%': -3.43035,
      '5%': -2.86154,
      '10%': -2.56677,
    });
  });
});

describe('adfDefaultMaxLag', () => {
  it('is ⌈12·(n/100)^{1/4}⌉ for long series', () => {
    expect(adfDefaultMaxLag(5104)).toBe(33);
    expect(adfDefaultMaxLag(1600)).toBe(24);
    expect(adfDefaultMaxLag(100)).toBe(12);
  });

  it('is capped at ⌊n/2⌋ − ntrend − 1 for short series', () => {
    expect(adfDefaultMaxLag(12, 'c')).toBe(4);
    expect(adfDefaultMaxLag(12, 'ct')).toBe(3);
    expect(adfDefaultMaxLag(12, 'n')).toBe(5);
  });

  it('rejects a series too short for the deterministic terms', () => {
    expect(() => adfDefaultMaxLag(3, 'c')).toThrow(AdfSeriesTooShortError);
    expect(() => adfDefaultMaxLag(5, 'ct')).toThrow(AdfSeriesTooShortError);
  });
});

describe('adfuller invariants', () => {
  const walk = seriesNamed('randomWalk').slice(0, 200);

  it('reports nobs = n − 1 − usedLag and usedLag ≤ maxLag', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REGRESSIONS),
        fc.constantFrom('AIC' as const, 'BIC' as const, null),
        fc.integer({ min: 0, max: 20 }),
        (regression, autolag, maxlag) => {
          const result = adfuller(walk, { regression, autolag, maxlag });
          expect(result.usedLag).toBeLessThanOrEqual(maxlag);
          expect(result.nobs).toBe(walk.length - 1 - result.usedLag);
          if (autolag === null) expect(result.usedLag).toBe(maxlag);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps the statistic under x → a + b·x when a constant is included', () => {
    const base = adfuller(walk, { regression: 'c' });
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.boolean(),
        (shift, scale, negate) => {
          const b = negate ? -scale : scale;
          const moved = adfuller(
            walk.map((v) => shift + b * v),
            { regression: 'c' },
          );
          expect(moved.usedLag).toBe(base.usedLag);
          expectRelativelyClose(moved.statistic, base.statistic, 1e-8);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps the "ct" statistic when a linear trend is added to the series', () => {
    const base = adfuller(walk, { regression: 'ct', autolag: null, maxlag: 3 });
    fc.assert(
      fc.property(fc.double({ min: -1, max: 1, noNaN: true }), (slope) => {
        const trended = adfuller(
          walk.map((v, i) => v + slope * i),
          { regression: 'ct', autolag: null, maxlag: 3 },
        );
        expectRelativelyClose(trended.statistic, base.statistic, 1e-8);
      }),
      { numRuns: 30 },
    );
  });

  it('accepts a Float64Array as well as an array', () => {
    const fromArray = adfuller(walk);
    const fromTyped = adfuller(Float64Array.from(walk));
    expect(fromTyped).toEqual(fromArray);
  });
});

describe('adfuller errors', () => {
  it('rejects a constant series with AdfConstantSeriesError', () => {
    expect(() => adfuller(new Array(50).fill(4.2))).toThrow(AdfConstantSeriesError);
  });

  it('rejects a series too short for the regression with AdfSeriesTooShortError', () => {
    expect(() => adfuller([1, 2, 0])).toThrow(AdfSeriesTooShortError);
    expect(() => adfuller([1, 3, 2, 5, 4], { regression: 'ct' })).toThrow(AdfSeriesTooShortError);
    expect(() => adfuller([])).toThrow(AdfSeriesTooShortError);
  });

  it('rejects a maxlag above ⌊n/2⌋ − ntrend − 1 with AdfSeriesTooShortError', () => {
    const short = seriesNamed('short');
    expect(() => adfuller(short, { maxlag: 14 })).toThrow(AdfSeriesTooShortError);
    expect(() => adfuller(short, { maxlag: 13 })).not.toThrow();
  });

  it('rejects a series with no residual degree of freedom', () => {
    // n = 4, no deterministic terms, maxlag 1: 2 observations for 2 coefficients.
    expect(() => adfuller([1, 3, 2, 5], { regression: 'n' })).toThrow(AdfSeriesTooShortError);
  });

  it('rejects non-finite values and invalid options with AdfInputError', () => {
    expect(() => adfuller([1, 2, Number.NaN, 4, 5, 6, 7, 8, 9, 10])).toThrow(AdfInputError);
    const walk = seriesNamed('randomWalk');
    expect(() => adfuller(walk, { maxlag: -1 })).toThrow(AdfInputError);
    expect(() => adfuller(walk, { maxlag: 2.5 })).toThrow(AdfInputError);
    expect(() => adfuller(walk, { regression: 'ctt' as AdfRegression })).toThrow(AdfInputError);
    expect(() => adfuller(walk, { autolag: 't-stat' as 'AIC' })).toThrow(AdfInputError);
  });

  it('rejects a straight line, whose regression is degenerate', () => {
    const line = Array.from({ length: 60 }, (_, i) => 2 + 0.5 * i);
    expect(() => adfuller(line)).toThrow(AdfDegenerateRegressionError);
  });

  it('derives every error from AdfError', () => {
    expect(() => adfuller([7, 7, 7, 7, 7, 7, 7, 7])).toThrow(AdfError);
    expect(() => adfuller([1, 2])).toThrow(AdfError);
  });
});
