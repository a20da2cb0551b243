import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keys, symbolOfKey } from '#shared/usecases/lake';

// A symbol's staged rows are found by a key prefix, so no symbol's prefix may start another
// symbol's keys; the merged silver and gold are staged flat, one folder per run and kind.
describe('lake keys', () => {
  it("one symbol's staged-rows prefix never lists another symbol's rows", () => {
    const symbol = fc.string({
      minLength: 1,
      maxLength: 12,
      unit: fc.constantFrom('A', 'B', '.', '@', '-', '/', '=', '%', 'é'),
    });
    fc.assert(
      fc.property(symbol, symbol, fc.nat(9999), (a, b, index) => {
        const rows = keys.stagedRows('20190301T000000-abcdef01', b, index);
        expect(rows.startsWith(keys.stagedRowsPrefix('20190301T000000-abcdef01', a))).toBe(a === b);
      }),
    );
  });

  it('names staged objects under the run, one folder per kind, and published ones by partition', () => {
    expect(keys.stagedRows('r1', 'S&P 500', 3)).toBe('staging/r1/market/symbol=S%26P%20500/rows-0003.rows');
    expect(keys.stagedSilver('r1', 'SPX')).toBe('staging/r1/merged/market/SPX@part-0000.parquet');
    expect(keys.stagedGold('r1', 'SPX')).toBe('staging/r1/merged/features/SPX@part-0000.parquet');
    for (const k of [
      keys.stagedRows('r1', 'SPX', 0),
      keys.stagedSilver('r1', 'SPX'),
      keys.stagedGold('r1', 'SPX'),
    ])
      expect(k.startsWith(keys.staging('r1'))).toBe(true);
    expect(symbolOfKey(keys.gold('S&P 500'))).toBe('S&P 500');
    expect(symbolOfKey(keys.silver('A/B'))).toBe('A/B');
  });
});
