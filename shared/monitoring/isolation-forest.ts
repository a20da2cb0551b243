/**
 * Isolation Forest (Liu, Ting & Zhou 2008) following scikit-learn 1.2 `IsolationForest` with
 * `max_features = 1.0`, `bootstrap = False`: each tree is grown on `maxSamples` rows drawn without
 * replacement; a node splits on a feature chosen uniformly among the features that are not
 * constant in the node, at a threshold uniform in [min, max) of that feature (x ≤ threshold goes
 * left); growth stops at depth ceil(log2(maxSamples)), at one row, or when every feature is
 * constant. The path length of x in a tree is the depth of its leaf plus c(leaf size), and the
 * anomaly score is 2^(−E[h(x)] / c(maxSamples)) — higher is more anomalous (sklearn's
 * `score_samples` is its negative).
 *
 * Differences from sklearn, none of which changes the method: the random stream is our seeded
 * xoshiro128** (so exact scores differ from any sklearn `random_state`), data stay float64
 * (sklearn casts to float32), and a feature counts as constant in a node when max = min
 * (sklearn: max ≤ min + 1e-7).
 */
import { numpyLinearQuantile } from '#shared/monitoring/drift-stats';
import { createRandom, type RandomSource } from '#shared/stats/random';

/** Invalid data or options for the isolation forest. */
export class IsolationForestInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IsolationForestInputError';
  }
}

/** Options of {@link fitIsolationForest}; defaults as sklearn's, contamination per DOMAIN.md §6. */
export interface IsolationForestOptions {
  /** Number of trees. Default 100. */
  readonly nEstimators?: number;
  /** Rows per tree, drawn without replacement. Default min(256, n); capped at n. */
  readonly maxSamples?: number;
  /** Expected share of outliers in the training data, in (0, 0.5]. Default 0.01. */
  readonly contamination?: number;
  /** PRNG seed. Default 0. */
  readonly seed?: number;
}

/**
 * A fitted forest, its trees stored as complete binary trees of a fixed depth D (heap order: the
 * children of slot i are 2i + 1 and 2i + 2), so a walk is D steps with no child links to load.
 * A leaf above depth D continues as padding that always goes left (threshold +∞) down to the
 * bottom row, where each reachable bottom slot holds its leaf's path length depth + c(rows).
 * Score new rows with {@link anomalyScores} / {@link predictAnomalies}.
 */
export interface IsolationForestModel {
  readonly nFeatures: number;
  /** ψ, rows per tree. */
  readonly maxSamples: number;
  readonly nTrees: number;
  /** D = ⌈log₂ ψ⌉ (sklearn's max_depth), the depth of every walk. */
  readonly depth: number;
  /** Split feature per internal slot, 2^D − 1 per tree. */
  readonly features: Int32Array;
  /** Split threshold per internal slot (go right when x > threshold); +∞ on padding. */
  readonly thresholds: Float64Array;
  /** Path length per bottom slot, 2^D per tree (NaN on slots no row can reach). */
  readonly leafPathLengths: Float64Array;
  /**
   * Anomaly-score cut-off: a row is an outlier when its score is strictly greater. Equals −offset_
   * of sklearn, offset_ = `np.percentile(score_samples(X_train), 100 · contamination)`.
   */
  readonly threshold: number;
}

/** Rows flagged by the forest. */
export interface IsolationForestAnomalies {
  /** Positions of the flagged rows, ascending. */
  readonly indices: number[];
  /** Anomaly score of each flagged row. */
  readonly scores: number[];
  /** Anomaly score of every row. */
  readonly allScores: Float64Array;
  readonly threshold: number;
}

const EULER_GAMMA = 0.5772156649015329;

/**
 * c(n), the average path length of an unsuccessful binary-search-tree search among n points, as
 * sklearn `_average_path_length`: 0 for n ≤ 1, 1 for n = 2, else
 * 2 (ln(n − 1) + γ) − 2 (n − 1) / n (harmonic number H(n − 1) ≈ ln(n − 1) + γ).
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/**
 * Grows an isolation forest on `rows` (n × d, row-major) and sets the outlier threshold so that a
 * share `contamination` of the training rows scores above it (sklearn's `offset_`, linear
 * percentile).
 *
 * @throws IsolationForestInputError on empty or ragged data, non-finite values, or invalid options.
 */
