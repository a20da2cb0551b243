/**
 * Augmented Dickey–Fuller unit-root test (DOMAIN.md §8), reproducing statsmodels 0.13.5
 * `statsmodels.tsa.stattools.adfuller(x, maxlag, regression, autolag)` for
 * regression ∈ {"c", "ct", "n"} and autolag ∈ {"AIC", "BIC", None}.
 *
 * The regression, for lag p and diff index t (Δx_t = x_{t+1} − x_t):
 *
 *   Δx_t = γ·x_t + Σ_{j=1..p} φ_j·Δx_{t−j} + [c] + [β·trend] + ε_t,   t = p … n−2
 *
 * The statistic is the t-value of γ. With autolag, every p = 0…maxlag is fitted on the common
 * sample left after trimming maxlag lags, the p with the smallest AIC/BIC wins (ties → smaller p),
 * and the winner is refitted on its own, longer sample; that refit gives the statistic and the
 * reported `nobs`. p-values: MacKinnon (1994) response surfaces (`mackinnonp`); critical values:
 * MacKinnon (2010) finite-sample surfaces (`mackinnoncrit`), both from statsmodels/tsa/adfvalues.py.
 */
import { normalCdf } from '#shared/stats/distributions';
import {
  type DesignMatrix,
  nestedLeastSquaresSsr,
  OlsRankDeficientError,
  olsFit,
  olsInformationCriteria,
  olsLogLikelihood,
} from '#shared/stats/ols';

/** Deterministic terms: "c" constant, "ct" constant and linear trend, "n" none. */
export type AdfRegression = 'c' | 'ct' | 'n';

/** Lag selection: minimise AIC or BIC over 0…maxlag, or `null` to use exactly maxlag lags. */
export type AdfAutolag = 'AIC' | 'BIC' | null;

export interface AdfOptions {
  /** @default 'c' */
  readonly regression?: AdfRegression;
  /** @default 'AIC' */
  readonly autolag?: AdfAutolag;
  /**
   * Largest lag searched (or the lag used when autolag is null).
   * @default min(⌈12·(n/100)^{1/4}⌉, ⌊n/2⌋ − ntrend − 1), as statsmodels
   */
  readonly maxlag?: number;
}

/** Critical values of the statistic at the 1 %, 5 % and 10 % levels (MacKinnon 2010). */
export interface AdfCriticalValues {
  readonly '1%': number;
  readonly '5%': number;
  readonly '10%': number;
}

export interface AdfResult {
  /** t-value of the lagged level coefficient. */
  readonly statistic: number;
  /** MacKinnon (1994) approximate p-value. */
  readonly pValue: number;
  /** Number of lagged differences in the final regression. */
  readonly usedLag: number;
  /** Observations in the final regression (n − 1 − usedLag). */
  readonly nobs: number;
  readonly criticalValues: AdfCriticalValues;
  /** Smallest information criterion found by the search; null when autolag is null. */
  readonly icBest: number | null;
  /** The largest lag considered. */
  readonly maxLag: number;
  readonly regression: AdfRegression;
  readonly autolag: AdfAutolag;
}

/** Base class of the ADF errors. */
export class AdfError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AdfError';
  }
}

/** Invalid options or non-finite values in the series. */
export class AdfInputError extends AdfError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AdfInputError';
  }
}

/** The series is too short for the deterministic terms and lag requested. */
export class AdfSeriesTooShortError extends AdfError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AdfSeriesTooShortError';
  }
}

/** Every value of the series is the same: the test is undefined. */
export class AdfConstantSeriesError extends AdfError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AdfConstantSeriesError';
  }
}

/** The ADF regression is degenerate (collinear regressors or an exact fit), e.g. a straight line. */
export class AdfDegenerateRegressionError extends AdfError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AdfDegenerateRegressionError';
  }
}

// ---------------------------------------------------------------------------------------------
// MacKinnon tables (N = 1 series) from statsmodels/tsa/adfvalues.py, kept in its raw form.

interface PValueSurface {
  /** Above: p = 1. */
  readonly tauMax: number;
  /** Below: p = 0. */
  readonly tauMin: number;
  /** At or below: the small-p polynomial, above: the large-p polynomial. */
  readonly tauStar: number;
  /** Coefficients c0, c1, c2 (before SMALL_P_SCALING). */
  readonly smallP: readonly number[];
  /** Coefficients c0…c3 (before LARGE_P_SCALING). */
  readonly largeP: readonly number[];
}

