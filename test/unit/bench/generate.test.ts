/** The benchmark's bronze generator: deterministic, the asked shape, consistent prices, valid bronze. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { readBronzeMarketFile } from '#shared/data/bronze';
import { formatIsoDay, parseIsoDay } from '#shared/data/values';
import {
  BRONZE_COLUMNS,
  type BronzeGeneratorOptions,
  bronzeCsvChunks,
  businessDays,
  GeneratorOptionsError,
  REGIME_MODEL,
  symbolName,
  weekday,
  writeBronzeCsv,
} from '../../../bench/generate.ts';
import { bronze, dataConfig } from '../../helpers/data.ts';

const csv = (options: BronzeGeneratorOptions) => [...bronzeCsvChunks(options)].join('');

interface Row {
  symbol: string;
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  adjclose: number;
  volume: number;
  text: string;
}

function rowsOf(text: string): Row[] {
  const lines = text.trimEnd().split('\n').slice(1);
  return lines.map((line) => {
    const [symbol, date, open, high, low, close, adjclose, volume] = line.split(',');
    return {
      symbol: symbol!,
      date: date!,
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
      adjclose: Number(adjclose),
      volume: Number(volume),
      text: line,
    };
  });
}

/** Violations of the price rules in one row (empty when consistent). */
function violations(r: Row): string[] {
  const out: string[] = [];
  if (!(r.high >= Math.max(r.open, r.close))) out.push('high < max(open, close)');
  if (!(r.low <= Math.min(r.open, r.close))) out.push('low > min(open, close)');
  if (!(r.low > 0)) out.push('low <= 0');
  if (!(r.adjclose > 0 && r.adjclose <= r.close)) out.push('adjclose not in (0, close]');
  if (!(Number.isInteger(r.volume) && r.volume >= 0)) out.push('volume not a non-negative integer');
  return out;
}

const lastDayOf = (days: number) => businessDays('2000-01-03', days)[days - 1]!;

describe('bronzeCsvChunks', () => {
  test('the same seed gives the same bytes', () => {
    expect(csv({ symbols: 7, days: 40, seed: 42 })).toBe(csv({ symbols: 7, days: 40, seed: 42 }));
  });

  test('a different seed gives a different file', () => {
    expect(csv({ symbols: 7, days: 40, seed: 1 })).not.toBe(csv({ symbols: 7, days: 40, seed: 2 }));
  });

  test('the chunk size does not change the text', () => {
    const options = { symbols: 5, days: 30, seed: 3 };
    expect(csv({ ...options, rowsPerChunk: 1 })).toBe(csv({ ...options, rowsPerChunk: 8192 }));
  });

  test('every chunk after the header holds whole rows', () => {
    const chunks = [...bronzeCsvChunks({ symbols: 3, days: 10, seed: 1, rowsPerChunk: 4 })];
    expect(chunks[0]).toBe(`${BRONZE_COLUMNS.join(',')}\n`);
    expect(chunks.slice(1).map((c) => c.split('\n').length - 1)).toEqual([4, 4, 4, 4, 4, 4, 4, 2]);
    expect(chunks.every((c) => c.endsWith('\n'))).toBe(true);
  });

  test('writes the header and symbols × days rows', () => {
    const text = csv({ symbols: 13, days: 77, seed: 5 });
    expect(text.split('\n')[0]).toBe('symbol,date,open,high,low,close,adjclose,volume');
    expect(rowsOf(text)).toHaveLength(13 * 77);
  });

  test('orders rows by date, then symbol, with every symbol on every date', () => {
    const rows = rowsOf(csv({ symbols: 4, days: 6, seed: 1 }));
    const dates = Array.from(businessDays('2000-01-03', 6), formatIsoDay);
    expect(rows.map((r) => `${r.date} ${r.symbol}`)).toEqual(
      dates.flatMap((d) => ['S0001', 'S0002', 'S0003', 'S0004'].map((s) => `${d} ${s}`)),
    );
  });

  test('dates are weekdays from 2000-01-03', () => {
    const rows = rowsOf(csv({ symbols: 1, days: 30, seed: 1 }));
    expect(rows[0]!.date).toBe('2000-01-03');
    expect(rows.every((r) => weekday(parseIsoDay(r.date)!) < 5)).toBe(true);
    expect(rows.map((r) => r.date)).toContain('2000-01-07'); // a Friday
    expect(rows.map((r) => r.date)).not.toContain('2000-01-08'); // the Saturday after it
  });

  test('prices are consistent on every row', () => {
    const rows = rowsOf(csv({ symbols: 20, days: 1500, seed: 9 }));
    const bad = rows.filter((r) => violations(r).length > 0);
    expect(bad.map((r) => `${r.text}: ${violations(r).join(', ')}`)).toEqual([]);
  });

  test('adjclose equals close on the last day and is below it before an ex-dividend date', () => {
    const days = 200;
    const rows = rowsOf(csv({ symbols: 3, days, seed: 4 }));
    const last = rows.slice(-3);
    expect(last.map((r) => r.adjclose)).toEqual(last.map((r) => r.close));
    const first = rows.slice(0, 3);
    expect(first.every((r) => r.adjclose < r.close)).toBe(true); // 3 ex-dates follow, yields > 0
  });

  test('the walk switches regimes: its 21-day volatility is spread far wider than one regime gives', () => {
    const rows = rowsOf(csv({ symbols: 1, days: 3000, seed: 11 }));
    const returns = rows.slice(1).map((r, i) => Math.log(r.adjclose / rows[i]!.adjclose));
    const vols: number[] = [];
    for (let t = 21; t <= returns.length; t++) {
      const w = returns.slice(t - 21, t);
      const mean = w.reduce((a, b) => a + b, 0) / w.length;
      vols.push(Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / (w.length - 1)));
    }
    vols.sort((a, b) => a - b);
    // One volatility regime gives p95 / p10 ≈ 1.6 over 21-day windows; three regimes spread it.
    const p10 = vols[Math.floor(vols.length * 0.1)]!;
    const p95 = vols[Math.floor(vols.length * 0.95)]!;
    expect(p95 / p10).toBeGreaterThan(2.5);
  });

  test('rejects options that are not positive integers', () => {
    expect(() => csv({ symbols: 0, days: 5, seed: 1 })).toThrow(GeneratorOptionsError);
    expect(() => csv({ symbols: 2, days: 2.5, seed: 1 })).toThrow(GeneratorOptionsError);
    expect(() => csv({ symbols: 2, days: 5, seed: Number.NaN })).toThrow(GeneratorOptionsError);
    expect(() => csv({ symbols: 2, days: 5, seed: 1, rowsPerChunk: 0 })).toThrow(GeneratorOptionsError);
  });
});

