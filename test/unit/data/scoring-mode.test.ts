/**
 * The two scoring modes of gold (config/data.yaml `scoring`): point in time (DOMAIN §3 v2, the
 * default) never depends on later data or on a model; `reference` (the first version) scores on the
 * production model's reference when it has one for the symbol, else on the symbol's full history.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { DataConfig } from '#config/schema';
import { computeFeatures, type ReferenceSample, referenceSample } from '#shared/data/gold';
import {
  cadenceMessage,
  constantFeatureMessage,
  gapMessage,
  goldForHistory,
  priceMessage,
  shortHistoryMessage,
} from '#shared/data/pipeline';
import type { SilverSeries } from '#shared/data/series';
import { emptySilver } from '#shared/data/silver';
import { parseIsoDay } from '#shared/data/values';
import { dataConfig, isoOf, RUN_DAY } from '../../helpers/data.ts';

/** A silver history of `moves` (log returns), one row per day from day 10,000. */
function history(symbol: string, moves: readonly number[]): SilverSeries {
  const s = emptySilver(symbol, moves.length + 1);
  let price = 100;
  for (let i = 0; i <= moves.length; i++) {
    if (i > 0) price *= Math.exp(moves[i - 1]!);
    s.day[i] = 10_000 + i;
    s.close[i] = price;
    s.adjclose[i] = Number.NaN;
  }
  return s;
}

const prefix = (s: SilverSeries, n: number): SilverSeries => ({
  ...s,
  length: n,
  day: s.day.slice(0, n),
  line: s.line.slice(0, n),
  open: s.open.slice(0, n),
  high: s.high.slice(0, n),
  low: s.low.slice(0, n),
  close: s.close.slice(0, n),
  adjclose: s.adjclose.slice(0, n),
  volume: s.volume.slice(0, n),
  filled: s.filled.slice(0, n),
  flags: s.flags.slice(0, n),
});

const withMode = (mode: DataConfig['scoring']['mode'], minHistory = 252): DataConfig => {
  const data = dataConfig();
  return { ...data, scoring: { mode, minHistory } };
};

const moves = (n: number) =>
  fc.array(fc.double({ min: -0.08, max: 0.08, noNaN: true }), { minLength: n, maxLength: n });

describe('point-in-time gold (the default)', () => {
  test('property: the gold of any prefix of a history is the prefix of its gold', () => {
    const config = withMode('point-in-time', 40);
    fc.assert(
      fc.property(moves(160), fc.integer({ min: 1, max: 161 }), (m, cut) => {
        const full = goldForHistory(history('S', m), { config, runDay: RUN_DAY }).series;
        const part = goldForHistory(prefix(history('S', m), cut), { config, runDay: RUN_DAY }).series;
        expect(part.length).toBe(Math.max(0, cut - 21 - 39));
        for (const column of ['day', 'risk_score', 'markov_state', 'regime_age'] as const) {
          expect(Array.from(part[column])).toEqual(Array.from(full[column].subarray(0, part.length)));
        }
        expect(Array.from(part.scores.drawdown ?? [])).toEqual(
          Array.from(full.scores.drawdown!.subarray(0, part.length)),
        );
      }),
      { numRuns: 60 },
    );
  });

  test("ignores a model's reference: a day's label depends only on the symbol's own history", () => {
    const h = history(
      'S',
      Array.from({ length: 400 }, (_, i) => 0.01 * Math.sin(i / 7)),
    );
    const config = withMode('point-in-time');
    const wild: ReferenceSample = {
      realized_vol_21d: Float64Array.of(0, 1e-9),
      drawdown: Float64Array.of(0, 1e-9),
    };
    const plain = goldForHistory(h, { config, runDay: RUN_DAY });
    const withModel = goldForHistory(h, { config, runDay: RUN_DAY, modelReferences: new Map([['S', wild]]) });
    expect(withModel.series).toEqual(plain.series);
    expect(withModel.reference.source).toBe('own history');
    expect(plain.series.burnInRows).toBe(251);
    expect(plain.series.length).toBe(401 - 21 - 251);
  });

  test('a short history gets no gold and a message saying how many more days it needs', () => {
    const g = goldForHistory(history('MONTHLY', Array(119).fill(0.01)), {
      config: withMode('point-in-time'),
      runDay: RUN_DAY,
    }).series;
    expect(g.length).toBe(0);
    expect(shortHistoryMessage(g, withMode('point-in-time'))).toBe(
      'MONTHLY has 120 silver rows; its first gold row needs 273: 21 warm-up rows (features.volatilityWindow) ' +
        'and 252 scored days (scoring.minHistory) — 153 more trading days of history',
    );
    const tiny = goldForHistory(history('TINY', Array(4).fill(0.01)), {
      config: withMode('reference'),
      runDay: RUN_DAY,
    }).series;
    expect(shortHistoryMessage(tiny, withMode('reference'))).toBe(
      'TINY has 5 silver rows; its first gold row needs 22: 21 warm-up rows (features.volatilityWindow) and 1 scored day — 17 more trading days of history',
    );
  });
});

