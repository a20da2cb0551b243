/** Staged rows (scratch between a run's ingest and gold steps): typed arrays back bit for bit. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SilverSeries } from '#shared/data/series';
import { readStagedRows, StagedRowsError, stagedRowsBytes } from '#shared/data/staged-rows';

const doubles = fc.oneof(
  fc.double(),
  fc.constantFrom(-0, Number.MIN_VALUE, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN),
);

const series = fc.integer({ min: 0, max: 40 }).chain((n) =>
  fc.record({
    symbol: fc.string({ unit: 'grapheme', maxLength: 12 }),
    day: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: n, maxLength: n }),
    line: fc.array(fc.nat(), { minLength: n, maxLength: n }),
    values: fc.array(fc.array(doubles, { minLength: n, maxLength: n }), { minLength: 6, maxLength: 6 }),
    filled: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
    flags: fc.array(fc.integer({ min: 0, max: 15 }), { minLength: n, maxLength: n }),
  }),
);

const bits = (a: Float64Array) => Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length));

describe('staged rows', () => {
  test('every column comes back bit for bit (NaN payloads, −0, ±Infinity), read from a Node Buffer too', () => {
    fc.assert(
      fc.property(series, (r) => {
        const s = {
          symbol: r.symbol,
          length: r.day.length,
          day: Int32Array.from(r.day),
          line: Int32Array.from(r.line),
          open: Float64Array.from(r.values[0]!),
          high: Float64Array.from(r.values[1]!),
          low: Float64Array.from(r.values[2]!),
          close: Float64Array.from(r.values[3]!),
          adjclose: Float64Array.from(r.values[4]!),
          volume: Float64Array.from(r.values[5]!),
          filled: Uint8Array.from(r.filled),
          flags: Uint8Array.from(r.flags),
        } satisfies SilverSeries;
        // A NaN with a payload of its own: the bytes are copied, not the numbers.
        if (s.length > 0) new BigUint64Array(s.open.buffer)[0] = 0x7ff8_0000_dead_beefn;
        const bytes = stagedRowsBytes(s);
        // Aligned bytes are read as views, bytes at an odd or a 4-byte offset as copies.
        for (const input of [bytes, Buffer.from(bytes), shifted(bytes, 3), shifted(bytes, 4)]) {
          const back = readStagedRows(input, 'k');
          expect(back.symbol).toBe(s.symbol);
          expect(back.length).toBe(s.length);
          expect(Array.from(back.day)).toEqual(Array.from(s.day));
          expect(Array.from(back.line)).toEqual(Array.from(s.line));
          for (const f of ['open', 'high', 'low', 'close', 'adjclose', 'volume'] as const) {
            expect(back[f].length).toBe(s.length);
            expect(bits(back[f])).toEqual(bits(s[f]));
          }
          expect(Array.from(back.filled)).toEqual(Array.from(s.filled));
          expect(Array.from(back.flags)).toEqual(Array.from(s.flags));
        }
      }),
      { numRuns: 150 },
    );
  });

  test('reads the columns of aligned bytes in place, and copies those of unaligned bytes', () => {
    const bytes = stagedRowsBytes(one);
    const inPlace = readStagedRows(bytes, 'k');
    expect(inPlace.close.buffer).toBe(bytes.buffer);
    expect(inPlace.day.buffer).toBe(bytes.buffer);
    const odd = shifted(bytes, 5);
    const copied = readStagedRows(odd, 'k');
    expect(copied.close.buffer).not.toBe(odd.buffer);
    expect(copied.close.byteOffset % 8).toBe(0);
    expect(Array.from(copied.close)).toEqual([1, 2]);
    expect(Array.from(copied.flags)).toEqual([0, 3]);
  });

  const one: SilverSeries = {
    symbol: 'SPX',
    length: 2,
    day: Int32Array.of(1, 2),
    line: Int32Array.of(2, 3),
    open: Float64Array.of(1, 2),
    high: Float64Array.of(1, 2),
    low: Float64Array.of(1, 2),
    close: Float64Array.of(1, 2),
    adjclose: Float64Array.of(1, 2),
    volume: Float64Array.of(1, 2),
    filled: Uint8Array.of(0, 1),
    flags: Uint8Array.of(0, 3),
  };

  test('a truncated or foreign object is an error naming the key and what is wrong', () => {
    const bytes = stagedRowsBytes(one);
    expect(() => readStagedRows(bytes.subarray(0, bytes.length - 9), 'staging/r/x.rows')).toThrow(
      /staged rows staging\/r\/x\.rows: ends inside column flags/,
    );
    expect(() => readStagedRows(new TextEncoder().encode('PAR1....'), 'k')).toThrow(StagedRowsError);
    expect(() => readStagedRows(new TextEncoder().encode('PAR1....'), 'k')).toThrow(/no FINMLROW magic/);
    const future = bytes.slice();
    future[8] = 2;
    expect(() => readStagedRows(future, 'k')).toThrow(/format version 2, this FINML reads 1/);
  });

  test('a column of the wrong length is refused when written', () => {
    expect(() => stagedRowsBytes({ ...one, close: Float64Array.of(1) })).toThrow(
      /column close holds 1 values, not 2/,
    );
  });
});

/** The bytes at `offset` into a buffer of their own (an unaligned view for offsets not a multiple of 8). */
function shifted(bytes: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(bytes.length + offset);
  out.set(bytes, offset);
  return out.subarray(offset);
}
