import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createRandom,
  SamplingParameterError,
  sampleDirichlet,
  sampleGamma,
  Xoshiro128StarStar,
} from '#shared/stats/random';
import { regularizedGammaP } from '#shared/stats/special';

interface Stream {
  seed: number;
  state: [number, number, number, number];
  outputs: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/model/random.json', import.meta.url), 'utf8'),
) as { source: string; streams: Stream[] };

/** Kolmogorov–Smirnov D of a sample against a CDF. */
function ksStatistic(sample: number[], cdf: (x: number) => number): number {
  const sorted = [...sample].sort((a, b) => a - b);
  const n = sorted.length;
  let d = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  });
  return d;
}

function meanOf(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

describe('xoshiro128**', () => {
  it.each(fixture.streams)(
    'matches the C reference outputs for the explicit state of seed $seed',
    (stream) => {
      const random = new Xoshiro128StarStar(stream.state);
      const outputs = stream.outputs.map(() => random.nextUint32());
      expect(outputs).toEqual(stream.outputs);
    },
  );

  it.each(fixture.streams)('seeds the state by SplitMix32 like the C reference (seed $seed)', (stream) => {
    const random = createRandom(stream.seed);
    expect(stream.outputs.map(() => random.nextUint32())).toEqual(stream.outputs);
  });

  it('rejects an all-zero state', () => {
    expect(() => new Xoshiro128StarStar([0, 0, 0, 0])).toThrow(SamplingParameterError);
  });

  it('gives identical streams for one seed and different streams for neighbouring seeds', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const drawsA = Array.from({ length: 50 }, () => a.uniform());
    expect(Array.from({ length: 50 }, () => b.uniform())).toEqual(drawsA);
    expect(Array.from({ length: 50 }, () => c.uniform())).not.toEqual(drawsA);
  });

  it('produces uniforms in [0, 1) that pass a Kolmogorov–Smirnov check', () => {
    const random = createRandom(123);
    const sample = Array.from({ length: 20_000 }, () => random.uniform());
    expect(Math.min(...sample)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...sample)).toBeLessThan(1);
    expect(ksStatistic(sample, (x) => x)).toBeLessThan(1.63 / Math.sqrt(sample.length));
  });

  it('produces standard normals with mean 0 and variance 1', () => {
    const random = createRandom(5);
    const sample = Array.from({ length: 40_000 }, () => random.normal());
    const mean = meanOf(sample);
    const variance = meanOf(sample.map((x) => (x - mean) ** 2));
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });
});

describe('sampleGamma', () => {
  it.each([0.3, 1, 2.5, 40])('draws Gamma(%s, 1) that pass a Kolmogorov–Smirnov check', (shape) => {
    const random = createRandom(2024);
    const sample = Array.from({ length: 20_000 }, () => sampleGamma(random, shape));
    expect(ksStatistic(sample, (x) => regularizedGammaP(shape, x))).toBeLessThan(
      1.63 / Math.sqrt(sample.length),
    );
  });

  it('returns 0 for shape 0 (the degenerate limit)', () => {
    expect(sampleGamma(createRandom(1), 0)).toBe(0);
  });

  it('rejects a negative or non-finite shape', () => {
    expect(() => sampleGamma(createRandom(1), -1)).toThrow(SamplingParameterError);
    expect(() => sampleGamma(createRandom(1), Number.NaN)).toThrow(SamplingParameterError);
    expect(() => sampleGamma(createRandom(1), Number.POSITIVE_INFINITY)).toThrow(SamplingParameterError);
  });
});

describe('sampleDirichlet', () => {
  it('draws points on the simplex', () => {
    const random = createRandom(3);
    for (let s = 0; s < 200; s++) {
      const x = sampleDirichlet(random, [0.5, 2, 7]);
      expect(x.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    }
  });

  it('has the Dirichlet means a_k / Σ a', () => {
    const random = createRandom(9);
    const concentration = [1, 3, 6];
    const draws = Array.from({ length: 20_000 }, () => sampleDirichlet(random, concentration));
    concentration.forEach((a, k) => {
      expect(meanOf(draws.map((d) => d[k]!))).toBeCloseTo(a / 10, 2);
    });
  });

  it('keeps components with concentration 0 at exactly 0', () => {
    const random = createRandom(4);
    for (let s = 0; s < 50; s++) expect(sampleDirichlet(random, [2, 0, 1])[1]).toBe(0);
  });

  it('rejects an all-zero concentration', () => {
    expect(() => sampleDirichlet(createRandom(4), [0, 0, 0])).toThrow(SamplingParameterError);
  });

  it('puts all mass on the largest component when every gamma draw underflows', () => {
    const random = createRandom(4);
    const x = sampleDirichlet(random, [1e-300, 2e-300, 0]);
    expect(x.reduce((a, b) => a + b, 0)).toBe(1);
    expect(x[2]).toBe(0);
  });
});
