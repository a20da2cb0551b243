import { describe, expect, it } from 'vitest';
import {
  firstOrderTest,
  homogeneityTest,
  MarkovTestInputError,
  summedIndependenceG,
} from '#shared/model/markov-tests';
import { expectClose, inputs, pyReference } from './markov-fixtures.ts';

const cases = Object.entries(inputs.cases);

describe('firstOrderTest (Anderson–Goodman, first vs second order)', () => {
  it.each(cases)('equals scipy chi2_contingency G summed over middle states (%s)', (name, input) => {
    const expected = pyReference.cases[name]!.orderTest;
    const result = firstOrderTest(input.sequences, input.k);
    expect(result.df).toBe(expected.df);
    expectClose(result.statistic, expected.statistic, 1e-9);
    expectClose(result.pValue, expected.pValue!, 1e-6, 1e-300);
  });

  it('rejects first order for a chain with two-step memory', () => {
    // s_{t+1} = s_{t−1}: the pattern 0 0 1 1 0 0 1 1 … is second order.
    const sequence = Array.from({ length: 400 }, (_, t) => (Math.floor(t / 2) % 2 === 0 ? 0 : 1));
    const noisy = sequence.map((s, t) => (t % 13 === 0 ? 1 - s : s));
    const result = firstOrderTest([noisy], 2);
    expect(result.rejected).toBe(true);
    expect(result.interpretation).toMatch(/^p = .* < 0\.05: .*depends on the regime two steps back/);
  });

  it('reports a deterministic cycle as not testable (0 degrees of freedom)', () => {
    // A deterministic cycle 0 → 1 → 2 → 0: every middle state has one previous state → df 0.
    const cycle = Array.from({ length: 30 }, (_, t) => t % 3);
    const result = firstOrderTest([cycle], 3);
    expect(result).toMatchObject({ statistic: 0, df: 0, pValue: 1, rejected: false });
    expect(result.interpretation).toContain('not testable');
  });

  it('never forms a triple across two sequences', () => {
    // Each sequence has only the triple 0 → 1 → 1; joined end to end they gain 1 → 1 → 0.
    const within = firstOrderTest(
      [
        [0, 1, 1],
        [0, 1, 1],
      ],
      2,
    );
    const joined = firstOrderTest([[0, 1, 1, 0, 1, 1]], 2);
    expect(within.df).toBe(0);
    expect(joined.df).toBe(1);
  });

  it('uses the significance level it is given', () => {
    const name = 'zeroRowUnseen';
    const input = inputs.cases[name]!;
    const p = pyReference.cases[name]!.orderTest.pValue!;
    expect(firstOrderTest(input.sequences, input.k, { significanceLevel: 0.05 }).rejected).toBe(p < 0.05);
    expect(firstOrderTest(input.sequences, input.k, { significanceLevel: 0.1 }).rejected).toBe(p < 0.1);
  });

  it('rejects bad input with a typed error', () => {
    expect(() => firstOrderTest([[0, 3]], 3)).toThrow(MarkovTestInputError);
    expect(() => firstOrderTest([[0, 1]], 1)).toThrow(MarkovTestInputError);
    expect(() => firstOrderTest([[0, 1]], 2, { significanceLevel: 1 })).toThrow(MarkovTestInputError);
  });
});

describe('homogeneityTest (first half vs second half)', () => {
  it.each(cases)('equals scipy chi2_contingency G summed over origin states (%s)', (name, input) => {
    const expected = pyReference.cases[name]!.homogeneityTest;
    const result = homogeneityTest(input.sequences, input.k);
    expect(result.df).toBe(expected.df);
    expectClose(result.statistic, expected.statistic, 1e-9);
    expectClose(result.pValue, expected.pValue!, 1e-6, 1e-300);
  });

  it('rejects homogeneity when the dynamics change halfway', () => {
    const sticky = Array.from({ length: 200 }, (_, t) => (Math.floor(t / 20) % 2 === 0 ? 0 : 1));
    const switching = Array.from({ length: 200 }, (_, t) => t % 2);
    const result = homogeneityTest([[...sticky, ...switching]], 2);
    expect(result.rejected).toBe(true);
    expect(result.interpretation).toContain('not time-homogeneous');
  });

  it('keeps homogeneity when both halves are the same process', () => {
    const half = Array.from({ length: 120 }, (_, t) => (Math.floor(t / 3) % 2 === 0 ? 0 : 1));
    const result = homogeneityTest([[...half, ...half]], 2);
    expect(result.rejected).toBe(false);
    expect(result.pValue).toBeGreaterThan(0.5);
  });

  it('splits each sequence at its own midpoint', () => {
    // Each symbol alone is homogeneous in time; pooled end to end it would not be.
    const a = Array.from({ length: 41 }, () => 0);
    const b = Array.from({ length: 41 }, (_, t) => t % 2);
    expect(homogeneityTest([a, b], 2).statistic).toBeCloseTo(0, 12);
    expect(homogeneityTest([[...a, ...b]], 2).rejected).toBe(true);
  });
});

describe('summedIndependenceG', () => {
  it('drops empty rows and columns from the degrees of freedom', () => {
    const { df } = summedIndependenceG([
      [
        [3, 0, 1],
        [0, 0, 0],
        [2, 0, 5],
      ],
    ]);
    expect(df).toBe(1);
  });

  it('is 0 for a table with proportional rows', () => {
    expect(
      summedIndependenceG([
        [
          [1, 2],
          [2, 4],
        ],
      ]).statistic,
    ).toBeCloseTo(0, 14);
  });
});
