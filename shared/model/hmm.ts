/**
 * Gaussian hidden Markov model ("enhanced" regime model) on daily log returns.
 *
 * Model: a hidden state s_t ∈ {0..K−1} follows a Markov chain with transition matrix A
 * (row-stochastic, A[i][j] = P(s_t = j | s_{t−1} = i)) and initial distribution π = P(s_1);
 * the return is r_t | s_t = k ~ N(μ_k, σ²_k). Several symbols are several independent sequences
 * that share (π, A, μ, σ²).
 *
 * - Fitting: Baum–Welch (EM) with per-step scaling, several seeded starts, best log-likelihood kept,
 *   a variance floor so that stale prices (runs of exactly-zero returns) cannot collapse a variance
 *   to zero; degeneracy is reported, never thrown. References: Rabiner (1989); hmmlearn `GaussianHMM`
 *   (same model and likelihood); statsmodels `MarkovRegression` (same model, stationary P(s_1)).
 * - States are ordered by variance ascending (Low, Medium, High for K = 3) so labels are stable.
 * - Serving uses FILTERED probabilities P(s_t | r_1..r_t) (causal), never smoothed ones;
 *   the Viterbi path is for history only.
 *
 * Pure domain code: no I/O. Contains a private seeded PRNG (mulberry32) for the random starts and
 * the simulator, so that results are reproducible without depending on another module.
 */

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** Serialisable parameters of a fitted Gaussian HMM (plain numbers and arrays, JSON-safe). */
export interface GaussianHmmParams {
  readonly kind: 'gaussian-hmm';
  /** Number of hidden states K. */
  readonly states: number;
  /** State labels in state order (variance ascending): Low, Medium, High for K = 3. */
  readonly labels: readonly string[];
  /** P(s_1 = k) as estimated on the training sequences (length K). */
  readonly initial: readonly number[];
  /** Row-stochastic K×K matrix, transition[i][j] = P(s_t = j | s_{t−1} = i). */
  readonly transition: readonly (readonly number[])[];
  /** Emission means μ_k (length K). */
  readonly means: readonly number[];
  /** Emission variances σ²_k (length K), ascending. */
  readonly variances: readonly number[];
}

/** Why a fit is flagged degenerate. */
export type HmmDegeneracyReason = 'variance-floor' | 'empty-state' | 'non-finite-likelihood';

/** Summary of one EM start. */
export interface HmmStartSummary {
  readonly start: number;
  readonly logLikelihood: number;
  /** E-steps (likelihood evaluations) used, including SQUAREM's extrapolated points. */
  readonly iterations: number;
  readonly converged: boolean;
}

/** Result of {@link fitGaussianHmm}. */
export interface GaussianHmmFit {
  readonly params: GaussianHmmParams;
  /** log p(all sequences | params) with P(s_1) = params.initial, at the returned params. */
  readonly logLikelihood: number;
  /** Free parameters: (K − 1) initial + K(K − 1) transition + K means + K variances. */
  readonly parameterCount: number;
  /** Total number of observations over all sequences. */
  readonly observationCount: number;
  /** 2p − 2 log L. */
  readonly aic: number;
  /** p ln(n) − 2 log L. */
  readonly bic: number;
  /** Variance floor applied to every σ²_k (same units as the returns squared). */
  readonly varianceFloor: number;
  /** Expected number of observations per state, Σ_t P(s_t = k | all data), in state order. */
  readonly stateOccupancy: readonly number[];
  readonly degenerate: boolean;
  readonly degeneracyReasons: readonly HmmDegeneracyReason[];
  /** Index of the start that gave the best log-likelihood. */
  readonly bestStart: number;
  readonly iterations: number;
  readonly converged: boolean;
  /** Per start; with screening, the log-likelihoods are those on the screening subsample. */
  readonly starts: readonly HmmStartSummary[];
  /** Observations the starts were screened on (null: every start ran on the whole data, or a warm start). */
  readonly screenedOn: number | null;
}

/** Options of {@link fitGaussianHmm} (all are config; defaults in the signature). */
export interface GaussianHmmFitOptions {
  /** Number of hidden states K (≥ 2). Default 3. */
  readonly states?: number;
  /** Number of EM starts (≥ 1). Start 0 is the deterministic quantile start. Default 5. */
  readonly starts?: number;
  /** Seed of the random starts. Default 1. */
  readonly seed?: number;
  /** Maximum EM iterations per start. Default 1000. */
  readonly maxIterations?: number;
  /**
   * EM stops when a cycle improves the log-likelihood by less than tolerance × n (n observations:
   * a per-observation tolerance, so the stopping rule does not tighten as the data grow). Default 1e-8.
   */
  readonly tolerance?: number;
  /**
   * With more observations than this and several starts, every start is run on a subsample of this
   * size (the newest observations of each sequence, in equal parts) and only the best one is
   * continued on the whole data. Default 20,000.
   */
  readonly screenObservations?: number;
  /** Warm start: a single EM run from these parameters (e.g. a fit on a prefix of the data); `starts` is ignored. */
  readonly init?: GaussianHmmParams;
  /** σ²_k ≥ varianceFloorRatio · (pooled sample variance). Default 1e-3. */
  readonly varianceFloorRatio?: number;
  /** Absolute lower bound of the floor (guards constant series). Default 1e-12. */
  readonly varianceFloorMin?: number;
  /** A state whose expected occupancy (Σ_t γ_t) is below this many observations is "empty". Default 0.5. */
  readonly minStateOccupancy?: number;
  /**
   * Buffers to fit in (from {@link hmmWorkspace}) for several fits in a row, e.g. one per fold: at
   * 5M observations a fit needs 280 MB of them, and fits that each allocate their own leave that
   * much garbage per fit. Used when large enough for the data and made for the same number of
   * states; otherwise the fit allocates its own.
   */
  readonly workspace?: HmmWorkspace;
}

/** Reusable buffers of {@link fitGaussianHmm} (opaque). */
export interface HmmWorkspace {
  readonly capacity: number;
  readonly states: number;
  /** @internal */
  readonly buffers: unknown;
}

interface SharedBuffers {
  readonly ws: Workspace;
  /** The pooled observations of a fit. */
  readonly data: Float64Array;
}

/** Buffers for fits of up to `capacity` observations with `states` states. */
export function hmmWorkspace(capacity: number, states: number): HmmWorkspace {
  const buffers: SharedBuffers = { ws: makeWorkspace(capacity, states), data: new Float64Array(capacity) };
  return { capacity, states, buffers };
}

/** Which distribution to use for the first state when scoring a series. */
export type HmmInitialDistribution = 'stationary' | 'fitted';

/** Result of {@link scoreGaussianHmm}: causal (filtered) quantities only. */
export interface HmmScore {
  /** filtered[t][k] = P(s_t = k | r_1..r_t). */
  readonly filtered: number[][];
  /** log p(r_1..r_T | params). */
  readonly logLikelihood: number;
  /** One-step-ahead state distribution P(s_{T+1} | r_1..r_T) = filtered_T · A (initial if T = 0). */
  readonly nextState: number[];
  /** argmax of filtered_T (ties to the lower state); −1 if the series is empty. */
  readonly currentState: number;
  /** Label of currentState, or null if the series is empty. */
  readonly currentLabel: string | null;
}

/** Result of {@link viterbiPath}. */
export interface HmmViterbi {
  /** Most probable state sequence (state indices in params order). */
  readonly path: number[];
  /** log p(path, r_1..r_T | params). */
  readonly logProbability: number;
}

/** Invalid input series or options. */
export class HmmInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HmmInputError';
  }
}

/** A parameter object that is not a valid Gaussian HMM. */
export class HmmParamsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HmmParamsError';
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const LOG_2PI = Math.log(2 * Math.PI);

/** Labels for K states ordered by variance: Low/High, Low/Medium/High, else "state-k". */
export function hmmStateLabels(states: number): string[] {
  if (states === 2) return ['Low', 'High'];
  if (states === 3) return ['Low', 'Medium', 'High'];
  return Array.from({ length: states }, (_, k) => `state-${k}`);
}

