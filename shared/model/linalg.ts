/**
 * Small dense linear algebra for the Markov-chain analytics (K×K matrices, K ≈ 3).
 *
 * Matrices are row-major `number[][]` (plain and serialisable); inputs accept any
 * `ReadonlyArray<ArrayLike<number>>`, so `Float64Array` rows work as well. Nothing here is
 * exotic: multiplication, integer powers by squaring, LU with partial pivoting, and the
 * eigenvalues of a general real matrix by Householder reduction to Hessenberg form followed
 * by the Francis double-shift QR iteration (EISPACK `orthes` + `hqr`, as in JAMA).
 */

/** A dense row-major matrix. */
export type Matrix = number[][];

/** Any read-only row-major matrix (plain arrays or typed-array rows). */
export type MatrixLike = ReadonlyArray<ArrayLike<number>>;

/** A complex number (an eigenvalue of a real matrix). */
export interface Complex {
  re: number;
  im: number;
}

/** Matrix shapes do not fit the operation (non-square, mismatched sizes, ragged rows). */
export class MatrixShapeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MatrixShapeError';
  }
}

/** A linear system has no unique solution: a pivot vanished during LU elimination. */
export class SingularMatrixError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SingularMatrixError';
  }
}

/** The QR iteration did not converge (does not happen for finite input in practice). */
export class ConvergenceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConvergenceError';
  }
}

const EPSILON = 2 ** -52;
const MIN_NORMAL = 2 ** -1022;

/** Size of a square matrix; throws {@link MatrixShapeError} when it is not square. */
export function squareSize(a: MatrixLike): number {
  const n = a.length;
  for (const row of a) {
    if (row.length !== n)
      throw new MatrixShapeError(`expected a square ${n}×${n} matrix, found a row of ${row.length}`);
  }
  return n;
}

/** Copy of a matrix as plain `number[][]`. */
export function toMatrix(a: MatrixLike): Matrix {
  return a.map((row) => Array.from(row));
}

/** The n×n identity matrix. */
export function identity(n: number): Matrix {
  const out: Matrix = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n).fill(0);
    row[i] = 1;
    out.push(row);
  }
  return out;
}

/** Matrix product A·B (A is m×p, B is p×n). */
export function multiply(a: MatrixLike, b: MatrixLike): Matrix {
  const m = a.length;
  const p = b.length;
  const n = p === 0 ? 0 : (b[0]?.length ?? 0);
  const out: Matrix = [];
  for (let i = 0; i < m; i++) {
    const ai = a[i]!;
    if (ai.length !== p)
      throw new MatrixShapeError(`cannot multiply: row ${i} has ${ai.length} columns, B has ${p} rows`);
    const row = new Array<number>(n).fill(0);
    for (let k = 0; k < p; k++) {
      const aik = ai[k]!;
      if (aik === 0) continue;
      const bk = b[k]!;
      for (let j = 0; j < n; j++) row[j]! += aik * bk[j]!;
    }
    out.push(row);
  }
  return out;
}

/** Row vector times matrix, v·A. */
export function vectorTimesMatrix(v: ArrayLike<number>, a: MatrixLike): number[] {
  const n = a.length;
  if (v.length !== n)
    throw new MatrixShapeError(`vector of length ${v.length} does not fit ${n} matrix rows`);
  const cols = n === 0 ? 0 : a[0]!.length;
  const out = new Array<number>(cols).fill(0);
  for (let k = 0; k < n; k++) {
    const vk = v[k]!;
    if (vk === 0) continue;
    const ak = a[k]!;
    for (let j = 0; j < cols; j++) out[j]! += vk * ak[j]!;
  }
  return out;
}

/** Matrix times column vector, A·v. */
export function matrixTimesVector(a: MatrixLike, v: ArrayLike<number>): number[] {
  return a.map((row) => {
    if (row.length !== v.length)
      throw new MatrixShapeError(`row of ${row.length} does not fit vector of ${v.length}`);
    let sum = 0;
    for (let j = 0; j < row.length; j++) sum += row[j]! * v[j]!;
    return sum;
  });
}

/**
 * A^p for a square matrix and a non-negative integer p, by repeated squaring
 * (O(K³ log p); the same binary decomposition as `numpy.linalg.matrix_power`). A^0 = I.
 */
export function matrixPower(a: MatrixLike, p: number): Matrix {
  const n = squareSize(a);
  if (!Number.isInteger(p) || p < 0)
    throw new RangeError(`matrix power must be a non-negative integer, got ${p}`);
  let result: Matrix | undefined;
  let base = toMatrix(a);
  let exponent = p;
  while (exponent > 0) {
    if (exponent % 2 === 1) result = result === undefined ? base : multiply(result, base);
    exponent = Math.floor(exponent / 2);
    if (exponent > 0) base = multiply(base, base);
  }
  return result ?? identity(n);
}

