import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  designFromColumns,
  nestedLeastSquaresSsr,
  OlsInputError,
  OlsRankDeficientError,
  olsFit,
  olsInformationCriteria,
  olsLogLikelihood,
} from '#shared/stats/ols';

interface OlsFixtureCase {
  name: string;
  y: number[];
  columns: number[][];
  expected: {
    params: number[];
    bse: number[];
    tvalues: number[];
    ssr: number;
    scale: number;
    dfResid: number;
    llf: number;
    aic: number;
    bic: number;
  };
}

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/eda/ols.json', import.meta.url), 'utf8')) as {
  source: string;
  cases: OlsFixtureCase[];
};

const RELATIVE = 1e-9;

function expectRelativelyClose(actual: number, expected: number, relative = RELATIVE): void {
  const tolerance = relative * Math.max(Math.abs(expected), Number.MIN_VALUE);
  expect(Math.abs(actual - expected), `actual ${actual} vs expected ${expected}`).toBeLessThanOrEqual(
    tolerance,
  );
}

function expectAllRelativelyClose(actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => {
    expectRelativelyClose(actual[i]!, value);
  });
}

describe('olsFit against statsmodels 0.13.5 OLS', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))(
    '%s matches params, bse, t, ssr, llf, aic, bic',
    (_, c) => {
      const result = olsFit(c.y, designFromColumns(c.columns));

      expectAllRelativelyClose(result.params, c.expected.params);
      expectAllRelativelyClose(result.bse, c.expected.bse);
      expectAllRelativelyClose(result.tvalues, c.expected.tvalues);
      expectRelativelyClose(result.ssr, c.expected.ssr);
      expectRelativelyClose(result.scale, c.expected.scale);
      expect(result.dfResid).toBe(c.expected.dfResid);
      expectRelativelyClose(result.llf, c.expected.llf);
      expectRelativelyClose(result.aic, c.expected.aic);
      expectRelativelyClose(result.bic, c.expected.bic);
    },
  );

  it('names its reference library in the fixture', () => {
    expect(fixture.source).toContain('statsmodels 0.13.5');
  });
});

describe('nestedLeastSquaresSsr', () => {
  it('gives for every k the ssr of the regression on the first k columns', () => {
    const c = fixture.cases.find((x) => x.name === 'illConditioned')!;
    const nested = nestedLeastSquaresSsr(c.y, designFromColumns(c.columns));

    c.columns.forEach((_, j) => {
      const prefix = olsFit(c.y, designFromColumns(c.columns.slice(0, j + 1)));
      expectRelativelyClose(nested[j]!, prefix.ssr);
    });
  });

  it('treats a column of subnormal values as dependent instead of returning NaN', () => {
    const tiny = [...Array(11).fill(0), 5e-324];
    expect(() =>
      nestedLeastSquaresSsr(Array(12).fill(0), designFromColumns([tiny, Array(12).fill(0)])),
    ).toThrow(OlsRankDeficientError);
  });

  it('never increases as columns are added', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((k) =>
          fc.record({
            columns: fc.array(
              fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 12, maxLength: 12 }),
              {
                minLength: k,
                maxLength: k,
              },
            ),
            y: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 12, maxLength: 12 }),
          }),
        ),
        ({ columns, y }) => {
          let nested: Float64Array;
          try {
            nested = nestedLeastSquaresSsr(y, designFromColumns(columns));
          } catch (error) {
            if (error instanceof OlsRankDeficientError) return;
            throw error;
          }
          for (let k = 1; k < nested.length; k++) {
            expect(nested[k]!).toBeLessThanOrEqual(nested[k - 1]! * (1 + 1e-12) + 1e-12);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('olsFit invariants', () => {
  it('scaling a column by c divides its coefficient and standard error by c and keeps t', () => {
    const c = fixture.cases.find((x) => x.name === 'constantAndTwoRegressors')!;
    const base = olsFit(c.y, designFromColumns(c.columns));
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.integer({ min: 0, max: 2 }),
        (scale, j) => {
          const scaled = c.columns.map((column, k) => (k === j ? column.map((v) => v * scale) : column));
          const fit = olsFit(c.y, designFromColumns(scaled));
          expectRelativelyClose(fit.params[j]! * scale, base.params[j]!);
          expectRelativelyClose(fit.bse[j]! * scale, base.bse[j]!);
          expectRelativelyClose(fit.tvalues[j]!, base.tvalues[j]!);
          expectRelativelyClose(fit.ssr, base.ssr);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('recovers the coefficients exactly up to rounding when y lies in the column space', () => {
    const x = Array.from({ length: 20 }, (_, i) => Math.sin(i));
    const ones = x.map(() => 1);
    const y = x.map((v) => 3 - 2 * v);
    const fit = olsFit(y, designFromColumns([ones, x]));
    expect(fit.params[0]).toBeCloseTo(3, 12);
    expect(fit.params[1]).toBeCloseTo(-2, 12);
    expect(fit.ssr).toBeLessThan(1e-25);
  });

  it('does not modify the design matrix it is given', () => {
    const design = designFromColumns([
      [1, 1, 1, 1],
      [1, 2, 3, 5],
    ]);
    const before = Float64Array.from(design.data);
    olsFit([1, 3, 2, 4], design);
    expect(design.data).toEqual(before);
  });
});

describe('log-likelihood and information criteria', () => {
  it('follow the statsmodels profile likelihood formulas', () => {
    const llf = olsLogLikelihood(2.5, 10);
    expectRelativelyClose(llf, -5 * Math.log(2 * Math.PI) - 5 * Math.log(0.25) - 5);
    const { aic, bic } = olsInformationCriteria(llf, 10, 3);
    expectRelativelyClose(aic, -2 * llf + 6);
    expectRelativelyClose(bic, -2 * llf + Math.log(10) * 3);
  });
});

describe('olsFit errors', () => {
  it('rejects a column that duplicates an earlier one, naming it', () => {
    const x = [1, 2, 3, 4, 6];
    const fitDuplicate = () => olsFit([1, 2, 2, 3, 5], designFromColumns([[1, 1, 1, 1, 1], x, x]));
    expect(fitDuplicate).toThrow(OlsRankDeficientError);
    try {
      fitDuplicate();
    } catch (error) {
      expect((error as OlsRankDeficientError).column).toBe(2);
    }
  });

  it('rejects an all-zero column', () => {
    expect(() => olsFit([1, 2, 3], designFromColumns([[0, 0, 0]]))).toThrow(OlsRankDeficientError);
  });

  it('rejects a design with no residual degree of freedom', () => {
    expect(() =>
      olsFit(
        [1, 2],
        designFromColumns([
          [1, 1],
          [0, 1],
        ]),
      ),
    ).toThrow(OlsInputError);
  });

  it('rejects non-finite values', () => {
    expect(() => olsFit([1, Number.NaN, 3], designFromColumns([[1, 1, 1]]))).toThrow(OlsInputError);
    expect(() => olsFit([1, 2, 3], designFromColumns([[1, Number.POSITIVE_INFINITY, 1]]))).toThrow(
      OlsInputError,
    );
  });

  it('rejects columns of different lengths and a response of the wrong length', () => {
    expect(() =>
      designFromColumns([
        [1, 2, 3],
        [1, 2],
      ]),
    ).toThrow(OlsInputError);
    expect(() => designFromColumns([])).toThrow(OlsInputError);
    expect(() => olsFit([1, 2], designFromColumns([[1, 1, 1]]))).toThrow(OlsInputError);
  });
});
