/**
 * Markov-chain regime model analytics (DOMAIN §4).
 *
 * States are integers 0..K−1 (K = 3 by default: Low, Medium, High; everything here works for
 * any K ≥ 2). Sequences come one per symbol; transition pairs never span two sequences and
 * several symbols are pooled by summing counts.
 *
 * Reference libraries: R `markovchain` 0.9.1 (`markovchainFit`, `steadyStates`,
 * `meanFirstPassageTime`, `meanRecurrenceTime`, `meanAbsorptionTime`), numpy
 * (`matrix_power`, `eigvals`) and scipy (`beta.ppf`); the fixtures under
 * test/fixtures/model/ hold their results on the same input.
 *
 * Zero-row policy. With α = 0 (plain MLE), a state that was never left — it never occurs, or
 * only as the last element of its sequences — has an empty count row and no MLE. Such a row is
 * filled by {@link ZeroRowPolicy}: `'absorbing'` (default: the identity row, the state is
 * treated as absorbing) or `'uniform'` (1/K everywhere, what R `markovchainFit(sanitize =
 * TRUE)` does). Either way the state is listed in `zeroRows` and named in `warnings`; no
 * result ever contains NaN. Quantities that do not exist for the fitted chain are reported
 * as `Infinity` (e.g. the expected time to reach a state that may never be reached).
 *
 * Reducible chains (possible only with α = 0). The stationary distribution is unique when
 * the chain has exactly one closed communicating class; it is computed by GTH on that class
 * (zero on transient states). With several closed classes, each class's own stationary
 * distribution is weighted by the class's share of the observed transitions (or equally,
 * when no weights are given) and a warning says π is not unique.
 */

import {
  type Complex,
  eigenvalues,
  type Matrix,
  type MatrixLike,
  matrixPower,
  modulus,
  multiply,
  SingularMatrixError,
  solve,
  squareSize,
} from '#shared/model/linalg';
import { firstOrderTest, homogeneityTest, type LikelihoodRatioTest } from '#shared/model/markov-tests';
import { betaPpf } from '#shared/stats/distributions';
import { createRandom, sampleDirichletInto } from '#shared/stats/random';

/** Input to a Markov-chain function is malformed (wrong shape, state out of range, negative count …). */
export class MarkovInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MarkovInputError';
  }
}

/** How an empty count row is filled when α = 0. See the module comment. */
export type ZeroRowPolicy = 'absorbing' | 'uniform';

// ---------------------------------------------------------------------------------------
// Counting and fitting
// ---------------------------------------------------------------------------------------

/**
 * Transition counts C_ij = number of consecutive pairs (i → j) within each sequence, summed
 * over sequences (pairs never span two sequences). Same counts as R
 * `markovchain::createSequenceMatrix` per sequence, summed.
 *
 * @param sequences one state sequence per symbol; states are integers in 0..K−1
 * @param k number of states K ≥ 2
 * @throws MarkovInputError on a state that is not an integer in 0..K−1
 */
export function transitionCounts(sequences: ReadonlyArray<ArrayLike<number>>, k: number): number[][] {
  assertSequences(sequences, k);
  const counts = new Float64Array(k * k);
  for (const sequence of sequences) {
    for (let t = 1; t < sequence.length; t++) counts[sequence[t - 1]! * k + sequence[t]!]! += 1;
  }
  return Array.from({ length: k }, (_, i) => Array.from(counts.subarray(i * k, (i + 1) * k)));
}

/** A fitted transition matrix with the bookkeeping of how it was obtained. */
export interface FittedTransitionMatrix {
  /** P, K×K, every row sums to 1. */
  matrix: number[][];
  /** Σ_k C_ik per state (observed departures). */
  rowTotals: number[];
  /** States whose row was filled by the zero-row policy (only with α = 0). */
  zeroRows: number[];
  /** Human-readable notes about the fit (one per zero row). */
  warnings: string[];
}

/**
 * Transition matrix with additive (Laplace) smoothing:
 * P_ij = (C_ij + α) / (Σ_k C_ik + K·α). α = 0 is the plain MLE.
 * (R `markovchainFit(method = "laplace", laplacian = α)`; α = 0: `method = "mle"`.)
 * A row with Σ_k C_ik + K·α = 0 is filled by `zeroRowPolicy` (see the module comment).
 *
 * @param counts K×K non-negative transition counts
 * @param alpha smoothing pseudo-count α ≥ 0 (DOMAIN default 1)
 * @param zeroRowPolicy fill for an empty row when α = 0 @default 'absorbing'
 */
export function fitTransitionMatrix(
  counts: MatrixLike,
  alpha: number,
  zeroRowPolicy: ZeroRowPolicy = 'absorbing',
): FittedTransitionMatrix {
  const k = assertCounts(counts);
  if (!(alpha >= 0) || !Number.isFinite(alpha)) {
    throw new MarkovInputError(`alpha must be finite and non-negative, got ${alpha}`);
  }
  const matrix: number[][] = [];
  const rowTotals: number[] = [];
  const zeroRows: number[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < k; i++) {
    const row = counts[i]!;
    const total = sumOf(row);
    rowTotals.push(total);
    const denominator = total + k * alpha;
    if (denominator === 0) {
      zeroRows.push(i);
      matrix.push(zeroRowFill(i, k, zeroRowPolicy));
      warnings.push(
        `state ${i} was never left (no observed transitions from it); its row is ` +
          (zeroRowPolicy === 'absorbing' ? 'the identity row (treated as absorbing)' : 'uniform (1/K)'),
      );
      continue;
    }
    matrix.push(Array.from({ length: k }, (_, j) => (row[j]! + alpha) / denominator));
  }
  return { matrix, rowTotals, zeroRows, warnings };
}

