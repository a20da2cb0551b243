import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type MonitoringConfig, monitoringConfigSchema } from '#config/monitoring-schema';
import type { AbTestResult, RollbackDecision } from '#shared/monitoring/ab';
import {
  type Alert,
  AlertInputError,
  abDecisionAlert,
  accuracyDropAlert,
  alertFingerprint,
  chainDriftAlert,
  dataDriftAlert,
  dataRejectedAlert,
  formatEmail,
  logLossRiseAlert,
  modelPromotedAlert,
  modelRolledBackAlert,
  type PreviousAlert,
  pipelineFailedAlert,
  planDelivery,
  productionChangedByHandAlert,
  qualityGateFailedAlert,
  routeAlert,
  type Severity,
  shellWord,
  shouldNotify,
} from '#shared/monitoring/alerts';
import type { ModelDriftResult } from '#shared/monitoring/model-drift';

const config: MonitoringConfig = monitoringConfigSchema.parse(
  parse(readFileSync(new URL('../../../config/monitoring.yaml', import.meta.url), 'utf8')),
);

const NOW = '2026-03-10T12:00:00.000Z';
const hoursBefore = (h: number) => new Date(Date.parse(NOW) - h * 3_600_000).toISOString();

const drift = (psi: number, d: number, since?: string) =>
  dataDriftAlert(
    {
      symbol: 'SPX',
      feature: 'realized_vol_21d',
      ks: { d, pValue: 2.1e-9 },
      psi: { psi },
      windowRows: 63,
      since,
    },
    config,
    NOW,
  );

const previous = (
  severity: Severity,
  hoursAgo: number,
  notified = true,
  fingerprint = drift(0.3, 0.4).fingerprint,
) => ({ fingerprint, severity, raisedAt: hoursBefore(hoursAgo), notified }) satisfies PreviousAlert;

// ---------------------------------------------------------------------------------------------
// Fingerprint and severity
// ---------------------------------------------------------------------------------------------

describe('alert fingerprint', () => {
  it('is the sha256 of kind and subject (Python hashlib of "dataDrift:SPX:realized_vol_21d")', () => {
    const expected = '61fbd3ce99773173998ac6675281ddb1b877b56a8806eed8825e450cce974850';
    expect(alertFingerprint('dataDrift', 'SPX:realized_vol_21d')).toBe(expected);
    expect(drift(0.3, 0.4).fingerprint).toBe(expected);
  });

  it('stays the same when the numbers or the severity change, and differs for another subject', () => {
    expect(drift(0.12, 0.1).fingerprint).toBe(drift(0.6, 0.5).fingerprint);
    const other = dataDriftAlert(
      { symbol: 'SPX', feature: 'drawdown', ks: { d: 0.4, pValue: 0 }, psi: { psi: 0.3 }, windowRows: 63 },
      config,
      NOW,
    );
    expect(other.fingerprint).not.toBe(drift(0.3, 0.4).fingerprint);
  });
});

describe('data drift severity (from config)', () => {
  it('is medium for a moderate PSI, high for a significant PSI, medium for a KS breach alone', () => {
    expect(drift(0.12, 0.05).severity).toBe('medium');
    expect(drift(0.25, 0.05).severity).toBe('high');
    expect(drift(0.02, 0.2).severity).toBe('medium');
    expect(drift(0.3, 0.2).severity).toBe('high');
  });

  it('follows the config, not the code', () => {
    const custom: MonitoringConfig = {
      ...config,
      alerts: {
        ...config.alerts,
        severity: {
          ...config.alerts.severity,
          dataDrift: { ksBreach: 'critical', psiModerate: 'low', psiSignificant: 'medium' },
        },
      },
    };
    const alert = (psi: number, d: number) =>
      dataDriftAlert(
        { symbol: 'SPX', feature: 'drawdown', ks: { d, pValue: 0.5 }, psi: { psi }, windowRows: 63 },
        custom,
        NOW,
      ).severity;
    expect(alert(0.12, 0)).toBe('low');
    expect(alert(0.3, 0)).toBe('medium');
    expect(alert(0.3, 0.2)).toBe('critical');
  });

  it('with the symbol’s calibrated thresholds, states the numbers against those, never the fixed bands', () => {
    // A drawdown whose quarters move a lot: PSI 8.3 is within its calibrated threshold, KS D is not.
    const alert = dataDriftAlert(
      {
        symbol: 'C0197',
        feature: 'drawdown',
        ks: { d: 0.9865, pValue: 0 },
        psi: { psi: 8.281 },
        windowRows: 63,
        thresholds: { ks: 0.8, psi: 11.5, strict: true },
      },
      config,
      NOW,
    );
    expect(alert.title).toBe(
      'Data drift on C0197 drawdown: PSI 8.281 (within its calibrated threshold), KS D 0.9865',
    );
    expect(alert.whatHappened).toContain(
      'PSI 8.281 is within its calibrated threshold 11.5 and KS D 0.9865 is above its calibrated threshold 0.8.',
    );
    expect(alert.whatHappened).not.toContain('watch level');
    expect(alert.measures.find((m) => m.label === 'KS D')).toMatchObject({ threshold: 0.8 });
    expect(alert.severity).toBe(config.alerts.severity.dataDrift.ksBreach);
  });

  it('refuses to build an alert when nothing drifted', () => {
    expect(() => drift(0.05, 0.15)).toThrow(AlertInputError);
  });
});

