/**
 * Ordinary least squares by Householder QR, with the summary numbers statsmodels `OLS(y, X).fit()`
 * reports: coefficients, standard errors, t-values, SSR, scale, Gaussian log-likelihood, AIC and BIC.
 *
 * The normal equations (XᵀX)β = Xᵀy are never formed: X = QR is factorised with Householder
 * reflections, β solves Rβ = Qᵀy by back substitution, and the coefficient covariance
 * s²(XᵀX)⁻¹ = s² R⁻¹R⁻ᵀ comes from the triangular inverse R⁻¹. This keeps the accuracy of
 * ill-conditioned designs (for example an ADF regression on price levels next to small differences).
 *
 * Matrices are column-major `Float64Array`s: column j occupies data[j·nobs .. (j+1)·nobs).
 */

/** A design matrix X (nobs × ncols), stored column-major. */
export interface DesignMatrix {
  readonly nobs: number;
  readonly ncols: number;
  /** Column-major values: X[i, j] = data[j * nobs + i]. */
  readonly data: Float64Array;
}

/** The fitted regression, named as in statsmodels `RegressionResults`. */
export interface OlsResult {
  readonly nobs: number;
  /** Number of estimated coefficients (= rank of X; rank-deficient designs are rejected). */
  readonly nParams: number;
  readonly params: Float64Array;
  /** Standard errors √diag(s²(XᵀX)⁻¹). */
  readonly bse: Float64Array;
  /** params / bse. */
  readonly tvalues: Float64Array;
  /** Sum of squared residuals. */
  readonly ssr: number;
  /** nobs − nParams. */
  readonly dfResid: number;
  /** Residual variance s² = ssr / dfResid. */
  readonly scale: number;
  /** Profile Gaussian log-likelihood −n/2·(log 2π + log(ssr/n) + 1). */
  readonly llf: number;
  /** −2·llf + 2·nParams. */
  readonly aic: number;
  /** −2·llf + log(n)·nParams. */
  readonly bic: number;
}

/** The design or response has the wrong shape or holds non-finite values. */
export class OlsInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OlsInputError';
  }
}

/** A column of X is (numerically) a linear combination of the columns before it. */
export class OlsRankDeficientError extends Error {
  /** Zero-based index of the first dependent column. */
  readonly column: number;
  constructor(column: number, options?: ErrorOptions) {
    super(`design column ${column} is linearly dependent on the preceding columns`, options);
    this.name = 'OlsRankDeficientError';
    this.column = column;
  }
}

/**
 * Builds a column-major design matrix from its columns (all of the same length).
 * @throws OlsInputError when there are no columns or their lengths differ.
 */
export function designFromColumns(columns: readonly ArrayLike<number>[]): DesignMatrix {
  const first = columns[0];
  if (first === undefined) throw new OlsInputError('a design matrix needs at least one column');
  const nobs = first.length;
  const data = new Float64Array(nobs * columns.length);
  columns.forEach((column, j) => {
    if (column.length !== nobs) {
      throw new OlsInputError(`column ${j} has ${column.length} rows, expected ${nobs}`);
    }
    for (let i = 0; i < nobs; i++) data[j * nobs + i] = column[i]!;
  });
  return { nobs, ncols: columns.length, data };
}

/**
 * Householder QR of X, stored LAPACK-style in one column-major array: R on and above the
 * diagonal (diagonal kept separately in `rDiag`), the reflector vectors v_j below it with the
 * head v_j[j] kept in `vHead`, so that H_j = I − v_j v_jᵀ / beta_j.
 */
interface QrFactorization {
  readonly nobs: number;
  readonly ncols: number;
  readonly qr: Float64Array;
  readonly rDiag: Float64Array;
  readonly vHead: Float64Array;
  readonly beta: Float64Array;
}

/** Euclidean norm of data[start..end), scaled to avoid overflow and underflow. */
function scaledNorm(data: Float64Array, start: number, end: number): number {
  let maxAbs = 0;
  for (let i = start; i < end; i++) maxAbs = Math.max(maxAbs, Math.abs(data[i]!));
  if (maxAbs === 0) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) {
    const scaled = data[i]! / maxAbs;
    sum += scaled * scaled;
  }
  return maxAbs * Math.sqrt(sum);
}

/** Relative tolerance below which |R_jj| / ‖x_j‖ marks column j as dependent (numpy's rank rule). */
function rankTolerance(nobs: number, ncols: number): number {
  return Math.max(nobs, ncols) * Number.EPSILON;
}

