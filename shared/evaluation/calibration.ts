/**
 * Reliability (calibration) table of one class's forecast probability — scikit-learn 1.2
 * `calibration_curve(y_true == k, proba[:, k], n_bins, strategy="uniform")` — and that class's
 * Brier score (`brier_score_loss`).
 */
import { EvaluationInputError } from './errors.ts';
import { type ProbabilityMatrix, validateInputs } from './metrics.ts';

/** One non-empty probability bin. */
export interface ReliabilityBin {
  /** Bin edges: the bin holds probabilities p with lower < p ≤ upper (the first bin also holds p = 0). */
  readonly lower: number;
  readonly upper: number;
  /** Forecasts whose probability falls in the bin. */
  readonly count: number;
  /** Mean forecast probability in the bin (`prob_pred`). */
  readonly meanPredicted: number;
  /** Share of those forecasts where the event happened (`prob_true`). */
  readonly observedFrequency: number;
}

export interface ReliabilityTable {
  /** Number of forecasts. */
  readonly n: number;
  /** Number of equal-width bins over [0, 1] (empty bins are omitted from `bins`). */
  readonly nBins: number;
  /** Non-empty bins in increasing probability order. */
  readonly bins: ReliabilityBin[];
  /** Binary Brier score (1/n) Σ (p_i − o_i)², o_i ∈ {0, 1} (scikit-learn `brier_score_loss`). */
  readonly brier: number;
}

/** {@link ReliabilityTable} for the forecasts of one class k (event: the true class is k). */
export interface ClassReliabilityTable extends ReliabilityTable {
  readonly classIndex: number;
}

/**
 * Reliability table of class `classIndex` (e.g. High = K − 1): outcome o_i = [y_i = k], forecast
 * p_i = proba[i, k]. See {@link binaryReliabilityTable}.
 * @param nBins number of equal-width bins. @default 10
 */
export function reliabilityTable(
  yTrue: ArrayLike<number>,
  proba: ProbabilityMatrix,
  classIndex: number,
  nBins = 10,
): ClassReliabilityTable {
  validateInputs(yTrue, proba);
  const K = proba.classes;
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= K) {
    throw new EvaluationInputError(`classIndex ${classIndex} is not in [0, ${K})`);
  }
  const outcomes = new Uint8Array(proba.samples);
  const predicted = new Float64Array(proba.samples);
  for (let i = 0; i < proba.samples; i++) {
    outcomes[i] = yTrue[i] === classIndex ? 1 : 0;
    predicted[i] = proba.values[i * K + classIndex]!;
  }
  return { classIndex, ...binaryReliabilityTable(outcomes, predicted, nBins) };
}

/**
 * Equal-width reliability table, exactly as scikit-learn 1.2
 * `calibration_curve(outcomes, predicted, n_bins=nBins, strategy="uniform")`: edges
 * `numpy.linspace(0, 1, nBins + 1)` (edge i = i·(1/nBins), last edge 1); a probability goes to the
 * bin `searchsorted(inner_edges, p, side="left")`, i.e. bins are right-closed (e_i, e_{i+1}] with
 * p = 0 in the first; empty bins are dropped. Also returns the Brier score of the forecasts.
 * @param outcomes 0/1 event indicators. @param predicted probabilities in [0, 1].
 */
export function binaryReliabilityTable(
  outcomes: ArrayLike<number>,
  predicted: ArrayLike<number>,
  nBins = 10,
): ReliabilityTable {
  validateBinaryInputs(outcomes, predicted);
  return binaryReliabilityTableOfCheckedInputs(outcomes, predicted, nBins);
}

/**
 * {@link binaryReliabilityTable} without the per-forecast checks, for callers that have checked
 * every outcome (0/1) and probability already: the same table, the same summation order.
 */
