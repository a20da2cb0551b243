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
 * One isolation tree in flat arrays. Node 0 is the root; `left[node] === -1` marks a leaf, whose
 * `pathLength` is depth + c(rows in the leaf).
 */
interface IsolationTree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly pathLength: Float64Array;
}

/** A fitted forest. Score new rows with {@link anomalyScores} / {@link predictAnomalies}. */
export interface IsolationForestModel {
  readonly nFeatures: number;
  /** ψ, rows per tree. */
  readonly maxSamples: number;
  readonly trees: readonly IsolationTree[];
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
  const builder = new TreeBuilder(data, maxSamples, random);
  const trees: IsolationTree[] = [];
  for (let t = 0; t < nEstimators; t++) trees.push(builder.grow());

  const unthresholded = { nFeatures: data.d, maxSamples, trees, threshold: Number.NaN };
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

/** Grows trees over one data set; scratch arrays are reused across trees. */
class TreeBuilder {
  private readonly permutation: Int32Array;
  private readonly sample: Int32Array;
  private readonly featureOrder: Int32Array;
  private readonly maxDepth: number;
  private readonly maxNodes: number;
  // Per-tree output, reset by grow().
  private feature = new Int32Array(0);
  private threshold = new Float64Array(0);
  private left = new Int32Array(0);
  private right = new Int32Array(0);
  private pathLength = new Float64Array(0);
  private nodeCount = 0;

  constructor(
    private readonly data: Matrix,
    private readonly maxSamples: number,
    private readonly random: RandomSource,
  ) {
    this.permutation = Int32Array.from({ length: data.n }, (_, k) => k);
    this.sample = new Int32Array(maxSamples);
    this.featureOrder = Int32Array.from({ length: data.d }, (_, k) => k);
    this.maxDepth = Math.ceil(Math.log2(Math.max(maxSamples, 2)));
    this.maxNodes = 2 * maxSamples - 1;
  }