/** An LU factorisation with partial pivoting, PA = LU, packed in one n×n array. */
export interface LuDecomposition {
  /** n */
  readonly size: number;
  /** Row-major packed factors: strictly lower part is L (unit diagonal), upper part is U. */
  readonly lu: Float64Array;
  /** pivot[i] = the original row that ended up in row i. */
  readonly pivot: Int32Array;
}

/**
 * LU decomposition with partial (row) pivoting, PA = LU (Doolittle form, as LAPACK `dgetrf`).
 * Like LAPACK (and `numpy.linalg.solve`), an exactly zero pivot means the matrix is singular
 * (in floating point): throws {@link SingularMatrixError}. A tiny but non-zero pivot is kept —
 * badly scaled systems (e.g. an exit probability of 1e-20) are then still solved accurately.
 */
export function luDecompose(a: MatrixLike): LuDecomposition {
  const n = squareSize(a);
  const lu = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = a[i]!;
    for (let j = 0; j < n; j++) {
      const value = row[j]!;
      if (!Number.isFinite(value)) throw new RangeError(`matrix entry (${i}, ${j}) is not finite: ${value}`);
      lu[i * n + j] = value;
    }
  }
  const pivot = new Int32Array(n);
  for (let i = 0; i < n; i++) pivot[i] = i;
  for (let k = 0; k < n; k++) {
    let best = k;
    let bestAbs = Math.abs(lu[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const candidate = Math.abs(lu[i * n + k]!);
      if (candidate > bestAbs) {
        best = i;
        bestAbs = candidate;
      }
    }
    if (bestAbs === 0) {
      throw new SingularMatrixError(`matrix is singular: pivot ${k} is exactly zero after elimination`);
    }
    if (best !== k) swapRows(lu, n, k, best, pivot);
    const diagonal = lu[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const factor = lu[i * n + k]! / diagonal;
      lu[i * n + k] = factor;
      if (factor === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j]! -= factor * lu[k * n + j]!;
    }
  }
  return { size: n, lu, pivot };
}

function swapRows(lu: Float64Array, n: number, r1: number, r2: number, pivot: Int32Array): void {
  for (let j = 0; j < n; j++) {
    const tmp = lu[r1 * n + j]!;
    lu[r1 * n + j] = lu[r2 * n + j]!;
    lu[r2 * n + j] = tmp;
  }
  const p = pivot[r1]!;
  pivot[r1] = pivot[r2]!;
  pivot[r2] = p;
}

/** Solves A x = b given the factorisation of A (forward then back substitution). */
export function luSolve(decomposition: LuDecomposition, b: ArrayLike<number>): number[] {
  const { size: n, lu, pivot } = decomposition;
  if (b.length !== n)
    throw new MatrixShapeError(`right-hand side of length ${b.length} does not fit ${n}×${n}`);
  const x = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sum = b[pivot[i]!]!;
    for (let j = 0; j < i; j++) sum -= lu[i * n + j]! * x[j]!;
    x[i] = sum;
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = x[i]!;
    for (let j = i + 1; j < n; j++) sum -= lu[i * n + j]! * x[j]!;
    x[i] = sum / lu[i * n + i]!;
  }
  return x;
}

/**
 * Solves the square system A x = b by LU decomposition with partial pivoting
 * (`numpy.linalg.solve` / LAPACK `dgesv`). Throws {@link SingularMatrixError}.
 */
export function solve(a: MatrixLike, b: ArrayLike<number>): number[] {
  return luSolve(luDecompose(a), b);
}

/**
 * Eigenvalues of a general real square matrix, as complex numbers in the order the QR
 * iteration deflates them (complex conjugate pairs adjacent, positive imaginary part first).
 *
 * Algorithm: Householder reduction to upper Hessenberg form (EISPACK `orthes`), then the
 * Francis implicit double-shift QR iteration with Wilkinson's exceptional shifts (EISPACK
 * `hqr`, following the public-domain JAMA translation). No balancing — not needed for the
 * well-scaled stochastic matrices used here. Reference: `numpy.linalg.eigvals` (LAPACK
 * `dgeev`) agrees to rounding.
 */
