/**
 * Backtest of 1-day Value-at-Risk forecasts, DOMAIN §5: violations, Kupiec's proportion of
 * failures (POF) test, Christoffersen's independence test and the conditional-coverage test;
 * and the unconditional historical-simulation VaR, the baseline forecaster.
 *
 * Conventions:
 * - A forecast VaR_t (a positive number is a loss) is violated when r_t < −VaR_t (strictly:
 *   the loss exceeds the VaR). The expected violation rate at level q is p = 1 − q.
 * - Kupiec (1995): LR_POF = −2 ln[(1−p)^{n−x} p^x] + 2 ln[(1−x/n)^{n−x} (x/n)^x], χ²(1).
 * - Christoffersen (1998): with n_ij the number of days in state j after a day in state i
 *   (1 = violation), π01 = n01/(n00+n01), π11 = n11/(n10+n11), π = (n01+n11)/Σn_ij,
 *   LR_ind = −2 ln[(1−π)^{n00+n10} π^{n01+n11}] + 2 ln[(1−π01)^{n00} π01^{n01} (1−π11)^{n10} π11^{n11}],
 *   χ²(1); LR_cc = LR_POF + LR_ind, χ²(2).
 * - Both LRs are computed as sums of log-ratios, n·ln(π̂/π₀), algebraically the same as the
 *   difference of the two log-likelihoods but without its cancellation.
 * - Zero counts: every term is taken as 0·ln 0 = 0 (scipy `special.xlogy`), the standard
 *   convention. So x = 0 or x = n give a finite LR_POF (e.g. −2n ln(1−p) for x = 0); no
 *   violation after a violation (n10 + n11 = 0, or n11 = 0) gives the likelihood of the rows
 *   that were observed; a sample without violations has LR_ind = 0. Rounding can make an LR
 *   a few ulps below 0; it is reported as 0 (p-value 1).
 * - Several series (symbols, folds) are backtested together: violations and n are summed, and
 *   the pairs n_ij are counted only between consecutive days of one series that both have a
 *   forecast (a NaN forecast means "no forecast that day" and breaks the chain).
 * - p-values: `chi2Sf` of shared/stats (scipy `chi2.sf`).
 *
 * Reference: test/fixtures/regime-risk/make_regime_risk.py (scipy.special.xlogy, scipy.stats.chi2).
 */
import { numpyLinearQuantile } from '#shared/eda/descriptive';
import { EvaluationInputError } from '#shared/evaluation/errors';
import { chi2Sf } from '#shared/stats/distributions';

/** A likelihood-ratio test with its χ² p-value. */
export interface LrTest {
  statistic: number;
  df: number;
  pValue: number;
}

/** One series of forecasts and outcomes: valueAtRisk[t] is the forecast for returns[t]. */
export interface VarSeries {
  valueAtRisk: ArrayLike<number>;
  returns: ArrayLike<number>;
}

/** The backtest of one forecaster at one level. */
export interface VarBacktest {
  level: number;
  /** Days with a forecast. */
  n: number;
  violations: number;
  /** violations / n. */
  rate: number;
  /** 1 − level. */
  expectedRate: number;
  kupiec: LrTest;
  independence: LrTest & { n00: number; n01: number; n10: number; n11: number };
  conditionalCoverage: LrTest;
}

/** x·ln y with 0·ln y = 0 (scipy.special.xlogy). */
function xlogy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}

function lrTest(statistic: number, df: number): LrTest {
  const s = Math.max(0, statistic);
  return { statistic: s, df, pValue: chi2Sf(s, df) };
}

/**
 * Kupiec's POF test: x violations in n days against the expected rate p.
 *
 * @throws EvaluationInputError on n < 1, x outside 0..n, or p outside (0, 1)
 */
export function kupiecPof(n: number, x: number, p: number): LrTest {
  if (!Number.isInteger(n) || n < 1) throw new EvaluationInputError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(x) || x < 0 || x > n)
    throw new EvaluationInputError(`violations must be in 0..${n}, got ${x}`);
  if (!(p > 0 && p < 1)) throw new EvaluationInputError(`expected rate must be in (0, 1), got ${p}`);
  const observed = x / n;
  // The same LR as a sum of log-ratios (no cancellation of two large log-likelihoods; exactly
  // 0 when x/n = p).
  return lrTest(2 * (xlogy(n - x, (1 - observed) / (1 - p)) + xlogy(x, observed / p)), 1);
}

