// Anchor of the pipeline benchmark: the bronze → silver → gold work of `finml pipeline` in DuckDB
// (@duckdb/node-api, in process), the same steps as bench/anchors/polars.mjs (see there, including
// the one difference from FINML: scores are the empirical CDF over the symbol's whole post-warm-up
// history — window rank functions ignore frames — not the point-in-time expanding CDF).
//
//   node bench/anchors/duckdb.mjs BRONZE.csv OUT_DIR RUN_DATE(YYYY-MM-DD)
//
// Both layers are written as Snappy Parquet, Hive-partitioned by symbol (the symbol column kept in
// the files too, as FINML does). Prints one JSON line like polars.mjs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, version } from '@duckdb/node-api';

const started = performance.now();
const [file, out, runDate] = process.argv.slice(2);
if (!file || !out || !runDate) throw new Error('usage: duckdb.mjs BRONZE.csv OUT_DIR RUN_DATE');
if (!/^\d{4}-\d{2}-\d{2}$/.test(runDate)) throw new Error(`not a date: ${runDate}`);
const quote = (s) => `'${s.replaceAll("'", "''")}'`;

const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
mkdirSync(join(out, 'silver'), { recursive: true });
mkdirSync(join(out, 'gold'), { recursive: true });

await db.run(`
  CREATE TEMP TABLE silver AS
  WITH bronze AS (
    SELECT *, row_number() OVER () AS line
    FROM read_csv(${quote(file)}, header = true, columns = {
      'symbol': 'VARCHAR', 'date': 'VARCHAR', 'open': 'DOUBLE', 'high': 'DOUBLE', 'low': 'DOUBLE',
      'close': 'DOUBLE', 'adjclose': 'DOUBLE', 'volume': 'DOUBLE'})
  ),
  valid AS (
    SELECT symbol, try_strptime(date, '%Y-%m-%d')::DATE AS date, open, high, low, close, adjclose, volume, line
    FROM bronze
    WHERE try_strptime(date, '%Y-%m-%d') IS NOT NULL
      AND coalesce(open, 1) > 0 AND coalesce(high, 1) > 0 AND coalesce(low, 1) > 0
      AND coalesce(close, 1) > 0 AND coalesce(adjclose, 1) > 0
      AND try_strptime(date, '%Y-%m-%d')::DATE <= DATE ${quote(runDate)}
  ),
  latest AS (
    -- The last row in file order wins on a (symbol, date) clash.
    SELECT * FROM valid QUALIFY row_number() OVER (PARTITION BY symbol, date ORDER BY line DESC) = 1
  ),
  filled AS (
    SELECT *,
      CAST(close IS NULL AS INTEGER) AS close_filled,
      -- Forward fill of at most 3 missing closes: the last close among the 3 rows before.
      coalesce(close, last_value(close IGNORE NULLS) OVER (
        PARTITION BY symbol ORDER BY date ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING)) AS filled_close
    FROM latest
  )
  SELECT date, symbol, open, high, low, filled_close AS close, adjclose, volume, close_filled,
    CASE WHEN high < low THEN 'high_below_low' WHEN volume < 0 THEN 'negative_volume' ELSE '' END AS flags
  FROM filled
  WHERE filled_close IS NOT NULL
  ORDER BY symbol, date
`);
await db.run(
  `COPY silver TO ${quote(join(out, 'silver', 'market'))} (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (symbol), WRITE_PARTITION_COLUMNS true, OVERWRITE_OR_IGNORE true)`,
);

await db.run(`
  CREATE TEMP TABLE gold AS
  WITH priced AS (
    SELECT symbol, date, coalesce(adjclose, close) AS price,
      row_number() OVER (PARTITION BY symbol ORDER BY date) - 1 AS row
    FROM silver
  ),
  returns AS (
    SELECT *, ln(price / lag(price) OVER (PARTITION BY symbol ORDER BY date)) AS log_return FROM priced
  ),
  features AS (
    SELECT *,
      CASE WHEN row >= 21 THEN stddev_samp(log_return) OVER (
        PARTITION BY symbol ORDER BY date ROWS BETWEEN 20 PRECEDING AND CURRENT ROW) * sqrt(252) END
        AS realized_vol_21d,
      1 - price / max(price) OVER (PARTITION BY symbol ORDER BY date ROWS UNBOUNDED PRECEDING) AS drawdown
    FROM returns
  ),
  scored AS (
    SELECT *,
      -- rank "max": the count of values <= this one (cume_dist counts peers as <=).
      cume_dist() OVER (PARTITION BY symbol ORDER BY realized_vol_21d) AS score_realized_vol_21d,
      cume_dist() OVER (PARTITION BY symbol ORDER BY drawdown) AS score_drawdown
    FROM features WHERE row >= 21
  ),
  regimes AS (
    SELECT *, (0.7 * score_realized_vol_21d + 0.3 * score_drawdown) / 1.0 AS risk_score FROM scored
  ),
  states AS (
    SELECT *, CASE WHEN risk_score < 0.33 THEN 0 WHEN risk_score < 0.67 THEN 1 ELSE 2 END AS markov_state
    FROM regimes
  ),
  runs AS (
    SELECT *, sum(CASE WHEN markov_state IS DISTINCT FROM prev THEN 1 ELSE 0 END)
      OVER (PARTITION BY symbol ORDER BY date ROWS UNBOUNDED PRECEDING) AS run
    FROM (SELECT *, lag(markov_state) OVER (PARTITION BY symbol ORDER BY date) AS prev FROM states)
  )
  SELECT date, symbol, price, log_return, realized_vol_21d, drawdown, score_realized_vol_21d, score_drawdown,
    risk_score, ['Low', 'Medium', 'High'][markov_state + 1] AS regime, markov_state::INTEGER AS markov_state,
    (row_number() OVER (PARTITION BY symbol, run ORDER BY date))::INTEGER AS regime_age
  FROM runs
  ORDER BY symbol, date
`);
await db.run(
  `COPY gold TO ${quote(join(out, 'gold', 'features'))} (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (symbol), WRITE_PARTITION_COLUMNS true, OVERWRITE_OR_IGNORE true)`,
);

const count = async (table) =>
  Number((await (await db.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows())[0][0]);
const silverRows = await count('silver');
const goldRows = await count('gold');
db.closeSync?.();
const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({
    engine: `DuckDB ${version()}`,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (performance.now() - started) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    silverRows,
    goldRows,
  })}\n`,
);
