/**
 * The named queries (infra/athena/*.sql, as the stack loads them) run with DuckDB over a tiny
 * Parquet fixture laid out like the lake: `features/symbol=<URL-encoded symbol>/part-0000.parquet`,
 * the symbol also a column in the file. DuckDB stands in for Athena (Trino): the queries use only
 * SQL both engines share (window functions, count_if, strpos, year, ? parameters). Each table is a
 * DuckDB view over the files with the Glue table's columns, read by name as Athena reads Parquet;
 * the per-symbol tables' symbol_key is the folder's value, as the injected projection resolves it.
 * Not run against Athena itself (there is no AWS account here).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { FLAGS } from '#shared/data/series';
import {
  type GlueType,
  lakeTables,
  NamedQueryError,
  namedQueries,
  SYMBOL_KEY,
  sqlString,
} from '../../infra/athena/lake-tables.ts';

const data = loadConfig().config.data;
const [LOW, MEDIUM, HIGH] = data.regimes.labels as [string, string, string];
const DUCKDB_TYPES: Record<GlueType, string> = {
  date: 'DATE',
  string: 'VARCHAR',
  double: 'DOUBLE',
  int: 'INTEGER',
  boolean: 'BOOLEAN',
};

/** Gold rows per symbol: [date, regime index, regime_age]. */
const GOLD: Record<string, [string, number, number][]> = {
  SPX: [
    ['2023-12-27', 0, 1],
    ['2023-12-28', 0, 2],
    ['2023-12-29', 2, 1],
    ['2024-01-02', 2, 2],
    ['2024-01-03', 1, 1],
    ['2024-01-04', 2, 1],
    ['2024-01-05', 2, 2],
    ['2024-01-08', 2, 3],
  ],
  '^GSPC': [
    ['2024-03-01', 2, 1],
    ['2024-03-04', 2, 2],
    ['2024-03-05', 0, 1],
  ],
  AAA: [
    ['2024-02-01', 0, 1],
    ['2024-02-02', 0, 2],
  ],
};
/** Silver rows per symbol: [date, close_filled, flags (null = missing)]. */
const SILVER: Record<string, [string, number, string | null][]> = {
  SPX: [
    ['2024-01-02', 0, ''],
    ['2024-01-03', 1, 'negative_volume'],
    ['2024-01-04', 0, 'high_below_open_close|high_below_low'],
    ['2024-01-05', 0, ''],
  ],
  AAA: [
    ['2024-02-01', 0, null],
    ['2024-02-02', 0, 'low_above_open_close'],
  ],
};

let dir: string;
let instance: DuckDBInstance;
let db: DuckDBConnection;

/** Result rows as plain values: dates as ISO days, BIGINT counts as numbers. */
async function rows(sql: string, params: string[] = []): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(sql, params);
  return reader
    .getRowObjectsJS()
    .map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [
          k,
          v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === 'bigint' ? Number(v) : v,
        ]),
      ),
    );
}

const query = (file: string) => {
  const q = namedQueries(data).find((n) => n.file === file);
  if (!q) throw new Error(`no named query ${file}`);
  return q.sql;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'finml-athena-'));
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  for (const table of lakeTables(data).filter((t) => !t.bySymbol)) {
    const root = join(dir, table.layer, table.prefix);
    const columns = table.columns.map((c) => `"${c.name}" ${DUCKDB_TYPES[c.type]}`).join(', ');
    await db.run(`CREATE TABLE staged (${columns})`);
    const fixture = table.layer === 'gold' ? GOLD : SILVER;
    for (const [symbol, days] of Object.entries(fixture)) {
      for (const [i, row] of days.entries()) {
        const values = table.columns.map((c) => {
          if (c.name === 'date') return `DATE '${row[0]}'`;
          if (c.name === 'symbol') return sqlString(symbol);
          if (c.name === 'regime') return sqlString(data.regimes.labels[row[1] as number]!);
          if (c.name === 'markov_state') return String(row[1]);
          if (c.name === 'regime_age') return String(row[2]);
          if (c.name === 'close_filled') return row[1] === 1 ? 'true' : 'false';
          if (c.name === 'flags') return row[2] === null ? 'NULL' : sqlString(row[2] as string);
          return String(100 + i / 8); // the doubles: prices, features, scores
        });
        await db.run(`INSERT INTO staged VALUES (${values.join(', ')})`);
      }
      // One file per symbol, under its URL-encoded folder (shared/usecases/lake.ts keys).
      const folder = join(root, `symbol=${encodeURIComponent(symbol)}`);
      mkdirSync(folder, { recursive: true });
      await db.run(
        `COPY (SELECT * FROM staged WHERE symbol = ${sqlString(symbol)} ORDER BY "date") TO ${sqlString(join(folder, 'part-0000.parquet'))} (FORMAT parquet)`,
      );
    }
    await db.run('DROP TABLE staged');
  }
  for (const table of lakeTables(data)) {
    const files = sqlString(join(dir, table.layer, table.prefix, '*', '*.parquet'));
    const columns = table.columns.map((c) => `"${c.name}"`).join(', ');
    const key = table.bySymbol ? `, regexp_extract(filename, 'symbol=([^/]+)/', 1) AS ${SYMBOL_KEY}` : '';
    await db.run(
      `CREATE VIEW ${table.name} AS SELECT ${columns}${key} FROM read_parquet(${files}, hive_partitioning = false, filename = true)`,
    );
  }
}, 60_000);