export function eigenvalues(a: MatrixLike): Complex[] {
  const n = squareSize(a);
  if (n === 0) return [];
  const h = toMatrix(a);
  let maxAbs = 0;
  for (const row of h) {
    for (const value of row) {
      if (!Number.isFinite(value)) throw new RangeError('matrix has a non-finite entry');
      maxAbs = Math.max(maxAbs, Math.abs(value));
    }
  }
  if (maxAbs === 0) return Array.from({ length: n }, () => ({ re: 0, im: 0 }));
  // Scale by a power of two (exact) so that the largest entry is in [1, 2): keeps products in
  // the QR step away from underflow and overflow. Eigenvalues scale back by the same factor.
  const exponent = Math.floor(Math.log2(maxAbs));
  scaleByPowerOfTwo(h, -exponent);
  reduceToHessenberg(h);
  return hessenbergQr(h).map((z) => ({
    re: timesPowerOfTwo(z.re, exponent),
    im: timesPowerOfTwo(z.im, exponent),
  }));
}

/** x · 2^e, in steps that never overflow the factor itself (2^±1000 at most per step). */
function timesPowerOfTwo(x: number, e: number): number {
  let result = x;
  let remaining = e;
  while (remaining !== 0 && result !== 0) {
    const step = Math.max(-1000, Math.min(1000, remaining));
    result *= 2 ** step;
    remaining -= step;
  }
  return result;
}

function scaleByPowerOfTwo(h: Matrix, e: number): void {
  for (const row of h) for (let j = 0; j < row.length; j++) row[j] = timesPowerOfTwo(row[j]!, e);
}

/** In-place Householder reduction of a square matrix to upper Hessenberg form (`orthes`). */
function reduceToHessenberg(h: Matrix): void {
  const n = h.length;
  const high = n - 1;
  const ort = new Float64Array(n);
  for (let m = 1; m <= high - 1; m++) {
    let scale = 0;
    for (let i = m; i <= high; i++) scale += Math.abs(h[i]![m - 1]!);
    if (scale === 0) continue;
    let sumSquares = 0;
    for (let i = high; i >= m; i--) {
      ort[i] = h[i]![m - 1]! / scale;
      sumSquares += ort[i]! * ort[i]!;
    }
    let g = Math.sqrt(sumSquares);
    if (ort[m]! > 0) g = -g;
    sumSquares -= ort[m]! * g;
    ort[m]! -= g;
    // H = (I − u uᵀ/h) H (I − u uᵀ/h)
    for (let j = m; j < n; j++) {
      let f = 0;
      for (let i = high; i >= m; i--) f += ort[i]! * h[i]![j]!;
      f /= sumSquares;
      for (let i = m; i <= high; i++) h[i]![j]! -= f * ort[i]!;
    }
    for (let i = 0; i <= high; i++) {
      const row = h[i]!;
      let f = 0;
      for (let j = high; j >= m; j--) f += ort[j]! * row[j]!;
      f /= sumSquares;
      for (let j = m; j <= high; j++) row[j]! -= f * ort[j]!;
    }
    ort[m] = scale * ort[m]!;
    h[m]![m - 1] = scale * g;
  }
}

