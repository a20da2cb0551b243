/**
 * A/B test of a candidate model (arm B) against production (arm A), and the rollback rule after a
 * promotion.
 *
 * Input: logged prediction requests whose next-day regime is known. Two designs:
 * - paired (shadow scoring): both models scored every request, so each record holds both
 *   forecasts; differences are per request, the bootstrap resamples requests, and accuracy is
 *   compared with McNemar's test on the matched pairs;
 * - unpaired: each request was scored only by the arm that served it; the arms are bootstrapped
 *   independently.
 * Differences are always candidate − production: a negative log-loss difference and a positive
 * accuracy difference favour the candidate.
 *
 * Decision (config `abTest`):
 * - reject    at least `minimumOutcomesPerArm` per arm and the candidate is significantly worse on
 *             either metric (harm may stop a test early), or the test ran `maxDurationDays`
 *             without a win;
 * - promote   the planned sample size is reached, the candidate is significantly better on the
 *             primary metric and not significantly worse on the other (no early promotion:
 *             peeking at a growing sample would inflate false wins);
 * - keep-collecting otherwise, saying how many more outcomes (and days) the plan needs.
 *
 * Rollback (config `rollback`, {@link decideRollback}): after a promotion, production's live
 * accuracy confidently more than a margin below the previous version's → restore that version.
 *
 * References: McNemar's test as statsmodels 0.13.5 `mcnemar(table, exact, correction=True)`;
 * sample size as statsmodels `NormalIndPower().solve_power(effect_size=proportion_effectsize(p1,
 * p2), ratio, alpha, power)`; bootstrap percentile intervals as `numpy.percentile` of the
 * replicates.
 */
import type { MonitoringConfig } from '#config/monitoring-schema';
import { recordLogLoss } from '#shared/evaluation/metrics';
import { numpyLinearQuantile } from '#shared/monitoring/drift-stats';
import { exceeds, type LoggedPrediction } from '#shared/monitoring/model-drift';
import { dieboldMariano } from '#shared/stats/diebold-mariano';
import {
  betaCdf,
  chi2Sf,
  normalCdf,
  normalPpf,
  normalSf,
  StatsDomainError,
  studentTPpf,
} from '#shared/stats/distributions';
import { createRandom, type RandomSource } from '#shared/stats/random';

/** Records, tables or settings an A/B evaluation cannot use. */
export class AbTestInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AbTestInputError';
  }
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** A = production, B = candidate. */
export type Arm = 'A' | 'B';

/** One request with its realised next state. A model's forecast is absent when it did not score it. */
export interface AbRecord {
  /** The arm whose forecast was served. */
  readonly arm: Arm;
  readonly actualState: number;
  readonly productionProbabilities?: readonly number[] | null;
  readonly candidateProbabilities?: readonly number[] | null;
}

export interface AbTestInput {
  readonly productionVersion: string;
  readonly candidateVersion: string;
  /** Requests with a known outcome. */
  readonly records: readonly AbRecord[];
  /** ISO 8601 start of the test and time of this evaluation. */
  readonly startedAt: string;
  readonly now: string;
  /**
   * Accuracy production is expected to have, the baseline of the sample-size plan (e.g. its
   * cross-validated accuracy). Default: the production arm's observed accuracy.
   */
  readonly baselineAccuracy?: number;
  /** Outcomes per day (all arms). Default: records ÷ elapsed days. */
  readonly dailyOutcomes?: number;
}

export type AbDesign = 'paired' | 'unpaired' | 'symbol-day';
export type AbOutcome = 'promote' | 'reject' | 'keep-collecting';
export type AbMetric = 'logLoss' | 'accuracy';

export interface ArmSummary {
  readonly outcomes: number;
  readonly accuracy: number | null;
  readonly logLoss: number | null;
}

/** A difference (candidate − production) with its bootstrap percentile interval. */
export interface Difference {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly confidenceLevel: number;
}

export interface McNemarResult {
  readonly method: 'exact' | 'chi-square';
  /** min(b, c) for the exact test, (|b − c| − 1)² / (b + c) for chi-square. */
  readonly statistic: number;
  readonly pValue: number;
  /** b: requests production got right and the candidate wrong. */
  readonly productionOnlyCorrect: number;
  /** c: requests the candidate got right and production wrong. */
  readonly candidateOnlyCorrect: number;
}

/** A sample-size plan (see {@link requiredSampleSize}). */
export interface SampleSize {
  /** Cohen's h = 2 asin √p1 − 2 asin √p2 (statsmodels `proportion_effectsize(p1, p2)`). */
  readonly effectSize: number;
  readonly baselineAccuracy: number;
  readonly targetAccuracy: number;
  /** r = n_candidate / n_production. */
  readonly ratio: number;
  /** statsmodels `nobs1` (not rounded). */
  readonly productionOutcomes: number;
  /** r · nobs1 (not rounded). */
  readonly candidateOutcomes: number;
}

/** How far the test is from its planned sample. */
export interface SampleSizeStatus {
  /** The plan; null when there is no baseline accuracy yet. */
  readonly plan: SampleSize | null;
  /** Outcomes needed per arm: the plan rounded up, at least `minimumOutcomesPerArm`. */
  readonly required: { readonly production: number; readonly candidate: number } | null;
  readonly observed: { readonly production: number; readonly candidate: number };
  readonly remaining: { readonly production: number; readonly candidate: number } | null;
  readonly sufficient: boolean;
  readonly dailyOutcomes: number | null;
  /** Days still needed at `dailyOutcomes` with the configured split; null when unknown. */
  readonly daysRemaining: number | null;
}

