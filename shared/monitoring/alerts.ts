/**
 * Alerts: what FINML tells a risk analyst, how loudly, and how often.
 *
 * - Builders (one per alert kind) turn a monitoring result into an {@link Alert}: severity from
 *   config (`alerts.severity`), a stable fingerprint sha256(kind + ":" + subject), and the content
 *   of an e-mail an analyst can act on — what happened, how large (numbers against thresholds),
 *   since when, what the system will do, what they can do.
 * - {@link shouldNotify} de-duplicates: an alert is e-mailed again only when its severity rises
 *   above what was e-mailed within `alerts.cooldownHours`, or when that cool-down has passed.
 * - {@link routeAlert} / {@link planDelivery}: which severities are e-mailed and which only
 *   appear on the dashboard (`alerts.routing`).
 * - {@link formatEmail}: the plain-text subject and body.
 */
import { createHash } from 'node:crypto';
import type { MonitoringConfig } from '#config/monitoring-schema';
import type { AbTestResult, Difference, RollbackDecision } from '#shared/monitoring/ab';
import {
  above,
  atOrAbove,
  type KsResult,
  type PsiResult,
  type TransitionGTestResult,
} from '#shared/monitoring/drift-stats';
import type { ModelDriftResult } from '#shared/monitoring/model-drift';

/** A builder was called on a result that is not an alert (e.g. no drift), or with a bad time. */
export class AlertInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AlertInputError';
  }
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export type Severity = 'low' | 'medium' | 'high' | 'critical';
/** The kinds of alert FINML raises (the keys of `alerts.severity`). */
export type AlertKind = keyof MonitoringConfig['alerts']['severity'];
export type Channel = 'email' | 'dashboard';

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** A number of the alert; with a threshold, `value breachWhen threshold` is the breach. */
export interface AlertMeasure {
  readonly label: string;
  readonly value: number | string;
  readonly unit: string;
  readonly threshold: number | null;
  readonly breachWhen: '>' | '≥' | '<' | '≤' | null;
}

/** Something the reader can do: a CLI command and/or a dashboard page (path below the site root). */
export interface AlertAction {
  readonly description: string;
  readonly command: string | null;
  readonly dashboardPath: string | null;
}

export interface Alert {
  readonly kind: AlertKind;
  /** What the alert is about, e.g. "SPX:realized_vol_21d". */
  readonly subject: string;
  /** sha256 (hex) of `${kind}:${subject}`: the same breach always has the same fingerprint. */
  readonly fingerprint: string;
  readonly severity: Severity;
  /** ISO 8601: when this alert was raised, and since when the condition holds. */
  readonly raisedAt: string;
  readonly since: string;
  /** One line with the key number, e.g. "Data drift on SPX realized_vol_21d: PSI 0.31". */
  readonly title: string;
  readonly whatHappened: string;
  readonly measures: AlertMeasure[];
  readonly systemAction: string;
  readonly userActions: AlertAction[];
}

/** An alert raised before, as stored for de-duplication. */
export interface PreviousAlert {
  readonly fingerprint: string;
  readonly severity: Severity;
  readonly raisedAt: string;
  /** Whether it was e-mailed. */
  readonly notified: boolean;
}

export interface NotifyDecision {
  readonly notify: boolean;
  readonly reason: string;
}

export interface DeliveryPlan {
  readonly email: boolean;
  /** Every alert is shown on the dashboard. */
  readonly dashboard: true;
  readonly reason: string;
}

type Config = MonitoringConfig;

// ---------------------------------------------------------------------------------------------
// De-duplication and routing
// ---------------------------------------------------------------------------------------------

/** sha256 hex of `${kind}:${subject}`. */
export function alertFingerprint(kind: AlertKind, subject: string): string {
  return createHash('sha256').update(`${kind}:${subject}`).digest('hex');
}

/**
 * Whether to notify about `alert`, given the earlier alerts with its fingerprint (others are
 * ignored): yes when none was notified within the last `cooldownHours` (first occurrence, or the
 * cool-down has passed), or when its severity is above every severity notified in that time;
 * otherwise no.
 */
export function shouldNotify(
  alert: Pick<Alert, 'fingerprint' | 'severity'>,
  previous: readonly PreviousAlert[],
  now: string,
  config: Config['alerts'],
): NotifyDecision {
  const nowMs = parseTime(now, 'now');
  const windowStart = nowMs - config.cooldownHours * 3_600_000;
  const recent = previous.filter(
    (p) =>
      p.fingerprint === alert.fingerprint && p.notified && parseTime(p.raisedAt, 'raisedAt') > windowStart,
  );
  if (recent.length === 0) {
    const earlier = previous.some((p) => p.fingerprint === alert.fingerprint && p.notified);
    return {
      notify: true,
      reason: earlier
        ? `the last notification is older than the ${config.cooldownHours} h cool-down`
        : 'first notification of this alert',
    };
  }
  const highest = recent.reduce(
    (a, p) => (SEVERITY_RANK[p.severity] > SEVERITY_RANK[a] ? p.severity : a),
    'low' as Severity,
  );
  if (SEVERITY_RANK[alert.severity] > SEVERITY_RANK[highest]) {
    return { notify: true, reason: `severity rose from ${highest} to ${alert.severity}` };
  }
  return {
    notify: false,
    reason: `already notified at ${highest} within the last ${config.cooldownHours} h`,
  };
}

