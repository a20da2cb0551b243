/**
 * Duration-aware (semi-Markov) regime chain, DOMAIN §4.2.
 *
 * The first-order Markov chain makes every regime's stay geometric: the chance of leaving is
 * the same on day 1 and on day 100. On the sample the regimes both flicker (many one- and
 * two-day runs) and persist (runs of hundreds of days), which a geometric stay cannot do. This
 * chain lets the leaving probability depend on the age in the regime:
 *
 * - Runs: maximal runs of one regime within a symbol's sequence (states 0..K−1 in date
 *   order). A symbol's first run is left-truncated (it began before the data) and its last run
 *   right-censored (it goes on after the data); both are censored observations of a run
 *   length. A symbol with a single run has a run that is both.
 * - Jump chain: Q_ij = (N_ij + α) / (Σ_{k≠i} N_ik + (K−1)α) for i ≠ j, Q_ii = 0, N_ij the
 *   observed changes i → j (every run followed by another run of its symbol, whether or not
 *   the run itself is censored).
 * - Hazard h_i(d) = P(the run ends at length d | it lasted d days), shrunk toward the
 *   memoryless rate λ_i = (uncensored runs of i) / (days in all runs of i):
 *   h_i(d) = (e_i(d) + κλ_i) / (n_i(d) + κ) for d ≤ D_i, with n_i(d) the runs of i of observed
 *   length ≥ d (censored ones included), e_i(d) the uncensored runs of length exactly d, and
 *   D_i the largest d with n_i(d) ≥ minAtRisk. Beyond D_i a constant tail:
 *   (uncensored runs longer than D_i + κλ_i) / (days those and the censored runs spent
 *   beyond D_i + κ). κ = ∞ gives h_i(d) = λ_i at every age: the memoryless chain with
 *   P_ii = 1 − λ_i, P_ij = λ_i·Q_ij ({@link memorylessMatrix}).
 * - Forecast from (regime i, age a): a forward recursion over (state, age); each day a symbol
 *   in (j, d) leaves with h_j(d) to k ≠ j with Q_jk, arriving at (k, 1), or stays at (j, d+1).
 *
 * Policies (no result is ever NaN):
 * - A regime with no day in the data has no duration information: its λ is the pooled rate of
 *   all regimes (all uncensored runs / all days) and it is named in `warnings`.
 * - A regime whose runs are all censored (none is seen to end: a short gold, or a regime only at a
 *   series' edges) would have λ = 0 and never leave, against the chain shown beside it: its λ is
 *   the chain's α-smoothed leaving probability (C_i + (K−1)α) / (N_i + Kα), C_i its observed changes,
 *   N_i its transitions (warned; so is a regime that never occurs when no run of any regime ends).
 *   Only with α = 0 and no change out of it does it never leave (h = 0, expected remaining days
 *   Infinity).
 * - A jump row with no observed change and α = 0 is uniform over the other regimes (warned).
 *
 * Reference: test/fixtures/semi-markov/make_semi_markov.py (pandas runs and hazards, numpy
 * recursion over an uncapped age grid) on the bundled sample and a synthetic multi-symbol case.
 */
import { sortedQuantile } from '#shared/model/markov';
import { createRandom, type RandomSource } from '#shared/stats/random';

/** Input to a semi-Markov function is malformed (state out of range, bad option …). */
export class SemiMarkovInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SemiMarkovInputError';
  }
}

/** One maximal run of a regime within one symbol's sequence. */
export interface RegimeRun {
  /** Index of the sequence (symbol) it comes from. */
  sequence: number;
  state: number;
  /** Observed length in days (≥ 1). */
  length: number;
  /** The symbol's first run: it may have begun before the data. */
  leftTruncated: boolean;
  /** The symbol's last run: it may go on after the data. */
  rightCensored: boolean;
  /** The regime the symbol moved to when the run ended; null for the last run. */
  next: number | null;
}

/** The estimation settings (config/model.yaml `semiMarkov`). */
export interface SemiMarkovFitOptions {
  /** α of the jump chain. */
  alpha: number;
  /** Runs that must still be at risk at an age for it to get its own hazard. */
  minAtRisk: number;
  /** κ > 0 (Infinity = the memoryless chain). */
  hazardPrior: number;
}

