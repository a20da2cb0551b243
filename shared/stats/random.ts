/**
 * Seeded pseudo-random numbers for reproducible Monte Carlo (posterior sampling).
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna, 2018), 128-bit state, 32-bit outputs,
 * seeded from one 32-bit integer through SplitMix32. Two generators built from the same seed
 * produce exactly the same stream on every platform (integer arithmetic only up to the
 * final scaling to [0, 1)).
 *
 * Derived variates: standard normal by the Marsaglia polar method, gamma by
 * Marsaglia & Tsang (2000) "A simple method for generating gamma variables" (with the
 * U^{1/a} boost for shape < 1), Dirichlet by normalised gammas.
 */

/** A seeded random source. */
export interface RandomSource {
  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** Standard normal variate N(0, 1). */
  normal(): number;
}

/** Invalid sampling parameters (non-finite, negative, or all-zero concentration). */
export class SamplingParameterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SamplingParameterError';
  }
}

const TWO_POW_32 = 4_294_967_296;
const TWO_POW_26 = 67_108_864;
const TWO_POW_53 = 9_007_199_254_740_992;

/** SplitMix32 step: returns [output, next state] (used only to expand a seed). */
function splitMix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  return [z, next];
}

/**
 * xoshiro128** generator with an explicit 4-word state (each word a uint32).
 * Prefer {@link createRandom}, which seeds the state from one integer.
 */
export class Xoshiro128StarStar implements RandomSource {
  // The four words as int32 (the same bits as the uint32 words): V8 keeps them unboxed.
  private readonly s = new Int32Array(4);
  private spareNormal: number | undefined;

  constructor(state: readonly [number, number, number, number]) {
    const [a, b, c, d] = state.map((word) => word >>> 0) as [number, number, number, number];
    if ((a | b | c | d) === 0) throw new SamplingParameterError('xoshiro128** state must not be all zero');
    this.s[0] = a;
    this.s[1] = b;
    this.s[2] = c;
    this.s[3] = d;
  }

  nextUint32(): number {
    const s = this.s;
    let s0 = s[0]!;
    let s1 = s[1]!;
    let s2 = s[2]!;
    let s3 = s[3]!;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return result;
  }

  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  }

  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    // Marsaglia polar method: two independent normals per accepted point.
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * factor;
        return u * factor;
      }
    }
  }
}

/**
 * A seeded xoshiro128** generator. The seed is any integer (taken modulo 2^32); the four
 * state words are the first four SplitMix32 outputs from it, so nearby seeds give
 * unrelated streams.
 */
export function createRandom(seed: number): RandomSource {
  if (!Number.isFinite(seed)) throw new SamplingParameterError(`seed must be a finite integer, got ${seed}`);
  let state = ((Math.trunc(seed) % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [output, next] = splitMix32(state);
    words.push(output);
    state = next;
  }
  const [a, b, c, d] = words as [number, number, number, number];
  // SplitMix32 outputs of consecutive states are never all zero; the guard is for safety.
  return new Xoshiro128StarStar((a | b | c | d) === 0 ? [1, 0, 0, 0] : [a, b, c, d]);
}

/**
 * Gamma(shape, 1) variate by Marsaglia & Tsang (2000). For shape < 1 uses
 * Gamma(shape + 1) · U^{1/shape}. Shape 0 returns 0 (the degenerate limit).
 */
export function sampleGamma(random: RandomSource, shape: number): number {
  if (!(shape >= 0) || !Number.isFinite(shape)) {
    throw new SamplingParameterError(`gamma shape must be finite and non-negative, got ${shape}`);
  }
  if (shape === 0) return 0;
  if (shape < 1) {
    const boost = (1 - random.uniform()) ** (1 / shape); // U in (0, 1]
    return sampleGamma(random, shape + 1) * boost;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = random.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random.uniform(); // (0, 1]
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * Dirichlet(concentration) variate written into `out` (length K): independent
 * Gamma(a_k, 1) draws normalised to sum 1. Components with a_k = 0 are exactly 0 (the
 * degenerate limit). At least one a_k must be positive. If every gamma draw underflows to 0
 * (only for extremely small a_k), the mass goes to the component with the largest a_k.
 */
export function sampleDirichletInto(
  random: RandomSource,
  concentration: ArrayLike<number>,
  out: Float64Array | number[],
): void {
  const k = concentration.length;
  if (out.length !== k)
    throw new SamplingParameterError(`output length ${out.length} does not match K = ${k}`);
  let total = 0;
  let largest = -1;
  for (let i = 0; i < k; i++) {
    const a = concentration[i]!;
    if (!(a >= 0) || !Number.isFinite(a)) {
      throw new SamplingParameterError(`Dirichlet concentration must be finite and non-negative, got ${a}`);
    }
    if (a > 0 && (largest < 0 || a > concentration[largest]!)) largest = i;
    const g = sampleGamma(random, a);
    out[i] = g;
    total += g;
  }
  if (largest < 0) throw new SamplingParameterError('Dirichlet concentration must have a positive component');
  if (total === 0) {
    for (let i = 0; i < k; i++) out[i] = i === largest ? 1 : 0;
    return;
  }
  for (let i = 0; i < k; i++) out[i] = out[i]! / total;
}

/** Dirichlet(concentration) variate as a new array; see {@link sampleDirichletInto}. */
export function sampleDirichlet(random: RandomSource, concentration: ArrayLike<number>): number[] {
  const out = new Array<number>(concentration.length).fill(0);
  sampleDirichletInto(random, concentration, out);
  return out;
}
