/**
 * The faster gold loops against their definitions: upperBoundNear against ecdf's bisection for any
 * hint, and goldQuality against the row rules of DOMAIN §7 restated here.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { EcdfIndex, ecdf, type GoldSeries, goldQuality, upperBoundNear } from '#shared/data/gold';

const valueArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -5, max: 5 }).map((k) => k / 2) },
  { weight: 2, arbitrary: fc.double() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(-0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  },
);

describe('upperBoundNear', () => {
  test('equals ecdf × length for any sorted sample (ties, ±0, ±∞, NaN last), value and hint', () => {
    fc.assert(
      fc.property(
        fc.array(valueArb, { maxLength: 80 }),
        fc.array(fc.tuple(valueArb, fc.integer({ min: -3, max: 90 })), { minLength: 1, maxLength: 20 }),
        (values, queries) => {
          const sorted = Float64Array.from(values).sort();
          for (const [x, hint] of queries) {
            const count = upperBoundNear(sorted, x, hint);
            expect(count).toBe(sorted.filter((v) => v <= x).length);
            if (sorted.length > 0) expect(count / sorted.length).toBe(ecdf(sorted, x));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('chained from the previous answer along a series, gives the ecdf of every value', () => {
    fc.assert(
      fc.property(
        fc.array(valueArb, { minLength: 1, maxLength: 200 }),
        fc.array(valueArb, { maxLength: 200 }),
        (ref, xs) => {
          const sorted = Float64Array.from(ref).sort();
          let count = 0;
          for (const x of xs) {
            count = upperBoundNear(sorted, x, count);
            expect(count / sorted.length).toBe(ecdf(sorted, x));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('EcdfIndex', () => {
  const samples = fc.oneof(
    fc.array(valueArb, { maxLength: 80 }),
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 40 }),
    fc.constantFrom(
      [],
      [Number.NaN, Number.NaN],
      [3, 3, 3, 3],
      [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
      [-1.7976931348623157e308, 0, 1.7976931348623157e308],
      [5e-324, 1e-323, 1.5e-323],
      [1, 1 + 2 ** -52, 1 + 2 ** -51],
    ),
  );

  test('counts the sample values ≤ x exactly, for any sample (ties, ±0, ±∞, NaN, tiny and huge ranges)', () => {
    fc.assert(
      fc.property(samples, fc.array(fc.oneof(valueArb, fc.double()), { maxLength: 30 }), (values, xs) => {
        const sorted = Float64Array.from(values).sort();
        const index = new EcdfIndex(sorted);
        for (const x of [...xs, ...values]) expect(index.count(x)).toBe(sorted.filter((v) => v <= x).length);
      }),
      { numRuns: 2000 },
    );
  });
});

/** DOMAIN §7 gold rules, restated: incomplete = any value not finite; invalid = out of range. */
function definition(series: GoldSeries[], runDay: number) {
  let rows = 0;
  let incomplete = 0;
  let invalid = 0;
  let repeats = 0;
  let outOfOrder = 0;
  let future = 0;
  for (const s of series) {
    for (let i = 0; i < s.length; i++) {
      rows++;
      const row = [s.price[i]!, s.log_return[i]!, s.realized_vol_21d[i]!, s.drawdown[i]!, s.risk_score[i]!];
      if (!row.every(Number.isFinite)) incomplete++;
      else {
        const [price, , vol, drawdown, risk] = row as [number, number, number, number, number];
        if (price <= 0 || vol < 0 || drawdown < 0 || drawdown >= 1 || risk < 0 || risk > 1) invalid++;
      }
      if (s.day[i]! > runDay) future++;
      if (i > 0 && s.day[i] === s.day[i - 1]) repeats++;
      if (i > 0 && s.day[i]! < s.day[i - 1]!) outOfOrder++;
    }
  }
  const share = (k: number) => (rows === 0 ? 0 : 1 - k / rows);
  return {
    rows,
    completeness: share(incomplete),
    validity: share(incomplete + invalid),
    uniqueness: share(repeats),
    timeliness: (share(future) + share(outOfOrder)) / 2,
  };
}

const goldArb = fc.integer({ min: 0, max: 30 }).chain((n) => {
  const col = () => fc.array(valueArb, { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));
  return fc
    .record({
      day: fc
        .array(fc.integer({ min: 0, max: 12 }), { minLength: n, maxLength: n })
        .map((a) => Int32Array.from(a)),
      price: col(),
      log_return: col(),
      realized_vol_21d: col(),
      drawdown: col().map((a) => a.map((v) => v / 8)),
      risk_score: col().map((a) => a.map((v) => v / 4)),
    })
    .map(
      (c): GoldSeries => ({
        symbol: 'S',
        length: n,
        warmupRows: 0,
        scores: {},
        markov_state: new Uint8Array(n),
        regime_age: Int32Array.from({ length: n }, (_, i) => i + 1),
        burnInRows: 0,
        ...c,
      }),
    );
});

describe('goldQuality', () => {
  test('follows the row rules on random gold rows (non-finite, out of range, repeated, unordered, future)', () => {
    fc.assert(
      fc.property(fc.array(goldArb, { maxLength: 4 }), fc.integer({ min: -1, max: 13 }), (series, runDay) => {
        const q = goldQuality(series, runDay, 98);
        const { rows, completeness, validity, uniqueness, timeliness } = q;
        expect({ rows, completeness, validity, uniqueness, timeliness }).toEqual(definition(series, runDay));
      }),
      { numRuns: 500 },
    );
  });
});