export function binaryReliabilityTableOfCheckedInputs(
  outcomes: ArrayLike<number>,
  predicted: ArrayLike<number>,
  nBins = 10,
): ReliabilityTable {
  if (!Number.isInteger(nBins) || nBins < 1) throw new EvaluationInputError(`nBins must be an integer >= 1`);
  if (predicted.length === 0) throw new EvaluationInputError('no forecasts to calibrate');
  const edges = uniformEdges(nBins);
  const counts = new Float64Array(nBins);
  const predictedSums = new Float64Array(nBins);
  const eventSums = new Float64Array(nBins);
  let squaredError = 0;
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    const o = outcomes[i]!;
    const bin = binOf(p, edges);
    counts[bin]!++;
    predictedSums[bin]! += p;
    eventSums[bin]! += o;
    squaredError += (o - p) * (o - p);
  }
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const count = counts[b]!;
    if (count === 0) continue;
    bins.push({
      lower: edges[b]!,
      upper: edges[b + 1]!,
      count,
      meanPredicted: predictedSums[b]! / count,
      observedFrequency: eventSums[b]! / count,
    });
  }
  return { n: predicted.length, nBins, bins, brier: squaredError / predicted.length };
}

/**
 * The reliability table of every class at once, each equal to
 * `reliabilityTable(yTrue, proba, c, nBins)` (the same bins and sums, accumulated in the same
 * order), in one pass over the forecasts and without the input checks: for callers that have
 * checked every label (0 … K − 1) and probability already.
 */
export function classReliabilityTablesOfCheckedInputs(
  yTrue: ArrayLike<number>,
  proba: ProbabilityMatrix,
  nBins = 10,
): ClassReliabilityTable[] {
  if (!Number.isInteger(nBins) || nBins < 1) throw new EvaluationInputError(`nBins must be an integer >= 1`);
  const { samples: n, classes: K, values } = proba;
  if (n === 0) throw new EvaluationInputError('no forecasts to calibrate');
  const edges = uniformEdges(nBins);
  // [c · nBins + bin]: class c's sums.
  const counts = new Float64Array(K * nBins);
  const predictedSums = new Float64Array(K * nBins);
  const eventSums = new Float64Array(K * nBins);
  const squaredError = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const y = yTrue[i]!;
    const offset = i * K;
    for (let c = 0; c < K; c++) {
      const p = values[offset + c]!;
      const o = y === c ? 1 : 0;
      const slot = c * nBins + binOf(p, edges);
      counts[slot]!++;
      predictedSums[slot]! += p;
      eventSums[slot]! += o;
      squaredError[c]! += (o - p) * (o - p);
    }
  }
  return Array.from({ length: K }, (_, c) => {
    const bins: ReliabilityBin[] = [];
    for (let b = 0; b < nBins; b++) {
      const count = counts[c * nBins + b]!;
      if (count === 0) continue;
      bins.push({
        lower: edges[b]!,
        upper: edges[b + 1]!,
        count,
        meanPredicted: predictedSums[c * nBins + b]! / count,
        observedFrequency: eventSums[c * nBins + b]! / count,
      });
    }
    return { classIndex: c, n, nBins, bins, brier: squaredError[c]! / n };
  });
}

/** `numpy.linspace(0, 1, nBins + 1)`: i · (1 / nBins), with the last edge exactly 1. */
function uniformEdges(nBins: number): Float64Array {
  const step = 1 / nBins;
  const edges = new Float64Array(nBins + 1);
  for (let i = 0; i < nBins; i++) edges[i] = i * step;
  edges[nBins] = 1;
  return edges;
}

/** Number of inner edges e_1 … e_{nBins−1} strictly below p (numpy `searchsorted`, side="left"). */
function binOf(p: number, edges: Float64Array): number {
  const last = edges.length - 2;
  let bin = Math.min(last, Math.max(0, Math.ceil(p * (edges.length - 1)) - 1));
  while (bin > 0 && !(edges[bin]! < p)) bin--;
  while (bin < last && edges[bin + 1]! < p) bin++;
  return bin;
}

function validateBinaryInputs(outcomes: ArrayLike<number>, predicted: ArrayLike<number>): void {
  if (outcomes.length !== predicted.length) {
    throw new EvaluationInputError(`${outcomes.length} outcomes but ${predicted.length} forecasts`);
  }
  if (predicted.length === 0) throw new EvaluationInputError('no forecasts to calibrate');
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    if (!(p >= 0 && p <= 1)) throw new EvaluationInputError(`forecast ${i} is ${p}, not in [0, 1]`);
    if (outcomes[i] !== 0 && outcomes[i] !== 1) {
      throw new EvaluationInputError(`outcome ${i} is ${outcomes[i]}, not 0 or 1`);
    }
  }
}
