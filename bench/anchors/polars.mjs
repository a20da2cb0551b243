// Anchor of the pipeline benchmark: the bronze → silver → gold work of `finml pipeline` in Polars
// (nodejs-polars), as a data engineer would write it, timed as a whole process like FINML's.
//
//   node bench/anchors/polars.mjs BRONZE.csv OUT_DIR RUN_DATE(YYYY-MM-DD)
//
// Silver (DOMAIN §2): typed read, rows with a bad date or a non-positive price or after the run
// date dropped, (symbol, date) duplicates → the last one, sorted by (symbol, date), closes
// forward-filled (at most 3), high/low/volume flags. Gold (DOMAIN §3): price, log return, 21-day
// realized volatility (ddof 1, ×√252), drawdown, the first 21 rows of each symbol dropped, feature
// scores, risk score, regime, Markov state, regime age. One difference, because Polars has no
// expanding rank: a feature's score is its empirical CDF over the symbol's whole post-warm-up
// history (FINML's `scoring.mode: reference` on the own history), not the point-in-time expanding
// CDF FINML computes by default (which costs more) — so no burn-in rows are dropped either.
// Both layers are written as Snappy Parquet, Hive-partitioned by symbol, like FINML's.
// Prints one JSON line: CPU seconds of the process (all threads), wall seconds, peak RSS, rows.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pl from 'nodejs-polars';

const started = performance.now();
const [file, out, runDate] = process.argv.slice(2);
if (!file || !out || !runDate) throw new Error('usage: polars.mjs BRONZE.csv OUT_DIR RUN_DATE');

const WINDOW = 21;
const weights = { realized_vol_21d: 0.7, drawdown: 0.3 };

const bronze = pl
  .scanCSV(file, {
    dtypes: {
      symbol: pl.Utf8,
      date: pl.Utf8,
      open: pl.Float64,
      high: pl.Float64,
      low: pl.Float64,
      close: pl.Float64,
      adjclose: pl.Float64,
      volume: pl.Float64,
    },
  })
  .withRowIndex('line');

const positive = (c) => pl.col(c).isNull().or(pl.col(c).gt(0));
const silver = bronze
  .withColumns(pl.col('date').str.strptime(pl.Date, '%Y-%m-%d').alias('date'))
  .filter(
    pl
      .col('date')
      .isNotNull()
      .and(positive('open'))
      .and(positive('high'))
      .and(positive('low'))
      .and(positive('close'))
      .and(positive('adjclose'))
      .and(pl.col('date').ltEq(pl.lit(runDate).str.strptime(pl.Date, '%Y-%m-%d'))),
  )
  // Last row in file order wins on a (symbol, date) clash.
  .sort(['symbol', 'date', 'line'])
  .unique({ subset: ['symbol', 'date'], keep: 'last', maintainOrder: true })
  .withColumns(
    pl.col('close').isNull().cast(pl.Int32).alias('close_filled'),
    pl.col('close').forwardFill(3).over('symbol').alias('close'),
  )
  .filter(pl.col('close').isNotNull())
  .withColumns(
    pl
      .when(pl.col('high').lt(pl.col('low')))
      .then(pl.lit('high_below_low'))
      .when(pl.col('volume').lt(0))
      .then(pl.lit('negative_volume'))
      .otherwise(pl.lit(''))
      .alias('flags'),
  )
  .drop('line')
  .collectSync();

function writePartitions(df, dir) {
  for (const part of df.partitionBy('symbol')) {
    const symbol = part.getColumn('symbol').get(0);
    const folder = join(dir, `symbol=${encodeURIComponent(symbol)}`);
    mkdirSync(folder, { recursive: true });
    part.writeParquet(join(folder, 'part-0000.parquet'), { compression: 'snappy' });
  }
}

writePartitions(silver, join(out, 'silver', 'market'));

const price = pl.col('adjclose').fillNull(pl.col('close'));
const withFeatures = silver
  .lazy()
  .select(
    'symbol',
    'date',
    price.alias('price'),
    // cumCount counts from 1: the row's index within its symbol is one less.
    pl.col('symbol').cumCount().over('symbol').sub(1).alias('row'),
  )
  .withColumns(pl.col('price').div(pl.col('price').shift(1)).log().over('symbol').alias('log_return'))
  .withColumns(
    pl
      .col('log_return')
      .rollingStd({ windowSize: WINDOW, minPeriods: WINDOW, ddof: 1 })
      .over('symbol')
      .mul(Math.sqrt(252))
      .alias('realized_vol_21d'),
    pl
      .lit(1)
      .sub(pl.col('price').div(pl.col('price').cumMax().over('symbol')))
      .alias('drawdown'),
  )
  .filter(pl.col('row').gtEq(WINDOW));

const score = (f) =>
  pl
    .col(f)
    .rank('max')
    .over('symbol')
    .cast(pl.Float64)
    .div(pl.col(f).count().over('symbol').cast(pl.Float64))
    .alias(`score_${f}`);
const total = weights.realized_vol_21d + weights.drawdown;
const gold = withFeatures
  .withColumns(score('realized_vol_21d'), score('drawdown'))
  .withColumns(
    pl
      .col('score_realized_vol_21d')
      .mul(weights.realized_vol_21d)
      .add(pl.col('score_drawdown').mul(weights.drawdown))
      .div(total)
      .alias('risk_score'),
  )
  .withColumns(
    pl
      .when(pl.col('risk_score').lt(0.33))
      .then(pl.lit(0))
      .when(pl.col('risk_score').lt(0.67))
      .then(pl.lit(1))
      .otherwise(pl.lit(2))
      .cast(pl.Int32)
      .alias('markov_state'),
  )
  .withColumns(
    pl
      .when(pl.col('markov_state').eq(0))
      .then(pl.lit('Low'))
      .when(pl.col('markov_state').eq(1))
      .then(pl.lit('Medium'))
      .otherwise(pl.lit('High'))
      .alias('regime'),
    // A new run starts where the state changes; the age is the row number within the run.
    pl
      .col('markov_state')
      .neq(pl.col('markov_state').shift(1))
      .fillNull(true)
      .cumSum()
      .over('symbol')
      .alias('run'),
  )
  .withColumns(pl.col('run').cumCount().over(['symbol', 'run']).cast(pl.Int32).alias('regime_age'))
  .drop(['row', 'run'])
  .collectSync();

writePartitions(gold, join(out, 'gold', 'features'));

const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({
    engine: `nodejs-polars ${pl.version ?? ''}`.trim(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (performance.now() - started) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    silverRows: silver.height,
    goldRows: gold.height,
  })}\n`,
);