/** The channel of a severity (`alerts.routing`): "email" (and dashboard) or "dashboard" only. */
export function routeAlert(severity: Severity, config: Config['alerts']): Channel {
  return config.routing[severity];
}

/** Routing and de-duplication together: e-mail when routed to e-mail and {@link shouldNotify} agrees. */
export function planDelivery(
  alert: Pick<Alert, 'fingerprint' | 'severity'>,
  previous: readonly PreviousAlert[],
  now: string,
  config: Config['alerts'],
): DeliveryPlan {
  if (routeAlert(alert.severity, config) === 'dashboard') {
    return {
      email: false,
      dashboard: true,
      reason: `${alert.severity} alerts are shown on the dashboard only`,
    };
  }
  const decision = shouldNotify(alert, previous, now, config);
  return { email: decision.notify, dashboard: true, reason: decision.reason };
}

// ---------------------------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------------------------

/**
 * The e-mail of an alert: subject "[FINML HIGH] <title>" and a plain-text body with the sections
 * WHAT HAPPENED, HOW LARGE, SINCE, WHAT FINML WILL DO, WHAT YOU CAN DO. Dashboard paths become
 * links when `dashboardUrl` (the site root) is given.
 */
export function formatEmail(
  alert: Alert,
  config: Config['alerts'],
  dashboardUrl?: string,
): { subject: string; body: string } {
  const link = (path: string) =>
    dashboardUrl ? `${dashboardUrl.replace(/\/+$/, '')}${path}` : `dashboard ${path}`;
  const actions = alert.userActions.map((a) => {
    const parts = [a.description];
    if (a.command) parts.push(`   run: ${a.command}`);
    if (a.dashboardPath) parts.push(`   open: ${link(a.dashboardPath)}`);
    return `- ${parts.join('\n')}`;
  });
  const since =
    alert.since === alert.raisedAt
      ? alert.since
      : `${alert.since} (first seen; this alert raised ${alert.raisedAt})`;
  const body = [
    `FINML alert · ${alert.severity.toUpperCase()} · ${alert.title}`,
    '',
    'WHAT HAPPENED',
    alert.whatHappened,
    '',
    'HOW LARGE',
    ...alert.measures.map(formatMeasure),
    '',
    'SINCE',
    since,
    '',
    'WHAT FINML WILL DO',
    alert.systemAction,
    '',
    'WHAT YOU CAN DO',
    ...actions,
    '',
    '--',
    `Alert ${alert.kind} · subject ${alert.subject} · fingerprint ${alert.fingerprint.slice(0, 12)}. ` +
      `The same alert is not e-mailed again for ${config.cooldownHours} h unless its severity rises.`,
    '',
  ].join('\n');
  return { subject: `[FINML ${alert.severity.toUpperCase()}] ${alert.title}`, body };
}