export interface AbTestResult {
  readonly productionVersion: string;
  readonly candidateVersion: string;
  readonly design: AbDesign;
  readonly outcome: AbOutcome;
  readonly reasons: string[];
  readonly primaryMetric: AbMetric;
  readonly production: ArmSummary;
  readonly candidate: ArmSummary;
  /** Null until both arms have an outcome. */
  readonly logLossDifference: Difference | null;
  readonly accuracyDifference: Difference | null;
  /** Paired design only. */
  readonly mcnemar: McNemarResult | null;
  readonly sampleSize: SampleSizeStatus;
  readonly elapsedDays: number;
  readonly maxDurationDays: number;
  readonly evaluatedAt: string;
  /** The symbol-day design (v2) only: the test on the daily loss differences. */
  readonly dieboldMariano?: DailyDieboldMariano;
}

/** The Diebold–Mariano test of the A/B v2 design (see {@link evaluateAbTestDaily}). */
export interface DailyDieboldMariano {
  /** Origin days with at least one paired symbol-day outcome. */
  readonly days: number;
  readonly symbolDays: number;
  /** Mean of d_t, the daily mean log-loss difference (candidate − production); < 0 favours the candidate. Null without days. */
  readonly meanDifference: number | null;
  /** HLN-corrected DM statistic (R `forecast::dm.test`, h = 1, power = 1); null before 2 days or when d_t is constant. */
  readonly statistic: number | null;
  /** One-sided p-values: the candidate's loss is lower ("less") / higher ("greater"). */
  readonly pValueBetter: number | null;
  readonly pValueWorse: number | null;
  readonly alpha: number;
  readonly minimumDays: number;
  /** Symbol-days whose log entry lacked the other model's forecast (left out). */
  readonly unpaired: number;
}

type AbConfig = MonitoringConfig['abTest'];

const DAY_MS = 86_400_000;
const TWO_POW_32 = 4_294_967_296;

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/** Evaluates an A/B test (see the module comment for the rules). Plain JSON out. */
export function evaluateAbTest(input: AbTestInput, config: AbConfig): AbTestResult {
  const now = parseTime(input.now, 'now');
  const elapsedDays = (now - parseTime(input.startedAt, 'startedAt')) / DAY_MS;
  const scores = scoreRecords(input.records);
  const production = summarise(scores.production);
  const candidate = summarise(scores.candidate);

  const differences =
    production.outcomes > 0 && candidate.outcomes > 0 ? bootstrapDifferences(scores, config) : null;
  const mcnemarResult = scores.design === 'paired' ? mcnemarForPairs(scores, config) : null;
  const sampleSize = sampleSizeStatus(scores.design, production, candidate, elapsedDays, input, config);
  const { outcome, reasons } = decide({
    config,
    production,
    candidate,
    logLoss: differences?.logLoss ?? null,
    accuracy: differences?.accuracy ?? null,
    mcnemar: mcnemarResult,
    sampleSize,
    elapsedDays,
  });
  return {
    productionVersion: input.productionVersion,
    candidateVersion: input.candidateVersion,
    design: scores.design,
    outcome,
    reasons,
    primaryMetric: config.primaryMetric,
    production,
    candidate,
    logLossDifference: differences?.logLoss ?? null,
    accuracyDifference: differences?.accuracy ?? null,
    mcnemar: mcnemarResult,
    sampleSize,
    elapsedDays,
    maxDurationDays: config.maxDurationDays,
    evaluatedAt: new Date(now).toISOString(),
  };
}

/** Per-request scores of one arm: log loss and hit (1 when the argmax was the actual state). */
interface ArmScores {
  readonly loss: Float64Array;
  readonly hit: Float64Array;
}

interface Scores {
  readonly design: AbDesign;
  /** In the paired design, index i of both arms is the same request. */
  readonly production: ArmScores;
  readonly candidate: ArmScores;
}

/** Paired when every record holds both forecasts; otherwise each record counts for its own arm. */
function scoreRecords(records: readonly AbRecord[]): Scores {
  const paired =
    records.length > 0 && records.every((r) => r.productionProbabilities && r.candidateProbabilities);
  const first = records[0];
  const classes = first === undefined ? 0 : forecastOf(first, paired ? 'A' : first.arm, 0).length;
  const scoreArm = (subset: readonly AbRecord[], arm: Arm): ArmScores => {
    const loss = new Float64Array(subset.length);
    const hit = new Float64Array(subset.length);
    subset.forEach((record, i) => {
      const p = forecastOf(record, arm, i);
      requireForecast(p, record.actualState, classes, `record ${i} (${arm})`);
      loss[i] = recordLogLoss(p, record.actualState);
      hit[i] = argmax(p) === record.actualState ? 1 : 0;
    });
    return { loss, hit };
  };
  if (paired) {
    return { design: 'paired', production: scoreArm(records, 'A'), candidate: scoreArm(records, 'B') };
  }
  const servedBy = (arm: Arm) => records.filter((r) => r.arm === arm);
  return {
    design: 'unpaired',
    production: scoreArm(servedBy('A'), 'A'),
    candidate: scoreArm(servedBy('B'), 'B'),
  };
}

function forecastOf(record: AbRecord, arm: Arm, index: number): readonly number[] {
  const p = arm === 'A' ? record.productionProbabilities : record.candidateProbabilities;
  if (!p) {
    throw new AbTestInputError(
      `record ${index} was served by arm ${arm} but holds no ${arm === 'A' ? 'production' : 'candidate'} forecast`,
    );
  }
  return p;
}

