import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#config/load';
import { matrixPower } from '#shared/model/linalg';
import {
  expectedShortfall,
  fitRegimeRisk,
  markovPathSampler,
  nextDayReturnsByRegime,
  type PathSampler,
  RegimeRiskInputError,
  regimeVarForecasts,
  simulateHorizonRisk,
  summariseReturns,
  valueAtRisk,
} from '#shared/model/regime-risk';
import { createRandom } from '#shared/stats/random';

interface FixtureSummary {
  n: number;
  mean: number;
  sd: number | null;
  skewness: number;
  quantiles: number[];
  risk: { level: number; valueAtRisk: number; expectedShortfall: number }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/regime-risk/regime_risk.json', import.meta.url), 'utf8'),
) as {
  levels: number[];
  quantiles: number[];
  sample: { input: { states: string; returns: number[] }; regimes: FixtureSummary[] };
  synthetic: {
    input: { states: number[]; returns: number[] }[];
    nextDay: number[][];
    regimes: FixtureSummary[];
  };
};

const K = 3;
const options = { levels: fixture.levels, quantiles: fixture.quantiles };
const sampleSeries = [
  {
    states: Array.from(fixture.sample.input.states, (c) => Number(c)),
    returns: fixture.sample.input.returns,
  },
];

function expectRel(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected) + 1e-300);
}

function expectSummary(actual: ReturnType<typeof summariseReturns>, expected: FixtureSummary): void {
  expect(actual.n).toBe(expected.n);
  expectRel(actual.mean, expected.mean, 1e-9);
  expectRel(actual.sd, expected.sd!, 1e-9);
  expectRel(actual.skewness, expected.skewness, 1e-9);
  actual.quantiles.forEach((q, i) => expectRel(q.value, expected.quantiles[i]!, 1e-9));
  actual.risk.forEach((r, i) => {
    expect(r.level).toBe(expected.risk[i]!.level);
    expectRel(r.valueAtRisk, expected.risk[i]!.valueAtRisk, 1e-9);
    expectRel(r.expectedShortfall, expected.risk[i]!.expectedShortfall, 1e-9);
  });
}

describe('fitRegimeRisk', () => {
  it('the config lists the levels and quantiles of the fixture', () => {
    const { risk } = loadConfig().config.model;
    expect(risk.levels).toEqual(fixture.levels);
    expect(risk.quantiles).toEqual(fixture.quantiles);
  });

  it.each([0, 1, 2])(
    'regime %i of the sample: n, mean, sd, skew, quantiles, VaR and ES equal numpy / scipy',
    (i) => {
      const model = fitRegimeRisk(sampleSeries, K, options);
      expectSummary(model.regimes[i]!, fixture.sample.regimes[i]!);
    },
  );

  it('the synthetic series: next-day returns per regime, never across symbols, by hand', () => {
    // A: origins 0,1,2,4,5 in regime 0 → r1..r3, r5, r6 = −0.03, −0.01, 0, 0.01, 0.02; B: origin 3 → 0.05.
    // The first return of each symbol (0.5, −0.2) is no origin's next day.
    const samples = nextDayReturnsByRegime(fixture.synthetic.input, K);
    expect(samples.map((s) => Array.from(s))).toEqual(fixture.synthetic.nextDay);
    expect(Array.from(samples[0]!)).toEqual([-0.03, -0.01, 0, 0.01, 0.02, 0.05]);
    const model = fitRegimeRisk(fixture.synthetic.input, K, options);
    model.regimes.forEach((r, i) => expectSummary(r!, fixture.synthetic.regimes[i]!));
    // quantile(0.05) of 6 values: position 5·0.05 = 0.25 → −0.03 + 0.25·0.02 = −0.025; ES = the −0.03 alone.
    expect(valueAtRisk(samples[0]!, 0.95)).toBeCloseTo(0.025, 15);
    expect(expectedShortfall(samples[0]!, 0.95)).toBeCloseTo(0.03, 15);
    expect(valueAtRisk(samples[0]!, 0.99)).toBeCloseTo(0.029, 15);
  });

  it('ES includes every return tied at the quantile', () => {
    expect(expectedShortfall(Float64Array.of(-2, -1, -1, -1, 5), 0.5)).toBeCloseTo(1.25, 15);
  });

  it('gives a regime without origins no summary', () => {
    const model = fitRegimeRisk([{ states: [0, 0, 1], returns: [0, 0.01, 0.02] }], K, options);
    expect(model.regimes[2]).toBeNull();
    expect(model.samples[2]!.length).toBe(0);
  });

  it('names the series and position of bad input', () => {
    expect(() => nextDayReturnsByRegime([{ states: [0, 1], returns: [0] }], K)).toThrowError(
      /series 0: 2 states/,
    );
    expect(() => nextDayReturnsByRegime([{ states: [0, 1], returns: [0, Number.NaN] }], K)).toThrowError(
      /series 0, position 1: return NaN/,
    );
    expect(() => nextDayReturnsByRegime([{ states: [5, 1], returns: [0, 0] }], K)).toThrowError(
      RegimeRiskInputError,
    );
    expect(() => valueAtRisk([], 0.95)).toThrowError(/empty/);
    expect(() => valueAtRisk([1], 1)).toThrowError(/level/);
    expect(() => summariseReturns([2, 1], options)).toThrowError(/sorted/);
  });
});

