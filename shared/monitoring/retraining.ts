/**
 * The retraining decision: should the pipeline train a new model now, and why?
 *
 * Rules (each fires on its own; every rule that fires is listed as a reason):
 * - no-model      there is no trained model yet;
 * - forced        an operator asked for it;
 * - scheduled     the last training is at least `retraining.scheduleIntervalDays` old;
 * - log-loss-rise the model-drift check says "log-loss-rise" (DOMAIN §6 v2, see model-drift.ts);
 * - accuracy-drop the model-drift check says "accuracy-drop" (the v1 rule);
 * - data-drift-ks any feature's KS D above its threshold (calibrated per symbol, see
 *                 drift-calibration.ts; else `drift.ksThreshold`);
 * - data-drift-psi any feature's PSI above its calibrated threshold (else ≥ `drift.psi.significant`);
 * - regime-mix-drift a symbol's regime shares further from its reference's than calibrated;
 * - chain-drift   the window's transitions: G² above the calibrated threshold (else the G-test
 *                 p-value < `drift.transitionAlpha`);
 * - quality-gate  a quality score is below its gate.
 * Guards (DOMAIN §6 v2), in this order, each stopping every rule but no-model:
 * - the drift rules fire only after `retraining.persistChecks` consecutive breached checks (before
 *   that they are `pending`);
 * - never on unchanged data: the gold's fingerprint equals the newest model's, unless forced (an
 *   operator may retrain the same data under a new configuration or code) — and not even forced when
 *   the newest model was trained on this gold under this configuration and code (the same model again);
 * - one candidate at a time: a running A/B test is not replaced (forced included);
 * - a cool-down of `retraining.cooldownHours` from the last training attempt, unless forced.
 * Every reason is still reported, so the dashboard shows what is pending and what holds it.
 */
import type { MonitoringConfig } from '#config/monitoring-schema';
import {
  above,
  atOrAbove,
  type KsResult,
  type PsiResult,
  type TransitionGTestResult,
} from '#shared/monitoring/drift-stats';
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
  /**
   * The symbol's own thresholds (calibrated: `strict` — PSI above; the fallback: PSI at or above).
   * Absent: drift.ksThreshold and drift.psi.significant (the first version's rule).
   */
  readonly thresholds?: { readonly ks: number; readonly psi: number; readonly strict: boolean };
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
  readonly modelDrift?: Pick<ModelDriftResult, 'verdict' | 'accuracyDrop' | 'threshold' | 'reasons'> & {
    readonly test?: ModelDriftResult['test'];
  };
  readonly dataDrift?: readonly FeatureDrift[];
  /**
   * The G-test of the window's transitions against the model; `scope` names what was tested. With a
   * calibrated `threshold` the rule is G² > threshold, else p-value < drift.transitionAlpha.
   */
  readonly chainDrift?: Pick<TransitionGTestResult, 'statistic' | 'df' | 'pValue'> & {
    readonly scope?: string;
    readonly threshold?: number;
  };
  /** Symbols whose regime mix is further from their reference's than calibrated (total variation). */
  readonly regimeMixDrift?: readonly { scope: string; distance: number; threshold: number }[];
  readonly quality?: readonly QualityCheck[];
  /** Consecutive drift checks that breached, this one included (absent: 1 when it breaches). */
  readonly driftStreak?: number;
  /** ISO time of the last training attempt (the cool-down's start); absent: lastTrainedAt. */
  readonly lastAttemptAt?: string | null;
  /** False when the gold is unchanged since the newest model was trained (its data fingerprint). */
  readonly dataChanged?: boolean;
  /**
   * The newest model's version when it was trained on this very gold, config and code — a training
   * now would reproduce it, so not even force retrains (null or absent: the inputs differ).
   */
  readonly sameInputsAs?: string | null;
  /** A candidate's A/B test is running (its version). */
  readonly candidateRunning?: string | null;
  /** Rules a drift check already found to fire (persistent), carried into this decision. */
  readonly carried?: readonly RetrainingReason[];
}

