/**
 * Model drift (DOMAIN.md §6 v2): the live log loss of the served next-day forecasts whose outcome is
 * known, per symbol-day, against the model's cross-validated log loss. For each origin day t, d_t is
 * the mean over that day's symbols of (live log loss − cross-validated log loss); the model has
 * degraded when a one-sided Diebold–Mariano test (Harvey–Leybourne–Newbold correction, as R
 * `forecast::dm.test(e1 = daily live loss, e2 = the cross-validated loss, h = 1, power = 1,
 * alternative = "greater")`) rejects at `alpha` — only over at least `minimumOutcomes` symbol-days;
 * before that the verdict is "not-enough-outcomes" and the numbers are for information only.
 *
 * The old rule (`modelDrift.rule: accuracy-drop`): live accuracy more than `accuracyDropThreshold`
 * below the cross-validated accuracy. Under both, the unit is the symbol-day: the log holds one entry
 * per (symbol, origin day, model, horizon), and every horizon's entry carries the same next-day
 * forecast, so the entries of one origin count once.
 */
import type { MonitoringConfig } from '#config/monitoring-schema';
import { logLoss, probabilityMatrixFromRows, recordLogLoss } from '#shared/evaluation/metrics';
import { dieboldMariano } from '#shared/stats/diebold-mariano';
import { normalPpf, StatsDomainError } from '#shared/stats/distributions';

/** Logged predictions or reference metrics a model-drift check cannot use. */
export class ModelDriftInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelDriftInputError';
  }
}

/** One logged forecast. `actualState` is null (or absent) until the next day's regime is known. */
export interface LoggedPrediction {
  /** The forecast distribution over the K states, as served. */
  readonly predictedProbabilities: readonly number[];
  /** The state that was served as the prediction (the argmax, ties to the lower state). */
  readonly predictedState: number;
  readonly actualState?: number | null;
  /** The symbol and origin day (ISO date): entries repeating one (symbol, origin day) count once. */
  readonly symbol?: string;
  readonly fromDate?: string;
}

/** The model's cross-validated (out-of-fold) metrics, from its evaluation report. */
export interface ReferenceMetrics {
  readonly accuracy: number;
  readonly logLoss: number;
}

export type ModelDriftVerdict = 'ok' | 'accuracy-drop' | 'log-loss-rise' | 'not-enough-outcomes';

/** The decision rule: v2's test of the log loss (default), or v1's accuracy threshold. */
export type ModelDriftRule = 'log-loss-dm' | 'accuracy-drop';

/** The one-sided Diebold–Mariano test of the daily live log loss against the cross-validated one. */
export interface ModelDriftTest {
  /** Origin days with outcomes (the test's periods). */
  readonly days: number;
  /** Mean over days of (daily live log loss − cross-validated log loss); null without a day. */
  readonly meanDifference: number | null;
  /** HLN-corrected statistic and its p-value (alternative: live loss greater); null when untestable. */
  readonly statistic: number | null;
  readonly pValue: number | null;
  readonly alpha: number;
}

/** Live metrics against the reference, with the verdict; plain JSON. */
export interface ModelDriftResult {
  readonly rule: ModelDriftRule;
  readonly verdict: ModelDriftVerdict;
  /** True only for "log-loss-rise" and "accuracy-drop". */
  readonly retrain: boolean;
  /** Symbol-days with a known outcome (the sample of the live metrics). */
  readonly outcomes: number;
  /** The log-loss test (rule log-loss-dm); null under the accuracy rule. */
  readonly test: ModelDriftTest | null;
  /** Predictions still waiting for their outcome (not used). */
  readonly pending: number;
  readonly minimumOutcomes: number;
  /** Share of known outcomes that were predicted; null without outcomes. */
  readonly liveAccuracy: number | null;
  /** Wilson score interval of the live accuracy at `confidenceLevel`; null without outcomes. */
  readonly liveAccuracyInterval: readonly [number, number] | null;
  readonly confidenceLevel: number;
  /** scikit-learn log loss of the known outcomes; null without outcomes. */
  readonly liveLogLoss: number | null;
  readonly referenceAccuracy: number;
  readonly referenceLogLoss: number;
  /** referenceAccuracy − liveAccuracy (positive = worse live); null without outcomes. */
  readonly accuracyDrop: number | null;
  /** liveLogLoss − referenceLogLoss (positive = worse live); null without outcomes. */
  readonly logLossIncrease: number | null;
  /** The accuracy drop above which the verdict is "accuracy-drop". */
  readonly threshold: number;
  /** Plain-language explanation of the verdict. */
  readonly reasons: string[];
}

