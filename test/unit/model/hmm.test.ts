import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expNonPositive,
  fitGaussianHmm,
  forecastStateDistribution,
  type GaussianHmmParams,
  HmmInputError,
  HmmParamsError,
  hmmParameterCount,
  informationCriteria,
  parseGaussianHmmParams,
  scoreGaussianHmm,
  simulateGaussianHmm,
  stationaryDistribution,
  viterbiPath,
} from '#shared/model/hmm';

interface StatsmodelsAnchor {
  nobs: number;
  firstReturn: number;
  lastReturn: number;
  llf: number;
  params: { means: number[]; variances: number[]; transition: number[][]; initial: number[] };
}

const anchor = JSON.parse(
  readFileSync(new URL('../../fixtures/hmm/statsmodels_anchor.json', import.meta.url), 'utf8'),
) as StatsmodelsAnchor;

/** 100 × daily log returns of the adjclose column of the S&P 500 sample (as in the fixture script). */
function sp500ScaledReturns(): number[] {
  const csv = readFileSync(new URL('../../../data/samples/sp500-2000.csv', import.meta.url), 'utf8');
  const rows = csv.trim().split('\n');
  const column = rows[0]!.split(',').indexOf('adjclose');
  const prices = rows.slice(1).map((row) => Number(row.split(',')[column]));
  return prices.slice(1).map((p, t) => 100 * Math.log(p / prices[t]!));
}

function expectAllClose(actual: readonly number[], expected: readonly number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((x, i) => Math.abs(x - expected[i]!)));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

function paramsOf(p: Omit<GaussianHmmParams, 'kind' | 'states' | 'labels'>): GaussianHmmParams {
  return { kind: 'gaussian-hmm', states: p.means.length, labels: ['Low', 'Medium', 'High'], ...p };
}

const truth = paramsOf({
  initial: [1 / 3, 1 / 3, 1 / 3],
  transition: [
    [0.97, 0.025, 0.005],
    [0.03, 0.95, 0.02],
    [0.01, 0.05, 0.94],
  ],
  means: [0.05, 0, -0.15],
  variances: [0.25, 1, 6],
});

const sp500 = sp500ScaledReturns();
const sp500Fit = fitGaussianHmm([sp500]);

describe('statsmodels anchor (S&P 500, 100 × log returns, K = 3)', () => {
  it('uses the same series as the fixture script', () => {
    expect(sp500.length).toBe(anchor.nobs);
    expect(sp500[0]).toBeCloseTo(anchor.firstReturn, 12);
    expect(sp500.at(-1)).toBeCloseTo(anchor.lastReturn, 12);
  });

  // statsmodels fixes P(s_1) to the stationary distribution of A; our fit estimates P(s_1) freely, a
  // superset of statsmodels' parameter space, so our maximum must be at least statsmodels' best.
  it('reaches at least the best statsmodels MarkovRegression log-likelihood (to 0.01)', () => {
    expect(sp500Fit.logLikelihood).toBeGreaterThanOrEqual(anchor.llf - 0.01);
    expect(sp500Fit.degenerate).toBe(false);
  });

  it("reproduces statsmodels' likelihood at its parameters with the stationary initial distribution", () => {
    const smParams = paramsOf(anchor.params);
    const { logLikelihood } = scoreGaussianHmm(smParams, sp500, { initial: 'stationary' });
    expect(Math.abs(logLikelihood - anchor.llf) / Math.abs(anchor.llf)).toBeLessThan(1e-9);
  });

  it('reports the training log-likelihood that the filter gives with the fitted initial distribution', () => {
    const { logLikelihood } = scoreGaussianHmm(sp500Fit.params, sp500, { initial: 'fitted' });
    expect(logLikelihood).toBeCloseTo(sp500Fit.logLikelihood, 8);
  });
});

interface FitBefore {
  sp500: { logLikelihood: number; params: GaussianHmmParams };
  simulated: { logLikelihood: number; params: GaussianHmmParams };
}
const before = JSON.parse(
  readFileSync(new URL('../../fixtures/hmm/finml_fit_before.json', import.meta.url), 'utf8'),
) as FitBefore;

