/**
 * The retraining decision: should the pipeline train a new model now, and why?
 *
 * Rules (each fires on its own; every rule that fires is listed as a reason):
 * - no-model      there is no trained model yet;
 * - forced        an operator asked for it;
 * - scheduled     the last training is at least `retraining.scheduleIntervalDays` old;
 * - accuracy-drop the model-drift check says "accuracy-drop" (see model-drift.ts);
 * - data-drift-ks any feature's KS D > `drift.ksThreshold`;
 * - data-drift-psi any feature's PSI ≥ `drift.psi.significant`;
 * - chain-drift   the transition G-test p-value < `drift.transitionAlpha`;
 * - quality-gate  a quality score is below its gate.
 * A cool-down stops a second retraining within `retraining.cooldownHours` of the last one, unless
 * forced (the reasons are still reported, so the dashboard shows what is pending).
 */
import type { MonitoringConfig } from '#config/monitoring-schema';
import type { KsResult, PsiResult, TransitionGTestResult } from '#shared/monitoring/drift-stats';
import type { ModelDriftResult } from '#shared/monitoring/model-drift';

/** Input a retraining decision cannot be made from (bad timestamps). */
export class RetrainingInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RetrainingInputError';
  }
}

/** Drift statistics of one gold feature of one symbol (results of drift-stats.ts). */
export interface FeatureDrift {
  readonly symbol: string;
  readonly feature: string;
  readonly ks: Pick<KsResult, 'd'>;
  readonly psi: Pick<PsiResult, 'psi'>;
}

/** A quality score and the gate it must reach (e.g. a data layer's score in percent and its gate). */
export interface QualityCheck {
  readonly name: string;
  readonly score: number;
  readonly gate: number;
}

/** What the rules look at. Absent evidence makes its rule silent. */
export interface RetrainingInput {
  /** ISO 8601 time of the decision. */
  readonly now: string;
  /** ISO 8601 time the production model was trained; null when there is no model yet. */
  readonly lastTrainedAt: string | null;
  readonly force?: boolean;
  readonly modelDrift?: Pick<ModelDriftResult, 'verdict' | 'accuracyDrop' | 'threshold' | 'reasons'>;
  readonly dataDrift?: readonly FeatureDrift[];
  /** The G-test of the window's transitions against the model; `scope` names what was tested. */
  readonly chainDrift?: Pick<TransitionGTestResult, 'statistic' | 'df' | 'pValue'> & {
    readonly scope?: string;
  };
  readonly quality?: readonly QualityCheck[];
}

export type RetrainingRule =
  | 'no-model'
  | 'forced'
  | 'scheduled'
  | 'accuracy-drop'
  | 'data-drift-ks'
  | 'data-drift-psi'
  | 'chain-drift'
  | 'quality-gate';

/** One rule that fired: the measured value against its threshold (null where none applies). */
export interface RetrainingReason {
  readonly rule: RetrainingRule;
  readonly detail: string;
  readonly value: number | null;
  readonly threshold: number | null;
}

