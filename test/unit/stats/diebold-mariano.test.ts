/**
 * The Diebold–Mariano test with the Harvey–Leybourne–Newbold correction against R forecast::dm.test
 * (test/fixtures/stats/dm_test.json, made by make_dm_test.R): every horizon, alternative, power and
 * variance estimator, to 1e-9 relative.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { type DmAlternative, dieboldMariano } from '#shared/stats/diebold-mariano';
import { StatsDomainError } from '#shared/stats/distributions';

interface Case {
  name: string;
  e1: number[];
  e2: number[];
  h: number;
  power: number;
  alternative: DmAlternative;
  varestimator: 'acf' | 'bartlett';
  statistic: number;
  pValue: number;
  hUsed: number;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/stats/dm_test.json', import.meta.url), 'utf8'),
) as { source: string; cases: Case[] };

const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));

describe('dieboldMariano equals R forecast::dm.test', () => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = dieboldMariano(c.e1, c.e2, {
      h: c.h,
      power: c.power,
      alternative: c.alternative,
      varestimator: c.varestimator,
    });
    close(r.statistic, c.statistic);
    close(r.pValue, c.pValue);
    expect(r.h).toBe(c.hUsed);
    expect(r.n).toBe(c.e1.length);
  });

  test('the one-sided p-values of the two directions add up to one', () => {
    const c = fixture.cases[0]!;
    const less = dieboldMariano(c.e1, c.e2, { power: 1, alternative: 'less', h: 5 });
    const greater = dieboldMariano(c.e1, c.e2, { power: 1, alternative: 'greater', h: 5 });
    close(less.pValue + greater.pValue, 1);
  });

  test('swapping the series flips the sign of the statistic', () => {
    const c = fixture.cases[0]!;
    const ab = dieboldMariano(c.e1, c.e2, { power: 1, h: 5 });
    const ba = dieboldMariano(c.e2, c.e1, { power: 1, h: 5 });
    close(ab.statistic, -ba.statistic);
  });
});

describe('inputs it refuses', () => {
  test('identical series at h = 1 (zero variance), different lengths, non-finite values', () => {
    expect(() => dieboldMariano([1, 2, 3], [1, 2, 3], { h: 1 })).toThrow(StatsDomainError);
    expect(() => dieboldMariano([1, 2, 3], [1, 2], {})).toThrow(/e1 has 3 values, e2 2/);
    expect(() => dieboldMariano([1, Number.NaN, 3], [1, 2, 4], {})).toThrow(/period 1/);
    expect(() => dieboldMariano([1, 2], [2, 1], { h: 0 })).toThrow(/h must be an integer/);
  });
});
