import { describe, expect, test } from 'vitest';
import { readBronzeMarketFile, symbolFromFileName } from '#shared/data/bronze';
import { DataRejectedError } from '#shared/data/errors';
import { parseIsoDay } from '#shared/data/values';
import { bronze, closesCsv, dataConfig, isoOf, RUN_DAY } from '../../helpers/data.ts';

/** Small chunks (7 bytes) so that every test also crosses chunk boundaries. */
const read = (name: string, text: string | Uint8Array, runDay = RUN_DAY, chunkSize = 7) =>
  readBronzeMarketFile(bronze(name, text, chunkSize), { config: dataConfig(), runDay });
const rejection = (name: string, text: string | Uint8Array, chunkSize = 7) =>
  read(name, text, RUN_DAY, chunkSize).catch((e: unknown) => e);

const OHLC = 'date,open,high,low,close,volume';

describe('files rejected whole, with the file, line and reason', () => {
  test('an empty file is rejected at line 1', async () => {
    const e = await rejection('market_data/empty.csv', '');
    expect(e).toBeInstanceOf(DataRejectedError);
    expect(e).toMatchObject({ file: 'market_data/empty.csv', line: 1, code: 'empty_file' });
    expect((e as Error).message).toBe('market_data/empty.csv, line 1: the file is empty');
  });

  test('a header without data rows is rejected at line 2', async () => {
    expect(await rejection('h.csv', 'date,close\r\n')).toMatchObject({ line: 2, code: 'no_data_rows' });
  });

  test('a file none of whose rows is accepted (all after the run date) names the first one and why', async () => {
    const e = (await read(
      'market_data/future.csv',
      'symbol,date,close\nA,2027-06-02,1\nA,2027-06-03,2\nB,2027-06-02,x\n',
      parseIsoDay('2026-12-07')!,
    ).catch((error: unknown) => error)) as DataRejectedError;
    expect(e).toMatchObject({ line: 2, code: 'no_accepted_rows' });
    expect(e.message).toBe(
      'market_data/future.csv, line 2: no row was accepted (2 future date, 1 non numeric price): date 2027-06-02 is after the run date',
    );
  });

  test.each([
    ['date', 'close,open\n1,2\n'],
    ['close', 'Date,Open\n2020-01-01,2\n'],
  ])(
    'a file without a "%s" column is rejected, naming the column and the header it found',
    async (column, text) => {
      const e = (await rejection('m.csv', text)) as DataRejectedError;
      expect(e).toMatchObject({ line: 1, code: 'missing_column' });
      expect(e.reason).toContain(`missing required column "${column}"`);
      expect(e.reason).toContain('the header has:');
    },
  );

  test.each([1, 7, 4096])(
    'an unterminated quote rejects the file naming its record (it swallowed the rest of the file), chunks of %i',
    async (chunkSize) => {
      const text = 'symbol,date,close\nUQ,2020-01-02,100\nUQ,2020-01-03,"101\nUQ,2020-01-06,102\n';
      const e = (await rejection('uq.csv', text, chunkSize)) as DataRejectedError;
      expect(e).toMatchObject({ line: 3, code: 'unterminated_quote' });
      expect(e.message).toBe(
        'uq.csv, line 3: a quoted cell of this record is never closed: the rest of the file would be one cell',
      );
    },
  );

  test('a column FINML reads named twice rejects the file at line 1', async () => {
    const e = (await rejection('dup.csv', 'date,close,close\n2020-01-02,1,2\n')) as DataRejectedError;
    expect(e).toMatchObject({ line: 1, code: 'duplicate_column' });
    expect(e.reason).toContain('the column "close" appears twice');
  });

  test('a semicolon-separated file is rejected with a hint about the separator', async () => {
    const e = (await rejection('semi.csv', 'date;close\n2020-01-01;3\n')) as DataRejectedError;
    expect(e.code).toBe('missing_column');
    expect(e.reason).toMatch(/separated by ";"\? FINML reads comma-separated files/);
  });

  test('invalid UTF-8 bytes reject the file naming the first bad line', async () => {
    const text = new TextEncoder().encode('date,close\n2020-01-01,1\n2020-01-02,2\n');
    const bytes = new Uint8Array([...text, ...new TextEncoder().encode('2020-01-03,3 caf'), 0xe9, 0x0a]);
    expect(await rejection('latin1.csv', bytes)).toMatchObject({ code: 'invalid_utf8', line: 4 });
  });

  test('a UTF-16 file (with or without its byte-order mark) is named as such, with how to save it as UTF-8', async () => {
    const text = 'date,close\n2020-01-01,1\n';
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const cases: [string, Uint8Array, string][] = [
      ['bom-le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'little-endian'],
      ['le.csv', le, 'little-endian'],
      ['bom-be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'big-endian'],
      ['be.csv', be, 'big-endian'],
    ];
    for (const [file, bytes, order] of cases) {
      for (const chunkSize of [1, 7]) {
        const e = (await rejection(file, bytes, chunkSize)) as DataRejectedError;
        expect(e).toMatchObject({ code: 'utf16', line: 1, file });
        expect(e.reason).toContain(`UTF-16 (${order})`);
        expect(e.reason).toContain('save it as UTF-8');
      }
    }
  });

  test('a very long line rejects the file without reading it into memory whole', async () => {
    const e = await rejection(
      'long.csv',
      `date,close\n2020-01-01,1\n2020-01-02,${'1'.repeat(2_000_000)}\n`,
      1 << 16,
    );
    expect(e).toMatchObject({ code: 'line_too_long', line: 3 });
  });

  test('a file whose rows are mostly invalid fails the bronze gate, naming score and components', async () => {
    const e = (await rejection('bad.csv', closesCsv(['x', 'y', 'z', 1]))) as DataRejectedError;
    expect(e.code).toBe('quality_gate');
    expect(e.reason).toMatch(/^bronze quality \d+\.\d % is below the 85 % gate \(completeness/);
    // …and what was dropped, with the first dropped row's line (the report named none).
    expect(e.line).toBe(2);
    expect(e.reason).toMatch(
      /; dropped 3 non numeric price; the first dropped row: line 2, close "x" is not a number$/,
    );
  });

  test('a file named ".csv" without a symbol column is rejected at its header, saying how to name it', async () => {
    const e = (await rejection('market_data/.csv', 'date,close\n2020-01-02,1\n')) as DataRejectedError;
    expect(e).toMatchObject({ code: 'missing_column', line: 1 });
    expect(e.reason).toContain(
      'no symbol column, and the file name gives no symbol: name the file <SYMBOL>.csv',
    );
    // With a symbol column the name does not matter.
    expect(await rejection('market_data/.csv', 'symbol,date,close\nX,2020-01-02,1\n')).not.toBeInstanceOf(
      DataRejectedError,
    );
  });

  test('intraday bars fail on uniqueness, and the reason says their dates carry a time of day', async () => {
    const rows = ['date,close'];
    for (let d = 0; d < 30; d++)
      for (const t of ['09:30:00', '12:00:00', '15:30:00']) rows.push(`${isoOf(18_300 + d)} ${t},${100 + d}`);
    const e = (await rejection('bars.csv', `${rows.join('\n')}\n`)) as DataRejectedError;
    expect(e.code).toBe('quality_gate');
    expect(e.reason).toContain(
      `; its dates carry a time of day ("${isoOf(18_300)} 09:30:00"), which FINML drops: intraday bars repeat a day`,
    );
    // A daily file with times of day (a vendor's midnight stamps) passes: no repeat, nothing to say.
    const daily = rows.filter((_, i) => i === 0 || i % 3 === 1).join('\n');
    expect(await rejection('daily.csv', `${daily}\n`)).not.toBeInstanceOf(DataRejectedError);
  });
});

describe('row rules (DOMAIN §2), each drop counted under the first rule it fails', () => {
  test.each(['1992-6-5', '12/19/1991', '1991-02-30', ''])(
    'date %j is dropped as invalid_date',
    async (date) => {
      const f = await read(
        'd.csv',
        `date,close\n2020-01-01,1\n${date},2\n2020-01-03,3\n2020-01-04,4\n2020-01-05,5\n2020-01-06,6\n`,
      );
      expect(f.dropped.invalid_date).toBe(1);
      expect(f.rowsAccepted).toBe(5);
      expect(f.examples[0]).toMatchObject({ line: 3, reason: 'invalid_date' });
    },
  );

  test.each([
    ['0000-01-03', '1800-01-01'],
    ['0019-03-01', '1800-01-01'],
    ['1899-12-30', '1900-01-01'],
  ])('date %s, before input.earliestDate %s, is dropped as invalid_date', async (date, earliestDate) => {
    const config = dataConfig();
    const f = await readBronzeMarketFile(
      bronze('d.csv', `date,close\n2020-01-01,1\n${date},2\n2020-01-03,3\n1900-01-02,4\n`),
      { config: { ...config, input: { ...config.input, earliestDate } }, runDay: RUN_DAY },
    );
    expect(f.dropped.invalid_date).toBe(1);
    expect(f.rowsAccepted).toBe(3);
    expect(f.examples[0]).toMatchObject({ line: 3, reason: 'invalid_date' });
    expect(f.examples[0]!.detail).toBe(
      `date "${date}" is before ${earliestDate} (input.earliestDate): a year typed short?`,
    );
  });

  test.each(['1601.5x', 'NaN', '"1,234.5"', 'inf', ' 12'])(
    'price %s is dropped as non_numeric_price',
    async (cell) => {
      const f = await read(
        'p.csv',
        `${OHLC}\n2020-01-01,1,1,1,1,10\n2020-01-02,2,${cell},2,2,10\n${'2020-01-03,3,3,3,3,10\n'.repeat(1)}2020-01-04,4,4,4,4,10\n2020-01-05,5,5,5,5,1\n2020-01-06,5,5,5,5,1\n`,
      );
      expect(f.dropped.non_numeric_price).toBe(1);
      expect(f.examples[0]?.detail).toContain('high');
    },
  );

  test('zero and negative prices are dropped as non_positive_price', async () => {
    const f = await read('z.csv', closesCsv([1, 0, -3, 4, 5, 6, 7, 8, 9, 10, 11]));
    expect(f.dropped.non_positive_price).toBe(2);
  });

  test('a row failing several rules is counted once, under the first (date before price)', async () => {
    const f = await read(
      'm.csv',
      `date,close\nbad,x\n${closesCsv([1, 2, 3, 4, 5, 6, 7, 8, 9]).split('\n').slice(1).join('\n')}`,
    );
    expect(f.dropped.invalid_date).toBe(1);
    expect(f.dropped.non_numeric_price).toBe(0);
  });

  test('rows dated after the run day are dropped; the run day itself is kept', async () => {
    const runDay = parseIsoDay('2020-01-03')!;
    const f = await readBronzeMarketFile(bronze('f.csv', closesCsv([1, 2, 3, 4, 5])), {
      config: dataConfig(),
      runDay,
    });
    expect(f.dropped.future_date).toBe(2);
    expect(f.rowsAccepted).toBe(3);
    expect(f.quality.timeliness).toBeCloseTo((3 / 5 + 1) / 2, 12);
  });

  test('ragged rows are dropped as wrong_cell_count', async () => {
    const f = await read(
      'r.csv',
      `date,close,volume\n2020-01-01,1,5\n2020-01-02,2\n2020-01-03,3,5,9\n${'2020-01-04,4,5\n2020-01-05,5,5\n2020-01-06,6,5\n2020-01-07,7,5\n2020-01-08,8,5\n2020-01-09,9,5\n2020-01-10,10,5\n2020-01-11,11,5\n2020-01-12,12,5\n2020-01-13,13,5\n'}`,
    );
    expect(f.dropped.wrong_cell_count).toBe(2);
    expect(f.examples.map((e) => e.line)).toEqual([3, 4]);
  });

  test('a non-numeric volume is read as missing, counted, and does not drop the row', async () => {
    const f = await read('v.csv', `date,close,volume\n2020-01-01,1,abc\n2020-01-02,2,100\n`);
    expect(f.rowsAccepted).toBe(2);
    expect(f.volumeInvalidAsMissing).toBe(1);
    expect(Number.isNaN(f.series[0]!.volume[0]!)).toBe(true);
  });

  test('unknown extra columns are ignored and listed', async () => {
    const f = await read(
      'x.csv',
      ' Date ,CLOSE,Comment,dividends\n2020-01-01,1,hello,0\n2020-01-02,2,=cmd(),0\n',
    );
    expect(f.header.ignored).toEqual(['comment', 'dividends']);
    expect(f.rowsAccepted).toBe(2);
  });
});

describe('symbols', () => {
  test('a file without a symbol column is one series named by its upper-cased file stem', async () => {
    expect(symbolFromFileName('market_data/spx.csv')).toBe('SPX');
    const f = await read('market_data/aapl.csv', closesCsv([1, 2]));
    expect(f.series.map((s) => s.symbol)).toEqual(['AAPL']);
    expect(f.header.symbolFrom).toBe('file name');
  });

  test('a symbol column splits the file into one series per symbol; an empty symbol drops the row', async () => {
    const f = await read(
      'multi.csv',
      'symbol,date,close\nA,2020-01-01,1\nB,2020-01-01,5\nA,2020-01-02,2\n,2020-01-02,9\nB,2020-01-02,6\n',
    );
    expect(f.series.map((s) => [s.symbol, s.length])).toEqual([
      ['A', 2],
      ['B', 2],
    ]);
    expect(f.dropped.missing_symbol).toBe(1);
  });

  test('a name that cannot be a symbol (too long, a slash, a control character) drops its rows; the others go on', async () => {
    const long = 'X'.repeat(2000);
    const f = await read(
      'names.csv',
      `symbol,date,close\nA,2020-01-01,1\n${long},2020-01-01,5\nB/C,2020-01-01,6\nD\u0007,2020-01-01,7\n` +
        `A,2020-01-02,2\n${long},2020-01-02,5\n${'Y'.repeat(64)},2020-01-02,3\n`,
    );
    expect(f.series.map((s) => [s.symbol, s.length])).toEqual([
      ['A', 2],
      ['Y'.repeat(64), 1],
    ]);
    expect(f.dropped.invalid_symbol).toBe(4);
    expect(f.examples.find((e) => e.reason === 'invalid_symbol')).toMatchObject({
      line: 3,
      detail: expect.stringContaining('has 2000 characters (at most 64)'),
    });
  });
});

describe('bronze quality (DOMAIN §7)', () => {
  test('a clean file scores 100 %', async () => {
    const f = await read('c.csv', closesCsv([1, 2, 3, 4]));
    expect(f.quality).toMatchObject({
      completeness: 1,
      validity: 1,
      uniqueness: 1,
      timeliness: 1,
      score: 100,
      passed: true,
    });
  });

  test('components count missing cells, invalid rows, repeated (symbol, date) and order', async () => {
    // 8 rows: one missing close, one non-numeric price, one duplicate date, one pair out of order.
    const text =
      'date,close\n2020-01-01,1\n2020-01-02,\n2020-01-03,x\n2020-01-04,4\n2020-01-04,4\n2020-01-06,6\n2020-01-05,5\n2020-01-07,7\n';
    const q = (await read('q.csv', text)).quality;
    expect(q.completeness).toBeCloseTo(15 / 16, 12);
    expect(q.validity).toBeCloseTo(7 / 8, 12);
    expect(q.uniqueness).toBeCloseTo(7 / 8, 12);
    // 7 consecutive rows: 5 ascending, 1 descending, 1 equal — a repeated date is uniqueness's,
    // no pair in or out of order → ordered share 5/6.
    expect(q.timeliness).toBeCloseTo((1 + 5 / 6) / 2, 12);
    expect(q.score).toBeCloseTo(((15 / 16 + 7 / 8 + 7 / 8 + (1 + 5 / 6) / 2) / 4) * 100, 10);
  });

  test('one repeated row in a daily file (one row per symbol) costs its uniqueness only, not half its timeliness', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `S${i},2019-03-05,${10 + i}`);
    const text = `symbol,date,close\n${[...rows, 'S10,2019-03-05,20'].join('\n')}\n`;
    const q = (await read('daily.csv', text)).quality;
    expect(q.uniqueness).toBeCloseTo(1 - 1 / 201, 12);
    expect(q.timeliness).toBe(1); // was 0.5: the repeat was its symbol's only pair, and not in order
    expect(q.score).toBeCloseTo(((3 + 1 - 1 / 201) / 4) * 100, 10);
  });

  test('the file hash is the sha256 of its bytes', async () => {
    const f = await read('h.csv', 'date,close\n2020-01-01,1\n');
    const { createHash } = await import('node:crypto');
    expect(f.sha256).toBe(createHash('sha256').update('date,close\n2020-01-01,1\n').digest('hex'));
    expect(f.bytes).toBe(24);
  });
});

describe("vendors' column names (input.columnAliases)", () => {
  test("Yahoo's Adj Close is the adjusted close: the split in Close does not reach the prices used", async () => {
    const f = await read(
      'market_data/AAPL.csv',
      'Date,Open,High,Low,Close,Adj Close,Volume\n2020-08-28,500,504,496,499.2,124.8,1000\n2020-08-31,127,131,126,129,129,2000\n',
    );
    expect(f.header.used).toEqual(['date', 'open', 'high', 'low', 'close', 'adjclose', 'volume']);
    expect(f.header.ignored).toEqual([]);
    expect(Array.from(f.series[0]!.adjclose)).toEqual([124.8, 129]);
  });

  test('a Ticker column names the symbols (two interleaved instruments stay two series)', async () => {
    const f = await read(
      'market_data/stack.csv',
      'Date,Ticker,Close\n2024-01-02,AAPL,185.6\n2024-01-02,MSFT,370.9\n2024-01-03,AAPL,184.3\n2024-01-03,MSFT,370.6\n',
    );
    expect(f.header.symbolFrom).toBe('column');
    expect(f.series.map((s) => [s.symbol, Array.from(s.close)])).toEqual([
      ['AAPL', [185.6, 184.3]],
      ['MSFT', [370.9, 370.6]],
    ]);
  });

  test("a file with FINML's own name keeps it; the vendor's column is ignored", async () => {
    const f = await read(
      'market_data/x.csv',
      'symbol,ticker,date,close,adjclose,adj close\nA,B,2024-01-02,1,2,3\n',
    );
    expect(f.series[0]!.symbol).toBe('A');
    expect(Array.from(f.series[0]!.adjclose)).toEqual([2]);
    expect(f.header.ignored).toEqual(['ticker', 'adj close']);
  });

  test('an empty alias map reads only FINML names (Adj Close ignored, as before)', async () => {
    const config = dataConfig();
    const f = await readBronzeMarketFile(bronze('m.csv', 'Date,Close,Adj Close\n2024-01-02,1,2\n', 7), {
      config: { ...config, input: { ...config.input, columnAliases: {} } },
      runDay: RUN_DAY,
    });
    expect(f.header.ignored).toEqual(['adj close']);
  });

  test("yfinance's history().to_csv() dates (a time and an offset) are their dates", async () => {
    const f = await read(
      'market_data/SPY.csv',
      'Date,Open,High,Low,Close,Volume\n2019-01-02 00:00:00-05:00,245.98,251.21,245.95,250.18,126925200\n2019-01-03 00:00:00-05:00,248.23,248.57,243.67,244.21,144140700\n',
    );
    expect(Array.from(f.series[0]!.day)).toEqual([parseIsoDay('2019-01-02'), parseIsoDay('2019-01-03')]);
  });

  test('symbol cells are upper-cased (input.upperCaseSymbols): aapl and AAPL are one series', async () => {
    const text = 'symbol,date,close\naapl,2024-01-02,1\nAAPL,2024-01-03,2\n brk.b ,2024-01-02,3\n';
    const f = await read('m.csv', text);
    expect(f.series.map((s) => [s.symbol, s.length])).toEqual([
      ['AAPL', 2],
      ['BRK.B', 1],
    ]);
    const config = dataConfig();
    const asWritten = await readBronzeMarketFile(bronze('m.csv', text, 7), {
      config: { ...config, input: { ...config.input, upperCaseSymbols: false } },
      runDay: RUN_DAY,
    });
    expect(asWritten.series.map((s) => s.symbol)).toEqual(['aapl', 'AAPL', 'brk.b']);
  });

  test('a price below the smallest normal double is dropped like a non-positive one (its log return would overflow)', async () => {
    const f = await read(
      'm.csv',
      'date,close\n2020-01-02,300\n2020-01-03,1e-320\n2020-01-06,1e-300\n2020-01-07,301\n',
    );
    expect(f.dropped.non_positive_price).toBe(1);
    expect(f.examples[0]).toMatchObject({
      line: 3,
      detail: 'close 1e-320 is below 2.2e-308 (not a normal number)',
    });
    expect(Array.from(f.series[0]!.close)).toEqual([300, 1e-300, 301]);
  });
});
