/**
 * Bronze uniqueness and timeliness (DOMAIN §7) with duplicate, backwards and future-dated rows,
 * and rows dropped before or after they were dated: the figures of the previous implementation
 * (one sorted key per dated row), recorded on these fixtures before the per-symbol rewrite, and
 * the definition restated on random files.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { DataConfig } from '#config/schema';
import { readBronzeMarketFile } from '#shared/data/bronze';
import { parseIsoDay } from '#shared/data/values';
import { bronze, dataConfig, isoOf } from '../../helpers/data.ts';

/** The gates off: the fixtures are meant to score low. */
function ungated(): DataConfig {
  const config = dataConfig();
  return { ...config, quality: { ...config.quality, gates: { bronze: 0, silver: 0, gold: 0 } } };
}

const read = (name: string, text: string, runDay: number, chunkSize = 7) =>
  readBronzeMarketFile(bronze(`market_data/${name}.csv`, text, chunkSize), { config: ungated(), runDay });

/**
 * Computed by the previous implementation (commit 80afcb2) on the same text, run day and chunking —
 * except that a repeated date of a symbol is no longer a pair out of order (it is uniqueness's): the
 * timeliness of the five fixtures with repeats was recomputed by hand, e.g. `duplicates`: A's and
 * B's pairs are 02→03 once each, both in order, so timeliness 1 (was 2 of 5 pairs in order, 0.7).
 */
const FIXTURES = [
  {
    name: 'duplicates',
    runDay: '2024-01-31',
    text: 'symbol,date,close\nA,2024-01-02,10\nA,2024-01-03,11\nA,2024-01-03,12\nB,2024-01-02,20\nA,2024-01-03,13\nB,2024-01-03,21\nB,2024-01-03,22\n',
    expected: {
      rows: 7,
      rowsAccepted: 7,
      completeness: 1,
      validity: 1,
      uniqueness: 0.5714285714285714,
      timeliness: 1,
      score: 89.28571428571428,
    },
  },
  {
    name: 'backwards',
    runDay: '2024-01-31',
    text: 'symbol,date,close\nA,2024-01-05,10\nA,2024-01-04,11\nA,2024-01-03,12\nB,2024-01-02,20\nA,2024-01-08,13\nB,2024-01-01,21\nA,2024-01-04,14\nA,2024-01-02,15\n',
    expected: {
      rows: 8,
      rowsAccepted: 8,
      completeness: 1,
      validity: 1,
      uniqueness: 0.875,
      timeliness: 0.9166666666666667,
      score: 94.79166666666667,
    },
  },
  {
    name: 'future',
    runDay: '2024-01-04',
    text: 'symbol,date,close\nA,2024-01-02,10\nA,2024-01-03,11\nA,2024-01-05,12\nA,2024-01-06,13\nA,2024-01-05,14\nB,2024-01-09,20\nB,2024-01-09,21\nB,2024-01-03,22\n',
    expected: {
      rows: 8,
      rowsAccepted: 3,
      completeness: 1,
      validity: 1,
      uniqueness: 0.75,
      timeliness: 0.4875,
      score: 80.9375,
    },
  },
  {
    name: 'dropped-after-dating',
    runDay: '2024-01-10',
    text: 'symbol,date,open,close\nA,2024-01-02,1,10\nA,2024-01-03,x,11\nA,2024-01-03,1,12\nA,2024-01-04,-1,13\nA,2024-01-04,1,14\nA,2024-01-03,1,15\nB,2024-01-20,1,20\nB,2024-01-20,1,21\nB,2024-01-02,0,22\nB,2024-01-02,1,23\n',
    expected: {
      rows: 10,
      rowsAccepted: 5,
      completeness: 1,
      validity: 0.7,
      uniqueness: 0.5,
      timeliness: 0.65,
      score: 71.25,
    },
  },
  {
    name: 'dropped-before-dating',
    runDay: '2024-01-10',
    text: 'symbol,date,close\nA,2024-01-02,10\nA,2024-01-02\n,2024-01-02,11\nA,2024-13-02,12\nA,2024-01-03,13\nA,not a date,14\nA,2024-01-02,15\n',
    expected: {
      rows: 7,
      rowsAccepted: 3,
      completeness: 0.9047619047619048,
      validity: 0.42857142857142855,
      uniqueness: 0.6666666666666667,
      timeliness: 0.75,
      score: 68.75,
    },
  },
  {
    name: 'no-symbol-column',
    runDay: '2024-01-10',
    text: 'date,close,volume\n2024-01-02,10,5\n2024-01-03,11,6\n2024-01-03,,7\n2024-01-01,12,x\n2024-01-05,13,8\n2024-01-04,14,9\n2024-01-12,15,1\n',
    expected: {
      rows: 7,
      rowsAccepted: 6,
      completeness: 0.9285714285714286,
      validity: 1,
      uniqueness: 0.8571428571428572,
      timeliness: 0.7285714285714286,
      score: 87.85714285714286,
    },
  },
  {
    name: 'ascending-only',
    runDay: '2024-01-10',
    text: 'symbol,date,close\nA,2024-01-02,10\nB,2024-01-02,20\nA,2024-01-03,11\nB,2024-01-03,x\nA,2024-01-04,12\nB,2024-01-05,22\n',
    expected: {
      rows: 6,
      rowsAccepted: 5,
      completeness: 1,
      validity: 0.8333333333333334,
      uniqueness: 1,
      timeliness: 1,
      score: 95.83333333333334,
    },
  },
  {
    name: 'quoted-and-crlf',
    runDay: '2024-01-10',
    text: 'symbol,date,close\r\n"A","2024-01-02","10"\r\n A ,2024-01-02,11\r\n"A",2024-01-01,"12"\r\nA,2024-01-03,13\r\n',
    expected: {
      rows: 4,
      rowsAccepted: 4,
      completeness: 1,
      validity: 1,
      uniqueness: 0.75,
      timeliness: 0.75,
      score: 87.5,
    },
  },
];

