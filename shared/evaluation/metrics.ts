/**
 * Classification metrics for K-state forecasts, computed as scikit-learn 1.2 computes them with
 * `labels = [0, …, K−1]`: accuracy, macro precision / recall / F1 (`zero_division = 0`),
 * one-vs-rest macro ROC AUC, log loss, multi-class Brier score and the confusion matrix.
 * Hard predictions are the argmax of each probability row (ties go to the lower class, like
 * `numpy.argmax`).
 */
import { EvaluationInputError } from './errors.ts';

/** n × K probabilities, row-major: row i is the forecast distribution of sample i. */
export interface ProbabilityMatrix {
  /** Number of samples n (rows). */
  readonly samples: number;
  /** Number of classes K (columns); classes are 0 … K−1. */
  readonly classes: number;
  /** `values[i * classes + k]` = probability of class k for sample i. */
  readonly values: Float64Array;
}

/** Every metric of one set of forecasts; plain numbers and arrays (JSON-serialisable). */
export interface ClassificationMetrics {
  /** Number of samples. */
  readonly n: number;
  readonly accuracy: number;
  /** Mean of `precision` over all K classes. */
  readonly precisionMacro: number;
  readonly recallMacro: number;
  readonly f1Macro: number;
  /** Per-class precision tp / (tp + fp), 0 when the class is never predicted. */
  readonly precision: number[];
  /** Per-class recall tp / (tp + fn), 0 when the class never occurs. */
  readonly recall: number[];
  /** Per-class F1 = 2PR / (P + R), 0 when P + R = 0. */
  readonly f1: number[];
  /** Occurrences of each class in the true labels. */
  readonly support: number[];
  /**
   * Mean of `rocAuc` over the classes where it is defined; null when no class has both positives
   * and negatives.
   */
  readonly rocAucOvrMacro: number | null;
  /** Per-class one-vs-rest ROC AUC; null for a class with no positives or no negatives. */
  readonly rocAuc: (number | null)[];
  readonly logLoss: number;
  /** Mean over samples of Σ_k (p_k − y_k)². */
  readonly brier: number;
  /** `confusionMatrix[true][predicted]` counts (scikit-learn `confusion_matrix` layout). */
  readonly confusionMatrix: number[][];
}

/** Default log-loss clipping: `numpy.finfo(float64).eps`, scikit-learn 1.2's `eps="auto"`. */
export const LOG_LOSS_EPSILON = 2.220446049250313e-16;

/**
 * One forecast's log loss as scikit-learn's `log_loss` scores it: the probabilities clipped to
 * [eps, 1 − eps], then renormalised, and −log of the actual state's.
 */
export function recordLogLoss(p: readonly number[], actual: number): number {
  const upper = 1 - LOG_LOSS_EPSILON;
  let total = 0;
  for (const pk of p) total += Math.min(Math.max(pk, LOG_LOSS_EPSILON), upper);
  return -Math.log(Math.min(Math.max(p[actual]!, LOG_LOSS_EPSILON), upper) / total);
}

/**
 * Builds a {@link ProbabilityMatrix} from rows of equal length.
 * @throws EvaluationInputError when rows differ in length or there are none and `classes` is not given.
 */
export function probabilityMatrixFromRows(
  rows: readonly ArrayLike<number>[],
  classes: number | undefined = rows[0]?.length,
): ProbabilityMatrix {
  if (classes === undefined)
    throw new EvaluationInputError('cannot infer the number of classes from zero rows');
  const values = new Float64Array(rows.length * classes);
  rows.forEach((row, i) => {
    if (row.length !== classes) {
      throw new EvaluationInputError(`row ${i} has ${row.length} probabilities, expected ${classes}`);
    }
    for (let k = 0; k < classes; k++) values[i * classes + k] = row[k]!;
  });
  return { samples: rows.length, classes, values };
}