function zeroRowFill(i: number, k: number, policy: ZeroRowPolicy): number[] {
  if (policy === 'uniform') return new Array<number>(k).fill(1 / k);
  const row = new Array<number>(k).fill(0);
  row[i] = 1;
  return row;
}

// ---------------------------------------------------------------------------------------
// Forecast
// ---------------------------------------------------------------------------------------

/** An h-step forecast from one state. */
export interface Forecast {
  /** Row i of P^h: the distribution of the state h steps ahead. */
  distribution: number[];
  /** argmax of the distribution; ties go to the lower state. */
  regime: number;
  /** The probability of the predicted regime. */
  confidence: number;
}

/**
 * Forecast h steps ahead from state i: row i of P^h (P^h by repeated squaring, as
 * `numpy.linalg.matrix_power`), predicted regime = argmax with ties to the lower state,
 * confidence = that probability. h = 0 returns the current state with confidence 1.
 */
export function forecast(p: MatrixLike, from: number, horizon: number): Forecast {
  const k = assertStochastic(p);
  assertState(from, k, 'forecast origin');
  if (!Number.isInteger(horizon) || horizon < 0) {
    throw new MarkovInputError(`forecast horizon must be a non-negative integer, got ${horizon}`);
  }
  const distribution = matrixPower(p, horizon)[from]!;
  const regime = argmaxLowestTie(distribution);
  return { distribution, regime, confidence: distribution[regime]! };
}

