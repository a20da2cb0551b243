/** The identifiers the API takes from callers: symbols, versions, and own-property lookups. */
import { describe, expect, test } from 'vitest';
import { MODEL_VERSION_PATTERN, ownEntry, SYMBOL_PATTERN, symbolProblem } from '#shared/identifiers';

describe('identifiers', () => {
  test('ownEntry never returns a prototype property', () => {
    const latest: Record<string, { regime: string }> = { SPX: { regime: 'Low' } };
    expect(ownEntry(latest, 'SPX')).toEqual({ regime: 'Low' });
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(ownEntry(latest, key), key).toBeUndefined();
    }
  });

  test('symbols: tickers and file stems pass; control characters, slashes and edge spaces do not', () => {
    for (const s of ['SPX', 'BRK.B', '^GSPC', 'EURUSD=X', 'SP500-2000', 'MSCI WORLD', 'ÖMX']) {
      expect(SYMBOL_PATTERN.test(s), s).toBe(true);
    }
    for (const s of [' SPX', 'SPX ', 'a/b', 'a\\b', 'x\u0000', 'tab\there', 'new\nline']) {
      expect(SYMBOL_PATTERN.test(s), JSON.stringify(s)).toBe(false);
    }
  });

  test('versions are what training names them', () => {
    expect(MODEL_VERSION_PATTERN.test('20261202T184751-603fc533')).toBe(true);
    for (const v of [
      'latest',
      '20261202T184751-603FC533',
      '20261202T184751-603fc53',
      `${'v'.repeat(1100)}`,
    ]) {
      expect(MODEL_VERSION_PATTERN.test(v), v.slice(0, 30)).toBe(false);
    }
  });
});

test('symbolProblem names the problem: a space at an edge is said as such, not as a control character', () => {
  // The walk: "market_data/ lead.csv" was told its symbol " LEAD" held a control character or a slash.
  expect(symbolProblem(' LEAD')).toBe('it starts or ends with a space');
  expect(symbolProblem('LEAD ')).toBe('it starts or ends with a space');
  expect(symbolProblem('A/B')).toBe('it holds a control character, a slash or a backslash');
  expect(symbolProblem('MY PRICES')).toBeUndefined();
});

test('symbolProblem refuses a symbol whose partition name would not fit a file name, and half a surrogate pair', () => {
  // The walk: 40 CJK characters (within 64) made a 367-byte folder name: ENAMETOOLONG lost the run.
  expect(symbolProblem('日'.repeat(40))).toBe(
    'its partition name (URL-encoded) would take 360 bytes (at most 160: fewer non-ASCII characters)',
  );
  expect(symbolProblem('日'.repeat(17))).toBeUndefined();
  expect(symbolProblem('日'.repeat(18))).toMatch(/162 bytes/);
  expect(symbolProblem('A'.repeat(64))).toBeUndefined();
  expect(symbolProblem('BRK.B')).toBeUndefined();
  // A dot is %2E in a lease's folder name.
  expect(symbolProblem(`${'日'.repeat(12)}${'.'.repeat(20)}`)).toMatch(/168 bytes/);
  expect(symbolProblem('😀'.repeat(14))).toMatch(/168 bytes/);
  expect(symbolProblem('A\uD800B')).toBe('it holds an unpaired UTF-16 surrogate (not a character)');
  expect(symbolProblem('😀X')).toBeUndefined();
});