/**
 * All metrics at once (see {@link ClassificationMetrics}).
 * @param logLossEpsilon clipping bound of {@link logLoss}.
 * @throws EvaluationInputError on malformed input or zero samples.
 */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  proba: ProbabilityMatrix,
  logLossEpsilon: number = LOG_LOSS_EPSILON,
): ClassificationMetrics {
  validateInputs(yTrue, proba);
  requireLogLossEpsilon(logLossEpsilon);
  const K = proba.classes;
  const yPred = argmaxPredictions(proba);
  const matrix = confusionMatrix(yTrue, yPred, K);
  const prf = precisionRecallF1FromConfusion(matrix);
  const auc = rocAucOvrUnchecked(yTrue, proba);
  return {
    n: yTrue.length,
    accuracy: accuracy(yTrue, yPred),
    precisionMacro: prf.precisionMacro,
    recallMacro: prf.recallMacro,
    f1Macro: prf.f1Macro,
    precision: prf.precision,
    recall: prf.recall,
    f1: prf.f1,
    support: matrix.map(sumOf),
    rocAucOvrMacro: auc.macro,
    rocAuc: auc.perClass,
    logLoss: logLossUnchecked(yTrue, proba, logLossEpsilon),
    brier: multiclassBrierUnchecked(yTrue, proba),
    confusionMatrix: matrix,
  };
}

/** Hard prediction of each row: the index of its largest probability, the lowest index on ties. */
export function argmaxPredictions(proba: ProbabilityMatrix): Int32Array {
  const { samples, classes: K, values } = proba;
  const yPred = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const offset = i * K;
    let best = 0;
    for (let k = 1; k < K; k++) if (values[offset + k]! > values[offset + best]!) best = k;
    yPred[i] = best;
  }
  return yPred;
}

/** Share of exact matches, (1/n) Σ [ŷ_i = y_i] (scikit-learn `accuracy_score`). */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  requireSameLength(yTrue, yPred);
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

/**
 * K × K counts, rows = true class, columns = predicted class
 * (scikit-learn `confusion_matrix(y_true, y_pred, labels=range(K))`).
 */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, K: number): number[][] {
  requireSameLength(yTrue, yPred);
  requireLabels(yTrue, K, 'yTrue');
  requireLabels(yPred, K, 'yPred');
  const counts = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < yTrue.length; i++) counts[yTrue[i]!]![yPred[i]!]!++;
  return counts;
}

/** Per-class and macro precision, recall and F1. */
export interface PrecisionRecallF1 {
  readonly precision: number[];
  readonly recall: number[];
  readonly f1: number[];
  readonly precisionMacro: number;
  readonly recallMacro: number;
  readonly f1Macro: number;
}

/**
 * Macro precision / recall / F1 over all K classes with `zero_division = 0`, as scikit-learn 1.2
 * `precision_recall_fscore_support(labels=range(K), average="macro", zero_division=0)`:
 * P_k = tp/(tp+fp) or 0, R_k = tp/(tp+fn) or 0, F_k = 2·P_k·R_k/(P_k+R_k) or 0; macro = plain mean.
 */
export function precisionRecallF1(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  K: number,
): PrecisionRecallF1 {
  return precisionRecallF1FromConfusion(confusionMatrix(yTrue, yPred, K));
}

function precisionRecallF1FromConfusion(matrix: readonly (readonly number[])[]): PrecisionRecallF1 {
  const K = matrix.length;
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  for (let k = 0; k < K; k++) {
    const tp = matrix[k]![k]!;
    let predicted = 0;
    for (let j = 0; j < K; j++) predicted += matrix[j]![k]!;
    const actual = sumOf(matrix[k]!);
    const p = predicted === 0 ? 0 : tp / predicted;
    const r = actual === 0 ? 0 : tp / actual;
    const denominator = p + r === 0 ? 1 : p + r; // scikit-learn: denom[denom == 0] = 1
    precision.push(p);
    recall.push(r);
    f1.push((2 * p * r) / denominator);
  }
  return {
    precision,
    recall,
    f1,
    precisionMacro: sumOf(precision) / K,
    recallMacro: sumOf(recall) / K,
    f1Macro: sumOf(f1) / K,
  };
}