afterAll(() => {
  db?.closeSync();
  instance?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('named queries on DuckDB over a Parquet fixture in the lake layout', () => {
  test('the fixture has the Glue tables’ column types, read by name', async () => {
    const described = await rows('DESCRIBE gold');
    const gold = lakeTables(data).find((t) => t.name === 'gold')!;
    expect(described.map((d) => `${d.column_name} ${d.column_type}`)).toEqual(
      gold.columns.map((c) => `${c.name} ${DUCKDB_TYPES[c.type]}`),
    );
  });

  test('latest regime per symbol: the newest day of each symbol, with its age', async () => {
    expect(await rows(query('latest-regime-per-symbol'))).toEqual([
      expect.objectContaining({ symbol: 'AAA', date: '2024-02-02', regime: LOW, regime_age: 2 }),
      expect.objectContaining({ symbol: 'SPX', date: '2024-01-08', regime: HIGH, regime_age: 3 }),
      expect.objectContaining({ symbol: '^GSPC', date: '2024-03-05', regime: LOW, regime_age: 1 }),
    ]);
  });

  test('High periods: each maximal run with first and last day, length, and whether it is ongoing', async () => {
    expect(await rows(query('high-periods'))).toEqual([
      { symbol: 'SPX', start_date: '2023-12-29', end_date: '2024-01-02', days: 2, ongoing: false },
      { symbol: 'SPX', start_date: '2024-01-04', end_date: '2024-01-08', days: 3, ongoing: true },
      { symbol: '^GSPC', start_date: '2024-03-01', end_date: '2024-03-04', days: 2, ongoing: false },
    ]);
  });

  test('regime counts per year: days and share per symbol, calendar year and regime', async () => {
    expect(await rows(query('regime-counts-per-year'))).toEqual([
      { symbol: 'AAA', calendar_year: 2024, regime: LOW, days: 2, share: 1 },
      { symbol: 'SPX', calendar_year: 2023, regime: HIGH, days: 1, share: 0.3333 },
      { symbol: 'SPX', calendar_year: 2023, regime: LOW, days: 2, share: 0.6667 },
      { symbol: 'SPX', calendar_year: 2024, regime: HIGH, days: 4, share: 0.8 },
      { symbol: 'SPX', calendar_year: 2024, regime: MEDIUM, days: 1, share: 0.2 },
      { symbol: '^GSPC', calendar_year: 2024, regime: HIGH, days: 2, share: 0.6667 },
      { symbol: '^GSPC', calendar_year: 2024, regime: LOW, days: 1, share: 0.3333 },
    ]);
  });

  test('quality flags per symbol: filled closes and days per flag (empty or missing flags count as none)', async () => {
    expect(await rows(query('quality-flags-per-symbol'))).toEqual([
      {
        symbol: 'AAA',
        first_date: '2024-02-01',
        last_date: '2024-02-02',
        days: 2,
        closes_filled: 0,
        flagged_days: 1,
        high_below_open_close: 0,
        low_above_open_close: 1,
        negative_volume: 0,
        high_below_low: 0,
      },
      {
        symbol: 'SPX',
        first_date: '2024-01-02',
        last_date: '2024-01-05',
        days: 4,
        closes_filled: 1,
        flagged_days: 2,
        high_below_open_close: 1,
        low_above_open_close: 0,
        negative_volume: 1,
        high_below_low: 1,
      },
    ]);
  });

  test('the quality query counts every flag silver can carry', () => {
    const sql = query('quality-flags-per-symbol');
    for (const flag of Object.keys(FLAGS)) expect(sql).toContain(`'|${flag}|'`);
  });

  test("one symbol's history reads the partition named by its URL-encoded key", async () => {
    const gspc = await rows(query('symbol-history'), [encodeURIComponent('^GSPC')]);
    expect(gspc.map((r) => [r.date, r.regime, r.regime_age])).toEqual([
      ['2024-03-01', HIGH, 1],
      ['2024-03-04', HIGH, 2],
      ['2024-03-05', LOW, 1],
    ]);
    expect(await rows(query('symbol-history'), ['^GSPC'])).toEqual([]); // the raw symbol is not the key
    expect(await rows(query('symbol-history'), ['SPX'])).toHaveLength(GOLD.SPX!.length);
  });
});

test('a query file with an unknown placeholder fails the synth, naming the file and the placeholder', () => {
  const copy = mkdtempSync(join(tmpdir(), 'finml-athena-sql-'));
  try {
    cpSync(new URL('../../infra/athena/', import.meta.url), copy, { recursive: true });
    writeFileSync(join(copy, 'high-periods.sql'), 'SELECT * FROM gold WHERE regime = {{HIGHEST}}\n');
    const load = () => namedQueries(data, new URL(`file://${copy}/`));
    expect(load).toThrow(NamedQueryError);
    expect(load).toThrow(/high-periods\.sql: unknown placeholder \{\{HIGHEST\}\}/);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