/** Index of the largest value; ties go to the lowest index. */
export function argmaxLowestTie(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

// ---------------------------------------------------------------------------------------
// Structure: communicating classes
// ---------------------------------------------------------------------------------------

/** Closed communicating classes (recurrent) and transient states of a chain. */
export interface StateClassification {
  /** Each closed class as ascending state indices; classes ordered by their smallest state. */
  closedClasses: number[][];
  /** States in no closed class, ascending. */
  transientStates: number[];
}

/**
 * Communicating classes from the transition graph (edge i → j when P_ij > 0). A class is
 * closed when no edge leaves it. (R `markovchain::recurrentClasses` / `transientStates`.)
 */
export function classifyStates(p: MatrixLike): StateClassification {
  const k = squareSize(p);
  const reach = reachability(p);
  const assigned = new Array<boolean>(k).fill(false);
  const closedClasses: number[][] = [];
  const transient: number[] = [];
  for (let i = 0; i < k; i++) {
    if (assigned[i]) continue;
    const members: number[] = [];
    for (let j = 0; j < k; j++) if (reach[i]![j] && reach[j]![i]) members.push(j);
    for (const j of members) assigned[j] = true;
    const closed = members.every((m) => {
      for (let j = 0; j < k; j++) if (p[m]![j]! > 0 && !members.includes(j)) return false;
      return true;
    });
    if (closed) closedClasses.push(members);
    else transient.push(...members);
  }
  transient.sort((a, b) => a - b);
  return { closedClasses, transientStates: transient };
}

/** reach[i][j] = j can be reached from i in zero or more steps (so reach[i][i] is true). */
function reachability(p: MatrixLike): boolean[][] {
  const k = p.length;
  const reach: boolean[][] = [];
  for (let start = 0; start < k; start++) {
    const seen = new Array<boolean>(k).fill(false);
    seen[start] = true;
    const stack = [start];
    while (stack.length > 0) {
      const i = stack.pop()!;
      const row = p[i]!;
      for (let j = 0; j < k; j++) {
        if (row[j]! > 0 && !seen[j]) {
          seen[j] = true;
          stack.push(j);
        }
      }
    }
    reach.push(seen);
  }
  return reach;
}

// ---------------------------------------------------------------------------------------
// Stationary distribution, spectrum, sojourns
// ---------------------------------------------------------------------------------------

/**
 * Stationary distribution of an irreducible stochastic matrix by the
 * Grassmann–Taksar–Heyman (GTH) state-reduction algorithm: subtraction-free, hence accurate
 * even for nearly decomposable chains (PyDTMC / QuantEcon `gth_solve`).
 * @throws MarkovInputError when the matrix is not irreducible (a reduction step has no exit)
 */
export function gthSolve(p: MatrixLike): number[] {
  const n = squareSize(p);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = p[i]![j]!;
  for (let k = 0; k < n - 1; k++) {
    let scale = 0;
    for (let j = k + 1; j < n; j++) scale += a[k * n + j]!;
    if (!(scale > 0)) throw new MarkovInputError('GTH: the matrix is not irreducible');
    for (let i = k + 1; i < n; i++) a[i * n + k]! /= scale;
    for (let i = k + 1; i < n; i++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = k + 1; j < n; j++) a[i * n + j]! += aik * a[k * n + j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  x[n - 1] = 1;
  for (let k = n - 2; k >= 0; k--) {
    let sum = 0;
    for (let i = k + 1; i < n; i++) sum += x[i]! * a[i * n + k]!;
    x[k] = sum;
  }
  const total = x.reduce((s, v) => s + v, 0);
  return x.map((v) => v / total);
}

/**
 * Stationary distribution π (π P = π, Σ π = 1; R `steadyStates`), by GTH on each closed
 * class (transient states get 0). With one closed class π is unique. With several, the
 * classes' distributions are mixed with weights proportional to Σ_{i ∈ class} stateWeights[i]
 * (equal weights when `stateWeights` is omitted or sums to 0 over the closed classes).
 */
export function stationaryDistribution(p: MatrixLike, stateWeights?: ArrayLike<number>): number[] {
  const k = assertStochastic(p);
  const { closedClasses } = classifyStates(p);
  const classWeights = closedClasses.map((members) =>
    stateWeights === undefined ? 1 : members.reduce((s, i) => s + stateWeights[i]!, 0),
  );
  const weightTotal = classWeights.reduce((s, w) => s + w, 0);
  const pi = new Array<number>(k).fill(0);
  closedClasses.forEach((members, c) => {
    const weight = weightTotal > 0 ? classWeights[c]! / weightTotal : 1 / closedClasses.length;
    if (weight === 0) return;
    const sub = members.map((i) => members.map((j) => p[i]![j]!));
    const piClass = gthSolve(sub);
    members.forEach((state, idx) => {
      pi[state] = weight * piClass[idx]!;
    });
  });
  return pi;
}

/** Eigenvalues sorted by modulus (descending) and the spectral gap. */
export interface Spectrum {
  /** All eigenvalues of P, by descending modulus (ties: larger real part first). */
  eigenvalues: Complex[];
  /** |λ₂|: the second-largest modulus. */
  secondModulus: number;
  /** 1 − |λ₂|, clamped to [0, 1] (0 for a reducible or periodic chain). */
  gap: number;
}

/**
 * Spectral gap 1 − |λ₂| of a stochastic matrix, λ₂ the eigenvalue of second-largest modulus
 * (eigenvalues as `numpy.linalg.eigvals`).
 */
export function spectrum(p: MatrixLike): Spectrum {
  assertStochastic(p);
  const values = eigenvalues(p).sort((a, b) => modulus(b) - modulus(a) || b.re - a.re || b.im - a.im);
  const secondModulus = values.length > 1 ? modulus(values[1]!) : 0;
  const gap = Math.min(1, Math.max(0, 1 - secondModulus));
  return { eigenvalues: values, secondModulus, gap };
}

/** Expected sojourn (holding time) in each state, 1 / (1 − P_ii); Infinity when P_ii = 1. */
export function expectedSojourn(p: MatrixLike): number[] {
  const k = assertStochastic(p);
  return Array.from({ length: k }, (_, i) => {
    const stay = p[i]![i]!;
    return stay >= 1 ? Number.POSITIVE_INFINITY : 1 / (1 - stay);
  });
}

/**
 * Observed mean run length per state: (occurrences of the state) / (number of maximal runs of
 * it), runs taken within each sequence. A run cut by the end (or start) of a sequence counts as
 * a run of the observed length (censored). 0 for a state that never occurs.
 */
export function observedMeanRunLength(sequences: ReadonlyArray<ArrayLike<number>>, k: number): number[] {
  assertSequences(sequences, k);
  const occurrences = new Float64Array(k);
  const runs = new Float64Array(k);
  for (const sequence of sequences) {
    for (let t = 0; t < sequence.length; t++) {
      const state = sequence[t]!;
      occurrences[state]! += 1;
      if (t === 0 || sequence[t - 1] !== state) runs[state]! += 1;
    }
  }
  return Array.from({ length: k }, (_, i) => (runs[i]! > 0 ? occurrences[i]! / runs[i]! : 0));
}

// ---------------------------------------------------------------------------------------
// Passage times and the absorbing view
// ---------------------------------------------------------------------------------------

/**
 * Expected number of steps to reach `target` from each state (0 at the target):
 * h_i = 1 + Σ_{k ≠ target} P_ik h_k, solved by LU on the states from which the target is
 * reached with probability 1; Infinity for the others (they can enter a closed set without
 * the target). With the target made absorbing this is N·1, N = (I − Q)^{-1}
 * (R `meanAbsorptionTime`); for i ≠ target it is the mean first passage time m_{i,target}.
 *
 * The diagonal of I − Q is formed as Σ_{j ≠ i} P_ij rather than 1 − P_ii (no cancellation for
 * sticky states). If I − Q is singular to working precision — the target is entered only
 * through transition probabilities below ~1e-16, so the true answer exceeds ~1e16 steps —
 * those states are reported as Infinity.
 */
export function expectedStepsToReach(p: MatrixLike, target: number): number[] {
  const k = assertStochastic(p);
  assertState(target, k, 'target state');
  const solvable = statesHittingSurely(p, target);
  const steps = new Array<number>(k).fill(Number.POSITIVE_INFINITY);
  steps[target] = 0;
  if (solvable.length === 0) return steps;
  // (I − Q) h = 1 on the solvable states; their transitions stay in solvable ∪ {target}.
  const system = solvable.map((i) =>
    solvable.map((j) => (i === j ? leaveProbability(p[i]!, i) : -p[i]![j]!)),
  );
  let solution: number[];
  try {
    solution = solve(
      system,
      solvable.map(() => 1),
    );
  } catch (error) {
    if (error instanceof SingularMatrixError) return steps;
    throw error;
  }
  solvable.forEach((state, idx) => {
    steps[state] = solution[idx]!;
  });
  return steps;
}

/** 1 − P_ii computed as Σ_{j ≠ i} P_ij (subtraction-free). */
function leaveProbability(row: ArrayLike<number>, i: number): number {
  let sum = 0;
  for (let j = 0; j < row.length; j++) if (j !== i) sum += row[j]!;
  return sum;
}

/**
 * States (≠ target) from which the chain reaches `target` with probability 1: every state
 * reachable from them while avoiding the target can still reach the target.
 */
function statesHittingSurely(p: MatrixLike, target: number): number[] {
  const k = p.length;
  const avoiding = p.map((row, i) => (i === target ? new Array<number>(k).fill(0) : Array.from(row)));
  const reach = reachability(avoiding);
  const canReachTarget = Array.from({ length: k }, (_, i) => reach[i]![target]!);
  const result: number[] = [];
  for (let i = 0; i < k; i++) {
    if (i === target) continue;
    let sure = true;
    for (let j = 0; j < k && sure; j++) if (reach[i]![j] && !canReachTarget[j]) sure = false;
    if (sure) result.push(i);
  }
  return result;
}

/**
 * Mean first passage times m_ij (i ≠ j): m_ij = 1 + Σ_{k ≠ j} P_ik m_kj, one linear solve per
 * target j (R `meanFirstPassageTime`; like R, the diagonal is 0 — the mean recurrence times
 * are {@link meanRecurrenceTimes}). Infinity where j may never be reached from i.
 */
export function meanFirstPassageTimes(p: MatrixLike): number[][] {
  const k = assertStochastic(p);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let j = 0; j < k; j++) {
    const steps = expectedStepsToReach(p, j);
    for (let i = 0; i < k; i++) m[i]![j] = steps[i]!;
  }
  return m;
}

/**
 * Mean recurrence time of each state, m_ii = 1 + Σ_{k ≠ i} P_ik m_ki (first-step analysis);
 * for an irreducible chain this equals 1/π_i (R `meanRecurrenceTime`). Infinity for a
 * transient state.
 */
export function meanRecurrenceTimes(p: MatrixLike): number[] {
  const firstPassage = meanFirstPassageTimes(p);
  return firstPassage.map((_, i) => {
    let sum = 1;
    const row = p[i]!;
    for (let k = 0; k < row.length; k++) if (k !== i && row[k]! > 0) sum += row[k]! * firstPassage[k]![i]!;
    return sum;
  });
}

/** P with row `state` replaced by the unit vector e_state: the chain stopped on reaching `state`. */
export function absorbingChain(p: MatrixLike, state: number): Matrix {
  const k = assertStochastic(p);
  assertState(state, k, 'absorbing state');
  return p.map((row, i) =>
    i === state ? Array.from({ length: k }, (_, j) => (j === state ? 1 : 0)) : Array.from(row),
  );
}

/**
 * P(reach `state` within h steps | start i) for h = 1..maxHorizon: (A^h)[i, state] with A the
 * absorbing chain ("within" = at or before step h; 1 from the absorbing state itself).
 * Computed as v_h = A v_{h−1}, v_0 = e_state — exactly the column `state` of A^h.
 * @returns reach[i][h − 1]
 */
export function reachProbabilities(p: MatrixLike, state: number, maxHorizon: number): number[][] {
  const a = absorbingChain(p, state);
  if (!Number.isInteger(maxHorizon) || maxHorizon < 0) {
    throw new MarkovInputError(`horizon must be a non-negative integer, got ${maxHorizon}`);
  }
  const k = a.length;
  const reach = Array.from({ length: k }, () => new Array<number>(maxHorizon));
  let previous = new Float64Array(k);
  previous[state] = 1;
  let next = new Float64Array(k);
  for (let h = 1; h <= maxHorizon; h++) {
    for (let i = 0; i < k; i++) {
      const row = a[i]!;
      let sum = 0;
      for (let j = 0; j < k; j++) sum += row[j]! * previous[j]!;
      next[i] = Math.min(1, sum);
      reach[i]![h - 1] = next[i]!;
    }
    [previous, next] = [next, previous];
  }
  return reach;
}

// ---------------------------------------------------------------------------------------
// Entropy and mixing
// ---------------------------------------------------------------------------------------

/** Entropy rate H = −Σ_i π_i Σ_j P_ij ln P_ij in nats (0 ln 0 = 0). */
export function entropyRate(p: MatrixLike, pi: ArrayLike<number>): number {
  const k = assertStochastic(p);
  let h = 0;
  for (let i = 0; i < k; i++) {
    const row = p[i]!;
    for (let j = 0; j < k; j++) {
      const pij = row[j]!;
      if (pij > 0) h -= pi[i]! * pij * Math.log(pij);
    }
  }
  return h;
}

/**
 * Total-variation distance ½ Σ_j |a_j − b_j|.
 */
export function totalVariation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += Math.abs(a[j]! - b[j]!);
  return sum / 2;
}

/**
 * Mixing time t_mix(ε) = smallest t ≥ 0 with max_i TV(P^t[i, ·], π) ≤ ε (Levin–Peres–Wilmer
 * §4.5). Infinity when not reached within `maxSteps` (periodic or reducible chains).
 *
 * @param epsilon TV threshold @default 0.25
 * @param maxSteps search limit @default 10000
 */
export function mixingTime(p: MatrixLike, pi: ArrayLike<number>, epsilon = 0.25, maxSteps = 10_000): number {
  const k = assertStochastic(p);
  if (!(epsilon > 0 && epsilon < 1))
    throw new MarkovInputError(`mixing epsilon must be in (0, 1), got ${epsilon}`);
  let power: MatrixLike = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let t = 0; t <= maxSteps; t++) {
    let worst = 0;
    for (let i = 0; i < k; i++) worst = Math.max(worst, totalVariation(power[i]!, pi));
    if (worst <= epsilon) return t;
    power = multiply(power, p);
  }
  return Number.POSITIVE_INFINITY;
}