/** A fitted semi-Markov chain. Hazard arrays are indexed by age: hazard[i][d] = h_i(d). */
export interface SemiMarkovModel {
  k: number;
  options: SemiMarkovFitOptions;
  /** N_ij, observed changes i → j (diagonal 0). */
  changes: number[][];
  /** Q, K×K, zero diagonal, rows sum to 1. */
  jump: number[][];
  /** Runs per regime, uncensored runs per regime, days in all runs per regime. */
  runs: number[];
  uncensoredRuns: number[];
  days: number[];
  /** λ_i. */
  memorylessRate: number[];
  /** D_i (0 when fewer than minAtRisk runs: every age uses the tail). */
  maxAge: number[];
  /**
   * h_i(d) for d = 1..D_i+1, with index D_i+1 holding the constant tail (index 0 unused, 0).
   * The age D_i+1 stands for every age beyond D_i: see {@link hazardAt}.
   */
  hazard: Float64Array[];
  /** The constant hazard beyond D_i. */
  tailHazard: number[];
  warnings: string[];
}

/** Where a forecast starts: the current regime and its age (`regime_age`, ≥ 1). */
export interface SemiMarkovStart {
  state: number;
  age: number;
}

/** Forecasts for h = 1..maxHorizon from one (regime, age) start. Arrays are indexed h − 1. */
export interface SemiMarkovForecast {
  start: SemiMarkovStart;
  maxHorizon: number;
  /** distribution[h − 1][j] = P(regime at t+h = j). */
  distribution: number[][];
  /**
   * P(reach `highState` within h), High absorbing in the recursion; 1 at every h from a High
   * start (as the Markov chain's (A^h)[High, High]).
   */
  reachWithin: number[];
  /** P(leave the current regime within h) = 1 − Π_{m=a}^{a+h−1} (1 − h_i(m)). */
  leaveWithin: number[];
  /** E[L − a | L ≥ a], summed exactly (geometric tail in closed form); may be Infinity. */
  expectedRemaining: number;
}

// ---------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------

/**
 * Maximal runs of every sequence, in order (pandas: `(s != s.shift()).cumsum()` groups).
 * Empty sequences give no run.
 *
 * @throws SemiMarkovInputError on a state that is not an integer in 0..K−1, naming the
 *   sequence and position
 */
export function extractRuns(sequences: ReadonlyArray<ArrayLike<number>>, k: number): RegimeRun[] {
  assertK(k);
  const runs: RegimeRun[] = [];
  sequences.forEach((sequence, index) => {
    const n = sequence.length;
    let start = 0;
    for (let t = 0; t < n; t++) {
      const state = sequence[t]!;
      if (!Number.isInteger(state) || state < 0 || state >= k) {
        throw new SemiMarkovInputError(
          `sequence ${index}, position ${t}: state ${state} is not an integer in 0..${k - 1}`,
        );
      }
      if (t + 1 === n || sequence[t + 1] !== state) {
        runs.push({
          sequence: index,
          state,
          length: t + 1 - start,
          leftTruncated: start === 0,
          rightCensored: t + 1 === n,
          next: t + 1 === n ? null : sequence[t + 1]!,
        });
        start = t + 1;
      }
    }
  });
  return runs;
}

/** A run is censored when it is its symbol's first (left-truncated) or last (right-censored). */
export function isCensored(run: RegimeRun): boolean {
  return run.leftTruncated || run.rightCensored;
}

// ---------------------------------------------------------------------------------------
// Fitting
// ---------------------------------------------------------------------------------------

/** Fits the chain from state sequences (one per symbol): {@link extractRuns} then {@link fitSemiMarkov}. */
export function fitSemiMarkovSequences(
  sequences: ReadonlyArray<ArrayLike<number>>,
  k: number,
  options: SemiMarkovFitOptions,
): SemiMarkovModel {
  return fitSemiMarkov(extractRuns(sequences, k), k, options);
}

/**
 * Fits the jump chain and the hazards from runs (DOMAIN §4.2; see the module comment).
 *
 * @throws SemiMarkovInputError on bad options, a malformed run, or no run at all
 */