export function fitIsolationForest(
  rows: ReadonlyArray<ArrayLike<number>>,
  options: IsolationForestOptions = {},
): IsolationForestModel {
  const nEstimators = options.nEstimators ?? 100;
  const contamination = options.contamination ?? 0.01;
  requirePositiveInteger(nEstimators, 'nEstimators');
  if (!(contamination > 0 && contamination <= 0.5)) {
    throw new IsolationForestInputError(`contamination must be in (0, 0.5], got ${contamination}`);
  }
  const data = toMatrix(rows);
  const maxSamples = Math.min(options.maxSamples ?? 256, data.n);
  requirePositiveInteger(maxSamples, 'maxSamples');

  const random = createRandom(options.seed ?? 0);
  const builder = new TreeBuilder(data, maxSamples, nEstimators, random);
  for (let t = 0; t < nEstimators; t++) builder.grow(t);

  const unthresholded = { ...builder.forest(), threshold: Number.NaN };
  const trainingScores = scoreMatrix(unthresholded, data);
  return { ...unthresholded, threshold: contaminationThreshold(trainingScores, contamination) };
}

/**
 * Anomaly score 2^(−E[h(x)] / c(ψ)) of each row, in (0, 1]; higher is more anomalous
 * (= −`score_samples` of sklearn). With ψ = 1, c(ψ) = 0 and every score is 0.5, as in sklearn.
 */
export function anomalyScores(
  model: IsolationForestModel,
  rows: ReadonlyArray<ArrayLike<number>>,
): Float64Array {
  const data = toMatrix(rows);
  if (data.d !== model.nFeatures) {
    throw new IsolationForestInputError(`rows have ${data.d} features, the model ${model.nFeatures}`);
  }
  return scoreMatrix(model, data);
}

/** Rows whose anomaly score is strictly above the model's threshold (sklearn `predict(X) == -1`). */
export function predictAnomalies(
  model: IsolationForestModel,
  rows: ReadonlyArray<ArrayLike<number>>,
): IsolationForestAnomalies {
  const allScores = anomalyScores(model, rows);
  const indices: number[] = [];
  const scores: number[] = [];
  for (let k = 0; k < allScores.length; k++) {
    if (allScores[k]! > model.threshold) {
      indices.push(k);
      scores.push(allScores[k]!);
    }
  }
  return { indices, scores, allScores, threshold: model.threshold };
}

/** Fits a forest on `rows` and flags the training rows themselves (sklearn `fit(X).predict(X)`). */
export function isolationForestAnomalies(
  rows: ReadonlyArray<ArrayLike<number>>,
  options: IsolationForestOptions = {},
): IsolationForestAnomalies {
  return predictAnomalies(fitIsolationForest(rows, options), rows);
}

// ---------------------------------------------------------------------------------------------

/** Row-major n × d matrix. */
interface Matrix {
  readonly values: Float64Array;
  readonly n: number;
  readonly d: number;
}

function toMatrix(rows: ReadonlyArray<ArrayLike<number>>): Matrix {
  const n = rows.length;
  if (n === 0) throw new IsolationForestInputError('no rows');
  const d = rows[0]!.length;
  if (d === 0) throw new IsolationForestInputError('rows have no features');
  const values = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const row = rows[r]!;
    if (row.length !== d)
      throw new IsolationForestInputError(`row ${r} has ${row.length} features, not ${d}`);
    for (let f = 0; f < d; f++) {
      const v = row[f]!;
      if (!Number.isFinite(v)) throw new IsolationForestInputError(`row ${r}, feature ${f} is not finite`);
      values[r * d + f] = v;
    }
  }
  return { values, n, d };
}

