/**
 * The Parquet layers read back by an independent reader: DuckDB (`@duckdb/node-api`) reads every file
 * FINML writes — silver, gold (whole and appended) and the risk-indicator table — with hive
 * partitioning, and every value equals the one FINML holds to the last bit (DOUBLE bit patterns
 * with −0 and subnormals, DATE days, INT32, BOOLEAN, strings with unicode, commas and quotes; NaN,
 * FINML's missing value, is null). FINML's own reader gives back the same bits.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, type DuckDBDateValue, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GoldSeries } from '#shared/data/gold';
import type { IndicatorTable } from '#shared/data/indicators';
import {
  appendGoldParquet,
  goldParquet,
  indicatorsParquet,
  readGoldParquet,
  readIndicatorsParquet,
  readSilverParquet,
  silverParquet,
} from '#shared/data/parquet-tables';
import { runDataPipeline } from '#shared/data/pipeline';
import { FLAGS, type SilverSeries } from '#shared/data/series';
import { goldColumns } from '#shared/data/tables';
import { keys } from '#shared/usecases/lake';
import { bronze, dataConfig, firstGoldRows, RUN_DAY } from '../../helpers/data.ts';
import { doubleWithBits, EDGE_DOUBLES } from '../../helpers/parquet.ts';

const SAMPLE = 'data/samples/sp500-2000.csv';
const LABELS = dataConfig().regimes.labels;

const EDGE = EDGE_DOUBLES;
/** A NaN with a payload and the sign bit set (not the canonical NaN): still "missing". */
const ODD_NAN = doubleWithBits(0xfff8_0000_dead_beefn);

const bits = (v: number) => new BigUint64Array(new Float64Array([v]).buffer)[0]!;