export function fitSemiMarkov(
  runs: readonly RegimeRun[],
  k: number,
  options: SemiMarkovFitOptions,
): SemiMarkovModel {
  assertK(k);
  assertFitOptions(options);
  const { alpha, minAtRisk, hazardPrior: kappa } = options;
  const warnings: string[] = [];

  const changes = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const runCount = new Array<number>(k).fill(0);
  const uncensored = new Array<number>(k).fill(0);
  const days = new Array<number>(k).fill(0);
  const longest = new Array<number>(k).fill(0);
  for (const run of runs) {
    assertRun(run, k);
    runCount[run.state]! += 1;
    days[run.state]! += run.length;
    if (!isCensored(run)) uncensored[run.state]! += 1;
    if (run.next !== null) changes[run.state]![run.next]! += 1;
    if (run.length > longest[run.state]!) longest[run.state] = run.length;
  }
  const totalDays = days.reduce((a, b) => a + b, 0);
  if (totalDays === 0) throw new SemiMarkovInputError('no run to fit: every sequence is empty');
  const pooledRate = uncensored.reduce((a, b) => a + b, 0) / totalDays;
  /** The chain's 1 − P_ii with α: (changes out of i + (K−1)α) / (transitions from i + Kα); 0 without either. */
  const chainLeaving = (i: number): number => {
    const out = changes[i]!.reduce((a, b) => a + b, 0);
    const from = days[i]! - runCount[i]! + out + k * alpha;
    return from === 0 ? 0 : (out + (k - 1) * alpha) / from;
  };

  // Per state: at-risk counts n_i(d) and ends e_i(d), d = 1..longest.
  const atRisk = longest.map((l) => new Float64Array(l + 2));
  const ends = longest.map((l) => new Float64Array(l + 2));
  for (const run of runs) {
    // n_i(d) += 1 for d ≤ length: a difference array, cumulated from the top below.
    atRisk[run.state]![run.length]! += 1;
    if (!isCensored(run)) ends[run.state]![run.length]! += 1;
  }

  const memorylessRate: number[] = [];
  const maxAge: number[] = [];
  const hazard: Float64Array[] = [];
  const tailHazard: number[] = [];
  for (let i = 0; i < k; i++) {
    const n = atRisk[i]!;
    for (let d = longest[i]! - 1; d >= 1; d--) n[d]! += n[d + 1]!;
    let lambda: number;
    if (days[i] === 0 && pooledRate > 0) {
      lambda = pooledRate;
      warnings.push(`regime ${i} never occurs: its hazard is the pooled memoryless rate ${pooledRate}`);
    } else if (uncensored[i] === 0) {
      // No run of i is seen to end, so (uncensored runs) / days is 0: "never leaves", which the chain
      // beside it contradicts. Its α-smoothed leaving probability is the estimate left.
      lambda = chainLeaving(i);
      warnings.push(
        days[i] === 0
          ? `regime ${i} never occurs and no run of any regime is seen to end: its hazard is the chain's leaving probability ${lambda} (α = ${alpha})`
          : `regime ${i} has only censored runs: it is never seen to end, so its hazard is the chain's leaving probability ${lambda} (α = ${alpha})`,
      );
    } else {
      lambda = uncensored[i]! / days[i]!;
    }
    let dMax = 0;
    while (dMax + 1 <= longest[i]! && n[dMax + 1]! >= minAtRisk) dMax++;
    const h = new Float64Array(dMax + 2);
    for (let d = 1; d <= dMax; d++) h[d] = shrink(ends[i]![d]!, n[d]!, lambda, kappa);
    // Tail: events and exposure beyond D_i. An uncensored run of length L > D_i was at risk on
    // ages D_i+1..L (L − D_i days) and ended; a censored one was at risk L − D_i days.
    let tailEvents = 0;
    let tailExposure = 0;
    for (const run of runs) {
      if (run.state !== i || run.length <= dMax) continue;
      tailExposure += run.length - dMax;
      if (!isCensored(run)) tailEvents += 1;
    }
    const tail = shrink(tailEvents, tailExposure, lambda, kappa);
    h[dMax + 1] = tail;
    memorylessRate.push(lambda);
    maxAge.push(dMax);
    hazard.push(h);
    tailHazard.push(tail);
  }

  const jump = changes.map((row, i) => {
    const total = row.reduce((a, b, j) => (j === i ? a : a + b), 0) + (k - 1) * alpha;
    if (total === 0) {
      warnings.push(`regime ${i} is never seen to change and α = 0: its jump row is uniform`);
      return row.map((_, j) => (j === i ? 0 : 1 / (k - 1)));
    }
    return row.map((c, j) => (j === i ? 0 : (c + alpha) / total));
  });

  return {
    k,
    options: { ...options },
    changes,
    jump,
    runs: runCount,
    uncensoredRuns: uncensored,
    days,
    memorylessRate,
    maxAge,
    hazard,
    tailHazard,
    warnings,
  };
}

