import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvaluationInputError } from '#shared/evaluation/errors';
import { buildPredictionPairs } from '#shared/evaluation/pairs';

describe('buildPredictionPairs', () => {
  it('pairs consecutive states within one symbol', () => {
    const pairs = buildPredictionPairs([{ symbol: 'A', dates: [1, 2, 3, 4], states: [0, 1, 1, 2] }]);
    expect(Array.from(pairs.from)).toEqual([0, 1, 1]);
    expect(Array.from(pairs.to)).toEqual([1, 1, 2]);
    expect(pairs.dates).toEqual([1, 2, 3]);
  });

  it('never pairs the last state of one symbol with the first of another', () => {
    const pairs = buildPredictionPairs([
      { symbol: 'A', dates: [1, 2], states: [0, 0] },
      { symbol: 'B', dates: [3, 4], states: [2, 2] },
    ]);
    expect(Array.from(pairs.from)).toEqual([0, 2]);
    expect(Array.from(pairs.to)).toEqual([0, 2]);
  });

  it('orders pairs by the date of s_t, then by symbol on the same date', () => {
    const pairs = buildPredictionPairs([
      { symbol: 'MSFT', dates: ['2020-01-02', '2020-01-03', '2020-01-06'], states: [1, 2, 0] },
      { symbol: 'AAPL', dates: ['2020-01-03', '2020-01-06', '2020-01-07'], states: [0, 1, 2] },
      { symbol: 'Zeta', dates: ['2019-12-31', '2020-01-03'], states: [2, 2] },
    ]);
    expect(pairs.dates).toEqual(['2019-12-31', '2020-01-02', '2020-01-03', '2020-01-03', '2020-01-06']);
    expect(pairs.symbols).toEqual(['Zeta', 'MSFT', 'AAPL', 'MSFT', 'AAPL']);
    expect(Array.from(pairs.from)).toEqual([2, 1, 0, 2, 1]);
    expect(Array.from(pairs.to)).toEqual([2, 2, 1, 0, 2]);
  });

  it('compares symbols by code unit, not by locale (upper case before lower case)', () => {
    const pairs = buildPredictionPairs([
      { symbol: 'b', dates: [1, 2], states: [0, 0] },
      { symbol: 'B', dates: [1, 2], states: [1, 1] },
      { symbol: 'a', dates: [1, 2], states: [2, 2] },
    ]);
    expect(pairs.symbols).toEqual(['B', 'a', 'b']);
  });

  it('orders ISO dates by calendar day across months and years', () => {
    const pairs = buildPredictionPairs([
      { symbol: 'A', dates: ['2021-01-01', '2021-01-02'], states: [0, 1] },
      { symbol: 'B', dates: ['2020-12-31', '2021-01-05'], states: [1, 0] },
    ]);
    expect(pairs.symbols).toEqual(['B', 'A']);
  });

  it('yields no pairs for a sequence of one state', () => {
    expect(buildPredictionPairs([{ symbol: 'A', dates: ['2020-01-01'], states: [1] }]).from).toHaveLength(0);
  });

  it('rejects non-increasing dates within a symbol', () => {
    expect(() => buildPredictionPairs([{ symbol: 'A', dates: [2, 2], states: [0, 1] }])).toThrow(
      EvaluationInputError,
    );
  });

  it('rejects a date that is not a calendar day', () => {
    expect(() =>
      buildPredictionPairs([{ symbol: 'A', dates: ['2021-02-29', '2021-03-01'], states: [0, 1] }]),
    ).toThrow(/not a calendar date/);
  });

  it('rejects ISO strings mixed with day numbers', () => {
    expect(() =>
      buildPredictionPairs([
        { symbol: 'A', dates: ['2021-01-04', '2021-01-05'], states: [0, 1] },
        { symbol: 'B', dates: [1, 2], states: [0, 1] },
      ]),
    ).toThrow(EvaluationInputError);
  });

  it('rejects the same symbol twice', () => {
    const sequence = { symbol: 'A', dates: [1, 2], states: [0, 1] };
    expect(() => buildPredictionPairs([sequence, sequence])).toThrow(/appears in two sequences/);
  });

  it('rejects a state outside [0, numStates)', () => {
    expect(() =>
      buildPredictionPairs([{ symbol: 'A', dates: [1, 2], states: [0, 3] }], { numStates: 3 }),
    ).toThrow(EvaluationInputError);
  });

  it('rejects states and dates of different lengths', () => {
    expect(() => buildPredictionPairs([{ symbol: 'A', dates: [1, 2, 3], states: [0, 1] }])).toThrow(
      EvaluationInputError,
    );
  });

  it('keeps every transition exactly once, in non-decreasing date order', () => {
    const sequenceArb = fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 })), {
      maxLength: 30,
    });
    fc.assert(
      fc.property(fc.array(sequenceArb, { minLength: 1, maxLength: 5 }), (raw) => {
        const sequences = raw.map((steps, s) => {
          let day = s; // staggered starts
          return {
            symbol: `S${s}`,
            dates: steps.map(([gap]) => (day += gap)),
            states: steps.map(([, state]) => state),
          };
        });
        const pairs = buildPredictionPairs(sequences);
        const expectedCount = sequences.reduce((total, q) => total + Math.max(0, q.states.length - 1), 0);
        expect(pairs.from).toHaveLength(expectedCount);
        for (let i = 1; i < pairs.dates.length; i++) {
          const [d0, d1] = [pairs.dates[i - 1] as number, pairs.dates[i] as number];
          expect(d0 < d1 || (d0 === d1 && pairs.symbols[i - 1]! < pairs.symbols[i]!)).toBe(true);
        }
        const key = (symbol: string, date: number, a: number, b: number) => `${symbol}@${date}:${a}>${b}`;
        const got = pairs.symbols
          .map((s, i) => key(s, pairs.dates[i] as number, pairs.from[i]!, pairs.to[i]!))
          .sort();
        const want = sequences
          .flatMap((q) => q.states.slice(1).map((next, t) => key(q.symbol, q.dates[t]!, q.states[t]!, next)))
          .sort();
        expect(got).toEqual(want);
      }),
    );
  });
});
