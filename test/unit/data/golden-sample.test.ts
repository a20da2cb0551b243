/**
 * The bundled S&P 500 sample through bronze → silver → gold, against an independent pandas
 * computation (test/fixtures/data/make_sample_gold.py → sample_gold.json).
 */
import { createReadStream, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { type GoldResult, regimeCounts, runDataPipeline } from '#shared/data/pipeline';
import { formatIsoDay } from '#shared/data/values';
import { dataConfig, RUN_DAY } from '../../helpers/data.ts';

const expected = JSON.parse(
  readFileSync(new URL('../../fixtures/data/sample_gold.json', import.meta.url), 'utf8'),
);
const SAMPLE = new URL('../../../data/samples/sp500-2000.csv', import.meta.url);

type Mode = 'point-in-time' | 'reference';
const sections: Record<Mode, typeof expected.pointInTime> = {
  'point-in-time': expected.pointInTime,
  reference: expected.reference,
};

describe.each(['point-in-time', 'reference'] as const)(
  'golden test on the S&P 500 sample (scoring.mode: %s)',
  (mode) => {
    const want = sections[mode];
    const config = () => {
      const data = dataConfig();
      return { ...data, scoring: { ...data.scoring, mode } };
    };
    let gold: GoldResult;
    beforeAll(async () => {
      const result = await runDataPipeline(
        [{ name: 'sp500-2000.csv', chunks: createReadStream(SAMPLE) }],
        new Map(),
        { config: config(), runDay: RUN_DAY },
      );
      expect(result.outcomes[0]!.status).toBe('accepted');
      gold = result.gold;
    });

    test('row counts: silver, warm-up, burn-in and gold', () => {
      const s = gold.series[0]!;
      expect(s.symbol).toBe('SP500-2000');
      expect(s.warmupRows).toBe(expected.warmupRows);
      expect(s.burnInRows).toBe(want.burnInRows ?? 0);
      expect(s.length).toBe(want.goldRows);
      expect(s.length + s.warmupRows + s.burnInRows).toBe(expected.silverRows);
    });

    test('regime counts equal the pandas computation', () => {
      expect(regimeCounts(gold.symbols, dataConfig().regimes.labels)).toEqual(want.regimeCounts);
    });

    test('first, last and sampled gold rows equal the pandas computation', () => {
      const s = gold.series[0]!;
      const byDate = new Map(Array.from(s.day, (d, i) => [formatIsoDay(d), i]));
      for (const row of want.rows) {
        const i = byDate.get(row.date)!;
        expect(s.price[i]).toBe(row.price);
        expect(s.log_return[i]).toBeCloseTo(row.log_return, 14);
        expect(s.realized_vol_21d[i]! / row.realized_vol_21d).toBeCloseTo(1, 12);
        expect(s.drawdown[i]).toBeCloseTo(row.drawdown, 14);
        expect(s.scores.realized_vol_21d![i]).toBe(row.score_realized_vol_21d);
        expect(s.scores.drawdown![i]).toBe(row.score_drawdown);
        expect(s.risk_score[i]).toBeCloseTo(row.risk_score, 14);
        expect(s.markov_state[i]).toBe(row.markov_state);
        expect(s.regime_age[i]).toBe(row.regime_age);
      }
      expect(formatIsoDay(s.day[0]!)).toBe(want.first.date);
      expect(formatIsoDay(s.day[s.length - 1]!)).toBe(want.last.date);
    });

    test('the 2008 crisis and March 2020 are High, a calm month is not', () => {
      const s = gold.series[0]!;
      const share = (month: string) => {
        const idx = Array.from(s.day, formatIsoDay).flatMap((d, i) => (d.startsWith(month) ? [i] : []));
        return idx.filter((i) => s.markov_state[i] === 2).length / idx.length;
      };
      for (const [month, value] of Object.entries(want.highShareByMonth)) expect(share(month)).toBe(value);
    });

    test('every layer passes its gate', () => {
      expect(gold.quality).toMatchObject({ passed: true, score: 100 });
    });
  },
);
