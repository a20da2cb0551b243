/**
 * readCsvRows (a reused row view over cell boundaries) against readCsvRecords (strings per cell):
 * the same records, lines and errors whatever the text and its chunking.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { readCsvRows } from '#shared/data/csv';
import { chunked, viaRecords, viaRows } from '../../helpers/csv.ts';

/** The outcomes of the two readers over `bytes` cut into chunks of `sizes` (cycled). */
const rowsOf = (bytes: Uint8Array, sizes: readonly number[], max?: number) =>
  viaRows(chunked(bytes, sizes), max);
const recordsOf = (bytes: Uint8Array, sizes: readonly number[], max?: number) =>
  viaRecords(chunked(bytes, sizes), max);

const encode = (text: string) => new TextEncoder().encode(text);

/** CSV-like text: plain and quoted cells, every kind of line end, blank lines, BOMs, non-ASCII. */
const cellArb = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[+-]?\d{0,6}(\.\d{0,4})?$/) },
  { weight: 2, arbitrary: fc.string({ maxLength: 6 }) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.constantFrom('a', ',', '"', '\n', '\r\n', '\r', 'é', '€', '😀', '\uFEFF', ' '), {
        maxLength: 5,
      })
      .map((parts) => `"${parts.join('').replaceAll('"', '""')}"`),
  },
  { weight: 1, arbitrary: fc.constantFrom('', '"', 'a"b', '"x"y', '€', '😀', '\uFEFF', '2020-01-02', '1e5') },
);
const lineEndArb = fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\r\n\r\n');
const csvTextArb = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.tuple(fc.array(cellArb, { minLength: 1, maxLength: 6 }), lineEndArb), { maxLength: 12 }),
    fc.boolean(),
  )
  .map(
    ([bom, rows, trailing]) =>
      (bom ? '\uFEFF' : '') +
      rows.map(([cells, eol], i) => cells.join(',') + (i < rows.length - 1 || trailing ? eol : '')).join(''),
  );

/** Arbitrary text over the characters that matter to the parser. */
const rawTextArb = fc
  .array(fc.constantFrom(',', '"', '\n', '\r', 'a', '1', '.', 'é', '😀', '\uFEFF'), { maxLength: 60 })
  .map((parts) => parts.join(''));

const sizesArb = fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 6 });

describe('readCsvRows gives the records of readCsvRecords', () => {
  test('on CSV-like text in random chunks (quotes, CRLF, lone CR, blank lines, BOM, multi-byte characters)', async () => {
    await fc.assert(
      fc.asyncProperty(csvTextArb, sizesArb, async (text, sizes) => {
        const bytes = encode(text);
        const expected = await recordsOf(bytes, [1 << 20]);
        expect(await rowsOf(bytes, sizes)).toEqual(expected);
        expect(await recordsOf(bytes, sizes)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  test('on arbitrary text over the special characters, in random chunks', async () => {
    await fc.assert(
      fc.asyncProperty(rawTextArb, sizesArb, async (text, sizes) => {
        const bytes = encode(text);
        expect(await rowsOf(bytes, sizes)).toEqual(await recordsOf(bytes, sizes));
      }),
      { numRuns: 400 },
    );
  });

  test('with the same overlong-record errors (line and order of the checks) and the records before them', async () => {
    await fc.assert(
      fc.asyncProperty(csvTextArb, sizesArb, fc.integer({ min: 1, max: 30 }), async (text, sizes, max) => {
        const bytes = encode(text);
        expect(await rowsOf(bytes, sizes, max)).toEqual(await recordsOf(bytes, sizes, max));
      }),
      { numRuns: 300 },
    );
  });

  test('with the same invalid UTF-8 errors and the records before them', async () => {
    await fc.assert(
      fc.asyncProperty(
        csvTextArb,
        fc.nat(),
        fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80]),
        sizesArb,
        async (text, at, bad, sizes) => {
          const good = encode(text);
          const cut = good.length === 0 ? 0 : at % (good.length + 1);
          const bytes = new Uint8Array([...good.subarray(0, cut), ...bad, ...good.subarray(cut)]);
          const rows = await rowsOf(bytes, sizes);
          expect(rows.error?.code).toBe('invalid_utf8');
          expect(rows).toEqual(await recordsOf(bytes, sizes));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('readCsvRows edge cases', () => {
  test('names records by their first physical line across quoted line breaks and blank lines', async () => {
    const text = '\uFEFFa,b\r\n"x\ny",2\n\n\r\nlast,"q""uote"';
    expect((await rowsOf(encode(text), [3])).records).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x\ny', '2'] },
      { line: 6, cells: ['last', 'q"uote'] },
    ]);
  });

  test('drops only the byte-order mark that starts the stream: U+FEFF later is text, whatever the chunking', async () => {
    const text = '\uFEFFa\n\uFEFFb\n\uFEFFc';
    for (const size of [1, 2, 4, 5, 7, 1 << 16]) {
      const expected = [
        { line: 1, cells: ['a'] },
        { line: 2, cells: ['\uFEFFb'] },
        { line: 3, cells: ['\uFEFFc'] },
      ];
      expect((await rowsOf(encode(text), [size])).records).toEqual(expected);
      expect((await recordsOf(encode(text), [size])).records).toEqual(expected);
    }
  });

  test('hands over no record of a chunk that fails the length check', async () => {
    const text = 'a,b\n1,2\n123456789012,3\n4,5\n';
    const out = await rowsOf(encode(text), [1 << 16], 10);
    expect(out.records).toEqual([]);
    expect(out.error).toMatchObject({ code: 'line_too_long', line: 3 });
  });

  test('passes on an error thrown by the callback and stops reading', async () => {
    let pulled = 0;
    const chunks = (async function* () {
      for (const part of ['a,b\n', '1,2\n', '3,4\n']) {
        pulled++;
        yield encode(part);
      }
    })();
    const error = await readCsvRows(chunks, { file: 'f.csv' }, (row) => {
      if (row.line === 2) throw new Error('stop');
    }).catch((e: unknown) => e);
    expect(error).toEqual(new Error('stop'));
    expect(pulled).toBe(2);
  });
});