let dir: string;
let db: DuckDBInstance;
let duck: DuckDBConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'finml-parquet-'));
  db = await DuckDBInstance.create(':memory:');
  duck = await db.connect();
});
afterAll(() => {
  duck.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes bytes where `key` says, under a bucket folder; returns the path. */
function put(bucket: string, key: string, bytes: Uint8Array): string {
  const path = join(dir, bucket, ...key.split('/'));
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

/** DuckDB's rows of a query, column by column. */
async function columns(sql: string): Promise<Record<string, unknown[]>> {
  const result = await duck.runAndReadAll(sql);
  return result.getColumnsObject() as Record<string, unknown[]>;
}

/** Asserts DuckDB's doubles equal FINML's bit for bit; NaN (missing) must be null. */
function expectDoubles(read: unknown[], held: ArrayLike<number>, name: string): void {
  expect(read, name).toHaveLength(held.length);
  for (let i = 0; i < held.length; i++) {
    const v = held[i]!;
    if (Number.isNaN(v)) expect(read[i], `${name}[${i}]`).toBeNull();
    else expect(bits(read[i] as number), `${name}[${i}] = ${v}`).toBe(bits(v));
  }
}

/** Asserts FINML's reader gives back the same doubles bit for bit (every NaN read as NaN). */
function expectSameBits(read: ArrayLike<number>, held: ArrayLike<number>, name: string): void {
  expect(read.length, name).toBe(held.length);
  for (let i = 0; i < held.length; i++) {
    if (Number.isNaN(held[i]!)) expect(Number.isNaN(read[i]!), `${name}[${i}]`).toBe(true);
    else expect(bits(read[i]!), `${name}[${i}]`).toBe(bits(held[i]!));
  }
}

const days = (read: unknown[]) => read.map((d) => (d as DuckDBDateValue).days);

function silverSeries(symbol: string, n: number): SilverSeries {
  const f = (k: number) =>
    Float64Array.from({ length: n }, (_, i) => (i % 5 === k ? Number.NaN : EDGE[(i + k) % EDGE.length]!));
  const close = Float64Array.from({ length: n }, (_, i) => EDGE[i % EDGE.length]!);
  const open = f(0);
  open[3] = ODD_NAN;
  return {
    symbol,
    length: n,
    day: Int32Array.from({ length: n }, (_, i) => -400 + i * 7), // 1968 … : days before 1970 too
    open,
    high: f(1),
    low: f(2),
    close,
    adjclose: f(3),
    volume: f(4),
    line: new Int32Array(n),
    filled: Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)),
    flags: Uint8Array.from({ length: n }, (_, i) =>
      i % 4 === 0
        ? 0
        : i % 4 === 1
          ? FLAGS.negative_volume
          : FLAGS.high_below_low | FLAGS.low_above_open_close,
    ),
  };
}

describe('silver Parquet', () => {
  const symbol = 'Zürich, "AG"=1 ✓';
  const s = silverSeries(symbol, 40);

  test('DuckDB reads every column back as FINML holds it, bit for bit (NaN as null)', async () => {
    const path = put('silver', keys.silver(symbol), silverParquet(s));
    const c = await columns(`select * from read_parquet('${path}')`);
    expect(Object.keys(c)).toEqual([
      'date',
      'symbol',
      'open',
      'high',
      'low',
      'close',
      'adjclose',
      'volume',
      'close_filled',
      'flags',
    ]);
    expect(days(c.date!)).toEqual(Array.from(s.day));
    expect(new Set(c.symbol)).toEqual(new Set([symbol]));
    for (const f of ['open', 'high', 'low', 'close', 'adjclose', 'volume'] as const) {
      expectDoubles(c[f]!, s[f], f);
    }
    expect(c.close_filled).toEqual(Array.from(s.filled, (v) => v === 1));
    const both = 'low_above_open_close|high_below_low';
    expect(c.flags!.slice(0, 5)).toEqual(['', 'negative_volume', both, both, '']);
  });

  test('the types are DATE, DOUBLE, BOOLEAN and VARCHAR; close is NOT NULL, the other prices may be null', async () => {
    const path = put('silver', keys.silver(symbol), silverParquet(s));
    const c = await columns(
      `select name, type, repetition_type, converted_type from parquet_schema('${path}') where name <> 'schema'`,
    );
    const of = (n: string) => c.type![c.name!.indexOf(n)];
    expect(of('date')).toBe('INT32');
    expect(c.converted_type![c.name!.indexOf('date')]).toBe('DATE');
    expect(of('open')).toBe('DOUBLE');
    expect(of('close_filled')).toBe('BOOLEAN');
    expect(c.repetition_type![c.name!.indexOf('close')]).toBe('REQUIRED');
    expect(c.repetition_type![c.name!.indexOf('open')]).toBe('OPTIONAL');
    const encodings = await columns(
      `select path_in_schema, encodings from parquet_metadata('${path}') where path_in_schema in ('symbol', 'flags')`,
    );
    for (const e of encodings.encodings!) expect(String(e)).toContain('DICTIONARY');
  });

  test("FINML's reader gives back the same series", async () => {
    const read = await readSilverParquet(silverParquet(s), 'x');
    expect(read.symbol).toBe(symbol);
    expect(Array.from(read.day)).toEqual(Array.from(s.day));
    for (const f of ['open', 'high', 'low', 'close', 'adjclose', 'volume'] as const) {
      expectSameBits(read[f], s[f], f);
    }
    expect(Array.from(read.filled)).toEqual(Array.from(s.filled));
    expect(Array.from(read.flags)).toEqual(Array.from(s.flags));
  });
});

describe('gold Parquet', () => {
  let series: GoldSeries;
  beforeAll(async () => {
    const { gold } = await runDataPipeline([bronze(SAMPLE, readFileSync(SAMPLE))], new Map(), {
      config: dataConfig(),
      runDay: RUN_DAY,
    });
    series = gold.series[0]!;
    // Edge doubles in a feature column (what the writer and DuckDB must keep bit for bit).
    EDGE.filter(Number.isFinite).forEach((v, i) => {
      series.drawdown[10 + i] = v;
    });
  });

  test('DuckDB reads the hive-partitioned gold back, every column bit for bit', async () => {
    put('gold', keys.gold(series.symbol), goldParquet(series, LABELS));
    // A symbol a path must encode (keys.gold URL-encodes it: symbol=Z%C3%BCrich%2C%20%22AG%22%3D1).
    const odd = 'Zürich, "AG"=1';
    put('gold', keys.gold(odd), goldParquet({ ...series, symbol: odd }, LABELS));
    const c = await columns(
      `select * from read_parquet('${join(dir, 'gold', 'features')}/*/*.parquet', hive_partitioning=true) where symbol = '${series.symbol}' order by date`,
    );
    expect(Object.keys(c)).toEqual(goldColumns(Object.keys(series.scores)));
    expect(days(c.date!)).toEqual(Array.from(series.day));
    for (const name of ['price', 'log_return', 'realized_vol_21d', 'drawdown', 'risk_score'] as const) {
      expectDoubles(c[name]!, series[name], name);
    }
    for (const [f, values] of Object.entries(series.scores)) expectDoubles(c[`score_${f}`]!, values, f);
    expect(c.markov_state).toEqual(Array.from(series.markov_state));
    expect(c.regime_age).toEqual(Array.from(series.regime_age));
    expect(c.regime).toEqual(Array.from(series.markov_state, (k) => LABELS[k]));
    // The partition path and the column name the same symbol, however it is spelt.
    const counts = await columns(
      `select symbol, count(*)::INTEGER as n from read_parquet('${join(dir, 'gold', 'features')}/*/*.parquet', hive_partitioning=true) group by symbol order by symbol`,
    );
    expect(counts).toEqual({ symbol: [series.symbol, odd], n: [series.length, series.length] });
  });

  test("FINML's reader gives back the same bits", async () => {
    const [t] = await readGoldParquet(goldParquet(series, LABELS), 'gold');
    for (const name of ['price', 'log_return', 'realized_vol_21d', 'drawdown', 'risk_score'] as const) {
      expectSameBits(t![name], series[name], name);
    }
    expect(Array.from(t!.markov_state)).toEqual(Array.from(series.markov_state));
    expect(Array.from(t!.regime_age)).toEqual(Array.from(series.regime_age));
  });

  test('an append keeps the published bytes and reads back as the whole gold', async () => {
    const cut = 3000;
    const published = goldParquet(firstGoldRows(series, cut), LABELS);
    const appended = appendGoldParquet(published, series, LABELS, cut)!;
    const footer = new DataView(published.buffer, published.byteOffset).getUint32(published.length - 8, true);
    const dataEnd = published.length - 8 - footer;
    expect(
      Buffer.from(appended.subarray(0, dataEnd)).equals(Buffer.from(published.subarray(0, dataEnd))),
    ).toBe(true);
    const path = put('appended', 'features/symbol=APP/part-0000.parquet', appended);
    const c = await columns(`select * from read_parquet('${path}')`);
    expect(days(c.date!)).toEqual(Array.from(series.day));
    for (const name of ['price', 'drawdown', 'risk_score'] as const)
      expectDoubles(c[name]!, series[name], name);
    expect(c.regime_age).toEqual(Array.from(series.regime_age));
    const meta = await columns(
      `select count(distinct row_group_id)::INTEGER as groups from parquet_metadata('${path}')`,
    );
    expect(meta.groups).toEqual([2]);
    // The kept row group's footer entry (offsets, statistics) is the published one: the date range
    // statistics still prune right.
    const stats = (file: string) =>
      columns(
        `select row_group_id, stats_min_value, stats_max_value, data_page_offset from parquet_metadata('${file}') where path_in_schema = 'date' order by row_group_id`,
      );
    const before = await stats(put('appended', 'features/symbol=PUB/part-0000.parquet', published));
    const after = await stats(path);
    for (const k of Object.keys(before)) expect(after[k]!.slice(0, 1)).toEqual(before[k]);
    const pivot = series.day[cut + 10]!;
    const since = await columns(
      `select count(*)::INTEGER as n from read_parquet('${path}') where date >= DATE '1970-01-01' + INTERVAL ${pivot} DAY`,
    );
    expect(since.n).toEqual([series.length - cut - 10]);
    const until = await columns(
      `select count(*)::INTEGER as n from read_parquet('${path}') where date < DATE '1970-01-01' + INTERVAL ${series.day[100]!} DAY`,
    );
    expect(until.n).toEqual([100]);
  });

  test('indicator columns in gold are nullable doubles: missing before the first observation', async () => {
    const vix = Float64Array.from({ length: series.length }, (_, i) =>
      i < 5 ? Number.NaN : EDGE[i % EDGE.length]!,
    );
    const path = put(
      'ind-gold',
      'features/symbol=IND/part-0000.parquet',
      goldParquet({ ...series, indicators: { vix } }, LABELS),
    );
    const c = await columns(`select vix from read_parquet('${path}')`);
    expectDoubles(c.vix!, vix, 'vix');
  });

  test('an indicator named like a gold column is never written: the file would hold two columns of one name', () => {
    const regime = new Float64Array(series.length);
    expect(() => goldParquet({ ...series, indicators: { regime } }, LABELS)).toThrow(
      'a Parquet file would have two columns named "regime"',
    );
  });
});

describe('risk-indicator Parquet', () => {
  const table: IndicatorTable = {
    columns: ['vix', 'credit_spread'],
    length: 12,
    day: Int32Array.from({ length: 12 }, (_, i) => 18000 + i),
    values: [
      Float64Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? Number.NaN : EDGE[i]!)),
      Float64Array.from({ length: 12 }, (_, i) => (i === 2 ? ODD_NAN : -EDGE[i]!)),
    ],
  };

  test('DuckDB and FINML read the table back bit for bit, NaN as null', async () => {
    const path = put('silver', keys.indicators, indicatorsParquet(table));
    const c = await columns(`select * from read_parquet('${path}')`);
    expect(Object.keys(c)).toEqual(['date', 'vix', 'credit_spread']);
    expect(days(c.date!)).toEqual(Array.from(table.day));
    expectDoubles(c.vix!, table.values[0]!, 'vix');
    expectDoubles(c.credit_spread!, table.values[1]!, 'credit_spread');
    const read = await readIndicatorsParquet(indicatorsParquet(table), 'x');
    expect(read.columns).toEqual(table.columns);
    expectSameBits(read.values[0]!, table.values[0]!, 'vix');
    expectSameBits(read.values[1]!, table.values[1]!, 'credit_spread');
  });
});

describe('reading what is not FINML Parquet', () => {
  test('a CSV where Parquet is expected is rejected, naming the file', async () => {
    await expect(
      readSilverParquet(new TextEncoder().encode('date,close\n'), 'market/x.parquet'),
    ).rejects.toThrow(/market\/x\.parquet: not a Parquet file/);
  });

  test('a Parquet file without a gold column is rejected, naming the column', async () => {
    const silver = silverParquet(silverSeries('S', 3));
    await expect(readGoldParquet(silver, 'g.parquet')).rejects.toThrow(
      /g\.parquet: not a FINML gold file: no "markov_state" column/,
    );
  });
});
