/**
 * Statistical tests of the Markov assumptions behind the regime model (DOMAIN §4):
 *
 * - {@link firstOrderTest}: is the next state independent of the state two steps back,
 *   given the current one? (first order against second order)
 * - {@link homogeneityTest}: are the transition probabilities the same in the first and the
 *   second half of the data? (time homogeneity)
 *
 * Both are likelihood-ratio (G) chi-square tests in the sense of Anderson & Goodman (1957),
 * "Statistical inference about Markov chains", Ann. Math. Statist. 28(1). Each is a sum of
 * G tests of independence over a family of contingency tables; rows and columns that are
 * empty in a table are dropped, so the degrees of freedom are Σ (r − 1)(c − 1) over the
 * non-empty rows r and columns c of each table. The reference is scipy
 * `chi2_contingency(table, correction=False, lambda_="log-likelihood")` per table (empty rows
 * and columns removed), statistics and df summed, p from `chi2.sf`.
 *
 * This module is a leaf: it validates its own input and imports only the chi-square tail.
 */

import { chi2Sf } from '#shared/stats/distributions';

/** The sequences or K given to a Markov test are malformed. */
export class MarkovTestInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MarkovTestInputError';
  }
}

/** Result of a likelihood-ratio chi-square test. Plain and serialisable. */
export interface LikelihoodRatioTest {
  /** The G statistic 2 Σ n ln(n / expected) (0 when df = 0). */
  statistic: number;
  /** Degrees of freedom Σ (r − 1)(c − 1) over the tables' non-empty rows and columns. */
  df: number;
  /** Upper-tail chi-square probability P(χ²_df ≥ statistic); 1 when df = 0 (nothing to test). */
  pValue: number;
  /** The significance level the interpretation uses. */
  significanceLevel: number;
  /** true when pValue < significanceLevel (the null hypothesis is rejected). */
  rejected: boolean;
  /** One line a reader can act on. */
  interpretation: string;
}

/** Options shared by the tests. */
export interface MarkovTestOptions {
  /** Significance level for the interpretation. @default 0.05 */
  significanceLevel?: number;
}

/**
 * G test of independence summed over contingency tables. Each table is rows × cols
 * of non-negative counts; empty rows and columns are ignored.
 * Returns the summed statistic and degrees of freedom.
 */
export function summedIndependenceG(tables: ReadonlyArray<ReadonlyArray<ArrayLike<number>>>): {
  statistic: number;
  df: number;
} {
  let statistic = 0;
  let df = 0;
  for (const table of tables) {
    const rowTotals = table.map((row) => sumOf(row));
    const cols = table[0]?.length ?? 0;
    const colTotals = new Float64Array(cols);
    for (const row of table) for (let j = 0; j < cols; j++) colTotals[j]! += row[j]!;
    const total = rowTotals.reduce((a, b) => a + b, 0);
    const nonEmptyRows = rowTotals.filter((t) => t > 0).length;
    const nonEmptyCols = colTotals.filter((t) => t > 0).length;
    if (nonEmptyRows < 2 || nonEmptyCols < 2) continue;
    df += (nonEmptyRows - 1) * (nonEmptyCols - 1);
    table.forEach((row, i) => {
      for (let j = 0; j < cols; j++) {
        const observed = row[j]!;
        if (observed === 0) continue;
        statistic += 2 * observed * Math.log((observed * total) / (rowTotals[i]! * colTotals[j]!));
      }
    });
  }
  return { statistic: Math.max(0, statistic), df };
}

/**
 * First-order against second-order Markov test (Anderson–Goodman).
 *
 * H0: P(s_{t+1} = k | s_t = j, s_{t−1} = i) = P(s_{t+1} = k | s_t = j) for all i.
 * For each middle state j, the table n_{ijk} of triples (i → j → k) within each sequence
 * (triples never span sequences) is tested for independence of i and k:
 * G = 2 Σ_ijk n_ijk ln(n_ijk n_·j· / (n_ij· n_·jk)), df = Σ_j (r_j − 1)(c_j − 1).
 *
 * @param sequences state sequences (integers 0..K−1), one per symbol
 * @param k number of states K ≥ 2
 */
