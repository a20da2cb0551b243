import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  erf,
  erfc,
  incompleteBetaTails,
  kolmogorov,
  logBeta,
  logGamma,
  ndtri,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
  StatsDomainError,
  smirnov,
} from '#shared/stats/special';

type Row = number[];
interface Block {
  columns: string[];
  cases: Row[];
}
interface Fixture {
  source: string;
  gammaln: Block;
  gammainc: Block;
  betainc: Block;
  betaln: Block;
  erf: Block;
  kolmogorov: Block;
  smirnov: Block;
  mpmath_hard: { source: string; betainc: Block; gammainc: Block };
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/stats/distributions.json', import.meta.url), 'utf8'),
) as Fixture;

/** |actual − expected| ≤ rtol·|expected| + atol. */
function isClose(actual: number, expected: number, rtol: number, atol = 0): boolean {
  return actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol;
}

/**
 * Evaluates `compute` on every fixture row and returns the rows whose values are not close to the
 * expected ones, so that a failure lists every mismatch at once.
 */
function mismatches(
  rows: Row[],
  compute: (row: Row) => Array<[actual: number, expected: number]>,
  rtol: number,
  atol = 0,
): string[] {
  const bad: string[] = [];
  for (const row of rows) {
    for (const [actual, expected] of compute(row)) {
      if (!isClose(actual, expected, rtol, atol)) bad.push(`${JSON.stringify(row)} → ${actual}`);
    }
  }
  return bad;
}

function at(row: Row, i: number): number {
  const v = row[i];
  if (v === undefined) throw new Error(`fixture row too short: ${JSON.stringify(row)}`);
  return v;
}

describe('fixture', () => {
  it('names the reference library and version', () => {
    expect(fixture.source).toMatch(/SciPy 1\.10/);
    expect(fixture.mpmath_hard.source).toMatch(/mpmath/);
  });
});

describe('logGamma', () => {
  it('matches scipy.special.gammaln to 1e-9 relative (1e-15 absolute near its zeros at 1 and 2)', () => {
    const bad = mismatches(fixture.gammaln.cases, (r) => [[logGamma(at(r, 0)), at(r, 1)]], 1e-9, 1e-15);
    expect(bad).toEqual([]);
  });

  it('equals ln(n!) at integer arguments', () => {
    let logFactorial = 0;
    for (let n = 1; n <= 30; n++) {
      logFactorial += Math.log(n);
      expect(logGamma(n + 1)).toBeCloseTo(logFactorial, 12);
    }
  });

  it('equals ln √π at one half', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 15);
  });

  it('satisfies ln Γ(x + 1) = ln Γ(x) + ln x', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (x) => {
        const lhs = logGamma(x + 1);
        const rhs = logGamma(x) + Math.log(x);
        return isClose(lhs, rhs, 1e-12, 1e-13);
      }),
    );
  });

  it.each([0, -1, -0.5, Number.NaN, Number.NEGATIVE_INFINITY])(
    'rejects x = %s with a StatsDomainError',
    (x) => {
      expect(() => logGamma(x)).toThrow(StatsDomainError);
      expect(() => logGamma(x)).toThrow(RangeError);
    },
  );
});

describe('logBeta', () => {
  it('matches scipy.special.betaln to 1e-9 relative, including huge and very unequal arguments', () => {
    const bad = mismatches(
      fixture.betaln.cases,
      (r) => [[logBeta(at(r, 0), at(r, 1)), at(r, 2)]],
      1e-9,
      1e-12,
    );
    expect(bad).toEqual([]);
  });

  it('is symmetric in its arguments', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e8, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e8, noNaN: true }),
        (a, b) => logBeta(a, b) === logBeta(b, a),
      ),
    );
  });

  it('rejects non-positive and non-finite arguments', () => {
    expect(() => logBeta(0, 1)).toThrow(StatsDomainError);
    expect(() => logBeta(1, Number.POSITIVE_INFINITY)).toThrow(StatsDomainError);
    expect(() => logBeta(Number.NaN, 1)).toThrow(StatsDomainError);
  });
});