function formatMeasure(m: AlertMeasure): string {
  const value = typeof m.value === 'number' ? fmt(m.value) : m.value;
  const unit = m.unit ? ` ${m.unit}` : '';
  const limit =
    m.threshold === null || m.breachWhen === null
      ? ''
      : ` (breach when ${m.breachWhen} ${fmt(m.threshold)}${unit})`;
  return `- ${m.label}: ${value}${unit}${limit}`;
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/** Optional start of the condition (ISO 8601); default: the time the alert is raised. */
interface Since {
  readonly since?: string;
}

/** A bronze file rejected whole (DOMAIN.md §1). */
export function dataRejectedAlert(
  facts: Since & {
    readonly file: string;
    /** Object version or ETag: a re-sent file is a new alert. */
    readonly version?: string;
    readonly line: number;
    readonly reason: string;
    readonly code?: string;
    readonly quarantineKey?: string;
  },
  config: Config,
  now: string,
): Alert {
  const subject = facts.version ? `${facts.file}@${facts.version}` : facts.file;
  return makeAlert('dataRejected', subject, config.alerts.severity.dataRejected, facts.since, now, {
    title: `File rejected: ${facts.file}, line ${facts.line}`,
    whatHappened: `The file ${facts.file} was rejected at line ${facts.line}: ${facts.reason}. None of its rows was loaded.`,
    measures: [measure('line', facts.line), ...(facts.code ? [measure('rejection code', facts.code)] : [])],
    systemAction:
      `The file is kept unchanged in quarantine${facts.quarantineKey ? ` (${facts.quarantineKey})` : ''} with its report. ` +
      'Forecasts keep using the data and model already in place. A data error is not retried: the file itself must change.',
    userActions: [
      action(
        `Correct line ${facts.line} (and any like it) and upload the file again; check it first on your machine`,
        {
          command: `npx finml pipeline ${shellWord(baseName(facts.file))} --out out/`,
        },
      ),
      action(
        `Read the rejection report: ${facts.quarantineKey ? `${facts.quarantineKey}.report.json` : 'the .report.json beside the file'} in the quarantine bucket (the Data quality page shows the layers' scores)`,
        { dashboardPath: '/data' },
      ),
    ],
  });
}

/** A layer's quality score below its gate (DOMAIN.md §7): the run stopped. */
export function qualityGateFailedAlert(
  facts: Since & {
    readonly layer: 'bronze' | 'silver' | 'gold';
    /** Percent. */
    readonly score: number;
    readonly gate: number;
    readonly file?: string;
    /** Components in [0, 1]: completeness, validity, uniqueness, timeliness. */
    readonly components?: Readonly<Record<string, number>>;
  },
  config: Config,
  now: string,
): Alert {
  const on = facts.file ? ` of ${facts.file}` : '';
  return makeAlert(
    'qualityGateFailed',
    `${facts.layer}${facts.file ? `:${facts.file}` : ''}`,
    config.alerts.severity.qualityGateFailed,
    facts.since,
    now,
    {
      title: `${capitalise(facts.layer)} quality ${fmt(facts.score)} % below its gate ${fmt(facts.gate)} %${on}`,
      whatHappened:
        `The ${facts.layer} data quality score${on} is ${fmt(facts.score)} %, below its gate of ` +
        `${fmt(facts.gate)} %. The pipeline run stopped at this layer.`,
      measures: [
        {
          label: `${facts.layer} quality score`,
          value: facts.score,
          unit: '%',
          threshold: facts.gate,
          breachWhen: '<',
        },
        ...Object.entries(facts.components ?? {}).map(([name, value]) => measure(name, value)),
      ],
      systemAction:
        'Nothing from this run was published: the input is quarantined with its quality report, and forecasts keep using the current data and model.',
      userActions: [
        action(
          'See which component is low (completeness, validity, uniqueness, timeliness) and the rows behind it',
          {
            dashboardPath: `/data?view=quality&layer=${facts.layer}`,
          },
        ),
        ...(facts.file
          ? [
              action('Reproduce the scores on your machine', {
                command: `npx finml pipeline ${shellWord(baseName(facts.file))} --out out/ --json`,
              }),
            ]
          : []),
      ],
    },
  );
}

/** What a data-drift alert says the window was compared with, by the report's reference source. */
const REFERENCE_WORDS = {
  'training rows': 'the rows the model was trained on',
  'model reference sample': "the model's stored reference sample of this symbol",
  'rows before the window': 'its own earlier rows (the model was not trained on this symbol)',
} as const;

/**
 * Data drift of one gold feature of one symbol (DOMAIN.md §6). Severity: the highest of
 * `dataDrift.psiSignificant` (PSI ≥ drift.psi.significant), `psiModerate` (PSI ≥ moderate) and
 * `ksBreach` (KS D > drift.ksThreshold) that applies.
 *
 * @throws AlertInputError when neither statistic breaches (there is nothing to alert on).
 */
export function dataDriftAlert(
  facts: Since & {
    readonly symbol: string;
    readonly feature: string;
    readonly ks: Pick<KsResult, 'd' | 'pValue'>;
    readonly psi: Pick<PsiResult, 'psi'>;
    readonly windowRows: number;
    /** What the window was compared with (the drift report's reference source); absent: the training rows. */
    readonly reference?: 'training rows' | 'model reference sample' | 'rows before the window';
    /**
     * The symbol's calibrated thresholds (DOMAIN §6 v2; `strict`: PSI above, else at or above) — the
     * rule the drift check applied. Absent: drift.ksThreshold and the PSI bands.
     */
    readonly thresholds?: { readonly ks: number; readonly psi: number; readonly strict: boolean } | null;
  },
  config: Config,
  now: string,
): Alert {
  const { drift } = config;
  const levels = config.alerts.severity.dataDrift;
  const psiValue = facts.psi.psi;
  const t = facts.thresholds ?? undefined;
  const ksBreach = above(facts.ks.d, t?.ks ?? drift.ksThreshold);
  const psiBand =
    t !== undefined
      ? (t.strict ? above(psiValue, t.psi) : atOrAbove(psiValue, t.psi))
        ? 'significant'
        : 'none'
      : atOrAbove(psiValue, drift.psi.significant)
        ? 'significant'
        : atOrAbove(psiValue, drift.psi.moderate)
          ? 'moderate'
          : 'none';
  const severities: Severity[] = [
    ...(ksBreach ? [levels.ksBreach] : []),
    ...(psiBand === 'significant'
      ? [levels.psiSignificant]
      : psiBand === 'moderate'
        ? [levels.psiModerate]
        : []),
  ];
  if (severities.length === 0) {
    throw new AlertInputError(
      `no drift on ${facts.symbol} ${facts.feature}: PSI ${fmt(psiValue)}, KS D ${fmt(facts.ks.d)}`,
    );
  }
  const retrains = ksBreach || psiBand === 'significant';
  const name = `${facts.symbol} ${facts.feature}`;
  // The rule the check applied, in its own terms: the symbol's thresholds (calibrated on its own
  // history, or their fallback), else the fixed KS threshold and PSI bands.
  const rule = t === undefined ? undefined : t.strict ? 'calibrated threshold' : 'fallback threshold';
  const psiWords =
    t === undefined
      ? `${psiBand === 'none' ? 'below the watch level' : psiBand} (moderate from ${fmt(drift.psi.moderate)}, significant from ${fmt(drift.psi.significant)})`
      : `${psiBand === 'significant' ? 'above' : fmt(psiValue) === fmt(t.psi) ? 'at' : 'within'} its ${rule} ${fmt(t.psi)}${psiBand !== 'significant' && fmt(psiValue) === fmt(t.psi) ? (t.strict ? ' (a breach is above it)' : '') : ''}`;
  const ksCut = t?.ks ?? drift.ksThreshold;
  const ksWords = `${ksBreach ? 'above' : 'within'} its ${rule ?? 'threshold'} ${fmt(ksCut)}`;
  const psiTag =
    t === undefined ? psiBand : psiBand === 'significant' ? `above its ${rule}` : `within its ${rule}`;
  return makeAlert('dataDrift', `${facts.symbol}:${facts.feature}`, highest(severities), facts.since, now, {
    title: `Data drift on ${name}: PSI ${fmt(psiValue)} (${psiTag}), KS D ${fmt(facts.ks.d)}`,
    whatHappened:
      `The distribution of ${facts.feature} for ${facts.symbol} over the last ${facts.windowRows} ` +
      `gold rows has moved away ` +
      `from ${REFERENCE_WORDS[facts.reference ?? 'training rows']}: PSI ${fmt(psiValue)} is ${psiWords} ` +
      `and KS D ${fmt(facts.ks.d)} is ${ksWords}.`,
    measures: [
      {
        label: `PSI (${psiTag})`,
        value: psiValue,
        unit: '',
        threshold:
          t !== undefined ? t.psi : psiBand === 'moderate' ? drift.psi.moderate : drift.psi.significant,
        breachWhen: t?.strict ? '>' : '≥',
      },
      { label: 'KS D', value: facts.ks.d, unit: '', threshold: ksCut, breachWhen: '>' },
      measure('KS p-value (asymptotic, assumes independent rows)', facts.ks.pValue),
      measure('window (gold rows)', facts.windowRows),
    ],
    systemAction: retrains
      ? `This is data drift for the retraining rules: once ${config.retraining.persistChecks} drift ` +
        `checks of new data in a row breach (retraining.persistChecks), a pipeline run trains a ` +
        `candidate model (unless a retraining ran in the last ${config.retraining.cooldownHours} h), ` +
        `which serves forecasts only after winning an A/B test against production.`
      : `No automatic action: a moderate PSI is a watch level. Retraining starts at PSI ≥ ` +
        `${fmt(drift.psi.significant)} or KS D > ${fmt(drift.ksThreshold)}.`,
    userActions: [
      action(
        `Compare the window with the reference for ${name}; if the move is a data error (e.g. an ` +
          `unadjusted split), correct and re-upload the file`,
        {
          dashboardPath: `/drift?symbol=${encodeURIComponent(facts.symbol)}&feature=${encodeURIComponent(facts.feature)}`,
        },
      ),
      action(
        'If the market really moved, read the current regime forecasts with that in mind until a retrained model is promoted',
        {
          dashboardPath: `/forecasts?symbol=${encodeURIComponent(facts.symbol)}`,
        },
      ),
    ],
  });
}

/**
 * The window's regime transitions do not fit the model's transition matrix (G-test p below
 * `drift.transitionAlpha`).
 *
 * @throws AlertInputError when p ≥ alpha.
 */
export function chainDriftAlert(
  facts: Since & {
    /** What was tested: a symbol, or e.g. "all symbols" for pooled counts. */
    readonly scope: string;
    readonly modelVersion: string;
    readonly gTest: Pick<TransitionGTestResult, 'statistic' | 'df' | 'pValue'> &
      Partial<Pick<TransitionGTestResult, 'impossibleTransitions'>>;
    readonly windowRows: number;
    /**
     * The calibrated G² threshold (DOMAIN §6 v2) the drift check applied: drift is G² above it.
     * Absent or null: the G-test p-value below drift.transitionAlpha.
     */
    readonly threshold?: number | null;
  },
  config: Config,
  now: string,
): Alert {
  const alpha = config.drift.transitionAlpha;
  const { statistic, df, pValue } = facts.gTest;
  const threshold = facts.threshold ?? null;
  if (threshold !== null ? !above(statistic, threshold) : !(pValue < alpha)) {
    throw new AlertInputError(
      threshold !== null
        ? `no chain drift for ${facts.scope}: G² = ${fmt(statistic)} ≤ ${fmt(threshold)} (calibrated)`
        : `no chain drift for ${facts.scope}: p = ${fmt(pValue)} ≥ ${fmt(alpha)}`,
    );
  }
  const impossible = facts.gTest.impossibleTransitions ?? [];
  const impossibleText =
    impossible.length === 0
      ? ''
      : ` It includes ${impossible.reduce((n, t) => n + t.count, 0)} transitions the model gives probability 0.`;
  return makeAlert('chainDrift', facts.scope, config.alerts.severity.chainDrift, facts.since, now, {
    title: `Regime transitions of ${facts.scope} no longer fit model ${facts.modelVersion} (p = ${fmt(pValue)})`,
    whatHappened:
      `Over the last ${facts.windowRows} gold rows, the regime transitions of ${facts.scope} are ` +
      `unlikely under model ${facts.modelVersion}'s transition matrix: regimes now persist or ` +
      `switch differently than the model assumes.${impossibleText}`,
    measures: [
      ...(threshold !== null
        ? [
            {
              label: 'G² statistic (calibrated threshold)',
              value: statistic,
              unit: '',
              threshold,
              breachWhen: '>' as const,
            },
            measure('G-test p-value', pValue),
          ]
        : [
            { label: 'G-test p-value', value: pValue, unit: '', threshold: alpha, breachWhen: '<' as const },
            measure(
              'G² statistic',
              Number.isFinite(statistic) ? statistic : '∞ (the model rules out an observed transition)',
            ),
          ]),
      measure('degrees of freedom', df),
    ],
    systemAction:
      `This is chain drift for the retraining rules: once ${config.retraining.persistChecks} drift ` +
      `checks of new data in a row breach (retraining.persistChecks), a pipeline run trains a ` +
      `candidate model (unless a retraining ran in the last ${config.retraining.cooldownHours} h), ` +
      `which must win an A/B test before it serves forecasts.`,
    userActions: [
      action(
        'Compare observed and model transition frequencies, and the forecast of reaching High, for this period',
        {
          dashboardPath: `/model?version=${encodeURIComponent(facts.modelVersion)}&view=transitions`,
        },
      ),
    ],
  });
}

/** A model-drift check's verdict about a model, and what holds a retraining back (if anything). */
type DegradedModelFacts = Since & {
  readonly modelVersion: string;
  readonly drift: ModelDriftResult;
  readonly blockedBy?: readonly string[];
};

/** What FINML does about a degraded model: retrain, or why not now (the check's blockers). */
function retrainingAction(
  facts: { readonly modelVersion: string; readonly blockedBy?: readonly string[] },
  config: Config,
): string {
  const keeps = `Until then model ${facts.modelVersion} keeps serving.`;
  if (facts.blockedBy !== undefined && facts.blockedBy.length > 0) {
    return `No retraining now: ${facts.blockedBy.join('; ')}. Model ${facts.modelVersion} keeps serving.`;
  }
  return (
    `The next pipeline run retrains the model (unless a retraining ran in the last ` +
    `${config.retraining.cooldownHours} h); the new model serves forecasts only after winning ` +
    `an A/B test. ${keeps}`
  );
}

/**
 * The live log loss is significantly above the cross-validated one (DOMAIN §6 v2: one-sided
 * Diebold–Mariano test of the daily mean loss, at `modelDrift.alpha`).
 *
 * @throws AlertInputError when the verdict is not "log-loss-rise".
 */
export function logLossRiseAlert(facts: DegradedModelFacts, config: Config, now: string): Alert {
  const d = facts.drift;
  const t = d.test;
  if (d.verdict !== 'log-loss-rise' || d.liveLogLoss === null || t === null || t.pValue === null) {
    throw new AlertInputError(`model drift verdict is "${d.verdict}", not "log-loss-rise"`);
  }
  return makeAlert(
    'modelDegraded',
    facts.modelVersion,
    config.alerts.severity.modelDegraded,
    facts.since,
    now,
    {
      title:
        `Forecasts of model ${facts.modelVersion} got worse: live log loss ${fmt(d.liveLogLoss)} vs ` +
        `${fmt(d.referenceLogLoss)} in cross-validation`,
      whatHappened:
        `Over its last ${d.outcomes} symbol-days with a known outcome (${t.days} days), model ` +
        `${facts.modelVersion}'s next-day forecasts had a mean log loss of ${fmt(d.liveLogLoss)}, ` +
        `against ${fmt(d.referenceLogLoss)} in cross-validation; the one-sided Diebold–Mariano test ` +
        `of the daily losses gives p = ${fmt(t.pValue)}.`,
      measures: [
        { label: 'p-value', value: t.pValue, unit: '', threshold: t.alpha, breachWhen: '<' },
        ...(t.statistic === null ? [] : [measure('Diebold–Mariano statistic', t.statistic)]),
        measure('live log loss', d.liveLogLoss),
        measure('cross-validated log loss', d.referenceLogLoss),
        measure('symbol-days', d.outcomes),
        measure('days', t.days),
        ...(d.liveAccuracy === null ? [] : [measure('live accuracy', d.liveAccuracy)]),
        measure('cross-validated accuracy', d.referenceAccuracy),
      ],
      systemAction: retrainingAction(facts, config),
      userActions: [
        action('Check whether the rise coincides with data drift or chain drift alerts', {
          dashboardPath: `/monitoring?view=accuracy&version=${encodeURIComponent(facts.modelVersion)}`,
        }),
        action('Treat forecasts with more caution until a retrained model is promoted', {
          dashboardPath: '/forecasts',
        }),
      ],
    },
  );
}

/**
 * Live accuracy dropped more than the threshold below the cross-validated accuracy (the v1 rule,
 * `modelDrift.rule: accuracy-drop`).
 *
 * @throws AlertInputError when the verdict is not "accuracy-drop".
 */
export function accuracyDropAlert(facts: DegradedModelFacts, config: Config, now: string): Alert {
  const d = facts.drift;
  if (d.verdict !== 'accuracy-drop' || d.liveAccuracy === null || d.accuracyDrop === null) {
    throw new AlertInputError(`model drift verdict is "${d.verdict}", not "accuracy-drop"`);
  }
  const interval = d.liveAccuracyInterval;
  return makeAlert(
    'accuracyDrop',
    facts.modelVersion,
    config.alerts.severity.accuracyDrop,
    facts.since,
    now,
    {
      title:
        `Accuracy of model ${facts.modelVersion} dropped by ${fmt(d.accuracyDrop)} (live ` +
        `${fmt(d.liveAccuracy)} vs ${fmt(d.referenceAccuracy)})`,
      whatHappened:
        `Model ${facts.modelVersion} predicted the next regime correctly ` +
        `${fmt(d.liveAccuracy * 100)} % of the time over its last ${d.outcomes} symbol-days with a known outcome, ` +
        `against ${fmt(d.referenceAccuracy * 100)} % in cross-validation.`,
      measures: [
        { label: 'accuracy drop', value: d.accuracyDrop, unit: '', threshold: d.threshold, breachWhen: '>' },
        measure('live accuracy', d.liveAccuracy),
        ...(interval
          ? [
              measure(
                `live accuracy ${fmt(d.confidenceLevel * 100)} % interval`,
                `${fmt(interval[0])} to ${fmt(interval[1])}`,
              ),
            ]
          : []),
        measure('cross-validated accuracy', d.referenceAccuracy),
        measure('symbol-days', d.outcomes),
        ...(d.liveLogLoss === null ? [] : [measure('live log loss', d.liveLogLoss)]),
        measure('cross-validated log loss', d.referenceLogLoss),
      ],
      systemAction: retrainingAction(facts, config),
      userActions: [
        action(
          'Check whether the drop coincides with data drift or chain drift alerts, and which regimes are missed',
          {
            dashboardPath: `/monitoring?view=accuracy&version=${encodeURIComponent(facts.modelVersion)}`,
          },
        ),
        action('Treat forecasts with more caution until a retrained model is promoted', {
          dashboardPath: '/forecasts',
        }),
      ],
    },
  );
}

/**
 * A candidate won its A/B test and is now production.
 *
 * @throws AlertInputError when the A/B outcome is not "promote".
 */
export function modelPromotedAlert(ab: AbTestResult, config: Config, now: string): Alert {
  if (ab.outcome !== 'promote') throw new AlertInputError(`A/B outcome is "${ab.outcome}", not "promote"`);
  const rollback = config.rollback;
  return makeAlert(
    'modelPromoted',
    ab.candidateVersion,
    config.alerts.severity.modelPromoted,
    undefined,
    now,
    {
      title: `Model ${ab.candidateVersion} promoted to production (replaces ${ab.productionVersion})`,
      whatHappened:
        `Model ${ab.candidateVersion} won its A/B test against ${ab.productionVersion} and now ` +
        `serves the forecasts.`,
      measures: abMeasures(ab),
      systemAction:
        `Production now points to ${ab.candidateVersion}. Its live accuracy is watched: it is ` +
        `rolled back to ${ab.productionVersion} ` +
        `automatically if it falls more than ${fmt(rollback.accuracyMargin)} below over at least ` +
        `${rollback.minimumOutcomes} outcomes.`,
      userActions: [
        action('Read the A/B report', {
          dashboardPath: `/ab-tests?candidate=${encodeURIComponent(ab.candidateVersion)}`,
        }),
        action('Nothing is required. To revert by hand, roll production back to the previous version', {
          dashboardPath: '/models',
        }),
      ],
    },
  );
}

/**
 * Production was rolled back to the previous version.
 *
 * @throws AlertInputError when the decision is not a rollback.
 */
export function modelRolledBackAlert(decision: RollbackDecision, config: Config, now: string): Alert {
  if (!decision.rollback || decision.toVersion === null || decision.liveAccuracy === null) {
    throw new AlertInputError(`the rollback decision for ${decision.fromVersion} is not a rollback`);
  }
  const { fromVersion, toVersion } = decision;
  return makeAlert(
    'modelRolledBack',
    `${fromVersion}->${toVersion}`,
    config.alerts.severity.modelRolledBack,
    undefined,
    now,
    {
      title:
        `Model ${fromVersion} rolled back to ${toVersion}: live accuracy ` +
        `${fmt(decision.liveAccuracy)} vs ${fmt(decision.previousAccuracy)}`,
      whatHappened:
        `After its promotion, model ${fromVersion} predicted ${fmt(decision.liveAccuracy * 100)} % ` +
        `of ${decision.outcomes} outcomes correctly, against ` +
        `${fmt(decision.previousAccuracy * 100)} % for ${toVersion}. Production was switched back ` +
        `to ${toVersion}.`,
      measures: [
        {
          label: 'accuracy drop',
          value: decision.accuracyDrop!,
          unit: '',
          threshold: decision.margin,
          breachWhen: '>',
        },
        {
          label: 'one-sided p-value',
          value: decision.pValue!,
          unit: '',
          threshold: decision.alpha,
          breachWhen: '<',
        },
        measure(`live accuracy of ${fromVersion}`, decision.liveAccuracy),
        measure(`accuracy of ${toVersion}`, decision.previousAccuracy),
        measure('outcomes since promotion', decision.outcomes),
      ],
      systemAction:
        `Forecasts come from ${toVersion} again. ${fromVersion} stays in the registry, marked ` +
        `rolled back; the retraining rules keep running and will produce a new candidate.`,
      userActions: [
        action(
          `Review ${fromVersion}'s A/B report and live accuracy to see why it won the test but lost afterwards`,
          {
            dashboardPath: `/models?version=${encodeURIComponent(fromVersion)}`,
          },
        ),
      ],
    },
  );
}

/** A change of production made by hand (the admin routes), as the alert reports it. */
export interface ManualProductionChange {
  readonly change: 'promoted' | 'rolled-back';
  /** The version that served before (null: there was no production model). */
  readonly fromVersion: string | null;
  readonly toVersion: string;
  /** The reason the admin gave. */
  readonly reason: string;
  /** The version a rollback would now restore (null: none). */
  readonly rollbackTarget: string | null;
}

/**
 * Production was switched by hand (POST /admin/promote or /admin/rollback). The automatic switches
 * have their own alerts (modelPromoted, modelRolledBack); this one tells the team that a person did it.
 */
export function productionChangedByHandAlert(
  facts: ManualProductionChange,
  config: Config,
  now: string,
): Alert {
  const { change, fromVersion, toVersion, reason, rollbackTarget } = facts;
  const verb = change === 'promoted' ? 'promoted by hand' : 'rolled back by hand';
  const replaced = fromVersion === null ? '' : ` (replaces ${fromVersion})`;
  return makeAlert(
    'productionChangedByHand',
    `${fromVersion ?? 'none'}->${toVersion}`,
    config.alerts.severity.productionChangedByHand,
    undefined,
    now,
    {
      title: `Model ${toVersion} ${verb} to production${replaced}`,
      whatHappened:
        `An admin ${change === 'promoted' ? 'promoted' : 'rolled production back to'} model ` +
        `${toVersion}${fromVersion === null ? '' : `, replacing ${fromVersion}`}. Reason given: "${reason}".`,
      measures: [
        measure('now in production', toVersion),
        measure('replaced', fromVersion ?? 'none'),
        measure('a rollback would restore', rollbackTarget ?? 'none'),
      ],
      systemAction: `Forecasts come from ${toVersion} from now on${change === 'promoted' ? ': its live accuracy is watched by the daily rollback check, as any promoted model’s' : ' (a version rolled back to is not watched by the automatic rollback check, which looks only at promoted ones)'}; the retraining rules keep running.`,
      userActions: [
        action('Check the change was intended; the model registry lists the production history', {
          dashboardPath: `/models?version=${encodeURIComponent(toVersion)}`,
        }),
        ...(rollbackTarget === null
          ? []
          : [
              action(
                `To undo it, roll production back to ${rollbackTarget}: POST /admin/rollback {"reason": "…"}`,
                {
                  dashboardPath: '/models',
                },
              ),
            ]),
      ],
    },
  );
}

/**
 * The end of an A/B test (promote or reject); severity by outcome (`alerts.severity.abDecision`).
 *
 * @throws AlertInputError while the test is still collecting.
 */
export function abDecisionAlert(ab: AbTestResult, config: Config, now: string): Alert {
  if (ab.outcome === 'keep-collecting')
    throw new AlertInputError('the A/B test is still collecting outcomes');
  const promoted = ab.outcome === 'promote';
  return makeAlert(
    'abDecision',
    `${ab.candidateVersion}:${ab.outcome}`,
    config.alerts.severity.abDecision[ab.outcome],
    undefined,
    now,
    {
      title: `A/B test of ${ab.candidateVersion} vs ${ab.productionVersion}: ${promoted ? 'promote' : 'reject'}`,
      whatHappened:
        `The A/B test of candidate ${ab.candidateVersion} against production ` +
        `${ab.productionVersion} ended after ${fmt(ab.elapsedDays)} days (${ab.design} design): ` +
        `${ab.outcome}. ${capitalise(ab.reasons.join('; '))}.`,
      measures: abMeasures(ab),
      systemAction: promoted
        ? `${ab.candidateVersion} becomes production; ${ab.productionVersion} is kept as the rollback target.`
        : `${ab.candidateVersion} is archived and ${ab.productionVersion} keeps serving; the next ` +
          `retraining produces a new candidate.`,
      userActions: [
        action('Read the A/B report (both arms, intervals, sample size)', {
          dashboardPath: `/ab-tests?candidate=${encodeURIComponent(ab.candidateVersion)}`,
        }),
      ],
    },
  );
}

/**
 * A pipeline step (`stage`, when known) or a whole run (`status`: FAILED, TIMED_OUT, ABORTED) failed
 * after its retries, for a reason other than the data. `published`: the run had passed the gold gate
 * and published its silver and gold before it failed (a later step: outcomes, drift check, training);
 * 'partly': it failed during the publish (e.g. the step timed out).
 */
export function pipelineFailedAlert(
  facts: Since & {
    readonly stage?: string;
    readonly status?: string;
    readonly error: string;
    readonly attempts?: number;
    readonly input?: string;
    readonly executionId?: string;
    readonly published?: boolean | 'partly';
  },
  config: Config,
  now: string,
): Alert {
  const on = facts.input ? ` on ${facts.input}` : '';
  const after = facts.attempts ? ` after ${facts.attempts} attempts` : '';
  const verb =
    facts.status === 'ABORTED' ? 'was aborted' : facts.status === 'TIMED_OUT' ? 'timed out' : 'failed';
  const what =
    facts.stage === undefined ? `The pipeline run ${verb}` : `The pipeline step "${facts.stage}" failed`;
  // One alert per failed execution: the execution is part of the subject (and so of the fingerprint).
  const scope = facts.stage ?? 'run';
  const subject = facts.executionId ? `${scope}:${facts.executionId}` : scope;
  // The error as PipelineFailed words it: the error name, then ": " and the cause when there is one.
  const interrupted = /^RuntimeInterrupted(:|$)/.test(facts.error);
  const severity = interrupted
    ? config.alerts.severity.pipelineInterrupted
    : config.alerts.severity.pipelineFailed;
  return makeAlert('pipelineFailed', subject, severity, facts.since, now, {
    title:
      facts.stage === undefined ? `Pipeline run ${verb}${on}` : `Pipeline step "${facts.stage}" failed${on}`,
    whatHappened: `${what}${on}${after}: ${facts.error}`,
    measures: [
      ...(facts.stage === undefined ? [] : [measure('step', facts.stage)]),
      ...(facts.status === undefined ? [] : [measure('status', facts.status)]),
      ...(facts.attempts ? [measure('attempts', facts.attempts)] : []),
      ...(facts.executionId ? [measure('execution', facts.executionId)] : []),
      ...(facts.published === undefined
        ? []
        : [
            measure(
              'silver and gold published',
              facts.published === 'partly' ? 'partly' : facts.published ? 'yes' : 'no',
            ),
          ]),
    ],
    systemAction: interrupted
      ? 'The local runtime stopped (killed, or stopped past its grace time) while this run was going. At its start it runs the file again by itself: nothing to do. A run stopped in its publish is completed by that re-run (merging rows already published changes nothing).'
      : facts.published === 'partly'
        ? 'The run stopped while it published its silver and gold: some of its symbols may be published, the others are as they were. Run the file again — uploading the same bytes, or POST /admin/retry with its key (its claim is marked failed) — to publish the rest: merging rows already published changes nothing.'
        : facts.published
          ? 'The run had passed the gold gate and published its silver and gold (forecasts use them); what failed came after — recording outcomes, the drift check or training — so the model and the monitoring records are as they were. The file’s claim is marked failed: uploading the same bytes again, or POST /admin/retry with its key, runs it again (merging its rows again changes nothing).'
          : 'The run stopped before publishing anything: silver and gold are as they were before it, so forecasts keep using the last good data and model. The file’s claim is marked failed: uploading the same bytes again, or POST /admin/retry with its key, runs it again.',
    userActions: [
      action(
        `Read the run's error and step input: ${facts.executionId ? `execution ${facts.executionId}` : 'the execution'} in the Step Functions console (on npm start: GET /local/executions); the Data quality page shows the runs' scores`,
        { dashboardPath: '/data' },
      ),
      action('Re-run the input on your machine to tell a data problem from a system problem', {
        command: facts.input ? `npx finml pipeline ${shellWord(baseName(facts.input))} --out out/` : null,
      }),
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

interface AlertContent {
  readonly title: string;
  readonly whatHappened: string;
  readonly measures: AlertMeasure[];
  readonly systemAction: string;
  readonly userActions: AlertAction[];
}

function makeAlert(
  kind: AlertKind,
  subject: string,
  severity: Severity,
  since: string | undefined,
  now: string,
  content: AlertContent,
): Alert {
  const raisedAt = new Date(parseTime(now, 'now')).toISOString();
  return {
    kind,
    subject,
    fingerprint: alertFingerprint(kind, subject),
    severity,
    raisedAt,
    since: since === undefined ? raisedAt : new Date(parseTime(since, 'since')).toISOString(),
    ...content,
  };
}

function abMeasures(ab: AbTestResult): AlertMeasure[] {
  const diff = (label: string, d: Difference | null): AlertMeasure[] =>
    d === null
      ? []
      : [
          measure(
            `${label} (candidate − production)`,
            `${fmt(d.estimate)}, ${fmt(d.confidenceLevel * 100)} % interval ${fmt(d.lower)} to ${fmt(d.upper)}`,
          ),
        ];
  return [
    ...diff('log-loss difference', ab.logLossDifference),
    ...diff('accuracy difference', ab.accuracyDifference),
    ...(ab.mcnemar ? [measure(`McNemar p-value (${ab.mcnemar.method})`, ab.mcnemar.pValue)] : []),
    measure('production outcomes', ab.production.outcomes),
    measure('candidate outcomes', ab.candidate.outcomes),
    measure('days run', ab.elapsedDays),
  ];
}

function highest(severities: readonly Severity[]): Severity {
  return severities.reduce((a, s) => (SEVERITY_RANK[s] > SEVERITY_RANK[a] ? s : a));
}

function measure(label: string, value: number | string): AlertMeasure {
  return { label, value, unit: '', threshold: null, breachWhen: null };
}

function action(
  description: string,
  where: { command?: string | null; dashboardPath?: string | null },
): AlertAction {
  return { description, command: where.command ?? null, dashboardPath: where.dashboardPath ?? null };
}

/** A file name as one word of a POSIX shell command: quoted when it holds anything but [\w.+-]. */
export function shellWord(name: string): string {
  return /^[\w.+-]+$/.test(name) ? name : `'${name.replaceAll("'", "'\\''")}'`;
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function parseTime(iso: string, name: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new AlertInputError(`${name} is not an ISO 8601 time: "${iso}"`);
  return ms;
}

/** Up to 4 significant digits; exponent form below 1e-3. */
function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}
