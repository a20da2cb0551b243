import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type MonitoringConfig, monitoringConfigSchema } from '#config/monitoring-schema';
import { logLoss, probabilityMatrixFromRows } from '#shared/evaluation/metrics';
import {
  exceeds,
  type LoggedPrediction,
  ModelDriftInputError,
  modelDrift,
  wilsonInterval,
} from '#shared/monitoring/model-drift';

const monitoring: MonitoringConfig = monitoringConfigSchema.parse(
  parse(readFileSync(new URL('../../../config/monitoring.yaml', import.meta.url), 'utf8')),
);
const config = monitoring.modelDrift;
/** The v1 rule (modelDrift.rule: accuracy-drop). */
const v1 = { ...config, rule: 'accuracy-drop' as const };

interface AbFixture {
  wilson: { count: number; nobs: number; confidenceLevel: number; low: number; high: number }[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/monitoring/ab.json', import.meta.url), 'utf8'),
) as AbFixture;

/** n predictions of which `hits` are right; forecasts put 0.6 on the predicted state. */
function predictions(n: number, hits: number, pending = 0): LoggedPrediction[] {
  const out: LoggedPrediction[] = [];
  for (let i = 0; i < n + pending; i++) {
    const predictedState = i % 3;
    const probabilities = [0.2, 0.2, 0.2];
    probabilities[predictedState] = 0.6;
    const actualState = i >= n ? null : i < hits ? predictedState : (predictedState + 1) % 3;
    out.push({ predictedProbabilities: probabilities, predictedState, actualState });
  }
  return out;
}

const reference = { accuracy: 0.75, logLoss: 0.8 };

interface DmFixture {
  daily: number[];
  cases: { cv: number; statistic: number; pValue: number }[];
}
const dmFixture = JSON.parse(
  readFileSync(new URL('../../fixtures/monitoring/model-drift-dm.json', import.meta.url), 'utf8'),
) as DmFixture;

/**
 * `days` days × `symbols` of served next-day forecasts with their outcomes (the fixture's input):
 * each puts 0.5–0.9 on its predicted state, right about 6 times in 10.
 */
function modelDriftOrigins(days: number, symbols: string[]): LoggedPrediction[] {
  const out: LoggedPrediction[] = [];
  for (let d = 0; d < days; d++) {
    const fromDate = new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10);
    symbols.forEach((symbol, k) => {
      const i = d * symbols.length + k;
      const predictedState = i % 3;
      const confident = 0.5 + 0.1 * ((i * 7) % 5);
      const p = [0, 0, 0].map((_, j) => (j === predictedState ? confident : (1 - confident) / 2));
      const actualState = (i * 11 + d) % 10 < 6 ? predictedState : (predictedState + 1 + (i % 2)) % 3;
      out.push({ predictedProbabilities: p, predictedState, actualState, symbol, fromDate });
    });
  }
  return out;
}