/** Grows the trees of one forest over one data set, in heap order into the forest's arrays. */
class TreeBuilder {
  private readonly permutation: Int32Array;
  private readonly sample: Int32Array;
  private readonly sampleValues: Float64Array;
  private readonly featureOrder: Int32Array;
  private readonly depth: number;
  private readonly internal: number;
  private readonly features: Int32Array;
  private readonly thresholds: Float64Array;
  private readonly leafPathLengths: Float64Array;
  // The tree being grown: its first internal slot and first bottom slot.
  private internalBase = 0;
  private leafBase = 0;

  constructor(
    private readonly data: Matrix,
    private readonly maxSamples: number,
    private readonly nTrees: number,
    private readonly random: RandomSource,
  ) {
    this.permutation = Int32Array.from({ length: data.n }, (_, k) => k);
    this.sample = new Int32Array(maxSamples);
    this.sampleValues = new Float64Array(maxSamples * data.d);
    this.featureOrder = Int32Array.from({ length: data.d }, (_, k) => k);
    this.depth = maxSamples <= 1 ? 0 : Math.ceil(Math.log2(maxSamples));
    this.internal = 2 ** this.depth - 1;
    this.features = new Int32Array(nTrees * this.internal);
    this.thresholds = new Float64Array(nTrees * this.internal).fill(Number.POSITIVE_INFINITY);
    this.leafPathLengths = new Float64Array(nTrees * (this.internal + 1)).fill(Number.NaN);
  }

  /** Grows tree `t` (trees are grown in order; each draws its rows, then splits depth first). */
  grow(t: number): void {
    this.drawSample();
    this.gather();
    this.internalBase = t * this.internal;
    this.leafBase = t * (this.internal + 1);
    this.buildNode(0, 0, this.maxSamples, 0);
  }

  forest(): Omit<IsolationForestModel, 'threshold'> {
    return {
      nFeatures: this.data.d,
      maxSamples: this.maxSamples,
      nTrees: this.nTrees,
      depth: this.depth,
      features: this.features,
      thresholds: this.thresholds,
      leafPathLengths: this.leafPathLengths,
    };
  }

  /** Partial Fisher–Yates: the first maxSamples entries of the permutation are a uniform draw. */
  private drawSample(): void {
    const p = this.permutation;
    for (let k = 0; k < this.maxSamples; k++) {
      const pick = k + Math.floor(this.random.uniform() * (p.length - k));
      const chosen = p[pick]!;
      p[pick] = p[k]!;
      p[k] = chosen;
      this.sample[k] = chosen;
    }
  }

  /** The drawn rows' values side by side (row-major), so a node's loops read memory in order. */
  private gather(): void {
    const { values, d } = this.data;
    const out = this.sampleValues;
    for (let k = 0; k < this.maxSamples; k++) {
      const row = this.sample[k]! * d;
      for (let f = 0; f < d; f++) out[k * d + f] = values[row + f]!;
    }
  }

  /** Builds the node at heap slot `slot` (depth `depth`) over the drawn rows [start, end). */
  private buildNode(slot: number, start: number, end: number, depth: number): void {
    if (!(depth < this.depth && end - start >= 2 && this.chooseSplit(start, end))) {
      // A leaf: the padding below it always goes left, to the bottom slot (slot + 1)·2^(D − depth) − 1.
      const bottom = (slot + 1) * 2 ** (this.depth - depth) - 1 - this.internal;
      this.leafPathLengths[this.leafBase + bottom] = depth + averagePathLength(end - start);
      return;
    }
    const feature = this.splitFeature;
    const threshold = this.splitThreshold;
    const middle = this.partition(start, end, feature, threshold);
    this.features[this.internalBase + slot] = feature;
    this.thresholds[this.internalBase + slot] = threshold;
    this.buildNode(2 * slot + 1, start, middle, depth + 1);
    this.buildNode(2 * slot + 2, middle, end, depth + 1);
  }

  // The split chooseSplit found (fields, not an object per node).
  private splitFeature = 0;
  private splitThreshold = 0;

