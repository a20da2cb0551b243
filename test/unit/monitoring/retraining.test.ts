import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type MonitoringConfig, monitoringConfigSchema } from '#config/monitoring-schema';
import {
  decideRetraining,
  type FeatureDrift,
  type RetrainingInput,
  RetrainingInputError,
} from '#shared/monitoring/retraining';

const config: MonitoringConfig = monitoringConfigSchema.parse(
  parse(readFileSync(new URL('../../../config/monitoring.yaml', import.meta.url), 'utf8')),
);

const NOW = '2026-03-10T12:00:00.000Z';
/**
 * Trained 3 days ago: past the 24 h cool-down, before the 7-day schedule; any drift below has
 * breached on persistChecks consecutive checks (the first version's rules, one check at a time).
 */
const quiet: RetrainingInput = {
  now: NOW,
  lastTrainedAt: '2026-03-07T12:00:00.000Z',
  driftStreak: config.retraining.persistChecks,
};

const feature = (symbol: string, name: string, d: number, psi: number): FeatureDrift => ({
  symbol,
  feature: name,
  ks: { d },
  psi: { psi },
});

const rulesOf = (input: RetrainingInput) => decideRetraining(input, config).reasons.map((r) => r.rule);

describe('decideRetraining', () => {
  it('does not retrain when no rule fires', () => {
    const decision = decideRetraining(
      {
        ...quiet,
        modelDrift: { verdict: 'ok', accuracyDrop: 0.01, threshold: 0.05, reasons: ['fine'] },
        dataDrift: [feature('SPX', 'drawdown', 0.1, 0.05)],
        chainDrift: { statistic: 3, df: 6, pValue: 0.8 },
        quality: [{ name: 'gold', score: 99.5, gate: 98 }],
      },
      config,
    );
    expect(decision).toEqual({
      retrain: false,
      reasons: [],
      pending: [],
      blockedBy: [],
      heldByCooldown: false,
      cooldownEndsAt: null,
      decidedAt: NOW,
    });
  });

  it('trains when there is no model yet', () => {
    const decision = decideRetraining({ now: NOW, lastTrainedAt: null }, config);
    expect(decision.retrain).toBe(true);
    expect(decision.reasons).toEqual([
      { rule: 'no-model', detail: 'there is no trained model yet', value: null, threshold: null },
    ]);
  });

  it('retrains on schedule once the last training is the interval old, not before', () => {
    const sevenDays = decideRetraining({ now: NOW, lastTrainedAt: '2026-03-03T12:00:00.000Z' }, config);
    expect(sevenDays.retrain).toBe(true);
    expect(sevenDays.reasons).toEqual([
      expect.objectContaining({ rule: 'scheduled', value: 7, threshold: 7 }),
    ]);
    const almost = decideRetraining({ now: NOW, lastTrainedAt: '2026-03-03T13:00:00.000Z' }, config);
    expect(almost.retrain).toBe(false);
  });

  it('retrains on an accuracy drop reported by the model-drift check', () => {
    const decision = decideRetraining(
      {
        ...quiet,
        modelDrift: {
          verdict: 'accuracy-drop',
          accuracyDrop: 0.08,
          threshold: 0.05,
          reasons: ['live accuracy 0.52 over 300 outcomes …'],
        },
      },
      config,
    );
    expect(decision.retrain).toBe(true);
    expect(decision.reasons).toEqual([
      {
        rule: 'accuracy-drop',
        detail: 'live accuracy 0.52 over 300 outcomes …',
        value: 0.08,
        threshold: 0.05,
      },
    ]);
  });

  it('does not retrain on a model-drift check without enough outcomes', () => {
    const input: RetrainingInput = {
      ...quiet,
      modelDrift: { verdict: 'not-enough-outcomes', accuracyDrop: 0.3, threshold: 0.05, reasons: ['…'] },
    };
    expect(decideRetraining(input, config).retrain).toBe(false);
  });

  it('retrains when a KS D is above its threshold (strictly)', () => {
    const at = rulesOf({ ...quiet, dataDrift: [feature('SPX', 'log_return', 0.15, 0)] });
    expect(at).toEqual([]);
    const decision = decideRetraining(
      { ...quiet, dataDrift: [feature('SPX', 'log_return', 0.21, 0), feature('SPX', 'drawdown', 0.1, 0)] },
      config,
    );
    expect(decision.retrain).toBe(true);
    expect(decision.reasons).toEqual([
      {
        rule: 'data-drift-ks',
        detail: 'KS D > 0.15 for 1 of 2 feature series: SPX log_return (D = 0.21)',
        value: 0.21,
        threshold: 0.15,
      },
    ]);
  });

  it('retrains when a PSI reaches the significant level (inclusive)', () => {
    expect(rulesOf({ ...quiet, dataDrift: [feature('SPX', 'drawdown', 0, 0.2499)] })).toEqual([]);
    const decision = decideRetraining({ ...quiet, dataDrift: [feature('SPX', 'drawdown', 0, 0.25)] }, config);
    expect(decision.reasons).toEqual([
      expect.objectContaining({ rule: 'data-drift-psi', value: 0.25, threshold: 0.25 }),
    ]);
  });

  it('lists drifted series worst first and counts those beyond five', () => {
    const series = [0.2, 0.5, 0.3, 0.25, 0.4, 0.35, 0.22].map((d, i) => feature(`S${i}`, 'drawdown', d, 0));
    const [reason] = decideRetraining({ ...quiet, dataDrift: series }, config).reasons;
    expect(reason?.value).toBe(0.5);
    expect(reason?.detail).toBe(
      'KS D > 0.15 for 7 of 7 feature series: S1 drawdown (D = 0.5), S4 drawdown (D = 0.4), ' +
        'S5 drawdown (D = 0.35), S2 drawdown (D = 0.3), S3 drawdown (D = 0.25), and 2 more',
    );
  });

  it('retrains when the transition G-test p-value is below alpha (strictly)', () => {
    expect(rulesOf({ ...quiet, chainDrift: { statistic: 20, df: 6, pValue: 0.01 } })).toEqual([]);
    const decision = decideRetraining(
      { ...quiet, chainDrift: { statistic: 31.2, df: 6, pValue: 2.4e-5, scope: 'SPX' } },
      config,
    );
    expect(decision.reasons).toEqual([
      {
        rule: 'chain-drift',
        detail:
          "the window's transitions do not fit the model's transition matrix (SPX): G² = 31.2, df = 6, p = 0.000024 < 0.01",
        value: 2.4e-5,
        threshold: 0.01,
      },
    ]);
  });

  it('retrains when a quality score is below its gate, one reason per failing check', () => {
    const decision = decideRetraining(
      {
        ...quiet,
        quality: [
          { name: 'model (accuracy over climatology, %)', score: 97, gate: 100 },
          { name: 'gold', score: 98, gate: 98 },
        ],
      },
      config,
    );
    expect(decision.reasons).toEqual([
      {
        rule: 'quality-gate',
        detail: 'model (accuracy over climatology, %) quality 97 is below its gate 100',
        value: 97,
        threshold: 100,
      },
    ]);
  });

  it('combines the reasons of every rule that fires', () => {
    const rules = rulesOf({
      now: NOW,
      lastTrainedAt: '2026-02-01T00:00:00.000Z',
      modelDrift: { verdict: 'accuracy-drop', accuracyDrop: 0.07, threshold: 0.05, reasons: ['drop'] },
      dataDrift: [feature('SPX', 'realized_vol_21d', 0.4, 0.6)],
      chainDrift: { statistic: 40, df: 6, pValue: 1e-6 },
      quality: [{ name: 'gold', score: 90, gate: 98 }],
      driftStreak: 3,
    });
    expect(rules).toEqual([
      'scheduled',
      'accuracy-drop',
      'data-drift-ks',
      'data-drift-psi',
      'chain-drift',
      'quality-gate',
    ]);
  });

  it('holds a retraining back within the cool-down, keeping the reasons', () => {
    const decision = decideRetraining(
      {
        now: NOW,
        lastTrainedAt: '2026-03-10T02:00:00.000Z',
        dataDrift: [feature('SPX', 'drawdown', 0.4, 0)],
        driftStreak: 3,
      },
      config,
    );
    expect(decision.retrain).toBe(false);
    expect(decision.heldByCooldown).toBe(true);
    expect(decision.cooldownEndsAt).toBe('2026-03-11T02:00:00.000Z');
    expect(decision.reasons.map((r) => r.rule)).toEqual(['data-drift-ks']);
  });

  it('retrains within the cool-down when forced', () => {
    const decision = decideRetraining(
      { now: NOW, lastTrainedAt: '2026-03-10T11:00:00.000Z', force: true },
      config,
    );
    expect(decision.retrain).toBe(true);
    expect(decision.heldByCooldown).toBe(false);
    expect(decision.reasons.map((r) => r.rule)).toEqual(['forced']);
  });

  it('retrains again once the cool-down has passed', () => {
    const input = { now: NOW, dataDrift: [feature('SPX', 'drawdown', 0.4, 0)], driftStreak: 3 };
    expect(decideRetraining({ ...input, lastTrainedAt: '2026-03-09T12:00:00.001Z' }, config).retrain).toBe(
      false,
    );
    expect(decideRetraining({ ...input, lastTrainedAt: '2026-03-09T12:00:00.000Z' }, config).retrain).toBe(
      true,
    );
  });

  it('v2: drift retrains only after persistChecks consecutive breached checks; before, it is pending', () => {
    const drifting = { ...quiet, dataDrift: [feature('SPX', 'drawdown', 0.4, 0)] };
    for (let streak = 1; streak < config.retraining.persistChecks; streak++) {
      const d = decideRetraining({ ...drifting, driftStreak: streak }, config);
      expect(d.retrain).toBe(false);
      expect(d.reasons).toEqual([]);
      expect(d.pending.map((r) => r.rule)).toEqual(['data-drift-ks']);
      expect(d.pending[0]!.detail).toContain(
        `breached on ${streak} consecutive check(s); retraining needs 3`,
      );
    }
    const persistent = decideRetraining({ ...drifting, driftStreak: 3 }, config);
    expect(persistent.retrain).toBe(true);
    expect(persistent.pending).toEqual([]);
    // One check and no streak given (the CLI's single check): pending.
    expect(decideRetraining({ ...drifting, driftStreak: undefined }, config).retrain).toBe(false);
  });

  it('v2: calibrated thresholds are per series and strict; regime mix and the chain by their calibration', () => {
    const calibrated = (d: number, psi: number, ks: number, psiCut: number): FeatureDrift => ({
      ...feature('SPX', 'drawdown', d, psi),
      thresholds: { ks, psi: psiCut, strict: true },
    });
    expect(rulesOf({ ...quiet, dataDrift: [calibrated(0.3, 0.1, 0.3, 0.5)] })).toEqual([]);
    expect(rulesOf({ ...quiet, dataDrift: [calibrated(0.30001, 0.1, 0.3, 0.5)] })).toEqual(['data-drift-ks']);
    expect(rulesOf({ ...quiet, dataDrift: [calibrated(0.1, 0.5, 0.3, 0.5)] })).toEqual([]);
    expect(rulesOf({ ...quiet, dataDrift: [calibrated(0.1, 0.50001, 0.3, 0.5)] })).toEqual([
      'data-drift-psi',
    ]);
    // A D of 0.4 is no drift for a series whose own quarters reach 0.45.
    expect(rulesOf({ ...quiet, dataDrift: [calibrated(0.4, 0, 0.45, 1)] })).toEqual([]);
    // The reason's value and threshold are the worst breach's, the one its text lists first (a walk
    // saw the value 0.999 of a breach further down beside a text naming 0.9076 first).
    const [ks] = decideRetraining(
      {
        ...quiet,
        dataDrift: [
          { ...calibrated(0.999, 0, 0.98, 1), symbol: 'NEAR' },
          { ...calibrated(0.9, 0, 0.3, 1), symbol: 'FAR' },
        ],
      },
      config,
    ).reasons;
    expect(ks).toMatchObject({ rule: 'data-drift-ks', value: 0.9, threshold: 0.3 });
    expect(ks!.detail).toMatch(/: FAR drawdown \(D = 0\.9 > 0\.3\), NEAR/);
    const chain = { statistic: 30, df: 6, pValue: 1e-5, threshold: 40 };
    expect(rulesOf({ ...quiet, chainDrift: chain })).toEqual([]);
    expect(rulesOf({ ...quiet, chainDrift: { ...chain, statistic: 41 } })).toEqual(['chain-drift']);
    // Equal to its threshold but for rounding is no drift, as in the report.
    expect(rulesOf({ ...quiet, chainDrift: { ...chain, statistic: 40 * (1 + 1e-12) } })).toEqual([]);
    expect(rulesOf({ ...quiet, regimeMixDrift: [{ scope: 'SPX', distance: 0.6, threshold: 0.5 }] })).toEqual([
      'regime-mix-drift',
    ]);
  });

  it('v2: never on unchanged data (unless forced), never beside a running candidate (even forced)', () => {
    const due = { now: NOW, lastTrainedAt: '2026-03-01T12:00:00.000Z' }; // the schedule is due
    const unchanged = decideRetraining({ ...due, dataChanged: false }, config);
    expect(unchanged.reasons.map((r) => r.rule)).toEqual(['scheduled']);
    expect(unchanged.retrain).toBe(false);
    expect(unchanged.blockedBy[0]).toContain('the gold is unchanged');
    expect(decideRetraining({ ...due, dataChanged: false, force: true }, config).retrain).toBe(true);
    expect(decideRetraining({ ...due, dataChanged: true }, config).retrain).toBe(true);
    // Force on the gold, config and code the newest model was trained on would make that model again.
    const same = decideRetraining({ ...due, dataChanged: false, sameInputsAs: 'v3', force: true }, config);
    expect(same.retrain).toBe(false);
    expect(same.reasons.map((r) => r.rule)).toEqual(['forced', 'scheduled']);
    expect(same.blockedBy).toEqual([expect.stringContaining('v3 was trained on this very gold')]);
    expect(same.heldByCooldown).toBe(false);
    const running = decideRetraining({ ...due, candidateRunning: 'v2', force: true }, config);
    expect(running.retrain).toBe(false);
    expect(running.blockedBy).toEqual(['candidate v2 is in its A/B test: one candidate at a time']);
    // No model at all trains whatever the guards say.
    expect(decideRetraining({ now: NOW, lastTrainedAt: null, dataChanged: false }, config).retrain).toBe(
      true,
    );
  });

  it('v2: the cool-down runs from the last training attempt, not from the production model', () => {
    const due = { now: NOW, lastTrainedAt: '2026-03-01T12:00:00.000Z' };
    const attempted = decideRetraining({ ...due, lastAttemptAt: '2026-03-10T06:00:00.000Z' }, config);
    expect(attempted.retrain).toBe(false);
    expect(attempted.heldByCooldown).toBe(true);
    expect(attempted.cooldownEndsAt).toBe('2026-03-11T06:00:00.000Z');
    expect(decideRetraining({ ...due, lastAttemptAt: '2026-03-09T11:00:00.000Z' }, config).retrain).toBe(
      true,
    );
  });

  it('rejects a time that is not ISO 8601', () => {
    expect(() => decideRetraining({ now: 'yesterday', lastTrainedAt: null }, config)).toThrow(
      RetrainingInputError,
    );
  });

  it('returns plain JSON', () => {
    const decision = decideRetraining(
      { ...quiet, dataDrift: [feature('SPX', 'drawdown', 0.4, 0.3)] },
      config,
    );
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });
});
