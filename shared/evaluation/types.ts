/** Shared types of the evaluation module: transition pairs, predictors and fit functions. */

/** Transitions s_t → s_{t+1} as two parallel columns of state numbers (0 … K−1). */
export interface TransitionPairs {
  /** Current state s_t of each pair. */
  readonly from: Int32Array;
  /** Next state s_{t+1} of each pair (the label to predict). */
  readonly to: Int32Array;
}

/**
 * A fitted one-step-ahead forecaster: the probability vector (length K, non-negative, summing to 1)
 * of the next state given the current state. It must be a pure function of the state — the
 * evaluation calls it once per state and reuses the answer for every test pair in that state.
 */
export type Predictor = (state: number) => ArrayLike<number>;

/**
 * Fits a predictor on training pairs (a view of the earlier pairs of a walk-forward fold; do not
 * keep a reference to it). `numStates` is K; states are `0 … K−1`.
 */
export type FitFunction = (train: TransitionPairs, numStates: number) => Predictor;