/** Index of the largest probability, the lower index on ties (numpy `argmax`). */
function argmax(p: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return best;
}

function summarise(scores: ArmScores): ArmSummary {
  const n = scores.loss.length;
  return {
    outcomes: n,
    accuracy: n === 0 ? null : mean(scores.hit),
    logLoss: n === 0 ? null : mean(scores.loss),
  };
}

// ---------------------------------------------------------------------------------------------
// Bootstrap intervals
// ---------------------------------------------------------------------------------------------

/**
 * Percentile bootstrap of the mean differences (candidate − production) of log loss and accuracy,
 * with `bootstrapResamples` resamples from the seeded PRNG. Paired: requests are resampled and
 * both arms' scores move together. Unpaired: each arm is resampled on its own.
 * Interval = numpy `percentile(replicates, [100·(1 − level)/2, 100·(1 + level)/2])`.
 */
function bootstrapDifferences(
  scores: Scores,
  config: AbConfig,
): { logLoss: Difference; accuracy: Difference } {
  const random = createRandom(config.seed);
  const resamples = config.bootstrapResamples;
  const lossReplicates = new Float64Array(resamples);
  const hitReplicates = new Float64Array(resamples);
  const { production: a, candidate: b } = scores;
  if (scores.design === 'paired') {
    const lossDiff = a.loss.map((la, i) => b.loss[i]! - la);
    const hitDiff = a.hit.map((ha, i) => b.hit[i]! - ha);
    for (let r = 0; r < resamples; r++) {
      const [loss, hit] = resampledMeans(lossDiff, hitDiff, random);
      lossReplicates[r] = loss;
      hitReplicates[r] = hit;
    }
  } else {
    for (let r = 0; r < resamples; r++) {
      const [lossA, hitA] = resampledMeans(a.loss, a.hit, random);
      const [lossB, hitB] = resampledMeans(b.loss, b.hit, random);
      lossReplicates[r] = lossB - lossA;
      hitReplicates[r] = hitB - hitA;
    }
  }
  const level = config.confidenceLevel;
  return {
    logLoss: percentileInterval(mean(b.loss) - mean(a.loss), lossReplicates, level),
    accuracy: percentileInterval(mean(b.hit) - mean(a.hit), hitReplicates, level),
  };
}

/**
 * Means of two aligned arrays over one resample (with replacement) of their indices. An index is
 * ⌊u · n / 2³²⌋ of one 32-bit draw u (bias below n / 2³², negligible here; half the cost of
 * `uniform()`).
 */
function resampledMeans(x: Float64Array, y: Float64Array, random: RandomSource): [number, number] {
  const n = x.length;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < n; i++) {
    const j = Math.floor((random.nextUint32() * n) / TWO_POW_32);
    sumX += x[j]!;
    sumY += y[j]!;
  }
  return [sumX / n, sumY / n];
}

function percentileInterval(estimate: number, replicates: Float64Array, level: number): Difference {
  replicates.sort();
  return {
    estimate,
    lower: numpyLinearQuantile(replicates, (1 - level) / 2),
    upper: numpyLinearQuantile(replicates, (1 + level) / 2),
    confidenceLevel: level,
  };
}

// ---------------------------------------------------------------------------------------------
// McNemar
// ---------------------------------------------------------------------------------------------

/**
 * McNemar's test of a 2×2 table of paired outcomes, as statsmodels 0.13.5
 * `mcnemar(table, exact, correction=True)`, with b = table[0][1], c = table[1][0]:
 * - exact: statistic = min(b, c), p = min(1, 2 · BinomCdf(min(b, c); b + c, ½));
 * - chi-square: statistic = (|b − c| − 1)² / (b + c), p = chi2.sf(statistic, 1).
 *
 * @throws AbTestInputError on negative or non-integer counts, or a chi-square test without
 *   discordant pairs (b + c = 0: statsmodels divides by zero there).
 */
export function mcnemar(
  table: readonly (readonly number[])[],
  exact: boolean,
): { statistic: number; pValue: number } {
  if (table.length !== 2 || table.some((row) => row.length !== 2)) {
    throw new AbTestInputError('McNemar needs a 2×2 table');
  }
  for (const cell of table.flat()) {
    if (!(Number.isInteger(cell) && cell >= 0)) {
      throw new AbTestInputError(`McNemar table cells must be integer counts ≥ 0, got ${cell}`);
    }
  }
  const b = table[0]![1]!;
  const c = table[1]![0]!;
  if (exact) {
    const statistic = Math.min(b, c);
    return { statistic, pValue: Math.min(1, 2 * binomialCdf(statistic, b + c, 0.5)) };
  }
  if (b + c === 0) throw new AbTestInputError('McNemar chi-square is undefined without discordant pairs');
  const statistic = (Math.abs(b - c) - 1) ** 2 / (b + c);
  return { statistic, pValue: chi2Sf(statistic, 1) };
}

/** McNemar on the paired hits; exact when b + c < `mcnemarExactBelow`. */
function mcnemarForPairs(scores: Scores, config: AbConfig): McNemarResult {
  const { hit: hitA } = scores.production;
  const { hit: hitB } = scores.candidate;
  const table = [
    [0, 0],
    [0, 0],
  ];
  // Rows: production right (0) / wrong (1); columns: the candidate likewise.
  for (let i = 0; i < hitA.length; i++) table[1 - hitA[i]!]![1 - hitB[i]!]!++;
  const b = table[0]![1]!;
  const c = table[1]![0]!;
  const exact = b + c < config.mcnemarExactBelow;
  return {
    method: exact ? 'exact' : 'chi-square',
    ...mcnemar(table, exact),
    productionOnlyCorrect: b,
    candidateOnlyCorrect: c,
  };
}