// ---------------------------------------------------------------------------------------
// Uncertainty: Beta credible intervals and Dirichlet posterior sampling
// ---------------------------------------------------------------------------------------

/** Element-wise interval bounds. */
export interface MatrixInterval {
  lower: number[][];
  upper: number[][];
}

/**
 * Equal-tailed credible interval of each P_ij from its marginal posterior
 * Beta(α + C_ij, Σ_k(α + C_ik) − (α + C_ij)), quantiles (1 − mass)/2 and (1 + mass)/2
 * (scipy `beta.ppf`). Degenerate cases (only with α = 0): a = 0 gives [0, 0], b = 0 gives
 * [1, 1], an empty row gives [0, 1] (no information).
 *
 * @param mass interval probability @default 0.95
 */
export function credibleIntervals(counts: MatrixLike, alpha: number, mass = 0.95): MatrixInterval {
  const k = assertCounts(counts);
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new MarkovInputError(`alpha must be ≥ 0, got ${alpha}`);
  assertMass(mass);
  const lowerQ = (1 - mass) / 2;
  const upperQ = (1 + mass) / 2;
  const lower: number[][] = [];
  const upper: number[][] = [];
  for (let i = 0; i < k; i++) {
    const row = counts[i]!;
    const total = sumOf(row) + k * alpha;
    const lowRow: number[] = [];
    const highRow: number[] = [];
    for (let j = 0; j < k; j++) {
      const a = row[j]! + alpha;
      const b = total - a;
      if (a === 0 && b === 0) {
        lowRow.push(0);
        highRow.push(1);
      } else if (a === 0) {
        lowRow.push(0);
        highRow.push(0);
      } else if (b === 0) {
        lowRow.push(1);
        highRow.push(1);
      } else {
        lowRow.push(betaPpf(lowerQ, a, b));
        highRow.push(betaPpf(upperQ, a, b));
      }
    }
    lower.push(lowRow);
    upper.push(highRow);
  }
  return { lower, upper };
}

