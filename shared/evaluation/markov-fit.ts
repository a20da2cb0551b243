/**
 * A minimal first-order Markov forecaster for evaluation (DOMAIN §4 estimator): transition counts
 * over the training pairs with additive smoothing. The full Markov analytics live elsewhere; this
 * is only the fit the walk-forward evaluation needs.
 */
import { requireNumStates, rowPredictor, stateAt } from './baselines.ts';
import { EvaluationInputError } from './errors.ts';
import type { FitFunction } from './types.ts';

/**
 * Fits P_ij = (C_ij + α) / (Σ_k C_ik + K·α), C_ij = number of training pairs i → j
 * (R `markovchain::markovchainFit(method = "laplace", laplacian = α)`; α = 0 is the MLE). The
 * predictor for state i returns row i of P.
 *
 * Zero-row policy: with α = 0 a state never seen as s_t in training has no estimate; its row is
 * uniform (1/K) — no information, so no preference.
 * @param alpha additive smoothing α ≥ 0. @default 1 (Laplace)
 */
export function markovFit(alpha = 1): FitFunction {
  if (!(alpha >= 0 && Number.isFinite(alpha))) {
    throw new EvaluationInputError(`Markov smoothing alpha must be finite and >= 0, got ${alpha}`);
  }
  return (train, K) => {
    requireNumStates(K);
    const counts = new Float64Array(K * K);
    for (let t = 0; t < train.from.length; t++) {
      counts[stateAt(train.from, t, K) * K + stateAt(train.to, t, K)]!++;
    }
    const P = new Float64Array(K * K);
    for (let i = 0; i < K; i++) {
      let rowTotal = 0;
      for (let j = 0; j < K; j++) rowTotal += counts[i * K + j]!;
      const denominator = rowTotal + K * alpha;
      for (let j = 0; j < K; j++) {
        P[i * K + j] = denominator === 0 ? 1 / K : (counts[i * K + j]! + alpha) / denominator;
      }
    }
    return rowPredictor(P, K);
  };
}
