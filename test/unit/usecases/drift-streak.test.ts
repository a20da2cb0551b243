/**
 * persistChecks counts breached checks of new data of what drifts: each check counts when it judged a
 * breaching symbol's data no earlier check of the run had (its breach parts).
 */
import { expect, test } from 'vitest';
import { breachParts, previousBreachCount } from '#shared/usecases/monitoring';

const check = (parts: string[], breached = true, modelVersion = 'm1') => ({
  modelVersion,
  breached,
  breachParts: parts,
});

test('consecutive breached checks of the model count; a check that did not breach, or of another model, ends the run', () => {
  expect(previousBreachCount([check(['a2']), check(['a1'])], 'm1', ['a3'])).toBe(2);
  expect(previousBreachCount([check(['a2']), check(['a1'], false), check(['a0'])], 'm1', ['a3'])).toBe(1);
  expect(previousBreachCount([check(['a2']), check(['a1'], true, 'm0')], 'm1', ['a3'])).toBe(1);
});

test('two checks that ran at once on the same data (two uploads published together) count once', () => {
  // The walk's sequence: d4 and d5 uploaded together, both checks saw the same data; d6 alone.
  expect(previousBreachCount([check(['a45']), check(['a45']), check(['a3'])], 'm1', ['a6'])).toBe(2);
});

test('this check adds nothing when its data was judged already: the streak stays', () => {
  // previous + 1 is the streak this check records: 2 here, as the newest earlier check's.
  expect(previousBreachCount([check(['a4']), check(['a3'])], 'm1', ['a4'])).toBe(1);
});

test("fewer breaching symbols on the same data add nothing; a breaching symbol's new data does", () => {
  // {A, B} breached on A1, B1; B's new data ended its drift; A still breaches on A1.
  expect(previousBreachCount([check(['A1', 'B1'])], 'm1', ['A1'])).toBe(0);
  expect(previousBreachCount([check(['A1', 'B1'])], 'm1', ['A2'])).toBe(1);
  expect(previousBreachCount([check(['A1'])], 'm1', ['A1', 'C1'])).toBe(1);
});

test('a record from before breach parts ends the run (its data is unknown: counting it could retrain on judged data)', () => {
  const old = { modelVersion: 'm1', breached: true, goldFingerprint: 'g1' };
  expect(previousBreachCount([check(['a2']), old, check(['a0'])], 'm1', ['a3'])).toBe(1);
});

test("breach parts are the breaching symbols' partitions: other symbols' files change the lake, not the parts", () => {
  const part = (symbol: string, sha: string) => ({
    file: `features/symbol=${symbol}/part-0.parquet`,
    sha256: sha,
  });
  const before = [part('SPX', 'a'), part('QQQ', 'b')];
  const otherSymbolChanged = [part('SPX', 'a'), part('QQQ', 'c'), part('NEW', 'd')];
  const spxChanged = [part('SPX', 'e'), part('QQQ', 'b')];
  expect(breachParts(otherSymbolChanged, ['SPX'])).toEqual(breachParts(before, ['SPX']));
  expect(breachParts(spxChanged, ['SPX'])).not.toEqual(breachParts(before, ['SPX']));
  expect(breachParts(before, ['SPX', 'QQQ'])).toHaveLength(2);
  expect(breachParts(before, ['SPX', 'QQQ'])).toEqual(expect.arrayContaining(breachParts(before, ['SPX'])));
  expect(breachParts(before, [])).toEqual([]);
});