describe('the generated file as FINML bronze', () => {
  test('is accepted whole: no dropped row, every quality component at 1', async () => {
    const symbols = 25;
    const days = 400;
    const file = await readBronzeMarketFile(bronze('dump.csv', csv({ symbols, days, seed: 7 })), {
      config: dataConfig(),
      runDay: lastDayOf(days),
    });
    expect(file.rowsIn).toBe(symbols * days);
    expect(file.rowsAccepted).toBe(symbols * days);
    expect(Object.values(file.dropped).every((n) => n === 0)).toBe(true);
    expect(file.volumeInvalidAsMissing).toBe(0);
    expect(file.series).toHaveLength(symbols);
    expect(file.quality).toMatchObject({ completeness: 1, validity: 1, uniqueness: 1, timeliness: 1 });
  });

  test('any small shape and seed is accepted with zero drops', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        async (symbols, days, seed) => {
          const text = csv({ symbols, days, seed });
          const file = await readBronzeMarketFile(bronze('p.csv', text, 977), {
            config: dataConfig(),
            runDay: lastDayOf(days),
          });
          expect(file.rowsAccepted).toBe(symbols * days);
          expect(file.quality.validity).toBe(1);
          expect(rowsOf(text).flatMap(violations)).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('businessDays and symbolName', () => {
  test('a Friday is followed by the Monday', () => {
    const days = Array.from(businessDays('2000-01-06', 3), formatIsoDay);
    expect(days).toEqual(['2000-01-06', '2000-01-07', '2000-01-10']);
  });

  test('rejects a start date on a weekend or not a date', () => {
    expect(() => businessDays('2000-01-08', 3)).toThrow(GeneratorOptionsError);
    expect(() => businessDays('2000-02-30', 3)).toThrow(GeneratorOptionsError);
  });

  test('symbol names are zero-padded so that they sort in generation order', () => {
    expect(symbolName(0, 200)).toBe('S0001');
    expect(symbolName(199, 200)).toBe('S0200');
    expect(symbolName(0, 12_000)).toBe('S00001');
  });

  test('each row of the transition matrix is a probability distribution', () => {
    for (const row of REGIME_MODEL.transition) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('writeBronzeCsv', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('writes the generated text to the file and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'finml-gen-'));
    dirs.push(dir);
    const options = { symbols: 6, days: 50, seed: 8, rowsPerChunk: 16 };
    const written = await writeBronzeCsv(join(dir, 'sub', 'b.csv'), options);
    const text = await readFile(join(dir, 'sub', 'b.csv'), 'utf8');
    expect(text).toBe(csv(options));
    expect(written).toEqual({ path: join(dir, 'sub', 'b.csv'), rows: 300, bytes: Buffer.byteLength(text) });
    expect(await readdir(join(dir, 'sub'))).toEqual(['b.csv']);
  });
});
