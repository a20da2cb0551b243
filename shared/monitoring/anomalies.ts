/**
 * Point anomalies of DOMAIN.md §6: extreme log returns (z-scores against the reference) and
 * unusual regime transitions (low model probability). Thresholds are parameters.
 */

/** An input an anomaly rule cannot be applied to. */
export class AnomalyInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AnomalyInputError';
  }
}

/** Mean and sample standard deviation (ddof = 1) of a reference sample. */
export interface ReferenceMoments {
  readonly mean: number;
  readonly sd: number;
}

/**
 * Mean and sample standard deviation (ddof = 1, numpy `np.std(x, ddof=1)`), two-pass for
 * stability.
 *
 * @throws AnomalyInputError with fewer than two values or a non-finite value.
 */
export function referenceMoments(reference: ArrayLike<number>): ReferenceMoments {
  const n = reference.length;
  if (n < 2) throw new AnomalyInputError(`the reference needs at least two values, got ${n}`);
  let total = 0;
  for (let k = 0; k < n; k++) {
    const v = reference[k]!;
    if (!Number.isFinite(v)) throw new AnomalyInputError(`reference[${k}] is not a finite number`);
    total += v;
  }
  const mean = total / n;
  let squares = 0;
  for (let k = 0; k < n; k++) {
    const deviation = reference[k]! - mean;
    squares += deviation * deviation;
  }
  return { mean, sd: Math.sqrt(squares / (n - 1)) };
}

/** Values whose |z| exceeds the threshold, in input order. */
export interface ZScoreAnomalies {
  /** Positions in the input. */
  readonly indices: number[];
  readonly values: number[];
  /** z = (value − refMean) / refSd of each flagged value. */
  readonly zScores: number[];
}

/**
 * Flags values with |z| > threshold (strict), z = (x − refMean) / refSd, the reference mean and
 * sample sd of the feature (see {@link referenceMoments}). Default threshold 3 (DOMAIN.md §6).
 * Non-finite values are never flagged.
 *
 * @throws AnomalyInputError if refMean is not finite, refSd is not finite and > 0, or the
 *   threshold is not finite and ≥ 0.
 */
export function zScoreAnomalies(
  values: ArrayLike<number>,
  refMean: number,
  refSd: number,
  threshold = 3,
): ZScoreAnomalies {
  if (!Number.isFinite(refMean)) throw new AnomalyInputError(`refMean must be finite, got ${refMean}`);
  if (!(Number.isFinite(refSd) && refSd > 0))
    throw new AnomalyInputError(`refSd must be finite and > 0, got ${refSd}`);
  if (!(Number.isFinite(threshold) && threshold >= 0)) {
    throw new AnomalyInputError(`threshold must be finite and ≥ 0, got ${threshold}`);
  }
  const result: ZScoreAnomalies = { indices: [], values: [], zScores: [] };
  for (let k = 0; k < values.length; k++) {
    const value = values[k]!;
    const z = (value - refMean) / refSd;
    if (Math.abs(z) > threshold) {
      result.indices.push(k);
      result.values.push(value);
      result.zScores.push(z);
    }
  }
  return result;
}

/** Transitions s_t → s_{t+1} the model finds unlikely, in time order. */
export interface UnusualTransitions {
  /** t of each flagged pair (s_t, s_{t+1}). */
  readonly indices: number[];
  readonly from: number[];
  readonly to: number[];
  /** P[from][to] of each flagged pair. */
  readonly probabilities: number[];
}

/**
 * Flags consecutive pairs (s_t, s_{t+1}) of one symbol's state sequence whose model probability
 * P[s_t][s_{t+1}] is below `threshold` (strict; config `anomalies.unusualTransitionProbability`, DOMAIN §6). Pass one symbol's
 * sequence at a time: pairs must not span two symbols.
 *
 * @throws AnomalyInputError if P is not square, a state is not an integer in 0 … K − 1, or the
 *   threshold is not in [0, 1].
 */
export function unusualTransitions(
  states: ArrayLike<number>,
  modelP: ReadonlyArray<ArrayLike<number>>,
  threshold: number,
): UnusualTransitions {
  const k = modelP.length;
  for (let i = 0; i < k; i++) {
    if (modelP[i]!.length !== k)
      throw new AnomalyInputError(`modelP row ${i} has ${modelP[i]!.length} entries, not ${k}`);
  }
  if (!(threshold >= 0 && threshold <= 1))
    throw new AnomalyInputError(`threshold must be in [0, 1], got ${threshold}`);
  for (let t = 0; t < states.length; t++) {
    const s = states[t]!;
    if (!(Number.isInteger(s) && s >= 0 && s < k)) {
      throw new AnomalyInputError(`states[${t}] = ${s} is not a state of a ${k}-state model`);
    }
  }
  const result: UnusualTransitions = { indices: [], from: [], to: [], probabilities: [] };
  for (let t = 0; t + 1 < states.length; t++) {
    const from = states[t]!;
    const to = states[t + 1]!;
    const probability = modelP[from]![to]!;
    if (probability < threshold) {
      result.indices.push(t);
      result.from.push(from);
      result.to.push(to);
      result.probabilities.push(probability);
    }
  }
  return result;
}