describe('priceMessage: a price that makes returns that did not happen', () => {
  const moves = Array.from({ length: 300 }, (_, i) => 0.01 * Math.sin(i));
  test('adjclose missing on some rows and different from close on the others is named with the counts', () => {
    const h = history('ADJ', moves);
    for (let i = 0; i < h.length; i++) h.adjclose[i] = i % 50 === 7 ? Number.NaN : 0.8 * h.close[i]!;
    expect(priceMessage(h)).toMatch(
      /^ADJ: adjclose is missing on 6 of its 301 rows .* by up to 20\.0 % on the others/,
    );
    // Missing here and there but equal to close where present (no dividends yet): nothing to say.
    for (let i = 0; i < h.length; i++) if (!Number.isNaN(h.adjclose[i]!)) h.adjclose[i] = h.close[i]!;
    expect(priceMessage(h)).toBeUndefined();
  });

  test('without adjclose, a split-like move (2:1) is named with its day; ordinary moves are not', () => {
    const split = [...moves];
    split[150] = Math.log(0.5);
    const h = history('SPLIT', split);
    expect(priceMessage(h)).toBe(
      `SPLIT: close moved -50 % from one row to the next on ${isoOf(10_151)}, with no adjclose column: a split or a bad print is taken as a return — give adjclose (split-adjusted prices)`,
    );
    expect(priceMessage(history('CALM', moves))).toBeUndefined();
    // With adjclose, the split is in close only: the price (adjclose) has no jump.
    for (let i = 0; i < h.length; i++) h.adjclose[i] = h.close[i]! * (i > 150 ? 2 : 1);
    expect(priceMessage(h)).toBeUndefined();
  });
});

describe('cadenceMessage: rows that are not daily trading days', () => {
  const series = (symbol: string, days: number[]) =>
    ({ symbol, length: days.length, day: Int32Array.from(days) }) as never;
  const from = (start: string, step: number, n: number) =>
    Array.from({ length: n }, (_, i) => parseIsoDay(start)! + i * step);
  const weekdays = (start: string, n: number) => {
    const out: number[] = [];
    for (let d = parseIsoDay(start)!; out.length < n; d++) if (![2, 3].includes(d % 7)) out.push(d); // day % 7: 2 = Saturday, 3 = Sunday
    return out;
  };
  const config = withMode('point-in-time');

  test('weekly and monthly rows are named with their median gap; daily weekdays (with holidays) are not', () => {
    expect(cadenceMessage(series('W', from('2020-01-03', 7, 300)), config)).toMatch(
      /^W: its rows are weekly \(a median of 7 days between them\)/,
    );
    expect(cadenceMessage(series('M', from('2000-01-31', 30, 300)), config)).toMatch(
      /^M: its rows are monthly/,
    );
    const daily = weekdays('2020-01-01', 500).filter((_, i) => i % 40 !== 7); // a holiday now and then
    expect(cadenceMessage(series('D', daily), config)).toBeUndefined();
  });

  test('a daily series with a hole of more than quality.gapWarningDays is named with its longest gap; holidays are not', () => {
    const daily = weekdays('2020-01-01', 500);
    const halted = [...daily.slice(0, 200), ...daily.slice(234)]; // 34 weekdays missing: 48 calendar days
    expect(gapMessage(series('HALT', halted), config)).toBe(
      `HALT: its daily rows skip more than 14 calendar days once (the longest: ${halted[200]! - halted[199]!} days, ${isoOf(halted[199]!)} → ${isoOf(halted[200]!)}; a halt, or missing data?): the return across a gap is taken as one day's (quality.gapWarningDays)`,
    );
    expect(
      gapMessage(
        series(
          'D',
          daily.filter((_, i) => i % 40 !== 7),
        ),
        config,
      ),
    ).toBeUndefined();
    // Weekly rows are the cadence warning's, and it comes first (goldSymbolSummary takes one).
    expect(cadenceMessage(series('W', from('2020-01-03', 7, 300)), config)).toMatch(/weekly/);
  });

  test('a market that trades on weekends is told that volatility is annualised by 252 days', () => {
    expect(cadenceMessage(series('BTC', from('2020-01-01', 1, 400)), config)).toMatch(
      /^BTC: 29 % of its rows fall on weekends .* annualised by √252/,
    );
  });
});

