import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../../helpers/cli.ts';

const SAMPLE = 'data/samples/sp500-2000.csv';
const fixture = (name: string) => `test/fixtures/eda/${name}`;

/** Runs `finml eda` through the CLI entry and captures what it prints. */
const eda = (args: string[]) => runCli(['eda', ...args]);

let pipelineOut: string;

beforeAll(async () => {
  pipelineOut = tempDir('finml-eda-');
  const { code } = await runCli(['pipeline', SAMPLE, '--out', pipelineOut, '--run-date', '2026-11-26']);
  if (code !== 0) throw new Error('the pipeline failed on the sample');
});

describe('finml eda on the sample, one layer at a time', () => {
  test('bronze: --json prints the report and --out writes the same report', async () => {
    const outFile = join(tempDir(), 'report.json');

    const { code, stdout } = await eda([SAMPLE, '--json', '--out', outFile, '--run-date', '2026-11-26']);

    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(JSON.parse(readFileSync(outFile, 'utf8'))).toEqual(report);
    expect(report).toMatchObject({
      layer: 'bronze',
      overview: { rows: 5105, symbols: 1, first: '2000-01-03', last: '2020-04-17' },
      bronze: { rowsIn: 5105, rowsAccepted: 5105, quality: { bronze: { passed: true } } },
    });
    const s = report.symbols[0];
    expect(s.statistics.log_return.count).toBe(5104);
    expect(s.outliers.log_return.z.outliers).toBe(90);
    expect(s.stationarity.logPrice.stationary).toBe(false);
    expect(s.stationarity.logReturn.stationary).toBe(true);
    expect(s.distributions.log_return.counts).toHaveLength(196);
  });

  test('silver: the layer is read from the Parquet partition’s columns', async () => {
    const { code, stdout } = await eda([
      join(pipelineOut, 'silver', 'market', 'symbol=SP500-2000', 'part-0000.parquet'),
      '--json',
    ]);

    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      layer: 'silver',
      overview: { rows: 5105 },
      silver: { forwardFilled: 0, flaggedRows: 0, quality: { passed: true } },
    });
    expect(report.symbols[0].seasonality.dayOfWeek.groups).toHaveLength(5);
  });

  test('gold: regimes, transitions and passing model-input checks', async () => {
    const { code, stdout } = await eda([
      join(pipelineOut, 'gold', 'features', 'symbol=SP500-2000', 'part-0000.parquet'),
      '--json',
    ]);

    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.layer).toBe('gold');
    expect(report.overview).toMatchObject({ rows: 4833, first: '2001-01-31', last: '2020-04-17' });
    expect(report.gold.regimes.counts).toEqual({ Low: 2358, Medium: 1608, High: 867 });
    expect(report.gold.regimes.transitions.counts).toEqual([
      [2300, 58, 0],
      [58, 1507, 43],
      [0, 42, 824],
    ]);
    expect(report.gold.checks).toMatchObject({ passed: true, enoughPairs: { pairs: 4832, required: 6 } });
    expect(Object.keys(report.symbols[0].outliers)).toEqual(['log_return', 'realized_vol_21d', 'drawdown']);
  });
});

