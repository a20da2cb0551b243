/**
 * Regime-conditional risk, DOMAIN §4.4.
 *
 * For each regime i, the empirical distribution of the next-day log return r_{t+1} over the
 * origins t with s_t = i (t+1 in the same symbol's data): n, mean, sd (ddof 1), skewness,
 * quantiles, VaR_q = −quantile(1 − q) and ES_q = −mean of the returns ≤ that quantile.
 * A symbol's 1-day risk forecast is its current regime's.
 *
 * Conventions, each the library a quant would check it with:
 * - mean and sd: numpy `mean`, `std(ddof=1)` (pairwise summation, bit-identical);
 * - skewness: the biased sample skewness g1 = m3 / m2^{3/2}, i.e. scipy.stats `skew(x)` with
 *   its default bias=True (the same function as the EDA report);
 * - quantiles: numpy `quantile(x, p)` default linear interpolation (Hyndman & Fan type 7);
 * - returns are log returns, so an h-day return is the sum of h daily ones, and VaR/ES are
 *   in log-return units (a VaR of 0.02 is a loss of 1 − e^{−0.02} of the value).
 *
 * h-day VaR/ES ({@link simulateHorizonRisk}): seeded simulation of regime paths — from any
 * path sampler (the semi-Markov chain, a transition matrix) — with each day's return drawn
 * from the empirical next-day distribution of the regime the symbol is in that morning.
 *
 * Reference: test/fixtures/regime-risk/make_regime_risk.py (numpy / scipy.stats).
 */
import { mean, numpyLinearQuantile, pairwiseSum, skewness, standardDeviation } from '#shared/eda/descriptive';
import { createRandom, type RandomSource } from '#shared/stats/random';

/** Input to a risk function is malformed. */
export class RegimeRiskInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegimeRiskInputError';
  }
}

/** One symbol's gold rows in date order: regime s_t and log return r_t of each day. */
export interface RegimeReturnSeries {
  states: ArrayLike<number>;
  returns: ArrayLike<number>;
}

/** Settings (config/model.yaml `risk`). */
export interface RiskLevelsOptions {
  /** VaR/ES confidence levels q, e.g. [0.95, 0.99]. */
  levels: readonly number[];
  /** Probabilities of the listed quantiles. */
  quantiles: readonly number[];
}

/** VaR and ES at one level q. */
export interface RiskAtLevel {
  level: number;
  /** −quantile(1 − q). */
  valueAtRisk: number;
  /** −mean of the returns ≤ quantile(1 − q). */
  expectedShortfall: number;
}

/** Summary of one empirical return distribution. NaN statistics only where n is too small. */
export interface ReturnDistribution {
  n: number;
  mean: number;
  /** ddof 1; NaN for n < 2. */
  sd: number;
  /** scipy.stats.skew(x, bias=True); NaN for n = 0 or zero variance. */
  skewness: number;
  quantiles: { probability: number; value: number }[];
  risk: RiskAtLevel[];
}

/** Per regime: the sorted next-day returns and their summary. */
export interface RegimeRiskModel {
  k: number;
  /** Ascending next-day returns of the origins in each regime. */
  samples: Float64Array[];
  /** null for a regime with no origin. */
  regimes: (ReturnDistribution | null)[];
}

/**
 * The next-day returns of the origins in each regime: r_{t+1} for every t with s_t = i and
 * t+1 in the same series. Returned sorted ascending.
 *
 * @throws RegimeRiskInputError on mismatched lengths, a bad state or a non-finite return used
 *   as an outcome (naming the series and the position)
 */
export function nextDayReturnsByRegime(series: readonly RegimeReturnSeries[], k: number): Float64Array[] {
  if (!Number.isInteger(k) || k < 1) throw new RegimeRiskInputError(`K must be a positive integer, got ${k}`);
  const buckets: number[][] = Array.from({ length: k }, () => []);
  series.forEach(({ states, returns }, index) => {
    if (states.length !== returns.length) {
      throw new RegimeRiskInputError(
        `series ${index}: ${states.length} states but ${returns.length} returns`,
      );
    }
    for (let t = 0; t + 1 < states.length; t++) {
      const s = states[t]!;
      if (!Number.isInteger(s) || s < 0 || s >= k) {
        throw new RegimeRiskInputError(`series ${index}, position ${t}: state ${s} is not in 0..${k - 1}`);
      }
      const r = returns[t + 1]!;
      if (!Number.isFinite(r)) {
        throw new RegimeRiskInputError(`series ${index}, position ${t + 1}: return ${r} is not finite`);
      }
      buckets[s]!.push(r);
    }
  });
  return buckets.map((b) => Float64Array.from(b).sort());
}