const SMALL_P_SCALING = [1, 1, 1e-2] as const;
const LARGE_P_SCALING = [1, 1e-1, 1e-1, 1e-2] as const;

const P_VALUE_SURFACES: Readonly<Record<AdfRegression, PValueSurface>> = {
  n: {
    tauMax: Number.POSITIVE_INFINITY,
    tauMin: -19.04,
    tauStar: -1.04,
    smallP: [0.6344, 1.2378, 3.2496],
    largeP: [0.4797, 9.3557, -0.6999, 3.3066],
  },
  c: {
    tauMax: 2.74,
    tauMin: -18.83,
    tauStar: -1.61,
    smallP: [2.1659, 1.4412, 3.8269],
    largeP: [1.7339, 9.3202, -1.2745, -1.0368],
  },
  ct: {
    tauMax: 0.7,
    tauMin: -16.18,
    tauStar: -2.89,
    smallP: [3.2512, 1.6047, 4.9588],
    largeP: [2.5261, 6.1654, -3.7956, -6.0285],
  },
};

/** MacKinnon (2010) τ surfaces for 1 %, 5 %, 10 %: b0 + b1/T + b2/T² + b3/T³. */
const CRITICAL_SURFACES: Readonly<Record<AdfRegression, readonly (readonly number[])[]>> = {
  n: [
    [-2.56574, -2.2358, -3.627, 0],
    [-1.941, -0.2686, -3.365, 31.223],
    [-1.61682, 0.2656, -2.714, 25.364],
  ],
  c: [
    [-3.43035, -6.5393, -16.786, -79.433],
    [-2.86154, -2.8903, -4.234, -40.04],
    [-2.56677, -1.5384, -2.809, 0],
  ],
  ct: [
    [-3.95877, -9.0531, -28.428, -134.155],
    [-3.41049, -4.3904, -9.036, -45.374],
    [-3.12705, -2.5856, -3.925, -22.38],
  ],
};

/** c0 + c1·x + … by Horner's rule from the highest power down (numpy `polyval` order). */
function polynomial(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) value = value * x + coefficients[i]!;
  return value;
}

function scaled(coefficients: readonly number[], scaling: readonly number[]): number[] {
  return coefficients.map((c, i) => c * scaling[i]!);
}

/**
 * MacKinnon (1994) approximate asymptotic p-value of an ADF statistic for one series:
 * Φ(c0 + c1·τ + c2·τ² [+ c3·τ³]) with the small-p surface for τ ≤ τ*, the large-p surface
 * above, 1 above τ_max and 0 below τ_min. Matches statsmodels `mackinnonp(teststat, regression, N=1)`.
 */
export function mackinnonPValue(statistic: number, regression: AdfRegression = 'c'): number {
  if (Number.isNaN(statistic)) throw new AdfInputError('the ADF statistic is NaN');
  const surface = P_VALUE_SURFACES[regression];
  if (statistic > surface.tauMax) return 1;
  if (statistic < surface.tauMin) return 0;
  const coefficients =
    statistic <= surface.tauStar
      ? scaled(surface.smallP, SMALL_P_SCALING)
      : scaled(surface.largeP, LARGE_P_SCALING);
  return normalCdf(polynomial(coefficients, statistic));
}

/**
 * MacKinnon (2010) finite-sample critical values b0 + b1/T + b2/T² + b3/T³ at 1 %, 5 %, 10 %
 * for one series; `nobs` = Infinity gives the asymptotic values. Matches statsmodels
 * `mackinnoncrit(N=1, regression, nobs)`.
 */
export function mackinnonCriticalValues(regression: AdfRegression, nobs: number): AdfCriticalValues {
  const [one, five, ten] = CRITICAL_SURFACES[regression].map((coefficients) =>
    polynomial(coefficients, 1 / nobs),
  ) as [number, number, number];
  return { '1%': one, '5%': five, '10%': ten };
}

// ---------------------------------------------------------------------------------------------
// Lag bounds and the lagged design.