/** Per-class and macro one-vs-rest ROC AUC. */
export interface RocAucOvr {
  /** AUC of class k's probability for "y = k" against "y ≠ k"; null when undefined for that class. */
  readonly perClass: (number | null)[];
  /** Mean over the classes with an AUC; null when there is none. */
  readonly macro: number | null;
}

/**
 * One-vs-rest macro ROC AUC. For each class k: the area under the ROC curve of the scores
 * `proba[:, k]` for the binary labels `y = k`, by the trapezoidal rule over the curve's points at
 * each distinct score (tied scores form one point, so ties count ½) — the area scikit-learn 1.2
 * `roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=range(K))` computes
 * with `roc_curve` + `auc`.
 *
 * Difference from scikit-learn (DOMAIN §5): a class with no positives or no negatives has no AUC;
 * scikit-learn raises `ValueError` for the whole call, we leave that class out of the macro mean
 * (its `perClass` entry is null). When every class is defined the two agree. Unlike scikit-learn we
 * do not require rows to sum to 1 (the ranking within a column does not need it).
 */
export function rocAucOvr(yTrue: ArrayLike<number>, proba: ProbabilityMatrix): RocAucOvr {
  validateInputs(yTrue, proba);
  return rocAucOvrUnchecked(yTrue, proba);
}

function rocAucOvrUnchecked(yTrue: ArrayLike<number>, proba: ProbabilityMatrix): RocAucOvr {
  const { samples: n, classes: K, values } = proba;
  const support = new Int32Array(K);
  for (let i = 0; i < n; i++) support[yTrue[i]!]!++;
  const perClass: (number | null)[] = [];
  for (let k = 0; k < K; k++) {
    // A table forecaster (the chain, persistence, climatology on one fold) has a few distinct
    // scores: count positives and negatives per score instead of sorting n of them.
    const counted = rocAucOfFewScores(yTrue, values, K, k, support[k]!, n - support[k]!);
    if (counted !== undefined) {
      perClass.push(counted);
      continue;
    }
    const positives = new Float64Array(support[k]!);
    const negatives = new Float64Array(n - support[k]!);
    let p = 0;
    let q = 0;
    for (let i = 0; i < n; i++) {
      if (yTrue[i] === k) positives[p++] = values[i * K + k]!;
      else negatives[q++] = values[i * K + k]!;
    }
    perClass.push(rocAucOfSorted(positives.sort(), negatives.sort()));
  }
  const defined = perClass.filter((auc): auc is number => auc !== null);
  return { perClass, macro: defined.length === 0 ? null : sumOf(defined) / defined.length };
}

/**
 * Binary ROC AUC of `scores` for labels `positive` (1 = positive, 0 = negative): trapezoidal area
 * under the ROC curve with tied scores grouped into one point (scikit-learn `roc_auc_score` for a
 * binary target). Returns null when there are no positives or no negatives (scikit-learn raises).
 */
export function binaryRocAuc(positive: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  requireSameLength(positive, scores);
  requireFinite(scores, 'scores');
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < positive.length; i++) {
    if (positive[i] === 1) positives.push(scores[i]!);
    else if (positive[i] === 0) negatives.push(scores[i]!);
    else throw new EvaluationInputError(`positive[${i}] = ${positive[i]} is not 0 or 1`);
  }
  return rocAucOfSorted(Float64Array.from(positives).sort(), Float64Array.from(negatives).sort());
}

/** Distinct scores above this: {@link rocAucOfFewScores} gives up and the scores are sorted. */
const FEW_SCORES = 256;

/**
 * ROC AUC of column k when it holds at most {@link FEW_SCORES} distinct values (else undefined):
 * the same walk as {@link rocAucOfSorted} over the distinct scores from the highest down, with each
 * score's positives and negatives counted instead of sorted — the same area, tie for tie.
 */
