/**
 * cleanSeries on rows that are already clean (days strictly ascending, every close present) shares
 * the input's arrays instead of sorting and copying: the result must be exactly that of the full
 * cleaning, which the same rows in reverse order go through.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type PriceSeries, pickRows } from '#shared/data/series';
import { cleanSeries } from '#shared/data/silver';
import { dataConfig } from '../../helpers/data.ts';

const COLUMNS = ['day', 'line', 'open', 'high', 'low', 'close', 'adjclose', 'volume'] as const;

/** Any double, missing (NaN) and −0 included. */
const anyValue = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0.01, max: 5000, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, -0, 0, -1, Number.POSITIVE_INFINITY) },
);

/** A bronze series whose days are strictly ascending and whose closes are all present. */
const cleanSeriesArb = fc
  .uniqueArray(fc.integer({ min: 10_000, max: 20_000 }), { minLength: 0, maxLength: 60 })
  .chain((days) => {
    const n = days.length;
    const col = (values: fc.Arbitrary<number>) => fc.array(values, { minLength: n, maxLength: n });
    return fc.record({
      day: fc.constant(Int32Array.from(days.sort((a, b) => a - b))),
      line: col(fc.integer({ min: 2, max: 1e6 })).map((a) => Int32Array.from(a)),
      open: col(anyValue).map((a) => Float64Array.from(a)),
      high: col(anyValue).map((a) => Float64Array.from(a)),
      low: col(anyValue).map((a) => Float64Array.from(a)),
      close: col(fc.double({ min: -10, max: 5000, noNaN: true })).map((a) => Float64Array.from(a)),
      adjclose: col(anyValue).map((a) => Float64Array.from(a)),
      volume: col(anyValue).map((a) => Float64Array.from(a)),
    });
  })
  .map((c): PriceSeries => ({ symbol: 'S', length: c.day.length, ...c }));

/** Every column as plain values, −0 told apart from 0. */
function plain(s: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s))
    out[k] = ArrayBuffer.isView(v) ? Array.from(v as Float64Array, (x) => (Object.is(x, -0) ? '-0' : x)) : v;
  return out;
}

const reversed = (s: PriceSeries): PriceSeries =>
  pickRows(
    s,
    Array.from({ length: s.length }, (_, i) => s.length - 1 - i),
  );

describe('cleanSeries fast path (already clean rows)', () => {
  test('gives exactly the result of the full cleaning', () => {
    const config = dataConfig();
    fc.assert(
      fc.property(cleanSeriesArb, (raw) => {
        const fast = cleanSeries(raw, config);
        const full = cleanSeries(reversed(raw), config);
        expect(plain(fast.series)).toEqual(plain(full.series));
        expect(fast.stats).toEqual(full.stats);
        expect(Object.keys(fast.series)).toEqual(Object.keys(full.series));
      }),
      { numRuns: 300 },
    );
  });

  test('shares the input arrays and leaves them unchanged', () => {
    fc.assert(
      fc.property(cleanSeriesArb, (raw) => {
        const before = plain(raw);
        const { series } = cleanSeries(raw, dataConfig());
        for (const c of COLUMNS) expect(series[c]).toBe(raw[c]);
        expect(plain(raw)).toEqual(before);
      }),
      { numRuns: 50 },
    );
  });

  test('a series whose arrays are longer than its length is cleaned into exact-length arrays', () => {
    fc.assert(
      fc.property(cleanSeriesArb, fc.integer({ min: 1, max: 5 }), (raw, extra) => {
        const padded = { ...raw } as PriceSeries;
        for (const c of COLUMNS) {
          const a = new (raw[c].constructor as new (n: number) => Int32Array | Float64Array)(
            raw.length + extra,
          );
          a.set(raw[c]);
          a.fill(7, raw.length);
          (padded as unknown as Record<string, unknown>)[c] = a;
        }
        const exact = cleanSeries(raw, dataConfig());
        const fromPadded = cleanSeries(padded, dataConfig());
        expect(plain(fromPadded.series)).toEqual(plain(exact.series));
        for (const c of COLUMNS) expect(fromPadded.series[c].length).toBe(raw.length);
      }),
      { numRuns: 100 },
    );
  });

  test('rows with a repeated day or a missing close are not taken as clean', () => {
    const raw: PriceSeries = {
      symbol: 'S',
      length: 3,
      day: Int32Array.of(1, 2, 2),
      line: Int32Array.of(2, 3, 4),
      open: Float64Array.of(1, 1, 1),
      high: Float64Array.of(1, 1, 1),
      low: Float64Array.of(1, 1, 1),
      close: Float64Array.of(1, 2, 3),
      adjclose: Float64Array.of(1, 1, 1),
      volume: Float64Array.of(1, 1, 1),
    };
    const repeated = cleanSeries(raw, dataConfig());
    expect(Array.from(repeated.series.close)).toEqual([1, 3]);
    expect(repeated.stats.duplicatesDropped).toBe(1);
    const missing = cleanSeries(
      { ...raw, day: Int32Array.of(1, 2, 3), close: Float64Array.of(1, Number.NaN, 3) },
      dataConfig(),
    );
    expect(Array.from(missing.series.close)).toEqual([1, 1, 3]);
    expect(Array.from(missing.series.filled)).toEqual([0, 1, 0]);
  });
});
