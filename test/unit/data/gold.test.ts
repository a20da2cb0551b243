import { describe, expect, test } from 'vitest';
import { computeFeatures, ecdf, referenceSample, regimeOf, scoreRegimes } from '#shared/data/gold';
import { emptySilver } from '#shared/data/silver';
import { dataConfig } from '../../helpers/data.ts';

function silverFrom(prices: number[], adj?: (number | null)[]) {
  const s = emptySilver('T', prices.length);
  prices.forEach((p, i) => {
    s.day[i] = 18_000 + i;
    s.close[i] = p;
    s.adjclose[i] = adj?.[i] ?? Number.NaN;
    s.open[i] = s.high[i] = s.low[i] = s.volume[i] = Number.NaN;
  });
  return s;
}

describe('gold features (DOMAIN §3)', () => {
  // 25 prices; values checked below were computed with numpy (see comments).
  const prices = Array.from({ length: 25 }, (_, i) => 100 * Math.exp(0.01 * Math.sin(i) + 0.002 * i));

  test('leaves out the first 21 rows as warm-up and counts them', () => {
    const f = computeFeatures(silverFrom(prices), dataConfig());
    expect(f.warmupRows).toBe(21);
    expect(f.length).toBe(4);
    expect(f.day[0]).toBe(18_021);
  });

  test('realized volatility is the ddof=1 sd of the last 21 log returns × sqrt(252)', () => {
    const f = computeFeatures(silverFrom(prices), dataConfig());
    const r = prices.slice(1).map((p, i) => Math.log(p / prices[i]!));
    const w = r.slice(0, 21); // returns 1..21 belong to row 21
    const mean = w.reduce((a, b) => a + b, 0) / 21;
    const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / 20);
    expect(f.realized_vol_21d[0]).toBeCloseTo(sd * Math.sqrt(252), 14);
    expect(f.log_return[0]).toBeCloseTo(Math.log(prices[21]! / prices[20]!), 15);
  });

  test('drawdown uses the running maximum from the first row, warm-up included', () => {
    const p = [...Array(21).fill(100), 200, 150, 100, 250];
    const f = computeFeatures(silverFrom(p), dataConfig());
    expect(Array.from(f.drawdown)).toEqual([0, 0.25, 0.5, 0]);
    const early = [300, ...Array(20).fill(100), 150, 100, 100, 100];
    expect(computeFeatures(silverFrom(early), dataConfig()).drawdown[0]).toBeCloseTo(0.5, 15);
  });

  test('price is adjclose where present, else close, row by row', () => {
    const adj = prices.map((p, i) => (i % 2 === 0 ? p / 2 : null));
    const f = computeFeatures(silverFrom(prices, adj), dataConfig());
    expect(f.price[0]).toBe(prices[21]); // odd row: no adjclose
    expect(f.price[1]).toBe(prices[22]! / 2);
  });
});

describe('scores and regimes', () => {
  test('ecdf counts reference values ≤ x', () => {
    const ref = Float64Array.from([1, 2, 2, 3]);
    expect([0, 1, 2, 2.5, 3, 9].map((x) => ecdf(ref, x))).toEqual([0, 0.25, 0.75, 0.75, 1, 1]);
  });

  test('regime thresholds are strict: 0.33 is Medium, 0.67 is High', () => {
    const t = dataConfig().regimes.thresholds;
    expect([0, 0.3299999, 0.33, 0.6699999, 0.67, 1].map((x) => regimeOf(x, t))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  test('risk score is the weighted mean of the feature scores against the reference', () => {
    const prices = Array.from({ length: 60 }, (_, i) => 100 + 10 * Math.sin(i / 3) + i);
    const config = dataConfig();
    const f = computeFeatures(silverFrom(prices), config);
    const g = scoreRegimes(f, referenceSample(f, config), config);
    for (let i = 0; i < g.length; i++) {
      const expected =
        0.7 * ecdf(f.realized_vol_21d.slice().sort(), f.realized_vol_21d[i]!) +
        0.3 * ecdf(f.drawdown.slice().sort(), f.drawdown[i]!);
      expect(g.risk_score[i]).toBeCloseTo(expected, 15);
      expect(g.markov_state[i]).toBe(regimeOf(expected, config.regimes.thresholds));
    }
  });

  test("a series is scored on the scale of a given reference (e.g. the model's)", () => {
    const config = dataConfig();
    const f = computeFeatures(silverFrom(Array.from({ length: 30 }, (_, i) => 100 + i)), config);
    const calm = { realized_vol_21d: Float64Array.from([0.5, 0.6]), drawdown: Float64Array.from([0.5, 0.6]) };
    const g = scoreRegimes(f, calm, config);
    expect(Array.from(g.markov_state).every((s) => s === 0)).toBe(true);
  });
});