// ---------------------------------------------------------------------------------------------
// De-duplication
// ---------------------------------------------------------------------------------------------

describe('shouldNotify', () => {
  const alert = drift(0.3, 0.4); // high
  const alerts = config.alerts; // 24 h cool-down

  it('notifies the first occurrence', () => {
    expect(shouldNotify(alert, [], NOW, alerts)).toEqual({
      notify: true,
      reason: 'first notification of this alert',
    });
  });

  it('does not notify the same fingerprint again within the cool-down', () => {
    const decision = shouldNotify(alert, [previous('high', 1), previous('high', 23)], NOW, alerts);
    expect(decision).toEqual({ notify: false, reason: 'already notified at high within the last 24 h' });
  });

  it('does not notify a lower severity within the cool-down', () => {
    expect(shouldNotify(drift(0.12, 0.05), [previous('high', 2)], NOW, alerts).notify).toBe(false);
  });

  it('notifies when the severity rises above what was notified within the cool-down', () => {
    const decision = shouldNotify(alert, [previous('medium', 1)], NOW, alerts);
    expect(decision).toEqual({ notify: true, reason: 'severity rose from medium to high' });
  });

  it('notifies again once the cool-down has passed', () => {
    const decision = shouldNotify(alert, [previous('high', 24), previous('high', 30)], NOW, alerts);
    expect(decision).toEqual({
      notify: true,
      reason: 'the last notification is older than the 24 h cool-down',
    });
  });

  it('ignores earlier alerts that were only shown on the dashboard, or have another fingerprint', () => {
    const others = [
      previous('high', 1, false),
      previous('critical', 1, true, alertFingerprint('dataDrift', 'NDX:drawdown')),
    ];
    expect(shouldNotify(alert, others, NOW, alerts).notify).toBe(true);
  });

  it('uses the configured cool-down', () => {
    const short = { ...alerts, cooldownHours: 2 };
    expect(shouldNotify(alert, [previous('high', 3)], NOW, short).notify).toBe(true);
    expect(shouldNotify(alert, [previous('high', 1)], NOW, short).notify).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

describe('routing', () => {
  it('e-mails high and critical alerts and shows low and medium on the dashboard only', () => {
    expect((['low', 'medium', 'high', 'critical'] as const).map((s) => routeAlert(s, config.alerts))).toEqual(
      ['dashboard', 'dashboard', 'email', 'email'],
    );
  });

  it('follows the config', () => {
    expect(
      routeAlert('medium', { ...config.alerts, routing: { ...config.alerts.routing, medium: 'email' } }),
    ).toBe('email');
  });

  it('plans an e-mail only when routed to e-mail and not a duplicate; the dashboard always shows it', () => {
    const high = drift(0.3, 0.4);
    expect(planDelivery(high, [], NOW, config.alerts)).toEqual({
      email: true,
      dashboard: true,
      reason: 'first notification of this alert',
    });
    expect(planDelivery(high, [previous('high', 1)], NOW, config.alerts).email).toBe(false);
    expect(planDelivery(drift(0.12, 0.05), [], NOW, config.alerts)).toEqual({
      email: false,
      dashboard: true,
      reason: 'medium alerts are shown on the dashboard only',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------------------------

describe('formatEmail', () => {
  const alert = drift(0.3124, 0.4127, '2026-03-08T06:00:00Z');
  const email = formatEmail(alert, config.alerts, 'https://finml.example.com/');

  it('has a subject with the severity and the key numbers', () => {
    expect(email.subject).toBe(
      '[FINML HIGH] Data drift on SPX realized_vol_21d: PSI 0.3124 (significant), KS D 0.4127',
    );
  });

  it('states the numbers against their thresholds', () => {
    expect(email.body).toContain('- PSI (significant): 0.3124 (breach when ≥ 0.25)');
    expect(email.body).toContain('- KS D: 0.4127 (breach when > 0.15)');
    expect(email.body).toContain('- KS p-value (asymptotic, assumes independent rows): 2.10e-9');
    expect(email.body).toContain('- window (gold rows): 63');
  });

  it('says since when, what the system will do and what the reader can do, with links', () => {
    expect(email.body).toContain(
      'SINCE\n2026-03-08T06:00:00.000Z (first seen; this alert raised 2026-03-10T12:00:00.000Z)',
    );
    expect(email.body).toMatch(
      /WHAT FINML WILL DO\nThis is data drift for the retraining rules: once 3 drift checks of new data in a row breach \(retraining.persistChecks\), a pipeline run trains a candidate model \(unless a retraining ran in the last 24 h\)/,
    );
    expect(email.body).toContain('open: https://finml.example.com/drift?symbol=SPX&feature=realized_vol_21d');
    expect(email.body).toContain('The same alert is not e-mailed again for 24 h unless its severity rises.');
  });

  it('keeps dashboard paths readable without a site URL', () => {
    expect(formatEmail(alert, config.alerts).body).toContain(
      'open: dashboard /drift?symbol=SPX&feature=realized_vol_21d',
    );
  });

  it('names the watch level for a moderate drift that does not retrain', () => {
    const body = formatEmail(drift(0.14, 0.1), config.alerts).body;
    expect(body).toContain('- PSI (moderate): 0.14 (breach when ≥ 0.1)');
    expect(body).toContain(
      'No automatic action: a moderate PSI is a watch level. Retraining starts at PSI ≥ 0.25 or KS D > 0.15.',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

const modelDriftResult: ModelDriftResult = {
  rule: 'accuracy-drop',
  test: null,
  verdict: 'accuracy-drop',
  retrain: true,
  outcomes: 320,
  pending: 4,
  minimumOutcomes: 100,
  liveAccuracy: 0.55,
  liveAccuracyInterval: [0.4953, 0.6034],
  confidenceLevel: 0.95,
  liveLogLoss: 0.98,
  referenceAccuracy: 0.64,
  referenceLogLoss: 0.82,
  accuracyDrop: 0.09,
  logLossIncrease: 0.16,
  threshold: 0.05,
  reasons: ['live accuracy 0.55 …'],
};

const logLossRise: ModelDriftResult = {
  ...modelDriftResult,
  rule: 'log-loss-dm',
  verdict: 'log-loss-rise',
  retrain: true,
  test: { days: 30, meanDifference: 0.3, statistic: 2.545, pValue: 0.00825, alpha: 0.05 },
  reasons: ['live log loss 1 …'],
};

const abResult = (outcome: AbTestResult['outcome']): AbTestResult => ({
  productionVersion: 'v7',
  candidateVersion: 'v8',
  design: 'paired',
  outcome,
  reasons: ['the candidate is significantly better on log loss: …'],
  primaryMetric: 'logLoss',
  production: { outcomes: 5200, accuracy: 0.61, logLoss: 0.9 },
  candidate: { outcomes: 5200, accuracy: 0.63, logLoss: 0.85 },
  logLossDifference: { estimate: -0.05, lower: -0.07, upper: -0.031, confidenceLevel: 0.95 },
  accuracyDifference: { estimate: 0.02, lower: 0.004, upper: 0.036, confidenceLevel: 0.95 },
  mcnemar: {
    method: 'chi-square',
    statistic: 6.1,
    pValue: 0.0135,
    productionOnlyCorrect: 300,
    candidateOnlyCorrect: 404,
  },
  sampleSize: {
    plan: null,
    required: { production: 4200, candidate: 4200 },
    observed: { production: 5200, candidate: 5200 },
    remaining: { production: 0, candidate: 0 },
    sufficient: true,
    dailyOutcomes: 400,
    daysRemaining: 0,
  },
  elapsedDays: 13,
  maxDurationDays: 42,
  evaluatedAt: NOW,
});

const rollbackDecision: RollbackDecision = {
  rollback: true,
  fromVersion: 'v8',
  toVersion: 'v7',
  outcomes: 400,
  minimumOutcomes: 200,
  liveAccuracy: 0.48,
  previousAccuracy: 0.62,
  accuracyDrop: 0.14,
  margin: 0.05,
  pValue: 1.2e-4,
  alpha: 0.05,
  reasons: ['roll back to v7: …'],
};

/** Every kind, built from a realistic result. */
const everyKind: [string, () => Alert][] = [
  [
    'dataRejected',
    () =>
      dataRejectedAlert(
        {
          file: 'market_data/prices.csv',
          version: 'v3',
          line: 1,
          reason: 'missing required column "date"',
          code: 'MISSING_COLUMN',
        },
        config,
        NOW,
      ),
  ],
  [
    'qualityGateFailed',
    () =>
      qualityGateFailedAlert(
        {
          layer: 'silver',
          score: 91.25,
          gate: 94,
          file: 'market_data/spx.csv',
          components: { completeness: 0.99, validity: 0.7 },
        },
        config,
        NOW,
      ),
  ],
  ['dataDrift', () => drift(0.3, 0.4)],
  [
    'chainDrift',
    () =>
      chainDriftAlert(
        {
          scope: 'SPX',
          modelVersion: 'v7',
          gTest: {
            statistic: 31.2,
            df: 6,
            pValue: 2.4e-5,
            impossibleTransitions: [{ from: 0, to: 2, count: 2 }],
          },
          windowRows: 63,
        },
        config,
        NOW,
      ),
  ],
  ['accuracyDrop', () => accuracyDropAlert({ modelVersion: 'v7', drift: modelDriftResult }, config, NOW)],
  ['modelPromoted', () => modelPromotedAlert(abResult('promote'), config, NOW)],
  ['modelRolledBack', () => modelRolledBackAlert(rollbackDecision, config, NOW)],
  ['abDecision', () => abDecisionAlert(abResult('reject'), config, NOW)],
  [
    'pipelineFailed',
    () =>
      pipelineFailedAlert(
        {
          stage: 'build-gold',
          error: 'Task timed out after 900 s',
          attempts: 3,
          input: 'market_data/spx.csv',
          executionId: 'exec-42',
        },
        config,
        NOW,
      ),
  ],
  ['modelDegraded', () => logLossRiseAlert({ modelVersion: 'v7', drift: logLossRise }, config, NOW)],
  [
    'productionChangedByHand',
    () =>
      productionChangedByHandAlert(
        {
          change: 'rolled-back',
          fromVersion: 'v8',
          toVersion: 'v7',
          reason: 'v8 misbehaves',
          rollbackTarget: 'v6',
        },
        config,
        NOW,
      ),
  ],
];

describe('alert builders', () => {
  it.each(everyKind)('%s: severity from config and every section of the e-mail filled', (kind, build) => {
    const alert = build();
    expect(alert.kind).toBe(kind);
    const configured = config.alerts.severity[alert.kind];
    if (typeof configured === 'string') expect(alert.severity).toBe(configured);
    expect(alert.fingerprint).toBe(alertFingerprint(alert.kind, alert.subject));
    expect(alert.whatHappened.length).toBeGreaterThan(20);
    expect(alert.measures.length).toBeGreaterThan(0);
    expect(alert.systemAction.length).toBeGreaterThan(20);
    expect(alert.userActions.length).toBeGreaterThan(0);
    for (const action of alert.userActions) expect(action.command ?? action.dashboardPath).not.toBeNull();
    expect(JSON.parse(JSON.stringify(alert))).toEqual(alert);
  });

  it('data rejected: names the file, the line and the reason, and how to check the fix', () => {
    const { subject, body } = formatEmail(everyKind[0]![1](), config.alerts);
    expect(subject).toBe('[FINML HIGH] File rejected: market_data/prices.csv, line 1');
    expect(body).toContain(
      'The file market_data/prices.csv was rejected at line 1: missing required column "date".',
    );
    expect(body).toContain('run: npx finml pipeline prices.csv --out out/');
  });

  it('data rejected: a re-sent version of the file is a new alert', () => {
    const v = (version: string) =>
      dataRejectedAlert({ file: 'market_data/prices.csv', version, line: 1, reason: 'x' }, config, NOW)
        .fingerprint;
    expect(v('v3')).not.toBe(v('v4'));
  });

  it('quality gate: gives the score against its gate and the components', () => {
    const body = formatEmail(everyKind[1]![1](), config.alerts).body;
    expect(body).toContain('- silver quality score: 91.25 % (breach when < 94 %)');
    expect(body).toContain('- validity: 0.7');
  });

  it('chain drift: gives the G-test against alpha and counts impossible transitions', () => {
    const body = formatEmail(everyKind[3]![1](), config.alerts).body;
    expect(body).toContain('- G-test p-value: 2.40e-5 (breach when < 0.01)');
    expect(body).toContain('It includes 2 transitions the model gives probability 0.');
    const impossible = chainDriftAlert(
      {
        scope: 'SPX',
        modelVersion: 'v7',
        gTest: {
          statistic: Number.POSITIVE_INFINITY,
          df: 6,
          pValue: 0,
          impossibleTransitions: [{ from: 0, to: 2, count: 1 }],
        },
        windowRows: 63,
      },
      config,
      NOW,
    );
    expect(JSON.parse(JSON.stringify(impossible))).toEqual(impossible);
    expect(() =>
      chainDriftAlert(
        { scope: 'SPX', modelVersion: 'v7', gTest: { statistic: 3, df: 6, pValue: 0.8 }, windowRows: 63 },
        config,
        NOW,
      ),
    ).toThrow(AlertInputError);
  });

  it('accuracy drop: gives live and cross-validated accuracy, the drop against its threshold, and the sample', () => {
    const { subject, body } = formatEmail(everyKind[4]![1](), config.alerts);
    expect(subject).toBe('[FINML HIGH] Accuracy of model v7 dropped by 0.09 (live 0.55 vs 0.64)');
    expect(body).toContain('- accuracy drop: 0.09 (breach when > 0.05)');
    expect(body).toContain('- live accuracy 95 % interval: 0.4953 to 0.6034');
    expect(body).toContain('- symbol-days: 320');
    expect(() =>
      accuracyDropAlert(
        { modelVersion: 'v7', drift: { ...modelDriftResult, verdict: 'ok', retrain: false } },
        config,
        NOW,
      ),
    ).toThrow(AlertInputError);
  });

  it('production changed by hand: e-mailed, both versions, the reason and how to undo it', () => {
    const alert = everyKind.find(([k]) => k === 'productionChangedByHand')![1]();
    expect(alert.severity).toBe('high');
    expect(planDelivery(alert, [], NOW, config.alerts).email).toBe(true);
    const { subject, body } = formatEmail(alert, config.alerts);
    expect(subject).toBe('[FINML HIGH] Model v7 rolled back by hand to production (replaces v8)');
    expect(body).toContain('Reason given: "v8 misbehaves"');
    expect(body).toContain('roll production back to v6');
    // The same change twice is one breach (one fingerprint); another change is another.
    const promoted = productionChangedByHandAlert(
      { change: 'promoted', fromVersion: null, toVersion: 'v1', reason: 'first', rollbackTarget: null },
      config,
      NOW,
    );
    expect(promoted.title).toBe('Model v1 promoted by hand to production');
    expect(promoted.fingerprint).not.toBe(alert.fingerprint);
    expect(formatEmail(promoted, config.alerts).body).not.toContain('To undo it');
  });

  it('model degraded (v2): the DM p-value against alpha, both losses, the sample; and a blocked retraining says so', () => {
    const { subject, body } = formatEmail(
      everyKind.find(([k]) => k === 'modelDegraded')![1](),
      config.alerts,
    );
    expect(subject).toBe(
      '[FINML HIGH] Forecasts of model v7 got worse: live log loss 0.98 vs 0.82 in cross-validation',
    );
    expect(body).toContain('- p-value: 0.00825 (breach when < 0.05)');
    expect(body).toContain('- symbol-days: 320');
    expect(body).toContain('The next pipeline run retrains the model');
    const blocked = formatEmail(
      logLossRiseAlert(
        { modelVersion: 'v7', drift: logLossRise, blockedBy: ['candidate v8 is in its A/B test'] },
        config,
        NOW,
      ),
      config.alerts,
    ).body;
    expect(blocked).toContain('No retraining now: candidate v8 is in its A/B test. Model v7 keeps serving.');
    expect(blocked).not.toContain('The next pipeline run retrains');
    expect(() =>
      logLossRiseAlert({ modelVersion: 'v7', drift: { ...logLossRise, verdict: 'ok' } }, config, NOW),
    ).toThrow(AlertInputError);
  });

  it('promotion: gives the winning interval and the rollback guard', () => {
    const body = formatEmail(everyKind[5]![1](), config.alerts).body;
    expect(body).toContain(
      '- log-loss difference (candidate − production): -0.05, 95 % interval -0.07 to -0.031',
    );
    expect(body).toContain(
      'rolled back to v7 automatically if it falls more than 0.05 below over at least 200 outcomes',
    );
    expect(() => modelPromotedAlert(abResult('keep-collecting'), config, NOW)).toThrow(AlertInputError);
  });

  it('rollback: gives the live accuracy against the previous one with margin and p-value', () => {
    const alert = everyKind[6]![1]();
    expect(alert.subject).toBe('v8->v7');
    const body = formatEmail(alert, config.alerts).body;
    expect(body).toContain('- accuracy drop: 0.14 (breach when > 0.05)');
    expect(body).toContain('- one-sided p-value: 1.20e-4 (breach when < 0.05)');
    expect(() =>
      modelRolledBackAlert({ ...rollbackDecision, rollback: false, toVersion: null }, config, NOW),
    ).toThrow(AlertInputError);
  });

  it('A/B decision: severity by outcome, and no alert while still collecting', () => {
    expect(abDecisionAlert(abResult('promote'), config, NOW).severity).toBe('low');
    expect(abDecisionAlert(abResult('reject'), config, NOW).severity).toBe('medium');
    expect(() => abDecisionAlert(abResult('keep-collecting'), config, NOW)).toThrow(AlertInputError);
  });

  it('pipeline failure: is critical and e-mailed, with the step, the error and the run', () => {
    const alert = everyKind[8]![1]();
    expect(alert.severity).toBe('critical');
    expect(planDelivery(alert, [], NOW, config.alerts).email).toBe(true);
    const body = formatEmail(alert, config.alerts, 'https://finml.example.com').body;
    expect(body).toContain(
      'The pipeline step "build-gold" failed on market_data/spx.csv after 3 attempts: Task timed out after 900 s',
    );
    expect(body).toContain('execution exec-42 in the Step Functions console');
    expect(body).toContain('open: https://finml.example.com/data');
    // An execution the local runtime's stop interrupted is re-run by it: the e-mail says so.
    const interrupted = pipelineFailedAlert(
      {
        status: 'ABORTED',
        // As PipelineFailed words it: the error, then the cause.
        error: 'RuntimeInterrupted: the local runtime stopped while the execution was running',
        executionId: 'exec-43',
        input: 'market_data/spx.csv',
      },
      config,
      NOW,
    );
    expect(interrupted.systemAction).toContain(
      'At its start it runs the file again by itself: nothing to do',
    );
    // …and it is shown on the dashboard, not e-mailed (severity.pipelineInterrupted: medium).
    expect(interrupted.severity).toBe('medium');
    expect(planDelivery(interrupted, [], NOW, config.alerts).email).toBe(false);
  });

  it('rejects a time that is not ISO 8601', () => {
    expect(() => pipelineFailedAlert({ stage: 's', error: 'e' }, config, 'now')).toThrow(AlertInputError);
  });
});

describe('data drift alert wording', () => {
  const drawdown = { feature: 'drawdown', ks: { d: 0.9, pValue: 1e-12 }, windowRows: 63, since: NOW };
  it('names what the window was compared with, and a PSI at its strict threshold as "at", not "within"', () => {
    const alert = dataDriftAlert(
      {
        ...drawdown,
        symbol: 'S0005',
        psi: { psi: 8.2811 },
        reference: 'rows before the window',
        thresholds: { ks: 0.5, psi: 8.2811, strict: true },
      },
      config,
      NOW,
    );
    expect(alert.whatHappened).toContain(
      'has moved away from its own earlier rows (the model was not trained on this symbol): PSI 8.281 is at its calibrated threshold 8.281 (a breach is above it)',
    );
    const trained = dataDriftAlert({ ...drawdown, symbol: 'SPX', psi: { psi: 0.6 } }, config, NOW);
    expect(trained.whatHappened).toContain('has moved away from the rows the model was trained on');
  });
});

describe('shellWord', () => {
  it("a file name in an alert's command is one word of /bin/sh, whatever it holds", () => {
    // The walk: "npx finml pipeline AT&T.csv" ran in the background, "bad sym é.csv" split in three.
    for (const name of [
      'SPX.csv',
      'AT&T.csv',
      'bad sym é.csv',
      "it's.csv",
      'a$(b).csv',
      'x;y|z.csv',
      '*.csv',
    ]) {
      const out = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${shellWord(name)}`], { encoding: 'utf8' });
      expect(out).toBe(`${name}\n`);
    }
    expect(shellWord('SPX.csv')).toBe('SPX.csv');
  });
});