/** (events + κλ) / (exposure + κ); κ = ∞ gives λ. */
function shrink(events: number, exposure: number, lambda: number, kappa: number): number {
  if (kappa === Number.POSITIVE_INFINITY) return lambda;
  return (events + kappa * lambda) / (exposure + kappa);
}

/** h_i(d) for any age d ≥ 1 (the constant tail beyond D_i). */
export function hazardAt(model: SemiMarkovModel, state: number, age: number): number {
  assertState(state, model.k, 'state');
  assertAge(age);
  const h = model.hazard[state]!;
  return h[Math.min(age, h.length - 1)]!;
}

/**
 * Survival curve of a run of `state`: S(d) = P(L > d) = Π_{m=1}^{d} (1 − h(m)) for
 * d = 0..maxAge (S(0) = 1).
 */
export function survivalCurve(model: SemiMarkovModel, state: number, maxAge: number): number[] {
  assertState(state, model.k, 'state');
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new SemiMarkovInputError(`maxAge must be a non-negative integer, got ${maxAge}`);
  }
  const out = [1];
  let s = 1;
  for (let d = 1; d <= maxAge; d++) {
    s *= 1 - hazardAt(model, state, d);
    out.push(s);
  }
  return out;
}

/** The memoryless chain with the same leaving rates: P_ii = 1 − λ_i, P_ij = λ_i·Q_ij. */
export function memorylessMatrix(model: SemiMarkovModel): number[][] {
  return model.jump.map((row, i) =>
    row.map((q, j) => (j === i ? 1 - model.memorylessRate[i]! : model.memorylessRate[i]! * q)),
  );
}

// ---------------------------------------------------------------------------------------
// Forecasting
// ---------------------------------------------------------------------------------------

/**
 * Forecasts from (regime i, age a) for h = 1..maxHorizon (DOMAIN §4.2).
 *
 * The recursion holds, per state j, the probability of (j, d) for d = 1..D_j+1 in one
 * Float64Array (two buffers, swapped each day). Ages beyond D_j+1 are merged into the cell
 * D_j+1: the hazard is the same constant at every age > D_j, so a symbol at (j, D_j+5) and one
 * at (j, D_j+1) have the same future; the merged cell keeps its mass that stays. The cost per
 * day is Σ_j (D_j+1), whatever the horizon or the starting age.
 *
 * @param highState the regime that is absorbing in "P(reach High within h)"
 */
export function forecastSemiMarkov(
  model: SemiMarkovModel,
  start: SemiMarkovStart,
  maxHorizon: number,
  highState: number,
): SemiMarkovForecast {
  const k = model.k;
  assertState(start.state, k, 'start state');
  assertAge(start.age);
  assertState(highState, k, 'high state');
  if (!Number.isInteger(maxHorizon) || maxHorizon < 1) {
    throw new SemiMarkovInputError(`maxHorizon must be a positive integer, got ${maxHorizon}`);
  }
  const grid = new AgeGrid(model);

  const distribution: number[][] = [];
  grid.reset(start);
  const row = new Float64Array(k);
  for (let h = 1; h <= maxHorizon; h++) {
    grid.step(-1);
    grid.stateTotals(row);
    distribution.push(Array.from(row));
  }

  const reachWithin = new Array<number>(maxHorizon);
  if (start.state === highState) {
    reachWithin.fill(1);
  } else {
    grid.reset(start);
    let absorbed = 0;
    for (let h = 1; h <= maxHorizon; h++) {
      absorbed += grid.step(highState);
      reachWithin[h - 1] = absorbed;
    }
  }

  const leaveWithin = new Array<number>(maxHorizon);
  let survive = 1;
  for (let h = 1; h <= maxHorizon; h++) {
    survive *= 1 - hazardAt(model, start.state, start.age + h - 1);
    leaveWithin[h - 1] = 1 - survive;
  }

  return {
    start: { ...start },
    maxHorizon,
    distribution,
    reachWithin,
    leaveWithin,
    expectedRemaining: expectedRemainingDays(model, start),
  };
}