/** Options of {@link posteriorSummary}. */
export interface PosteriorOptions {
  /** Prior pseudo-count per cell (the same α as the point estimate). @default 1 */
  alpha?: number;
  /** Number of posterior draws. @default 2000 */
  samples?: number;
  /** PRNG seed; the same seed gives exactly the same result. @default 0 */
  seed?: number;
  /** Interval probability. @default 0.95 */
  mass?: number;
  /** The absorbing ("High") state. @default K − 1 */
  absorbingState?: number;
  /** Horizons h for P(reach absorbing within h). @default [1, 5, 21] */
  horizons?: readonly number[];
  /**
   * Prior pseudo-count per cell used only for a row whose α + C_i· is all zero (α = 0 and the
   * state never left): Dirichlet(z, …, z). @default 1/K (one pseudo-observation spread evenly)
   */
  zeroRowPrior?: number;
}

/** Equal-tailed percentile interval of a vector quantity (one entry per state). */
export interface VectorInterval {
  lower: number[];
  upper: number[];
}

/** Posterior intervals of derived quantities (Monte Carlo over Dirichlet rows). */
export interface PosteriorSummary {
  samples: number;
  seed: number;
  mass: number;
  absorbingState: number;
  /** Interval of π_i per state. */
  stationary: VectorInterval;
  /** The horizons of `reachWithin`. */
  horizons: number[];
  /** Interval of P(reach absorbing within horizons[h] | start i): lower[i][h], upper[i][h]. */
  reachWithin: MatrixInterval;
  /** Interval of the expected steps to the absorbing state per start state (may be Infinity). */
  expectedSteps: VectorInterval;
}