describe('constantFeatureMessage: a price that never moves', () => {
  const config = withMode('point-in-time');
  const gold = (moves: number[]) => goldForHistory(history('S', moves), { config, runDay: RUN_DAY }).series;

  test('a flat price is every day High, and says so', () => {
    const g = gold(Array.from({ length: 400 }, () => 0));
    expect(g.length).toBeGreaterThan(0);
    expect(new Set(g.markov_state)).toEqual(new Set([2])); // the ties the warning explains
    expect(constantFeatureMessage(g)).toMatch(
      /^S: on all \d+ of its gold rows realized_vol_21d is 0 and drawdown is 0 \(its price did not move\?\), so every score ties at 1 and every day is High/,
    );
  });

  test('a price that only rises names the one constant feature; a moving price gets no warning', () => {
    const rising = gold(Array.from({ length: 400 }, (_, i) => 0.001 + 0.01 * Math.abs(Math.sin(i / 3))));
    expect(constantFeatureMessage(rising)).toMatch(
      /^S: on all \d+ of its gold rows drawdown is 0, so that score ties/,
    );
    const moving = gold(Array.from({ length: 400 }, (_, i) => 0.01 * Math.sin(i / 5)));
    expect(constantFeatureMessage(moving)).toBeUndefined();
  });
});

describe('scoring.mode: reference (the first version)', () => {
  test("scores on the production model's reference for the symbol, else on its own full history", () => {
    const h = history(
      'S',
      Array.from({ length: 300 }, (_, i) => 0.01 * Math.sin(i / 5)),
    );
    const config = withMode('reference');
    const own = goldForHistory(h, { config, runDay: RUN_DAY });
    expect(own.reference.source).toBe('own history');
    expect(own.series.length).toBe(301 - 21);
    expect(own.series.burnInRows).toBe(0);
    // Every value above the model's whole reference: every score is 1, every day High.
    const low: ReferenceSample = {
      realized_vol_21d: Float64Array.of(-2, -1),
      drawdown: Float64Array.of(-2, -1),
    };
    const scaled = goldForHistory(h, { config, runDay: RUN_DAY, modelReferences: new Map([['S', low]]) });
    expect(scaled.reference.source).toBe('model');
    expect(new Set(scaled.series.markov_state)).toEqual(new Set([2]));
    // A longer history relabels the past in this mode: the first day's score moves.
    const longer = history(
      'S',
      Array.from({ length: 600 }, (_, i) => 0.03 * Math.sin(i / 5)),
    );
    const first = goldForHistory(prefix(longer, 301), { config, runDay: RUN_DAY }).series.risk_score[0];
    const again = goldForHistory(longer, { config, runDay: RUN_DAY }).series.risk_score[0];
    expect(referenceSample(computeFeatures(longer, config), config).drawdown!.length).toBe(601 - 21);
    expect(again).not.toBe(first);
  });
});