/**
 * E[L − a | L ≥ a] = Σ_{k≥1} Π_{m=a}^{a+k−1} (1 − h_i(m)): the explicit terms up to age D_i,
 * then the geometric tail S·(1 − τ)/τ with S the survival to age D_i and τ the constant tail
 * hazard. Infinity when τ = 0 and the run can reach the tail.
 */
export function expectedRemainingDays(model: SemiMarkovModel, start: SemiMarkovStart): number {
  assertState(start.state, model.k, 'start state');
  assertAge(start.age);
  const h = model.hazard[start.state]!;
  const dMax = model.maxAge[start.state]!;
  const tau = model.tailHazard[start.state]!;
  let sum = 0;
  let survive = 1;
  // Terms k whose last age a+k−1 is ≤ D_i.
  for (let m = start.age; m <= dMax; m++) {
    survive *= 1 - h[m]!;
    sum += survive;
  }
  if (survive === 0) return sum;
  if (tau === 0) return Number.POSITIVE_INFINITY;
  return sum + (survive * (1 - tau)) / tau;
}

/**
 * Forecasts at some horizons from every (regime, age) start at once: the same numbers as
 * {@link forecastSemiMarkov} for each start, by the backward recursion over the same (state, age)
 * cells. With T the one-day move of the forward recursion, V_h = T·V_{h−1}: the value of a cell
 * is what the cell it moves to is worth one day less, so
 * - V_h(j, d) = (1 − h_j(d))·V_{h−1}(j, d+1) + h_j(d)·Σ_{m≠j} Q_jm·V_{h−1}(m, 1), V_0(j, d) = e_j
 *   (P(regime at t+h), a K-vector);
 * - R_h likewise with High absorbing (R = 1 in High, R_0 = 0 elsewhere): P(reach High within h);
 * - S_h(j, d) = (1 − h_j(d))·S_{h−1}(j, d+1): P(still in the run after h days), leave = 1 − S_h.
 * Ages beyond D_j share the cell D_j + 1 (constant hazard), so Σ_j (D_j + 1) cells hold every
 * start. Cost: maxHorizon × cells × (K + 2), whatever the number of origins asked — what the
 * horizon backtest needs (thousands of origins per fold, a few hundred distinct cells).
 */
export interface SemiMarkovHorizonTable {
  k: number;
  horizons: number[];
  /** cap[j] = D_j + 1; a start (j, a) reads the cell (j, min(a, cap[j])). */
  cap: Int32Array;
  /** offset[j] + d − 1 is the cell of (j, d). */
  offset: Int32Array;
  /** Per horizon (index in `horizons`): distribution[h][cell·K + m] = P(regime at t+h = m). */
  distribution: Float64Array[];
  /** Per horizon: P(reach High within h) per cell (1 in High). */
  reachWithin: Float64Array[];
  /** Per horizon: P(leave the current regime within h) per cell. */
  leaveWithin: Float64Array[];
}