/**
 * Posterior uncertainty of derived quantities. Each row of P is drawn independently from
 * Dirichlet(α + C_i·) (the conjugate posterior under a Dirichlet(α) prior; cells with
 * α + C_ij = 0 stay exactly 0; a row that is all zero uses Dirichlet(zeroRowPrior)). For each
 * draw: π (as {@link stationaryDistribution}, closed classes weighted by observed row totals),
 * P(reach absorbing within h) and the expected steps to absorbing. Intervals are the
 * (1 ∓ mass)/2 percentiles with linear interpolation (numpy `percentile` default).
 * Seeded xoshiro128**: two runs with one seed agree exactly.
 */
export function posteriorSummary(counts: MatrixLike, options: PosteriorOptions = {}): PosteriorSummary {
  const k = assertCounts(counts);
  const alpha = options.alpha ?? 1;
  const samples = options.samples ?? 2000;
  const seed = options.seed ?? 0;
  const mass = options.mass ?? 0.95;
  const absorbing = options.absorbingState ?? k - 1;
  const horizons = [...(options.horizons ?? [1, 5, 21])];
  const zeroRowPrior = options.zeroRowPrior ?? 1 / k;
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new MarkovInputError(`alpha must be ≥ 0, got ${alpha}`);
  if (!Number.isInteger(samples) || samples < 1)
    throw new MarkovInputError(`samples must be a positive integer, got ${samples}`);
  if (!(zeroRowPrior > 0) || !Number.isFinite(zeroRowPrior)) {
    throw new MarkovInputError(`zeroRowPrior must be positive, got ${zeroRowPrior}`);
  }
  assertMass(mass);
  assertState(absorbing, k, 'absorbing state');
  for (const h of horizons) {
    if (!Number.isInteger(h) || h < 1)
      throw new MarkovInputError(`horizons must be positive integers, got ${h}`);
  }
  const maxHorizon = horizons.reduce((m, h) => Math.max(m, h), 0);

  const concentration = counts.map((row) => {
    const c = Array.from(row, (v) => v + alpha);
    return c.some((v) => v > 0) ? c : new Array<number>(k).fill(zeroRowPrior);
  });
  const rowTotals = counts.map((row) => sumOf(row));

  const piDraws = Array.from({ length: k }, () => new Float64Array(samples));
  const stepDraws = Array.from({ length: k }, () => new Float64Array(samples));
  const reachDraws = Array.from({ length: k }, () => horizons.map(() => new Float64Array(samples)));
  const random = createRandom(seed);
  const p: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < k; i++) sampleDirichletInto(random, concentration[i]!, p[i]!);
    const pi = stationaryDistribution(p, rowTotals);
    const steps = expectedStepsToReach(p, absorbing);
    const reach = reachProbabilities(p, absorbing, maxHorizon);
    for (let i = 0; i < k; i++) {
      piDraws[i]![s] = pi[i]!;
      stepDraws[i]![s] = steps[i]!;
      horizons.forEach((h, idx) => {
        reachDraws[i]![idx]![s] = reach[i]![h - 1]!;
      });
    }
  }
  const lowerQ = (1 - mass) / 2;
  const upperQ = (1 + mass) / 2;
  const vectorInterval = (draws: Float64Array[]): VectorInterval => {
    const sorted = draws.map((d) => d.slice().sort());
    return {
      lower: sorted.map((d) => sortedQuantile(d, lowerQ)),
      upper: sorted.map((d) => sortedQuantile(d, upperQ)),
    };
  };
  const reachSorted = reachDraws.map((perHorizon) => perHorizon.map((d) => d.slice().sort()));
  return {
    samples,
    seed,
    mass,
    absorbingState: absorbing,
    stationary: vectorInterval(piDraws),
    horizons,
    reachWithin: {
      lower: reachSorted.map((row) => row.map((d) => sortedQuantile(d, lowerQ))),
      upper: reachSorted.map((row) => row.map((d) => sortedQuantile(d, upperQ))),
    },
    expectedSteps: vectorInterval(stepDraws),
  };
}

/**
 * Quantile q of ascending sorted values with linear interpolation between order statistics
 * (numpy `percentile`/`quantile` default, "type 7"). Handles Infinity without producing NaN.
 */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new MarkovInputError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new MarkovInputError(`quantile level must be in [0, 1], got ${q}`);
  const position = q * (n - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, n - 1);
  const low = sorted[below]!;
  const high = sorted[above]!;
  const fraction = position - below;
  if (low === high || fraction === 0) return low;
  if (fraction === 1) return high;
  if (!Number.isFinite(high)) return high;
  return low + (high - low) * fraction;
}

// ---------------------------------------------------------------------------------------
// Everything in one artifact
// ---------------------------------------------------------------------------------------

