/**
 * Reference forecasters every model is compared with (DOMAIN §5), as {@link FitFunction}s so the
 * walk-forward evaluation runs them exactly like the model.
 */
import { EvaluationInputError } from './errors.ts';
import type { FitFunction, Predictor, TransitionPairs } from './types.ts';

/**
 * Persistence: "tomorrow's state is today's". The current state gets probability 1 − (K−1)·ε and
 * every other state ε (a small ε keeps the log loss finite). Ignores the training pairs.
 * @param epsilon probability of each other state; `0 ≤ ε < 1/K` so the current state stays the argmax.
 *   @default 1e-6
 */
export function persistenceFit(epsilon = 1e-6): FitFunction {
  return (_train, numStates) => {
    requireNumStates(numStates);
    if (!(epsilon >= 0 && epsilon < 1 / numStates)) {
      throw new EvaluationInputError(`persistence epsilon must be in [0, 1/${numStates}), got ${epsilon}`);
    }
    const rows = new Float64Array(numStates * numStates).fill(epsilon);
    for (let i = 0; i < numStates; i++) rows[i * numStates + i] = 1 - (numStates - 1) * epsilon;
    return rowPredictor(rows, numStates);
  };
}

/**
 * Climatology: the unconditional next-state frequencies of the training pairs,
 * p_k = #{pairs with s_{t+1} = k} / #pairs (unsmoothed — a state never seen gets 0). The
 * forecast ignores the current state.
 * @throws EvaluationInputError when there are no training pairs.
 */
export function climatologyFit(): FitFunction {
  return (train, numStates) => {
    requireNumStates(numStates);
    const n = train.to.length;
    if (n === 0) throw new EvaluationInputError('climatology needs at least one training pair');
    const counts = new Float64Array(numStates);
    for (let i = 0; i < n; i++) counts[stateAt(train.to, i, numStates)]!++;
    const frequencies = counts.map((count) => count / n);
    return () => frequencies;
  };
}

/** A predictor that returns row `state` of a row-major K × K matrix. */
export function rowPredictor(rows: Float64Array, numStates: number): Predictor {
  return (state) => {
    if (!Number.isInteger(state) || state < 0 || state >= numStates) {
      throw new EvaluationInputError(`state ${state} is not in [0, ${numStates})`);
    }
    return rows.subarray(state * numStates, (state + 1) * numStates);
  };
}

/** Reads state i of a pair column, checking it lies in [0, K). */
export function stateAt(column: TransitionPairs['from'], i: number, numStates: number): number {
  const state = column[i]!;
  if (state < 0 || state >= numStates) {
    throw new EvaluationInputError(`training pair ${i} has state ${state}, not in [0, ${numStates})`);
  }
  return state;
}

export function requireNumStates(numStates: number): void {
  if (!Number.isInteger(numStates) || numStates < 2) {
    throw new EvaluationInputError(`numStates must be an integer >= 2, got ${numStates}`);
  }
}