/**
 * Checks the model's served forecasts against its cross-validated metrics.
 *
 * - outcomes = the symbol-days whose `actualState` is known (n): the first entry of each
 *   (symbol, origin day);
 * - live accuracy = (1/n) Σ [predictedState = actualState]; live log loss as scikit-learn
 *   `log_loss(actual, predictedProbabilities, labels = range(K))`
 *   ({@link logLoss} of shared/evaluation/metrics);
 * - rule log-loss-dm (v2, default): "not-enough-outcomes" if n < minimumOutcomes; else
 *   "log-loss-rise" if the one-sided Diebold–Mariano test of the daily mean live loss against the
 *   cross-validated loss has p < alpha; else "ok";
 * - rule accuracy-drop (v1): "not-enough-outcomes" if n < minimumOutcomes; else "accuracy-drop" if
 *   referenceAccuracy − liveAccuracy > accuracyDropThreshold (strict, see {@link exceeds}); else "ok".
 *
 * @throws ModelDriftInputError on malformed predictions (unequal K, states outside 0 … K − 1,
 *   probabilities outside [0, 1]) or reference metrics that are not finite.
 */
export function modelDrift(
  predictions: readonly LoggedPrediction[],
  reference: ReferenceMetrics,
  config: MonitoringConfig['modelDrift'],
): ModelDriftResult {
  requireReference(reference);
  const origins = symbolDays(predictions);
  const known = origins.filter(hasOutcome);
  const n = known.length;
  const rule = config.rule;
  const base = {
    rule,
    outcomes: n,
    pending: origins.length - n,
    minimumOutcomes: config.minimumOutcomes,
    confidenceLevel: config.confidenceLevel,
    referenceAccuracy: reference.accuracy,
    referenceLogLoss: reference.logLoss,
    threshold: config.accuracyDropThreshold,
  };
  if (n === 0) {
    return {
      ...base,
      verdict: 'not-enough-outcomes',
      retrain: false,
      test: rule === 'log-loss-dm' ? noTest(0, config.alpha) : null,
      liveAccuracy: null,
      liveAccuracyInterval: null,
      liveLogLoss: null,
      accuracyDrop: null,
      logLossIncrease: null,
      reasons: [`no forecast has a known outcome yet (${config.minimumOutcomes} symbol-days needed)`],
    };
  }

  const { hits, logLoss: liveLogLoss } = liveMetrics(known);
  const liveAccuracy = hits / n;
  const interval = wilsonInterval(hits, n, config.confidenceLevel);
  const accuracyDrop = reference.accuracy - liveAccuracy;
  const accuracyText =
    `live accuracy ${fmt(liveAccuracy)} over ${n} symbol-days ` +
    `(${percent(config.confidenceLevel)} interval ${fmt(interval[0])}–${fmt(interval[1])}) ` +
    `against the cross-validated ${fmt(reference.accuracy)}: a drop of ${fmt(accuracyDrop)}`;
  const lossText = `live log loss ${fmt(liveLogLoss)} against the cross-validated ${fmt(reference.logLoss)}`;
  const metrics = {
    liveAccuracy,
    liveAccuracyInterval: interval,
    liveLogLoss,
    accuracyDrop,
    logLossIncrease: liveLogLoss - reference.logLoss,
  };
  if (rule === 'log-loss-dm') {
    const test = logLossTest(known, reference.logLoss, config.alpha);
    const tested =
      test.statistic === null
        ? `${lossText} over ${test.days} day(s): no test (it needs 2 days whose losses vary)`
        : `${lossText} over ${n} symbol-days on ${test.days} days: Diebold–Mariano ` +
          `${fmt(test.statistic)}, one-sided p ${fmtP(test.pValue!)}`;
    let verdict: ModelDriftVerdict;
    let reason: string;
    if (n < config.minimumOutcomes) {
      verdict = 'not-enough-outcomes';
      reason = `not enough outcomes: ${n} of the ${config.minimumOutcomes} symbol-days needed before the log-loss test can fire; ${tested}`;
    } else if (test.pValue === null) {
      // Enough symbol-days but no test (one day, or losses that never vary): nothing is known yet.
      verdict = 'not-enough-outcomes';
      reason = tested;
    } else if (test.pValue < config.alpha) {
      verdict = 'log-loss-rise';
      reason = `${tested}, below ${fmt(config.alpha)}: the live loss is significantly higher — retrain`;
    } else {
      verdict = 'ok';
      reason = `${tested}, not below ${fmt(config.alpha)}: no significant rise`;
    }
    return {
      ...base,
      ...metrics,
      verdict,
      retrain: verdict === 'log-loss-rise',
      test,
      reasons: [reason, accuracyText],
    };
  }

  let verdict: ModelDriftVerdict;
  let reason: string;
  if (n < config.minimumOutcomes) {
    verdict = 'not-enough-outcomes';
    reason =
      `not enough outcomes: ${n} of the ${config.minimumOutcomes} symbol-days needed before the accuracy ` +
      `rule can fire; ${accuracyText}`;
  } else if (exceeds(accuracyDrop, config.accuracyDropThreshold)) {
    verdict = 'accuracy-drop';
    reason = `${accuracyText}, more than the threshold ${fmt(config.accuracyDropThreshold)}: retrain`;
  } else {
    verdict = 'ok';
    reason = `${accuracyText}, within the threshold ${fmt(config.accuracyDropThreshold)}`;
  }
  return {
    ...base,
    ...metrics,
    verdict,
    retrain: verdict === 'accuracy-drop',
    test: null,
    reasons: [reason, lossText],
  };
}