describe('as good a fit as before the fast EM (issue 19)', () => {
  const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

  it('the S&P 500 sample: log-likelihood within 1e-6 relative, same states in the same order', () => {
    expect(relative(sp500Fit.logLikelihood, before.sp500.logLikelihood)).toBeLessThan(1e-6);
    expect(sp500Fit.params.labels).toEqual(before.sp500.params.labels);
    sp500Fit.params.variances.forEach((v, k) =>
      expect(relative(v, before.sp500.params.variances[k]!)).toBeLessThan(1e-3),
    );
    sp500Fit.params.means.forEach((m, k) =>
      expect(Math.abs(m - before.sp500.params.means[k]!)).toBeLessThan(1e-3),
    );
  });

  it('two simulated sequences: the same', () => {
    const a = simulateGaussianHmm(truth, 3000, 11).returns;
    const b = simulateGaussianHmm(truth, 3000, 12).returns;
    const fit = fitGaussianHmm([a, b]);
    expect(relative(fit.logLikelihood, before.simulated.logLikelihood)).toBeLessThan(1e-6);
    fit.params.variances.forEach((v, k) =>
      expect(relative(v, before.simulated.params.variances[k]!)).toBeLessThan(1e-3),
    );
  });

  it('screening the starts on a subsample ends at the fit of every start on the whole data', () => {
    const sequences = Array.from({ length: 60 }, (_, i) => simulateGaussianHmm(truth, 400, 100 + i).returns);
    const full = fitGaussianHmm(sequences, { screenObservations: 1_000_000 });
    const screened = fitGaussianHmm(sequences, { screenObservations: 4_000 });
    expect(full.screenedOn).toBeNull();
    expect(screened.screenedOn).toBe(60 * 67);
    expect(relative(screened.logLikelihood, full.logLikelihood)).toBeLessThan(1e-6);
    expect(screened.params.labels).toEqual(full.params.labels);
    screened.params.variances.forEach((v, k) =>
      expect(relative(v, full.params.variances[k]!)).toBeLessThan(1e-3),
    );
  });

  it('a warm start from a fit continues from it (one run, no lower likelihood)', () => {
    const warm = fitGaussianHmm([sp500], { init: sp500Fit.params });
    expect(warm.starts).toHaveLength(1);
    expect(warm.logLikelihood).toBeGreaterThanOrEqual(
      sp500Fit.logLikelihood - 1e-6 * Math.abs(sp500Fit.logLikelihood),
    );
    expect(warm.iterations).toBeLessThan(sp500Fit.starts[0]!.iterations);
    expect(() => fitGaussianHmm([sp500], { states: 2, init: sp500Fit.params })).toThrowError(HmmInputError);
  });
});

describe('the fast K = 3 E-step (issue 19)', () => {
  it('expNonPositive is Math.exp to 5e-16 relative on [−700, 0], exact at 0, Math.exp below', () => {
    let worst = 0;
    const grid = [0, -1e-300, -1e-12, -0.5, -Math.LN2, -1, -2.5, -10, -100, -699.999];
    const points = [...grid, ...Array.from({ length: 200_000 }, (_, i) => -((i * 0.6180339887) % 1) * 700)];
    for (const x of points) worst = Math.max(worst, Math.abs(expNonPositive(x) / Math.exp(x) - 1));
    expect(worst).toBeLessThan(5e-16);
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-720)).toBe(Math.exp(-720));
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(Number.NaN)).toBeNaN();
  });

  it("lazy rescaling: the fit's log-likelihood is the per-step-normalised filter's on a long series", () => {
    // 60,000 steps: the forward variables are rescaled thousands of times inside one sequence.
    const long = simulateGaussianHmm(truth, 60_000, 5).returns;
    const fit = fitGaussianHmm([long], { starts: 1 });
    const { logLikelihood } = scoreGaussianHmm(fit.params, long, { initial: 'fitted' });
    expect(Math.abs(fit.logLikelihood - logLikelihood) / Math.abs(logLikelihood)).toBeLessThan(1e-12);
  });

  it("an observation far in one state's tail leaves the statistics finite and the fit as the filter says", () => {
    const series = simulateGaussianHmm(truth, 2_000, 8).returns.slice();
    series[1_000] = 60; // ≈ 30 sd of the widest state
    const fit = fitGaussianHmm([series], { starts: 1 });
    expect(fit.degenerate).toBe(false);
    const { logLikelihood } = scoreGaussianHmm(fit.params, series, { initial: 'fitted' });
    expect(Math.abs(fit.logLikelihood - logLikelihood) / Math.abs(logLikelihood)).toBeLessThan(1e-12);
  });
});

