import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { numpyLinearQuantile } from '#shared/eda/descriptive';
import { EvaluationInputError } from '#shared/evaluation/errors';
import {
  backtestVar,
  christoffersenIndependence,
  historicalSimulationVar,
  kupiecPof,
  type VarBacktest,
} from '#shared/evaluation/var-backtest';
import { fitRegimeRisk, regimeVarForecasts } from '#shared/model/regime-risk';
import { createRandom } from '#shared/stats/random';

interface LrRef {
  statistic: number;
  pValue: number;
}
interface BacktestRef {
  level: number;
  n: number;
  violations: number;
  kupiec: LrRef;
  independence: LrRef & { n00: number; n01: number; n10: number; n11: number };
  conditionalCoverage: LrRef;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/regime-risk/regime_risk.json', import.meta.url), 'utf8'),
) as {
  levels: number[];
  quantiles: number[];
  sample: {
    input: { states: string; returns: number[] };
    historical: { window: number; days: number[]; valueAtRisk: Record<string, number[]> };
    backtests: Record<string, { regimeAll: BacktestRef; regimeCommon: BacktestRef; historical: BacktestRef }>;
  };
  edge: {
    kupiec: ({ n: number; x: number; p: number } & LrRef)[];
    independence: (LrRef & { n00: number; n01: number; n10: number; n11: number })[];
  };
};

function expectRel(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected) + 1e-300);
}

/**
 * LR statistics are closed forms (1e-9) and p-values special functions (1e-6), DOMAIN
 * tolerances. An LR is a difference of log-likelihoods on the χ² scale: the statistic's 1e-9 is
 * relative to max(|LR|, 1), since an LR that is 0 in exact arithmetic is only rounding noise
 * (scipy's difference form gives 9e-25 where the log-ratio form gives exactly 0).
 */
function expectStatistic(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(expected), 1));
}

function expectBacktest(actual: VarBacktest, expected: BacktestRef): void {
  expect(actual.n).toBe(expected.n);
  expect(actual.violations).toBe(expected.violations);
  const { n00, n01, n10, n11 } = actual.independence;
  expect({ n00, n01, n10, n11 }).toEqual({
    n00: expected.independence.n00,
    n01: expected.independence.n01,
    n10: expected.independence.n10,
    n11: expected.independence.n11,
  });
  for (const key of ['kupiec', 'independence', 'conditionalCoverage'] as const) {
    expectStatistic(actual[key].statistic, expected[key].statistic);
    expectRel(actual[key].pValue, expected[key].pValue, 1e-6);
  }
  expect(actual.kupiec.df).toBe(1);
  expect(actual.independence.df).toBe(1);
  expect(actual.conditionalCoverage.df).toBe(2);
}

const states = Array.from(fixture.sample.input.states, (c) => Number(c));
const returns = fixture.sample.input.returns;
const WINDOW = fixture.sample.historical.window;

describe('kupiecPof and christoffersenIndependence', () => {
  it.each(fixture.edge.kupiec)(
    'Kupiec equals scipy (n = $n, x = $x, p = $p)',
    ({ n, x, p, statistic, pValue }) => {
      const t = kupiecPof(n, x, p);
      expectStatistic(t.statistic, statistic);
      expectRel(t.pValue, pValue, 1e-6);
    },
  );

  it('Kupiec by hand: no violation in n days gives −2n ln(1 − p)', () => {
    expect(kupiecPof(250, 0, 0.05).statistic).toBeCloseTo(-2 * 250 * Math.log(0.95), 12);
    expect(kupiecPof(100, 5, 0.05).statistic).toBe(0);
    expect(kupiecPof(100, 5, 0.05).pValue).toBe(1);
  });

  it.each(fixture.edge.independence)(
    'Christoffersen independence equals scipy (n00 $n00, n01 $n01, n10 $n10, n11 $n11)',
    (ref) => {
      const t = christoffersenIndependence(ref.n00, ref.n01, ref.n10, ref.n11);
      expectStatistic(t.statistic, ref.statistic);
      expectRel(t.pValue, ref.pValue, 1e-6);
    },
  );

  it('rejects impossible counts', () => {
    expect(() => kupiecPof(10, 11, 0.05)).toThrowError(EvaluationInputError);
    expect(() => kupiecPof(0, 0, 0.05)).toThrowError(/n must be/);
    expect(() => kupiecPof(10, 1, 1)).toThrowError(/expected rate/);
    expect(() => christoffersenIndependence(1, -1, 0, 0)).toThrowError(/n01/);
  });
});

