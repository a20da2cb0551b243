/**
 * Probability distributions used by FINML's statistical tests: normal, chi-squared, Student t,
 * beta, Kolmogorov (limiting) and the finite-n two-sided Kolmogorov–Smirnov distribution.
 *
 * Reference library: SciPy 1.10 (`scipy.stats`, `scipy.special`). Every function names the SciPy
 * call it reproduces; the tests compare against values produced by that call
 * (test/fixtures/stats/). Arguments are validated: NaN or out-of-domain input throws
 * {@link StatsDomainError} (a RangeError).
 */
import {
  assertInClosedRange,
  assertNotNaN,
  assertPositiveFinite,
  clip01,
  erfc,
  incompleteBetaTails,
  kolmogorov,
  logBeta,
  ndtr,
  ndtri,
  regularizedGammaP,
  regularizedGammaQ,
  StatsDomainError,
  smirnov,
} from '#shared/stats/special';

export {
  logBeta,
  logGamma,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
  StatsDomainError,
} from '#shared/stats/special';

// ---------------------------------------------------------------------------------------------
// Normal
// ---------------------------------------------------------------------------------------------

/** Standard normal CDF Φ(x) (SciPy `scipy.stats.norm.cdf`, i.e. cephes `ndtr`). */
export function normalCdf(x: number): number {
  assertNotNaN('normalCdf', 'x', x);
  return ndtr(x);
}

/** Standard normal survival function 1 − Φ(x) = Φ(−x), accurate in the upper tail (`norm.sf`). */
export function normalSf(x: number): number {
  assertNotNaN('normalSf', 'x', x);
  return ndtr(-x);
}

/**
 * Standard normal quantile Φ⁻¹(p) (SciPy `scipy.stats.norm.ppf`, cephes `ndtri`: rational
 * approximations in p − ½ and in √(−2 ln p)). Returns −∞ for p = 0 and +∞ for p = 1.
 *
 * @throws {StatsDomainError} when p is NaN or outside [0, 1].
 */
export function normalPpf(p: number): number {
  assertInClosedRange('normalPpf', 'p', p, 0, 1);
  return ndtri(p);
}

// ---------------------------------------------------------------------------------------------
// Chi-squared
// ---------------------------------------------------------------------------------------------

/**
 * Chi-squared CDF with `df` degrees of freedom: P(df/2, x/2) (SciPy `scipy.stats.chi2.cdf`).
 * Returns 0 for x ≤ 0.
 *
 * @throws {StatsDomainError} when x is NaN or df is not a finite number > 0.
 */
export function chi2Cdf(x: number, df: number): number {
  assertNotNaN('chi2Cdf', 'x', x);
  assertPositiveFinite('chi2Cdf', 'df', df);
  if (x <= 0) return 0;
  return regularizedGammaP(df / 2, x / 2);
}

/**
 * Chi-squared survival function Q(df/2, x/2), computed directly (not 1 − cdf) so that it keeps
 * relative accuracy far in the upper tail (SciPy `scipy.stats.chi2.sf`). Returns 1 for x ≤ 0.
 *
 * @throws {StatsDomainError} when x is NaN or df is not a finite number > 0.
 */