describe('fitGaussianHmm', () => {
  it('recovers the means, variances and transition matrix of a simulated 3-regime series', () => {
    const a = simulateGaussianHmm(truth, 3000, 11).returns;
    const b = simulateGaussianHmm(truth, 3000, 12).returns;
    const { params } = fitGaussianHmm([a, b]);
    const meanErrors = params.means.map((m, k) => Math.abs(m - truth.means[k]!));
    const varianceRatios = params.variances.map((v, k) => v / truth.variances[k]!);
    const transitionErrors = params.transition.flatMap((row, i) =>
      row.map((p, j) => Math.abs(p - truth.transition[i]![j]!)),
    );
    expect(meanErrors[0]).toBeLessThan(0.05);
    expect(meanErrors[1]).toBeLessThan(0.1);
    expect(meanErrors[2]).toBeLessThan(0.3);
    for (const ratio of varianceRatios) expect(Math.abs(ratio - 1)).toBeLessThan(0.15);
    expect(Math.max(...transitionErrors)).toBeLessThan(0.025);
  });

  it('orders states by variance ascending and labels them Low, Medium, High', () => {
    // Simulate with the high-variance state first, so the raw EM order is not already sorted.
    const shuffled = paramsOf({
      initial: [1 / 3, 1 / 3, 1 / 3],
      transition: [
        [0.94, 0.05, 0.01],
        [0.01, 0.97, 0.02],
        [0.02, 0.03, 0.95],
      ],
      means: [-0.2, 0.05, 0],
      variances: [6, 0.25, 1],
    });
    const fit = fitGaussianHmm([simulateGaussianHmm(shuffled, 4000, 3).returns]);
    const { variances, means, labels } = fit.params;
    expect(variances[0]!).toBeLessThan(variances[1]!);
    expect(variances[1]!).toBeLessThan(variances[2]!);
    expect(labels).toEqual(['Low', 'Medium', 'High']);
    expect(means[2]!).toBeCloseTo(-0.2, 0); // the volatile state kept its own mean
    // The fitted transition matrix is permuted consistently: High is the least persistent state.
    expect(fit.params.transition[2]![2]!).toBeLessThan(fit.params.transition[1]![1]!);
  });

  it('pools several sequences without transitions across them', () => {
    const a = simulateGaussianHmm(truth, 400, 1).returns;
    const b = simulateGaussianHmm(truth, 300, 2).returns;
    const fit = fitGaussianHmm([a, b], { starts: 2 });
    const perSequence =
      scoreGaussianHmm(fit.params, a, { initial: 'fitted' }).logLikelihood +
      scoreGaussianHmm(fit.params, b, { initial: 'fitted' }).logLikelihood;
    expect(fit.logLikelihood).toBeCloseTo(perSequence, 8);
    expect(fit.observationCount).toBe(700);
  });

  it('is reproducible for a given seed', () => {
    const series = simulateGaussianHmm(truth, 800, 4).returns;
    expect(fitGaussianHmm([series], { seed: 7 })).toEqual(fitGaussianHmm([series], { seed: 7 }));
  });

  it('keeps the best start and reports every start', () => {
    const fit = fitGaussianHmm([simulateGaussianHmm(truth, 1000, 9).returns], { starts: 4 });
    expect(fit.starts).toHaveLength(4);
    const best = Math.max(...fit.starts.map((s) => s.logLikelihood));
    expect(fit.logLikelihood).toBe(best);
    expect(fit.starts[fit.bestStart]!.logLikelihood).toBe(best);
  });

  it('computes the parameter count, AIC and BIC from their formulas', () => {
    const n = sp500.length;
    const p = 3 * 3 + 2 * 3 - 1; // (K − 1) initial + K(K − 1) transition + K means + K variances
    expect(sp500Fit.parameterCount).toBe(p);
    expect(hmmParameterCount(2)).toBe(1 + 2 + 4);
    expect(sp500Fit.aic).toBeCloseTo(2 * p - 2 * sp500Fit.logLikelihood, 9);
    expect(sp500Fit.bic).toBeCloseTo(p * Math.log(n) - 2 * sp500Fit.logLikelihood, 9);
    expect(informationCriteria(-100, 5, 50)).toEqual({ aic: 210, bic: 5 * Math.log(50) + 200 });
  });

  it('rejects non-finite returns and invalid options with HmmInputError', () => {
    expect(() => fitGaussianHmm([[0.1, Number.NaN, 0.2]])).toThrow(HmmInputError);
    expect(() => fitGaussianHmm([[0.1, 0.2, 0.3]], { states: 1 })).toThrow(HmmInputError);
    expect(() => fitGaussianHmm([[0.1, 0.2]], { states: 3 })).toThrow(HmmInputError);
    expect(() => fitGaussianHmm([[0.1, 0.2, 0.3]], { starts: 0 })).toThrow(HmmInputError);
  });
});