function validateDesign(design: DesignMatrix): void {
  const { nobs, ncols, data } = design;
  if (!Number.isInteger(nobs) || !Number.isInteger(ncols) || ncols < 1 || nobs < 1) {
    throw new OlsInputError(`invalid design shape ${nobs} × ${ncols}`);
  }
  if (data.length !== nobs * ncols) {
    throw new OlsInputError(`design data has ${data.length} values, expected ${nobs * ncols}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new OlsInputError('design matrix holds a non-finite value');
  }
}

/** Factorises X = QR (X is copied, not modified). @throws OlsRankDeficientError */
function householderQr(design: DesignMatrix): QrFactorization {
  const { nobs: n, ncols: p } = design;
  const qr = Float64Array.from(design.data);
  const rDiag = new Float64Array(p);
  const vHead = new Float64Array(p);
  const beta = new Float64Array(p);
  const tolerance = rankTolerance(n, p);
  for (let j = 0; j < p; j++) {
    const colJ = j * n;
    const columnNorm = scaledNorm(design.data, colJ, colJ + n);
    const norm = scaledNorm(qr, colJ + j, colJ + n);
    if (norm <= tolerance * columnNorm || norm === 0) throw new OlsRankDeficientError(j);
    const head = qr[colJ + j]!;
    const alpha = head >= 0 ? -norm : norm;
    const v0 = head - alpha;
    // vᵀv = 2·norm·(norm + |head|); H = I − v vᵀ / beta with beta = vᵀv / 2.
    const b = norm * (norm + Math.abs(head));
    // A column so small that norm² underflows (subnormal values) cannot be reflected: dependent.
    if (!(b > 0 && Number.isFinite(b))) throw new OlsRankDeficientError(j);
    rDiag[j] = alpha;
    vHead[j] = v0;
    beta[j] = b;
    for (let k = j + 1; k < p; k++) {
      const colK = k * n;
      let dot = v0 * qr[colK + j]!;
      for (let i = j + 1; i < n; i++) dot += qr[colJ + i]! * qr[colK + i]!;
      const factor = dot / b;
      qr[colK + j] = qr[colK + j]! - factor * v0;
      for (let i = j + 1; i < n; i++) qr[colK + i] = qr[colK + i]! - factor * qr[colJ + i]!;
    }
  }
  return { nobs: n, ncols: p, qr, rDiag, vHead, beta };
}

/** Returns Qᵀy (length nobs) for the factorisation. */
function applyQTranspose(factor: QrFactorization, y: ArrayLike<number>): Float64Array {
  const { nobs: n, ncols: p, qr, vHead, beta } = factor;
  const z = Float64Array.from(y);
  for (let j = 0; j < p; j++) {
    const colJ = j * n;
    const v0 = vHead[j]!;
    let dot = v0 * z[j]!;
    for (let i = j + 1; i < n; i++) dot += qr[colJ + i]! * z[i]!;
    const f = dot / beta[j]!;
    z[j] = z[j]! - f * v0;
    for (let i = j + 1; i < n; i++) z[i] = z[i]! - f * qr[colJ + i]!;
  }
  return z;
}

/** R[i, k] for i ≤ k. */
function rEntry(factor: QrFactorization, i: number, k: number): number {
  return i === k ? factor.rDiag[i]! : factor.qr[k * factor.nobs + i]!;
}

/** Solves Rβ = z[0..p) by back substitution. */
function backSubstitute(factor: QrFactorization, z: Float64Array): Float64Array {
  const p = factor.ncols;
  const solution = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let k = i + 1; k < p; k++) sum -= rEntry(factor, i, k) * solution[k]!;
    solution[i] = sum / factor.rDiag[i]!;
  }
  return solution;
}

/** diag((XᵀX)⁻¹) = squared row norms of R⁻¹ (R⁻¹ built column by column by back substitution). */
function inverseGramDiagonal(factor: QrFactorization): Float64Array {
  const p = factor.ncols;
  const rInverse = new Float64Array(p * p); // column-major, upper triangular
  for (let col = 0; col < p; col++) {
    for (let i = col; i >= 0; i--) {
      let sum = i === col ? 1 : 0;
      for (let k = i + 1; k <= col; k++) sum -= rEntry(factor, i, k) * rInverse[col * p + k]!;
      rInverse[col * p + i] = sum / factor.rDiag[i]!;
    }
  }
  const diagonal = new Float64Array(p);
  for (let col = 0; col < p; col++) {
    for (let i = 0; i <= col; i++) {
      const value = rInverse[col * p + i]!;
      diagonal[i] = diagonal[i]! + value * value;
    }
  }
  return diagonal;
}

/** Sum of squares of z[start..end). */
function sumOfSquares(z: Float64Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += z[i]! * z[i]!;
  return sum;
}

function validateResponse(y: ArrayLike<number>, nobs: number): void {
  if (y.length !== nobs) throw new OlsInputError(`response has ${y.length} values, expected ${nobs}`);
  for (let i = 0; i < nobs; i++) {
    if (!Number.isFinite(y[i]!)) throw new OlsInputError('response holds a non-finite value');
  }
}

/**
 * Profile (concentrated) Gaussian log-likelihood of a least-squares fit, as statsmodels
 * `OLS.loglike`: −n/2·log(2π) − n/2·log(ssr/n) − n/2.
 */
export function olsLogLikelihood(ssr: number, nobs: number): number {
  const half = nobs / 2;
  return -half * Math.log(2 * Math.PI) - half * Math.log(ssr / nobs) - half;
}

/**
 * AIC = −2·llf + 2k and BIC = −2·llf + log(n)·k, with k the number of mean parameters
 * (statsmodels `info_criteria`: df_model + k_constant = rank of X).
 */
export function olsInformationCriteria(
  llf: number,
  nobs: number,
  nParams: number,
): { readonly aic: number; readonly bic: number } {
  return { aic: -2 * llf + 2 * nParams, bic: -2 * llf + Math.log(nobs) * nParams };
}

/**
 * Fits y = Xβ + ε by least squares (Householder QR), matching statsmodels
 * `OLS(y, X).fit()` for full-rank X: params, bse, tvalues, ssr, scale, llf, aic, bic.
 *
 * @throws OlsInputError on shape mismatch, non-finite values or nobs ≤ ncols (no residual
 *   degree of freedom).
 * @throws OlsRankDeficientError when a column is numerically dependent on the earlier ones
 *   (statsmodels would fall back to the pseudo-inverse; callers here want to know).
 */
export function olsFit(y: ArrayLike<number>, design: DesignMatrix): OlsResult {
  validateDesign(design);
  validateResponse(y, design.nobs);
  const { nobs, ncols } = design;
  if (nobs <= ncols) {
    throw new OlsInputError(`need more observations (${nobs}) than columns (${ncols})`);
  }
  const factor = householderQr(design);
  const z = applyQTranspose(factor, y);
  const params = backSubstitute(factor, z);
  const ssr = sumOfSquares(z, ncols, nobs);
  const dfResid = nobs - ncols;
  const scale = ssr / dfResid;
  const gramDiagonal = inverseGramDiagonal(factor);
  const bse = new Float64Array(ncols);
  const tvalues = new Float64Array(ncols);
  for (let j = 0; j < ncols; j++) {
    bse[j] = Math.sqrt(scale * gramDiagonal[j]!);
    tvalues[j] = params[j]! / bse[j]!;
  }
  const llf = olsLogLikelihood(ssr, nobs);
  const { aic, bic } = olsInformationCriteria(llf, nobs, ncols);
  return { nobs, nParams: ncols, params, bse, tvalues, ssr, dfResid, scale, llf, aic, bic };
}

/**
 * Sums of squared residuals of the nested regressions of y on the first k columns of X,
 * k = 1..ncols, from one QR factorisation: ssr_k = Σ_{i ≥ k} (Qᵀy)_i². Element k − 1 of the
 * result is ssr_k. This is how a lag-length search fits every candidate on a common sample
 * without refactorising.
 *
 * @throws OlsInputError on shape mismatch or non-finite values, or nobs ≤ ncols.
 * @throws OlsRankDeficientError when a column is numerically dependent on the earlier ones.
 */
export function nestedLeastSquaresSsr(y: ArrayLike<number>, design: DesignMatrix): Float64Array {
  validateDesign(design);
  validateResponse(y, design.nobs);
  const { nobs, ncols } = design;
  if (nobs <= ncols) {
    throw new OlsInputError(`need more observations (${nobs}) than columns (${ncols})`);
  }
  const z = applyQTranspose(householderQr(design), y);
  const ssr = new Float64Array(ncols);
  let tail = sumOfSquares(z, ncols, nobs);
  for (let k = ncols; k >= 1; k--) {
    ssr[k - 1] = tail;
    tail += z[k - 1]! * z[k - 1]!;
  }
  return ssr;
}