/**
 * Number of free parameters of a K-state univariate Gaussian HMM with a free initial distribution:
 * (K − 1) + K(K − 1) + 2K = K² + 2K − 1 (hmmlearn's count; statsmodels MarkovRegression, whose
 * initial distribution is the stationary one, has K² + K).
 */
export function hmmParameterCount(states: number): number {
  return states * states + 2 * states - 1;
}

/** AIC = 2p − 2 log L and BIC = p ln(n) − 2 log L (n = number of observations). */
export function informationCriteria(
  logLikelihood: number,
  parameterCount: number,
  observationCount: number,
): { aic: number; bic: number } {
  return {
    aic: 2 * parameterCount - 2 * logLikelihood,
    bic: parameterCount * Math.log(observationCount) - 2 * logLikelihood,
  };
}

/** mulberry32: tiny seeded 32-bit PRNG returning uniforms in [0, 1). Private to this module. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draw by Box–Muller from a uniform generator. */
function normalDraw(uniform: () => number): number {
  const u = 1 - uniform(); // (0, 1]
  const v = uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Index of the largest value (ties to the lower index). */
function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k;
  return best;
}

/**
 * Stationary distribution π of a row-stochastic matrix (π A = π, Σ π = 1) by the GTH algorithm
 * (Grassmann–Taksar–Heyman, subtraction-free). Falls back to power iteration when the chain is
 * reducible and GTH meets a zero pivot.
 */
export function stationaryDistribution(transition: readonly (readonly number[])[]): number[] {
  const n = transition.length;
  const a = transition.map((row) => Float64Array.from(row));
  for (let k = n - 1; k > 0; k--) {
    const rowK = a[k]!;
    let s = 0;
    for (let j = 0; j < k; j++) s += rowK[j]!;
    if (!(s > 0)) return stationaryByPowerIteration(transition);
    for (let i = 0; i < k; i++) a[i]![k]! /= s;
    for (let i = 0; i < k; i++) {
      const rowI = a[i]!;
      const aik = rowI[k]!;
      if (aik === 0) continue;
      for (let j = 0; j < k; j++) rowI[j] = rowI[j]! + aik * rowK[j]!;
    }
  }
  const pi = new Array<number>(n).fill(0);
  pi[0] = 1;
  for (let k = 1; k < n; k++) {
    let s = 0;
    for (let i = 0; i < k; i++) s += pi[i]! * a[i]![k]!;
    pi[k] = s;
  }
  const total = pi.reduce((acc, x) => acc + x, 0);
  return pi.map((x) => x / total);
}

function stationaryByPowerIteration(transition: readonly (readonly number[])[]): number[] {
  const n = transition.length;
  let pi = new Array<number>(n).fill(1 / n);
  for (let iter = 0; iter < 100_000; iter++) {
    const next = vectorTimesMatrix(pi, transition);
    let change = 0;
    for (let k = 0; k < n; k++) change = Math.max(change, Math.abs(next[k]! - pi[k]!));
    pi = next;
    if (change < 1e-15) break;
  }
  return pi;
}

function vectorTimesMatrix(v: ArrayLike<number>, m: readonly (readonly number[])[]): number[] {
  const n = m.length;
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const vi = v[i]!;
    if (vi === 0) continue;
    const row = m[i]!;
    for (let j = 0; j < n; j++) out[j] = out[j]! + vi * row[j]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function isProbabilityVector(v: unknown, n: number): v is number[] {
  if (!Array.isArray(v) || v.length !== n) return false;
  let sum = 0;
  for (const x of v) {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) return false;
    sum += x;
  }
  return Math.abs(sum - 1) <= 1e-8;
}

/**
 * Validates an unknown value (e.g. parsed JSON from the model registry) as Gaussian HMM parameters.
 * Throws {@link HmmParamsError} naming the first problem.
 */
export function parseGaussianHmmParams(value: unknown): GaussianHmmParams {
  const fail = (why: string): never => {
    throw new HmmParamsError(`invalid Gaussian HMM parameters: ${why}`);
  };
  if (typeof value !== 'object' || value === null) return fail('not an object');
  const p = value as Record<string, unknown>;
  if (p.kind !== 'gaussian-hmm') fail('kind must be "gaussian-hmm"');
  const k = p.states;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1)
    return fail('states must be a positive integer');
  if (!Array.isArray(p.labels) || p.labels.length !== k || !p.labels.every((l) => typeof l === 'string')) {
    fail('labels must be K strings');
  }
  if (!isProbabilityVector(p.initial, k)) fail('initial must be a probability vector of length K');
  if (!Array.isArray(p.transition) || p.transition.length !== k) fail('transition must have K rows');
  (p.transition as unknown[]).forEach((row, i) => {
    if (!isProbabilityVector(row, k)) fail(`transition row ${i} must be a probability vector of length K`);
  });
  const finiteArray = (v: unknown): v is number[] =>
    Array.isArray(v) && v.length === k && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!finiteArray(p.means)) fail('means must be K finite numbers');
  if (!finiteArray(p.variances) || !(p.variances as number[]).every((x) => x > 0)) {
    fail('variances must be K positive finite numbers');
  }
  return {
    kind: 'gaussian-hmm',
    states: k,
    labels: [...(p.labels as string[])],
    initial: [...(p.initial as number[])],
    transition: (p.transition as number[][]).map((row) => [...row]),
    means: [...(p.means as number[])],
    variances: [...(p.variances as number[])],
  };
}

function assertFiniteSeries(series: ArrayLike<number>, what: string): void {
  for (let t = 0; t < series.length; t++) {
    if (!Number.isFinite(series[t])) {
      throw new HmmInputError(`${what}: value at index ${t} is not a finite number (${series[t]})`);
    }
  }
}

function initialDistribution(params: GaussianHmmParams, initial: HmmInitialDistribution): number[] {
  return initial === 'fitted' ? [...params.initial] : stationaryDistribution(params.transition);
}

// ---------------------------------------------------------------------------------------------
// Working model (flat typed arrays) and forward–backward
// ---------------------------------------------------------------------------------------------

/**
 * Flat parameters used inside EM: one vector θ = [initial (K) | transition (K·K, row-major) |
 * means (K) | variances (K)] with named views, so that EM acceleration can work on θ directly.
 */
interface WorkingParams {
  readonly k: number;
  readonly theta: Float64Array;
  readonly initial: Float64Array;
  readonly transition: Float64Array;
  readonly means: Float64Array;
  readonly variances: Float64Array;
}

function makeWorkingParams(k: number, theta: Float64Array = new Float64Array(k * k + 3 * k)): WorkingParams {
  return {
    k,
    theta,
    initial: theta.subarray(0, k),
    transition: theta.subarray(k, k + k * k),
    means: theta.subarray(k + k * k, 2 * k + k * k),
    variances: theta.subarray(2 * k + k * k, 3 * k + k * k),
  };
}

/** Pooled observations: one buffer, sequence t ∈ [starts[s], starts[s+1]). */
interface Pooled {
  readonly data: Float64Array;
  readonly starts: Int32Array; // length S + 1
}

/**
 * Preallocated buffers for one fit: two T×K arrays (5M observations, K = 3: 240 MB), and for
 * K ≠ 3 one of length T. Nothing is allocated per step or per E-step.
 */
interface Workspace {
  readonly emission: Float64Array; // T*K, exp(log b − shift_t)
  readonly alpha: Float64Array; // T*K, normalised forward
  readonly scale: Float64Array; // T, c_t (general K only)
  readonly betaNext: Float64Array; // K, scaled backward at t
  readonly betaPrev: Float64Array; // K, scaled backward at t − 1
  readonly pred: Float64Array; // K
  readonly tmp: Float64Array; // K
  readonly logNorm: Float64Array; // K
  readonly invVar: Float64Array; // K
  // sufficient statistics
  readonly weight: Float64Array; // K, Σγ
  readonly sum1: Float64Array; // K, Σγ (x − μ_old)
  readonly sum2: Float64Array; // K, Σγ (x − μ_old)²
  readonly xi: Float64Array; // K*K, Σξ
  readonly first: Float64Array; // K, Σ_sequences γ_first
  // K = 3 kernels: coefficients, forward state, backward accumulators (see forwardSequence3)
  readonly coef3: Float64Array;
  readonly state3: Float64Array;
  readonly acc3: Float64Array;
}

