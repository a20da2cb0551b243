/**
 * The character scanners of values.ts against the definitions of DOMAIN §1: the regular
 * expression of a plain decimal with Number() for its value, and `^(\d{4})-(\d{2})-(\d{2})$`
 * for a date. Values are compared with Object.is, so −0 and NaN count.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { daysFromCivil, parseDecimal, parseDecimalIn, parseIsoDay } from '#shared/data/values';

/** DOMAIN §1, literally. */
function strictDecimal(cell: string): number | undefined {
  if (cell === '') return undefined;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(cell)) return Number.NaN;
  const v = Number(cell);
  return Number.isFinite(v) ? v : Number.NaN;
}

function strictIsoDay(cell: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(cell);
  if (m === null) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (days === undefined || d < 1 || d > days) return undefined;
  return daysFromCivil(y, mo, d);
}

/** parseDecimal and parseDecimalIn (inside surrounding text) agree with the definition. */
function expectDecimal(cell: string): void {
  const expected = strictDecimal(cell);
  expect(Object.is(parseDecimal(cell), expected), `parseDecimal(${JSON.stringify(cell)})`).toBe(true);
  const text = `9,${cell},-`;
  expect(Object.is(parseDecimalIn(text, 2, 2 + cell.length), expected), `in ${JSON.stringify(text)}`).toBe(
    true,
  );
}

describe('parseDecimal / parseDecimalIn equal the DOMAIN §1 definition', () => {
  test.each([
    '0',
    '-0',
    '+0',
    '-0.0',
    '0.1',
    '0.3',
    '+.5',
    '-.5',
    '.5',
    '5.',
    '-5.',
    '007',
    '00.1000',
    '000000000000000000001',
    '1e22',
    '1e23',
    '1E-7',
    '9007199254740993',
    '9007199254740992',
    '0.9007199254740992',
    '0.9007199254740993',
    '-0.00028032917624510716',
    '0.0000000000000000000001',
    '0.00000000000000000000001',
    '1.000000000000000000001',
    '123456789012345',
    '1234567890123456',
    '999999999999999.9',
    '0.000000000000001',
    '0.1000000000000000055511151231257827',
    '1.7976931348623157e308',
    '1e309',
    '4.9e-324',
    '1e-400',
    '180.6876',
    '',
    '.',
    '-',
    '+',
    '+-1',
    '1..2',
    '1.2.3',
    '1e',
    '1e+',
    'e5',
    ' 1',
    '1 ',
    '1,5',
    '0x1A',
    'Infinity',
    'NaN',
    '١٢',
    '１',
  ])('%j', (cell) => expectDecimal(cell));

  test('on random decimal-looking text', () => {
    const decimalLike = fc
      .array(fc.constantFrom('0', '1', '5', '9', '.', '-', '+', 'e', 'E', ' ', 'x'), { maxLength: 24 })
      .map((parts) => parts.join(''));
    fc.assert(fc.property(decimalLike, expectDecimal), { numRuns: 3000 });
  });

  test('on random well-formed decimals with long mantissas, many decimals and exponents', () => {
    const decimal = fc
      .tuple(
        fc.constantFrom('', '+', '-'),
        fc.stringMatching(/^\d{0,20}$/),
        fc.option(fc.stringMatching(/^\d{0,25}$/)),
        fc.option(fc.integer({ min: -330, max: 330 })),
      )
      .map(
        ([sign, int, frac, exp]) =>
          `${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}`,
      );
    fc.assert(fc.property(decimal, expectDecimal), { numRuns: 5000 });
  });

  test('on mantissas around 2^53 with up to 24 decimals (the edge of the exact fast path)', () => {
    const nearTwoPow53 = fc
      .tuple(fc.bigInt({ min: 2n ** 53n - 1000n, max: 2n ** 53n + 1000n }), fc.integer({ min: 0, max: 24 }))
      .map(([m, k]) => {
        const text = m.toString().padStart(k + 1, '0');
        return k === 0 ? text : `${text.slice(0, -k)}.${text.slice(-k)}`;
      });
    fc.assert(fc.property(nearTwoPow53, expectDecimal), { numRuns: 3000 });
  });

  test('on the text of random doubles (shortest round-trip and fixed notation)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.integer({ min: 0, max: 20 }), (x, digits) => {
        expectDecimal(String(x));
        if (Number.isFinite(x) && Math.abs(x) < 1e21) expectDecimal(x.toFixed(digits));
      }),
      { numRuns: 3000 },
    );
  });

  test('an empty range is a missing cell', () => {
    expect(parseDecimalIn('12,,3', 3, 3)).toBeUndefined();
  });
});

describe('parseIsoDay equals the strict YYYY-MM-DD definition', () => {
  test.each([
    '2020-01-01',
    '0000-01-01',
    '9999-12-31',
    '2000-02-29',
    '1900-02-29',
    '2020-02-30',
    '2020-00-01',
    '2020-13-01',
    '2020-01-00',
    '2020-01-32',
    '2020-1-01',
    '2020/01/01',
    '2020-01-01 ',
    '2020-01-01\n',
    '+020-01-01',
    '2020-0a-01',
    '2020-0:-01',
    '2020-01-/1',
    '２０２０-01-01',
    '',
  ])('%j', (cell) => {
    expect(parseIsoDay(cell)).toBe(strictIsoDay(cell));
  });

  test('on random date-looking text', () => {
    const dateLike = fc
      .array(fc.constantFrom('0', '1', '2', '3', '9', '-', '/', ':', ' ', 'a'), {
        minLength: 8,
        maxLength: 12,
      })
      .map((parts) => parts.join(''));
    const nearlyValid = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
      )
      .map(
        ([y, m, d]) =>
          `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
      );
    fc.assert(
      fc.property(fc.oneof(dateLike, nearlyValid), (cell) => {
        expect(parseIsoDay(cell)).toBe(strictIsoDay(cell));
      }),
      { numRuns: 5000 },
    );
  });
});