/** Eigenvalues of an upper Hessenberg matrix by the Francis double-shift QR iteration (`hqr`). */
function hessenbergQr(h: Matrix): Complex[] {
  const nn = h.length;
  const re = new Float64Array(nn);
  const im = new Float64Array(nn);
  const at = (i: number, j: number): number => h[i]![j]!;
  const set = (i: number, j: number, value: number): void => {
    h[i]![j] = value;
  };
  let norm = 0;
  for (let i = 0; i < nn; i++) {
    for (let j = Math.max(i - 1, 0); j < nn; j++) norm += Math.abs(at(i, j));
  }
  const maxIterationsPerRoot = 30 * Math.max(nn, 10);
  // LAPACK dlahqr's SMLNUM: a sub-diagonal entry this small is negligible whatever its neighbours.
  const smallNumber = MIN_NORMAL * (nn / EPSILON);
  let n = nn - 1;
  let exshift = 0;
  let iter = 0;
  let p = 0;
  let q = 0;
  let r = 0;
  let s = 0;
  let z = 0;
  let w = 0;
  let x = 0;
  let y = 0;
  while (n >= 0) {
    // Look for a single small sub-diagonal element.
    let l = n;
    while (l > 0) {
      s = Math.abs(at(l - 1, l - 1)) + Math.abs(at(l, l));
      if (s === 0) s = norm;
      const subdiagonal = Math.abs(at(l, l - 1));
      if (subdiagonal < EPSILON * s || subdiagonal <= smallNumber) break;
      l--;
    }
    if (l === n) {
      // One root found.
      re[n] = at(n, n) + exshift;
      im[n] = 0;
      n--;
      iter = 0;
    } else if (l === n - 1) {
      // Two roots found.
      w = at(n, n - 1) * at(n - 1, n);
      p = (at(n - 1, n - 1) - at(n, n)) / 2;
      q = p * p + w;
      z = Math.sqrt(Math.abs(q));
      x = at(n, n) + exshift;
      if (q >= 0) {
        z = p >= 0 ? p + z : p - z;
        re[n - 1] = x + z;
        re[n] = z !== 0 ? x - w / z : x + z;
        im[n - 1] = 0;
        im[n] = 0;
      } else {
        re[n - 1] = x + p;
        re[n] = x + p;
        im[n - 1] = z;
        im[n] = -z;
      }
      n -= 2;
      iter = 0;
    } else {
      // No convergence yet: form the shift.
      x = at(n, n);
      y = at(n - 1, n - 1);
      w = at(n, n - 1) * at(n - 1, n);
      if (iter === 10) {
        // Wilkinson's original ad hoc shift.
        exshift += x;
        for (let i = 0; i <= n; i++) set(i, i, at(i, i) - x);
        s = Math.abs(at(n, n - 1)) + Math.abs(at(n - 1, n - 2));
        x = 0.75 * s;
        y = x;
        w = -0.4375 * s * s;
      }
      if (iter === 30) {
        // MATLAB's ad hoc shift.
        s = (y - x) / 2;
        s = s * s + w;
        if (s > 0) {
          s = Math.sqrt(s);
          if (y < x) s = -s;
          s = x - w / ((y - x) / 2 + s);
          for (let i = 0; i <= n; i++) set(i, i, at(i, i) - s);
          exshift += s;
          x = 0.964;
          y = x;
          w = x;
        }
      }
      iter++;
      if (iter > maxIterationsPerRoot) {
        throw new ConvergenceError(`QR iteration did not converge after ${iter - 1} iterations`);
      }
      // Look for two consecutive small sub-diagonal elements.
      let m = n - 2;
      while (m >= l) {
        z = at(m, m);
        r = x - z;
        s = y - z;
        p = (r * s - w) / at(m + 1, m) + at(m, m + 1);
        q = at(m + 1, m + 1) - z - r - s;
        r = at(m + 2, m + 1);
        s = Math.abs(p) + Math.abs(q) + Math.abs(r);
        p /= s;
        q /= s;
        r /= s;
        if (m === l) break;
        const left = Math.abs(at(m, m - 1)) * (Math.abs(q) + Math.abs(r));
        const right =
          EPSILON * (Math.abs(p) * (Math.abs(at(m - 1, m - 1)) + Math.abs(z) + Math.abs(at(m + 1, m + 1))));
        if (left < right) break;
        m--;
      }
      for (let i = m + 2; i <= n; i++) {
        set(i, i - 2, 0);
        if (i > m + 2) set(i, i - 3, 0);
      }
      // Double QR step on rows l..n and columns m..n.
      for (let k = m; k <= n - 1; k++) {
        const notLast = k !== n - 1;
        if (k !== m) {
          p = at(k, k - 1);
          q = at(k + 1, k - 1);
          r = notLast ? at(k + 2, k - 1) : 0;
          x = Math.abs(p) + Math.abs(q) + Math.abs(r);
          if (x === 0) continue;
          p /= x;
          q /= x;
          r /= x;
        }
        s = Math.sqrt(p * p + q * q + r * r);
        if (p < 0) s = -s;
        if (s === 0) continue;
        if (k !== m) set(k, k - 1, -s * x);
        else if (l !== m) set(k, k - 1, -at(k, k - 1));
        p += s;
        x = p / s;
        y = q / s;
        z = r / s;
        q /= p;
        r /= p;
        for (let j = k; j < nn; j++) {
          p = at(k, j) + q * at(k + 1, j);
          if (notLast) {
            p += r * at(k + 2, j);
            set(k + 2, j, at(k + 2, j) - p * z);
          }
          set(k, j, at(k, j) - p * x);
          set(k + 1, j, at(k + 1, j) - p * y);
        }
        for (let i = 0; i <= Math.min(n, k + 3); i++) {
          p = x * at(i, k) + y * at(i, k + 1);
          if (notLast) {
            p += z * at(i, k + 2);
            set(i, k + 2, at(i, k + 2) - p * r);
          }
          set(i, k, at(i, k) - p);
          set(i, k + 1, at(i, k + 1) - p * q);
        }
      }
    }
  }
  const out: Complex[] = [];
  for (let i = 0; i < nn; i++) out.push({ re: re[i]!, im: im[i]! });
  return out;
}

/** Modulus |z| of a complex number. */
export function modulus(z: Complex): number {
  return Math.hypot(z.re, z.im);
}
