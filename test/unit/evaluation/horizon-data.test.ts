import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvaluationInputError, TooFewSamplesError } from '#shared/evaluation/errors';
import {
  buildRegimeHistory,
  dateFolds,
  horizonCounts,
  NEVER,
  trainingWindow,
  windowSequences,
} from '#shared/evaluation/horizon-data';

const L = 0;
const M = 1;
const H = 2;

describe('buildRegimeHistory', () => {
  const history = buildRegimeHistory(
    [
      {
        symbol: 'A',
        dates: ['2024-01-01', '2024-01-02', '2024-01-04', '2024-01-05', '2024-01-08'],
        states: [L, L, M, M, H],
      },
      { symbol: 'B', dates: ['2024-01-02', '2024-01-03', '2024-01-04'], states: [H, H, L] },
    ],
    3,
  );

  it('lists the distinct dates of all symbols in order and indexes each row into them', () => {
    expect(Array.from(history.dates)).toEqual([19723, 19724, 19725, 19726, 19727, 19730]);
    expect(Array.from(history.dateIndex)).toEqual([0, 1, 3, 4, 5, 1, 2, 3]);
    expect(Array.from(history.symbolStart)).toEqual([0, 5, 8]);
    expect(Array.from(history.symbolOf)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
  });

  it('counts regime_age within each symbol: 1 on entry, +1 per day in the same regime', () => {
    expect(Array.from(history.ages)).toEqual([1, 2, 1, 2, 1, 1, 2, 1]);
  });

  it('counts the rows to the next regime change and to the next High day, never across symbols', () => {
    expect(Array.from(history.stepsToChange)).toEqual([2, 1, 2, 1, NEVER, 2, 1, NEVER]);
    expect(Array.from(history.stepsToHigh)).toEqual([4, 3, 2, 1, NEVER, 1, NEVER, NEVER]);
  });

  it('takes day numbers (GoldTable.day) as well as ISO dates', () => {
    const fromDays = buildRegimeHistory(
      [{ symbol: 'A', dates: Int32Array.of(19723, 19724), states: [L, H] }],
      3,
    );
    expect(Array.from(fromDays.dates)).toEqual([19723, 19724]);
  });

  it.each([
    [
      [{ symbol: 'A', dates: ['2024-01-01', '2024-01-01'], states: [0, 1] }],
      /A: dates must strictly increase.*position 1/,
    ],
    [
      [{ symbol: 'A', dates: ['2024-02-30'], states: [0] }],
      /A: '2024-02-30' at position 0 is not a calendar date/,
    ],
    [
      [{ symbol: 'A', dates: ['2024-01-01', '2024-01-02'], states: [0, 3] }],
      /A: state 3 at position 1 is not an integer in \[0, 3\)/,
    ],
    [[{ symbol: 'A', dates: ['2024-01-01'], states: [0, 1] }], /A: 2 states but 1 dates/],
    [
      [
        { symbol: 'A', dates: ['2024-01-01'], states: [0] },
        { symbol: 'A', dates: ['2024-01-02'], states: [0] },
      ],
      /symbol 'A' appears in two sequences/,
    ],
  ])('rejects bad input naming the symbol and position (%#)', (sequences, message) => {
    expect(() => buildRegimeHistory(sequences, 3)).toThrowError(EvaluationInputError);
    expect(() => buildRegimeHistory(sequences, 3)).toThrowError(message);
  });
});

describe('date-level folds and training windows', () => {
  // Two symbols on 30 business days; B starts on day 10. TimeSeriesSplit(2, gap 3) on 30 dates:
  // test_size 10, tests [10, 20) and [20, 30), trains [0, 7) and [0, 17).
  const days = Array.from({ length: 30 }, (_, i) => 20_000 + i);
  const a = Array.from({ length: 30 }, (_, i) => (i % 7 < 3 ? L : i % 7 < 5 ? M : H));
  const b = Array.from({ length: 20 }, (_, i) => (i % 5 < 2 ? H : L));
  const history = buildRegimeHistory(
    [
      { symbol: 'A', dates: days, states: a },
      { symbol: 'B', dates: days.slice(10), states: b },
    ],
    3,
  );
  const folds = dateFolds(history, 2, 3);

  it('are TimeSeriesSplit over the distinct dates, not over rows', () => {
    expect(folds).toEqual([
      { fold: 0, trainDates: { start: 0, end: 7 }, testDates: { start: 10, end: 20 } },
      { fold: 1, trainDates: { start: 0, end: 17 }, testDates: { start: 20, end: 30 } },
    ]);
  });

  it('cut every symbol at the last training date, so a pair trains only when its later day is in training', () => {
    const first = trainingWindow(history, folds[0]!);
    expect(Array.from(first.end)).toEqual([7, 30]); // B has no row before day 10
    expect(first.lastDate).toBe(20_006);
    const second = trainingWindow(history, folds[1]!);
    expect(Array.from(second.end)).toEqual([17, 37]); // B's rows of days 10..16
    expect(windowSequences(second).map((s) => Array.from(s))).toEqual([a.slice(0, 17), b.slice(0, 7)]);
  });

  it('count origin–outcome pairs, High within h and leaving within h over the window only', () => {
    const window = trainingWindow(history, folds[1]!);
    const h = 4;
    const c = horizonCounts(window, h);
    // Brute force over the window's sequences.
    const pairs = new Float64Array(9);
    const reach = new Float64Array(3);
    const leave = new Float64Array(3);
    for (const seq of [a.slice(0, 17), b.slice(0, 7)]) {
      for (let t = 0; t + h < seq.length; t++) {
        const ahead = seq.slice(t + 1, t + h + 1);
        pairs[seq[t]! * 3 + seq[t + h]!]!++;
        if (ahead.includes(H)) reach[seq[t]!]!++;
        if (ahead.some((s) => s !== seq[t])) leave[seq[t]!]!++;
      }
    }
    expect(Array.from(c.pairs)).toEqual(Array.from(pairs));
    expect(Array.from(c.reachHigh)).toEqual(Array.from(reach));
    expect(Array.from(c.leave)).toEqual(Array.from(leave));
    expect(c.total).toBe(17 - h + 7 - h);
    expect(horizonCounts(window, h)).toBe(c); // memoised per window
  });

  it('need enough distinct dates, however many rows there are', () => {
    const wide = buildRegimeHistory(
      Array.from({ length: 50 }, (_, s) => ({
        symbol: `S${s}`,
        dates: days.slice(0, 5),
        states: [0, 1, 2, 1, 0],
      })),
      3,
    );
    expect(() => dateFolds(wide, 5, 0)).toThrowError(TooFewSamplesError);
  });

  it('never train on a pair whose later day is after the last training date (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            start: fc.integer({ min: 0, max: 40 }),
            states: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 60 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 10 }),
        (symbols, gap, h) => {
          const sequences = symbols.map((s, i) => ({
            symbol: `S${i}`,
            dates: s.states.map((_, t) => 30_000 + s.start + t),
            states: s.states,
          }));
          const hist = buildRegimeHistory(sequences, 3);
          let layout: ReturnType<typeof dateFolds>;
          try {
            layout = dateFolds(hist, 2, gap);
          } catch (error) {
            if (error instanceof TooFewSamplesError) return;
            throw error;
          }
          for (const fold of layout) {
            const window = trainingWindow(hist, fold);
            let expected = 0;
            sequences.forEach((seq, s) => {
              const inTraining = seq.dates.filter((d) => d <= window.lastDate).length;
              expect(window.end[s]! - hist.symbolStart[s]!).toBe(inTraining);
              // origins t with t + h in the same symbol and day t+h ≤ last training date
              for (let t = 0; t + h < seq.states.length; t++)
                if (seq.dates[t + h]! <= window.lastDate) expected++;
            });
            expect(horizonCounts(window, h).total).toBe(expected);
            expect(hist.dates[fold.testDates.start]! - window.lastDate).toBeGreaterThan(gap);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
