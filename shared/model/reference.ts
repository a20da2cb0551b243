/**
 * The reference a model keeps of each symbol's training values, per feature: a fixed-size summary
 * instead of the values themselves (which grew with the rows: 60 MB at 1M gold rows). It serves
 * - drift against new data: KS D within 1/M of the exact value (quantile summary), PSI exactly
 *   (the reference's bins as `psi` makes them, for the configured number of bins), z-scores exactly
 *   (mean and sd of the values);
 * - scoring new rows on the model's scale: the empirical CDF of the summary's pseudo-sample,
 *   within 1/(2M) of the training sample's (shared/stats/quantile-summary.ts).
 * M = model.yaml reference.quantiles. See decision 8.
 */
import { FEATURES, type Feature, type ReferenceSample } from '#shared/data/gold';
import { type PsiReferenceBins, psiReferenceBins } from '#shared/monitoring/drift-stats';
import { pseudoSample, type QuantileSummary, summariseSorted } from '#shared/stats/quantile-summary';

export interface FeatureReference extends QuantileSummary {
  /** Mean and sample sd (ddof 1; 0 for one value) of the training values. */
  readonly mean: number;
  readonly sd: number;
  /** The reference's PSI bins for `bins` bins (null: computed from the quantiles, approximately). */
  readonly psi: PsiReferenceBins | null;
}

/** Per symbol, per feature. */
export type ModelReferences = Record<string, Partial<Record<Feature, FeatureReference>>>;

/** The reference of one feature's training values (any order, finite). */
export function featureReference(
  values: ArrayLike<number>,
  options: { quantiles: number; psiBins: number | null },
): FeatureReference {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += sorted[i]!;
  const mean = total / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i]! - mean) ** 2;
  const summary = summariseSorted(sorted, options.quantiles);
  const psi = options.psiBins === null ? null : psiReferenceBins(sorted, options.psiBins);
  return { n, quantiles: [...summary.quantiles], mean, sd: n > 1 ? Math.sqrt(squares / (n - 1)) : 0, psi };
}

/** The references of one symbol's gold features (every feature with at least one finite value). */
export function symbolReferences(
  columns: Readonly<Record<Feature, ArrayLike<number>>>,
  options: { quantiles: number; psiBins: number | null },
): Partial<Record<Feature, FeatureReference>> {
  const out: Partial<Record<Feature, FeatureReference>> = {};
  for (const f of FEATURES) {
    const values = columns[f];
    if (values.length > 0) out[f] = featureReference(values, options);
  }
  return out;
}

/** A symbol's references as the data pipeline takes them: the summaries' pseudo-samples. */
export function referenceSampleOf(references: Partial<Record<Feature, FeatureReference>>): ReferenceSample {
  const sample: ReferenceSample = {};
  for (const f of FEATURES) {
    const r = references[f];
    if (r !== undefined) sample[f] = pseudoSample(r);
  }
  return sample;
}
