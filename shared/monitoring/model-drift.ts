/**
 * Model drift (DOMAIN.md §6): the live accuracy and log loss of logged predictions whose outcome
 * is known, against the model's cross-validated accuracy and log loss. A drop in accuracy of more
 * than `accuracyDropThreshold` (absolute) means the model has drifted and should be retrained —
 * but only once `minimumOutcomes` outcomes are known; before that the verdict is
 * "not-enough-outcomes" and the numbers are reported for information only.
 */
import type { MonitoringConfig } from '#config/monitoring-schema';
import { logLoss, probabilityMatrixFromRows } from '#shared/evaluation/metrics';
import { normalPpf } from '#shared/stats/distributions';

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
}

/** The model's cross-validated (out-of-fold) metrics, from its evaluation report. */
export interface ReferenceMetrics {
  readonly accuracy: number;
  readonly logLoss: number;
}

export type ModelDriftVerdict = 'ok' | 'accuracy-drop' | 'not-enough-outcomes';

/** Live metrics against the reference, with the verdict; plain JSON. */
export interface ModelDriftResult {
  readonly verdict: ModelDriftVerdict;
  /** True only for "accuracy-drop". */
  readonly retrain: boolean;
  /** Predictions with a known outcome (the sample of the live metrics). */
  readonly outcomes: number;
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
 * Checks the model's live accuracy against its cross-validated accuracy.
 *
 * - outcomes = the predictions whose `actualState` is known (n);
 * - live accuracy = (1/n) Σ [predictedState = actualState]; live log loss as scikit-learn
 *   `log_loss(actual, predictedProbabilities, labels = range(K))`
 *   ({@link logLoss} of shared/evaluation/metrics);
 * - verdict: "not-enough-outcomes" if n < minimumOutcomes; else "accuracy-drop" if
 *   referenceAccuracy − liveAccuracy > accuracyDropThreshold (strict, see {@link exceeds}); else "ok".
 *
 * The log-loss increase is reported but does not decide (DOMAIN.md §6 names accuracy).
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
  const known = predictions.filter(hasOutcome);
  const n = known.length;
  const base = {
    outcomes: n,
    pending: predictions.length - n,
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
      liveAccuracy: null,
      liveAccuracyInterval: null,
      liveLogLoss: null,
      accuracyDrop: null,
      logLossIncrease: null,
      reasons: [`no prediction has a known outcome yet (${config.minimumOutcomes} needed)`],
    };
  }

  const { hits, logLoss: liveLogLoss } = liveMetrics(known);
  const liveAccuracy = hits / n;
  const interval = wilsonInterval(hits, n, config.confidenceLevel);
  const accuracyDrop = reference.accuracy - liveAccuracy;
  const measured =
    `live accuracy ${fmt(liveAccuracy)} over ${n} outcomes ` +
    `(${percent(config.confidenceLevel)} interval ${fmt(interval[0])}–${fmt(interval[1])}) ` +
    `against the cross-validated ${fmt(reference.accuracy)}: a drop of ${fmt(accuracyDrop)}`;

  let verdict: ModelDriftVerdict;
  let reason: string;
  if (n < config.minimumOutcomes) {
    verdict = 'not-enough-outcomes';
    reason =
      `not enough outcomes: ${n} of the ${config.minimumOutcomes} needed before the accuracy ` +
      `rule can fire; ${measured}`;
  } else if (exceeds(accuracyDrop, config.accuracyDropThreshold)) {
    verdict = 'accuracy-drop';
    reason = `${measured}, more than the threshold ${fmt(config.accuracyDropThreshold)}: retrain`;
  } else {
    verdict = 'ok';
    reason = `${measured}, within the threshold ${fmt(config.accuracyDropThreshold)}`;
  }
  return {
    ...base,
    verdict,
    retrain: verdict === 'accuracy-drop',
    liveAccuracy,
    liveAccuracyInterval: interval,
    liveLogLoss,
    accuracyDrop,
    logLossIncrease: liveLogLoss - reference.logLoss,
    reasons: [
      reason,
      `live log loss ${fmt(liveLogLoss)} against the cross-validated ${fmt(reference.logLoss)}`,
    ],
  };
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