function makeWorkspace(n: number, k: number): Workspace {
  return {
    emission: new Float64Array(n * k),
    alpha: new Float64Array(n * k),
    scale: new Float64Array(k === 3 ? 0 : n), // the K = 3 passes fold c_t into the emissions
    betaNext: new Float64Array(k),
    betaPrev: new Float64Array(k),
    pred: new Float64Array(k),
    tmp: new Float64Array(k),
    logNorm: new Float64Array(k),
    invVar: new Float64Array(k),
    weight: new Float64Array(k),
    sum1: new Float64Array(k),
    sum2: new Float64Array(k),
    xi: new Float64Array(k * k),
    first: new Float64Array(k),
    coef3: new Float64Array(18),
    state3: new Float64Array(6),
    acc3: new Float64Array(21),
  };
}

/**
 * Scaled forward pass over one sequence [from, to), fused with the emissions: at each t it writes
 * b_tk = exp(log N(x_t; μ_k, σ²_k) − shift_t), shift_t = max_k log N(…), into ws.emission (the
 * backward pass reads them) and the normalised α̂_t into ws.alpha. Returns the sequence's
 * log-likelihood (−∞ when the scaling constant underflows or is not finite; the caller treats that
 * as degeneracy).
 */
function forwardSequence(
  p: WorkingParams,
  data: Float64Array,
  ws: Workspace,
  from: number,
  to: number,
): number {
  const { k, transition, means } = p;
  const { emission, alpha, scale, pred, logNorm, invVar } = ws;
  let shiftSum = 0;
  let logProductSum = 0;
  let product = 1;
  for (let t = from; t < to; t++) {
    const x = data[t]!;
    const base = t * k;
    let shift = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const d = x - means[j]!;
      const lb = logNorm[j]! - d * d * invVar[j]!;
      emission[base + j] = lb;
      if (lb > shift) shift = lb;
    }
    if (t === from) {
      for (let j = 0; j < k; j++) pred[j] = p.initial[j]!;
    } else {
      for (let j = 0; j < k; j++) pred[j] = 0;
      const prev = (t - 1) * k;
      for (let i = 0; i < k; i++) {
        const ai = alpha[prev + i]!;
        if (ai === 0) continue;
        const row = i * k;
        for (let j = 0; j < k; j++) pred[j] = pred[j]! + ai * transition[row + j]!;
      }
    }
    let c = 0;
    for (let j = 0; j < k; j++) {
      const b = Math.exp(emission[base + j]! - shift);
      emission[base + j] = b;
      const a = pred[j]! * b;
      alpha[base + j] = a;
      c += a;
    }
    if (!(c > 0) || !Number.isFinite(c)) return Number.NEGATIVE_INFINITY;
    const inv = 1 / c;
    for (let j = 0; j < k; j++) alpha[base + j] = alpha[base + j]! * inv;
    scale[t] = c;
    shiftSum += shift;
    // Σ log c_t as the log of a running product (one log per ~hundreds of steps, not per step).
    product *= c;
    if (product < 1e-250 || product > 1e250) {
      logProductSum += Math.log(product);
      product = 1;
    }
  }
  return shiftSum + logProductSum + Math.log(product);
}

/**
 * Scaled backward pass over one sequence, accumulating γ and ξ statistics into the workspace. β̂ is
 * kept for two steps only (β̂_t and β̂_{t−1}), not for the whole sequence.
 */
function backwardAccumulate(
  p: WorkingParams,
  data: Float64Array,
  ws: Workspace,
  from: number,
  to: number,
): void {
  const { k, transition, means } = p;
  const { emission, alpha, scale, tmp, weight, sum1, sum2, xi, first } = ws;
  let beta = ws.betaNext;
  let betaPrev = ws.betaPrev;
  for (let j = 0; j < k; j++) beta[j] = 1;
  for (let t = to - 1; t >= from; t--) {
    const base = t * k;
    const x = data[t]!;
    // γ_t = α̂_t ⊙ β̂_t (already normalised)
    for (let j = 0; j < k; j++) {
      const a = alpha[base + j]!;
      if (a === 0) continue;
      const g = a * beta[j]!;
      const d = x - means[j]!;
      weight[j] = weight[j]! + g;
      sum1[j] = sum1[j]! + g * d;
      sum2[j] = sum2[j]! + g * d * d;
      if (t === from) first[j] = first[j]! + g;
    }
    if (t === from) break;
    // tmp_j = b_tj β̂_tj / c_t, then β̂_{t−1,i} = Σ_j A_ij tmp_j and ξ_{t−1}(i,j) = α̂_{t−1,i} A_ij tmp_j
    const invC = 1 / scale[t]!;
    for (let j = 0; j < k; j++) tmp[j] = emission[base + j]! * beta[j]! * invC;
    const prev = (t - 1) * k;
    for (let i = 0; i < k; i++) {
      const row = i * k;
      const ai = alpha[prev + i]!;
      let b = 0;
      for (let j = 0; j < k; j++) {
        const w = transition[row + j]! * tmp[j]!;
        b += w;
        if (ai !== 0) xi[row + j] = xi[row + j]! + ai * w;
      }
      betaPrev[i] = b;
    }
    const swap = beta;
    beta = betaPrev;
    betaPrev = swap;
  }
}

// exp(x) for x ≤ 0 without a call into Math.exp (which the K = 3 forward pass spent most of its time
// in): x = (256m + j)·ln2/256 + r with |r| ≤ ln2/512, exp(x) = 2^m · 2^(j/256) · exp(r), exp(r) by
// its Taylor polynomial to r⁴ (truncation < 4e-17). The nearest integer k = 256m + j comes from the
// 1.5·2^52 rounding trick. Within 5e-16 relative of Math.exp on [−700, 0]
// (test/unit/model/hmm.test.ts); below −700 (and for NaN) it is Math.exp.
const EXP_K = 256 / Math.LN2;
const EXP_HI = 0.6931471803691238 / 256; // ln2/256: a head with a short mantissa (k·head is exact) …
const EXP_LO = 1.9082149292705877e-10 / 256; // … and the rest
const EXP_ROUND = 6755399441055744; // 1.5 · 2^52
const EXP_FRACTION = Float64Array.from({ length: 256 }, (_, j) => 2 ** (j / 256));
const EXP_POWER = Float64Array.from({ length: 1100 }, (_, i) => 2 ** (i - 1099)); // 2^−1099 … 2^0

/** exp(x) for x ≤ 0 (see above); exported for its test. */
export function expNonPositive(x: number): number {
  if (!(x >= -700)) return Math.exp(x);
  const k = x * EXP_K + EXP_ROUND - EXP_ROUND;
  const r = x - k * EXP_HI - k * EXP_LO;
  const q = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24))));
  const i = k | 0;
  return q * EXP_FRACTION[i & 255]! * EXP_POWER[(i >> 8) + 1099]!;
}

/** Rescale the forward variables once their mass falls below this (see {@link forwardSequence3}). */
const RESCALE_BELOW = 1e-100;

/**
 * The K = 3 passes run over blocks of at most this many steps, each block one call of a kernel that
 * sees only typed arrays and numbers: V8 then optimises the kernels as whole functions after a few
 * blocks, instead of entering their loops by on-stack replacement on every sequence and leaving
 * them through code it has never run (a deoptimisation per call, measured as 2× slower).
 */
const BLOCK = 1024;

// Layout of the K = 3 coefficients: A row-major (0–8), means (9–11), log normalisers (12–14),
// 1 / (2σ²) (15–17).
function coefficients3(p: WorkingParams, ws: Workspace, out: Float64Array): Float64Array {
  for (let i = 0; i < 9; i++) out[i] = p.transition[i]!;
  for (let j = 0; j < 3; j++) {
    out[9 + j] = p.means[j]!;
    out[12 + j] = ws.logNorm[j]!;
    out[15 + j] = ws.invVar[j]!;
  }
  return out;
}