  /**
   * A uniformly chosen non-constant feature and a threshold uniform in [min, max), left in
   * splitFeature / splitThreshold; false if every feature is constant over the node.
   */
  private chooseSplit(start: number, end: number): boolean {
    const order = this.featureOrder;
    const d = this.data.d;
    const values = this.sampleValues;
    for (let k = 0; k < order.length; k++) {
      const pick = k + Math.floor(this.random.uniform() * (order.length - k));
      const feature = order[pick]!;
      order[pick] = order[k]!;
      order[k] = feature;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = start * d + feature; j < end * d; j += d) {
        const v = values[j]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (max > min) {
        const threshold = min + this.random.uniform() * (max - min);
        this.splitFeature = feature;
        this.splitThreshold = threshold === max ? min : threshold;
        return true;
      }
    }
    return false;
  }

  /** Moves rows with x[feature] ≤ threshold to the front of [start, end); returns the split point. */
  private partition(start: number, end: number, feature: number, threshold: number): number {
    const d = this.data.d;
    const v = this.sampleValues;
    let middle = start;
    for (let k = start; k < end; k++) {
      if (v[k * d + feature]! <= threshold) {
        if (k !== middle) {
          for (let f = 0; f < d; f++) {
            const t = v[k * d + f]!;
            v[k * d + f] = v[middle * d + f]!;
            v[middle * d + f] = t;
          }
        }
        middle++;
      }
    }
    return middle;
  }
}

function scoreMatrix(model: Omit<IsolationForestModel, 'threshold'>, data: Matrix): Float64Array {
  const { values, n, d } = data;
  const { depth, features, thresholds, leafPathLengths, nTrees } = model;
  const internal = 2 ** depth - 1;
  const denominator = nTrees * averagePathLength(model.maxSamples);
  const totals = new Float64Array(n);
  for (let t = 0; t < nTrees; t++) {
    const f = features.subarray(t * internal, (t + 1) * internal);
    const th = thresholds.subarray(t * internal, (t + 1) * internal);
    const leaves = leafPathLengths.subarray(t * (internal + 1), (t + 1) * (internal + 1));
    // Four rows walk the tree together: a walk is a chain of dependent loads, and four
    // independent chains keep the CPU busy while each waits.
    let r = 0;
    for (; r + 4 <= n; r += 4) {
      const o0 = r * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      let n0 = 0;
      let n1 = 0;
      let n2 = 0;
      let n3 = 0;
      for (let k = 0; k < depth; k++) {
        n0 = 2 * n0 + (values[o0 + f[n0]!]! > th[n0]! ? 2 : 1);
        n1 = 2 * n1 + (values[o1 + f[n1]!]! > th[n1]! ? 2 : 1);
        n2 = 2 * n2 + (values[o2 + f[n2]!]! > th[n2]! ? 2 : 1);
        n3 = 2 * n3 + (values[o3 + f[n3]!]! > th[n3]! ? 2 : 1);
      }
      totals[r] = totals[r]! + leaves[n0 - internal]!;
      totals[r + 1] = totals[r + 1]! + leaves[n1 - internal]!;
      totals[r + 2] = totals[r + 2]! + leaves[n2 - internal]!;
      totals[r + 3] = totals[r + 3]! + leaves[n3 - internal]!;
    }
    for (; r < n; r++) {
      const offset = r * d;
      let node = 0;
      for (let k = 0; k < depth; k++) node = 2 * node + (values[offset + f[node]!]! > th[node]! ? 2 : 1);
      totals[r] = totals[r]! + leaves[node - internal]!;
    }
  }
  const scores = new Float64Array(n);
  for (let r = 0; r < n; r++) scores[r] = 2 ** -(denominator === 0 ? 1 : totals[r]! / denominator);
  return scores;
}

/**
 * −offset_ of sklearn: offset_ = np.percentile(−scores, 100 · contamination) (linear), computed
 * on the negated scores exactly as sklearn does.
 */
function contaminationThreshold(scores: Float64Array, contamination: number): number {
  const negated = Float64Array.from(scores, (s) => -s).sort();
  // np.percentile(a, 100 · c) divides the percentage by 100 before np.quantile.
  return -numpyLinearQuantile(negated, (100 * contamination) / 100);
}

function requirePositiveInteger(value: number, name: string): void {
  if (!(Number.isInteger(value) && value >= 1)) {
    throw new IsolationForestInputError(`${name} must be an integer ≥ 1, got ${value}`);
  }
}