export type RetrainingRule =
  | 'no-model'
  | 'forced'
  | 'scheduled'
  | 'accuracy-drop'
  | 'log-loss-rise'
  | 'data-drift-ks'
  | 'data-drift-psi'
  | 'regime-mix-drift'
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
  /** Every rule that fired, whether or not a guard or the cool-down held them back. */
  readonly reasons: RetrainingReason[];
  /** Drift rules that breached on fewer than persistChecks consecutive checks (they do not retrain yet). */
  readonly pending: RetrainingReason[];
  /** What stopped rules that fired from retraining: unchanged data, a running candidate. */
  readonly blockedBy: string[];
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
  const drift = [
    ...dataDriftRules(input.dataDrift ?? [], config.drift),
    ...regimeMixRule(input.regimeMixDrift ?? []),
    ...chainDriftRule(input.chainDrift, config.drift.transitionAlpha),
  ];
  const streak = input.driftStreak ?? (drift.length > 0 ? 1 : 0);
  const persistent = streak >= config.retraining.persistChecks;
  const pending = persistent
    ? []
    : drift.map((r) => ({
        ...r,
        detail: `${r.detail} — breached on ${streak} consecutive check(s); retraining needs ${config.retraining.persistChecks}`,
      }));
  const noModel = noModelRule(trainedAt);
  const own: RetrainingReason[] = [
    ...noModel,
    ...forcedRule(input.force === true),
    ...scheduledRule(trainedAt, now, config.retraining.scheduleIntervalDays),
    ...modelDriftRule(input.modelDrift),
    ...(persistent ? drift : []),
    ...qualityRule(input.quality ?? []),
  ];
  const carried = (input.carried ?? []).filter(
    (r) => r.rule !== 'no-model' && r.rule !== 'forced' && !own.some((o) => o.rule === r.rule),
  );
  const reasons = [...own, ...carried];

  const blockedBy: string[] = [];
  if (noModel.length === 0 && reasons.length > 0) {
    if (input.dataChanged === false && input.force !== true)
      blockedBy.push(
        'the gold is unchanged since the newest model was trained: retraining would give the same model',
      );
    else if (input.sameInputsAs && input.force === true)
      blockedBy.push(
        `${input.sameInputsAs} was trained on this very gold, with these training settings and code: retraining would give the same model (POST /admin/reproduce {"version": "${input.sameInputsAs}"} shows it). Add data, or change the data or model config (config/data.yaml, config/model.yaml), first`,
      );
    if (input.candidateRunning)
      blockedBy.push(`candidate ${input.candidateRunning} is in its A/B test: one candidate at a time`);
  }
  const attemptAt =
    input.lastAttemptAt === undefined || input.lastAttemptAt === null
      ? trainedAt
      : Math.max(parseTime(input.lastAttemptAt, 'lastAttemptAt'), trainedAt ?? Number.NEGATIVE_INFINITY);
  const cooldownEnd = attemptAt === null ? null : attemptAt + config.retraining.cooldownHours * HOUR_MS;
  const coolingDown = cooldownEnd !== null && now < cooldownEnd;
  const heldByCooldown =
    reasons.length > 0 &&
    blockedBy.length === 0 &&
    coolingDown &&
    input.force !== true &&
    noModel.length === 0;
  return {
    retrain: reasons.length > 0 && blockedBy.length === 0 && !heldByCooldown,
    reasons,
    pending,
    blockedBy,
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

function modelDriftRule(drift: RetrainingInput['modelDrift']): RetrainingReason[] {
  if (drift?.verdict === 'log-loss-rise') {
    return [
      {
        rule: 'log-loss-rise',
        detail: drift.reasons[0] ?? 'the live log loss is significantly above the cross-validated one',
        value: drift.test?.pValue ?? null,
        threshold: drift.test?.alpha ?? null,
      },
    ];
  }
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
  const ksCut = (f: FeatureDrift) => f.thresholds?.ks ?? drift.ksThreshold;
  const psiCut = (f: FeatureDrift) => f.thresholds?.psi ?? drift.psi.significant;
  const ksBreaches = features.filter((f) => above(f.ks.d, ksCut(f)));
  // "its calibrated threshold" when every breach is calibrated, the number when none has its own.
  const wording = (breaches: readonly FeatureDrift[], fixed: string) =>
    breaches.every((f) => f.thresholds?.strict === true)
      ? 'above its calibrated threshold'
      : breaches.every((f) => f.thresholds === undefined)
        ? fixed
        : 'above its threshold';
  if (ksBreaches.length > 0) {
    const listed = describeBreaches(ksBreaches, features.length, 'D', (f) => f.ks.d, ksCut);
    reasons.push({
      rule: 'data-drift-ks',
      detail: `KS D ${wording(ksBreaches, `> ${fmt(drift.ksThreshold)}`)} for ${listed}`,
      // The worst breach, the first listed (furthest past its own threshold), as regimeMixRule does.
      ...worstOf(ksBreaches, (f) => f.ks.d, ksCut),
    });
  }
  const psiBreaches = features.filter((f) =>
    f.thresholds?.strict === true ? above(f.psi.psi, psiCut(f)) : atOrAbove(f.psi.psi, psiCut(f)),
  );
  if (psiBreaches.length > 0) {
    const listed = describeBreaches(
      psiBreaches,
      features.length,
      'PSI',
      (f) => f.psi.psi,
      psiCut,
      (f) => f.thresholds?.strict !== true,
    );
    reasons.push({
      rule: 'data-drift-psi',
      detail: `PSI ${wording(psiBreaches, `≥ ${fmt(drift.psi.significant)}`)} for ${listed}`,
      ...worstOf(psiBreaches, (f) => f.psi.psi, psiCut),
    });
  }
  return reasons;
}

function regimeMixRule(drifted: NonNullable<RetrainingInput['regimeMixDrift']>): RetrainingReason[] {
  if (drifted.length === 0) return [];
  const worst = [...drifted].sort((a, b) => b.distance / b.threshold - a.distance / a.threshold);
  const listed = worst
    .slice(0, LISTED_BREACHES)
    .map((d) => `${d.scope} (TV ${fmt(d.distance)} > ${fmt(d.threshold)})`)
    .join(', ');
  const more = drifted.length > LISTED_BREACHES ? `, and ${drifted.length - LISTED_BREACHES} more` : '';
  return [
    {
      rule: 'regime-mix-drift',
      detail: `regime shares further from the reference's than calibrated for ${drifted.length} symbol(s): ${listed}${more}`,
      value: worst[0]!.distance,
      threshold: worst[0]!.threshold,
    },
  ];
}

/** The value and threshold of the breach furthest past its threshold (the first describeBreaches lists). */
function worstOf(
  breaches: readonly FeatureDrift[],
  value: (f: FeatureDrift) => number,
  cut: (f: FeatureDrift) => number,
): { value: number; threshold: number } {
  const worst = worstFirst(breaches, value, cut)[0]!;
  return { value: value(worst), threshold: cut(worst) };
}

/** Breaches ordered by how far past its own threshold each is (value / threshold), the furthest first. */
function worstFirst(
  breaches: readonly FeatureDrift[],
  value: (f: FeatureDrift) => number,
  cut: (f: FeatureDrift) => number,
): FeatureDrift[] {
  return [...breaches].sort((a, b) => value(b) / cut(b) - value(a) / cut(a));
}

/** "2 of 9 feature series: SPX realized_vol_21d (D = 0.31), …", worst first. */
function describeBreaches(
  breaches: readonly FeatureDrift[],
  total: number,
  label: string,
  value: (f: FeatureDrift) => number,
  cut: (f: FeatureDrift) => number,
  inclusive: (f: FeatureDrift) => boolean = () => false,
): string {
  const listed = worstFirst(breaches, value, cut)
    .slice(0, LISTED_BREACHES)
    .map((f) =>
      f.thresholds === undefined
        ? `${f.symbol} ${f.feature} (${label} = ${fmt(value(f))})`
        : `${f.symbol} ${f.feature} (${label} = ${fmt(value(f))} ${inclusive(f) ? '≥' : '>'} ${fmt(cut(f))})`,
    );
  const more = breaches.length > LISTED_BREACHES ? `, and ${breaches.length - LISTED_BREACHES} more` : '';
  return `${breaches.length} of ${total} feature series: ${listed.join(', ')}${more}`;
}

function chainDriftRule(chain: RetrainingInput['chainDrift'], alpha: number): RetrainingReason[] {
  if (chain === undefined) return [];
  const scope = chain.scope === undefined ? '' : ` (${chain.scope})`;
  if (chain.threshold !== undefined) {
    if (!above(chain.statistic, chain.threshold)) return [];
    return [
      {
        rule: 'chain-drift',
        detail:
          `the window's transitions are further from the model's transition matrix than calibrated${scope}: ` +
          `G² = ${fmt(chain.statistic)} > ${fmt(chain.threshold)}`,
        value: chain.statistic,
        threshold: chain.threshold,
      },
    ];
  }
  if (!(chain.pValue < alpha)) return [];
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