/** VaR_q = −quantile(1 − q) of an ascending sample (numpy linear interpolation). */
export function valueAtRisk(sorted: ArrayLike<number>, level: number): number {
  assertLevel(level);
  assertNonEmpty(sorted);
  return -numpyLinearQuantile(sorted, 1 - level);
}

/**
 * ES_q = −mean of the returns ≤ quantile(1 − q) of an ascending sample (the smallest return is
 * always among them). Ties at the quantile are included.
 */
export function expectedShortfall(sorted: ArrayLike<number>, level: number): number {
  assertLevel(level);
  assertNonEmpty(sorted);
  const cut = numpyLinearQuantile(sorted, 1 - level);
  let count = 0;
  while (count < sorted.length && sorted[count]! <= cut) count++;
  return -pairwiseSum(sorted, 0, count) / count;
}

/** Summary of an ascending sample: moments, quantiles, VaR and ES at every level. */
export function summariseReturns(sorted: ArrayLike<number>, options: RiskLevelsOptions): ReturnDistribution {
  assertNonEmpty(sorted);
  for (let i = 1; i < sorted.length; i++) {
    if (!(sorted[i - 1]! <= sorted[i]!)) throw new RegimeRiskInputError('returns must be sorted ascending');
  }
  return {
    n: sorted.length,
    mean: mean(sorted),
    sd: standardDeviation(sorted, 1),
    skewness: skewness(sorted),
    quantiles: options.quantiles.map((p) => {
      if (!(p >= 0 && p <= 1)) throw new RegimeRiskInputError(`quantile probability ${p} is not in [0, 1]`);
      return { probability: p, value: numpyLinearQuantile(sorted, p) };
    }),
    risk: options.levels.map((level) => ({
      level,
      valueAtRisk: valueAtRisk(sorted, level),
      expectedShortfall: expectedShortfall(sorted, level),
    })),
  };
}

/** Fits the per-regime next-day return distributions (DOMAIN §4.4). */
export function fitRegimeRisk(
  series: readonly RegimeReturnSeries[],
  k: number,
  options: RiskLevelsOptions,
): RegimeRiskModel {
  const samples = nextDayReturnsByRegime(series, k);
  return { k, samples, regimes: samples.map((s) => (s.length === 0 ? null : summariseReturns(s, options))) };
}

// ---------------------------------------------------------------------------------------
// h-day risk by simulation
// ---------------------------------------------------------------------------------------

/**
 * Writes the regimes of days t+1..t+steps of one simulated path into out[0..steps−1], from
 * the fixed start the sampler was built for. E.g. `(rng, n, out) =>
 * sampleSemiMarkovPath(model, start, rng, n, out)` or {@link markovPathSampler}.
 */
export type PathSampler = (random: RandomSource, steps: number, out: Int32Array) => void;

/** Settings of the simulation (config/model.yaml `risk`). */
export interface SimulationOptions {
  levels: readonly number[];
  simulationDraws: number;
  seed: number;
}

/** h-day VaR/ES of the summed log return, with the simulation's size. */
export interface HorizonRisk {
  horizon: number;
  draws: number;
  seed: number;
  /** Mean simulated h-day log return. */
  mean: number;
  risk: RiskAtLevel[];
}

/**
 * h-day VaR/ES by seeded simulation: each draw samples the regimes s_{t+1..t+h−1} with
 * `sampler` (s_t = startState), then R = Σ_{m=0}^{h−1} r_{t+m+1} with r_{t+m+1} drawn
 * uniformly from the empirical next-day returns of regime s_{t+m}. VaR/ES are those of the
 * `simulationDraws` simulated R, as {@link valueAtRisk} and {@link expectedShortfall}.
 *
 * @throws RegimeRiskInputError when a path enters a regime with no observed return
 */
