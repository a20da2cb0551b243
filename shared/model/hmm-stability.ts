/**
 * Label stability of the HMM across refits (issue 16): a refit orders its states by variance and
 * names them Low / Medium / High, but nothing guarantees that the new "Medium" is the old one. Each
 * new fit's states are matched to the previous version's by their emission distributions — the
 * permutation with the smallest total symmetric Kullback–Leibler divergence between the two
 * Gaussians of each pair — and the report says when that matching is not the variance order
 * (the labels swapped) and how far each state moved.
 *
 * Symmetric KL of N(μ₁, σ₁²) and N(μ₂, σ₂²): ½[(σ₁² + (μ₁−μ₂)²)/σ₂² + (σ₂² + (μ₁−μ₂)²)/σ₁²] − 1.
 * Both fits are on the same returnScale (the config's), so the means and variances compare.
 */
import type { GaussianHmmParams } from './hmm.ts';

export interface HmmStability {
  previousVersion: string;
  /** matchedTo[k]: the previous version's state matched to this fit's state k. */
  matchedTo: number[];
  /** True when the matching is not the identity: the variance order no longer names the same states. */
  swapped: boolean;
  /** Per state k: the symmetric KL divergence to its match, and the variance ratio new / previous. */
  divergence: number[];
  varianceRatio: number[];
}

export function symmetricKl(m1: number, v1: number, m2: number, v2: number): number {
  const d2 = (m1 - m2) ** 2;
  return 0.5 * ((v1 + d2) / v2 + (v2 + d2) / v1) - 1;
}

/** Matches `current`'s states to `previous`'s (same number of states; see the module comment). */
export function hmmStability(
  current: GaussianHmmParams,
  previous: GaussianHmmParams,
  previousVersion: string,
): HmmStability | null {
  const k = current.states;
  if (previous.states !== k || k > 6) return null;
  let best: number[] = [];
  let bestCost = Number.POSITIVE_INFINITY;
  for (const p of permutations(k)) {
    let cost = 0;
    for (let i = 0; i < k; i++) {
      cost += symmetricKl(
        current.means[i]!,
        current.variances[i]!,
        previous.means[p[i]!]!,
        previous.variances[p[i]!]!,
      );
    }
    // Ties (e.g. identical fits) keep the first permutation, the identity.
    if (cost < bestCost) {
      bestCost = cost;
      best = p;
    }
  }
  return {
    previousVersion,
    matchedTo: best,
    swapped: best.some((j, i) => j !== i),
    divergence: best.map((j, i) =>
      symmetricKl(current.means[i]!, current.variances[i]!, previous.means[j]!, previous.variances[j]!),
    ),
    varianceRatio: best.map((j, i) => current.variances[i]! / previous.variances[j]!),
  };
}

/** All permutations of 0..k−1, the identity first. */
function permutations(k: number): number[][] {
  if (k === 1) return [[0]];
  const out: number[][] = [];
  for (const rest of permutations(k - 1)) {
    for (let at = rest.length; at >= 0; at--) out.push([...rest.slice(0, at), k - 1, ...rest.slice(at)]);
  }
  return out;
}