describe('erf and erfc', () => {
  it('match scipy.special.erf and erfc to 1e-9 relative', () => {
    const bad = mismatches(
      fixture.erf.cases,
      (r) => [
        [erf(at(r, 0)), at(r, 1)],
        [erfc(at(r, 0)), at(r, 2)],
      ],
      1e-9,
      1e-300,
    );
    expect(bad).toEqual([]);
  });

  it('erf is odd and erf + erfc = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
        return erf(-x) === -erf(x) && Math.abs(erf(x) + erfc(x) - 1) <= 2 * Number.EPSILON;
      }),
    );
  });

  it('rejects NaN', () => {
    expect(() => erf(Number.NaN)).toThrow(StatsDomainError);
    expect(() => erfc(Number.NaN)).toThrow(StatsDomainError);
  });
});

describe('ndtri', () => {
  it('inverts the normal CDF at its tabulated quantile 1.959963984540054', () => {
    expect(ndtri(0.975)).toBeCloseTo(1.959963984540054, 14);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => ndtri(1.0000001)).toThrow(StatsDomainError);
    expect(() => ndtri(-1e-300)).toThrow(StatsDomainError);
  });
});

describe('regularizedGammaP / regularizedGammaQ', () => {
  it('match scipy.special.gammainc and gammaincc to 1e-6 relative on a grid from a = 1e-3 to 1e6', () => {
    const bad = mismatches(
      fixture.gammainc.cases,
      (r) => [
        [regularizedGammaP(at(r, 0), at(r, 1)), at(r, 2)],
        [regularizedGammaQ(at(r, 0), at(r, 1)), at(r, 3)],
      ],
      1e-6,
      1e-300,
    );
    expect(bad).toEqual([]);
  });

  it('match 60-digit mpmath values to 1e-9 relative for a up to 1e6 with x close to a', () => {
    const bad = mismatches(
      fixture.mpmath_hard.gammainc.cases,
      (r) => [
        [regularizedGammaP(at(r, 0), at(r, 1)), at(r, 2)],
        [regularizedGammaQ(at(r, 0), at(r, 1)), at(r, 3)],
      ],
      1e-9,
      1e-300,
    );
    expect(bad).toEqual([]);
  });

  it('P + Q = 1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 2e4, noNaN: true }),
        (a, x) => Math.abs(regularizedGammaP(a, x) + regularizedGammaQ(a, x) - 1) <= 1e-13,
      ),
    );
  });

  it('satisfies the recurrence P(a + 1, x) = P(a, x) − xᵃ e⁻ˣ / Γ(a + 1)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 200, noNaN: true }),
        fc.double({ min: 1e-3, max: 300, noNaN: true }),
        (a, x) => {
          const correction = Math.exp(a * Math.log(x) - x - logGamma(a + 1));
          return Math.abs(regularizedGammaP(a + 1, x) - (regularizedGammaP(a, x) - correction)) <= 1e-12;
        },
      ),
    );
  });

  it('P is non-decreasing in x', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 2e4, noNaN: true }),
        fc.double({ min: 0, max: 2e4, noNaN: true }),
        (a, x1, x2) => {
          const [lo, hi] = x1 <= x2 ? [x1, x2] : [x2, x1];
          return regularizedGammaP(a, lo) <= regularizedGammaP(a, hi);
        },
      ),
    );
  });

  it('reaches its limits at x = 0 and x = ∞', () => {
    expect(regularizedGammaP(2.5, 0)).toBe(0);
    expect(regularizedGammaQ(2.5, 0)).toBe(1);
    expect(regularizedGammaP(2.5, Number.POSITIVE_INFINITY)).toBe(1);
    expect(regularizedGammaQ(2.5, Number.POSITIVE_INFINITY)).toBe(0);
  });

  it.each([
    [0, 1],
    [-1, 1],
    [1, -1e-300],
    [Number.NaN, 1],
    [1, Number.NaN],
    [Number.POSITIVE_INFINITY, 1],
  ])('rejects (a, x) = (%s, %s)', (a, x) => {
    expect(() => regularizedGammaP(a, x)).toThrow(StatsDomainError);
    expect(() => regularizedGammaQ(a, x)).toThrow(StatsDomainError);
  });
});