export function simulateHorizonRisk(
  model: RegimeRiskModel,
  startState: number,
  horizon: number,
  sampler: PathSampler,
  options: SimulationOptions,
): HorizonRisk {
  if (!Number.isInteger(startState) || startState < 0 || startState >= model.k) {
    throw new RegimeRiskInputError(`start state ${startState} is not in 0..${model.k - 1}`);
  }
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new RegimeRiskInputError(`horizon must be a positive integer, got ${horizon}`);
  }
  const draws = options.simulationDraws;
  if (!Number.isInteger(draws) || draws < 1) {
    throw new RegimeRiskInputError(`simulationDraws must be a positive integer, got ${draws}`);
  }
  const random = createRandom(options.seed);
  const path = new Int32Array(Math.max(0, horizon - 1));
  const totals = new Float64Array(draws);
  for (let s = 0; s < draws; s++) {
    if (horizon > 1) sampler(random, horizon - 1, path);
    let state = startState;
    let sum = 0;
    for (let m = 0; m < horizon; m++) {
      if (m > 0) state = path[m - 1]!;
      const sample = model.samples[state];
      if (sample === undefined || sample.length === 0) {
        throw new RegimeRiskInputError(
          `a simulated path entered regime ${state}, which has no observed return`,
        );
      }
      sum += sample[Math.min(sample.length - 1, Math.floor(random.uniform() * sample.length))]!;
    }
    totals[s] = sum;
  }
  totals.sort();
  return {
    horizon,
    draws,
    seed: options.seed,
    mean: mean(totals),
    risk: options.levels.map((level) => ({
      level,
      valueAtRisk: valueAtRisk(totals, level),
      expectedShortfall: expectedShortfall(totals, level),
    })),
  };
}

/** h-day VaR/ES at some horizons from one start regime (arrays indexed like `horizons`). */
export interface HorizonRiskCurve {
  startState: number;
  /** Ascending; the paths are simulated for the last one. */
  horizons: number[];
  draws: number;
  seed: number;
  levels: number[];
  /** mean[n]: mean simulated h-day log return at horizons[n]. */
  mean: number[];
  /** valueAtRisk[level index][n], expectedShortfall likewise. */
  valueAtRisk: number[][];
  expectedShortfall: number[][];
}

/**
 * {@link simulateHorizonRisk} at several horizons from one set of simulated paths: each draw is one
 * path of H = max(horizons) days (the same random stream as `simulateHorizonRisk(…, H, …)`), and
 * the h-day return is the sum of its first h days — so the figures at H equal
 * `simulateHorizonRisk` at H exactly, and shorter horizons reuse the paths' beginnings (common
 * random numbers: the curve is smooth in h). Memory: draws × horizons doubles.
 */