function rocAucOfFewScores(
  yTrue: ArrayLike<number>,
  values: ArrayLike<number>,
  K: number,
  k: number,
  nPositive: number,
  nNegative: number,
): number | null | undefined {
  const index = new Map<number, number>();
  const positives: number[] = [];
  const negatives: number[] = [];
  const n = yTrue.length;
  for (let i = 0; i < n; i++) {
    const score = values[i * K + k]!;
    let slot = index.get(score);
    if (slot === undefined) {
      if (index.size === FEW_SCORES) return undefined;
      slot = index.size;
      index.set(score, slot);
      positives.push(0);
      negatives.push(0);
    }
    if (yTrue[i] === k) positives[slot]!++;
    else negatives[slot]!++;
  }
  if (nPositive === 0 || nNegative === 0) return null;
  const scores = Float64Array.from(index.keys()).sort();
  let tp = 0;
  let fp = 0;
  let twiceArea = 0;
  for (let j = scores.length - 1; j >= 0; j--) {
    const slot = index.get(scores[j]!)!;
    const tpBefore = tp;
    const fpBefore = fp;
    tp += positives[slot]!;
    fp += negatives[slot]!;
    twiceArea += (fp - fpBefore) * (tp + tpBefore);
  }
  return twiceArea / (2 * nPositive * nNegative);
}

/**
 * ROC AUC from the ascending-sorted scores of the positives and of the negatives. Walks the
 * distinct scores from the highest down (the ROC curve's thresholds); at each one, all samples with
 * that score move the curve from (fp₀, tp₀) to (fp, tp) in one step, and the trapezoid under that
 * step is added. Counts are integers, so twice the area in count units is exact; it is scaled to the
 * unit square once at the end.
 */
function rocAucOfSorted(positives: Float64Array, negatives: Float64Array): number | null {
  const nPositive = positives.length;
  const nNegative = negatives.length;
  if (nPositive === 0 || nNegative === 0) return null;
  let i = nPositive - 1;
  let j = nNegative - 1;
  let tp = 0;
  let fp = 0;
  let twiceArea = 0;
  while (i >= 0 || j >= 0) {
    const threshold = Math.max(i >= 0 ? positives[i]! : -Infinity, j >= 0 ? negatives[j]! : -Infinity);
    const tpBefore = tp;
    const fpBefore = fp;
    while (i >= 0 && positives[i] === threshold) {
      tp++;
      i--;
    }
    while (j >= 0 && negatives[j] === threshold) {
      fp++;
      j--;
    }
    twiceArea += (fp - fpBefore) * (tp + tpBefore);
  }
  return twiceArea / (2 * nPositive * nNegative);
}

/**
 * Mean negative log-likelihood of the true class, as scikit-learn 1.2
 * `log_loss(y_true, proba, eps=epsilon, labels=range(K))`: first clip every probability to
 * [ε, 1 − ε], then renormalise each row by its (clipped) sum, then average −ln p̂_{i, y_i}.
 */
export function logLoss(
  yTrue: ArrayLike<number>,
  proba: ProbabilityMatrix,
  epsilon: number = LOG_LOSS_EPSILON,
): number {
  validateInputs(yTrue, proba);
  requireLogLossEpsilon(epsilon);
  return logLossUnchecked(yTrue, proba, epsilon);
}

/**
 * {@link logLoss} without the input checks, for callers that have already checked every label and
 * probability (the horizon backtest checks each forecast as it stores it): the same value, the
 * same summation order. Wrong input gives a wrong number instead of an error.
 */
export function logLossOfCheckedInputs(
  yTrue: ArrayLike<number>,
  proba: ProbabilityMatrix,
  epsilon: number = LOG_LOSS_EPSILON,
): number {
  requireLogLossEpsilon(epsilon);
  return logLossUnchecked(yTrue, proba, epsilon);
}