describe('degeneracy', () => {
  function withStaleRuns(): number[] {
    const series = simulateGaussianHmm(truth, 1500, 5).returns;
    for (let start = 100; start < 1500; start += 300) series.fill(0, start, start + 120);
    return series;
  }

  it('does not let runs of exactly-zero returns drive a variance to zero, and flags it', () => {
    const fit = fitGaussianHmm([withStaleRuns()]);
    const { params } = fit;
    for (const x of [...params.means, ...params.variances, ...params.initial, ...params.transition.flat()]) {
      expect(Number.isFinite(x)).toBe(true);
    }
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
    expect(Math.min(...params.variances)).toBeGreaterThanOrEqual(fit.varianceFloor);
    expect(fit.degenerate).toBe(true);
    expect(fit.degeneracyReasons).toContain('variance-floor');
  });

  it('fits an all-zero series without throwing, with every variance on the floor', () => {
    const fit = fitGaussianHmm([new Array(50).fill(0)]);
    expect(fit.params.variances.every((v) => v === fit.varianceFloor && v > 0)).toBe(true);
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
    expect(fit.degeneracyReasons).toContain('variance-floor');
  });

  it('is not degenerate on a well-behaved series', () => {
    const fit = fitGaussianHmm([simulateGaussianHmm(truth, 2000, 21).returns]);
    expect(fit.degenerate).toBe(false);
    expect(fit.degeneracyReasons).toEqual([]);
  });

  it('flags a state whose expected occupancy is below minStateOccupancy', () => {
    // One extreme outlier gets a state of its own (expected occupancy ≈ 1 observation).
    const series = [...Array.from({ length: 300 }, (_, i) => Math.sin(i * 7.1)), 25];
    const lenient = fitGaussianHmm([series], { minStateOccupancy: 0.5 });
    const strict = fitGaussianHmm([series], { minStateOccupancy: 2 });
    expect(Math.min(...lenient.stateOccupancy)).toBeCloseTo(1, 6);
    expect(lenient.degeneracyReasons).not.toContain('empty-state');
    expect(strict.degeneracyReasons).toContain('empty-state');
  });

  it('flags a non-finite likelihood instead of throwing', () => {
    const fit = fitGaussianHmm([[1e200, -1e200, 0, 1, 2, 3]]);
    expect(fit.degenerate).toBe(true);
    expect(fit.degeneracyReasons).toContain('non-finite-likelihood');
  });
});