export function semiMarkovHorizonTable(
  model: SemiMarkovModel,
  horizons: readonly number[],
  highState: number,
): SemiMarkovHorizonTable {
  const k = model.k;
  assertState(highState, k, 'high state');
  for (const h of horizons) {
    if (!Number.isInteger(h) || h < 1)
      throw new SemiMarkovInputError(`horizon must be a positive integer, got ${h}`);
  }
  const cap = new Int32Array(k);
  const offset = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) {
    cap[j] = model.maxAge[j]! + 1;
    offset[j + 1] = offset[j]! + cap[j]!;
  }
  const cells = offset[k]!;
  const hazard = new Float64Array(cells);
  const stateOf = new Int32Array(cells);
  const nextCell = new Int32Array(cells);
  for (let j = 0; j < k; j++) {
    for (let d = 1; d <= cap[j]!; d++) {
      const c = offset[j]! + d - 1;
      hazard[c] = model.hazard[j]![d]!;
      stateOf[c] = j;
      nextCell[c] = d === cap[j] ? c : c + 1;
    }
  }
  let v = new Float64Array(cells * k);
  let vNext = new Float64Array(cells * k);
  let r = new Float64Array(cells);
  let rNext = new Float64Array(cells);
  let s = new Float64Array(cells).fill(1);
  let sNext = new Float64Array(cells);
  for (let c = 0; c < cells; c++) {
    v[c * k + stateOf[c]!] = 1;
    if (stateOf[c] === highState) r[c] = 1;
  }
  const jumpValue = new Float64Array(k * k); // Σ_{m≠j} Q_jm · V(m, 1), per j
  const jumpReach = new Float64Array(k);
  const maxHorizon = horizons.reduce((a, b) => Math.max(a, b), 0);
  const wanted = new Map<number, number>();
  horizons.forEach((h, i) => {
    if (!wanted.has(h)) wanted.set(h, i);
  });
  const distribution: Float64Array[] = new Array(horizons.length);
  const reachWithin: Float64Array[] = new Array(horizons.length);
  const leaveWithin: Float64Array[] = new Array(horizons.length);
  for (let h = 1; h <= maxHorizon; h++) {
    jumpValue.fill(0);
    jumpReach.fill(0);
    for (let j = 0; j < k; j++) {
      const row = model.jump[j]!;
      for (let m = 0; m < k; m++) {
        if (m === j || row[m] === 0) continue;
        const q = row[m]!;
        const entry = offset[m]! * k;
        for (let x = 0; x < k; x++) jumpValue[j * k + x]! += q * v[entry + x]!;
        jumpReach[j]! += q * (m === highState ? 1 : r[offset[m]!]!);
      }
    }
    for (let c = 0; c < cells; c++) {
      const j = stateOf[c]!;
      const hz = hazard[c]!;
      const stay = 1 - hz;
      const n = nextCell[c]!;
      for (let x = 0; x < k; x++) vNext[c * k + x] = stay * v[n * k + x]! + hz * jumpValue[j * k + x]!;
      rNext[c] = j === highState ? 1 : stay * r[n]! + hz * jumpReach[j]!;
      sNext[c] = stay * s[n]!;
    }
    [v, vNext] = [vNext, v];
    [r, rNext] = [rNext, r];
    [s, sNext] = [sNext, s];
    const index = wanted.get(h);
    if (index !== undefined) {
      distribution[index] = v.slice();
      reachWithin[index] = r.slice();
      leaveWithin[index] = s.map((x) => 1 - x);
    }
  }
  horizons.forEach((h, i) => {
    const first = wanted.get(h)!;
    distribution[i] = distribution[first]!;
    reachWithin[i] = reachWithin[first]!;
    leaveWithin[i] = leaveWithin[first]!;
  });
  return { k, horizons: [...horizons], cap, offset, distribution, reachWithin, leaveWithin };
}

/** The cell of a (regime, age) start in a {@link SemiMarkovHorizonTable}. */
export function semiMarkovCell(table: SemiMarkovHorizonTable, start: SemiMarkovStart): number {
  assertState(start.state, table.k, 'start state');
  assertAge(start.age);
  return table.offset[start.state]! + Math.min(start.age, table.cap[start.state]!) - 1;
}

/** The (state, age) probability grid of the forward recursion, allocated once per forecast. */
class AgeGrid {
  private readonly k: number;
  /** offset[j] + d − 1 is the cell of (j, d), d = 1..cap[j]. */
  private readonly offset: Int32Array;
  private readonly cap: Int32Array;
  /** Per cell: the hazard and the jump row are read from the model. */
  private readonly hazard: Float64Array;
  private readonly jump: Float64Array;
  private current: Float64Array;
  private next: Float64Array;
  private readonly arrivals: Float64Array;

  constructor(model: SemiMarkovModel) {
    this.k = model.k;
    this.offset = new Int32Array(this.k + 1);
    this.cap = new Int32Array(this.k);
    for (let j = 0; j < this.k; j++) {
      this.cap[j] = model.maxAge[j]! + 1;
      this.offset[j + 1] = this.offset[j]! + this.cap[j]!;
    }
    const cells = this.offset[this.k]!;
    this.hazard = new Float64Array(cells);
    for (let j = 0; j < this.k; j++) {
      for (let d = 1; d <= this.cap[j]!; d++) this.hazard[this.offset[j]! + d - 1] = model.hazard[j]![d]!;
    }
    this.jump = Float64Array.from(model.jump.flat());
    this.current = new Float64Array(cells);
    this.next = new Float64Array(cells);
    this.arrivals = new Float64Array(this.k);
  }

  reset(start: SemiMarkovStart): void {
    this.current.fill(0);
    const d = Math.min(start.age, this.cap[start.state]!);
    this.current[this.offset[start.state]! + d - 1] = 1;
  }