function logLossUnchecked(yTrue: ArrayLike<number>, proba: ProbabilityMatrix, epsilon: number): number {
  const { samples: n, classes: K, values } = proba;
  const upper = 1 - epsilon;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const offset = i * K;
    let rowSum = 0;
    for (let k = 0; k < K; k++) rowSum += clip(values[offset + k]!, epsilon, upper);
    const pTrue = clip(values[offset + yTrue[i]!]!, epsilon, upper) / rowSum;
    total -= Math.log(pTrue);
  }
  return total / n;
}

/** Multi-class Brier score: (1/n) Σ_i Σ_k (p_ik − [y_i = k])². Range [0, 2]. */
export function multiclassBrier(yTrue: ArrayLike<number>, proba: ProbabilityMatrix): number {
  validateInputs(yTrue, proba);
  return multiclassBrierUnchecked(yTrue, proba);
}

/** {@link multiclassBrier} without the input checks (see {@link logLossOfCheckedInputs}). */
export function multiclassBrierOfCheckedInputs(yTrue: ArrayLike<number>, proba: ProbabilityMatrix): number {
  return multiclassBrierUnchecked(yTrue, proba);
}

function multiclassBrierUnchecked(yTrue: ArrayLike<number>, proba: ProbabilityMatrix): number {
  const { samples: n, classes: K, values } = proba;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const offset = i * K;
    const y = yTrue[i]!;
    for (let k = 0; k < K; k++) {
      const diff = values[offset + k]! - (k === y ? 1 : 0);
      total += diff * diff;
    }
  }
  return total / n;
}

function requireLogLossEpsilon(epsilon: number): void {
  if (!(epsilon >= 0 && epsilon < 0.5)) {
    throw new EvaluationInputError(`log-loss epsilon must be in [0, 0.5), got ${epsilon}`);
  }
}

function clip(x: number, lower: number, upper: number): number {
  return Math.min(Math.max(x, lower), upper);
}

function sumOf(xs: readonly number[]): number {
  let total = 0;
  for (const x of xs) total += x;
  return total;
}

/**
 * Checks n ≥ 1 labels in [0, K), a matrix of matching shape with K ≥ 2 and finite probabilities
 * in [0, 1].
 */
export function validateInputs(yTrue: ArrayLike<number>, proba: ProbabilityMatrix): void {
  const { samples, classes, values } = proba;
  if (!Number.isInteger(classes) || classes < 2) {
    throw new EvaluationInputError(`need at least 2 classes, got ${classes}`);
  }
  if (values.length !== samples * classes) {
    throw new EvaluationInputError(
      `probability matrix holds ${values.length} values, expected ${samples}×${classes}`,
    );
  }
  if (yTrue.length !== samples) {
    throw new EvaluationInputError(`${yTrue.length} labels but ${samples} probability rows`);
  }
  if (samples === 0) throw new EvaluationInputError('no samples to evaluate');
  requireLabels(yTrue, classes, 'yTrue');
  for (let j = 0; j < values.length; j++) {
    const p = values[j]!;
    if (!(p >= 0 && p <= 1)) {
      const i = Math.floor(j / classes);
      throw new EvaluationInputError(
        `probability of class ${j % classes} in row ${i} is ${p}, not in [0, 1]`,
      );
    }
  }
}

function requireLabels(labels: ArrayLike<number>, K: number, name: string): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= K) {
      throw new EvaluationInputError(`${name}[${i}] = ${y} is not a class in [0, ${K})`);
    }
  }
}

function requireSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new EvaluationInputError(`length mismatch: ${a.length} vs ${b.length}`);
  if (a.length === 0) throw new EvaluationInputError('no samples to evaluate');
}

function requireFinite(xs: ArrayLike<number>, name: string): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) throw new EvaluationInputError(`${name}[${i}] = ${xs[i]} is not finite`);
  }
}
