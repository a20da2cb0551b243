/** SeriesBuilder keeps rows in blocks and builds exact-length columns: every row, in order. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SeriesBuilder, VALUE_FIELDS } from '#shared/data/series';
import { type BlockSpill, MemorySpill, OverflowSpill, TempFileSpill } from '#shared/data/spill';

const spills: [string, () => BlockSpill | undefined][] = [
  ['no spill', () => undefined],
  ['a memory spill', () => new MemorySpill()],
  ['a temporary-file spill', () => new TempFileSpill()],
  ['a spill overflowing to a file after 64 KiB', () => new OverflowSpill(64 * 1024)],
];

describe.each(spills)('SeriesBuilder with %s', (_name, makeSpill) => {
  test('builds every pushed row in order, in arrays of the exact length (block boundaries crossed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), (n) => {
        const spill = makeSpill();
        const b = new SeriesBuilder('S', spill);
        const row = new Float64Array(VALUE_FIELDS.length);
        for (let i = 0; i < n; i++) {
          for (let f = 0; f < row.length; f++) row[f] = i * 10 + f + (i % 7 === 0 ? Number.NaN : 0);
          b.push(1000 + i, i + 2, row);
        }
        const s = b.build();
        expect(s.length).toBe(n);
        for (const c of ['day', 'line', ...VALUE_FIELDS] as const) expect(s[c].length).toBe(n);
        for (let i = 0; i < n; i += 97) {
          expect(s.day[i]).toBe(1000 + i);
          expect(s.line[i]).toBe(i + 2);
          VALUE_FIELDS.forEach((f, k) => expect(s[f][i]).toBe(i * 10 + k + (i % 7 === 0 ? Number.NaN : 0)));
        }
        if (n > 0) expect(s.volume[n - 1]).toBe((n - 1) * 10 + 5 + ((n - 1) % 7 === 0 ? Number.NaN : 0));
        const days = new Int32Array(n + 2);
        b.copyDays(days, 2);
        expect(Array.from(days.subarray(2))).toEqual(Array.from(s.day));
        spill?.dispose();
      }),
      { numRuns: 60 },
    );
  });

  test('a later push does not change a series already built', () => {
    const b = new SeriesBuilder('S', makeSpill());
    b.push(1, 2, [1, 2, 3, 4, 5, 6]);
    const first = b.build();
    b.push(2, 3, [7, 8, 9, 10, 11, 12]);
    expect(Array.from(first.close)).toEqual([4]);
    expect(Array.from(b.build().close)).toEqual([4, 10]);
  });
});

test('build reads each spilled block back once, not once per column', () => {
  const memory = new MemorySpill();
  let reads = 0;
  const counting: BlockSpill = {
    put: (parts) => memory.put(parts),
    get: (handle, into) => {
      reads++;
      memory.get(handle, into);
    },
    get bytes() {
      return memory.bytes;
    },
    fileBytes: 0,
    held: 0,
    holdLimit: Number.POSITIVE_INFINITY,
    dispose: () => memory.dispose(),
  };
  const b = new SeriesBuilder('S', counting);
  for (let i = 0; i < 5000; i++) b.push(i, i + 2, [1, 2, 3, 4 + i, 5, 6]);
  const s = b.build();
  // 5,000 rows in blocks of 512: 9 full blocks went to the spill, the tenth is the builder's own.
  expect(reads).toBe(9);
  expect(s.close[4999]).toBe(5003);
  expect(s.line[0]).toBe(2);
});

test('with a spill, the block in memory grows to 512 rows; only full 512-row blocks are spilled, rows kept in order', () => {
  const memory = new MemorySpill();
  let puts = 0;
  const counting: BlockSpill = {
    put: (parts) => {
      puts++;
      expect(parts.reduce((n, p) => n + p.byteLength, 0)).toBe(512 * (2 * 4 + VALUE_FIELDS.length * 8));
      return memory.put(parts);
    },
    get: (handle, into) => memory.get(handle, into),
    get bytes() {
      return memory.bytes;
    },
    fileBytes: 0,
    held: 0,
    holdLimit: Number.POSITIVE_INFINITY,
    dispose: () => memory.dispose(),
  };
  for (const n of [1, 31, 32, 33, 100, 511, 512, 513, 1024, 1025, 1500]) {
    puts = 0;
    const b = new SeriesBuilder('S', counting);
    for (let i = 0; i < n; i++) b.push(i, i + 2, [i, 2, 3, 4 + i, 5, 6]);
    expect(puts).toBe(Math.max(0, Math.ceil(n / 512) - 1));
    const s = b.build();
    expect(Array.from(s.close)).toEqual(Array.from({ length: n }, (_, i) => 4 + i));
    expect(Array.from(s.day)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(s.open[n - 1]).toBe(n - 1);
  }
});

test("past the spill's holdLimit, builders spill their blocks at the size they have: memory stays near the limit, every row kept in order", () => {
  const ROW = 2 * 4 + VALUE_FIELDS.length * 8;
  const memory = new MemorySpill();
  const sizes = new Map<number, number>();
  const limit = 64 * 1024;
  const spill: BlockSpill = {
    put: (parts) => {
      const rows = parts.reduce((n, p) => n + p.byteLength, 0) / ROW;
      sizes.set(rows, (sizes.get(rows) ?? 0) + 1);
      return memory.put(parts);
    },
    get: (handle, into) => memory.get(handle, into),
    get bytes() {
      return memory.bytes;
    },
    fileBytes: 0,
    held: 0,
    holdLimit: limit,
    dispose: () => memory.dispose(),
  };
  // A daily file of 300 symbols × 200 days: every symbol on every date, in that order.
  const symbols = 300;
  const days = 200;
  const builders = Array.from({ length: symbols }, (_, k) => new SeriesBuilder(`S${k}`, spill));
  for (let d = 0; d < days; d++) {
    for (let k = 0; k < symbols; k++) builders[k]!.push(d, d * symbols + k, [k, d, 3, k * 1000 + d, 5, 6]);
  }
  // Without the limit each builder would hold a 256-row block (14 KiB): 4.2 MB. With it, the
  // builders hold the limit plus at most one first block (32 rows) each.
  expect(spill.held).toBeLessThanOrEqual(limit + symbols * 32 * ROW);
  expect(spill.held).toBeGreaterThan(limit / 2);
  // Spilled blocks are full blocks of the sizes the builders had reached: 32 to 256 rows, none of 512.
  expect([...sizes.keys()].every((rows) => [32, 64, 128, 256].includes(rows))).toBe(true);
  expect(sizes.get(32)).toBeGreaterThan(0);
  for (const [k, b] of builders.entries()) {
    const s = b.build();
    expect(s.length).toBe(days);
    expect(Array.from(s.day)).toEqual(Array.from({ length: days }, (_, d) => d));
    expect(Array.from(s.close)).toEqual(Array.from({ length: days }, (_, d) => k * 1000 + d));
    expect(s.line[days - 1]).toBe((days - 1) * symbols + k);
  }
});

test('an OverflowSpill holds builders to its memory budget unless told otherwise', () => {
  expect(new OverflowSpill(1024).holdLimit).toBe(1024);
  expect(new OverflowSpill(1024, undefined, 4096).holdLimit).toBe(4096);
  expect(new MemorySpill().holdLimit).toBe(Number.POSITIVE_INFINITY);
  expect(new TempFileSpill().holdLimit).toBe(Number.POSITIVE_INFINITY);
});