describe('modelDrift', () => {
  it('measures live accuracy from the served state and log loss as scikit-learn does', () => {
    const logged: LoggedPrediction[] = [
      { predictedProbabilities: [0.7, 0.2, 0.1], predictedState: 0, actualState: 0 },
      { predictedProbabilities: [0.1, 0.5, 0.4], predictedState: 1, actualState: 2 },
      { predictedProbabilities: [0, 0.1, 0.9], predictedState: 2, actualState: 2 },
      { predictedProbabilities: [0.3, 0.4, 0.3], predictedState: 1, actualState: 1 },
    ];
    const result = modelDrift(logged, reference, { ...config, minimumOutcomes: 1 });
    expect(result.liveAccuracy).toBe(0.75);
    const expectedLogLoss = logLoss(
      [0, 2, 2, 1],
      probabilityMatrixFromRows(logged.map((p) => p.predictedProbabilities)),
    );
    expect(result.liveLogLoss).toBeCloseTo(expectedLogLoss, 14);
    expect(result.logLossIncrease).toBeCloseTo(expectedLogLoss - 0.8, 14);
  });

  it('ignores predictions still waiting for their outcome, and counts them', () => {
    const result = modelDrift(predictions(120, 90, 7), reference, config);
    expect(result.outcomes).toBe(120);
    expect(result.pending).toBe(7);
    expect(result.liveAccuracy).toBe(0.75);
  });

  it('calls for retraining when accuracy drops by more than the threshold over enough outcomes', () => {
    const result = modelDrift(predictions(200, 130), reference, v1); // 0.65: a drop of 0.10
    expect(result.verdict).toBe('accuracy-drop');
    expect(result.retrain).toBe(true);
    expect(result.accuracyDrop).toBeCloseTo(0.1, 12);
    expect(result.reasons[0]).toMatch(
      /live accuracy 0\.65 over 200 symbol-days .* drop of 0\.1, more than the threshold 0\.05/,
    );
  });

  it('does not fire on a drop of exactly the threshold, despite binary rounding (0.75 − 0.70)', () => {
    const result = modelDrift(predictions(200, 140), reference, v1); // 0.70
    expect(result.accuracyDrop).toBeGreaterThan(0.05); // 0.05000000000000004 in floating point
    expect(result.verdict).toBe('ok');
    expect(result.retrain).toBe(false);
  });

  it('reports "not enough outcomes" below the minimum, with the numbers but without a verdict to retrain', () => {
    const result = modelDrift(predictions(40, 10), reference, v1); // 0.25: a huge drop, but n = 40
    expect(result.verdict).toBe('not-enough-outcomes');
    expect(result.retrain).toBe(false);
    expect(result.liveAccuracy).toBe(0.25);
    expect(result.reasons[0]).toMatch(/not enough outcomes: 40 of the 100 symbol-days needed/);
  });

  it('reports null metrics when no outcome is known yet', () => {
    const result = modelDrift(predictions(0, 0, 5), reference, config);
    expect(result).toMatchObject({
      verdict: 'not-enough-outcomes',
      outcomes: 0,
      pending: 5,
      liveAccuracy: null,
      liveLogLoss: null,
      accuracyDrop: null,
    });
  });

  it('gives a Wilson interval around the live accuracy', () => {
    const result = modelDrift(predictions(200, 130), reference, config);
    expect(result.liveAccuracyInterval).toEqual(wilsonInterval(130, 200, 0.95));
  });

  it('returns plain JSON', () => {
    const result = modelDrift(predictions(150, 100), reference, config);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('rejects a state outside the model and a reference that is not a metric', () => {
    const bad: LoggedPrediction[] = [
      { predictedProbabilities: [0.5, 0.5], predictedState: 0, actualState: 2 },
    ];
    expect(() => modelDrift(bad, reference, config)).toThrow(ModelDriftInputError);
    expect(() => modelDrift([], { accuracy: 1.2, logLoss: 0.5 }, config)).toThrow(ModelDriftInputError);
    const badProbability: LoggedPrediction[] = [
      { predictedProbabilities: [1.5, -0.5], predictedState: 0, actualState: 0 },
    ];
    expect(() => modelDrift(badProbability, reference, config)).toThrow(ModelDriftInputError);
  });

  it('retrains exactly when the outcomes reach the minimum and the drop exceeds the threshold', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, share) => {
          const hits = Math.round(share * n);
          const result = modelDrift(predictions(n, hits), reference, v1);
          const expected = n >= config.minimumOutcomes && exceeds(reference.accuracy - hits / n, 0.05);
          expect(result.retrain).toBe(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('modelDrift v2: the log loss per symbol-day, by a Diebold–Mariano test (DOMAIN §6)', () => {
  const origins = modelDriftOrigins(30, ['A', 'B', 'C', 'D']);

  it('tests the daily mean live loss against the cross-validated loss as R forecast::dm.test does', () => {
    for (const c of dmFixture.cases) {
      const result = modelDrift(origins, { accuracy: 0.6, logLoss: c.cv }, config);
      expect(result.rule).toBe('log-loss-dm');
      expect(result.outcomes).toBe(120);
      expect(result.test!.days).toBe(30);
      expect(result.test!.statistic).toBeCloseTo(c.statistic, 12);
      expect(result.test!.pValue).toBeCloseTo(c.pValue, 12);
      const mean = dmFixture.daily.reduce((a, b) => a + b, 0) / 30;
      expect(result.test!.meanDifference).toBeCloseTo(mean - c.cv, 12);
    }
  });

  it('retrains when the live loss is significantly higher (p < alpha), not when it is about the same', () => {
    const worse = modelDrift(origins, { accuracy: 0.6, logLoss: 0.7 }, config);
    expect(worse).toMatchObject({ verdict: 'log-loss-rise', retrain: true });
    expect(worse.reasons[0]).toMatch(
      /^live log loss 1 against the cross-validated 0\.7 over 120 symbol-days on 30 days: Diebold–Mariano 2\.545, one-sided p 0\.008253, below 0\.05/,
    );
    const same = modelDrift(origins, { accuracy: 0.6, logLoss: 1.0 }, config);
    expect(same).toMatchObject({ verdict: 'ok', retrain: false });
    // An accuracy far below the cross-validated one does not decide under v2.
    expect(modelDrift(origins, { accuracy: 0.99, logLoss: 1.0 }, config).verdict).toBe('ok');
  });

  it('counts one outcome per symbol-day however many horizons logged it (the log has one entry per horizon)', () => {
    // h = 1, 5, 21, 63, 100, 252 (newest first): the first of each symbol-day counts, the rest not.
    const horizons = origins.flatMap((o) => [
      o,
      ...Array.from({ length: 5 }, () => ({ ...o, predictedProbabilities: [1 / 3, 1 / 3, 1 / 3] })),
    ]);
    const result = modelDrift(horizons, { accuracy: 0.6, logLoss: 0.7 }, config);
    expect(result.outcomes).toBe(120);
    expect(result.test!.pValue).toBeCloseTo(dmFixture.cases[0]!.pValue, 12);
    // 64 symbol-days asked at two horizons are 64, below the 100 needed: no verdict.
    const few = modelDrift(horizons.slice(0, 64 * 6), { accuracy: 0.6, logLoss: 0.1 }, config);
    expect(few).toMatchObject({ verdict: 'not-enough-outcomes', retrain: false, outcomes: 64 });
    expect(few.reasons[0]).toMatch(/^not enough outcomes: 64 of the 100 symbol-days needed/);
    // The v1 rule counts symbol-days too.
    expect(modelDrift(horizons.slice(0, 64 * 6), reference, v1).outcomes).toBe(64);
  });

  it('has no test over one day (however many symbols): not enough outcomes, not "ok"', () => {
    const oneDay = modelDriftOrigins(
      1,
      Array.from({ length: 120 }, (_, k) => `S${k}`),
    );
    const result = modelDrift(oneDay, { accuracy: 0.6, logLoss: 0.1 }, config);
    expect(result).toMatchObject({ verdict: 'not-enough-outcomes', retrain: false, outcomes: 120 });
    expect(result.test).toMatchObject({ days: 1, statistic: null, pValue: null });
    expect(result.reasons[0]).toMatch(/no test \(it needs 2 days whose losses vary\)/);
  });
});

describe('wilsonInterval', () => {
  it('equals statsmodels proportion_confint(method="wilson")', () => {
    for (const c of fixture.wilson) {
      const [low, high] = wilsonInterval(c.count, c.nobs, c.confidenceLevel);
      expect(Math.abs(low - c.low)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(c.low), 1e-6));
      expect(Math.abs(high - c.high)).toBeLessThanOrEqual(1e-9 * Math.abs(c.high));
    }
  });

  it('contains the observed share and stays within [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, share) => {
          const hits = Math.round(share * n);
          const [low, high] = wilsonInterval(hits, n, 0.95);
          expect(low).toBeGreaterThanOrEqual(-1e-12);
          expect(high).toBeLessThanOrEqual(1 + 1e-12);
          expect(low).toBeLessThanOrEqual(hits / n + 1e-12);
          expect(high).toBeGreaterThanOrEqual(hits / n - 1e-12);
        },
      ),
    );
  });
});