/**
 * Binomial CDF P(X ≤ k), X ~ Bin(n, p) (scipy `binom.cdf`): I_{1−p}(n − k, k + 1) for 0 ≤ k < n,
 * 1 for k ≥ n, 0 for k < 0.
 */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return betaCdf(1 - p, n - k, k + 1);
}

// ---------------------------------------------------------------------------------------------
// Sample size
// ---------------------------------------------------------------------------------------------

export interface SampleSizeOptions {
  /** p1: accuracy of production. */
  readonly baselineAccuracy: number;
  /** |p2 − p1| to detect; p2 = p1 + effect, or p1 − effect when that would pass 1. */
  readonly minimumDetectableEffect: number;
  /** r = n_candidate / n_production (e.g. 5/95 for a 95/5 split). */
  readonly ratio: number;
  /** Two-sided significance level. */
  readonly alpha: number;
  readonly power: number;
}

/**
 * Outcomes needed per arm to detect an accuracy difference p1 → p2 with a two-sided z-test on
 * the arcsine scale, as statsmodels 0.13.5
 * `NormalIndPower().solve_power(effect_size = proportion_effectsize(p1, p2), ratio = r, alpha, power)`.
 *
 * With h = 2 asin √p1 − 2 asin √p2, c = Φ⁻¹(1 − α/2) and the effective size
 * m = n1·r / (1 + r), the power is Φ(z − c) + Φ(−z − c) with z = |h| √m. The equation
 * power(z) = 1 − β is solved for z by Newton's method from the one-tail closed form
 * z₀ = c + Φ⁻¹(1 − β) (the textbook n1 = (c + z_β)² (1 + 1/r) / h², which ignores the far tail
 * and is ~2e-6 too large); then n1 = (z / h)² (1 + 1/r) and n2 = r · n1.
 *
 * A small candidate share is expensive: the total n1 (1 + r) grows like (1 + r)(1 + 1/r), so a
 * 95/5 split needs (20 · 20/19) / 4 ≈ 5.3 times the outcomes of a 50/50 split.
 *
 * @throws AbTestInputError on settings outside their domains, or an effect that leaves [0, 1].
 */
export function requiredSampleSize(options: SampleSizeOptions): SampleSize {
  const { baselineAccuracy: p1, minimumDetectableEffect: effect, ratio, alpha, power } = options;
  if (!(p1 >= 0 && p1 <= 1)) throw new AbTestInputError(`baseline accuracy must be in [0, 1], got ${p1}`);
  if (!(effect > 0 && effect < 1)) throw new AbTestInputError(`effect must be in (0, 1), got ${effect}`);
  if (!(ratio > 0 && Number.isFinite(ratio))) throw new AbTestInputError(`ratio must be > 0, got ${ratio}`);
  if (!(alpha > 0 && alpha < 1)) throw new AbTestInputError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(power > alpha && power < 1)) throw new AbTestInputError(`power must be in (alpha, 1), got ${power}`);
  const p2 = p1 + effect <= 1 ? p1 + effect : p1 - effect;
  if (p2 < 0) throw new AbTestInputError(`no accuracy is ${effect} away from ${p1} within [0, 1]`);

  const h = 2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p2));
  const z = solveTwoSidedPower(-normalPpf(alpha / 2), power);
  const productionOutcomes = (z / h) ** 2 * (1 + 1 / ratio);
  return {
    effectSize: h,
    baselineAccuracy: p1,
    targetAccuracy: p2,
    ratio,
    productionOutcomes,
    candidateOutcomes: ratio * productionOutcomes,
  };
}

/** The z > 0 with Φ(z − c) + Φ(−z − c) = power (power > α, so z > 0), by Newton's method. */
function solveTwoSidedPower(c: number, power: number): number {
  let z = c + normalPpf(power);
  for (let iteration = 0; iteration < 50; iteration++) {
    const excess = normalSf(c - z) + normalCdf(-c - z) - power;
    const slope = normalPdf(z - c) - normalPdf(z + c);
    const step = excess / slope;
    z -= step;
    if (Math.abs(step) <= 1e-15 * z) break;
  }
  return z;
}

function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/**
 * The plan for this test and the outcomes still missing. Paired: every request scores both
 * models, so the split does not matter and the plan uses r = 1 (conservative: pairing only removes
 * variance). Unpaired: r = share / (1 − share) of the configured candidate traffic share.
 */