export interface RetrainingDecision {
  readonly retrain: boolean;
  /** Every rule that fired, whether or not the cool-down held them back. */
  readonly reasons: RetrainingReason[];
  /** True when rules fired but the cool-down stopped the retraining. */
  readonly heldByCooldown: boolean;
  /** ISO 8601 end of the cool-down, or null when none is running. */
  readonly cooldownEndsAt: string | null;
  readonly decidedAt: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Drift breaches named in one reason's detail; the rest are counted. */
const LISTED_BREACHES = 5;

/** Applies the retraining rules (see the module comment) and the cool-down. */
export function decideRetraining(
  input: RetrainingInput,
  config: Pick<MonitoringConfig, 'retraining' | 'drift'>,
): RetrainingDecision {
  const now = parseTime(input.now, 'now');
  const trainedAt = input.lastTrainedAt === null ? null : parseTime(input.lastTrainedAt, 'lastTrainedAt');
  const reasons: RetrainingReason[] = [
    ...noModelRule(trainedAt),
    ...forcedRule(input.force === true),
    ...scheduledRule(trainedAt, now, config.retraining.scheduleIntervalDays),
    ...accuracyDropRule(input.modelDrift),
    ...dataDriftRules(input.dataDrift ?? [], config.drift),
    ...chainDriftRule(input.chainDrift, config.drift.transitionAlpha),
    ...qualityRule(input.quality ?? []),
  ];

  const cooldownEnd = trainedAt === null ? null : trainedAt + config.retraining.cooldownHours * HOUR_MS;
  const coolingDown = cooldownEnd !== null && now < cooldownEnd;
  const heldByCooldown = reasons.length > 0 && coolingDown && input.force !== true;
  return {
    retrain: reasons.length > 0 && !heldByCooldown,
    reasons,
    heldByCooldown,
    cooldownEndsAt: coolingDown ? new Date(cooldownEnd).toISOString() : null,
    decidedAt: new Date(now).toISOString(),
  };
}

function noModelRule(trainedAt: number | null): RetrainingReason[] {
  if (trainedAt !== null) return [];
  return [{ rule: 'no-model', detail: 'there is no trained model yet', value: null, threshold: null }];
}

function forcedRule(force: boolean): RetrainingReason[] {
  if (!force) return [];
  return [
    { rule: 'forced', detail: 'retraining was requested by an operator', value: null, threshold: null },
  ];
}

function scheduledRule(trainedAt: number | null, now: number, intervalDays: number): RetrainingReason[] {
  if (trainedAt === null) return [];
  const ageDays = (now - trainedAt) / DAY_MS;
  if (ageDays < intervalDays) return [];
  return [
    {
      rule: 'scheduled',
      detail: `the model was trained ${fmt(ageDays)} days ago; the schedule retrains every ${fmt(intervalDays)} days`,
      value: ageDays,
      threshold: intervalDays,
    },
  ];
}

function accuracyDropRule(drift: RetrainingInput['modelDrift']): RetrainingReason[] {
  if (drift?.verdict !== 'accuracy-drop') return [];
  return [
    {
      rule: 'accuracy-drop',
      detail: drift.reasons[0] ?? 'live accuracy dropped below the cross-validated accuracy',
      value: drift.accuracyDrop,
      threshold: drift.threshold,
    },
  ];
}

function dataDriftRules(
  features: readonly FeatureDrift[],
  drift: MonitoringConfig['drift'],
): RetrainingReason[] {
  const reasons: RetrainingReason[] = [];
  const ksBreaches = features.filter((f) => f.ks.d > drift.ksThreshold);
  if (ksBreaches.length > 0) {
    const listed = describeBreaches(ksBreaches, features.length, 'D', (f) => f.ks.d);
    reasons.push({
      rule: 'data-drift-ks',
      detail: `KS D > ${fmt(drift.ksThreshold)} for ${listed}`,
      value: ksBreaches.reduce((m, f) => Math.max(m, f.ks.d), Number.NEGATIVE_INFINITY),
      threshold: drift.ksThreshold,
    });
  }
  const psiBreaches = features.filter((f) => f.psi.psi >= drift.psi.significant);
  if (psiBreaches.length > 0) {
    const listed = describeBreaches(psiBreaches, features.length, 'PSI', (f) => f.psi.psi);
    reasons.push({
      rule: 'data-drift-psi',
      detail: `PSI ≥ ${fmt(drift.psi.significant)} for ${listed}`,
      value: psiBreaches.reduce((m, f) => Math.max(m, f.psi.psi), Number.NEGATIVE_INFINITY),
      threshold: drift.psi.significant,
    });
  }
  return reasons;
}

/** "2 of 9 feature series: SPX realized_vol_21d (D = 0.31), …", worst first. */
function describeBreaches(
  breaches: readonly FeatureDrift[],
  total: number,
  label: string,
  value: (f: FeatureDrift) => number,
): string {
  const worstFirst = [...breaches].sort((a, b) => value(b) - value(a));
  const listed = worstFirst
    .slice(0, LISTED_BREACHES)
    .map((f) => `${f.symbol} ${f.feature} (${label} = ${fmt(value(f))})`);
  const more = breaches.length > LISTED_BREACHES ? `, and ${breaches.length - LISTED_BREACHES} more` : '';
  return `${breaches.length} of ${total} feature series: ${listed.join(', ')}${more}`;
}

function chainDriftRule(chain: RetrainingInput['chainDrift'], alpha: number): RetrainingReason[] {
  if (chain === undefined || !(chain.pValue < alpha)) return [];
  const scope = chain.scope === undefined ? '' : ` (${chain.scope})`;
  return [
    {
      rule: 'chain-drift',
      detail:
        `the window's transitions do not fit the model's transition matrix${scope}: G² = ` +
        `${fmt(chain.statistic)}, df = ${chain.df}, p = ${fmt(chain.pValue)} < ${fmt(alpha)}`,
      value: chain.pValue,
      threshold: alpha,
    },
  ];
}

function qualityRule(checks: readonly QualityCheck[]): RetrainingReason[] {
  return checks
    .filter((c) => c.score < c.gate)
    .map((c) => ({
      rule: 'quality-gate' as const,
      detail: `${c.name} quality ${fmt(c.score)} is below its gate ${fmt(c.gate)}`,
      value: c.score,
      threshold: c.gate,
    }));
}

function parseTime(iso: string, name: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RetrainingInputError(`${name} is not an ISO 8601 time: "${iso}"`);
  return ms;
}

/** 4 significant digits, for messages. */
function fmt(x: number): string {
  return String(Number(x.toPrecision(4)));
}
