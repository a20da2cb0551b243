/**
 * Point-in-time scores (DOMAIN §3 v2) against pandas `expanding().rank(method="max") / count()` on
 * the sample's gold features and a 3-symbol file (test/fixtures/point-in-time/), and the property
 * that makes gold immutable: the scores of any prefix are the prefix of the scores.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import type { GoldFeatures } from '#shared/data/gold';
import { regimeAges } from '#shared/data/gold';
import { expandingEcdf, rankValues, scorePointInTime } from '#shared/data/point-in-time';

interface FixtureSymbol {
  symbol: string;
  input: { realized_vol_21d: number[]; drawdown: number[] };
  burnInRows: number;
  scores: { realized_vol_21d: number[]; drawdown: number[] };
  riskScore: number[];
  state: number[];
  regimeAge: number[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/point-in-time/point_in_time.json', import.meta.url), 'utf8'),
) as { source: string; minHistory: number; symbols: FixtureSymbol[] };
const data = loadConfig().config.data;

function features(s: FixtureSymbol): GoldFeatures {
  const n = s.input.drawdown.length;
  return {
    symbol: s.symbol,
    length: n,
    day: Int32Array.from({ length: n }, (_, i) => i),
    price: new Float64Array(n).fill(1),
    log_return: new Float64Array(n),
    realized_vol_21d: Float64Array.from(s.input.realized_vol_21d),
    drawdown: Float64Array.from(s.input.drawdown),
    warmupRows: 21,
  };
}

const closeAll = (actual: ArrayLike<number>, expected: readonly number[]) => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > 1e-12)
      expect({ i, actual: actual[i] }).toEqual({ i, actual: expected[i] });
  }
};

describe('scorePointInTime equals pandas', () => {
  test.each(fixture.symbols.map((s) => [s.symbol, s] as const))('%s', (_symbol, s) => {
    const g = scorePointInTime(features(s), data, fixture.minHistory);
    expect(g.burnInRows).toBe(s.burnInRows);
    closeAll(g.scores.realized_vol_21d!, s.scores.realized_vol_21d);
    closeAll(g.scores.drawdown!, s.scores.drawdown);
    closeAll(g.risk_score, s.riskScore);
    expect(Array.from(g.markov_state)).toEqual(s.state);
    expect(Array.from(g.regime_age)).toEqual(s.regimeAge);
  });
});

describe('point in time', () => {
  test('the scores of any prefix are the prefix of the scores (appending never relabels)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom(0, 1, 1, 2)), {
          minLength: 1,
          maxLength: 200,
        }),
        fc.nat(),
        (values, cut) => {
          const k = (cut % values.length) + 1;
          const whole = expandingEcdf(values);
          expect(Array.from(expandingEcdf(values.slice(0, k)))).toEqual(Array.from(whole.subarray(0, k)));
        },
      ),
    );
  });

  test('equals the definition counted directly, with ties, −0 beside 0, ±Infinity and NaN, sorted here or given', () => {
    const direct = (v: number[]) =>
      v.map((x, t) => {
        if (Number.isNaN(x)) return Number.NaN;
        const past = v.slice(0, t + 1).filter((y) => !Number.isNaN(y));
        return past.filter((y) => y <= x).length / past.length;
      });
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ min: -5, max: 5 }),
            fc.constantFrom(0, -0, 1, Infinity, -Infinity, Number.NaN),
          ),
          {
            maxLength: 120,
          },
        ),
        (values) => {
          const expected = direct(values);
          expect(Array.from(expandingEcdf(values))).toEqual(expected);
          expect(Array.from(expandingEcdf(values, rankValues(values)))).toEqual(expected);
        },
      ),
    );
    expect(() => expandingEcdf([1, 2], rankValues([1]))).toThrow(/ranked holds 1 values, not 2/);
  });

  test('rankValues sorts bit for bit as Float64Array.prototype.sort (−0 before 0, NaN payloads kept, last) and ranks densely', () => {
    const bitsOf = (a: Float64Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length * 2));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double(),
            fc.double({ min: -1e-300, max: 1e-300 }),
            fc.constantFrom(
              0,
              -0,
              1,
              -1,
              Infinity,
              -Infinity,
              Number.NaN,
              Number.MIN_VALUE,
              -Number.MAX_VALUE,
            ),
          ),
          { maxLength: 300 },
        ),
        (list) => {
          const values = Float64Array.from(list);
          // A NaN with its sign bit set (x86's default NaN) and a payload: kept as they are, after every number.
          if (values.length > 2) new Uint32Array(values.buffer)[3] = 0xfff8_0001;
          const { sorted, ranks, distinct } = rankValues(values);
          expect(bitsOf(sorted)).toEqual(bitsOf(values.slice().sort()));
          const finite = Array.from(
            new Set(
              Array.from(values)
                .filter((v) => !Number.isNaN(v))
                .map((v) => v + 0),
            ),
          );
          finite.sort((a, b) => a - b);
          expect(distinct).toBe(finite.length);
          expect(Array.from(ranks)).toEqual(
            Array.from(values, (v) => (Number.isNaN(v) ? 0 : finite.indexOf(v + 0) + 1)),
          );
        },
      ),
      { numRuns: 300 },
    );
    // Keys that share their top digits (one exponent) and differ only in the low bits.
    const close = Float64Array.from({ length: 5000 }, (_, i) => 1 + ((i * 7919) % 5000) * Number.EPSILON);
    expect(bitsOf(rankValues(close).sorted)).toEqual(bitsOf(close.slice().sort()));
  });

  test('ties count as at-or-below, the first day scores 1, NaN scores NaN and stays out of the history', () => {
    expect(Array.from(expandingEcdf([3, 1, 3, 2, Number.NaN, 0]))).toEqual([1, 0.5, 1, 0.5, Number.NaN, 0.2]);
  });

  test('regime_age counts the days in the current regime, 1 on entry', () => {
    expect(Array.from(regimeAges([0, 0, 1, 1, 1, 0, 2, 2]))).toEqual([1, 2, 1, 2, 3, 1, 1, 2]);
  });

  test('a series shorter than minHistory is all burn-in: no gold rows, and it says how many it has', () => {
    const s = fixture.symbols[1]!;
    const short = features({
      ...s,
      input: {
        realized_vol_21d: s.input.realized_vol_21d.slice(0, 100),
        drawdown: s.input.drawdown.slice(0, 100),
      },
    });
    const g = scorePointInTime(short, data, 252);
    expect(g.length).toBe(0);
    expect(g.burnInRows).toBe(100);
    expect(() => scorePointInTime(short, data, 0)).toThrow(/minHistory/);
  });
});
