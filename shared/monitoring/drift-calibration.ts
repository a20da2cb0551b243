/**
 * Calibrated drift thresholds (DOMAIN §6 v2). A fixed rule (KS D > 0.15, PSI ≥ 0.25) fires on
 * almost every quarter of a real index: 63 consecutive days of an autocorrelated feature are not 63
 * independent draws, so even the training data's own quarters "drift" from the whole. Instead, cut
 * the reference (one symbol's training rows, in time order) into consecutive chunks of the window
 * size, compute each chunk's statistic against the whole reference, and take the `driftQuantile`
 * (0.99) quantile of those chunk statistics as the threshold: a window drifts when it is further
 * from the reference than 99 % of the reference's own windows were. With fewer than `minChunks`
 * chunks there is too little to calibrate on: KS and PSI fall back to the fixed thresholds, the
 * regime mix and the chain to their p-value rules.
 *
 * Statistics per chunk: KS D and PSI of each feature (exactly as the drift check computes them for
 * a window), the total-variation distance between the chunk's regime shares and the reference's,
 * and the G² of the chunk's transitions against the model's P.
 */
import type { Feature } from '#shared/data/gold';
import { transitionCounts } from '#shared/model/markov';
import { psiAgainstBins, psiReferenceBins, transitionDriftGTest } from './drift-stats.ts';

export interface DriftCalibrationOptions {
  /** Rows per chunk: the drift check's window (drift.windowRows). */
  readonly windowRows: number;
  /** The quantile of the chunk statistics that is the threshold (drift.driftQuantile). */
  readonly quantile: number;
  /** Fewer chunks than this: no calibration (drift.minChunks). */
  readonly minChunks: number;
  readonly features: readonly Feature[];
  readonly psiBins: number;
  readonly psiFloor: number;
}

/** One symbol's calibrated thresholds; a null threshold means "not calibrated: use the fixed rule". */
export interface DriftCalibration {
  readonly windowRows: number;
  readonly quantile: number;
  readonly psiBins: number;
  /** Chunks of windowRows rows the reference was cut into. */
  readonly chunks: number;
  readonly ks: Partial<Record<Feature, number | null>>;
  readonly psi: Partial<Record<Feature, number | null>>;
  /** Total-variation distance of the regime shares. */
  readonly regimeMix: number | null;
  /** G² of the transitions against the model's P. */
  readonly chain: number | null;
  /** The reference's regime shares (what a window's shares are compared with). */
  readonly shares: number[];
}

/** The reference of one symbol: its training rows in time order. */
export interface CalibrationReference {
  readonly columns: Readonly<Record<Feature, ArrayLike<number>>>;
  readonly states: ArrayLike<number>;
  readonly length: number;
}

/** The thresholds of one symbol from its reference rows and the model's transition matrix. */
export function calibrateDrift(
  reference: CalibrationReference,
  transition: readonly (readonly number[])[],
  options: DriftCalibrationOptions,
): DriftCalibration {
  const { windowRows: w } = options;
  const K = transition.length;
  const chunks = Math.floor(reference.length / w);
  const calibrated = chunks >= options.minChunks;
  const shares = regimeShares(reference.states, 0, reference.length, K);
  const ks: Partial<Record<Feature, number | null>> = {};
  const psi: Partial<Record<Feature, number | null>> = {};
  let regimeMix: number | null = null;
  let chain: number | null = null;
  if (calibrated) {
    for (const feature of options.features) {
      const values = reference.columns[feature];
      const sorted = Float64Array.from(values).sort();
      const bins = psiReferenceBins(sorted, options.psiBins);
      const d = new Float64Array(chunks);
      const p = new Float64Array(chunks);
      for (let c = 0; c < chunks; c++) {
        const chunk = rowsOf(values, c * w, (c + 1) * w);
        d[c] = ksDistanceToSorted(sorted, chunk);
        p[c] = psiAgainstBins(bins, chunk, options.psiFloor).psi;
      }
      ks[feature] = quantileLinear(d, options.quantile);
      psi[feature] = quantileLinear(p, options.quantile);
    }
    const tv = new Float64Array(chunks);
    const g2 = new Float64Array(chunks);
    for (let c = 0; c < chunks; c++) {
      tv[c] = totalVariation(regimeShares(reference.states, c * w, (c + 1) * w, K), shares);
      const states = rowsOf(reference.states, c * w, (c + 1) * w);
      g2[c] = transitionDriftGTest(transitionCounts([states], K), transition).statistic;
    }
    regimeMix = quantileLinear(tv, options.quantile);
    chain = quantileLinear(g2, options.quantile);
  } else {
    for (const feature of options.features) {
      ks[feature] = null;
      psi[feature] = null;
    }
  }
  return {
    windowRows: w,
    quantile: options.quantile,
    psiBins: options.psiBins,
    chunks,
    ks,
    psi,
    regimeMix,
    chain,
    shares,
  };
}

/** Rows [from, to) of a column: a view of a typed array (no copy), else a copy. */
function rowsOf(values: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (ArrayBuffer.isView(values)) return (values as unknown as Float64Array).subarray(from, to);
  return Array.prototype.slice.call(values, from, to) as number[];
}

/** Shares of each state among rows [from, to). */
export function regimeShares(states: ArrayLike<number>, from: number, to: number, K: number): number[] {
  const counts = new Array<number>(K).fill(0);
  for (let i = from; i < to; i++) counts[states[i]!]!++;
  const n = Math.max(1, to - from);
  return counts.map((c) => c / n);
}

/** Total-variation distance ½ Σ |a_k − b_k| of two distributions. */
export function totalVariation(a: readonly number[], b: readonly number[]): number {
  let total = 0;
  for (let k = 0; k < a.length; k++) total += Math.abs(a[k]! - (b[k] ?? 0));
  return total / 2;
}

/**
 * Two-sample KS D of `sample` against an ascending reference — scipy `ks_2samp(ref, sample)`'s
 * statistic — in O(m log n): between consecutive distinct values of the sample its ECDF is flat and
 * the reference's monotone, so the supremum is reached at a sample value or just below one.
 */
export function ksDistanceToSorted(sortedReference: Float64Array, sample: ArrayLike<number>): number {
  const n = sortedReference.length;
  const m = sample.length;
  const s = Float64Array.from(sample).sort();
  let d = 0;
  let i = 0;
  while (i < m) {
    const v = s[i]!;
    let j = i;
    while (j < m && s[j] === v) j++;
    const below = lowerBound(sortedReference, v) / n; // F_ref(v⁻)
    const atOrBelow = upperBound(sortedReference, v) / n; // F_ref(v)
    d = Math.max(d, Math.abs(below - i / m), Math.abs(atOrBelow - j / m));
    i = j;
  }
  return d;
}

/** numpy `quantile(x, q)` (linear interpolation between order statistics). */
export function quantileLinear(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The calibration options of a monitoring config, or null under `drift.thresholds: fixed`. */
export function calibrationOptions(monitoring: {
  drift: {
    thresholds: 'calibrated' | 'fixed';
    windowRows: number;
    driftQuantile: number;
    minChunks: number;
    features: readonly Feature[];
    psi: { bins: number; floor: number };
  };
}): DriftCalibrationOptions | null {
  const { drift } = monitoring;
  if (drift.thresholds !== 'calibrated') return null;
  return {
    windowRows: drift.windowRows,
    quantile: drift.driftQuantile,
    minChunks: drift.minChunks,
    features: drift.features,
    psiBins: drift.psi.bins,
    psiFloor: drift.psi.floor,
  };
}