/**
 * {@link forwardSequence} for K = 3 with the state vectors in locals (the common case: several
 * times faster than the general loops). Same recursion, two differences: the forward variables are
 * rescaled lazily — only when their mass falls below 1e-100, not at every step, which takes a
 * division off the recursion's critical path — and the exponentials are {@link expNonPositive}.
 * With lazy scaling α̃_t = α_t / C_t for C_t the product of the scale constants so far, and
 * Σ_j α̃_tj β̃_tj = L̃ = the mass at the last step for every t, so γ_t = α̃_t ⊙ β̃_t / L̃: the
 * backward pass divides its statistics by L̃. It stores b_t / c_t in ws.emission (c_t = 1 at the
 * steps it did not rescale). Mass never grows (b ≤ 1 after the shift, rows of A sum to 1), so
 * nothing overflows; a step whose mass underflows to 0 returns −∞ as before.
 */
function forwardSequence3(
  p: WorkingParams,
  data: Float64Array,
  ws: Workspace,
  from: number,
  to: number,
): number {
  const state = ws.state3;
  state[0] = p.initial[0]!;
  state[1] = p.initial[1]!;
  state[2] = p.initial[2]!;
  state[3] = 0; // Σ shift_t
  state[4] = 0; // Σ log c_t over the rescaled steps
  state[5] = 1; // mass of the last forward variables
  const coef = ws.coef3;
  for (let lo = from; lo < to; lo += BLOCK) {
    if (!forwardBlock3(coef, state, data, ws.emission, ws.alpha, lo, Math.min(lo + BLOCK, to))) {
      return Number.NEGATIVE_INFINITY;
    }
  }
  return state[3]! + state[4]! + Math.log(state[5]!);
}

/** One block [lo, hi) of {@link forwardSequence3}; false when a step's mass is 0 or not finite. */
function forwardBlock3(
  coef: Float64Array,
  state: Float64Array,
  data: Float64Array,
  emission: Float64Array,
  alpha: Float64Array,
  lo: number,
  hi: number,
): boolean {
  const a00 = coef[0]!,
    a01 = coef[1]!,
    a02 = coef[2]!,
    a10 = coef[3]!,
    a11 = coef[4]!,
    a12 = coef[5]!,
    a20 = coef[6]!,
    a21 = coef[7]!,
    a22 = coef[8]!;
  const m0 = coef[9]!,
    m1 = coef[10]!,
    m2 = coef[11]!;
  const n0 = coef[12]!,
    n1 = coef[13]!,
    n2 = coef[14]!;
  const v0 = coef[15]!,
    v1 = coef[16]!,
    v2 = coef[17]!;
  // The prior of a sequence's first step is the initial distribution; of every later one α̃_{t−1} A.
  let p0 = state[0]!;
  let p1 = state[1]!;
  let p2 = state[2]!;
  let shiftSum = state[3]!;
  let logScaleSum = state[4]!;
  let mass = state[5]!;
  let ok = true;
  let base = lo * 3;
  for (let t = lo; t < hi; t++, base += 3) {
    const x = data[t]!;
    const d0 = x - m0;
    const d1 = x - m1;
    const d2 = x - m2;
    const l0 = n0 - d0 * d0 * v0;
    const l1 = n1 - d1 * d1 * v1;
    const l2 = n2 - d2 * d2 * v2;
    let shift = l0;
    if (l1 > shift) shift = l1;
    if (l2 > shift) shift = l2;
    let b0 = l0 === shift ? 1 : expNonPositive(l0 - shift);
    let b1 = l1 === shift ? 1 : expNonPositive(l1 - shift);
    let b2 = l2 === shift ? 1 : expNonPositive(l2 - shift);
    let f0 = p0 * b0;
    let f1 = p1 * b1;
    let f2 = p2 * b2;
    mass = f0 + f1 + f2;
    if (!(mass >= RESCALE_BELOW)) {
      if (!(mass > 0 && mass < Number.POSITIVE_INFINITY)) {
        ok = false;
        break;
      }
      const inv = 1 / mass;
      f0 *= inv;
      f1 *= inv;
      f2 *= inv;
      b0 *= inv;
      b1 *= inv;
      b2 *= inv;
      logScaleSum += Math.log(mass);
      mass = 1;
    }
    emission[base] = b0;
    emission[base + 1] = b1;
    emission[base + 2] = b2;
    alpha[base] = f0;
    alpha[base + 1] = f1;
    alpha[base + 2] = f2;
    p0 = f0 * a00 + f1 * a10 + f2 * a20;
    p1 = f0 * a01 + f1 * a11 + f2 * a21;
    p2 = f0 * a02 + f1 * a12 + f2 * a22;
    shiftSum += shift;
  }
  state[0] = p0;
  state[1] = p1;
  state[2] = p2;
  state[3] = shiftSum;
  state[4] = logScaleSum;
  state[5] = mass;
  return ok;
}

/**
 * {@link backwardAccumulate} for K = 3 (emission holds b_t / c_t), block by block from the end; the
 * statistics are divided by L̃ (the last forward variables' mass, see {@link forwardSequence3}).
 */
function backwardAccumulate3(data: Float64Array, ws: Workspace, from: number, to: number): void {
  const { alpha, coef3: coef } = ws;
  // acc: γ sums (0–2), Σγd (3–5), Σγd² (6–8), ξ (9–17), β̃_t (18–20); d = x − μ_old.
  const acc = ws.acc3;
  acc.fill(0, 0, 18);
  acc[18] = 1;
  acc[19] = 1;
  acc[20] = 1;
  for (let hi = to; hi > from + 1; hi -= BLOCK) {
    backwardBlock3(coef, acc, data, ws.emission, alpha, Math.max(hi - BLOCK, from + 1), hi);
  }
  // t = from: γ only, and it is the sequence's first-state probability.
  const base = from * 3;
  const u = 1 / (alpha[(to - 1) * 3]! + alpha[(to - 1) * 3 + 1]! + alpha[(to - 1) * 3 + 2]!);
  const x = data[from]!;
  for (let j = 0; j < 3; j++) {
    const g = alpha[base + j]! * acc[18 + j]!;
    const d = x - coef[9 + j]!;
    acc[j] = acc[j]! + g;
    acc[3 + j] = acc[3 + j]! + g * d;
    acc[6 + j] = acc[6 + j]! + g * d * d;
    ws.first[j] = ws.first[j]! + g * u;
  }
  for (let j = 0; j < 3; j++) {
    ws.weight[j] = ws.weight[j]! + acc[j]! * u;
    ws.sum1[j] = ws.sum1[j]! + acc[3 + j]! * u;
    ws.sum2[j] = ws.sum2[j]! + acc[6 + j]! * u;
  }
  for (let i = 0; i < 9; i++) ws.xi[i] = ws.xi[i]! + acc[9 + i]! * u;
}

