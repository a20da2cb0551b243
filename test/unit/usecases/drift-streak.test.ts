/** persistChecks counts breached checks of new data: the same gold judged twice counts once. */
import { expect, test } from 'vitest';
import { breachFingerprint, previousBreachCount } from '#shared/usecases/monitoring';

const check = (goldFingerprint: string, breached = true, modelVersion = 'm1') => ({
  modelVersion,
  breached,
  goldFingerprint,
});

test('consecutive breached checks of the model count, each gold once; a check that did not breach ends the run', () => {
  expect(previousBreachCount([check('g2'), check('g1')], 'm1', 'g3')).toBe(2);
  expect(previousBreachCount([check('g2'), check('g1', false), check('g0')], 'm1', 'g3')).toBe(1);
  expect(previousBreachCount([check('g2'), check('g1', true, 'm0')], 'm1', 'g3')).toBe(1);
});

test('two checks that ran at once on the same gold (two uploads published together) count once', () => {
  // The walk's sequence: d4 and d5 uploaded together, both checks saw the same gold; d6 alone.
  // Before: 2 + 1 = streak 3 at d6, a retraining after two changes of the data.
  expect(previousBreachCount([check('g45'), check('g45'), check('g3')], 'm1', 'g6')).toBe(2);
});

test('an earlier check of the gold this check judges is not one more breach', () => {
  expect(previousBreachCount([check('g4'), check('g3')], 'm1', 'g4')).toBe(1);
});

test("a breach is judged by the breaching symbols' gold: other symbols' files change the lake, not the breach", () => {
  const part = (symbol: string, sha: string) => ({
    file: `features/symbol=${symbol}/part-0.parquet`,
    sha256: sha,
  });
  const before = [part('SPX', 'a'), part('QQQ', 'b')];
  const otherSymbolChanged = [part('SPX', 'a'), part('QQQ', 'c'), part('NEW', 'd')];
  const spxChanged = [part('SPX', 'e'), part('QQQ', 'b')];
  expect(breachFingerprint(otherSymbolChanged, ['SPX'])).toBe(breachFingerprint(before, ['SPX']));
  expect(breachFingerprint(spxChanged, ['SPX'])).not.toBe(breachFingerprint(before, ['SPX']));
  expect(breachFingerprint(before, ['SPX', 'QQQ'])).not.toBe(breachFingerprint(before, ['SPX']));
  // Records with a breach fingerprint are judged by it, older ones by their whole gold's.
  const record = (breach: string, gold: string) => ({
    modelVersion: 'm1',
    breached: true,
    breachFingerprint: breach,
    goldFingerprint: gold,
  });
  expect(previousBreachCount([record('s1', 'g2'), record('s1', 'g1')], 'm1', 's1')).toBe(0);
  expect(previousBreachCount([record('s2', 'g2'), record('s1', 'g1'), check('g0')], 'm1', 's3')).toBe(3);
});