function sampleSizeStatus(
  design: AbDesign,
  production: ArmSummary,
  candidate: ArmSummary,
  elapsedDays: number,
  input: AbTestInput,
  config: AbConfig,
): SampleSizeStatus {
  const share = design === 'paired' ? 0.5 : config.candidateTrafficShare;
  const observed = { production: production.outcomes, candidate: candidate.outcomes };
  const totalOutcomes = design === 'paired' ? production.outcomes : production.outcomes + candidate.outcomes;
  const dailyOutcomes = input.dailyOutcomes ?? (elapsedDays > 0 ? totalOutcomes / elapsedDays : null);
  const baseline = input.baselineAccuracy ?? production.accuracy;
  if (baseline === null) {
    return {
      plan: null,
      required: null,
      observed,
      remaining: null,
      sufficient: false,
      dailyOutcomes,
      daysRemaining: null,
    };
  }
  const plan = requiredSampleSize({
    baselineAccuracy: baseline,
    minimumDetectableEffect: config.minimumDetectableEffect,
    ratio: share / (1 - share),
    alpha: config.alpha,
    power: config.power,
  });
  const required = {
    production: Math.max(Math.ceil(plan.productionOutcomes), config.minimumOutcomesPerArm),
    candidate: Math.max(Math.ceil(plan.candidateOutcomes), config.minimumOutcomesPerArm),
  };
  const remaining = {
    production: Math.max(0, required.production - observed.production),
    candidate: Math.max(0, required.candidate - observed.candidate),
  };
  let daysRemaining: number | null = null;
  if (dailyOutcomes !== null && dailyOutcomes > 0) {
    // Paired: each outcome feeds both arms. Unpaired: each arm gets its share of the traffic.
    const perDay =
      design === 'paired'
        ? { production: dailyOutcomes, candidate: dailyOutcomes }
        : { production: dailyOutcomes * (1 - share), candidate: dailyOutcomes * share };
    daysRemaining = Math.ceil(
      Math.max(remaining.production / perDay.production, remaining.candidate / perDay.candidate),
    );
  }
  return {
    plan,
    required,
    observed,
    remaining,
    sufficient: remaining.production === 0 && remaining.candidate === 0,
    dailyOutcomes,
    daysRemaining,
  };
}

// ---------------------------------------------------------------------------------------------
// Decision
// ---------------------------------------------------------------------------------------------

interface DecisionContext {
  readonly config: AbConfig;
  readonly production: ArmSummary;
  readonly candidate: ArmSummary;
  readonly logLoss: Difference | null;
  readonly accuracy: Difference | null;
  readonly mcnemar: McNemarResult | null;
  readonly sampleSize: SampleSizeStatus;
  readonly elapsedDays: number;
}

/** Whether the candidate is significantly better / worse on one metric, and the evidence. */
interface Comparison {
  readonly better: boolean;
  readonly worse: boolean;
  readonly evidence: string;
}

function decide(ctx: DecisionContext): { outcome: AbOutcome; reasons: string[] } {
  const { config, production, candidate, sampleSize, elapsedDays } = ctx;
  const overdue = elapsedDays >= config.maxDurationDays;
  const ranOut =
    `the test ran ${fmt(elapsedDays)} days (maximum ${fmt(config.maxDurationDays)}) without a ` +
    `significant win for the candidate`;
  const minimum = config.minimumOutcomesPerArm;
  if (production.outcomes < minimum || candidate.outcomes < minimum || !ctx.logLoss || !ctx.accuracy) {
    const tooFew =
      `too few outcomes to judge: production ${production.outcomes}, candidate ` +
      `${candidate.outcomes}; at least ${minimum} per arm are needed`;
    return overdue
      ? { outcome: 'reject', reasons: [tooFew, ranOut] }
      : { outcome: 'keep-collecting', reasons: [tooFew, ...shortfall(sampleSize)] };
  }

  const logLoss = compareLogLoss(ctx.logLoss);
  const accuracy = compareAccuracy(ctx.accuracy, ctx.mcnemar, 1 - config.confidenceLevel);
  const [primary, secondary] = config.primaryMetric === 'logLoss' ? [logLoss, accuracy] : [accuracy, logLoss];
  const primaryName = config.primaryMetric === 'logLoss' ? 'log loss' : 'accuracy';
  const secondaryName = config.primaryMetric === 'logLoss' ? 'accuracy' : 'log loss';

  const harms = [
    ...(primary.worse ? [`the candidate is significantly worse on ${primaryName}: ${primary.evidence}`] : []),
    ...(secondary.worse
      ? [`the candidate is significantly worse on ${secondaryName}: ${secondary.evidence}`]
      : []),
  ];
  if (harms.length > 0) return { outcome: 'reject', reasons: harms };

  if (primary.better && sampleSize.sufficient) {
    return {
      outcome: 'promote',
      reasons: [
        `the candidate is significantly better on ${primaryName}: ${primary.evidence}`,
        `no significant loss on ${secondaryName}: ${secondary.evidence}`,
        `planned sample reached: ${production.outcomes} production and ${candidate.outcomes} candidate outcomes`,
      ],
    };
  }
  if (overdue) return { outcome: 'reject', reasons: [ranOut, `${primaryName}: ${primary.evidence}`] };
  const standing = primary.better
    ? `the candidate is ahead on ${primaryName} (${primary.evidence}), but a win counts only at the planned sample size`
    : `no significant difference on ${primaryName} yet: ${primary.evidence}`;
  return { outcome: 'keep-collecting', reasons: [standing, ...shortfall(sampleSize)] };
}

function compareLogLoss(d: Difference): Comparison {
  return {
    better: d.upper < 0,
    worse: d.lower > 0,
    evidence: `difference (candidate − production) ${describe(d)}; lower is better`,
  };
}

/** Paired: McNemar decides significance; unpaired: the bootstrap interval excludes 0. */
function compareAccuracy(d: Difference, test: McNemarResult | null, alpha: number): Comparison {
  const interval = `difference (candidate − production) ${describe(d)}`;
  if (test === null) return { better: d.lower > 0, worse: d.upper < 0, evidence: interval };
  const significant = test.pValue < alpha;
  return {
    better: significant && d.estimate > 0,
    worse: significant && d.estimate < 0,
    evidence:
      `${interval}; McNemar (${test.method}) p = ${fmt(test.pValue)} with ` +
      `${test.candidateOnlyCorrect} requests only the candidate got right and ` +
      `${test.productionOnlyCorrect} only production got right`,
  };
}