function trendCount(regression: AdfRegression): number {
  return regression === 'n' ? 0 : regression.length;
}

/** Largest lag statsmodels allows: ⌊n/2⌋ − ntrend − 1. */
function maxAllowedLag(n: number, regression: AdfRegression): number {
  return Math.floor(n / 2) - trendCount(regression) - 1;
}

/**
 * Default maximum lag (Schwert 1989 via Greene): min(⌈12·(n/100)^{1/4}⌉, ⌊n/2⌋ − ntrend − 1),
 * as statsmodels `adfuller` computes it.
 * @throws AdfSeriesTooShortError when the bound is negative.
 */
export function adfDefaultMaxLag(n: number, regression: AdfRegression = 'c'): number {
  const schwert = Math.ceil(12 * (n / 100) ** 0.25);
  const maxlag = Math.min(maxAllowedLag(n, regression), schwert);
  if (maxlag < 0) {
    throw new AdfSeriesTooShortError(`a series of ${n} values is too short for regression "${regression}"`);
  }
  return maxlag;
}

interface LaggedRegression {
  readonly y: Float64Array;
  readonly design: DesignMatrix;
}

/**
 * The ADF regression with `lag` lagged differences. Rows are diff indices t = lag … n−2;
 * column order is [deterministic…, level, Δlag1…] when `deterministicFirst` (the autolag search,
 * statsmodels `add_trend(prepend=True)`) and [level, Δlag1…, deterministic…] otherwise.
 */
function laggedRegression(
  x: Float64Array,
  diffs: Float64Array,
  lag: number,
  regression: AdfRegression,
  deterministicFirst: boolean,
): LaggedRegression {
  const nobs = diffs.length - lag;
  const nTrend = trendCount(regression);
  const ncols = nTrend + 1 + lag;
  const data = new Float64Array(nobs * ncols);
  const firstStochastic = deterministicFirst ? nTrend : 0;
  const firstDeterministic = deterministicFirst ? 0 : lag + 1;

  const levelOffset = firstStochastic * nobs;
  for (let r = 0; r < nobs; r++) data[levelOffset + r] = x[lag + r]!;
  for (let j = 1; j <= lag; j++) {
    const offset = (firstStochastic + j) * nobs;
    for (let r = 0; r < nobs; r++) data[offset + r] = diffs[lag + r - j]!;
  }
  if (nTrend >= 1) data.fill(1, firstDeterministic * nobs, (firstDeterministic + 1) * nobs);
  if (nTrend >= 2) {
    const offset = (firstDeterministic + 1) * nobs;
    for (let r = 0; r < nobs; r++) data[offset + r] = r + 1;
  }
  return { y: diffs.subarray(lag), design: { nobs, ncols, data } };
}

// ---------------------------------------------------------------------------------------------
// Validation.

function toFiniteSeries(values: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(values);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new AdfInputError(`series value at index ${i} is not finite`);
  }
  return x;
}

function requireVariation(x: Float64Array): void {
  if (x.every((v) => v === x[0])) {
    throw new AdfConstantSeriesError(`all ${x.length} values of the series equal ${x[0]}`);
  }
}

function resolveMaxLag(n: number, regression: AdfRegression, maxlag: number | undefined): number {
  if (maxlag === undefined) return adfDefaultMaxLag(n, regression);
  if (!Number.isInteger(maxlag) || maxlag < 0) {
    throw new AdfInputError(`maxlag must be a non-negative integer, got ${maxlag}`);
  }
  if (maxlag > maxAllowedLag(n, regression)) {
    throw new AdfSeriesTooShortError(
      `maxlag ${maxlag} exceeds ⌊n/2⌋ − ntrend − 1 = ${maxAllowedLag(n, regression)} for n = ${n}`,
    );
  }
  return maxlag;
}

function requireResidualDegreesOfFreedom(design: DesignMatrix): void {
  if (design.nobs <= design.ncols) {
    throw new AdfSeriesTooShortError(
      `the ADF regression has ${design.nobs} observations for ${design.ncols} coefficients`,
    );
  }
}

function sumOfSquares(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]! * values[i]!;
  return total;
}