/** Steps t = hi − 1 down to lo (lo ≥ the sequence's first step + 1) of {@link backwardAccumulate3}. */
function backwardBlock3(
  coef: Float64Array,
  acc: Float64Array,
  data: Float64Array,
  emission: Float64Array,
  alpha: Float64Array,
  lo: number,
  hi: number,
): void {
  const a00 = coef[0]!,
    a01 = coef[1]!,
    a02 = coef[2]!,
    a10 = coef[3]!,
    a11 = coef[4]!,
    a12 = coef[5]!,
    a20 = coef[6]!,
    a21 = coef[7]!,
    a22 = coef[8]!;
  const m0 = coef[9]!,
    m1 = coef[10]!,
    m2 = coef[11]!;
  let w0 = acc[0]!,
    w1 = acc[1]!,
    w2 = acc[2]!;
  let s10 = acc[3]!,
    s11 = acc[4]!,
    s12 = acc[5]!;
  let s20 = acc[6]!,
    s21 = acc[7]!,
    s22 = acc[8]!;
  let x00 = acc[9]!,
    x01 = acc[10]!,
    x02 = acc[11]!,
    x10 = acc[12]!,
    x11 = acc[13]!,
    x12 = acc[14]!,
    x20 = acc[15]!,
    x21 = acc[16]!,
    x22 = acc[17]!;
  let e0 = acc[18]!;
  let e1 = acc[19]!;
  let e2 = acc[20]!;
  let base = (hi - 1) * 3;
  // α̃_t, carried from the previous step's α̃_{t−1} loads
  let r0 = alpha[base]!;
  let r1 = alpha[base + 1]!;
  let r2 = alpha[base + 2]!;
  for (let t = hi - 1; t >= lo; t--, base -= 3) {
    const x = data[t]!;
    const g0 = r0 * e0;
    const g1 = r1 * e1;
    const g2 = r2 * e2;
    const d0 = x - m0;
    const d1 = x - m1;
    const d2 = x - m2;
    const h0 = g0 * d0;
    const h1 = g1 * d1;
    const h2 = g2 * d2;
    w0 += g0;
    w1 += g1;
    w2 += g2;
    s10 += h0;
    s11 += h1;
    s12 += h2;
    s20 += h0 * d0;
    s21 += h1 * d1;
    s22 += h2 * d2;
    const t0 = emission[base]! * e0;
    const t1 = emission[base + 1]! * e1;
    const t2 = emission[base + 2]! * e2;
    const q0 = alpha[base - 3]!;
    const q1 = alpha[base - 2]!;
    const q2 = alpha[base - 1]!;
    const u00 = a00 * t0,
      u01 = a01 * t1,
      u02 = a02 * t2;
    const u10 = a10 * t0,
      u11 = a11 * t1,
      u12 = a12 * t2;
    const u20 = a20 * t0,
      u21 = a21 * t1,
      u22 = a22 * t2;
    x00 += q0 * u00;
    x01 += q0 * u01;
    x02 += q0 * u02;
    x10 += q1 * u10;
    x11 += q1 * u11;
    x12 += q1 * u12;
    x20 += q2 * u20;
    x21 += q2 * u21;
    x22 += q2 * u22;
    e0 = u00 + u01 + u02;
    e1 = u10 + u11 + u12;
    e2 = u20 + u21 + u22;
    r0 = q0;
    r1 = q1;
    r2 = q2;
  }
  acc[0] = w0;
  acc[1] = w1;
  acc[2] = w2;
  acc[3] = s10;
  acc[4] = s11;
  acc[5] = s12;
  acc[6] = s20;
  acc[7] = s21;
  acc[8] = s22;
  acc[9] = x00;
  acc[10] = x01;
  acc[11] = x02;
  acc[12] = x10;
  acc[13] = x11;
  acc[14] = x12;
  acc[15] = x20;
  acc[16] = x21;
  acc[17] = x22;
  acc[18] = e0;
  acc[19] = e1;
  acc[20] = e2;
}

/** E-step over all sequences: log-likelihood and sufficient statistics in ws. */
function expectationStep(p: WorkingParams, pooled: Pooled, ws: Workspace): number {
  ws.weight.fill(0);
  ws.sum1.fill(0);
  ws.sum2.fill(0);
  ws.xi.fill(0);
  ws.first.fill(0);
  for (let j = 0; j < p.k; j++) {
    ws.logNorm[j] = -0.5 * (LOG_2PI + Math.log(p.variances[j]!));
    ws.invVar[j] = 0.5 / p.variances[j]!;
  }
  if (p.k === 3) coefficients3(p, ws, ws.coef3);
  let total = 0;
  for (let s = 0; s + 1 < pooled.starts.length; s++) {
    const from = pooled.starts[s]!;
    const to = pooled.starts[s + 1]!;
    if (to <= from) continue;
    const three = p.k === 3;
    const ll = three
      ? forwardSequence3(p, pooled.data, ws, from, to)
      : forwardSequence(p, pooled.data, ws, from, to);
    if (!Number.isFinite(ll)) return Number.NaN;
    total += ll;
    if (three) backwardAccumulate3(pooled.data, ws, from, to);
    else backwardAccumulate(p, pooled.data, ws, from, to);
  }
  return total;
}

/** M-step: new parameters from the statistics in ws (variance floored; empty states kept). */
function maximizationStep(p: WorkingParams, ws: Workspace, sequences: number, floor: number): WorkingParams {
  const { k } = p;
  const next = makeWorkingParams(k, Float64Array.from(p.theta));
  for (let j = 0; j < k; j++) next.initial[j] = ws.first[j]! / sequences;
  for (let i = 0; i < k; i++) {
    let rowSum = 0;
    for (let j = 0; j < k; j++) rowSum += ws.xi[i * k + j]!;
    for (let j = 0; j < k; j++) {
      next.transition[i * k + j] = rowSum > 0 ? ws.xi[i * k + j]! / rowSum : p.transition[i * k + j]!;
    }
  }
  for (let j = 0; j < k; j++) {
    const w = ws.weight[j]!;
    if (!(w > 0)) continue; // empty state: keep its emission parameters
    const shift = ws.sum1[j]! / w;
    next.means[j] = p.means[j]! + shift;
    const variance = ws.sum2[j]! / w - shift * shift;
    next.variances[j] = Math.max(variance, floor);
  }
  return next;
}

// ---------------------------------------------------------------------------------------------
// Initialisation
// ---------------------------------------------------------------------------------------------

interface PooledMoments {
  readonly mean: number;
  readonly variance: number;
}

function pooledMoments(data: Float64Array): PooledMoments {
  const n = data.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += data[t]!;
  mean /= n;
  let ss = 0;
  for (let t = 0; t < n; t++) {
    const d = data[t]! - mean;
    ss += d * d;
  }
  return { mean, variance: n > 1 ? ss / (n - 1) : 0 };
}

/** Variances of K groups of the squared deviations from the mean, split at their quantiles (ascending). */
function groupVariances(data: Float64Array, mean: number, k: number): Float64Array {
  const n = data.length;
  const squared = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const d = data[t]! - mean;
    squared[t] = d * d;
  }
  squared.sort();
  const out = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const lo = Math.floor((j * n) / k);
    const hi = Math.max(lo + 1, Math.floor(((j + 1) * n) / k));
    let s = 0;
    for (let t = lo; t < hi && t < n; t++) s += squared[t]!;
    out[j] = s / Math.max(1, Math.min(hi, n) - lo);
  }
  return out;
}

/**
 * Start `start` of EM. Variances: the K quantile groups of squared deviations from the pooled mean
 * (so the states start as low/medium/high volatility); means: the pooled mean; transition: 0.9 on
 * the diagonal; initial: uniform. Starts ≥ 1 add seeded jitter (means ± 0.25 sd, variances × e^{±0.5},
 * diagonal in [0.75, 0.99]).
 */
