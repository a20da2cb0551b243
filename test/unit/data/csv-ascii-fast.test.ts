/**
 * The ASCII fast path of readCsvRows: a chunk of ASCII bytes is copied into a string without the
 * UTF-8 decoder, and its records read decimals and compare cells on the bytes. Checked against
 * readCsvRecords (the UTF-8 decoder on every chunk, strings per cell) and parseDecimalIn (the
 * string scanner): the same records, lines, values (Object.is) and errors, whatever the chunking.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseDecimalBytes, parseDecimalIn } from '#shared/data/values';
import { bytesOf, chunked, cutAt, encode, type Outcome, viaRecords, viaRows } from '../../helpers/csv.ts';

async function expectSameAtCuts(bytes: Uint8Array, cuts: readonly number[], max?: number): Promise<Outcome> {
  const rows = await viaRows(cutAt(bytes, cuts), max);
  expect(rows).toEqual(await viaRecords(cutAt(bytes, cuts), max));
  return rows;
}

/** parseDecimalBytes over the bytes of `text` (ASCII) equals parseDecimalIn over the text. */
function expectSameDecimal(cell: string): void {
  const text = `x,${cell},9`;
  const bytes = encode(text);
  expect(bytes.length).toBe(text.length);
  const expected = parseDecimalIn(text, 2, 2 + cell.length);
  const got = parseDecimalBytes(bytes, text, 2, 2 + cell.length);
  expect(Object.is(got, expected), `${JSON.stringify(cell)}: ${got} vs ${expected}`).toBe(true);
  if (cell === '' || !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(cell)) return;
  // A well-formed finite decimal is Number() of it.
  if (Number.isFinite(Number(cell))) expect(Object.is(got, Number(cell))).toBe(true);
}