describe('regimeVarForecasts', () => {
  it('forecasts r_t with the VaR of regime s_{t−1}', () => {
    const model = fitRegimeRisk(sampleSeries, K, options);
    const states = [2, 0, 1, 1];
    const v = regimeVarForecasts(model, states, 0.99);
    expect(Number.isNaN(v[0]!)).toBe(true);
    expect(Array.from(v.subarray(1))).toEqual(
      [2, 0, 1].map((i) => fixture.sample.regimes[i]!.risk[1]!.valueAtRisk),
    );
  });
});

describe('simulateHorizonRisk', () => {
  const sim = { levels: [0.95, 0.99], simulationDraws: 20_000, seed: 3 };
  const stay =
    (state: number): PathSampler =>
    (_random, steps, out) => {
      for (let t = 0; t < steps; t++) out[t] = state;
    };

  it('draws the first day from the start regime and the later days from the path', () => {
    // Regime 0 always returns +0.01, regime 1 always −0.02; the path moves to 1 on day t+1.
    const model = fitRegimeRisk(
      [
        { states: [0, 0], returns: [0, 0.01] },
        { states: [1, 1], returns: [0, -0.02] },
      ],
      K,
      options,
    );
    const r = simulateHorizonRisk(model, 0, 3, stay(1), { ...sim, simulationDraws: 10 });
    expect(r.mean).toBeCloseTo(0.01 - 0.02 - 0.02, 15);
    expect(r.risk[0]!.valueAtRisk).toBeCloseTo(0.03, 15);
  });

  it('sums h daily draws: two days of ±1 give −2 with probability 1/4', () => {
    const model = fitRegimeRisk([{ states: [0, 0, 0], returns: [0, -1, 1] }], K, options);
    const r = simulateHorizonRisk(model, 0, 2, stay(0), {
      levels: [0.95, 0.7],
      simulationDraws: 20_000,
      seed: 9,
    });
    expect(r.risk[0]).toEqual({ level: 0.95, valueAtRisk: 2, expectedShortfall: 2 });
    expect(r.risk[1]!.valueAtRisk).toBeCloseTo(0, 15); // quantile(0.3) falls among the zeros
    expect(Math.abs(r.mean)).toBeLessThan(0.03);
  });

  it('at h = 1 approaches the empirical VaR and ES of the regime', () => {
    const model = fitRegimeRisk(sampleSeries, K, options);
    const r = simulateHorizonRisk(model, 2, 1, stay(2), sim);
    const expected = fixture.sample.regimes[2]!.risk;
    for (let l = 0; l < 2; l++) {
      expectRel(r.risk[l]!.valueAtRisk, expected[l]!.valueAtRisk, 0.1);
      expectRel(r.risk[l]!.expectedShortfall, expected[l]!.expectedShortfall, 0.1);
    }
  });

  it('is reproducible with the seed, and riskier at 21 days than at 1', () => {
    const model = fitRegimeRisk(sampleSeries, K, options);
    const p = [
      [0.95, 0.04, 0.01],
      [0.03, 0.94, 0.03],
      [0.01, 0.03, 0.96],
    ];
    const a = simulateHorizonRisk(model, 1, 21, markovPathSampler(p, 1), sim);
    expect(simulateHorizonRisk(model, 1, 21, markovPathSampler(p, 1), sim)).toEqual(a);
    expect(simulateHorizonRisk(model, 1, 21, markovPathSampler(p, 1), { ...sim, seed: 4 })).not.toEqual(a);
    const one = simulateHorizonRisk(model, 1, 1, markovPathSampler(p, 1), sim);
    expect(a.risk[0]!.valueAtRisk).toBeGreaterThan(3 * one.risk[0]!.valueAtRisk);
  });

  it('refuses a path into a regime with no observed return', () => {
    const model = fitRegimeRisk([{ states: [0, 0], returns: [0, 0.01] }], K, options);
    expect(() => simulateHorizonRisk(model, 0, 2, stay(2), sim)).toThrowError(
      /regime 2, which has no observed/,
    );
    expect(() => simulateHorizonRisk(model, 0, 0, stay(0), sim)).toThrowError(/horizon/);
  });
});

describe('markovPathSampler', () => {
  it('reproduces P^h', () => {
    const p = [
      [0.8, 0.15, 0.05],
      [0.1, 0.7, 0.2],
      [0.05, 0.25, 0.7],
    ];
    const sampler = markovPathSampler(p, 2);
    const random = createRandom(11);
    const out = new Int32Array(5);
    const counts = new Float64Array(K);
    const draws = 20_000;
    for (let s = 0; s < draws; s++) {
      sampler(random, 5, out);
      counts[out[4]!]! += 1;
    }
    const row = matrixPower(p, 5)[2]!;
    for (let j = 0; j < K; j++) expect(Math.abs(counts[j]! / draws - row[j]!)).toBeLessThan(0.015);
  });
});