function initialParams(
  k: number,
  moments: PooledMoments & { readonly groupVariances: Float64Array },
  floor: number,
  start: number,
  seed: number,
): WorkingParams {
  const uniform = mulberry32((seed ^ Math.imul(start + 1, 0x9e3779b9)) >>> 0);
  const jitter = start > 0;
  const sd = Math.sqrt(Math.max(moments.variance, floor));
  const p = makeWorkingParams(k);
  p.initial.fill(1 / k);
  for (let j = 0; j < k; j++) {
    p.means[j] = moments.mean + (jitter ? 0.25 * sd * normalDraw(uniform) : 0);
    const base = Math.max(moments.groupVariances[j]!, floor, 1e-3 * moments.variance);
    p.variances[j] = Math.max(base * (jitter ? Math.exp(0.5 * (2 * uniform() - 1)) : 1), floor);
    const stay = jitter ? 0.75 + 0.24 * uniform() : 0.9;
    for (let i = 0; i < k; i++) p.transition[j * k + i] = i === j ? stay : (1 - stay) / (k - 1);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Fitting
// ---------------------------------------------------------------------------------------------

interface StartResult {
  readonly params: WorkingParams;
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly nonFinite: boolean;
}

/** Largest SQUAREM step length |α| (a fixed algorithmic safeguard, not configuration). */
const MAX_SQUAREM_STEP = 64;

/**
 * SQUAREM extrapolation (Varadhan & Roland 2008, scheme S3) from θ0 and two EM images θ1, θ2:
 * r = θ1 − θ0, v = θ2 − 2θ1 + θ0, α = −‖r‖/‖v‖ (≤ −1, ≥ −maxStep), θ' = θ0 − 2αr + α²v.
 * Elements that would leave the parameter space (negative probability, variance below the floor)
 * take their θ2 value; probability rows are renormalised. Returns null when α = −1 (θ' = θ2).
 */
function squaremExtrapolate(
  p0: WorkingParams,
  p1: WorkingParams,
  p2: WorkingParams,
  floor: number,
  maxStep: number,
): WorkingParams | null {
  const { k } = p0;
  const t0 = p0.theta;
  const t1 = p1.theta;
  const t2 = p2.theta;
  let rr = 0;
  let vv = 0;
  for (let i = 0; i < t0.length; i++) {
    const r = t1[i]! - t0[i]!;
    const v = t2[i]! - 2 * t1[i]! + t0[i]!;
    rr += r * r;
    vv += v * v;
  }
  if (!(vv > 0)) return null;
  const alpha = Math.max(-Math.sqrt(rr / vv), -maxStep);
  if (alpha >= -1) return null;
  const out = makeWorkingParams(k);
  const theta = out.theta;
  for (let i = 0; i < theta.length; i++) {
    const r = t1[i]! - t0[i]!;
    const v = t2[i]! - 2 * t1[i]! + t0[i]!;
    theta[i] = t0[i]! - 2 * alpha * r + alpha * alpha * v;
  }
  const keepFeasible = (view: Float64Array, fallback: Float64Array, min: number): void => {
    for (let i = 0; i < view.length; i++) if (!(view[i]! >= min)) view[i] = fallback[i]!;
  };
  keepFeasible(out.initial, p2.initial, 0);
  keepFeasible(out.transition, p2.transition, 0);
  keepFeasible(out.variances, p2.variances, floor);
  normaliseInPlace(out.initial);
  for (let i = 0; i < k; i++) normaliseInPlace(out.transition.subarray(i * k, (i + 1) * k));
  return out;
}

function normaliseInPlace(v: Float64Array): void {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]!;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / sum;
}

/**
 * EM from `init` until a cycle gains less than `tolerance` × n in log-likelihood, accelerated by
 * SQUAREM. A cycle from θ0: θ1 = EM(θ0) (stop if it gains < tolerance × n), θ2 = EM(θ1), θ' = extrapolation of
 * (θ0, θ1, θ2); θ' is kept when log L(θ') ≥ log L(θ1), else θ2 (≥ log L(θ1) as an EM step) — so the
 * likelihood never decreases. `iterations` counts E-steps (likelihood evaluations).
 * Invariant: at the top of the loop ws holds the statistics of `params` (not on return).
 */
function runEm(
  init: WorkingParams,
  pooled: Pooled,
  ws: Workspace,
  sequences: number,
  floor: number,
  maxIterations: number,
  tolerance: number,
): StartResult {
  let params = init;
  let logLikelihood = expectationStep(params, pooled, ws);
  let evaluations = 1;
  const minimumGain = tolerance * pooled.data.length;
  const stop = (converged: boolean, nonFinite = false): StartResult => ({
    params,
    logLikelihood,
    iterations: evaluations,
    converged,
    nonFinite,
  });
  if (!Number.isFinite(logLikelihood)) return stop(false, true);
  while (evaluations < maxIterations) {
    const start = logLikelihood;
    const p1 = maximizationStep(params, ws, sequences, floor);
    const ll1 = expectationStep(p1, pooled, ws);
    evaluations++;
    if (!Number.isFinite(ll1)) return stop(false, true);
    if (ll1 < start) return stop(true); // EM cannot decrease except by rounding: keep the better point
    const p0 = params;
    params = p1;
    logLikelihood = ll1;
    if (ll1 - start < minimumGain) return stop(true);
    if (evaluations >= maxIterations) break;

    const p2 = maximizationStep(p1, ws, sequences, floor);
    const extrapolated = squaremExtrapolate(p0, p1, p2, floor, MAX_SQUAREM_STEP);
    if (extrapolated !== null) {
      const llx = expectationStep(extrapolated, pooled, ws);
      evaluations++;
      if (Number.isFinite(llx) && llx >= ll1) {
        params = extrapolated;
        logLikelihood = llx;
        continue;
      }
      if (evaluations >= maxIterations) break;
    }
    const ll2 = expectationStep(p2, pooled, ws);
    evaluations++;
    if (!Number.isFinite(ll2)) return stop(false, true);
    if (ll2 < ll1) return stop(true);
    params = p2;
    logLikelihood = ll2;
  }
  return stop(false);
}

/** The newest observations of each sequence, about `size` in all, in equal parts. */
function screeningSample(pooled: Pooled, size: number): Pooled {
  const sequences = pooled.starts.length - 1;
  let nonEmpty = 0;
  for (let s = 0; s < sequences; s++) if (pooled.starts[s + 1]! > pooled.starts[s]!) nonEmpty++;
  const each = Math.max(2, Math.ceil(size / Math.max(1, nonEmpty)));
  const parts: Float64Array[] = [];
  for (let s = 0; s < sequences; s++) {
    const from = pooled.starts[s]!;
    const to = pooled.starts[s + 1]!;
    if (to > from) parts.push(pooled.data.subarray(Math.max(from, to - each), to));
  }
  return poolSequences(parts);
}

/** Public parameters as a working start (variances raised to the floor). */
function workingFromParams(params: GaussianHmmParams, k: number, floor: number): WorkingParams {
  const p = makeWorkingParams(k);
  for (let i = 0; i < k; i++) {
    p.initial[i] = params.initial[i]!;
    p.means[i] = params.means[i]!;
    p.variances[i] = Math.max(params.variances[i]!, floor);
    for (let j = 0; j < k; j++) p.transition[i * k + j] = params.transition[i]![j]!;
  }
  return p;
}

/** The sequences in one buffer: `into` (a workspace's) when it is large enough, else a new one. */
function poolSequences(sequences: readonly ArrayLike<number>[], into?: Float64Array): Pooled {
  let total = 0;
  for (const s of sequences) total += s.length;
  const data = into !== undefined && into.length >= total ? into.subarray(0, total) : new Float64Array(total);
  const starts = new Int32Array(sequences.length + 1);
  let offset = 0;
  sequences.forEach((s, i) => {
    assertFiniteSeries(s, `sequence ${i}`);
    starts[i] = offset;
    for (let t = 0; t < s.length; t++) data[offset + t] = s[t]!;
    offset += s.length;
  });
  starts[sequences.length] = offset;
  return { data, starts };
}

/** Permutation of states by variance ascending (stable on ties). */
function varianceOrder(p: WorkingParams): number[] {
  return Array.from({ length: p.k }, (_, j) => j).sort((a, b) => p.variances[a]! - p.variances[b]! || a - b);
}

function toPublicParams(p: WorkingParams, order: readonly number[]): GaussianHmmParams {
  const k = p.k;
  return {
    kind: 'gaussian-hmm',
    states: k,
    labels: hmmStateLabels(k),
    initial: order.map((j) => p.initial[j]!),
    transition: order.map((i) => order.map((j) => p.transition[i * k + j]!)),
    means: order.map((j) => p.means[j]!),
    variances: order.map((j) => p.variances[j]!),
  };
}

function validateFitOptions(
  k: number,
  starts: number,
  maxIterations: number,
  tolerance: number,
  floorRatio: number,
  floorMin: number,
): void {
  if (!Number.isInteger(k) || k < 2) throw new HmmInputError(`states must be an integer ≥ 2 (got ${k})`);
  if (!Number.isInteger(starts) || starts < 1)
    throw new HmmInputError(`starts must be an integer ≥ 1 (got ${starts})`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new HmmInputError(`maxIterations must be an integer ≥ 1 (got ${maxIterations})`);
  }
  if (!(tolerance >= 0)) throw new HmmInputError(`tolerance must be ≥ 0 (got ${tolerance})`);
  if (!(floorRatio >= 0) || !(floorMin > 0)) {
    throw new HmmInputError('varianceFloorRatio must be ≥ 0 and varianceFloorMin > 0');
  }
}

/**
 * Fits a K-state Gaussian HMM to one or more return sequences by Baum–Welch (EM with per-step
 * scaling), from `starts` seeded starts, keeping the start with the highest log-likelihood.
 *
 * E-step: scaled forward–backward (Rabiner 1989, §V.A); M-step: π = mean of γ_1 over sequences,
 * A_ij ∝ Σ_t ξ_t(i, j), μ_k = Σγ x / Σγ, σ²_k = max(Σγ (x − μ_k)² / Σγ, floor) with
 * floor = max(varianceFloorRatio · sample variance, varianceFloorMin); EM is accelerated by SQUAREM
 * (Varadhan & Roland 2008) with a monotone safeguard.
 *
 * Likelihood: log p(r | θ) with a free initial distribution π (the hmmlearn convention).
 * statsmodels `MarkovRegression` instead fixes P(s_1) to the stationary distribution of A; since that
 * is one admissible π, our maximum is ≥ statsmodels' on the same series. Score the series with
 * {@link scoreGaussianHmm} and `initial: 'stationary'` to evaluate statsmodels' definition.
 *
 * Never throws on degenerate data: the result carries `degenerate` and `degeneracyReasons`
 * ('variance-floor': a variance sits on the floor, e.g. a state explaining a run of stale prices;
 * 'empty-state': expected occupancy below `minStateOccupancy`; 'non-finite-likelihood': a start
 * hit a non-finite likelihood and was stopped at its last finite parameters, or no start is finite).
 * Throws {@link HmmInputError} for non-finite inputs, invalid options or fewer than K observations.
 *
 * States are returned ordered by variance ascending, labelled by {@link hmmStateLabels}.
 */
export function fitGaussianHmm(
  sequences: readonly ArrayLike<number>[],
  {
    states = 3,
    starts = 5,
    seed = 1,
    maxIterations = 1000,
    tolerance = 1e-8,
    varianceFloorRatio = 1e-3,
    varianceFloorMin = 1e-12,
    minStateOccupancy = 0.5,
    screenObservations = 20_000,
    init,
    workspace,
  }: GaussianHmmFitOptions = {},
): GaussianHmmFit {
  if (!(Number.isInteger(screenObservations) && screenObservations >= 1)) {
    throw new HmmInputError(`screenObservations must be an integer ≥ 1 (got ${screenObservations})`);
  }
  if (init !== undefined && init.states !== states) {
    throw new HmmInputError(`the warm start has ${init.states} states, the fit ${states}`);
  }
  validateFitOptions(states, starts, maxIterations, tolerance, varianceFloorRatio, varianceFloorMin);
  const shared =
    workspace !== undefined && workspace.states === states ? (workspace.buffers as SharedBuffers) : undefined;
  const pooled = poolSequences(sequences, shared?.data);
  const n = pooled.data.length;
  if (n < states) throw new HmmInputError(`need at least ${states} observations, got ${n}`);
  const nonEmpty = sequences.filter((s) => s.length > 0).length;

  const pooledStats = pooledMoments(pooled.data);
  const floor0 = Math.max(varianceFloorRatio * pooledStats.variance, varianceFloorMin);
  // The quantile groups (a sort of n values) only matter for cold starts.
  const moments = {
    ...pooledStats,
    groupVariances:
      init === undefined ? groupVariances(pooled.data, pooledStats.mean, states) : new Float64Array(states),
  };
  const floor = floor0;
  const ws = shared !== undefined && shared.data.length >= n ? shared.ws : makeWorkspace(n, states);

  const summaries: HmmStartSummary[] = [];
  let best: StartResult | null = null;
  let bestStart = 0;
  let anyNonFinite = false;
  const keep = (start: number, result: StartResult): void => {
    anyNonFinite ||= result.nonFinite;
    summaries.push({
      start,
      logLikelihood: result.logLikelihood,
      iterations: result.iterations,
      converged: result.converged,
    });
    const better =
      best === null || result.logLikelihood > best.logLikelihood || Number.isNaN(best.logLikelihood);
    if (better && (best === null || !Number.isNaN(result.logLikelihood))) {
      best = result;
      bestStart = start;
    }
  };
  let screenedOn: number | null = null;
  if (init !== undefined) {
    keep(
      0,
      runEm(workingFromParams(init, states, floor), pooled, ws, nonEmpty, floor, maxIterations, tolerance),
    );
  } else if (starts > 1 && n > screenObservations) {
    // Screen every start on a subsample; continue the best on the whole data.
    const sub = screeningSample(pooled, screenObservations);
    const subWs = makeWorkspace(sub.data.length, states);
    const subSequences = sub.starts.length - 1;
    screenedOn = sub.data.length;
    for (let start = 0; start < starts; start++) {
      const init0 = initialParams(states, moments, floor, start, seed);
      keep(start, runEm(init0, sub, subWs, subSequences, floor, maxIterations, tolerance));
    }
    const screened = best as StartResult | null;
    best = null;
    if (screened !== null) {
      const full = runEm(screened.params, pooled, ws, nonEmpty, floor, maxIterations, tolerance);
      anyNonFinite ||= full.nonFinite;
      best = full;
    }
  } else {
    for (let start = 0; start < starts; start++) {
      keep(
        start,
        runEm(
          initialParams(states, moments, floor, start, seed),
          pooled,
          ws,
          nonEmpty,
          floor,
          maxIterations,
          tolerance,
        ),
      );
    }
  }
  const chosen = best!;

  // Occupancy at the chosen parameters (recomputed: ws holds the last start's statistics).
  const finalLl = expectationStep(chosen.params, pooled, ws);
  const order = varianceOrder(chosen.params);
  const occupancy = order.map((j) => ws.weight[j]!);
  const params = toPublicParams(chosen.params, order);

  const reasons: HmmDegeneracyReason[] = [];
  if (params.variances.some((v) => v <= floor * (1 + 1e-9))) reasons.push('variance-floor');
  if (!Number.isFinite(finalLl) || occupancy.some((w) => !(w >= minStateOccupancy)))
    reasons.push('empty-state');
  if (anyNonFinite || !Number.isFinite(chosen.logLikelihood)) reasons.push('non-finite-likelihood');

  const parameterCount = hmmParameterCount(states);
  const { aic, bic } = informationCriteria(chosen.logLikelihood, parameterCount, n);
  return {
    params,
    logLikelihood: chosen.logLikelihood,
    parameterCount,
    observationCount: n,
    aic,
    bic,
    varianceFloor: floor,
    stateOccupancy: occupancy,
    degenerate: reasons.length > 0,
    degeneracyReasons: reasons,
    bestStart,
    iterations: chosen.iterations,
    converged: chosen.converged,
    starts: summaries,
    screenedOn,
  };
}

// ---------------------------------------------------------------------------------------------
// Serving: filtering, forecast, Viterbi, simulation
// ---------------------------------------------------------------------------------------------

/** log N(x; μ_k, σ²_k) for every state into `out`. */
function logEmissions(params: GaussianHmmParams, x: number, out: Float64Array): void {
  for (let j = 0; j < params.states; j++) {
    const d = x - params.means[j]!;
    const v = params.variances[j]!;
    out[j] = -0.5 * (LOG_2PI + Math.log(v) + (d * d) / v);
  }
}

/**
 * One filter step in place: prior (length K) ← P(s_t | r_1..r_t) from the prior P(s_t | r_1..r_{t−1})
 * and log emissions; returns log p(r_t | r_1..r_{t−1}). Works in log space when the scaled product
 * underflows, so an implausible observation never produces NaN.
 */
function filterStep(prior: Float64Array, logB: Float64Array): number {
  const k = prior.length;
  let shift = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++) if (logB[j]! > shift) shift = logB[j]!;
  let c = 0;
  for (let j = 0; j < k; j++) c += prior[j]! * Math.exp(logB[j]! - shift);
  if (c > 1e-280 && Number.isFinite(c)) {
    for (let j = 0; j < k; j++) prior[j] = (prior[j]! * Math.exp(logB[j]! - shift)) / c;
    return shift + Math.log(c);
  }
  // Log-space fallback: log a_j = log prior_j + log b_j.
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++) {
    const la = Math.log(prior[j]!) + logB[j]!;
    if (la > m) m = la;
  }
  if (!Number.isFinite(m)) return Number.NaN;
  let s = 0;
  for (let j = 0; j < k; j++) s += Math.exp(Math.log(prior[j]!) + logB[j]! - m);
  for (let j = 0; j < k; j++) prior[j] = Math.exp(Math.log(prior[j]!) + logB[j]! - m) / s;
  return m + Math.log(s);
}

