import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  civilFromDays,
  daysFromCivil,
  formatIsoDay,
  parseDayCell,
  parseDecimal,
  parseIsoDay,
} from '#shared/data/values';

describe('parseDecimal (DOMAIN §1 plain decimals)', () => {
  test.each([
    ['1601.5', 1601.5],
    ['+3', 3],
    ['-0.25', -0.25],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['2.5E-2', 0.025],
  ])('accepts %s', (cell, value) => {
    expect(parseDecimal(cell)).toBe(value);
  });

  test.each([
    '1601.5x',
    'NaN',
    'nan',
    'inf',
    'Infinity',
    '1,234.5',
    ' 12',
    '12 ',
    '0x10',
    '1e',
    '--1',
    '1e999',
    '.',
  ])('rejects %j as not a number (NaN), although parseFloat may accept it', (cell) => {
    expect(parseDecimal(cell)).toBeNaN();
  });

  test('an empty cell is missing, not invalid', () => {
    expect(parseDecimal('')).toBeUndefined();
  });
});

describe('parseIsoDay (strict YYYY-MM-DD, real calendar days)', () => {
  test.each([
    '1992-6-5',
    '12/19/1991',
    '1991-02-30',
    '2021-02-29',
    '2020-13-01',
    '2020-00-10',
    '2020-01-1',
    ' 2020-01-01',
    '20200101',
  ])('rejects %j', (cell) => {
    expect(parseIsoDay(cell)).toBeUndefined();
  });

  test('accepts leap days and counts days since 1970-01-01', () => {
    expect(parseIsoDay('1970-01-01')).toBe(0);
    expect(parseIsoDay('2000-02-29')).toBe(11016);
    expect(parseIsoDay('2020-02-29')).toBe(18321);
    expect(parseIsoDay('0099-03-01')).toBe(daysFromCivil(99, 3, 1)); // not mapped to 1999 like Date.UTC
  });

  test('formatIsoDay inverts parseIsoDay for every day from year 1 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: daysFromCivil(1, 1, 1), max: daysFromCivil(9999, 12, 31) }), (day) => {
        const [y, m, d] = civilFromDays(day);
        expect(daysFromCivil(y, m, d)).toBe(day);
        expect(parseIsoDay(formatIsoDay(day))).toBe(day);
      }),
    );
  });
});

describe('parseDayCell (bronze date cells)', () => {
  test('a date, or a date with a time of day as vendors write daily bars: the date as written', () => {
    const day = parseIsoDay('2019-01-02');
    for (const cell of [
      '2019-01-02',
      '2019-01-02 00:00:00-05:00',
      '2019-01-02T00:00:00Z',
      '2019-01-02 16:00',
      '2019-01-02T23:59:59.123+0900',
    ])
      expect(parseDayCell(cell), cell).toBe(day);
  });

  test('anything else is not a day', () => {
    for (const cell of [
      '2019-01-02 ',
      '2019-01-02T',
      '2019-01-02 24:00',
      '2019-01-02 00:00:00 EST',
      '2019-01-02x00:00',
      '2019/01/02 00:00',
      '2019-02-30 00:00',
    ])
      expect(parseDayCell(cell), cell).toBeUndefined();
  });
});