describe('scoreGaussianHmm (filtering)', () => {
  const params = sp500Fit.params;

  it('filtered probabilities at t do not change when later observations are appended', () => {
    const returns = fc.array(fc.double({ min: -12, max: 12, noNaN: true }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(returns, returns, (prefix, suffix) => {
        const short = scoreGaussianHmm(params, prefix).filtered;
        const long = scoreGaussianHmm(params, [...prefix, ...suffix]).filtered;
        expect(long.slice(0, prefix.length)).toEqual(short);
      }),
      { numRuns: 100 },
    );
  });

  it('returns probability rows and the one-step forecast filtered_T · A', () => {
    const series = sp500.slice(0, 250);
    const score = scoreGaussianHmm(params, series);
    for (const row of score.filtered) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const last = score.filtered.at(-1)!;
    const expected = [0, 1, 2].map((j) => last.reduce((acc, p, i) => acc + p * params.transition[i]![j]!, 0));
    expectAllClose(score.nextState, expected, 1e-14);
    expect(score.currentLabel).toBe(params.labels[score.currentState]);
  });

  it('gives the initial distribution as the forecast of an empty series', () => {
    const score = scoreGaussianHmm(params, []);
    expect(score.filtered).toEqual([]);
    expect(score.currentState).toBe(-1);
    expectAllClose(score.nextState, stationaryDistribution(params.transition), 1e-14);
  });

  it('stays finite on an observation the model finds all but impossible', () => {
    const sticky = paramsOf({
      initial: [1, 0, 0],
      transition: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      means: [0, 0, 1000],
      variances: [1e-6, 1, 2],
    });
    const score = scoreGaussianHmm(sticky, [0, 1000], { initial: 'fitted' });
    expect(score.filtered[1]).toEqual([1, 0, 0]);
    expect(Number.isFinite(score.logLikelihood)).toBe(true);
  });

  it('forecasts h steps ahead as filtered · A^h', () => {
    const f = [0.2, 0.5, 0.3];
    const twoSteps = forecastStateDistribution(params, forecastStateDistribution(params, f, 1), 1);
    expectAllClose(forecastStateDistribution(params, f, 2), twoSteps, 1e-15);
    expect(forecastStateDistribution(params, f, 0)).toEqual(f);
  });
});

describe('viterbiPath', () => {
  /** Exhaustive search over all K^T paths of log π_{s1} + Σ log A + Σ log N(r_t; μ, σ²). */
  function bruteForce(params: GaussianHmmParams, returns: number[], initial: readonly number[]) {
    const k = params.states;
    const logDensity = (x: number, s: number) =>
      -0.5 *
      (Math.log(2 * Math.PI * params.variances[s]!) + (x - params.means[s]!) ** 2 / params.variances[s]!);
    let best = { path: [] as number[], logProbability: Number.NEGATIVE_INFINITY };
    for (let code = 0; code < k ** returns.length; code++) {
      const path = returns.map((_, t) => Math.floor(code / k ** t) % k);
      let lp = Math.log(initial[path[0]!]!) + logDensity(returns[0]!, path[0]!);
      for (let t = 1; t < returns.length; t++) {
        lp += Math.log(params.transition[path[t - 1]!]![path[t]!]!) + logDensity(returns[t]!, path[t]!);
      }
      if (lp > best.logProbability) best = { path, logProbability: lp };
    }
    return best;
  }

  it('finds the most probable path of a tiny series (brute-force check)', () => {
    const params = sp500Fit.params;
    const pi = stationaryDistribution(params.transition);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 1, maxLength: 6 }),
        (returns) => {
          const viterbi = viterbiPath(params, returns);
          const exhaustive = bruteForce(params, returns, pi);
          expect(viterbi.logProbability).toBeCloseTo(exhaustive.logProbability, 9);
          expect(viterbi.path).toEqual(exhaustive.path);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('parameters', () => {
  it('round-trip through JSON', () => {
    const restored = parseGaussianHmmParams(JSON.parse(JSON.stringify(sp500Fit.params)));
    expect(restored).toEqual(sp500Fit.params);
  });

  it('reject malformed parameter objects with HmmParamsError', () => {
    const good = sp500Fit.params;
    expect(() => parseGaussianHmmParams(null)).toThrow(HmmParamsError);
    expect(() => parseGaussianHmmParams({ ...good, variances: [1, 0, 2] })).toThrow(HmmParamsError);
    expect(() =>
      parseGaussianHmmParams({
        ...good,
        transition: [
          [1, 0, 0],
          [0, 1, 0],
          [0.5, 0.6, 0],
        ],
      }),
    ).toThrow(HmmParamsError);
    expect(() => parseGaussianHmmParams({ ...good, means: [0, 1] })).toThrow(HmmParamsError);
  });

  it('stationary distribution solves π A = π', () => {
    const pi = stationaryDistribution(truth.transition);
    expect(pi.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expectAllClose(forecastStateDistribution(truth, pi, 1), pi, 1e-14);
  });
});