  grow(): IsolationTree {
    this.drawSample();
    this.feature = new Int32Array(this.maxNodes);
    this.threshold = new Float64Array(this.maxNodes);
    this.left = new Int32Array(this.maxNodes);
    this.right = new Int32Array(this.maxNodes);
    this.pathLength = new Float64Array(this.maxNodes);
    this.nodeCount = 0;
    this.buildNode(0, this.maxSamples, 0);
    const size = this.nodeCount;
    return {
      feature: this.feature.slice(0, size),
      threshold: this.threshold.slice(0, size),
      left: this.left.slice(0, size),
      right: this.right.slice(0, size),
      pathLength: this.pathLength.slice(0, size),
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

  /** Builds the node over sample[start, end) and returns its id. */
  private buildNode(start: number, end: number, depth: number): number {
    const node = this.nodeCount++;
    const split = depth < this.maxDepth && end - start >= 2 ? this.chooseSplit(start, end) : undefined;
    if (split === undefined) {
      this.left[node] = -1;
      this.right[node] = -1;
      this.pathLength[node] = depth + averagePathLength(end - start);
      return node;
    }
    const middle = this.partition(start, end, split.feature, split.threshold);
    this.feature[node] = split.feature;
    this.threshold[node] = split.threshold;
    this.left[node] = this.buildNode(start, middle, depth + 1);
    this.right[node] = this.buildNode(middle, end, depth + 1);
    return node;
  }

  /** A uniformly chosen non-constant feature and a threshold uniform in [min, max); none if all constant. */
  private chooseSplit(start: number, end: number): { feature: number; threshold: number } | undefined {
    const order = this.featureOrder;
    for (let k = 0; k < order.length; k++) {
      const pick = k + Math.floor(this.random.uniform() * (order.length - k));
      const feature = order[pick]!;
      order[pick] = order[k]!;
      order[k] = feature;
      const { min, max } = this.range(start, end, feature);
      if (max > min) {
        const threshold = min + this.random.uniform() * (max - min);
        return { feature, threshold: threshold === max ? min : threshold };
      }
    }
    return undefined;
  }

  private range(start: number, end: number, feature: number): { min: number; max: number } {
    const { values, d } = this.data;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = start; k < end; k++) {
      const v = values[this.sample[k]! * d + feature]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { min, max };
  }

  /** Moves rows with x[feature] ≤ threshold to the front of sample[start, end); returns the split point. */
  private partition(start: number, end: number, feature: number, threshold: number): number {
    const { values, d } = this.data;
    const s = this.sample;
    let middle = start;
    for (let k = start; k < end; k++) {
      const row = s[k]!;
      if (values[row * d + feature]! <= threshold) {
        s[k] = s[middle]!;
        s[middle] = row;
        middle++;
      }
    }
    return middle;
  }
}

function scoreMatrix(model: IsolationForestModel, data: Matrix): Float64Array {
  const { values, n, d } = data;
  const scores = new Float64Array(n);
  const denominator = model.trees.length * averagePathLength(model.maxSamples);
  // Every tree's nodes in one set of arrays (child links absolute), walked tree by tree.
  let size = 0;
  for (const tree of model.trees) size += tree.left.length;
  const feature = new Int32Array(size);
  const threshold = new Float64Array(size);
  const left = new Int32Array(size);
  const right = new Int32Array(size);
  const pathLength = new Float64Array(size);
  const roots = new Int32Array(model.trees.length);
  let base = 0;
  model.trees.forEach((tree, t) => {
    roots[t] = base;
    for (let i = 0; i < tree.left.length; i++) {
      feature[base + i] = tree.feature[i]!;
      threshold[base + i] = tree.threshold[i]!;
      left[base + i] = tree.left[i] === -1 ? -1 : base + tree.left[i]!;
      right[base + i] = tree.right[i] === -1 ? -1 : base + tree.right[i]!;
      pathLength[base + i] = tree.pathLength[i]!;
    }
    base += tree.left.length;
  });
  const totals = new Float64Array(n);
  for (let t = 0; t < roots.length; t++) {
    const root = roots[t]!;
    // Four rows walk the tree together: a walk is a chain of dependent loads, and four
    // independent chains keep the CPU busy while each waits (about 3× faster than one at a time).
    let r = 0;
    for (; r + 4 <= n; r += 4) {
      const o0 = r * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      let n0 = root;
      let n1 = root;
      let n2 = root;
      let n3 = root;
      let l0 = left[root]!;
      let l1 = l0;
      let l2 = l0;
      let l3 = l0;
      while (l0 !== -1 || l1 !== -1 || l2 !== -1 || l3 !== -1) {
        if (l0 !== -1) {
          n0 = values[o0 + feature[n0]!]! <= threshold[n0]! ? l0 : right[n0]!;
          l0 = left[n0]!;
        }
        if (l1 !== -1) {
          n1 = values[o1 + feature[n1]!]! <= threshold[n1]! ? l1 : right[n1]!;
          l1 = left[n1]!;
        }
        if (l2 !== -1) {
          n2 = values[o2 + feature[n2]!]! <= threshold[n2]! ? l2 : right[n2]!;
          l2 = left[n2]!;
        }
        if (l3 !== -1) {
          n3 = values[o3 + feature[n3]!]! <= threshold[n3]! ? l3 : right[n3]!;
          l3 = left[n3]!;
        }
      }
      totals[r] = totals[r]! + pathLength[n0]!;
      totals[r + 1] = totals[r + 1]! + pathLength[n1]!;
      totals[r + 2] = totals[r + 2]! + pathLength[n2]!;
      totals[r + 3] = totals[r + 3]! + pathLength[n3]!;
    }
    for (; r < n; r++) {
      const offset = r * d;
      let node = root;
      let next = left[node]!;
      while (next !== -1) {
        node = values[offset + feature[node]!]! <= threshold[node]! ? next : right[node]!;
        next = left[node]!;
      }
      totals[r] = totals[r]! + pathLength[node]!;
    }
  }
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