/**
 * Scores a return series with given parameters by the forward filter only (causal): filtered
 * probabilities P(s_t | r_1..r_t), the log-likelihood, and the one-step-ahead state distribution
 * filtered_T · A. `initial` chooses P(s_1): 'stationary' (default; the stationary distribution of A,
 * as statsmodels MarkovRegression's "steady-state" initialisation — right for a new series) or
 * 'fitted' (params.initial, which reproduces the training log-likelihood).
 *
 * The filtered probabilities at t depend only on r_1..r_t: appending observations never changes them.
 */
export function scoreGaussianHmm(
  params: GaussianHmmParams,
  returns: ArrayLike<number>,
  { initial = 'stationary' }: { readonly initial?: HmmInitialDistribution } = {},
): HmmScore {
  assertFiniteSeries(returns, 'returns');
  const k = params.states;
  const prob = Float64Array.from(initialDistribution(params, initial));
  const logB = new Float64Array(k);
  const filtered: number[][] = new Array(returns.length);
  let logLikelihood = 0;
  for (let t = 0; t < returns.length; t++) {
    if (t > 0) prob.set(vectorTimesMatrix(prob, params.transition));
    logEmissions(params, returns[t]!, logB);
    logLikelihood += filterStep(prob, logB);
    filtered[t] = Array.from(prob);
  }
  const last = filtered[filtered.length - 1];
  return {
    filtered,
    logLikelihood,
    nextState: last === undefined ? Array.from(prob) : forecastStateDistribution(params, last, 1),
    currentState: last === undefined ? -1 : argmax(last),
    currentLabel: last === undefined ? null : params.labels[argmax(last)]!,
  };
}

