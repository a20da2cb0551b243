/**
 * The Diebold–Mariano test of equal predictive accuracy with the Harvey–Leybourne–Newbold (1997)
 * small-sample correction, exactly as R `forecast::dm.test` (forecast 8.20) computes it:
 *
 *   d_t   = |e1_t|^power − |e2_t|^power
 *   γ_k   = (1/n) Σ_{t=1}^{n−k} (d_t − d̄)(d_{t+k} − d̄)          (R `acf(type = "covariance")`)
 *   V     = (γ_0 + 2 Σ_{k=1}^{h−1} w_k γ_k) / n,  w_k = 1 ("acf") or 1 − k/h ("bartlett")
 *   DM    = d̄ / √V × √((n + 1 − 2h + h(h − 1)/n) / n)
 *   p     from Student's t with n − 1 degrees of freedom.
 *
 * As in R, a non-positive V with h > 1 falls back to h = 1 (and says so in `fellBackToH1`); a zero V
 * at h = 1 is an error. With losses as e1 (candidate) and e2 (production) and power 1, d_t is the loss
 * difference, and alternative "less" asks whether the candidate's loss is lower.
 */
import { StatsDomainError, studentTCdf, studentTSf } from '#shared/stats/distributions';

export type DmAlternative = 'two.sided' | 'less' | 'greater';

export interface DieboldMarianoOptions {
  /** The forecast horizon: autocovariances up to lag h − 1 enter the variance. @default 1 */
  readonly h?: number;
  /** The power of the absolute errors (1 on losses). @default 2 */
  readonly power?: number;
  readonly alternative?: DmAlternative;
  readonly varestimator?: 'acf' | 'bartlett';
}

export interface DieboldMarianoResult {
  readonly statistic: number;
  readonly pValue: number;
  readonly n: number;
  /** The horizon actually used (1 after a fall-back). */
  readonly h: number;
  readonly meanDifference: number;
  readonly fellBackToH1: boolean;
}

/** R's `acf(d, lag.max, type = "covariance")`: autocovariances with divisor n about the mean. */
function autocovariances(d: readonly number[], mean: number, maxLag: number): number[] {
  const n = d.length;
  const out: number[] = [];
  for (let k = 0; k <= Math.min(maxLag, n - 1); k++) {
    let s = 0;
    for (let t = 0; t + k < n; t++) s += (d[t]! - mean) * (d[t + k]! - mean);
    out.push(s / n);
  }
  return out;
}

/**
 * The Diebold–Mariano test of e1 against e2 (errors or losses, one per period, in time order).
 *
 * @throws {StatsDomainError} for series of different or too short length, a non-finite value, or a
 *   zero variance at h = 1 (R: "Variance of DM statistic is zero").
 */
export function dieboldMariano(
  e1: readonly number[],
  e2: readonly number[],
  options: DieboldMarianoOptions = {},
): DieboldMarianoResult {
  const { h = 1, power = 2, alternative = 'two.sided', varestimator = 'acf' } = options;
  if (e1.length !== e2.length) {
    throw new StatsDomainError(`dieboldMariano: e1 has ${e1.length} values, e2 ${e2.length}`);
  }
  if (!Number.isInteger(h) || h < 1)
    throw new StatsDomainError(`dieboldMariano: h must be an integer ≥ 1, got ${h}`);
  const n = e1.length;
  if (n < 2) throw new StatsDomainError(`dieboldMariano: needs at least 2 periods, got ${n}`);
  const d = new Array<number>(n);
  let sum = 0;
  for (let t = 0; t < n; t++) {
    const v = Math.abs(e1[t]!) ** power - Math.abs(e2[t]!) ** power;
    if (!Number.isFinite(v)) throw new StatsDomainError(`dieboldMariano: period ${t} has a non-finite value`);
    d[t] = v;
    sum += v;
  }
  const mean = sum / n;
  const gamma = autocovariances(d, mean, h - 1);
  let v = gamma[0]!;
  for (let k = 1; k < gamma.length; k++) v += 2 * (varestimator === 'acf' ? 1 : 1 - k / h) * gamma[k]!;
  v /= n;
  if (!(v > 0)) {
    if (h === 1) throw new StatsDomainError('dieboldMariano: the variance of the DM statistic is zero');
    return { ...dieboldMariano(e1, e2, { ...options, h: 1 }), fellBackToH1: true };
  }
  const correction = Math.sqrt((n + 1 - 2 * h + (h / n) * (h - 1)) / n);
  const statistic = (mean / Math.sqrt(v)) * correction;
  const df = n - 1;
  const pValue =
    alternative === 'two.sided'
      ? 2 * studentTCdf(-Math.abs(statistic), df)
      : alternative === 'less'
        ? studentTCdf(statistic, df)
        : studentTSf(statistic, df);
  return { statistic, pValue, n, h, meanDifference: mean, fellBackToH1: false };
}
