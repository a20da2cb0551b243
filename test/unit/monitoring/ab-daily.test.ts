/**
 * The A/B test v2 (DOMAIN §6.2, shared/monitoring/ab.ts evaluateAbTestDaily): symbol-days as units,
 * the daily mean log-loss difference, and the Diebold–Mariano test with the HLN correction — against
 * R forecast::dm.test on the same origins (test/fixtures/monitoring/ab_daily.json, make_ab_daily.R).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { type AbOrigin, evaluateAbTestDaily } from '#shared/monitoring/ab';

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/monitoring/ab_daily.json', import.meta.url), 'utf8'),
) as {
  origins: AbOrigin[];
  symbolDays: number;
  unpaired: number;
  days: number;
  productionLogLoss: number;
  candidateLogLoss: number;
  meanDifference: number;
  statistic: number;
  pValueBetter: number;
  pValueWorse: number;
};
const config = loadConfig().config.monitoring.abTest;

const run = (origins: readonly AbOrigin[], now = '2026-02-10T00:00:00.000Z', cfg = config) =>
  evaluateAbTestDaily(
    { productionVersion: 'A', candidateVersion: 'B', origins, startedAt: '2026-01-05T00:00:00.000Z', now },
    cfg,
  );

describe('A/B v2 on symbol-days', () => {
  test('equals R forecast::dm.test on the daily mean log-loss differences; repeats count once', () => {
    const r = run(fixture.origins);
    const dm = r.dieboldMariano!;
    expect(r.design).toBe('symbol-day');
    expect(dm.symbolDays).toBe(fixture.symbolDays);
    expect(dm.unpaired).toBe(fixture.unpaired);
    expect(dm.days).toBe(fixture.days);
    expect(r.production.outcomes).toBe(fixture.symbolDays);
    expect(r.production.logLoss).toBeCloseTo(fixture.productionLogLoss, 12);
    expect(r.candidate.logLoss).toBeCloseTo(fixture.candidateLogLoss, 12);
    expect(dm.meanDifference).toBeCloseTo(fixture.meanDifference, 12);
    expect(dm.statistic).toBeCloseTo(fixture.statistic, 10);
    expect(dm.pValueBetter).toBeCloseTo(fixture.pValueBetter, 12);
    expect(dm.pValueWorse).toBeCloseTo(fixture.pValueWorse, 12);
    // 30 days ≥ minimumDays 20 and p < 0.05 for "the candidate's loss is lower".
    expect(r.outcome).toBe('promote');
    expect(r.reasons[0]).toMatch(/significantly better.*Diebold–Mariano/);
  });

  test('a symbol-day asked a hundred times weighs what one request does', () => {
    const once = run(fixture.origins);
    const first = fixture.origins[0]!;
    const many = run([...Array(100).fill(first), ...fixture.origins]);
    expect(many.dieboldMariano).toEqual(once.dieboldMariano);
    expect(many.production).toEqual(once.production);
  });

  test('swapping the arms flips the decision to reject', () => {
    const swapped = fixture.origins.map((o) => ({
      ...o,
      productionProbabilities: o.candidateProbabilities,
      candidateProbabilities: o.productionProbabilities,
    }));
    const r = run(swapped);
    expect(r.dieboldMariano!.pValueWorse).toBeCloseTo(fixture.pValueBetter, 12);
    expect(r.outcome).toBe('reject');
    expect(r.reasons[0]).toMatch(/significantly worse/);
  });

  test('keeps collecting below minimumDays, and says how many days are missing', () => {
    const early = fixture.origins.filter((o) => o.fromDate < '2026-01-15');
    const r = run(early, '2026-01-16T00:00:00.000Z');
    expect(r.dieboldMariano!.days).toBe(10);
    expect(r.outcome).toBe('keep-collecting');
    expect(r.reasons.join(' ')).toMatch(/10 day\(s\) of outcomes.*decides from 20 days/);
    expect(r.sampleSize.daysRemaining).toBe(10);
  });

  test('identical models never promote: no test, then rejected at maxDurationDays', () => {
    const same = fixture.origins.map((o) => ({ ...o, candidateProbabilities: o.productionProbabilities }));
    const running = run(same);
    expect(running.dieboldMariano!.statistic).toBeNull();
    expect(running.outcome).toBe('keep-collecting');
    const overdue = run(same, '2026-03-01T00:00:00.000Z');
    expect(overdue.outcome).toBe('reject');
    expect(overdue.reasons.join(' ')).toMatch(/without a significant win/);
  });

  test('no origins: keep collecting with an empty summary', () => {
    const r = run([]);
    expect(r.outcome).toBe('keep-collecting');
    expect(r.production).toEqual({ outcomes: 0, accuracy: null, logLoss: null });
    expect(r.dieboldMariano!.meanDifference).toBeNull();
    expect(r.logLossDifference).toBeNull();
  });
});
