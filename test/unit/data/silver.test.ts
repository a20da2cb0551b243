import { describe, expect, test } from 'vitest';
import { readBronzeMarketFile } from '#shared/data/bronze';
import { FLAGS } from '#shared/data/series';
import { cleanSeries, mergeSilver } from '#shared/data/silver';
import { formatIsoDay } from '#shared/data/values';
import { bronze, closesCsv, dataConfig, RUN_DAY } from '../../helpers/data.ts';

/** Clean rows appended after the rows under test, so that small files pass the bronze gate. */
const PADDING = Array.from({ length: 30 }, (_, i) => `2021-01-${String(i + 1).padStart(2, '0')}`);

async function silverOf(text: string, name = 'S.csv') {
  const f = await readBronzeMarketFile(bronze(name, text), { config: dataConfig(), runDay: RUN_DAY });
  return f.series.map((s) => cleanSeries(s, dataConfig()));
}

const dates = (s: { length: number; day: Int32Array }) => Array.from(s.day, formatIsoDay);

describe('silver cleaning (DOMAIN §2)', () => {
  test('duplicates on (symbol, date) keep the last surviving occurrence in file order', async () => {
    const rows = 'date,close\n2020-01-01,1\n2020-01-02,2\n2020-01-01,10\n2020-01-02,x\n';
    const [c] = await silverOf(rows + PADDING.map((d) => `${d},7\n`).join(''));
    // The 4th row is dropped by the price rule first, so 2020-01-02 keeps its only survivor (2).
    expect(Array.from(c!.series.close.subarray(0, 2))).toEqual([10, 2]);
    expect(c!.stats.duplicatesDropped).toBe(1);
  });

  test('rows are sorted by date', async () => {
    const [c] = await silverOf('date,close\n2020-01-03,3\n2020-01-01,1\n2020-01-02,2\n');
    expect(dates(c!.series)).toEqual(['2020-01-01', '2020-01-02', '2020-01-03']);
    expect(Array.from(c!.series.close)).toEqual([1, 2, 3]);
  });

  test('a gap of 2 missing closes is forward-filled from the last valid close and counted', async () => {
    const [c] = await silverOf(closesCsv([1, 2, '', '', 5]));
    expect(Array.from(c!.series.close)).toEqual([1, 2, 2, 2, 5]);
    expect(Array.from(c!.series.filled)).toEqual([0, 0, 1, 1, 0]);
    expect(c!.stats.forwardFilled).toBe(2);
  });

  test('a gap of exactly 3 is filled; a gap of 5 is dropped entirely and counted', async () => {
    const [three] = await silverOf(closesCsv([1, '', '', '', 5]));
    expect(three!.stats.forwardFilled).toBe(3);
    const [five] = await silverOf(closesCsv([1, '', '', '', '', '', 7]));
    expect(Array.from(five!.series.close)).toEqual([1, 7]);
    expect(five!.stats).toMatchObject({ forwardFilled: 0, droppedLongGap: 5, rowsOut: 2 });
  });

  test('missing closes before the first valid close are dropped (no earlier close)', async () => {
    const [c] = await silverOf(closesCsv(['', '', 3, 4]));
    expect(c!.stats).toMatchObject({ droppedNoEarlierClose: 2, rowsOut: 2 });
  });

  test('forward-fill works on the sorted series, not file order', async () => {
    const [c] = await silverOf('date,close\n2020-01-03,\n2020-01-01,1\n2020-01-02,2\n');
    expect(Array.from(c!.series.close)).toEqual([1, 2, 2]);
  });

  test('high < low and other inconsistent rows are flagged, kept and counted', async () => {
    const [c] = await silverOf(
      'date,open,high,low,close,volume\n2020-01-01,10,12,9,11,100\n2020-01-02,11,10,12,11,100\n2020-01-03,11,12,10,11,-5\n' +
        PADDING.map((d) => `${d},10,12,9,11,100\n`).join(''),
    );
    expect(c!.series.length).toBe(33);
    expect(Array.from(c!.series.flags.subarray(0, 3))).toEqual([
      0,
      FLAGS.high_below_open_close | FLAGS.low_above_open_close | FLAGS.high_below_low,
      FLAGS.negative_volume,
    ]);
    expect(c!.stats.flaggedRows).toBe(2);
    expect(c!.stats.flagged.high_below_low).toBe(1);
  });

  test('consistency checks use only the columns present', async () => {
    const [c] = await silverOf('date,high,close\n2020-01-01,12,11\n2020-01-02,10,11\n');
    expect(Array.from(c!.series.flags)).toEqual([0, FLAGS.high_below_open_close]);
  });

  test('several symbols in one file are cleaned independently', async () => {
    const cleaned = await silverOf(
      'symbol,date,close\nA,2020-01-02,2\nB,2020-01-01,5\nA,2020-01-01,1\nB,2020-01-01,6\n',
    );
    expect(cleaned.map((c) => [c.series.symbol, Array.from(c.series.close)])).toEqual([
      ['A', [1, 2]],
      ['B', [6]],
    ]);
  });
});

describe('mergeSilver (data accumulates; the newer file wins a clash)', () => {
  test('a one-day file extends the history', async () => {
    const [history] = await silverOf(closesCsv([1, 2, 3]));
    const [day] = await silverOf('date,close\n2020-01-04,4\n');
    const merged = mergeSilver(history!.series, day!.series);
    expect(dates(merged)).toEqual(['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-04']);
  });

  test('a vendor correction replaces the clashing day and keeps the rest', async () => {
    const [history] = await silverOf(closesCsv([1, 2, 3]));
    const [fix] = await silverOf('date,close\n2020-01-02,2.5\n2019-12-31,0.5\n');
    const merged = mergeSilver(history!.series, fix!.series);
    expect(dates(merged)).toEqual(['2019-12-31', '2020-01-01', '2020-01-02', '2020-01-03']);
    expect(Array.from(merged.close)).toEqual([0.5, 1, 2.5, 3]);
  });
});
