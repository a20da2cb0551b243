/**
 * Tests of "do these groups share one distribution / mean?" used for seasonality: the
 * Kruskal–Wallis H test (scipy.stats `kruskal`) and one-way ANOVA (scipy.stats `f_oneway`),
 * computed the way scipy 1.10 computes them.
 */
import { chi2Sf, regularizedBeta } from '#shared/stats/distributions';
import { averageRanks, pairwiseSum } from './descriptive.ts';

export interface KruskalResult {
  /** H, corrected for ties. */
  statistic: number;
  /** chi-squared survival function of H with groups − 1 degrees of freedom. */
  pValue: number;
  df: number;
}

export interface AnovaResult {
  /** F = (between-group mean square) / (within-group mean square). */
  statistic: number;
  pValue: number;
  dfBetween: number;
  dfWithin: number;
}

/** Groups that cannot be tested: fewer than two, an empty one, or no variation at all. */
export class GroupTestInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GroupTestInputError';
  }
}

function concatenate(groups: readonly ArrayLike<number>[]): Float64Array {
  const total = groups.reduce((s, g) => s + g.length, 0);
  const all = new Float64Array(total);
  let offset = 0;
  for (const g of groups) {
    for (let i = 0; i < g.length; i++) {
      const v = g[i]!;
      if (!Number.isFinite(v)) throw new GroupTestInputError('the groups hold a non-finite value');
      all[offset + i] = v;
    }
    offset += g.length;
  }
  return all;
}

function requireGroups(groups: readonly ArrayLike<number>[]): void {
  if (groups.length < 2) throw new GroupTestInputError(`need at least two groups, got ${groups.length}`);
  groups.forEach((g, k) => {
    if (g.length === 0) throw new GroupTestInputError(`group ${k} is empty`);
  });
}

/**
 * Kruskal–Wallis H test, scipy.stats `kruskal(*groups)`: the pooled sample is ranked (ties get
 * the average rank), H = 12 / (N(N+1)) · Σ R_g² / n_g − 3(N+1), divided by the tie correction
 * 1 − Σ(t³ − t) / (N³ − N); p = chi2.sf(H, groups − 1).
 *
 * @throws GroupTestInputError with fewer than two groups, an empty group, a non-finite value, or
 *   when every value is the same (scipy raises too).
 */
export function kruskalWallis(groups: readonly ArrayLike<number>[]): KruskalResult {
  requireGroups(groups);
  const all = concatenate(groups);
  const ranks = averageRanks(all);
  const tie = tieCorrection(ranks);
  if (tie === 0) throw new GroupTestInputError('all numbers are identical');
  let ssbn = 0;
  let offset = 0;
  for (const g of groups) {
    const sum = pairwiseSum(ranks, offset, offset + g.length);
    ssbn += (sum * sum) / g.length;
    offset += g.length;
  }
  const n = all.length;
  const statistic = ((12 / (n * (n + 1))) * ssbn - 3 * (n + 1)) / tie;
  const df = groups.length - 1;
  return { statistic, pValue: chi2Sf(statistic, df), df };
}

/** scipy.stats `tiecorrect`: 1 − Σ(t³ − t) / (n³ − n) over the tie groups of the ranks. */
function tieCorrection(ranks: Float64Array): number {
  const n = ranks.length;
  if (n < 2) return 1;
  const sorted = Float64Array.from(ranks).sort();
  let ties = 0;
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || sorted[i] !== sorted[start]) {
      const t = i - start;
      ties += t * t * t - t;
      start = i;
    }
  }
  return 1 - ties / (n * n * n - n);
}

/**
 * One-way ANOVA, scipy.stats `f_oneway(*groups)`: with every value centred on the grand mean,
 * SS_between = Σ_g (Σ x)² / n_g − (Σ x)² / N, SS_total = Σ x² − (Σ x)² / N,
 * F = (SS_between / (G − 1)) / ((SS_total − SS_between) / (N − G)), p = F.sf(F, G − 1, N − G)
 * = I_{d2 / (d2 + d1·F)}(d2/2, d1/2) (cephes `fdtrc`). As scipy: F = ∞ and p = 0 when every group
 * is constant but they differ; NaN when all values are equal or every group has one value.
 *
 * @throws GroupTestInputError with fewer than two groups, an empty group or a non-finite value.
 */
export function oneWayAnova(groups: readonly ArrayLike<number>[]): AnovaResult {
  requireGroups(groups);
  const all = concatenate(groups);
  const n = all.length;
  const dfBetween = groups.length - 1;
  const dfWithin = n - groups.length;
  const nan = { statistic: Number.NaN, pValue: Number.NaN, dfBetween, dfWithin };
  if (groups.every((g) => g.length === 1)) return nan;
  if (all.every((v) => v === all[0])) return nan;

  const offset = pairwiseSum(all) / n;
  const centred = new Float64Array(n);
  const squares = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    centred[i] = all[i]! - offset;
    squares[i] = centred[i]! * centred[i]!;
  }
  const grandSum = pairwiseSum(centred);
  const normalized = (grandSum * grandSum) / n;
  const ssTotal = pairwiseSum(squares) - normalized;
  let ssBetween = 0;
  let start = 0;
  for (const g of groups) {
    const sum = pairwiseSum(centred, start, start + g.length);
    ssBetween += (sum * sum) / g.length;
    start += g.length;
  }
  ssBetween -= normalized;
  const ssWithin = ssTotal - ssBetween;
  const statistic = ssBetween / dfBetween / (ssWithin / dfWithin);
  const everyGroupConstant = groups.every((g) => Array.prototype.every.call(g, (v: number) => v === g[0]));
  if (everyGroupConstant) return { statistic: Number.POSITIVE_INFINITY, pValue: 0, dfBetween, dfWithin };
  return { statistic, pValue: fSurvival(statistic, dfBetween, dfWithin), dfBetween, dfWithin };
}

/** F distribution survival function (cephes `fdtrc(a, b, x)` = incbet(b/2, a/2, b / (b + a·x))). */
function fSurvival(f: number, d1: number, d2: number): number {
  if (Number.isNaN(f)) return Number.NaN;
  if (f === Number.POSITIVE_INFINITY) return 0;
  if (f < 0) return Number.NaN; // as cephes: outside the domain
  if (f === 0) return 1;
  return regularizedBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
}
