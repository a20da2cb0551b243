import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataRejectedError } from '#shared/data/errors';
import { SILVER_COLUMNS } from '#shared/data/tables';
import {
  EdaOptionsError,
  profileBronze,
  profileFile,
  profileGold,
  resolveEdaOptions,
} from '#shared/eda/profile';
import { inferLayer, readGoldTable, readHeader } from '#shared/eda/tables';
import { bronze, closesCsv, dataConfig, RUN_DAY } from '../../helpers/data.ts';

const fixturePath = (name: string) => new URL(`../../fixtures/eda/${name}`, import.meta.url);
const fixtureInput = (name: string) => ({ name, chunks: createReadStream(fixturePath(name)) });
const context = (options = {}) => ({ config: dataConfig(), runDay: RUN_DAY, options });

async function* once(text: string): AsyncIterable<Uint8Array> {
  yield new TextEncoder().encode(text);
}

describe('layer inference', () => {
  it('reads gold from the risk_score and markov_state columns, in any case', () => {
    expect(inferLayer(['date', 'symbol', 'RISK_SCORE ', 'Markov_State'])).toBe('gold');
  });

  it('reads silver only from the exact FINML silver header', () => {
    expect(inferLayer([...SILVER_COLUMNS])).toBe('silver');
    expect(inferLayer(SILVER_COLUMNS.slice(0, -1))).toBe('bronze');
  });

  it('reads anything else as bronze', () => {
    expect(inferLayer(['date', 'close'])).toBe('bronze');
    expect(inferLayer([])).toBe('bronze');
  });

  it('takes the header from the first record, and nothing from an empty file', async () => {
    expect(await readHeader(once('date,close\n2020-01-01,1\n'), 'x.csv')).toEqual(['date', 'close']);
    expect(await readHeader(once(''), 'x.csv')).toBeUndefined();
  });
});

describe('bronze profile of a messy file', () => {
  const profile = () => profileBronze(fixtureInput('messy-bronze.csv'), context({ rollingWindow: 3 }));

  it('counts every dropped row under its bronze rule, with examples naming the line', async () => {
    const { bronze: b } = await profile();

    expect(b).toMatchObject({ rowsIn: 25, rowsAccepted: 19, volumeInvalidAsMissing: 1 });
    expect(b!.dropped).toEqual({
      wrong_cell_count: 1,
      missing_symbol: 1,
      invalid_symbol: 0,
      invalid_date: 1,
      non_numeric_price: 1,
      non_positive_price: 1,
      future_date: 1,
    });
    expect(b!.droppedExamples).toContainEqual({
      line: 23,
      reason: 'non_numeric_price',
      detail: 'close "abc" is not a number',
    });
    expect(b!.header.ignored).toEqual(['note']);
  });

  it('reports what the silver rules did: duplicates, fills and dropped gaps', async () => {
    const { bronze: b, overview } = await profile();

    expect(b!.cleaning).toMatchObject({
      rowsIn: 19,
      rowsOut: 12,
      duplicatesDropped: 1,
      forwardFilled: 1,
      droppedLongGap: 4,
      droppedNoEarlierClose: 2,
    });
    expect(overview).toMatchObject({ rows: 12, symbols: 2, first: '2021-01-01', last: '2021-01-12' });
    expect(overview.perSymbol.map((s) => [s.symbol, s.rows])).toEqual([
      ['AAA', 8],
      ['BBB', 4],
    ]);
  });

  it('counts missing cells per column and the most common combinations on the accepted raw rows', async () => {
    const aaa = (await profile()).symbols[0]!;

    expect(aaa.missing).toEqual({
      rows: 13,
      rowsWithMissing: 7,
      columns: { open: 1, close: 5, volume: 3 },
      patterns: [
        { columns: ['close'], rows: 3 },
        { columns: ['close', 'volume'], rows: 2 },
        { columns: ['open'], rows: 1 },
        { columns: ['volume'], rows: 1 },
      ],
    });
  });

  it('lists runs of missing closes with what the silver rule does to each', async () => {
    const [aaa, bbb] = (await profile()).symbols;

    expect(aaa!.closeRuns).toMatchObject({
      runs: 2,
      rows: 5,
      longest: 4,
      byLength: { '1': 1, '4': 1 },
      longestRuns: [
        { first: '2021-01-05', last: '2021-01-08', length: 4, outcome: 'dropped: long gap' },
        { first: '2021-01-03', last: '2021-01-03', length: 1, outcome: 'forward-filled' },
      ],
    });
    expect(bbb!.closeRuns!.longestRuns).toEqual([
      { first: '2021-01-01', last: '2021-01-02', length: 2, outcome: 'dropped: no earlier close' },
    ]);
  });

  it('computes returns on the cleaned rows: the mean log return telescopes to ln(last / first) / n', async () => {
    const aaa = (await profile()).symbols[0]!;

    // Cleaned AAA closes run from 10 to 15 over 8 rows (the duplicate's later close 14.5 kept).
    expect(aaa.statistics.log_return!.count).toBe(7);
    expect(aaa.statistics.log_return!.mean).toBeCloseTo(Math.log(1.5) / 7, 14);
    expect(aaa.statistics.close!.max).toBe(15);
    expect(Object.keys(aaa.statistics)).toEqual(['open', 'close', 'volume', 'log_return']);
  });

  it('reports a test it cannot run instead of failing the profile', async () => {
    const bbb = (await profile()).symbols[1]!;

    expect(bbb.stationarity.logReturn).toEqual({
      n: 3,
      error: 'a series of 3 values is too short for regression "c"',
    });
  });

  it('profiles a file below the bronze gate and marks its quality as failing', async () => {
    const rows = ['date,close'];
    for (let i = 1; i <= 9; i++) rows.push(`2021-01-0${i},${i <= 2 ? 10 + i : 'x'}`);
    const report = await profileBronze(bronze('poor.csv', `${rows.join('\n')}\n`), context());

    expect(report.bronze!.quality.bronze).toMatchObject({ validity: 2 / 9, gate: 85, passed: false });
    expect(report.overview.rows).toBe(2);
  });
});