describe('parseDecimalBytes gives the values of parseDecimalIn, bit for bit', () => {
  test.each([
    '0',
    '-0',
    '+0',
    '-0.0',
    '.5',
    '-.5',
    '+.5',
    '5.',
    '-5.',
    '.',
    '-.',
    '+',
    '-',
    '+-1',
    '1..2',
    '1.2.3',
    '007',
    '-007.250',
    '00000000000000000000000000001',
    '0.0000000000000000000001', // 22 decimals: the last exact power of ten
    '0.00000000000000000000001', // 23 decimals: beyond it
    '1.0000000000000000000000',
    '123456789012345', // 15 significant digits
    '1234567890123456', // 16
    '12345678901234567', // 17
    '9007199254740991', // 2^53 − 1
    '9007199254740992', // 2^53
    '9007199254740993', // 2^53 + 1 (rounds to even)
    '900719925474099.1',
    '900719925474099.3',
    '0.9007199254740991',
    '0.9007199254740993',
    '-9007199254740993',
    '0.1',
    '0.3',
    '180.6876',
    '635114',
    '1e5',
    '1E-7',
    '1e22',
    '1e23',
    '5e-324',
    '1.7976931348623157e308',
    '1e309',
    '1e',
    'e5',
    ' 1',
    '1 ',
    '1,5',
    '0x1A',
    'NaN',
    'Infinity',
    '',
  ])('%j', (cell) => expectSameDecimal(cell));

  test('on random decimal-looking text', () => {
    const decimalLike = fc
      .array(fc.constantFrom('0', '1', '5', '9', '.', '-', '+', 'e', 'E', ' ', 'x'), { maxLength: 24 })
      .map((parts) => parts.join(''));
    fc.assert(fc.property(decimalLike, expectSameDecimal), { numRuns: 3000 });
  });

  test('on 15 to 17 significant digits with up to 24 decimals, and mantissas around 2^53', () => {
    const digitsAndPoint = fc
      .tuple(
        fc.oneof(
          fc.bigInt({ min: 10n ** 14n, max: 10n ** 17n - 1n }),
          fc.bigInt({ min: 2n ** 53n - 2000n, max: 2n ** 53n + 2000n }),
        ),
        fc.integer({ min: 0, max: 24 }),
        fc.constantFrom('', '-', '+'),
        fc.integer({ min: 0, max: 3 }),
      )
      .map(([m, k, sign, zeros]) => {
        const text = '0'.repeat(zeros) + m.toString().padStart(k + 1, '0');
        return sign + (k === 0 ? text : `${text.slice(0, -k)}.${text.slice(-k)}`);
      });
    fc.assert(fc.property(digitsAndPoint, expectSameDecimal), { numRuns: 5000 });
  });

  test('on the text of random doubles (shortest round-trip and fixed notation)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.integer({ min: 0, max: 20 }), (x, digits) => {
        expectSameDecimal(String(x));
        if (Number.isFinite(x) && Math.abs(x) < 1e21) expectSameDecimal(x.toFixed(digits));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('readCsvRows over ASCII chunks gives the records and errors of readCsvRecords', () => {
  test('a multi-byte character split across chunks, with ASCII chunks before and after it', async () => {
    const bytes = bytesOf('symbol,close\nAB,1.5\nÉ€,2.25\n😀,-0\nCD,.5\n');
    const e = bytes.indexOf(0xc3);
    const euro = bytes.indexOf(0xe2);
    const emoji = bytes.indexOf(0xf0);
    for (const cuts of [
      [e + 1],
      [e - 2, e + 1, e + 3],
      [euro + 1, euro + 2],
      [emoji + 1, emoji + 3, emoji + 6],
    ]) {
      const out = await expectSameAtCuts(bytes, cuts);
      expect(out.records.map((r) => r.cells[0])).toEqual(['symbol', 'AB', 'É€', '😀', 'CD']);
    }
  });

  test('an ASCII chunk after one that ends inside a character is invalid UTF-8 on that line', async () => {
    // "x,\xC3" then "\n1,2\n": the character never ends.
    const bytes = bytesOf('a,b\nx,', [0xc3], '\n1,2\n');
    const at = bytes.indexOf(0xc3);
    for (const cuts of [[at + 1], [at - 3, at + 1], [at + 1, at + 2]]) {
      const out = await expectSameAtCuts(bytes, cuts);
      expect(out.error).toMatchObject({ code: 'invalid_utf8', line: 2 });
    }
  });

  test('invalid bytes at a chunk border, after many ASCII lines, name the right line', async () => {
    const head = 'date,close\n' + Array.from({ length: 40 }, (_, k) => `2020-01-${k},${k}.5\n`).join('');
    for (const bad of [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
      const bytes = bytesOf(head, 'x,', bad, ',1\nlast,2\n');
      const at = head.length + 2;
      for (const cuts of [[at], [at + 1], [at - 1, at + 1], [5, at, at + 2]]) {
        const out = await expectSameAtCuts(bytes, cuts);
        expect(out.error).toMatchObject({ code: 'invalid_utf8', line: 42 });
        // Every record before the bad line, or none when the first chunk already shows the bad bytes.
        expect([0, 41]).toContain(out.records.length);
      }
    }
  });

  test('a stream that ends inside a character after ASCII chunks', async () => {
    const bytes = bytesOf('a\nb\nc', [0xe2, 0x82]);
    for (const cuts of [[2], [2, 4], [5], [6]]) {
      const out = await expectSameAtCuts(bytes, cuts);
      expect(out.error).toMatchObject({ code: 'invalid_utf8', line: 3 });
    }
  });

  test('only the stream start drops a byte-order mark, also when the first chunks are ASCII', async () => {
    const bytes = bytesOf('a,b\n\uFEFF1,2\n\uFEFF\uFEFFc\n');
    for (const cuts of [[4], [2, 4], [4, 5], [4, 7], [4, 5, 6, 7, 12, 14]]) {
      const out = await expectSameAtCuts(bytes, cuts);
      expect(out.records.map((r) => r.cells[0])).toEqual(['a', '\uFEFF1', '\uFEFF\uFEFFc']);
    }
    // A stream that starts with a byte-order mark split across chunks, then ASCII chunks.
    const marked = bytesOf('\uFEFF\uFEFFa,b\n1,2\n');
    for (const cuts of [[1], [1, 2], [3], [3, 4], [6], [3, 7, 9]]) await expectSameAtCuts(marked, cuts);
  });

  test('records longer than the limit, counted in characters, across ASCII and other chunks', async () => {
    const bytes = bytesOf('a,b\n12345,6\néé€😀,1\n1234567,8\n');
    for (const max of [4, 6, 7, 8, 9, 12])
      for (const cuts of [[], [4], [5, 13], [13, 20], [3, 9, 11]]) await expectSameAtCuts(bytes, cuts, max);
  });

  /** Mostly ASCII CSV, so that many chunks are pure ASCII, with some quoted and non-ASCII cells. */
  const cellArb = fc.oneof(
    { weight: 6, arbitrary: fc.stringMatching(/^[+-]?\d{0,17}(\.\d{0,6})?$/) },
    { weight: 2, arbitrary: fc.stringMatching(/^[A-Z]{1,5}$/) },
    { weight: 1, arbitrary: fc.constantFrom('2020-01-02', '1e5', '', '-', '.', 'É1', '€', '😀', '\uFEFF') },
    { weight: 1, arbitrary: fc.constantFrom('"a,b"', '"x""y"', '"l\nm"', '"1.5"') },
  );
  const csvArb = fc
    .array(
      fc.tuple(
        fc.array(cellArb, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n', '\r', '\n\n'),
      ),
      { maxLength: 20 },
    )
    .map((rows) => rows.map(([cells, eol]) => cells.join(',') + eol).join(''));
  const sizesArb = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 });

  test('on random mostly-ASCII CSV in random chunks', async () => {
    await fc.assert(
      fc.asyncProperty(csvArb, sizesArb, async (text, sizes) => {
        const bytes = encode(text);
        expect(await viaRows(chunked(bytes, sizes))).toEqual(await viaRecords(chunked(bytes, sizes)));
      }),
      { numRuns: 400 },
    );
  });

  test('on random mostly-ASCII CSV with an invalid sequence, in random chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        csvArb,
        fc.nat(),
        fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0x80]),
        sizesArb,
        async (text, at, bad, sizes) => {
          const good = encode(text);
          const cut = at % (good.length + 1);
          const bytes = new Uint8Array([...good.subarray(0, cut), ...bad, ...good.subarray(cut)]);
          const rows = await viaRows(chunked(bytes, sizes));
          expect(rows.error?.code).toBe('invalid_utf8');
          expect(rows).toEqual(await viaRecords(chunked(bytes, sizes)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
