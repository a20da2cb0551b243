import { describe, expect, test } from 'vitest';
import {
  isIndicatorFile,
  joinIndicators,
  mergeIndicators,
  readBronzeIndicatorFile,
} from '#shared/data/indicators';
import { formatIsoDay, parseIsoDay } from '#shared/data/values';
import { bronze, dataConfig, RUN_DAY } from '../../helpers/data.ts';

const read = (text: string, name = 'risk_indicators/vix.csv') =>
  readBronzeIndicatorFile(bronze(name, text, 5), { config: dataConfig(), runDay: RUN_DAY });
const day = (iso: string) => parseIsoDay(iso)!;

describe('risk indicators (DOMAIN §1)', () => {
  test('are recognised by the risk_indicators/ prefix, as a key or a folder', () => {
    const c = dataConfig();
    expect(isIndicatorFile('risk_indicators/vix.csv', c)).toBe(true);
    expect(isIndicatorFile('/data/risk_indicators/vix.csv', c)).toBe(true);
    expect(isIndicatorFile('market_data/spx.csv', c)).toBe(false);
  });

  test('read date plus every numeric column; a bad cell is missing and counted; bad dates are dropped', async () => {
    const padding = Array.from(
      { length: 12 },
      (_, i) => `2021-02-${String(i + 1).padStart(2, '0')},20,2\n`,
    ).join('');
    const f = await read(
      `Date,VIX,Credit_Spread\n2020-01-02,12.5,1.1\n2020-01-03,x,1.2\n2020-13-01,1,1\n0020-01-06,1,1\n2020-01-03,13,1.3\n${padding}`,
    );
    expect(f.columns).toEqual(['vix', 'credit_spread']);
    expect(f.dropped.invalid_date).toBe(2); // 2020-13-01, and 0020-01-06 (before input.earliestDate)
    expect(f.invalidCellsAsMissing).toBe(1);
    // The second 2020-01-03 row wins (last in file order).
    expect(Array.from(f.table.values[0]!.subarray(0, 2))).toEqual([12.5, 13]);
    expect(f.duplicatesDropped).toBe(1);
  });

  test("FRED's current header (observation_date) is the date column", async () => {
    const f = await read('observation_date,VIXCLS\n2020-01-02,12.47\n2020-01-03,.\n2020-01-06,13.85\n');
    expect(f.columns).toEqual(['vixcls']);
    expect(Array.from(f.table.values[0]!)).toEqual([12.47, Number.NaN, 13.85]);
  });

  test('a file below the bronze gate is rejected with the components, the counts and the first dropped line', async () => {
    const e = await read(
      'DATE,VIXCLS,BAMLH0A0HYM2\n2020-01-02,12.47,3.5\n2020-01-03,14.02,.\n2020-01-06,13.85,abc\n2020-01-06,13.90,3.6\n2020/01/07,13.1,3.7\n2020-01-08,13.1\n',
    ).catch((error: unknown) => error);
    expect(e).toMatchObject({ code: 'quality_gate', line: 6 });
    expect((e as Error).message).toBe(
      'risk_indicators/vix.csv, line 6: bronze quality 77.1 % is below the 85 % gate (completeness 100.0 %, validity 33.3 %, uniqueness 75.0 %, timeliness 100.0 %); ' +
        '1 wrong cell count, 1 invalid date, 1 repeated date, 2 non-numeric cells read as missing; ' +
        'the first dropped row: line 6, date "2020/01/07" is not YYYY-MM-DD',
    );
  });

  test('an unterminated quote rejects the file naming its record', async () => {
    await expect(read('date,vix\n2020-01-02,12\n2020-01-03,"13\n2020-01-06,14\n')).rejects.toMatchObject({
      code: 'unterminated_quote',
      line: 3,
    });
  });

  test('an indicator named like a gold column, or twice, is rejected naming the column (gold would get two columns of one name)', async () => {
    for (const name of ['regime', 'log_return', 'risk_score', 'score_vix', 'markov_state']) {
      await expect(read(`date,vix,${name}\n2020-01-02,12,1\n`)).rejects.toMatchObject({
        code: 'reserved_column',
        line: 1,
        message: expect.stringContaining(`"${name}" has the name of a gold column`),
      });
    }
    await expect(read('date,vix,VIX\n2020-01-02,12,13\n')).rejects.toMatchObject({
      code: 'duplicate_column',
      message: expect.stringContaining('"vix" appears twice'),
    });
    await expect(read('date,vix,move\n2020-01-02,12,90\n')).resolves.toBeDefined();
  });

  test('a file without a date column, or with no indicator column, is rejected naming line 1', async () => {
    await expect(read('vix\n12\n')).rejects.toMatchObject({ code: 'missing_column', line: 1 });
    await expect(read('date\n2020-01-01\n')).rejects.toThrow(/at least one indicator column/);
  });

  test('join by date forward-fills the last value on or before each day', async () => {
    const f = await read('date,vix\n2020-01-02,10\n2020-01-06,\n2020-01-08,30\n');
    const days = Int32Array.from(
      ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-07', '2020-01-08', '2020-01-09'].map(day),
    );
    expect(Array.from(joinIndicators(days, f.table).vix!)).toEqual([Number.NaN, 10, 10, 10, 30, 30]);
  });

  test('merging keeps every day and column; a newer value wins', async () => {
    const a = (await read('date,vix\n2020-01-02,10\n2020-01-03,11\n')).table;
    const b = (await read('date,vix,move\n2020-01-03,99,5\n2020-01-06,12,6\n')).table;
    const m = mergeIndicators(a, b);
    expect(Array.from(m.day, formatIsoDay)).toEqual(['2020-01-02', '2020-01-03', '2020-01-06']);
    expect(m.columns).toEqual(['vix', 'move']);
    expect(Array.from(m.values[0]!)).toEqual([10, 99, 12]);
    expect(Array.from(m.values[1]!)).toEqual([Number.NaN, 5, 6]);
  });
});