function shortfall(status: SampleSizeStatus): string[] {
  if (status.remaining === null || status.required === null) {
    return ['the sample size cannot be planned before production has outcomes'];
  }
  if (status.sufficient) return [];
  const days =
    status.daysRemaining === null
      ? ''
      : `, about ${status.daysRemaining} more days at ${fmt(status.dailyOutcomes!)} outcomes a day`;
  return [
    `the plan needs ${status.remaining.production} more production and ` +
      `${status.remaining.candidate} more candidate outcomes (of ${status.required.production} ` +
      `and ${status.required.candidate})${days}`,
  ];
}

function describe(d: Difference): string {
  return `${fmt(d.estimate)}, ${fmt(d.confidenceLevel * 100)} % interval ${fmt(d.lower)} to ${fmt(d.upper)}`;
}

// ---------------------------------------------------------------------------------------------
// A/B v2: symbol-days and the Diebold–Mariano test (DOMAIN §6.2)
// ---------------------------------------------------------------------------------------------

/** One logged forecast origin with its outcome: what both models forecast for the next day. */
export interface AbOrigin {
  readonly symbol: string;
  /** The origin day (ISO date of the live state the forecasts started from). */
  readonly fromDate: string;
  readonly actualState: number;
  /** Null when the entry has no forecast of that model (no shadow): the origin is left out. */
  readonly productionProbabilities: readonly number[] | null;
  readonly candidateProbabilities: readonly number[] | null;
}

export interface AbDailyInput {
  readonly productionVersion: string;
  readonly candidateVersion: string;
  /** Logged origins with an outcome; repeats of one (symbol, origin day) count once. */
  readonly origins: readonly AbOrigin[];
  readonly startedAt: string;
  readonly now: string;
}

/**
 * The A/B test v2 (DOMAIN §6.2). Outcomes do not depend on which model answered, and every logged
 * origin carries both models' next-day forecasts (the served one and the shadow), so the unit is the
 * symbol-day: requests repeating a (symbol, origin day) share one outcome and count once. For each
 * origin day t, d_t is the mean over that day's symbols of the log-loss difference (candidate −
 * production); the Diebold–Mariano test with the Harvey–Leybourne–Newbold correction, as R
 * `forecast::dm.test(e1 = candidate, e2 = production, h = 1, power = 1)`, decides one-sided at
 * `alpha`:
 * - keep collecting below `minimumDays` days of outcomes (and say how many are missing);
 * - promote when the candidate's loss is significantly lower;
 * - reject when it is significantly higher, or when `maxDurationDays` pass without a win.
 * The traffic split only decides who is answered by whom: both arms are scored on every symbol-day,
 * so a candidate share of 0.05 costs the test no power.
 */