export function chi2Sf(x: number, df: number): number {
  assertNotNaN('chi2Sf', 'x', x);
  assertPositiveFinite('chi2Sf', 'df', df);
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

// ---------------------------------------------------------------------------------------------
// Student t
// ---------------------------------------------------------------------------------------------

/**
 * Upper tail of Student's t with `df` degrees of freedom, P(T > t) (SciPy `scipy.stats.t.sf`).
 * For t > 0: ½ I_{df/(df+t²)}(df/2, ½); the complementary argument t²/(df+t²) is passed
 * separately so both tails keep relative accuracy. df = ∞ gives the normal tail.
 *
 * @throws {StatsDomainError} when t is NaN or df is not > 0.
 */
export function studentTSf(t: number, df: number): number {
  assertNotNaN('studentTSf', 't', t);
  if (!(df > 0)) throw new StatsDomainError(`studentTSf: df must be > 0, got ${df}`);
  if (df === Number.POSITIVE_INFINITY) return ndtr(-t);
  if (t === 0) return 0.5;
  const absT = Math.abs(t);
  const tail =
    0.5 *
    (df > STUDENT_T_ASYMPTOTIC_DF ? studentTwoSidedTailLargeDf(absT, df) : studentTwoSidedTail(absT, df));
  return t > 0 ? tail : 1 - tail;
}

/** Student t CDF P(T ≤ t) (SciPy `scipy.stats.t.cdf`); see {@link studentTSf}. */
export function studentTCdf(t: number, df: number): number {
  assertNotNaN('studentTCdf', 't', t);
  if (!(df > 0)) throw new StatsDomainError(`studentTCdf: df must be > 0, got ${df}`);
  return studentTSf(-t, df);
}

/**
 * Student t quantile: the t with P(T ≤ t) = p (SciPy `scipy.stats.t.ppf`), by bisection on
 * {@link studentTSf} (each step halves the bracket: 1100 steps reach the spacing of the doubles).
 *
 * @throws {StatsDomainError} when p is not in (0, 1) or df is not > 0.
 */
export function studentTPpf(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new StatsDomainError(`studentTPpf: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new StatsDomainError(`studentTPpf: df must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  const tail = Math.min(p, 1 - p);
  let lo = 0;
  let hi = 1;
  while (studentTSf(hi, df) > tail) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 1100; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (studentTSf(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  const t = lo + (hi - lo) / 2;
  return p > 0.5 ? t : -t;
}

/**
 * Above this df the incomplete-beta continued fraction loses ~df·1e-17 relative accuracy
 * (its partial numerators approach −1), so {@link studentTwoSidedTailLargeDf} is used instead.
 */
const STUDENT_T_ASYMPTOTIC_DF = 1e6;

/**
 * P(|T| > t) for large df by the leading term of the expansion of I_x(a, b) for a ≫ b
 * (Temme; Didonato & Morris TOMS 708 `bgrat`, which SciPy's cdflib `cdft` uses):
 *   I_x(a, b) ≈ Γ(a+b) / (Γ(a) ν^b) · Q(b, z),  ν = a + (b − 1)/2,  z = −ν ln x,
 * with a = df/2, b = ½, x = df/(df+t²), so Q(½, z) = erfc(√z) and z = ν·log1p(t²/df).
 * The neglected terms are O((1 + t⁴)/a²): below 1e-10 relative for df > 1e6 and |t| ≤ 10.
 */
function studentTwoSidedTailLargeDf(absT: number, df: number): number {
  const a = df / 2;
  const nu = a - 0.25;
  const z = nu * Math.log1p((absT / df) * absT);
  const logScale = LOG_GAMMA_HALF - logBeta(a, 0.5) - 0.5 * Math.log(nu);
  // The leading term is 1 + O(1/a²) at t = 0; clip so that the tail stays a probability.
  return Math.min(1, Math.exp(logScale) * erfc(Math.sqrt(z)));
}

/** ln Γ(½) = ln √π. */
const LOG_GAMMA_HALF = 0.5723649429247001;

/** P(|T| > t) for t > 0 = I_{df/(df+t²)}(df/2, ½). */
function studentTwoSidedTail(absT: number, df: number): number {
  if (absT === Number.POSITIVE_INFINITY) return 0;
  // Scale by |t| so that t² cannot overflow: x = r/(r + |t|), 1 − x = |t|/(r + |t|), r = df/|t|.
  const r = df / absT;
  const denom = r + absT;
  return incompleteBetaTails(df / 2, 0.5, r / denom, absT / denom).lower;
}

// ---------------------------------------------------------------------------------------------
// Beta
// ---------------------------------------------------------------------------------------------

function assertBetaShape(fn: string, a: number, b: number): void {
  assertPositiveFinite(fn, 'a', a);
  assertPositiveFinite(fn, 'b', b);
}

/**
 * Beta(a, b) CDF I_x(a, b) (SciPy `scipy.stats.beta.cdf`). 0 for x ≤ 0, 1 for x ≥ 1.
 *
 * @throws {StatsDomainError} when x is NaN or a, b are not finite numbers > 0.
 */
export function betaCdf(x: number, a: number, b: number): number {
  assertNotNaN('betaCdf', 'x', x);
  assertBetaShape('betaCdf', a, b);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return incompleteBetaTails(a, b, x, 1 - x).lower;
}

/** Beta(a, b) survival function 1 − I_x(a, b), accurate in the upper tail (`scipy.stats.beta.sf`). */
export function betaSf(x: number, a: number, b: number): number {
  assertNotNaN('betaSf', 'x', x);
  assertBetaShape('betaSf', a, b);
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  return incompleteBetaTails(a, b, x, 1 - x).upper;
}

/** 2^-53: 1 − 2^-53 is the largest double below 1. */
const HALF_EPSILON = Number.EPSILON / 2;

/** Maximum Newton/bisection steps of {@link betaPpf}; it normally converges in < 10. */
const BETA_PPF_MAX_ITER = 200;

/**
 * Beta(a, b) quantile: the x with I_x(a, b) = q (SciPy `scipy.stats.beta.ppf`, Boost `ibeta_inv`).
 *
 * Safeguarded Newton iteration on a log scale: for q ≤ ½ it solves ln I_x = ln q in u = ln x,
 * otherwise ln(1 − I_x) = ln(1 − q) in v = ln(1 − x). Both equations are nearly linear in the
 * power-law tails, so tiny quantiles (x ~ 1e-200 for small a) keep full relative accuracy.
 * A bracket is maintained and a bisection step is taken whenever Newton leaves it.
 * Starting point: Numerical Recipes' `invbetai` approximation.
 *
 * @throws {StatsDomainError} when q is NaN or outside [0, 1], or a, b are not finite numbers > 0.
 */
export function betaPpf(q: number, a: number, b: number): number {
  assertInClosedRange('betaPpf', 'q', q, 0, 1);
  assertBetaShape('betaPpf', a, b);
  if (q === 0) return 0;
  if (q === 1) return 1;
  const lowerTail = q <= 0.5;
  // Quantiles beyond the representable neighbourhood of 0 or 1 round to the bound.
  if (lowerTail && incompleteBetaTails(a, b, Number.MIN_VALUE, 1).lower >= q) return 0;
  if (!lowerTail && incompleteBetaTails(a, b, 1 - HALF_EPSILON, HALF_EPSILON).upper >= 1 - q) return 1;
  const logB = logBeta(a, b);
  // Target: log of the smaller tail probability; the unknown s = ln x (lower) or ln(1 − x) (upper).
  const target = lowerTail ? Math.log(q) : Math.log1p(-q);
  const guess = betaPpfInitialGuess(q, a, b);
  let s = lowerTail ? Math.log(guess) : Math.log1p(-guess);
  if (!Number.isFinite(s)) s = Math.log(Number.MIN_VALUE);
  let lo = Number.NEGATIVE_INFINITY; // bracket on s: residual < 0 at lo, > 0 at hi
  let hi = 0;
  for (let iter = 0; iter < BETA_PPF_MAX_ITER; iter++) {
    const x = lowerTail ? Math.exp(s) : -Math.expm1(s);
    const xc = lowerTail ? -Math.expm1(s) : Math.exp(s);
    const tails = incompleteBetaTails(a, b, x, xc);
    const tail = lowerTail ? tails.lower : tails.upper;
    const residual = Math.log(tail) - target; // increasing in s for both parametrisations
    if (residual === 0) return x;
    if (residual < 0) lo = s;
    else hi = s;
    // d ln(tail)/ds = x·pdf(x)/I (lower) or (1 − x)·pdf(x)/(1 − I) (upper).
    const logPdf = (a - 1) * Math.log(x) + (b - 1) * Math.log(xc) - logB;
    const slope = Math.exp(logPdf + s - Math.log(tail));
    let next = Number.isFinite(slope) && slope > 0 && tail > 0 ? s - residual / slope : Number.NaN;
    if (!(next > lo && next < hi)) next = bisectLogBracket(lo, hi, s);
    // Relative accuracy of x (and of 1 − x): absolute in u = ln x, relative in v = ln(1 − x).
    const tolerance = 4 * Number.EPSILON * (lowerTail ? Math.max(1, Math.abs(s)) : Math.abs(s));
    if (Math.abs(next - s) <= tolerance || next === lo || next === hi) {
      return lowerTail ? Math.exp(next) : -Math.expm1(next);
    }
    s = next;
  }
  return lowerTail ? Math.exp(s) : -Math.expm1(s);
}

/** Midpoint of the bracket on the log scale; an unbounded lower end is stepped outward. */
function bisectLogBracket(lo: number, hi: number, s: number): number {
  if (lo === Number.NEGATIVE_INFINITY) return Math.min(s, hi) * 2 - 1;
  return 0.5 * (lo + hi);
}

/** Initial approximation of the Beta quantile (Numerical Recipes 3rd ed., `Beta::invbetai`). */
function betaPpfInitialGuess(p: number, a: number, b: number): number {
  let x: number;
  if (a >= 1 && b >= 1) {
    const pp = p < 0.5 ? p : 1 - p;
    const t = Math.sqrt(-2 * Math.log(pp));
    x = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t;
    if (p < 0.5) x = -x;
    const al = (x * x - 3) / 6;
    const h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
    const w = (x * Math.sqrt(al + h)) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5 / 6 - 2 / (3 * h));
    x = a / (a + b * Math.exp(2 * w));
  } else {
    const lna = Math.log(a / (a + b));
    const lnb = Math.log(b / (a + b));
    const t = Math.exp(a * lna) / a;
    const u = Math.exp(b * lnb) / b;
    const w = t + u;
    x = p < t / w ? (a * w * p) ** (1 / a) : 1 - (b * w * (1 - p)) ** (1 / b);
  }
  if (!(x > 0 && x < 1)) x = a / (a + b);
  return x;
}

// ---------------------------------------------------------------------------------------------
// Kolmogorov (limiting) distribution
// ---------------------------------------------------------------------------------------------

/**
 * Survival function of Kolmogorov's limiting distribution, P(√n Dₙ > x) as n → ∞
 * (SciPy `scipy.special.kolmogorov`, `scipy.stats.kstwobign.sf`). 1 for x ≤ 0.
 */
export function kolmogorovSf(x: number): number {
  assertNotNaN('kolmogorovSf', 'x', x);
  return kolmogorov(x).sf;
}

/** CDF of Kolmogorov's limiting distribution (SciPy `scipy.special.kolmogc`). */
export function kolmogorovCdf(x: number): number {
  assertNotNaN('kolmogorovCdf', 'x', x);
  return kolmogorov(x).cdf;
}

// ---------------------------------------------------------------------------------------------
// Two-sided one-sample Kolmogorov–Smirnov distribution of Dₙ (SciPy scipy/stats/_ksstats.py)
// ---------------------------------------------------------------------------------------------

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
const MIN_LOG_PELZ_GOOD = -708;
const LOG_2PI = Math.log(2 * Math.PI);

/** B_{2j}/(2j)/(2j−1) for j = 8 … 1 (SciPy `_STIRLING_COEFFS`, from _loggamma.pxd). */
const STIRLING_COEFFS = [
  -2.9550653594771242e-2, 6.41025641025641e-3, -1.9175269175269176e-3, 8.417508417508417e-4,
  -5.952380952380953e-4, 7.936507936507937e-4, -2.777777777777778e-3, 8.333333333333333e-2,
];

/** x·2^e without intermediate overflow/underflow (C `ldexp`). */
function ldexp(x: number, e: number): number {
  let value = x;
  let exponent = e;
  while (exponent > 1023) {
    value *= 2 ** 1023;
    exponent -= 1023;
  }
  while (exponent < -1022) {
    value *= 2 ** -1022;
    exponent += 1022;
  }
  return value * 2 ** exponent;
}

/** ln(n!/nⁿ) by Stirling's series with n ln n removed (SciPy `_log_nfactorial_div_n_pow_n`). */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  const y = rn / n;
  for (const c of STIRLING_COEFFS) poly = poly * y + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/** C = A·B for m×m row-major matrices. */
function matMul(A: Float64Array, B: Float64Array, m: number): Float64Array {
  const C = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const rowC = i * m;
    for (let k = 0; k < m; k++) {
      const aik = A[i * m + k]!;
      if (aik === 0) continue;
      const rowB = k * m;
      for (let j = 0; j < m; j++) C[rowC + j]! += aik * B[rowB + j]!;
    }
  }
  return C;
}

/**
 * P(Dₙ ≤ d) by Durbin's matrix algorithm as organised by Marsaglia, Tsang & Wang (2003):
 * with d = (k − h)/n, the k-th diagonal entry of (n!/nⁿ)·Hⁿ for an m×m matrix H, m = 2k − 1,
 * powers by repeated squaring with explicit 2^128 scaling (SciPy `_kolmogn_DMTW`).
 */
function kolmogornDurbinMatrix(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  // v[j] = (1 − h^(j+1)) / (j+1)!,  w[j] = 1/j!
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;

  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let Hpwr: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0; // scaling of Hpwr
  let Hexpnt = 0; // scaling of H
  const diag = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2 === 1) {
      Hpwr = matMul(Hpwr, H, m);
      expnt += Hexpnt;
    }
    H = matMul(H, H, m);
    Hexpnt *= 2;
    if (Math.abs(H[diag]!) > EP128) {
      for (let i = 0; i < H.length; i++) H[i]! /= EP128;
      Hexpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = Hpwr[diag]!;
  // Multiply by n!/nⁿ.
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

/** Endpoints [j1, j2] of the non-zero entries of row i (SciPy `_pomeranz_compute_j1j2`). */
function pomeranzRowRange(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/**
 * P(Dₙ ≤ x) by Pomeranz's recursion (1974): each row is the convolution of the previous row
 * with (almost) Poisson probabilities; only two rows and their non-zero windows are kept,
 * scaled by 2^128 against underflow (SciPy `_kolmogn_Pomeranz`).
 */
function kolmogornPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs); // (g/n)^m / m!
  const twogpower = new Float64Array(npwrs); // (2g/n)^m / m!
  const onem2gpower = new Float64Array(npwrs); // ((1−2g)/n)^m / m!
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gOverN) / m;
    twogpower[m] = (twogpower[m - 1]! * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * oneMinusTwoGOverN) / m;
  }

  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzRowRange(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzRowRange(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 === 1 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // conv = convolve(V0[k1−V0s : k1−V0s+ln2], pwrs[:ln2]); keep entries conv_start … +conv_len.
      const srcStart = k1 - V0s;
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let maxV1 = 0;
      for (let out = 0; out < convLen; out++) {
        const idx = convStart + out;
        let acc = 0;
        const iLo = Math.max(0, idx - ln2 + 1);
        const iHi = Math.min(idx, ln2 - 1);
        for (let s = iLo; s <= iHi; s++) {
          const src = srcStart + s;
          if (src >= 0 && src < npwrs) acc += V0[src]! * pwrs[idx - s]!;
        }
        V1[out] = acc;
        if (acc > maxV1) maxV1 = acc;
      }
      if (maxV1 > 0 && maxV1 < EM128) {
        for (let q = 0; q < npwrs; q++) V1[q]! *= EP128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s] ?? 0;
  // Multiply by n!.
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128;
      expnt += E128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clip01(ans);
}

/**
 * Pelz–Good (1976) approximation of P(Dₙ ≤ x): the Li-Chien/Korolyuk expansion
 * K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^1.5, z = x√n, rewritten with Jacobi theta functions
 * for small z (SciPy `_kolmogn_PelzGood`).
 */
function kolmogornPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;
  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < MIN_LOG_PELZ_GOOD) return 0;
  let q = Math.exp(qlog);

  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;
  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;

  // Horner scheme for Σ c_i q^(i²) over odd i.
  let K0 = 0;
  let K1 = 0;
  let K2 = 0;
  let K3 = 0;
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = q ** (8 * k);
    K0 = K0 * qpower + 1;
    K1 = K1 * qpower + (k1a + k1b * msquared);
    K2 = K2 * qpower + (k2a + k2b * msquared + k2c * mfour);
    K3 = K3 * qpower + (k3a + k3b * msquared + k3c * mfour + k3d * msix);
  }
  const scale = q * Math.sqrt(2 * Math.PI);
  K0 = (K0 * scale) / z;
  K1 = (K1 * scale) / (6 * zfour);
  K2 = (K2 * scale) / (72 * z ** 7);
  K3 = (K3 * scale) / (6480 * z ** 10);

  // Second sum over all integers k: K2 += (π²k²) q^(k²)·c, K3 += (3π²k²z² − π⁴k⁴) q^(k²)·c.
  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  const sqrt3z = Math.sqrt(3) * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const ksquared = k * k;
    const qpwer = q ** ksquared;
    const kspi = Math.PI * k;
    k2extra += ksquared * qpwer;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwer;
  }
  K2 += (k2extra * PI_SQUARED * Math.sqrt(2 * Math.PI)) / (-36 * zthree);
  K3 += (k3extra * PI_SQUARED * Math.sqrt(2 * Math.PI)) / (216 * zsix);

  return K0 + K1 / Math.sqrt(n) + K2 / n + K3 / n ** 1.5;
}