/** An exact fit (ssr at rounding level of Σy²) leaves the t-statistic undefined. */
function requireResidualVariation(ssr: number, ySumOfSquares: number, nobs: number): void {
  const roundingLevel = (nobs * Number.EPSILON) ** 2 * ySumOfSquares;
  if (!(ssr > roundingLevel)) {
    throw new AdfDegenerateRegressionError('the ADF regression fits the differences exactly');
  }
}

/** Runs an OLS step, turning collinearity into an ADF error. */
function withDegeneracyCheck<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof OlsRankDeficientError) {
      throw new AdfDegenerateRegressionError('the ADF regressors are collinear', { cause: error });
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The test.

/**
 * Lag search on the common sample of the maxlag regression: the lag whose AIC/BIC is smallest
 * (first one on ties), from one QR factorisation of the full design.
 */
function selectLag(
  x: Float64Array,
  diffs: Float64Array,
  maxlag: number,
  regression: AdfRegression,
  criterion: 'AIC' | 'BIC',
): { lag: number; icBest: number } {
  const { y, design } = laggedRegression(x, diffs, maxlag, regression, true);
  requireResidualDegreesOfFreedom(design);
  const ssrByColumns = withDegeneracyCheck(() => nestedLeastSquaresSsr(y, design));
  const firstLagColumns = trendCount(regression) + 1;
  const ySumOfSquares = sumOfSquares(y);
  let best = { lag: 0, icBest: Number.POSITIVE_INFINITY };
  for (let lag = 0; lag <= maxlag; lag++) {
    const nParams = firstLagColumns + lag;
    const ssr = ssrByColumns[nParams - 1]!;
    requireResidualVariation(ssr, ySumOfSquares, design.nobs);
    const { aic, bic } = olsInformationCriteria(olsLogLikelihood(ssr, design.nobs), design.nobs, nParams);
    const ic = criterion === 'AIC' ? aic : bic;
    if (ic < best.icBest) best = { lag, icBest: ic };
  }
  return best;
}

/**
 * Augmented Dickey–Fuller test of H0 "x has a unit root" against "x is stationary", as
 * statsmodels 0.13.5 `adfuller(x, maxlag, regression, autolag)`.
 *
 * @param x the series in time order (e.g. log prices), at least a handful of finite values.
 * @returns statistic, MacKinnon p-value, used lag, nobs of the final regression, MacKinnon
 *   (2010) critical values and the best information criterion.
 * @throws AdfInputError on non-finite values or an invalid maxlag.
 * @throws AdfConstantSeriesError when every value is equal.
 * @throws AdfSeriesTooShortError when the series cannot support the requested lags and terms.
 * @throws AdfDegenerateRegressionError for collinear regressors or an exact fit.
 */
export function adfuller(x: ArrayLike<number>, options: AdfOptions = {}): AdfResult {
  const regression = options.regression ?? 'c';
  const autolag = options.autolag === undefined ? 'AIC' : options.autolag;
  if (!Object.hasOwn(P_VALUE_SURFACES, regression))
    throw new AdfInputError(`unknown regression "${regression}"`);
  if (autolag !== null && autolag !== 'AIC' && autolag !== 'BIC') {
    throw new AdfInputError(`unknown autolag "${String(autolag)}"`);
  }
  const series = toFiniteSeries(x);
  const maxLag = resolveMaxLag(series.length, regression, options.maxlag);
  requireVariation(series);
  const diffs = new Float64Array(series.length - 1);
  for (let i = 0; i < diffs.length; i++) diffs[i] = series[i + 1]! - series[i]!;

  const selection =
    autolag === null ? { lag: maxLag, icBest: null } : selectLag(series, diffs, maxLag, regression, autolag);

  const { y, design } = laggedRegression(series, diffs, selection.lag, regression, false);
  requireResidualDegreesOfFreedom(design);
  const fit = withDegeneracyCheck(() => olsFit(y, design));
  requireResidualVariation(fit.ssr, sumOfSquares(y), design.nobs);
  const statistic = fit.tvalues[0]!;
  return {
    statistic,
    pValue: mackinnonPValue(statistic, regression),
    usedLag: selection.lag,
    nobs: design.nobs,
    criticalValues: mackinnonCriticalValues(regression, design.nobs),
    icBest: selection.icBest,
    maxLag,
    regression,
    autolag,
  };
}