export function evaluateAbTestDaily(input: AbDailyInput, config: AbConfig): AbTestResult {
  const now = parseTime(input.now, 'now');
  const elapsedDays = (now - parseTime(input.startedAt, 'startedAt')) / DAY_MS;
  const seen = new Set<string>();
  let unpaired = 0;
  // Per origin day: the sums of both arms' losses and hits over its symbols.
  const byDay = new Map<string, { n: number; lossA: number; lossB: number; hitA: number; hitB: number }>();
  for (const o of input.origins) {
    const key = `${o.symbol}\u0000${o.fromDate}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const pA = o.productionProbabilities;
    const pB = o.candidateProbabilities;
    if (pA == null || pB == null) {
      unpaired++;
      continue;
    }
    requireForecast(pA, o.actualState, pA.length, 'production forecast');
    requireForecast(pB, o.actualState, pA.length, 'candidate forecast');
    const day = byDay.get(o.fromDate) ?? { n: 0, lossA: 0, lossB: 0, hitA: 0, hitB: 0 };
    day.n++;
    day.lossA += recordLogLoss(pA, o.actualState);
    day.lossB += recordLogLoss(pB, o.actualState);
    day.hitA += argmax(pA) === o.actualState ? 1 : 0;
    day.hitB += argmax(pB) === o.actualState ? 1 : 0;
    byDay.set(o.fromDate, day);
  }
  const days = [...byDay.keys()].sort();
  const lossA = days.map((d) => byDay.get(d)!.lossA / byDay.get(d)!.n);
  const lossB = days.map((d) => byDay.get(d)!.lossB / byDay.get(d)!.n);
  const hitDiff = days.map((d) => (byDay.get(d)!.hitB - byDay.get(d)!.hitA) / byDay.get(d)!.n);
  let symbolDays = 0;
  let totals = { lossA: 0, lossB: 0, hitA: 0, hitB: 0 };
  for (const d of byDay.values()) {
    symbolDays += d.n;
    totals = {
      lossA: totals.lossA + d.lossA,
      lossB: totals.lossB + d.lossB,
      hitA: totals.hitA + d.hitA,
      hitB: totals.hitB + d.hitB,
    };
  }
  const arm = (loss: number, hit: number): ArmSummary =>
    symbolDays === 0
      ? { outcomes: 0, accuracy: null, logLoss: null }
      : { outcomes: symbolDays, accuracy: hit / symbolDays, logLoss: loss / symbolDays };
  const alpha = config.alpha;
  const dm =
    days.length >= 2
      ? dailyDm(lossB, lossA)
      : { meanDifference: Number.NaN, statistic: null, pValueBetter: null, pValueWorse: null };
  const dieboldMariano: DailyDieboldMariano = {
    days: days.length,
    symbolDays,
    ...dm,
    meanDifference: days.length === 0 ? null : days.length >= 2 ? dm.meanDifference : lossB[0]! - lossA[0]!,
    alpha,
    minimumDays: config.minimumDays,
    unpaired,
  };
  const level = 1 - alpha;
  const logLossDifference =
    days.length >= 2
      ? meanInterval(
          lossB.map((b, t) => b - lossA[t]!),
          level,
        )
      : null;
  const accuracyDifference = days.length >= 2 ? meanInterval(hitDiff, level) : null;
  const { outcome, reasons } = decideDaily(
    dieboldMariano,
    days.length,
    symbolDays,
    unpaired,
    elapsedDays,
    config,
  );
  return {
    productionVersion: input.productionVersion,
    candidateVersion: input.candidateVersion,
    design: 'symbol-day',
    outcome,
    reasons,
    primaryMetric: 'logLoss',
    production: arm(totals.lossA, totals.hitA),
    candidate: arm(totals.lossB, totals.hitB),
    logLossDifference,
    accuracyDifference,
    mcnemar: null,
    sampleSize: {
      plan: null,
      required: null,
      observed: { production: symbolDays, candidate: symbolDays },
      remaining: null,
      sufficient: days.length >= config.minimumDays,
      dailyOutcomes: days.length === 0 ? null : symbolDays / days.length,
      daysRemaining: Math.max(0, config.minimumDays - days.length),
    },
    elapsedDays,
    maxDurationDays: config.maxDurationDays,
    evaluatedAt: new Date(now).toISOString(),
    dieboldMariano,
  };
}

/** DM of candidate (e1) against production (e2) daily losses, both one-sided p-values. */
function dailyDm(
  candidate: number[],
  production: number[],
): Pick<DailyDieboldMariano, 'meanDifference' | 'statistic' | 'pValueBetter' | 'pValueWorse'> {
  let mean = 0;
  for (let t = 0; t < candidate.length; t++) mean += candidate[t]! - production[t]!;
  mean /= candidate.length;
  try {
    const less = dieboldMariano(candidate, production, { h: 1, power: 1, alternative: 'less' });
    const greater = dieboldMariano(candidate, production, { h: 1, power: 1, alternative: 'greater' });
    return {
      meanDifference: less.meanDifference,
      statistic: less.statistic,
      pValueBetter: less.pValue,
      pValueWorse: greater.pValue,
    };
  } catch (error) {
    // d_t constant (e.g. two models that forecast alike): the DM variance is zero, no test.
    if (error instanceof StatsDomainError) {
      return { meanDifference: mean, statistic: null, pValueBetter: null, pValueWorse: null };
    }
    throw error;
  }
}

/** The mean of a daily series with its t interval at `level` (the DM test's own variance, h = 1). */
function meanInterval(d: number[], level: number): Difference {
  const n = d.length;
  let mean = 0;
  for (const v of d) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of d) ss += (v - mean) ** 2;
  // R acf's divisor n, and the HLN factor √((n − 1) / n) at h = 1: se = √(γ₀ / n) / √((n − 1) / n).
  const se = Math.sqrt(ss / n / n) / Math.sqrt((n - 1) / n);
  const half = se * studentTPpf(1 - (1 - level) / 2, n - 1);
  return { estimate: mean, lower: mean - half, upper: mean + half, confidenceLevel: level };
}

function decideDaily(
  dm: DailyDieboldMariano,
  days: number,
  symbolDays: number,
  unpaired: number,
  elapsedDays: number,
  config: AbConfig,
): { outcome: AbOutcome; reasons: string[] } {
  const overdue = elapsedDays >= config.maxDurationDays;
  const ranOut = `the test ran ${fmt(elapsedDays)} days (maximum ${fmt(config.maxDurationDays)}) without a significant win for the candidate`;
  const left = unpaired > 0 ? [`${unpaired} symbol-day(s) without both forecasts were left out`] : [];
  if (days < config.minimumDays) {
    const tooFew = `${days} day(s) of outcomes (${symbolDays} symbol-days); the test decides from ${config.minimumDays} days`;
    return overdue
      ? { outcome: 'reject', reasons: [tooFew, ranOut, ...left] }
      : {
          outcome: 'keep-collecting',
          reasons: [tooFew, `${config.minimumDays - days} more day(s) of outcomes needed`, ...left],
        };
  }
  const evidence =
    dm.statistic === null
      ? `the daily log-loss differences are constant (${fmt(dm.meanDifference!)}): no test`
      : `mean daily log-loss difference (candidate − production) ${fmt(dm.meanDifference!)} over ${days} days, Diebold–Mariano (HLN) ${fmt(dm.statistic)}, one-sided p = ${fmt(dm.meanDifference! < 0 ? dm.pValueBetter! : dm.pValueWorse!)}`;
  if (dm.pValueWorse !== null && dm.pValueWorse < config.alpha) {
    return { outcome: 'reject', reasons: [`the candidate is significantly worse: ${evidence}`, ...left] };
  }
  if (dm.pValueBetter !== null && dm.pValueBetter < config.alpha) {
    return { outcome: 'promote', reasons: [`the candidate is significantly better: ${evidence}`, ...left] };
  }
  if (overdue) return { outcome: 'reject', reasons: [ranOut, evidence, ...left] };
  return {
    outcome: 'keep-collecting',
    reasons: [`no significant difference yet at ${fmt(config.alpha)}: ${evidence}`, ...left],
  };
}

// ---------------------------------------------------------------------------------------------
// Rollback
// ---------------------------------------------------------------------------------------------

export interface RollbackInput {
  readonly productionVersion: string;
  readonly previousVersion: string;
  /** The previous version's accuracy (its live accuracy before the promotion, or its A/B arm's). */
  readonly previousAccuracy: number;
  /** Production's logged predictions since the promotion; those without an outcome are ignored. */
  readonly predictions: readonly Pick<LoggedPrediction, 'predictedState' | 'actualState'>[];
}

export interface RollbackDecision {
  readonly rollback: boolean;
  readonly fromVersion: string;
  /** The version to restore, or null when production stays. */
  readonly toVersion: string | null;
  readonly outcomes: number;
  readonly minimumOutcomes: number;
  readonly liveAccuracy: number | null;
  readonly previousAccuracy: number;
  /** previousAccuracy − liveAccuracy; null without outcomes. */
  readonly accuracyDrop: number | null;
  readonly margin: number;
  /** One-sided P(X ≤ hits), X ~ Bin(outcomes, previousAccuracy − margin); null without outcomes. */
  readonly pValue: number | null;
  readonly alpha: number;
  readonly reasons: string[];
}

/**
 * Rolls back a promoted model whose live accuracy fell below the previous version's by more than
 * the margin, with confidence: over at least `minimumOutcomes` outcomes since the promotion,
 * - previousAccuracy − liveAccuracy > `accuracyMargin` (strict, beyond rounding: see `exceeds`), and
 * - the one-sided binomial test of H0 "live accuracy ≥ previousAccuracy − accuracyMargin" rejects
 *   at `alpha` (p = scipy `binom.cdf(hits, n, previousAccuracy − accuracyMargin)`), so noise just
 *   past the margin does not roll back a good model.
 *
 * @throws AbTestInputError when previousAccuracy ∉ [0, 1] or a state is not an integer ≥ 0.
 */
export function decideRollback(input: RollbackInput, config: MonitoringConfig['rollback']): RollbackDecision {
  const previous = input.previousAccuracy;
  if (!(previous >= 0 && previous <= 1)) {
    throw new AbTestInputError(`previous accuracy must be in [0, 1], got ${previous}`);
  }
  let n = 0;
  let hits = 0;
  input.predictions.forEach((p, i) => {
    if (p.actualState === null || p.actualState === undefined) return;
    for (const state of [p.predictedState, p.actualState]) {
      if (!(Number.isInteger(state) && state >= 0)) {
        throw new AbTestInputError(`prediction ${i}: ${state} is not a state`);
      }
    }
    n++;
    if (p.predictedState === p.actualState) hits++;
  });
  const base = {
    fromVersion: input.productionVersion,
    outcomes: n,
    minimumOutcomes: config.minimumOutcomes,
    previousAccuracy: previous,
    margin: config.accuracyMargin,
    alpha: config.alpha,
  };
  if (n === 0) {
    return {
      ...base,
      rollback: false,
      toVersion: null,
      liveAccuracy: null,
      accuracyDrop: null,
      pValue: null,
      reasons: [`no outcome of ${input.productionVersion} is known yet`],
    };
  }
  const liveAccuracy = hits / n;
  const accuracyDrop = previous - liveAccuracy;
  const pValue = binomialCdf(hits, n, Math.max(0, previous - config.accuracyMargin));
  const measured =
    `${input.productionVersion} has live accuracy ${fmt(liveAccuracy)} over ${n} outcomes ` +
    `against ${fmt(previous)} for ${input.previousVersion}: a drop of ${fmt(accuracyDrop)} ` +
    `(margin ${fmt(config.accuracyMargin)}, one-sided p = ${fmt(pValue)})`;
  const reasons: string[] = [];
  if (n < config.minimumOutcomes)
    reasons.push(`not enough outcomes: ${n} of ${config.minimumOutcomes}; ${measured}`);
  else if (!exceeds(accuracyDrop, config.accuracyMargin)) reasons.push(`within the margin: ${measured}`);
  else if (!(pValue < config.alpha)) reasons.push(`not significant at ${fmt(config.alpha)}: ${measured}`);
  const rollback = reasons.length === 0;
  if (rollback) reasons.push(`roll back to ${input.previousVersion}: ${measured}`);
  return {
    ...base,
    rollback,
    toVersion: rollback ? input.previousVersion : null,
    liveAccuracy,
    accuracyDrop,
    pValue,
    reasons,
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function requireForecast(p: readonly number[], actual: number, classes: number, name: string): void {
  if (p.length !== classes || classes < 2) {
    throw new AbTestInputError(`${name}: forecast has ${p.length} probabilities, expected ${classes} (≥ 2)`);
  }
  for (const pk of p) {
    if (!(pk >= 0 && pk <= 1)) throw new AbTestInputError(`${name}: probability ${pk} is not in [0, 1]`);
  }
  if (!(Number.isInteger(actual) && actual >= 0 && actual < classes)) {
    throw new AbTestInputError(`${name}: actual state ${actual} is not a state of a ${classes}-state model`);
  }
}

function mean(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total / values.length;
}

function parseTime(iso: string, name: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new AbTestInputError(`${name} is not an ISO 8601 time: "${iso}"`);
  return ms;
}

/** 4 significant digits, for messages. */
function fmt(x: number): string {
  return String(Number(x.toPrecision(4)));
}