/** Both tails of the Dₙ distribution. */
interface KsTails {
  readonly cdf: number;
  readonly sf: number;
}

function tailsFromCdf(cdf: number): KsTails {
  return { cdf: clip01(cdf), sf: clip01(1 - cdf) };
}

function tailsFromSf(sf: number): KsTails {
  return { cdf: clip01(1 - sf), sf: clip01(sf) };
}

/**
 * Distribution of the two-sided one-sample KS statistic Dₙ following Simard & L'Ecuyer (2011),
 * a faithful port of SciPy 1.10 `scipy/stats/_ksstats.py::_kolmogn`:
 *   - n·d ≤ 1 and n·d ≥ n − 1: Ruben–Gambino closed forms;
 *   - d ≥ ½: exact 2·smirnov(n, d);
 *   - n ≤ 140: Durbin matrix (n d² ≤ 0.754693), Pomeranz (≤ 4), else 2·smirnov;
 *   - n > 140: sf = 0 (n d² ≥ 370), 2·smirnov (≥ 2.2), else 1 − CDF with CDF from the Durbin
 *     matrix (n ≤ 100000 and n d^1.5 ≤ 1.4) or the Pelz–Good approximation.
 * `wantSf` mirrors SciPy's `cdf=False` (the n > 140 cut-offs differ between CDF and SF).
 */