export function simulateHorizonRiskCurve(
  model: RegimeRiskModel,
  startState: number,
  horizons: readonly number[],
  sampler: PathSampler,
  options: SimulationOptions,
): HorizonRiskCurve {
  if (!Number.isInteger(startState) || startState < 0 || startState >= model.k) {
    throw new RegimeRiskInputError(`start state ${startState} is not in 0..${model.k - 1}`);
  }
  if (
    horizons.length === 0 ||
    horizons.some((h, i) => !Number.isInteger(h) || h < 1 || (i > 0 && h <= horizons[i - 1]!))
  ) {
    throw new RegimeRiskInputError(
      `horizons must be increasing positive integers, got ${horizons.join(', ')}`,
    );
  }
  const draws = options.simulationDraws;
  if (!Number.isInteger(draws) || draws < 1) {
    throw new RegimeRiskInputError(`simulationDraws must be a positive integer, got ${draws}`);
  }
  const maxHorizon = horizons[horizons.length - 1]!;
  const random = createRandom(options.seed);
  const path = new Int32Array(maxHorizon);
  path[0] = startState;
  const stored = Int32Array.from(horizons);
  // Every regime's returns in one buffer: regime j's are pooled[start[j] .. start[j] + size[j]).
  const k = model.k;
  const size = Int32Array.from(model.samples, (x) => x.length);
  const start = new Int32Array(k);
  for (let j = 1; j < k; j++) start[j] = start[j - 1]! + size[j - 1]!;
  const pooled = new Float64Array(start[k - 1]! + size[k - 1]!);
  model.samples.forEach((x, j) => pooled.set(x, start[j]!));
  // totals[n·draws + s]: draw s's return over horizons[n] days.
  const totals = new Float64Array(draws * horizons.length);
  const tail = path.subarray(1);
  for (let s = 0; s < draws; s++) {
    if (maxHorizon > 1) sampler(random, maxHorizon - 1, tail);
    let sum = 0;
    let next = 0;
    for (let m = 0; m < maxHorizon; m++) {
      const state = path[m]!;
      const n = size[state]!;
      if (n === 0) {
        throw new RegimeRiskInputError(
          `a simulated path entered regime ${state}, which has no observed return`,
        );
      }
      const u = Math.floor(random.uniform() * n);
      sum += pooled[start[state]! + (u < n ? u : n - 1)]!;
      if (m + 1 === stored[next]) totals[next++ * draws + s] = sum;
    }
  }
  const levels = [...options.levels];
  const meanCurve: number[] = [];
  const valueAtRiskCurve = levels.map(() => [] as number[]);
  const shortfallCurve = levels.map(() => [] as number[]);
  for (let n = 0; n < horizons.length; n++) {
    const column = totals.subarray(n * draws, (n + 1) * draws).sort();
    meanCurve.push(mean(column));
    levels.forEach((level, l) => {
      valueAtRiskCurve[l]!.push(valueAtRisk(column, level));
      shortfallCurve[l]!.push(expectedShortfall(column, level));
    });
  }
  return {
    startState,
    horizons: [...horizons],
    draws,
    seed: options.seed,
    levels,
    mean: meanCurve,
    valueAtRisk: valueAtRiskCurve,
    expectedShortfall: shortfallCurve,
  };
}

/** A {@link PathSampler} of a first-order chain with transition matrix P from `startState`. */
export function markovPathSampler(p: ReadonlyArray<ArrayLike<number>>, startState: number): PathSampler {
  const k = p.length;
  for (const row of p) {
    if (row.length !== k)
      throw new RegimeRiskInputError(`transition matrix must be square, got ${k}×${row.length}`);
  }
  if (!Number.isInteger(startState) || startState < 0 || startState >= k) {
    throw new RegimeRiskInputError(`start state ${startState} is not in 0..${k - 1}`);
  }
  const flat = new Float64Array(k * k);
  p.forEach((row, i) => {
    for (let j = 0; j < k; j++) flat[i * k + j] = row[j]!;
  });
  return (random, steps, out) => {
    let state = startState;
    for (let t = 0; t < steps; t++) {
      const base = state * k;
      let u = random.uniform();
      let next = state;
      for (let j = 0; j < k; j++) {
        const q = flat[base + j]!;
        if (q === 0) continue;
        next = j;
        u -= q;
        if (u < 0) break;
      }
      state = next;
      out[t] = state;
    }
  };
}

function assertLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RegimeRiskInputError(`level must be in (0, 1), got ${level}`);
}

function assertNonEmpty(sorted: ArrayLike<number>): void {
  if (sorted.length === 0) throw new RegimeRiskInputError('empty return sample');
}

/**
 * The regime model's 1-day VaR forecasts aligned with a series' returns: the forecast for
 * r_t is the VaR at `level` of regime s_{t−1} (NaN at t = 0, and where that regime has no
 * observed return), ready for the VaR backtest.
 */
export function regimeVarForecasts(
  model: RegimeRiskModel,
  states: ArrayLike<number>,
  level: number,
): Float64Array {
  const byRegime = model.samples.map((s) => (s.length === 0 ? Number.NaN : valueAtRisk(s, level)));
  const out = new Float64Array(states.length).fill(Number.NaN);
  for (let t = 1; t < states.length; t++) {
    const s = states[t - 1]!;
    if (!Number.isInteger(s) || s < 0 || s >= model.k) {
      throw new RegimeRiskInputError(`position ${t - 1}: state ${s} is not in 0..${model.k - 1}`);
    }
    out[t] = byRegime[s]!;
  }
  return out;
}