export function firstOrderTest(
  sequences: ReadonlyArray<ArrayLike<number>>,
  k: number,
  options: MarkovTestOptions = {},
): LikelihoodRatioTest {
  const significanceLevel = options.significanceLevel ?? 0.05;
  checkInput(sequences, k, significanceLevel);
  // tables[j][i][next]
  const tables = Array.from({ length: k }, () => Array.from({ length: k }, () => new Float64Array(k)));
  for (const sequence of sequences) {
    for (let t = 2; t < sequence.length; t++) {
      tables[sequence[t - 1]!]![sequence[t - 2]!]![sequence[t]!]! += 1;
    }
  }
  const { statistic, df } = summedIndependenceG(tables);
  return buildResult(statistic, df, significanceLevel, {
    rejected: 'the next regime depends on the regime two steps back: a first-order chain misses memory',
    kept: 'no evidence against the first-order Markov assumption',
  });
}

/**
 * Time-homogeneity test: transition probabilities of the first half of the data against the
 * second half (Anderson–Goodman test of homogeneity across periods).
 *
 * Each sequence's m pairs (s_t → s_{t+1}) are split at its own midpoint: pairs t < ⌊m/2⌋
 * form the first half, the rest (including the middle pair when m is odd) the second. The
 * halves of all sequences are pooled. For each origin state i, the 2 × K table of the two
 * halves' counts is tested for independence of period and next state:
 * G = 2 Σ_t Σ_ij n^t_ij ln(n^t_ij n_i· / (n^t_i· n_ij)), df = Σ_i (r_i − 1)(c_i − 1).
 */
export function homogeneityTest(
  sequences: ReadonlyArray<ArrayLike<number>>,
  k: number,
  options: MarkovTestOptions = {},
): LikelihoodRatioTest {
  const significanceLevel = options.significanceLevel ?? 0.05;
  checkInput(sequences, k, significanceLevel);
  // tables[i][period][next]
  const tables = Array.from({ length: k }, () => [new Float64Array(k), new Float64Array(k)]);
  for (const sequence of sequences) {
    const pairs = Math.max(0, sequence.length - 1);
    const firstHalf = Math.floor(pairs / 2);
    for (let t = 0; t < pairs; t++) {
      const period = t < firstHalf ? 0 : 1;
      tables[sequence[t]!]![period]![sequence[t + 1]!]! += 1;
    }
  }
  const { statistic, df } = summedIndependenceG(tables);
  return buildResult(statistic, df, significanceLevel, {
    rejected:
      'transition probabilities changed between the first and second half: the chain is not time-homogeneous',
    kept: 'no evidence that transition probabilities changed between the first and second half',
  });
}

function buildResult(
  statistic: number,
  df: number,
  significanceLevel: number,
  messages: { rejected: string; kept: string },
): LikelihoodRatioTest {
  if (df === 0) {
    return {
      statistic: 0,
      df: 0,
      pValue: 1,
      significanceLevel,
      rejected: false,
      interpretation: 'not testable: too few distinct transitions (0 degrees of freedom)',
    };
  }
  const pValue = chi2Sf(statistic, df);
  const rejected = pValue < significanceLevel;
  const comparison = `p = ${formatP(pValue)} ${rejected ? '<' : '≥'} ${significanceLevel}`;
  return {
    statistic,
    df,
    pValue,
    significanceLevel,
    rejected,
    interpretation: `${comparison}: ${rejected ? messages.rejected : messages.kept}`,
  };
}

function formatP(p: number): string {
  return p !== 0 && p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
}

function sumOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum;
}

function checkInput(sequences: ReadonlyArray<ArrayLike<number>>, k: number, significanceLevel: number): void {
  if (!Number.isInteger(k) || k < 2) throw new MarkovTestInputError(`K must be an integer ≥ 2, got ${k}`);
  if (!(significanceLevel > 0 && significanceLevel < 1)) {
    throw new MarkovTestInputError(`significance level must be in (0, 1), got ${significanceLevel}`);
  }
  sequences.forEach((sequence, s) => {
    for (let t = 0; t < sequence.length; t++) {
      const state = sequence[t]!;
      if (!Number.isInteger(state) || state < 0 || state >= k) {
        throw new MarkovTestInputError(
          `sequence ${s}, position ${t}: state ${state} is not an integer in 0..${k - 1}`,
        );
      }
    }
  });
}