function kolmogn(n: number, x: number, wantSf: boolean): KsTails {
  if (x >= 1) return { cdf: 1, sf: 0 };
  if (x <= 0) return { cdf: 0, sf: 1 };
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return { cdf: 0, sf: 1 };
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return tailsFromCdf(prob);
  }
  if (t >= n - 1) return tailsFromSf(2 * (1 - x) ** n);
  if (x >= 0.5) return tailsFromSf(2 * smirnov(n, x));

  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) return tailsFromCdf(kolmogornDurbinMatrix(n, x));
    if (nxsquared <= 4) return tailsFromCdf(kolmogornPomeranz(n, x));
    return tailsFromSf(2 * smirnov(n, x));
  }
  if (wantSf) {
    if (nxsquared >= 370) return { cdf: 1, sf: 0 };
    if (nxsquared >= 2.2) return tailsFromSf(2 * smirnov(n, x));
  }
  let cdf: number;
  if (nxsquared >= 18) cdf = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = kolmogornDurbinMatrix(n, x);
  else cdf = kolmogornPelzGood(n, x);
  return tailsFromCdf(cdf);
}

function assertSampleSize(fn: string, n: number): void {
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new StatsDomainError(`${fn}: n must be an integer >= 1, got ${n}`);
  }
}

/**
 * Survival function P(Dₙ ≥ d) of the two-sided one-sample Kolmogorov–Smirnov statistic for a
 * sample of size n (SciPy `scipy.stats.kstwo.sf(d, n)`). SciPy 1.10's
 * `ks_2samp(..., method="asymp")` returns `kstwo.sf(d, round(m·n/(m+n)))`. 1 for d ≤ 0, 0 for d ≥ 1.
 *
 * @throws {StatsDomainError} when d is NaN or n is not an integer ≥ 1.
 */