describe('rejections', () => {
  it('rejects an unreadable bronze file as the pipeline does, naming the line and the reason', async () => {
    const error = await profileBronze(fixtureInput('semicolon.csv'), context()).catch((e) => e);

    expect(error).toBeInstanceOf(DataRejectedError);
    expect(error.message).toBe(
      'semicolon.csv, line 1: missing required column "date" — the header has a single column "date;close": is the file separated by ";"? FINML reads comma-separated files',
    );
  });

  it('rejects a file read as gold that lacks the gold columns', async () => {
    const error = await profileGold(once(closesCsv([1, 2, 3])), 'prices.csv', context()).catch((e) => e);

    expect(error).toBeInstanceOf(DataRejectedError);
    expect(error.reason).toMatch(/^not a FINML gold table: missing columns "symbol", "price"/);
  });

  it('rejects a file read as silver that is not a silver partition', async () => {
    const error = await profileFile('silver', bronze('prices.csv', closesCsv([1, 2])), context()).catch(
      (e) => e,
    );

    expect(error).toBeInstanceOf(DataRejectedError);
    expect(error.reason).toBe('not a FINML silver partition');
  });

  it('rejects a gold row with an invalid date, naming its line', async () => {
    const text = readFileSync(fixturePath('checks-gold.csv'), 'utf8').replace('2021-01-04', '2021-02-30');
    const error = await readGoldTable(once(text), 'g.csv').catch((e) => e);

    expect(error).toBeInstanceOf(DataRejectedError);
    expect(error.message).toBe('g.csv, line 5: corrupt gold row: date "2021-02-30" is not YYYY-MM-DD');
  });
});

describe('gold profile: regimes and model-input checks', () => {
  const profile = () =>
    profileGold(createReadStream(fixturePath('checks-gold.csv')), 'checks-gold.csv', context());

  it('keeps missing values and invalid states so the checks can report them', async () => {
    const gold = await readGoldTable(createReadStream(fixturePath('checks-gold.csv')), 'g.csv');
    const aaa = gold.tables.find((t) => t.symbol === 'AAA')!;

    expect(aaa.columns.log_return![1]).toBeNaN();
    expect(Array.from(aaa.columns.markov_state!)).toEqual([1, 1, 1, 3]);
    expect(gold.tables.map((t) => t.symbol)).toEqual(['AAA', '=BBB']);
  });

  it('fails each check with the symbol, the line and what is wrong', async () => {
    const { checks } = (await profile()).gold!;

    expect(checks.passed).toBe(false);
    expect(checks.noMissing).toMatchObject({
      passed: false,
      cells: 1,
      byColumn: { log_return: 1, price: 0 },
    });
    expect(checks.statesValid).toEqual({
      passed: false,
      invalid: 1,
      examples: [{ symbol: 'AAA', line: 5, detail: 'markov_state 3' }],
    });
    expect(checks.labelsMatchStates.examples).toEqual([
      { symbol: '=BBB', line: 6, detail: 'regime "High" but markov_state 0 is "Low"' },
    ]);
    expect(checks.datesIncreasing.examples).toEqual([
      { symbol: 'AAA', line: 4, detail: '2021-01-02 does not follow 2021-01-02' },
    ]);
    expect(checks.enoughPairs).toEqual({ passed: false, pairs: 3, required: 6, folds: 5 });
  });

  it('counts regimes and transitions over valid states only, never across symbols', async () => {
    const { regimes } = (await profile()).gold!;

    expect(regimes.counts).toEqual({ Low: 1, Medium: 3, High: 0 });
    expect(regimes.transitions.counts).toEqual([
      [0, 0, 0],
      [0, 2, 0],
      [0, 0, 0],
    ]);
    expect(regimes.transitions.frequencies[1]).toEqual([0, 1, 0]);
    expect(regimes.transitions.frequencies[0]!.every(Number.isNaN)).toBe(true);
  });

  it('needs folds + 1 transition pairs: the folds come from the options', async () => {
    const report = await profileGold(
      createReadStream(fixturePath('checks-gold.csv')),
      'checks-gold.csv',
      context({ folds: 2 }),
    );

    expect(report.gold!.checks.enoughPairs).toEqual({ passed: true, pairs: 3, required: 3, folds: 2 });
  });
});

describe('options', () => {
  it('documents its defaults in the report parameters', () => {
    expect(resolveEdaOptions({}, dataConfig())).toEqual({
      bins: 'auto',
      rollingWindow: 63,
      iqrMultiplier: 1.5,
      zThreshold: 3,
      quantiles: [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99],
      alpha: 0.05,
      missingPatterns: 5,
      examples: 10,
      folds: 5,
      annualisationDays: 252,
      labels: ['Low', 'Medium', 'High'],
    });
  });

  it.each([
    [{ bins: 0 }, /bins/],
    [{ bins: 'scott' as never }, /bins/],
    [{ rollingWindow: 1 }, /rollingWindow/],
    [{ iqrMultiplier: -1 }, /iqrMultiplier/],
    [{ quantiles: [1.5] }, /quantiles/],
    [{ alpha: 1 }, /alpha/],
    [{ folds: 1 }, /folds/],
    [{ labels: ['Only'] }, /labels/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveEdaOptions(options, dataConfig())).toThrow(EdaOptionsError);
    expect(() => resolveEdaOptions(options, dataConfig())).toThrow(message);
  });
});
