/** Invariants of the data layers, checked on random inputs (fast-check). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { consistencyFlags, isInconsistent, readBronzeMarketFile } from '#shared/data/bronze';
import { computeFeatures, referenceSample, scoreRegimes } from '#shared/data/gold';
import type { SilverSeries } from '#shared/data/series';
import { cleanSeries } from '#shared/data/silver';
import { bronze, dataConfig, isoOf, RUN_DAY } from '../../helpers/data.ts';

type Row = { day: number; close: number | null; volume: number };

const rowsArb = fc
  .uniqueArray(fc.integer({ min: 18_000, max: 18_400 }), { minLength: 30, maxLength: 120 })
  .chain((days) =>
    fc.tuple(
      fc.constant(days),
      fc.array(fc.option(fc.double({ min: 1, max: 1000, noNaN: true }), { freq: 12, nil: null }), {
        minLength: days.length,
        maxLength: days.length,
      }),
      fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: days.length, maxLength: days.length }),
    ),
  )
  .map(([days, closes, volumes]) =>
    days.map((day, i): Row => ({ day, close: closes[i]!, volume: volumes[i]! })),
  );

const toCsv = (rows: Row[], eol = '\n') =>
  ['date,close,volume', ...rows.map((r) => `${isoOf(r.day)},${r.close ?? ''},${r.volume}`)].join(eol) + eol;

async function silver(text: string | Uint8Array): Promise<SilverSeries> {
  const f = await readBronzeMarketFile(bronze('P.csv', text, 97), { config: dataConfig(), runDay: RUN_DAY });
  return cleanSeries(f.series[0]!, dataConfig()).series;
}

/** The silver values, without the bronze line numbers (which shuffling legitimately changes). */
const values = (s: SilverSeries) => ({
  day: Array.from(s.day),
  close: Array.from(s.close),
  volume: Array.from(s.volume),
  filled: Array.from(s.filled),
  flags: Array.from(s.flags),
});

describe('silver invariants', () => {
  test('shuffling the rows does not change silver', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, fc.infiniteStream(fc.nat()), async (rows, stream) => {
        const shuffled = [...rows];
        const rand = stream[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = rand.next().value! % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(values(await silver(toCsv(shuffled)))).toEqual(values(await silver(toCsv(rows))));
      }),
      { numRuns: 60 },
    );
  });

  test('appending duplicates of earlier rows does not change silver', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, fc.array(fc.nat(), { maxLength: 10 }), async (rows, picks) => {
        const dupes = picks.map((k) => rows[k % rows.length]!);
        expect(values(await silver(toCsv([...rows, ...dupes])))).toEqual(values(await silver(toCsv(rows))));
      }),
      { numRuns: 60 },
    );
  });

  test('a UTF-8 BOM with CRLF line ends gives the identical result to the clean file', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, async (rows) => {
        expect(values(await silver(`\uFEFF${toCsv(rows, '\r\n')}`))).toEqual(
          values(await silver(toCsv(rows))),
        );
      }),
      { numRuns: 30 },
    );
  });
});

describe('gold invariants', () => {
  test('gold at date t never depends on rows after t (features, and scores on a fixed reference)', async () => {
    const config = dataConfig();
    await fc.assert(
      fc.asyncProperty(rowsArb, fc.integer({ min: 1, max: 60 }), async (rows, cut) => {
        const full = await silver(toCsv(rows));
        const fullFeatures = computeFeatures(full, config);
        if (fullFeatures.length === 0) return;
        const reference = referenceSample(fullFeatures, config); // fixed, as a model's stored reference
        const keep = Math.max(1, full.length - cut);
        const prefix: SilverSeries = sliceSilver(full, keep);
        const a = scoreRegimes(fullFeatures, reference, config);
        const b = scoreRegimes(computeFeatures(prefix, config), reference, config);
        for (const column of [
          'day',
          'price',
          'log_return',
          'realized_vol_21d',
          'drawdown',
          'risk_score',
          'markov_state',
        ] as const) {
          expect(Array.from(b[column])).toEqual(Array.from(a[column].subarray(0, b.length)));
        }
      }),
      { numRuns: 60 },
    );
  });
});

function sliceSilver(s: SilverSeries, n: number): SilverSeries {
  const cut = <A extends { subarray(a: number, b: number): A }>(a: A) => a.subarray(0, n);
  return {
    ...s,
    length: n,
    day: cut(s.day),
    line: cut(s.line),
    open: cut(s.open),
    high: cut(s.high),
    low: cut(s.low),
    close: cut(s.close),
    adjclose: cut(s.adjclose),
    volume: cut(s.volume),
    filled: cut(s.filled),
    flags: cut(s.flags),
  };
}

describe('the consistency rule, on a row and on five values', () => {
  test('isInconsistent(row) is consistencyFlags of its values, NaN (missing) included', () => {
    const value = fc.oneof(fc.constantFrom(Number.NaN, 0, -0, -1, 1, 2), fc.double({ noNaN: true }));
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 6, maxLength: 6 }),
        ([open, high, low, close, adj, volume]) => {
          const row = Float64Array.of(open!, high!, low!, close!, adj!, volume!);
          expect(isInconsistent(row)).toBe(consistencyFlags(open!, high!, low!, close!, volume!));
          // DOMAIN §2's wording: high below max(open, close), low above min(open, close), of the cells present.
          const present = [open!, close!].filter((v) => !Number.isNaN(v));
          const expected =
            (present.length > 0 && high! < Math.max(...present) ? 1 : 0) |
            (present.length > 0 && low! > Math.min(...present) ? 2 : 0) |
            (volume! < 0 ? 4 : 0) |
            (high! < low! ? 8 : 0);
          expect(consistencyFlags(open!, high!, low!, close!, volume!)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