/** Christoffersen's independence test from the transition counts of the violation indicator. */
export function christoffersenIndependence(
  n00: number,
  n01: number,
  n10: number,
  n11: number,
): VarBacktest['independence'] {
  for (const [name, v] of [
    ['n00', n00],
    ['n01', n01],
    ['n10', n10],
    ['n11', n11],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new EvaluationInputError(`${name} must be a count, got ${v}`);
  }
  const total = n00 + n01 + n10 + n11;
  let statistic = 0;
  if (total > 0) {
    const pi = (n01 + n11) / total;
    const pi01 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0;
    const pi11 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0;
    // −2(ln L(π) − ln L(π01, π11)) as a sum of log-ratios (the counts of ln(1 − π) and ln π
    // split into n00 + n10 and n01 + n11); a zero count drops its term, a positive count never
    // meets a zero probability.
    statistic =
      2 *
      (xlogy(n00, (1 - pi01) / (1 - pi)) +
        xlogy(n01, pi01 / pi) +
        xlogy(n10, (1 - pi11) / (1 - pi)) +
        xlogy(n11, pi11 / pi));
  }
  return { ...lrTest(statistic, 1), n00, n01, n10, n11 };
}

/**
 * Backtests 1-day VaR forecasts at `level` over one or more series (see the module comment).
 *
 * @throws EvaluationInputError on mismatched lengths, an infinite forecast, a non-finite
 *   return on a forecast day, or no forecast at all
 */
export function backtestVar(series: readonly VarSeries[], level: number): VarBacktest {
  if (!(level > 0 && level < 1)) throw new EvaluationInputError(`level must be in (0, 1), got ${level}`);
  let n = 0;
  let violations = 0;
  let n00 = 0;
  let n01 = 0;
  let n10 = 0;
  let n11 = 0;
  series.forEach(({ valueAtRisk, returns }, index) => {
    if (valueAtRisk.length !== returns.length) {
      throw new EvaluationInputError(
        `series ${index}: ${valueAtRisk.length} forecasts but ${returns.length} returns`,
      );
    }
    let previous = -1; // −1: the previous day had no forecast
    for (let t = 0; t < returns.length; t++) {
      const v = valueAtRisk[t]!;
      if (Number.isNaN(v)) {
        previous = -1;
        continue;
      }
      const r = returns[t]!;
      if (!Number.isFinite(v))
        throw new EvaluationInputError(`series ${index}, day ${t}: VaR ${v} is not finite`);
      if (!Number.isFinite(r))
        throw new EvaluationInputError(`series ${index}, day ${t}: return ${r} is not finite`);
      const hit = r < -v ? 1 : 0;
      n++;
      violations += hit;
      if (previous === 0) hit ? n01++ : n00++;
      else if (previous === 1) hit ? n11++ : n10++;
      previous = hit;
    }
  });
  if (n === 0) throw new EvaluationInputError('no day with a VaR forecast to backtest');
  const expectedRate = 1 - level;
  const kupiec = kupiecPof(n, violations, expectedRate);
  const independence = christoffersenIndependence(n00, n01, n10, n11);
  return {
    level,
    n,
    violations,
    rate: violations / n,
    expectedRate,
    kupiec,
    independence,
    conditionalCoverage: lrTest(kupiec.statistic + independence.statistic, 2),
  };
}

/**
 * Unconditional historical-simulation VaR: the forecast for day t is −quantile(1 − q) (numpy
 * linear interpolation) of the `window` returns r_{t−window..t−1}; NaN for t < window (no
 * forecast). One array per level, aligned with `returns`. The window is kept sorted (one
 * binary-search removal and insertion per day), so the cost is O(n·window) without sorting.
 *
 * @throws EvaluationInputError on a non-finite return, a window < 2 or a level outside (0, 1)
 */
export function historicalSimulationVar(
  returns: ArrayLike<number>,
  levels: readonly number[],
  window: number,
): Float64Array[] {
  if (!Number.isInteger(window) || window < 2) {
    throw new EvaluationInputError(`historical window must be an integer ≥ 2, got ${window}`);
  }
  for (const level of levels) {
    if (!(level > 0 && level < 1)) throw new EvaluationInputError(`level must be in (0, 1), got ${level}`);
  }
  const n = returns.length;
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(returns[t]!)) {
      throw new EvaluationInputError(`day ${t}: return ${returns[t]} is not finite`);
    }
  }
  const out = levels.map(() => new Float64Array(n).fill(Number.NaN));
  if (n <= window) return out;
  const sorted = Float64Array.from({ length: window }, (_, i) => returns[i]!).sort();
  for (let t = window; t < n; t++) {
    levels.forEach((level, l) => {
      out[l]![t] = -numpyLinearQuantile(sorted, 1 - level);
    });
    if (t + 1 < n) {
      // Slide: drop r_{t−window}, add r_t.
      const drop = lowerBound(sorted, returns[t - window]!);
      const add = returns[t]!;
      let i = drop;
      if (add >= sorted[drop]!) {
        while (i + 1 < window && sorted[i + 1]! < add) {
          sorted[i] = sorted[i + 1]!;
          i++;
        }
      } else {
        while (i > 0 && sorted[i - 1]! > add) {
          sorted[i] = sorted[i - 1]!;
          i--;
        }
      }
      sorted[i] = add;
    }
  }
  return out;
}

/** First index i with sorted[i] ≥ value. */
function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