describe('bronze quality equals the previous implementation on recorded fixtures', () => {
  test.each(FIXTURES)('$name', async ({ name, runDay, text, expected }) => {
    const f = await read(name, text, parseIsoDay(runDay)!);
    const { rows, completeness, validity, uniqueness, timeliness, score } = f.quality;
    expect({
      rows,
      rowsAccepted: f.rowsAccepted,
      completeness,
      validity,
      uniqueness,
      timeliness,
      score,
    }).toEqual(expected);
  });

  test('counting the repeats of a symbol that went backwards leaves its accepted rows in file order', async () => {
    const { text, runDay } = FIXTURES.find((f) => f.name === 'dropped-after-dating')!;
    const f = await read('x', text, parseIsoDay(runDay)!, 1 << 16);
    expect(f.series.map((s) => [s.symbol, Array.from(s.day, isoOf), Array.from(s.close)])).toEqual([
      ['A', ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-03'], [10, 12, 14, 15]],
      ['B', ['2024-01-02'], [23]],
    ]);
    expect(f.quality.uniqueness).toBe(0.5);
  });
});

type Row = { symbol: string; day: number; close: string };

/** DOMAIN §7 for bronze rows that all have a symbol and a valid date (so every row is dated). */
function definition(rows: Row[], runDay: number) {
  const seen = new Set<string>();
  const last = new Map<string, number>();
  let duplicates = 0;
  let future = 0;
  let ascending = 0;
  let descending = 0;
  let pairs = 0;
  for (const r of rows) {
    const key = `${r.symbol}|${r.day}`;
    if (seen.has(key)) duplicates++;
    seen.add(key);
    if (r.day > runDay) future++;
    const before = last.get(r.symbol);
    if (before !== undefined && r.day !== before) {
      pairs++;
      if (r.day > before) ascending++;
      else descending++;
    }
    last.set(r.symbol, r.day);
  }
  const ordered = pairs === 0 ? 1 : Math.max(ascending, descending) / pairs;
  return {
    uniqueness: 1 - duplicates / rows.length,
    timeliness: (1 - future / rows.length + ordered) / 2,
  };
}

describe('bronze uniqueness and timeliness follow the definition on random files', () => {
  const DAY0 = parseIsoDay('2024-01-01')!;
  const rowArb = fc.record({
    symbol: fc.constantFrom('A', 'B', 'C'),
    day: fc.integer({ min: DAY0, max: DAY0 + 12 }),
    close: fc.constantFrom('10', '11.5', 'x', '-1', '0', ''),
  });

  test('with duplicates, backwards and future rows, and rows dropped after dating', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: DAY0 - 1, max: DAY0 + 13 }),
        fc.integer({ min: 1, max: 64 }),
        async (rows, runDay, chunkSize) => {
          const text = `symbol,date,close\n${rows.map((r) => `${r.symbol},${isoOf(r.day)},${r.close}`).join('\n')}\n`;
          // A row is accepted when it is not after the run day and its close is positive or missing.
          const accepted = rows.filter((r) => r.day <= runDay && !['x', '-1', '0'].includes(r.close));
          if (accepted.length === 0) {
            // A file none of whose rows is accepted is rejected, naming its first dropped row.
            await expect(read('random', text, runDay, chunkSize)).rejects.toMatchObject({
              code: 'no_accepted_rows',
              line: 2,
            });
            return;
          }
          const f = await read('random', text, runDay, chunkSize);
          expect(f.rowsAccepted).toBe(accepted.length);
          const expected = definition(rows, runDay);
          expect(f.quality.uniqueness).toBe(expected.uniqueness);
          expect(f.quality.timeliness).toBe(expected.timeliness);
        },
      ),
      { numRuns: 300 },
    );
  });
});