/** Options of {@link analyseChain}. Every default is a DOMAIN / config default. */
export interface ChainAnalysisOptions {
  /** Laplace pseudo-count α (0 = MLE). @default 1 */
  alpha?: number;
  /** Fill for an empty row when α = 0. @default 'absorbing' */
  zeroRowPolicy?: ZeroRowPolicy;
  /** The absorbing ("High") state of the absorbing view. @default K − 1 */
  absorbingState?: number;
  /** Largest horizon H for P(reach absorbing within h), h = 1..H. @default 21 */
  reachHorizon?: number;
  /** TV threshold of the mixing time. @default 0.25 */
  mixingEpsilon?: number;
  /** Search limit of the mixing time. @default 10000 */
  mixingMaxSteps?: number;
  /** Probability of the credible intervals (Beta and posterior). @default 0.95 */
  credibleMass?: number;
  /** Posterior sampling: draws, seed, horizons, zero-row prior. */
  posterior?: Pick<PosteriorOptions, 'samples' | 'seed' | 'horizons' | 'zeroRowPrior'>;
  /** Significance level of the Markov-assumption tests. @default 0.05 */
  significanceLevel?: number;
}

/**
 * Everything the model artifact embeds about the fitted chain. Plain data (numbers, arrays,
 * strings, booleans): `JSON.stringify` round-trips it except that `Infinity` (documented
 * per field) must be encoded by the artifact writer. Matrices are row-major K×K.
 */
export interface ChainAnalysis {
  /** Number of states K. */
  states: number;
  /** The α used. */
  alpha: number;
  /** The zero-row policy used. */
  zeroRowPolicy: ZeroRowPolicy;
  /** Transition counts C (as given). */
  counts: number[][];
  /** Σ_k C_ik per state. */
  rowTotals: number[];
  /** Fitted P (rows sum to 1, never NaN). */
  transitionMatrix: number[][];
  /** States whose empty row was filled by the zero-row policy. */
  zeroRows: number[];
  /** Everything a reader should know before trusting the numbers (zero rows, reducibility …). */
  warnings: string[];
  /** Beta credible interval of each P_ij (`credibleMass`). */
  credibleIntervals: MatrixInterval & { mass: number };
  /** Closed (recurrent) communicating classes of the fitted chain (one class when irreducible). */
  closedClasses: number[][];
  /** States in no closed class (empty when irreducible, always so for α > 0). */
  transientStates: number[];
  /** Stationary distribution π (see the module comment for reducible chains). */
  stationary: number[];
  /** Eigenvalues of P by descending modulus. */
  eigenvalues: Complex[];
  /** 1 − |λ₂| (0 for reducible or periodic chains). */
  spectralGap: number;
  /** 1 / (1 − P_ii); Infinity when P_ii = 1. */
  expectedSojourn: number[];
  /** Observed mean run length per state (0 if the state never occurs). */
  observedMeanRunLength: number[];
  /** m_ij, diagonal 0 (R convention); Infinity where j may never be reached from i. */
  meanFirstPassageTimes: number[][];
  /** m_ii = 1/π_i for an irreducible chain; Infinity for transient states. */
  meanRecurrenceTimes: number[];
  /** Absorbing view with `absorbing.state` absorbing. */
  absorbing: {
    state: number;
    /** Expected steps to reach the state (N·1); 0 from the state; Infinity if it may never be reached. */
    expectedSteps: number[];
    /** reachWithin[i][h − 1] = P(reach the state within h steps | start i), h = 1..H. */
    reachWithin: number[][];
    /** H. */
    maxHorizon: number;
  };
  /** −Σ π_i P_ij ln P_ij, nats per step. */
  entropyRate: number;
  /** Mixing time for `mixingEpsilon`; Infinity if not reached within `mixingMaxSteps`. */
  mixingTime: number;
  mixingEpsilon: number;
  /** Posterior intervals of π, P(reach absorbing within h) and expected steps to absorbing. */
  posterior: PosteriorSummary;
  /** Markov-assumption tests on the sequences. */
  tests: {
    /** First order against second order. */
    order: LikelihoodRatioTest;
    /** First half against second half of the pairs. */
    homogeneity: LikelihoodRatioTest;
  };
}

/**
 * Fits and analyses the regime chain in one call (DOMAIN §4): P with Laplace smoothing, Beta
 * credible intervals, π (GTH), spectral gap, sojourns, mean first passage and recurrence
 * times, the absorbing view, entropy rate, mixing time, posterior intervals and the
 * Markov-assumption tests.
 *
 * @param counts K×K transition counts, normally `transitionCounts(sequences, K)` (pooled over
 *   symbols); a warning is added when they differ from the sequences' own counts
 * @param sequences the state sequences, one per symbol (for run lengths and the tests)
 */