/** The first entry of each (symbol, origin day); entries without them are each their own. */
export function symbolDays(predictions: readonly LoggedPrediction[]): LoggedPrediction[] {
  const seen = new Set<string>();
  const out: LoggedPrediction[] = [];
  for (const p of predictions) {
    if (p.symbol !== undefined && p.fromDate !== undefined) {
      const key = `${p.symbol}\u0000${p.fromDate}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.push(p);
  }
  return out;
}

function noTest(days: number, alpha: number): ModelDriftTest {
  return { days, meanDifference: null, statistic: null, pValue: null, alpha };
}

/**
 * The daily mean live log loss (over each origin day's symbols, in day order) tested against the
 * cross-validated loss: R `dm.test(daily, rep(cv, days), h = 1, power = 1, alternative = "greater")`.
 */
function logLossTest(
  known: readonly (LoggedPrediction & { actualState: number })[],
  referenceLogLoss: number,
  alpha: number,
): ModelDriftTest {
  const byDay = new Map<string, { n: number; loss: number }>();
  known.forEach((p, i) => {
    const day = p.fromDate ?? `\u0000${i}`;
    const d = byDay.get(day) ?? { n: 0, loss: 0 };
    d.n++;
    d.loss += recordLogLoss(p.predictedProbabilities, p.actualState);
    byDay.set(day, d);
  });
  const daily = [...byDay.keys()].sort().map((k) => byDay.get(k)!.loss / byDay.get(k)!.n);
  if (daily.length === 0) return noTest(0, alpha);
  let mean = 0;
  for (const v of daily) mean += v - referenceLogLoss;
  mean /= daily.length;
  if (daily.length < 2) return { ...noTest(1, alpha), meanDifference: mean };
  try {
    const dm = dieboldMariano(
      daily,
      daily.map(() => referenceLogLoss),
      { h: 1, power: 1, alternative: 'greater' },
    );
    return {
      days: daily.length,
      meanDifference: dm.meanDifference,
      statistic: dm.statistic,
      pValue: dm.pValue,
      alpha,
    };
  } catch (error) {
    // Every day's loss the same: the DM variance is zero, no test.
    if (error instanceof StatsDomainError) return { ...noTest(daily.length, alpha), meanDifference: mean };
    throw error;
  }
}

function fmtP(p: number): string {
  return p < 1e-4 ? p.toExponential(2) : fmt(p);
}

/**
 * Wilson score interval of a proportion hits / n at the given confidence level, as statsmodels
 * 0.13.5 `proportion_confint(hits, n, alpha = 1 − level, method = "wilson")`:
 * z = Φ⁻¹(1 − α/2), centre = (p̂ + z²/2n) / (1 + z²/n),
 * half-width = z √(p̂(1 − p̂)/n + z²/4n²) / (1 + z²/n).
 *
 * @throws ModelDriftInputError when n < 1, hits ∉ [0, n] or the level ∉ (0, 1).
 */
export function wilsonInterval(hits: number, n: number, confidenceLevel: number): [number, number] {
  if (!(Number.isInteger(n) && n >= 1)) throw new ModelDriftInputError(`n must be an integer ≥ 1, got ${n}`);
  if (!(hits >= 0 && hits <= n)) throw new ModelDriftInputError(`hits must be in [0, ${n}], got ${hits}`);
  if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
    throw new ModelDriftInputError(`confidence level must be in (0, 1), got ${confidenceLevel}`);
  }
  const z = -normalPpf((1 - confidenceLevel) / 2);
  const z2 = z * z;
  const p = hits / n;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return [centre - halfWidth, centre + halfWidth];
}

/**
 * a > b beyond binary rounding: differences within 1e-12 count as equal, so that a drop of exactly
 * 0.05 in decimal (0.75 − 0.70 = 0.05000000000000004 in floating point) is not "more than 0.05".
 */
export function exceeds(a: number, b: number): boolean {
  return a - b > 1e-12;
}

function hasOutcome(p: LoggedPrediction): p is LoggedPrediction & { actualState: number } {
  return p.actualState !== null && p.actualState !== undefined;
}

/** Hits and scikit-learn log loss of predictions with known outcomes (n ≥ 1). */
function liveMetrics(known: readonly (LoggedPrediction & { actualState: number })[]): {
  hits: number;
  logLoss: number;
} {
  const k = known[0]!.predictedProbabilities.length;
  let hits = 0;
  const actual = new Int32Array(known.length);
  known.forEach((p, i) => {
    requireState(p.predictedState, k, `prediction ${i}: predictedState`);
    requireState(p.actualState, k, `prediction ${i}: actualState`);
    if (p.predictedState === p.actualState) hits++;
    actual[i] = p.actualState;
  });
  try {
    const proba = probabilityMatrixFromRows(
      known.map((p) => p.predictedProbabilities),
      k,
    );
    return { hits, logLoss: logLoss(actual, proba) };
  } catch (cause) {
    throw new ModelDriftInputError(`logged probabilities are not usable: ${(cause as Error).message}`, {
      cause,
    });
  }
}

function requireState(state: number, k: number, name: string): void {
  if (!(Number.isInteger(state) && state >= 0 && state < k)) {
    throw new ModelDriftInputError(`${name} = ${state} is not a state of a ${k}-state model`);
  }
}

function requireReference(reference: ReferenceMetrics): void {
  if (!(reference.accuracy >= 0 && reference.accuracy <= 1)) {
    throw new ModelDriftInputError(`reference accuracy must be in [0, 1], got ${reference.accuracy}`);
  }
  if (!(Number.isFinite(reference.logLoss) && reference.logLoss >= 0)) {
    throw new ModelDriftInputError(`reference log loss must be finite and ≥ 0, got ${reference.logLoss}`);
  }
}

/** 4 significant digits, for messages. */
function fmt(x: number): string {
  return String(Number(x.toPrecision(4)));
}

function percent(level: number): string {
  return `${Number((level * 100).toPrecision(4))} %`;
}