describe('finml eda terminal report', () => {
  test('shows drops, missing patterns, close runs and every section of a messy bronze file', async () => {
    const { code, stdout } = await eda([
      fixture('messy-bronze.csv'),
      '--run-date',
      '2026-11-26',
      '--window',
      '3',
    ]);

    expect(code).toBe(0);
    for (const line of [
      'FINML EDA — test/fixtures/eda/messy-bronze.csv (bronze)',
      '25 rows in → 19 accepted; dropped 1 wrong_cell_count, 1 missing_symbol, 1 invalid_date, 1 non_numeric_price, 1 non_positive_price, 1 future_date',
      'line 23: non_numeric_price — close "abc" is not a number',
      '7 of 13 rows: open 1 · close 5 · volume 3',
      'together: close 3 · close+volume 2 · open 1 · volume 1',
      'missing closes: 2 run(s), 5 rows, longest 4: 1 forward-filled, 4 dropped: long gap',
      'Rolling 3-return trend, per year',
      'Stationarity (ADF, constant, lag by AIC; α = 0.05)',
      'log return not tested: a series of 3 values is too short for regression "c"',
    ]) {
      expect(stdout).toContain(line);
    }
    for (const section of [
      'Feature statistics',
      'Outliers',
      'Distributions',
      'Correlations',
      'Seasonality',
    ]) {
      expect(stdout).toContain(section);
    }
  });

  test('lists the failed model-input checks of a faulty gold table', async () => {
    const { code, stdout } = await eda([fixture('checks-gold.csv')]);

    expect(code).toBe(0);
    expect(stdout).toContain('Model-input checks: FAILED — fix the gold table before training');
    expect(stdout).toContain('✗ markov_state in 0 … K−1: 1 invalid');
    expect(stdout).toContain('AAA, line 5: markov_state 3');
    expect(stdout).toContain('✗ 3 transition pairs (TimeSeriesSplit(5) needs ≥ 6)');
  });

  test('--bins sets a fixed number of histogram bins', async () => {
    const { stdout } = await eda([
      fixture('messy-bronze.csv'),
      '--bins',
      '20',
      '--json',
      '--run-date',
      '2026-11-26',
    ]);

    expect(JSON.parse(stdout).symbols[0].distributions.log_return.counts).toHaveLength(20);
  });
});

describe('finml eda rejections and usage errors', () => {
  test('a bad file gets the pipeline rejection message and exit 2', async () => {
    const { code, stdout, stderr } = await eda([fixture('semicolon.csv')]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      '✗ test/fixtures/eda/semicolon.csv, line 1: missing required column "date" — the header has a single column "date;close": is the file separated by ";"? FINML reads comma-separated files\n',
    );
  });

  test('with --json the rejection is a JSON document', async () => {
    const { code, stdout } = await eda([fixture('semicolon.csv'), '--json']);

    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({
      file: 'test/fixtures/eda/semicolon.csv',
      status: 'rejected',
      rejection: { code: 'missing_column', line: 1 },
    });
  });

  test('a file that is not of the --layer given is rejected', async () => {
    const { code, stderr } = await eda([SAMPLE, '--layer', 'gold']);

    expect(code).toBe(2);
    expect(stderr).toContain('line 1: not a FINML gold table: missing columns "symbol", "price"');
  });

  test('a risk-indicator file is refused with what to do instead', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'risk_indicators'));
    writeFileSync(join(dir, 'risk_indicators', 'vix.csv'), 'date,vix\n2020-01-02,12\n');
    const { code, stderr } = await eda([join(dir, 'risk_indicators', 'vix.csv')]);
    expect(code).toBe(1);
    expect(stderr).toContain('is a risk-indicator file: finml eda profiles market data');
  });

  test.each([
    [[], 'name exactly one file'],
    [[SAMPLE, SAMPLE], 'name exactly one file'],
    [[SAMPLE, '--layer', 'platinum'], '--layer must be bronze, silver or gold'],
    [[SAMPLE, '--bins', 'many'], '--bins must be a positive integer'],
    [[fixture('messy-bronze.csv'), '--bins', '0'], 'bins must be'],
    [[fixture('messy-bronze.csv'), '--window', '1'], 'rollingWindow must be an integer ≥ 2'],
    [[SAMPLE, '--run-date', '2026-02-30'], 'is not YYYY-MM-DD'],
    [['no/such.csv'], 'no such file: no/such.csv'],
    [[SAMPLE, '--colour'], "Unknown option '--colour'"],
  ])('%j is a usage error: %s', async (args, message) => {
    const { code, stderr } = await eda(args);
    expect(code).toBe(1);
    expect(stderr).toContain(message);
  });
});