describe('regularizedBeta', () => {
  it('matches scipy.special.betainc(a, b, x) to 1e-6 relative on a grid with a, b from 1e-3 to 1e5', () => {
    const bad = mismatches(
      fixture.betainc.cases,
      (r) => [[regularizedBeta(at(r, 0), at(r, 1), at(r, 2)), at(r, 3)]],
      1e-6,
      1e-300,
    );
    expect(bad).toEqual([]);
  });

  it('matches 60-digit mpmath values to 1e-9 relative where SciPy (Cephes) is only good to ~1e-8', () => {
    const bad = mismatches(
      fixture.mpmath_hard.betainc.cases,
      (r) => {
        const x = at(r, 0);
        const tails = incompleteBetaTails(at(r, 1), at(r, 2), x, 1 - x);
        return [
          [tails.lower, at(r, 3)],
          [tails.upper, at(r, 4)],
        ];
      },
      1e-9,
      1e-300,
    );
    expect(bad).toEqual([]);
  });

  it('keeps relative accuracy in the upper tail when the lower tail rounds to 1', () => {
    // I_0.29(2e5, 5e5): upper tail 1.2450618035073103e-15 (mpmath).
    const tails = incompleteBetaTails(2e5, 5e5, 0.29, 0.71);
    expect(tails.upper).toBeCloseTo(1.2450618035073103e-15, 24);
  });

  it('satisfies the reflection I_x(a, b) = 1 − I_{1−x}(b, a)', () => {
    // Only x for which 1 − x is exact, so that both sides see the same point.
    const exactComplement = fc.double({ min: 0, max: 1, noNaN: true }).filter((x) => 1 - (1 - x) === x);
    fc.assert(
      fc.property(
        exactComplement,
        fc.double({ min: 0.01, max: 1e3, noNaN: true }),
        fc.double({ min: 0.01, max: 1e3, noNaN: true }),
        (x, a, b) => Math.abs(regularizedBeta(x, a, b) + regularizedBeta(1 - x, b, a) - 1) <= 1e-12,
      ),
    );
  });

  it('satisfies the recurrence I_x(a + 1, b) = I_x(a, b) − xᵃ(1 − x)ᵇ / (a B(a, b))', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        (x, a, b) => {
          const term = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - Math.log(a) - logBeta(a, b));
          return Math.abs(regularizedBeta(x, a + 1, b) - (regularizedBeta(x, a, b) - term)) <= 1e-12;
        },
      ),
    );
  });

  it('equals xᵃ for b = 1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        (x, a) => isClose(regularizedBeta(x, a, 1), x ** a, 1e-12, 1e-300),
      ),
    );
  });

  it.each([
    [-0.1, 1, 1],
    [1.1, 1, 1],
    [0.5, 0, 1],
    [0.5, 1, -2],
    [Number.NaN, 1, 1],
    [0.5, Number.NaN, 1],
    [0.5, 1, Number.POSITIVE_INFINITY],
  ])('rejects (x, a, b) = (%s, %s, %s)', (x, a, b) => {
    expect(() => regularizedBeta(x, a, b)).toThrow(StatsDomainError);
  });
});

describe('kolmogorov', () => {
  it('matches scipy.special.kolmogorov to 1e-9 relative across both series', () => {
    const bad = mismatches(
      fixture.kolmogorov.cases,
      (r) => [[kolmogorov(at(r, 0)).sf, at(r, 1)]],
      1e-9,
      1e-300,
    );
    expect(bad).toEqual([]);
  });

  it('cdf + sf = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10, noNaN: true }), (x) => {
        const { cdf, sf } = kolmogorov(x);
        return Math.abs(cdf + sf - 1) <= 2 * Number.EPSILON;
      }),
    );
  });
});

describe('smirnov', () => {
  it('matches scipy.special.smirnov(n, x) to 1e-9 relative for n from 2 to 1e5', () => {
    const bad = mismatches(
      fixture.smirnov.cases,
      (r) => [[smirnov(at(r, 0), at(r, 1)), at(r, 2)]],
      1e-9,
      1e-300,
    );
    expect(bad).toEqual([]);
  });

  it('equals 1 − x for n = 1 and (1 − x)ⁿ for x ≥ 1 − 1/n', () => {
    expect(smirnov(1, 0.3)).toBe(0.7);
    expect(smirnov(10, 0.95)).toBeCloseTo(0.05 ** 10, 25);
  });

  it('rejects a non-integer sample size', () => {
    expect(() => smirnov(2.5, 0.1)).toThrow(StatsDomainError);
  });
});