export function kstwoSf(d: number, n: number): number {
  assertNotNaN('kstwoSf', 'd', d);
  assertSampleSize('kstwoSf', n);
  return kolmogn(n, d, true).sf;
}

/** CDF P(Dₙ ≤ d) of the two-sided KS statistic (SciPy `scipy.stats.kstwo.cdf(d, n)`). */
export function kstwoCdf(d: number, n: number): number {
  assertNotNaN('kstwoCdf', 'd', d);
  assertSampleSize('kstwoCdf', n);
  return kolmogn(n, d, false).cdf;
}

/** NumPy's `np.round` for non-negative x: round half to even. */
function roundHalfToEven(x: number): number {
  const rounded = Math.round(x);
  return rounded - x === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

/**
 * Two-sided p-value of the two-sample Kolmogorov–Smirnov test by the asymptotic method, exactly as
 * SciPy 1.10 `ks_2samp(x, y, method="asymp")` computes it: `kstwo.sf(d, np.round(en))` with the
 * effective sample size en = n1·n2/(n1 + n2) rounded half-to-even (so 2.5 → 2), clipped to [0, 1].
 *
 * @throws {StatsDomainError} when d is NaN, n1 or n2 is not an integer ≥ 1, or the rounded
 *   effective size is 0 (n1 = n2 = 1, where SciPy returns NaN).
 */
export function ksTwoSampleAsymptoticPValue(d: number, n1: number, n2: number): number {
  assertNotNaN('ksTwoSampleAsymptoticPValue', 'd', d);
  assertSampleSize('ksTwoSampleAsymptoticPValue', n1);
  assertSampleSize('ksTwoSampleAsymptoticPValue', n2);
  const en = roundHalfToEven((n1 * n2) / (n1 + n2));
  if (en < 1) {
    throw new StatsDomainError(
      `ksTwoSampleAsymptoticPValue: effective sample size rounds to 0 for n1=${n1}, n2=${n2}`,
    );
  }
  return kolmogn(en, d, true).sf;
}
