/**
 * The Glue tables over the silver and gold layers, and the named queries a user starts from — as
 * plain data, so the stack (infra/constructs/catalog.ts) and the tests (which run every query with
 * DuckDB over a Parquet fixture laid out like the lake) read the same definitions.
 *
 * Two tables per layer (docs/decisions/0021-athena-tables-over-the-lake.md):
 * - `silver` / `gold`: unpartitioned over the layer's prefix; Athena reads every file under it, and
 *   `symbol` is the column inside the files. For queries across symbols.
 * - `silver_by_symbol` / `gold_by_symbol`: the same columns plus the partition key `symbol_key`,
 *   projected with Athena's `injected` type (no crawler, no partitions to register): a query must
 *   name its symbols (`WHERE symbol_key = 'SPX'`) and then reads only their folders.
 */
import { readFileSync } from 'node:fs';
import type { DataConfig } from '#config/schema';
import { weightedFeatures } from '#shared/data/gold';
import { goldColumns, SILVER_COLUMNS } from '#shared/data/tables';
import { keys } from '#shared/usecases/lake';

/** Glue (Hive) column types used by the lake's tables. */
export type GlueType = 'date' | 'string' | 'double' | 'int' | 'boolean';

export interface Column {
  readonly name: string;
  readonly type: GlueType;
  readonly comment: string;
}

export interface LakeTable {
  readonly name: string;
  readonly description: string;
  readonly layer: 'silver' | 'gold';
  /** Key prefix in the layer's bucket, with its trailing slash (e.g. `features/`). */
  readonly prefix: string;
  readonly columns: readonly Column[];
  /** Partitioned by `symbol_key` with an injected projection. */
  readonly bySymbol: boolean;
}

/** The partition key of the per-symbol tables: the folder name's value, `symbol=<this>/`. */
export const SYMBOL_KEY = 'symbol_key';

const SILVER_TYPES: Record<string, GlueType> = {
  date: 'date',
  symbol: 'string',
  close_filled: 'boolean',
  flags: 'string',
};
const GOLD_TYPES: Record<string, GlueType> = {
  date: 'date',
  symbol: 'string',
  regime: 'string',
  markov_state: 'int',
  regime_age: 'int',
};
const COMMENTS: Record<string, string> = {
  date: 'trading day (UTC)',
  symbol: 'the symbol, as in the input files',
  close_filled: 'true when the close was forward-filled',
  flags: "quality flags, names joined by '|' (empty when none)",
  price: 'adjusted close when present, else close',
  risk_score: 'weighted mean of the feature scores',
  regime: 'regime label',
  markov_state: 'regime index (0 = lowest risk)',
  regime_age: 'days in the current regime, 1 on the day it was entered',
};

const columns = (names: readonly string[], types: Record<string, GlueType>): Column[] =>
  names.map((name) => ({
    name,
    type: types[name] ?? 'double',
    comment: COMMENTS[name] ?? (name.startsWith('score_') ? 'ECDF score of the feature (0 to 1)' : ''),
  }));

/**
 * The tables, from the data config the stack bundles: gold has a `score_<feature>` column per
 * weighted feature. Gold's optional risk-indicator columns are not listed (their names come from
 * the user's files); Parquet is read by column name, so the files may carry columns a table omits.
 */
export function lakeTables(data: DataConfig): LakeTable[] {
  const silver = columns(SILVER_COLUMNS, SILVER_TYPES);
  const gold = columns(goldColumns(weightedFeatures(data)), GOLD_TYPES);
  return [
    {
      name: 'silver',
      description: 'FINML silver: cleaned daily prices of every symbol (one Parquet file per symbol)',
      layer: 'silver',
      prefix: keys.silverPrefix,
      columns: silver,
      bySymbol: false,
    },
    {
      name: 'silver_by_symbol',
      description: `FINML silver, partitioned by symbol: every query must name its ${SYMBOL_KEY} values`,
      layer: 'silver',
      prefix: keys.silverPrefix,
      columns: silver,
      bySymbol: true,
    },
    {
      name: 'gold',
      description: 'FINML gold: features, scores and regimes of every symbol (one Parquet file per symbol)',
      layer: 'gold',
      prefix: keys.goldPrefix,
      columns: gold,
      bySymbol: false,
    },
    {
      name: 'gold_by_symbol',
      description: `FINML gold, partitioned by symbol: every query must name its ${SYMBOL_KEY} values`,
      layer: 'gold',
      prefix: keys.goldPrefix,
      columns: gold,
      bySymbol: true,
    },
  ];
}

export interface NamedQuery {
  /** Construct id and file stem (infra/athena/<file>.sql). */
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

const QUERIES: readonly Omit<NamedQuery, 'sql'>[] = [
  {
    file: 'latest-regime-per-symbol',
    name: 'FINML: latest regime per symbol',
    description: "Each symbol's newest gold day: regime, days in it, risk score",
  },
  {
    file: 'high-periods',
    name: 'FINML: High periods',
    description: 'Every run of the High regime per symbol: first and last day, length, still going on',
  },
  {
    file: 'regime-counts-per-year',
    name: 'FINML: regime counts per year',
    description: 'Gold days per symbol, calendar year and regime, with their share of the year',
  },
  {
    file: 'quality-flags-per-symbol',
    name: 'FINML: data quality flags per symbol',
    description: 'Silver per symbol: date range, forward-filled closes, days per quality flag',
  },
  {
    file: 'symbol-history',
    name: "FINML: one symbol's regime history",
    description: 'Gold rows of one symbol from its partition only; parameter: the symbol key',
  },
];

/** A query file with a placeholder left over, or naming one this loader does not know. */
export class NamedQueryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NamedQueryError';
  }
}

/** SQL string literal (single quotes doubled). */
export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * The named queries, read from infra/athena/*.sql at synth. `{{HIGH_LABEL}}` becomes the config's
 * highest-risk label as a SQL string.
 */
export function namedQueries(data: DataConfig, dir: URL = new URL('./', import.meta.url)): NamedQuery[] {
  const values: Record<string, string> = { HIGH_LABEL: sqlString(data.regimes.labels.at(-1)!) };
  return QUERIES.map((q) => {
    const path = new URL(`${q.file}.sql`, dir);
    const text = readFileSync(path, 'utf8');
    const sql = text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new NamedQueryError(`${path.pathname}: unknown placeholder {{${name}}}`);
      return value;
    });
    return { ...q, sql: sql.trim() };
  });
}