  /**
   * One day. With `absorbing` ≥ 0, mass that moves into that state leaves the grid; returns
   * the mass absorbed this day (0 when `absorbing` < 0).
   */
  step(absorbing: number): number {
    const { k, offset, cap, hazard, jump, current, next, arrivals } = this;
    next.fill(0);
    arrivals.fill(0);
    for (let j = 0; j < k; j++) {
      const first = offset[j]!;
      const last = first + cap[j]! - 1;
      let leaving = 0;
      for (let c = first; c <= last; c++) {
        const mass = current[c]!;
        if (mass === 0) continue;
        const out = mass * hazard[c]!;
        leaving += out;
        next[c === last ? last : c + 1]! += mass - out;
      }
      if (leaving === 0) continue;
      for (let m = 0; m < k; m++) if (m !== j) arrivals[m]! += leaving * jump[j * k + m]!;
    }
    let absorbed = 0;
    for (let m = 0; m < k; m++) {
      if (m === absorbing) absorbed = arrivals[m]!;
      else next[offset[m]!]! += arrivals[m]!;
    }
    this.current = next;
    this.next = current;
    return absorbed;
  }

  stateTotals(out: Float64Array): void {
    for (let j = 0; j < this.k; j++) {
      let sum = 0;
      for (let c = this.offset[j]!; c < this.offset[j + 1]!; c++) sum += this.current[c]!;
      out[j] = sum;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Bootstrap intervals
// ---------------------------------------------------------------------------------------

/** Settings of {@link bootstrapSemiMarkov} (config/model.yaml `semiMarkov`). */
export interface SemiMarkovBootstrapOptions {
  bootstrapSamples: number;
  intervalMass: number;
  seed: number;
}

/** Equal-tailed bootstrap percentile intervals of every output of a forecast. */
export interface SemiMarkovIntervals {
  samples: number;
  seed: number;
  mass: number;
  /** lower/upper[h − 1][j] of P(regime at t+h = j). */
  distribution: { lower: number[][]; upper: number[][] };
  reachWithin: { lower: number[]; upper: number[] };
  leaveWithin: { lower: number[]; upper: number[] };
  expectedRemaining: { lower: number; upper: number };
}

/**
 * Bootstrap over runs: each replicate resamples, within each regime, that regime's runs with
 * replacement (so every regime keeps its number of runs; a run carries its length, its
 * censoring and the regime it moved to), refits with the same options and forecasts from the
 * same start. Intervals are the (1 ∓ mass)/2 percentiles, linear interpolation (numpy
 * `percentile` default; Infinity kept). Seeded xoshiro128**: one seed, one result.
 */
export function bootstrapSemiMarkov(
  runs: readonly RegimeRun[],
  k: number,
  fit: SemiMarkovFitOptions,
  bootstrap: SemiMarkovBootstrapOptions,
  start: SemiMarkovStart,
  maxHorizon: number,
  highState: number,
): SemiMarkovIntervals {
  const { bootstrapSamples: samples, intervalMass: mass, seed } = bootstrap;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new SemiMarkovInputError(`bootstrapSamples must be a positive integer, got ${samples}`);
  }
  if (!(mass > 0 && mass < 1)) throw new SemiMarkovInputError(`intervalMass must be in (0, 1), got ${mass}`);
  assertK(k);
  const strata: RegimeRun[][] = Array.from({ length: k }, () => []);
  for (const run of runs) {
    assertRun(run, k);
    strata[run.state]!.push(run);
  }
  const random = createRandom(seed);
  const distDraws = Array.from({ length: maxHorizon * k }, () => new Float64Array(samples));
  const reachDraws = Array.from({ length: maxHorizon }, () => new Float64Array(samples));
  const leaveDraws = Array.from({ length: maxHorizon }, () => new Float64Array(samples));
  const remainingDraws = new Float64Array(samples);
  const resampled: RegimeRun[] = new Array<RegimeRun>(runs.length);
  for (let s = 0; s < samples; s++) {
    let n = 0;
    for (const stratum of strata) {
      for (let r = 0; r < stratum.length; r++) resampled[n++] = stratum[randomIndex(random, stratum.length)]!;
    }
    const model = fitSemiMarkov(resampled, k, fit);
    const f = forecastSemiMarkov(model, start, maxHorizon, highState);
    for (let h = 0; h < maxHorizon; h++) {
      for (let j = 0; j < k; j++) distDraws[h * k + j]![s] = f.distribution[h]![j]!;
      reachDraws[h]![s] = f.reachWithin[h]!;
      leaveDraws[h]![s] = f.leaveWithin[h]!;
    }
    remainingDraws[s] = f.expectedRemaining;
  }
  const lowerQ = (1 - mass) / 2;
  const upperQ = (1 + mass) / 2;
  const bounds = (draws: Float64Array): [number, number] => {
    draws.sort();
    return [sortedQuantile(draws, lowerQ), sortedQuantile(draws, upperQ)];
  };
  const distLower: number[][] = [];
  const distUpper: number[][] = [];
  for (let h = 0; h < maxHorizon; h++) {
    const lo: number[] = [];
    const hi: number[] = [];
    for (let j = 0; j < k; j++) {
      const [a, b] = bounds(distDraws[h * k + j]!);
      lo.push(a);
      hi.push(b);
    }
    distLower.push(lo);
    distUpper.push(hi);
  }
  const series = (draws: Float64Array[]) => {
    const b = draws.map(bounds);
    return { lower: b.map((x) => x[0]), upper: b.map((x) => x[1]) };
  };
  const [remLo, remHi] = bounds(remainingDraws);
  return {
    samples,
    seed,
    mass,
    distribution: { lower: distLower, upper: distUpper },
    reachWithin: series(reachDraws),
    leaveWithin: series(leaveDraws),
    expectedRemaining: { lower: remLo, upper: remHi },
  };
}

/** Uniform integer in 0..n−1. */
export function randomIndex(random: RandomSource, n: number): number {
  return Math.min(n - 1, Math.floor(random.uniform() * n));
}

// ---------------------------------------------------------------------------------------
// Path sampling (for h-day risk)
// ---------------------------------------------------------------------------------------

/**
 * Samples the regimes of days t+1..t+steps from (regime i, age a) into out[0..steps−1]: each
 * day a symbol in (j, d) leaves with h_j(d) to k with Q_jk, else stays at (j, d+1).
 */
export function sampleSemiMarkovPath(
  model: SemiMarkovModel,
  start: SemiMarkovStart,
  random: RandomSource,
  steps: number,
  out: Int32Array,
): void {
  let state = start.state;
  let age = start.age;
  const k = model.k;
  for (let t = 0; t < steps; t++) {
    const h = model.hazard[state]!;
    if (random.uniform() < h[Math.min(age, h.length - 1)]!) {
      const row = model.jump[state]!;
      let u = random.uniform();
      let nextState = -1;
      for (let m = 0; m < k; m++) {
        if (m === state || row[m] === 0) continue;
        nextState = m;
        u -= row[m]!;
        if (u < 0) break;
      }
      state = nextState;
      age = 1;
    } else {
      age++;
    }
    out[t] = state;
  }
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

function assertK(k: number): void {
  if (!Number.isInteger(k) || k < 2) throw new SemiMarkovInputError(`K must be an integer ≥ 2, got ${k}`);
}

function assertState(state: number, k: number, what: string): void {
  if (!Number.isInteger(state) || state < 0 || state >= k) {
    throw new SemiMarkovInputError(`${what} ${state} is not an integer in 0..${k - 1}`);
  }
}

function assertAge(age: number): void {
  if (!Number.isInteger(age) || age < 1)
    throw new SemiMarkovInputError(`age must be an integer ≥ 1, got ${age}`);
}

function assertFitOptions({ alpha, minAtRisk, hazardPrior }: SemiMarkovFitOptions): void {
  if (!(alpha >= 0) || !Number.isFinite(alpha))
    throw new SemiMarkovInputError(`alpha must be ≥ 0, got ${alpha}`);
  if (!Number.isInteger(minAtRisk) || minAtRisk < 1) {
    throw new SemiMarkovInputError(`minAtRisk must be a positive integer, got ${minAtRisk}`);
  }
  if (!(hazardPrior > 0)) throw new SemiMarkovInputError(`hazardPrior must be > 0, got ${hazardPrior}`);
}

function assertRun(run: RegimeRun, k: number): void {
  assertState(run.state, k, 'run state');
  if (!Number.isInteger(run.length) || run.length < 1) {
    throw new SemiMarkovInputError(`run length must be a positive integer, got ${run.length}`);
  }
  if (run.next !== null) {
    assertState(run.next, k, 'run next state');
    if (run.next === run.state)
      throw new SemiMarkovInputError(`a run of ${run.state} cannot be followed by itself`);
  }
}