/**
 * The filtered probabilities of {@link scoreGaussianHmm} as one flat array (row t at t·K), without
 * an allocation per step: for long series (evaluation folds over millions of observations).
 * `length`: filter only the first `length` observations (the filter is causal: they do not depend
 * on the rest).
 */
export function filterGaussianHmm(
  params: GaussianHmmParams,
  returns: ArrayLike<number>,
  {
    initial = 'stationary',
    length = returns.length,
    onStep,
  }: {
    readonly initial?: HmmInitialDistribution;
    readonly length?: number;
    /** Called with each t and P(s_t | r_1..r_t) (a view valid during the call); nothing is stored then. */
    readonly onStep?: (t: number, filtered: Float64Array) => void;
  } = {},
): Float64Array {
  const n = Math.min(length, returns.length);
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(returns[t])) {
      throw new HmmInputError(`returns: value at index ${t} is not a finite number (${returns[t]})`);
    }
  }
  const k = params.states;
  const transition = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) transition[i * k + j] = params.transition[i]![j]!;
  const logNorm = new Float64Array(k);
  const halfInvVar = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    logNorm[j] = -0.5 * (LOG_2PI + Math.log(params.variances[j]!));
    halfInvVar[j] = 0.5 / params.variances[j]!;
  }
  const prob = Float64Array.from(initialDistribution(params, initial));
  const next = new Float64Array(k);
  const logB = new Float64Array(k);
  const out = new Float64Array(onStep === undefined ? n * k : 0);
  for (let t = 0; t < n; t++) {
    if (t > 0) {
      next.fill(0);
      for (let i = 0; i < k; i++) {
        const pi = prob[i]!;
        if (pi === 0) continue;
        for (let j = 0; j < k; j++) next[j] = next[j]! + pi * transition[i * k + j]!;
      }
      prob.set(next);
    }
    const x = returns[t]!;
    for (let j = 0; j < k; j++) {
      const d = x - params.means[j]!;
      logB[j] = logNorm[j]! - d * d * halfInvVar[j]!;
    }
    filterStep(prob, logB);
    if (onStep === undefined) out.set(prob, t * k);
    else onStep(t, prob);
  }
  return out;
}

/**
 * h-step-ahead state distribution from a filtered distribution: filtered · A^h (h ≥ 1 integer).
 * With h = 1 this is P(s_{T+1} | r_1..r_T).
 */
export function forecastStateDistribution(
  params: GaussianHmmParams,
  filtered: readonly number[],
  steps = 1,
): number[] {
  if (!Number.isInteger(steps) || steps < 0)
    throw new HmmInputError(`steps must be an integer ≥ 0 (got ${steps})`);
  if (filtered.length !== params.states) {
    throw new HmmInputError(`filtered distribution has length ${filtered.length}, expected ${params.states}`);
  }
  let dist = [...filtered];
  for (let h = 0; h < steps; h++) dist = vectorTimesMatrix(dist, params.transition);
  return dist;
}

/**
 * Viterbi path (most probable state sequence) in log space, for history and reports — not for
 * forecasting. Ties go to the lower state. `initial` as in {@link scoreGaussianHmm}.
 */
export function viterbiPath(
  params: GaussianHmmParams,
  returns: ArrayLike<number>,
  { initial = 'stationary' }: { readonly initial?: HmmInitialDistribution } = {},
): HmmViterbi {
  assertFiniteSeries(returns, 'returns');
  const k = params.states;
  const n = returns.length;
  if (n === 0) return { path: [], logProbability: 0 };
  const logA = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) logA[i * k + j] = Math.log(params.transition[i]![j]!);
  const logB = new Float64Array(k);
  let delta = Float64Array.from(initialDistribution(params, initial), Math.log);
  let next = new Float64Array(k);
  const backPointer = new Int32Array(n * k);
  logEmissions(params, returns[0]!, logB);
  for (let j = 0; j < k; j++) delta[j] = delta[j]! + logB[j]!;
  for (let t = 1; t < n; t++) {
    logEmissions(params, returns[t]!, logB);
    for (let j = 0; j < k; j++) {
      let bestI = 0;
      let bestScore = delta[0]! + logA[j]!;
      for (let i = 1; i < k; i++) {
        const score = delta[i]! + logA[i * k + j]!;
        if (score > bestScore) {
          bestScore = score;
          bestI = i;
        }
      }
      next[j] = bestScore + logB[j]!;
      backPointer[t * k + j] = bestI;
    }
    [delta, next] = [next, delta];
  }
  const path = new Array<number>(n);
  let state = argmax(delta);
  const logProbability = delta[state]!;
  for (let t = n - 1; t >= 0; t--) {
    path[t] = state;
    if (t > 0) state = backPointer[t * k + state]!;
  }
  return { path, logProbability };
}

/**
 * Simulates `length` observations from the HMM (s_1 ~ params.initial), seeded (private mulberry32
 * PRNG + Box–Muller), for tests, benchmarks and examples.
 */
export function simulateGaussianHmm(
  params: GaussianHmmParams,
  length: number,
  seed: number,
): { states: number[]; returns: number[] } {
  const uniform = mulberry32(seed);
  const draw = (probabilities: readonly number[]): number => {
    const u = uniform();
    let cumulative = 0;
    for (let j = 0; j < probabilities.length; j++) {
      cumulative += probabilities[j]!;
      if (u < cumulative) return j;
    }
    return probabilities.length - 1;
  };
  const states = new Array<number>(length);
  const returns = new Array<number>(length);
  let state = -1;
  for (let t = 0; t < length; t++) {
    state = t === 0 ? draw(params.initial) : draw(params.transition[state]!);
    states[t] = state;
    returns[t] = params.means[state]! + Math.sqrt(params.variances[state]!) * normalDraw(uniform);
  }
  return { states, returns };
}
