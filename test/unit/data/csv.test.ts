import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { csvCell, csvLine, firstInvalidUtf8, readCsvRecords, unneutralised } from '#shared/data/csv';
import { DataRejectedError } from '#shared/data/errors';
import { bronze } from '../../helpers/data.ts';

async function records(text: string | Uint8Array, chunkSize = 1 << 16, maxRecordLength?: number) {
  const input = bronze('f.csv', text, chunkSize);
  const out: { line: number; cells: string[] }[] = [];
  for await (const batch of readCsvRecords(input.chunks, { file: 'f.csv', maxRecordLength }))
    out.push(...batch.map(({ line, cells }) => ({ line, cells })));
  return out;
}

describe('readCsvRecords', () => {
  test('reads quoted cells with separators, escaped quotes and line breaks, and names each record by its first line', async () => {
    const r = await records('a,b\n"x,1","say ""hi"""\n"two\nlines",3\nlast,4');
    expect(r).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x,1', 'say "hi"'] },
      { line: 3, cells: ['two\nlines', '3'] },
      { line: 5, cells: ['last', '4'] },
    ]);
  });

  test('treats CRLF like LF, skips blank lines and a UTF-8 BOM', async () => {
    const r = await records('\uFEFFdate,close\r\n2020-01-01,1\r\n\r\n2020-01-02,2\r\n');
    expect(r).toEqual([
      { line: 1, cells: ['date', 'close'] },
      { line: 2, cells: ['2020-01-01', '1'] },
      { line: 4, cells: ['2020-01-02', '2'] },
    ]);
  });

  test('keeps empty trailing cells', async () => {
    expect(await records('a,b,c\n1,,\n')).toEqual([
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['1', '', ''] },
    ]);
  });

  test('gives the same records whatever the chunk size (chunk boundaries inside quotes, CRLF, multi-byte characters)', async () => {
    const row = fc.array(
      fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('"', ',', '\r\n', '\n', 'é', '€', '😀')),
      { minLength: 1, maxLength: 5 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 7 }),
        async (rows, size) => {
          const text = rows
            .map((cells) => cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(','))
            .join('\r\n');
          const whole = await records(text, 1 << 20);
          const pieces = await records(text, size);
          expect(pieces).toEqual(whole);
          expect(whole.map((r) => r.cells)).toEqual(rows);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('rejects invalid UTF-8 naming the first bad line, even when the bad byte straddles a chunk boundary', async () => {
    const good = new TextEncoder().encode('date,close\n2020-01-01,1\n2020-01-02,é\n');
    const bytes = new Uint8Array([...good, ...new TextEncoder().encode('2020-01-03,'), 0xff, 0x0a]);
    for (const size of [1, 2, 3, 5, 1 << 16]) {
      const error = await records(bytes, size).catch((e) => e);
      expect(error).toBeInstanceOf(DataRejectedError);
      expect(error).toMatchObject({ code: 'invalid_utf8', line: 4, file: 'f.csv' });
    }
  });

  test('rejects a record longer than the limit, naming its line', async () => {
    const error = await records(`date,close\n2020-01-01,${'9'.repeat(5000)}\n`, 64, 1000).catch((e) => e);
    expect(error).toMatchObject({ code: 'line_too_long', line: 2 });
  });
});

describe('firstInvalidUtf8', () => {
  test('finds overlong encodings, surrogates, stray continuation bytes and truncated sequences', () => {
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0xc0, 0xaf]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0xe2, 0x82]))).toBe(1);
    expect(firstInvalidUtf8(new TextEncoder().encode('ok € 😀'))).toBe(11);
  });
});

describe('csvCell (writing)', () => {
  test.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1+1', "'+1+1"],
    ['-cmd', "'-cmd"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
  ])('neutralises and quotes text %j', (text, written) => {
    expect(csvCell(text)).toBe(written);
  });

  test("an apostrophe at the start is marked too, so every text reads back as itself (=X and '=X stay two symbols)", () => {
    const texts = ['=X', "'=X", "''=X", "'", "'ABC", 'ABC', '@', '-', "'\t", '\tx'];
    const written = texts.map(csvCell);
    expect(written.slice(0, 5)).toEqual(["'=X", "''=X", "'''=X", "''", "''ABC"]);
    expect(new Set(written).size).toBe(texts.length);
    // csvCell quotes nothing here, so the written cell is the cell a reader gets.
    expect(written.map(unneutralised)).toEqual(texts);
  });

  test('writes numbers as numbers (negative numbers are not neutralised) and non-finite numbers as empty', () => {
    expect(csvLine([-0.25, 1e-7, Number.NaN, 'x'])).toBe('-0.25,1e-7,,x\n');
  });
});