export function analyseChain(
  counts: MatrixLike,
  sequences: ReadonlyArray<ArrayLike<number>>,
  options: ChainAnalysisOptions = {},
): ChainAnalysis {
  const k = assertCounts(counts);
  const alpha = options.alpha ?? 1;
  const zeroRowPolicy = options.zeroRowPolicy ?? 'absorbing';
  const absorbingState = options.absorbingState ?? k - 1;
  const reachHorizon = options.reachHorizon ?? 21;
  const mixingEpsilon = options.mixingEpsilon ?? 0.25;
  const credibleMass = options.credibleMass ?? 0.95;
  assertState(absorbingState, k, 'absorbing state');

  const fit = fitTransitionMatrix(counts, alpha, zeroRowPolicy);
  const p = fit.matrix;
  const warnings = [...fit.warnings];
  if (!sameMatrix(transitionCounts(sequences, k), counts)) {
    warnings.push('counts differ from the transition counts of the given sequences');
  }
  const { closedClasses, transientStates } = classifyStates(p);
  if (closedClasses.length > 1) {
    warnings.push(
      `the chain has ${closedClasses.length} closed classes: the stationary distribution is not unique ` +
        '(classes weighted by their observed transitions)',
    );
  }
  const stationary = stationaryDistribution(p, fit.rowTotals);
  const { eigenvalues: spectrumValues, gap } = spectrum(p);
  const expectedSteps = expectedStepsToReach(p, absorbingState);
  if (expectedSteps.some((v) => v === Number.POSITIVE_INFINITY)) {
    warnings.push(`state ${absorbingState} may never be reached from some states (expected steps Infinity)`);
  }
  const mixing = mixingTime(p, stationary, mixingEpsilon, options.mixingMaxSteps ?? 10_000);
  if (mixing === Number.POSITIVE_INFINITY) {
    warnings.push('the chain does not mix (periodic or reducible): mixing time Infinity');
  }
  const testOptions = { significanceLevel: options.significanceLevel ?? 0.05 };
  return {
    states: k,
    alpha,
    zeroRowPolicy,
    counts: counts.map((row) => Array.from(row)),
    rowTotals: fit.rowTotals,
    transitionMatrix: p,
    zeroRows: fit.zeroRows,
    warnings,
    credibleIntervals: { ...credibleIntervals(counts, alpha, credibleMass), mass: credibleMass },
    closedClasses,
    transientStates,
    stationary,
    eigenvalues: spectrumValues,
    spectralGap: gap,
    expectedSojourn: expectedSojourn(p),
    observedMeanRunLength: observedMeanRunLength(sequences, k),
    meanFirstPassageTimes: meanFirstPassageTimes(p),
    meanRecurrenceTimes: meanRecurrenceTimes(p),
    absorbing: {
      state: absorbingState,
      expectedSteps,
      reachWithin: reachProbabilities(p, absorbingState, reachHorizon),
      maxHorizon: reachHorizon,
    },
    entropyRate: entropyRate(p, stationary),
    mixingTime: mixing,
    mixingEpsilon,
    posterior: posteriorSummary(counts, {
      ...options.posterior,
      alpha,
      mass: credibleMass,
      absorbingState,
    }),
    tests: {
      order: firstOrderTest(sequences, k, testOptions),
      homogeneity: homogeneityTest(sequences, k, testOptions),
    },
  };
}

// ---------------------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------------------

function sumOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum;
}

function sameMatrix(a: MatrixLike, b: MatrixLike): boolean {
  return a.every((row, i) => Array.from(row).every((v, j) => v === b[i]![j]));
}

function assertSequences(sequences: ReadonlyArray<ArrayLike<number>>, k: number): void {
  if (!Number.isInteger(k) || k < 2) throw new MarkovInputError(`K must be an integer ≥ 2, got ${k}`);
  sequences.forEach((sequence, s) => {
    for (let t = 0; t < sequence.length; t++) {
      const state = sequence[t]!;
      if (!Number.isInteger(state) || state < 0 || state >= k) {
        throw new MarkovInputError(
          `sequence ${s}, position ${t}: state ${state} is not an integer in 0..${k - 1}`,
        );
      }
    }
  });
}

function assertCounts(counts: MatrixLike): number {
  const k = counts.length;
  if (k < 2) throw new MarkovInputError(`counts must be K×K with K ≥ 2, got ${k} rows`);
  counts.forEach((row, i) => {
    if (row.length !== k)
      throw new MarkovInputError(`counts row ${i} has ${row.length} entries, expected ${k}`);
    for (let j = 0; j < k; j++) {
      const c = row[j]!;
      if (!(c >= 0) || !Number.isFinite(c))
        throw new MarkovInputError(`count (${i}, ${j}) must be finite and ≥ 0, got ${c}`);
    }
  });
  return k;
}

const ROW_SUM_TOLERANCE = 1e-9;

function assertStochastic(p: MatrixLike): number {
  const k = p.length;
  if (k < 1) throw new MarkovInputError('transition matrix is empty');
  p.forEach((row, i) => {
    if (row.length !== k) throw new MarkovInputError(`row ${i} has ${row.length} entries, expected ${k}`);
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const v = row[j]!;
      if (!(v >= 0 && v <= 1)) throw new MarkovInputError(`P(${i}, ${j}) = ${v} is not a probability`);
      sum += v;
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) throw new MarkovInputError(`row ${i} sums to ${sum}, not 1`);
  });
  return k;
}

function assertState(state: number, k: number, what: string): void {
  if (!Number.isInteger(state) || state < 0 || state >= k) {
    throw new MarkovInputError(`${what} must be an integer in 0..${k - 1}, got ${state}`);
  }
}

function assertMass(mass: number): void {
  if (!(mass > 0 && mass < 1)) throw new MarkovInputError(`interval mass must be in (0, 1), got ${mass}`);
}