describe('historicalSimulationVar', () => {
  const hs = historicalSimulationVar(returns, fixture.levels, WINDOW);

  it('equals −np.quantile of the previous 250 returns on the sample', () => {
    fixture.levels.forEach((q, l) => {
      fixture.sample.historical.days.forEach((t, i) => {
        expectRel(hs[l]![t]!, fixture.sample.historical.valueAtRisk[String(q)]![i]!, 1e-12);
      });
      expect(hs[l]!.subarray(0, WINDOW).every(Number.isNaN)).toBe(true);
    });
  });

  it('the sliding sorted window equals sorting every window, ties included', () => {
    const random = createRandom(8);
    // Rounded returns: many ties, so removal and insertion meet equal values.
    const x = Array.from({ length: 400 }, () => Math.round(random.normal() * 4) / 100);
    const [v] = historicalSimulationVar(x, [0.9], 25);
    for (let t = 25; t < x.length; t++) {
      const sorted = Float64Array.from(x.slice(t - 25, t)).sort();
      expect(v![t]).toBe(-numpyLinearQuantile(sorted, 1 - 0.9));
    }
  });

  it('gives no forecast when the series is not longer than the window, and rejects bad input', () => {
    expect(historicalSimulationVar([0.1, 0.2], [0.95], 2)[0]!.every(Number.isNaN)).toBe(true);
    expect(() => historicalSimulationVar([0.1, Number.NaN, 0], [0.95], 2)).toThrowError(/day 1/);
    expect(() => historicalSimulationVar([0.1], [0.95], 1)).toThrowError(/window/);
  });
});

describe('backtestVar', () => {
  const model = fitRegimeRisk([{ states, returns }], 3, {
    levels: fixture.levels,
    quantiles: fixture.quantiles,
  });
  const hs = historicalSimulationVar(returns, fixture.levels, WINDOW);

  it.each(fixture.levels.map((q, l) => ({ q, l })))(
    'regime VaR and historical simulation on the sample equal the scipy backtest (q = $q)',
    ({ q, l }) => {
      const ref = fixture.sample.backtests[String(q)]!;
      const regime = regimeVarForecasts(model, states, q);
      expectBacktest(backtestVar([{ valueAtRisk: regime, returns }], q), ref.regimeAll);
      const common = regime.map((v, t) => (t < WINDOW ? Number.NaN : v));
      expectBacktest(backtestVar([{ valueAtRisk: common, returns }], q), ref.regimeCommon);
      expectBacktest(backtestVar([{ valueAtRisk: hs[l]!, returns }], q), ref.historical);
    },
  );

  it('counts violations strictly (a loss equal to the VaR is no violation)', () => {
    const b = backtestVar([{ valueAtRisk: [0.01, 0.01, 0.01], returns: [-0.01, -0.011, 0.02] }], 0.95);
    expect(b.violations).toBe(1);
    expect(b.rate).toBeCloseTo(1 / 3, 15);
  });

  it('never pairs days across series or across a day without forecast', () => {
    const hit = { valueAtRisk: [0.01, 0.01], returns: [-0.02, -0.02] };
    const split = backtestVar([hit, hit], 0.95);
    expect(split.independence).toMatchObject({ n00: 0, n01: 0, n10: 0, n11: 2 });
    const gap = backtestVar([{ valueAtRisk: [0.01, Number.NaN, 0.01], returns: [-0.02, 0, -0.02] }], 0.95);
    expect(gap.n).toBe(2);
    expect(gap.independence).toMatchObject({ n00: 0, n01: 0, n10: 0, n11: 0, statistic: 0, pValue: 1 });
  });

  it('conditional coverage is the sum of the two statistics, on χ²(2)', () => {
    const b = backtestVar([{ valueAtRisk: hs[1]!, returns }], 0.99);
    expect(b.conditionalCoverage.statistic).toBe(b.kupiec.statistic + b.independence.statistic);
  });

  it('names the series and day of bad input', () => {
    expect(() => backtestVar([{ valueAtRisk: [0.1], returns: [0, 1] }], 0.95)).toThrowError(
      /series 0: 1 forecasts/,
    );
    expect(() => backtestVar([{ valueAtRisk: [0.1, Infinity], returns: [0, 1] }], 0.95)).toThrowError(
      /series 0, day 1: VaR Infinity/,
    );
    expect(() => backtestVar([{ valueAtRisk: [Number.NaN], returns: [0] }], 0.95)).toThrowError(/no day/);
    expect(() => backtestVar([], 1.5)).toThrowError(/level/);
  });
});
