/**
 * The out-of-fold 1-day VaR backtest (DOMAIN §5 v2) against an independent pandas / scikit-learn /
 * scipy computation (test/fixtures/regime-risk/make_var_oof.py): the same folds, forecasts,
 * violations and likelihood-ratio tests, on the sample and on two overlapping symbols.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EvaluationInputError } from '#shared/evaluation/errors';
import { backtestRegimeVarOutOfFold, quantileBySelection } from '#shared/evaluation/var-out-of-fold';
import { numpyLinearQuantile } from '#shared/monitoring/drift-stats';
import { createRandom } from '#shared/stats/random';

interface Scores {
  n: number;
  violations: number;
  kupiec: { statistic: number; pValue: number };
  independence: { statistic: number; pValue: number; n00: number; n01: number; n10: number; n11: number };
  conditionalCoverage: { statistic: number; pValue: number };
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/regime-risk/var_oof.json', import.meta.url), 'utf8'),
) as {
  levels: number[];
  window: number;
  folds: number;
  gap: number;
  cases: Record<
    string,
    {
      input: { symbol: string; day: number[]; states: number[]; returns: number[] }[];
      expected: { days: number; levels: { level: number; regime: Scores; historical: Scores }[] };
    }
  >;
};

const options = {
  numStates: 3,
  nSplits: fixture.folds,
  gap: fixture.gap,
  levels: fixture.levels,
  historicalWindow: fixture.window,
};

function expectScores(actual: Scores, expected: Scores): void {
  expect(actual.n).toBe(expected.n);
  expect(actual.violations).toBe(expected.violations);
  const { n00, n01, n10, n11 } = actual.independence;
  expect({ n00, n01, n10, n11 }).toEqual({
    n00: expected.independence.n00,
    n01: expected.independence.n01,
    n10: expected.independence.n10,
    n11: expected.independence.n11,
  });
  for (const test of ['kupiec', 'independence', 'conditionalCoverage'] as const) {
    expect(actual[test].statistic).toBeCloseTo(expected[test].statistic, 9);
    const p = expected[test].pValue;
    expect(Math.abs(actual[test].pValue - p)).toBeLessThanOrEqual(1e-9 * p + 1e-300);
  }
}

describe('backtestRegimeVarOutOfFold', () => {
  it.each(Object.entries(fixture.cases))('equals the pandas / scikit-learn / scipy backtest (%s)', (_, c) => {
    const report = backtestRegimeVarOutOfFold(c.input, options);
    expect(report.days).toBe(c.expected.days);
    expect(report.symbols).toBe(c.input.length);
    report.levels.forEach((l, i) => {
      const want = c.expected.levels[i]!;
      expect(l.level).toBe(want.level);
      expect(l.regime.n).toBe(report.days);
      expect(l.historical.n).toBe(report.days);
      expectScores(l.regime, want.regime);
      expectScores(l.historical, want.historical);
    });
  });

  it('on the sample, says where the regime model loses: at 99 % it violates more often than historical simulation', () => {
    const c = fixture.cases.sample!;
    const report = backtestRegimeVarOutOfFold(c.input, options);
    const [at95, at99] = report.levels;
    expect(at95!.regime.conditionalCoverage.pValue).toBeGreaterThan(
      at95!.historical.conditionalCoverage.pValue,
    );
    expect(at99!.regime.violations).toBeGreaterThan(at99!.historical.violations);
  });

  it('leaves out a symbol with a non-finite return and names it; too little history is an error naming the window', () => {
    const c = fixture.cases.twoSymbols!;
    const broken = c.input.map((s, i) =>
      i === 1 ? { ...s, returns: s.returns.map((r, t) => (t === 10 ? Number.NaN : r)) } : s,
    );
    const report = backtestRegimeVarOutOfFold(broken, options);
    expect(report.skipped).toEqual([{ symbol: 'B', reason: 'log_return on row 11 is not finite' }]);
    expect(report.symbols).toBe(1);
    const short = c.input.map((s) => ({
      ...s,
      day: s.day.slice(0, 200),
      states: s.states.slice(0, 200),
      returns: s.returns.slice(0, 200),
    }));
    expect(() => backtestRegimeVarOutOfFold(short, options)).toThrow(EvaluationInputError);
    expect(() => backtestRegimeVarOutOfFold(short, options)).toThrow(/250-day historical VaR/);
  });
});

describe('quantileBySelection', () => {
  it('equals numpy’s linear quantile of the sorted sample, ties and edges included', () => {
    const random = createRandom(5);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(random.uniform() * 60);
      const ties = random.uniform() < 0.5;
      const values = Float64Array.from({ length: n }, () =>
        ties ? Math.floor(random.uniform() * 5) : random.uniform() - 0.5,
      );
      for (const p of [0, 0.01, 0.05, 0.5, 0.95, 0.99, 1, random.uniform()]) {
        const sorted = Float64Array.from(values).sort();
        expect(quantileBySelection(Float64Array.from(values), p)).toBe(numpyLinearQuantile(sorted, p));
      }
    }
  });
});
