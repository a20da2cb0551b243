import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matrixPower } from '#shared/model/linalg';
import { reachProbabilities } from '#shared/model/markov';
import {
  bootstrapSemiMarkov,
  expectedRemainingDays,
  extractRuns,
  fitSemiMarkov,
  fitSemiMarkovSequences,
  forecastSemiMarkov,
  hazardAt,
  memorylessMatrix,
  type RegimeRun,
  SemiMarkovInputError,
  type SemiMarkovModel,
  sampleSemiMarkovPath,
  semiMarkovCell,
  semiMarkovHorizonTable,
  survivalCurve,
} from '#shared/model/semi-markov';
import { createRandom } from '#shared/stats/random';

interface FixtureForecast {
  start: { state: number; age: number };
  horizons: number[];
  distribution: number[][];
  reachWithin: number[];
  leaveWithin: number[];
  expectedRemaining: number | null;
}

interface FixtureCase {
  options: { alpha: number; minAtRisk: number; hazardPrior: number };
  runs: RegimeRun[];
  model: {
    lambda: number[];
    D: number[];
    hazard: number[][];
    tail: number[];
    runs: number[];
    uncensored: number[];
    days: number[];
    changes: number[][];
    jump: number[][];
  };
  survival: number[][];
  forecasts: FixtureForecast[];
  input: { states?: string; sequences?: number[][] };
  figures?: Record<string, unknown>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/semi-markov/semi_markov.json', import.meta.url), 'utf8'),
) as { source: string; maxHorizon: number; highState: number; cases: Record<string, FixtureCase> };

const K = 3;
const HIGH = fixture.highState;

function sequencesOf(c: FixtureCase): number[][] {
  if (c.input.sequences) return c.input.sequences;
  return [Array.from(c.input.states!, (ch) => Number(ch))];
}

/** |a − b| ≤ rel·|b| (+ a tiny absolute floor for values that are 0 in both). */
function expectRel(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected) + 1e-300);
}

const cases = Object.entries(fixture.cases).map(([name, c]) => ({ name, c }));

describe('extractRuns', () => {
  it.each(cases)('equals the pandas runs with their censoring and next regime ($name)', ({ c }) => {
    expect(extractRuns(sequencesOf(c), K)).toEqual(c.runs);
  });

  it('marks a symbol with a single run as both left-truncated and right-censored', () => {
    expect(extractRuns([[2, 2, 2], []], K)).toEqual([
      { sequence: 0, state: 2, length: 3, leftTruncated: true, rightCensored: true, next: null },
    ]);
  });

  it('names the sequence and the position of a bad state', () => {
    expect(() => extractRuns([[0], [1, 3]], K)).toThrowError(/sequence 1, position 1: state 3/);
    expect(() => extractRuns([[0, 0.5]], K)).toThrowError(SemiMarkovInputError);
  });
});

describe('fitSemiMarkov', () => {
  it.each(cases)('reproduces the pandas hazards, tail and jump chain ($name)', ({ c }) => {
    const model = fitSemiMarkovSequences(sequencesOf(c), K, c.options);
    expect(model.maxAge).toEqual(c.model.D);
    expect(model.runs).toEqual(c.model.runs);
    expect(model.uncensoredRuns).toEqual(c.model.uncensored);
    expect(model.days).toEqual(c.model.days);
    expect(model.changes).toEqual(c.model.changes);
    for (let i = 0; i < K; i++) {
      expectRel(model.memorylessRate[i]!, c.model.lambda[i]!, 1e-12);
      expectRel(model.tailHazard[i]!, c.model.tail[i]!, 1e-12);
      c.model.hazard[i]!.forEach((h, d) => expectRel(hazardAt(model, i, d + 1), h, 1e-12));
      for (let j = 0; j < K; j++) expectRel(model.jump[i]![j]!, c.model.jump[i]![j]!, 1e-12);
    }
    expect(model.warnings).toEqual([]);
  });

  // The synthetic sequences, by hand (α = 1, minAtRisk = 3, κ = 2):
  //   A 0 0 1 1 1 0 2 2 0 0 0   B 1 1 0 0 1   C 2 2 2 1 0 0 2
  // Runs of 0: A2 (first), A1, A3 (last), B2, C2 → 3 uncensored of 10 days: λ0 = 0.3.
  // n0(1) = 5, n0(2) = 4, n0(3) = 1 → D0 = 2; e0(1) = 1, e0(2) = 2.
  // h0(1) = (1 + 2·0.3)/(5 + 2) = 1.6/7, h0(2) = (2 + 0.6)/(4 + 2) = 2.6/6; tail: only A3
  // (censored) is longer than 2, one day beyond → (0 + 0.6)/(1 + 2) = 0.2.
  // Runs of 1: A3, B2 (first), B1 (last), C1 → λ1 = 2/7, D1 = 1, h1(1) = (1 + 4/7)/6 = 11/42,
  // tail (A3 ended, 2 days beyond; B2 1 day) = (1 + 4/7)/(3 + 2) = 11/35.
  // Runs of 2: A2, C3 (first), C1 (last) → λ2 = 1/6, D2 = 1, h2(1) = (0 + 1/3)/5 = 1/15,
  // tail (A2 ended, 1 day beyond; C3 2 days) = (1 + 1/3)/(3 + 2) = 4/15.
  // Changes: 0→1 ×2, 0→2 ×2, 1→0 ×3, 2→0, 2→1 → Q0 = (·, 3/6, 3/6), Q1 = (4/5, ·, 1/5), Q2 = (2/4, 2/4, ·).
  it('matches the synthetic case worked out by hand', () => {
    const model = fitSemiMarkovSequences(fixture.cases.synthetic!.input.sequences!, K, {
      alpha: 1,
      minAtRisk: 3,
      hazardPrior: 2,
    });
    expect(model.memorylessRate).toEqual([0.3, 2 / 7, 1 / 6].map((x) => expect.closeTo(x, 15)));
    expect(model.maxAge).toEqual([2, 1, 1]);
    expect(hazardAt(model, 0, 1)).toBeCloseTo(1.6 / 7, 15);
    expect(hazardAt(model, 0, 2)).toBeCloseTo(2.6 / 6, 15);
    expect(hazardAt(model, 0, 3)).toBeCloseTo(0.2, 15);
    expect(hazardAt(model, 0, 300)).toBeCloseTo(0.2, 15);
    expect(hazardAt(model, 1, 1)).toBeCloseTo(11 / 42, 15);
    expect(hazardAt(model, 1, 2)).toBeCloseTo(11 / 35, 15);
    expect(hazardAt(model, 2, 1)).toBeCloseTo(1 / 15, 15);
    expect(hazardAt(model, 2, 2)).toBeCloseTo(4 / 15, 15);
    expect(model.changes).toEqual([
      [0, 2, 2],
      [3, 0, 0],
      [1, 1, 0],
    ]);
    expect(model.jump[1]).toEqual([0.8, 0, 0.2].map((x) => expect.closeTo(x, 15)));
    // E[L − 1 | L ≥ 1] from (0, 1) = S1 + S2 + S2·(1 − 0.2)/0.2, S1 = 5.4/7, S2 = S1·3.4/6.
    const s1 = 5.4 / 7;
    const s2 = s1 * (3.4 / 6);
    expect(expectedRemainingDays(model, { state: 0, age: 1 })).toBeCloseTo(s1 + s2 + 4 * s2, 14);
    // One day ahead from (0, 1): stay 1 − 1.6/7, move to 1 or 2 with (1.6/7)·0.5 each.
    const f = forecastSemiMarkov(model, { state: 0, age: 1 }, 1, HIGH);
    expect(f.distribution[0]).toEqual([s1, 0.8 / 7, 0.8 / 7].map((x) => expect.closeTo(x, 15)));
    expect(f.reachWithin[0]).toBeCloseTo(0.8 / 7, 15);
    expect(f.leaveWithin[0]).toBeCloseTo(1.6 / 7, 15);
  });

  it("gives a regime that never occurs the pooled rate, and one never seen to end the chain's leaving probability", () => {
    // Regime 2 never occurs; regime 1 only in censored runs (first and last of a symbol).
    const model = fitSemiMarkovSequences([[1, 1, 0, 0, 0, 1, 0, 0, 1]], K, {
      alpha: 1,
      minAtRisk: 1,
      hazardPrior: 10,
    });
    // Runs 1 1 (first) | 0 0 0 | 1 | 0 0 | 1 (last): 3 uncensored runs in 9 days.
    expect(model.uncensoredRuns).toEqual([2, 1, 0]);
    expect(model.memorylessRate[2]).toBeCloseTo(3 / 9, 15);
    expect(model.warnings.join('\n')).toMatch(/regime 2 never occurs/);
    const censoredOnly = fitSemiMarkovSequences([[1, 1, 0, 1, 2]], K, {
      alpha: 1,
      minAtRisk: 1,
      hazardPrior: 1,
    });
    // Regime 2: one day, the last (censored), no change out and no transition from it: with α = 1
    // the chain's row is uniform, 1 − P_22 = (0 + 2·1) / (0 + 3·1).
    expect(censoredOnly.memorylessRate[2]).toBeCloseTo(2 / 3, 15);
    // Age 1 is shrunk toward it: (0 + 1·2/3) / (1 + 1); beyond D = 1 the tail is λ itself, so the
    // expected remaining days are (2/3) / (1 − 1/3) = 1.
    expect(hazardAt(censoredOnly, 2, 1)).toBeCloseTo(1 / 3, 15);
    expect(hazardAt(censoredOnly, 2, 2)).toBeCloseTo(2 / 3, 15);
    expect(expectedRemainingDays(censoredOnly, { state: 2, age: 1 })).toBeCloseTo(1, 12);
    expect(censoredOnly.warnings.join('\n')).toMatch(
      /regime 2 has only censored runs.*chain's leaving probability/,
    );
    // Regime 1 of [[1, 1, 1, 0, 0]]: its only run is the first (left-truncated), ended by a change:
    // (1 + 2) / (2 + 1 + 3) = 0.5. Only with α = 0 and no change out of it does it never leave.
    const truncated = fitSemiMarkovSequences([[1, 1, 1, 0, 0]], K, {
      alpha: 1,
      minAtRisk: 1,
      hazardPrior: 1,
    });
    expect(truncated.memorylessRate[1]).toBeCloseTo(0.5, 15);
    const mle = fitSemiMarkovSequences([[1, 1, 0, 1, 2]], K, { alpha: 0, minAtRisk: 1, hazardPrior: 1 });
    expect(mle.memorylessRate[2]).toBe(0);
    expect(expectedRemainingDays(mle, { state: 2, age: 1 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('uses a uniform jump row for a regime never seen to change when α = 0', () => {
    const model = fitSemiMarkovSequences([[0, 0, 1, 1]], K, { alpha: 0, minAtRisk: 1, hazardPrior: 1 });
    expect(model.jump[1]).toEqual([0.5, 0, 0.5]);
    expect(model.jump[0]).toEqual([0, 1, 0]);
  });

  it('rejects bad options and malformed runs', () => {
    const seq = [[0, 1, 2]];
    expect(() => fitSemiMarkovSequences(seq, K, { alpha: -1, minAtRisk: 1, hazardPrior: 1 })).toThrowError(
      /alpha/,
    );
    expect(() => fitSemiMarkovSequences(seq, K, { alpha: 1, minAtRisk: 0, hazardPrior: 1 })).toThrowError(
      /minAtRisk/,
    );
    expect(() => fitSemiMarkovSequences(seq, K, { alpha: 1, minAtRisk: 1, hazardPrior: 0 })).toThrowError(
      /hazardPrior/,
    );
    expect(() => fitSemiMarkovSequences([[]], K, { alpha: 1, minAtRisk: 1, hazardPrior: 1 })).toThrowError(
      /no run/,
    );
    const bad: RegimeRun = {
      sequence: 0,
      state: 1,
      length: 2,
      leftTruncated: false,
      rightCensored: false,
      next: 1,
    };
    expect(() => fitSemiMarkov([bad], K, { alpha: 1, minAtRisk: 1, hazardPrior: 1 })).toThrowError(
      /followed by itself/,
    );
  });
});

describe('forecastSemiMarkov', () => {
  const forecastCases = cases.flatMap(({ name, c }) =>
    c.forecasts.map((f) => ({ name, f, label: `${name}, regime ${f.start.state} at age ${f.start.age}` })),
  );
  const models = new Map<string, SemiMarkovModel>(
    cases.map(({ name, c }) => [name, fitSemiMarkovSequences(sequencesOf(c), K, c.options)]),
  );

  it.each(forecastCases)('equals the numpy recursion over an uncapped age grid ($label)', ({ name, f }) => {
    const got = forecastSemiMarkov(models.get(name)!, f.start, fixture.maxHorizon, HIGH);
    f.horizons.forEach((h, idx) => {
      for (let j = 0; j < K; j++) expectRel(got.distribution[h - 1]![j]!, f.distribution[idx]![j]!, 1e-9);
      expectRel(got.reachWithin[h - 1]!, f.reachWithin[idx]!, 1e-9);
      expectRel(got.leaveWithin[h - 1]!, f.leaveWithin[idx]!, 1e-9);
    });
    // Closed form (explicit terms + geometric tail) against the series summed term by term.
    expectRel(got.expectedRemaining, f.expectedRemaining!, 1e-9);
  });

  it.each(cases)('survival curves equal the cumulative products of pandas hazards ($name)', ({ name, c }) => {
    for (let i = 0; i < K; i++) {
      const curve = survivalCurve(models.get(name)!, i, c.survival[i]!.length - 1);
      curve.forEach((s, d) => expectRel(s, c.survival[i]![d]!, 1e-12));
    }
  });

  it('probabilities stay a distribution at every horizon', () => {
    const model = models.get('sample')!;
    const f = forecastSemiMarkov(model, { state: 0, age: 7 }, fixture.maxHorizon, HIGH);
    for (const row of f.distribution) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let h = 1; h < f.maxHorizon; h++) {
      expect(f.reachWithin[h]!).toBeGreaterThanOrEqual(f.reachWithin[h - 1]!);
      expect(f.leaveWithin[h]!).toBeGreaterThanOrEqual(f.leaveWithin[h - 1]!);
    }
  });

  it('every age beyond D_i has the same future (ages capped at D_i + 1)', () => {
    const model = models.get('sample')!;
    for (let i = 0; i < K; i++) {
      const d = model.maxAge[i]!;
      const at = (age: number) => forecastSemiMarkov(model, { state: i, age }, 63, HIGH);
      const a = at(d + 1);
      expect(at(d + 2)).toEqual({ ...a, start: { state: i, age: d + 2 } });
      expect(at(d + 500)).toEqual({ ...a, start: { state: i, age: d + 500 } });
      expect(at(d).leaveWithin[0]).not.toBe(a.leaveWithin[0]);
    }
  });

  it('the duration dependence is real on the sample: a 12-day-old High lasts longer than a new one', () => {
    const model = models.get('sample')!;
    expect(expectedRemainingDays(model, { state: HIGH, age: 12 })).toBeGreaterThan(
      expectedRemainingDays(model, { state: HIGH, age: 1 }),
    );
  });

  it('rejects a bad start, horizon or high state', () => {
    const model = models.get('synthetic')!;
    expect(() => forecastSemiMarkov(model, { state: 3, age: 1 }, 5, HIGH)).toThrowError(/start state 3/);
    expect(() => forecastSemiMarkov(model, { state: 0, age: 0 }, 5, HIGH)).toThrowError(/age/);
    expect(() => forecastSemiMarkov(model, { state: 0, age: 1 }, 0, HIGH)).toThrowError(/maxHorizon/);
    expect(() => forecastSemiMarkov(model, { state: 0, age: 1 }, 5, 7)).toThrowError(/high state/);
  });
});

describe('semiMarkovHorizonTable (every start at once, backward)', () => {
  const models = new Map<string, SemiMarkovModel>(
    cases.map(({ name, c }) => [name, fitSemiMarkovSequences(sequencesOf(c), K, c.options)]),
  );

  it.each(cases)('equals the numpy forward recursion at every fixture start ($name)', ({ name, c }) => {
    const horizons = c.forecasts[0]!.horizons;
    const table = semiMarkovHorizonTable(models.get(name)!, horizons, HIGH);
    for (const f of c.forecasts) {
      const cell = semiMarkovCell(table, f.start);
      f.horizons.forEach((h, idx) => {
        const at = table.horizons.indexOf(h);
        for (let j = 0; j < K; j++) {
          expectRel(table.distribution[at]![cell * K + j]!, f.distribution[idx]![j]!, 1e-9);
        }
        expectRel(table.reachWithin[at]![cell]!, f.reachWithin[idx]!, 1e-9);
        expectRel(table.leaveWithin[at]![cell]!, f.leaveWithin[idx]!, 1e-9);
      });
    }
  });

  it('equals forecastSemiMarkov at every cell of the sample, horizons in any order and repeated', () => {
    const model = models.get('sample')!;
    const horizons = [21, 1, 5, 21, 63];
    const table = semiMarkovHorizonTable(model, horizons, HIGH);
    for (let state = 0; state < K; state++) {
      for (let age = 1; age <= model.maxAge[state]! + 3; age++) {
        const forward = forecastSemiMarkov(model, { state, age }, 63, HIGH);
        const cell = semiMarkovCell(table, { state, age });
        horizons.forEach((h, at) => {
          for (let j = 0; j < K; j++) {
            expect(table.distribution[at]![cell * K + j]!).toBeCloseTo(forward.distribution[h - 1]![j]!, 12);
          }
          expect(table.reachWithin[at]![cell]!).toBeCloseTo(forward.reachWithin[h - 1]!, 12);
          expect(table.leaveWithin[at]![cell]!).toBeCloseTo(forward.leaveWithin[h - 1]!, 12);
        });
      }
    }
  });
});

describe('as κ → ∞ the semi-Markov chain is the memoryless chain', () => {
  const sequences = sequencesOf(fixture.cases.sample!);
  const infinite = fitSemiMarkovSequences(sequences, K, { alpha: 1, minAtRisk: 20, hazardPrior: Infinity });
  const p = memorylessMatrix(infinite);
  const reach = reachProbabilities(p, HIGH, 63);

  it.each([
    { state: 0, age: 1 },
    { state: 1, age: 9 },
    { state: 2, age: 40 },
  ])(
    'κ = ∞: forecasts equal P^h, (A^h)[i, High], 1 − P_ii^h and P_ii/(1 − P_ii) (from $state at age $age)',
    (start) => {
      const f = forecastSemiMarkov(infinite, start, 63, HIGH);
      const lambda = infinite.memorylessRate[start.state]!;
      for (const h of [1, 2, 5, 21, 63]) {
        const row = matrixPower(p, h)[start.state]!;
        for (let j = 0; j < K; j++) expectRel(f.distribution[h - 1]![j]!, row[j]!, 1e-9);
        if (start.state !== HIGH) expectRel(f.reachWithin[h - 1]!, reach[start.state]![h - 1]!, 1e-9);
        expectRel(f.leaveWithin[h - 1]!, 1 - (1 - lambda) ** h, 1e-9);
      }
      expectRel(f.expectedRemaining, (1 - lambda) / lambda, 1e-9);
    },
  );

  it('a large finite κ converges to it', () => {
    const large = fitSemiMarkovSequences(sequences, K, { alpha: 1, minAtRisk: 20, hazardPrior: 1e9 });
    const start = { state: HIGH, age: 12 };
    const f = forecastSemiMarkov(large, start, 21, HIGH);
    const g = forecastSemiMarkov(infinite, start, 21, HIGH);
    for (let h = 0; h < 21; h++) {
      for (let j = 0; j < K; j++)
        expect(Math.abs(f.distribution[h]![j]! - g.distribution[h]![j]!)).toBeLessThan(1e-6);
    }
    expectRel(f.expectedRemaining, g.expectedRemaining, 1e-6);
  });
});

describe('bootstrapSemiMarkov', () => {
  const sample = fixture.cases.sample!;
  const runs = extractRuns(sequencesOf(sample), K);
  const fit = sample.options;
  const start = { state: HIGH, age: 12 };
  const boot = (seed: number, samples = 40) =>
    bootstrapSemiMarkov(
      runs,
      K,
      fit,
      { bootstrapSamples: samples, intervalMass: 0.95, seed },
      start,
      21,
      HIGH,
    );

  it('is reproducible with a seed and changes with it', () => {
    const a = boot(42);
    expect(boot(42)).toEqual(a);
    expect(boot(43).expectedRemaining).not.toEqual(a.expectedRemaining);
  });

  it('brackets the point estimate and orders its bounds', () => {
    const point = forecastSemiMarkov(fitSemiMarkov(runs, K, fit), start, 21, HIGH);
    const b = boot(7, 200);
    expect(b.expectedRemaining.lower).toBeLessThan(point.expectedRemaining);
    expect(b.expectedRemaining.upper).toBeGreaterThan(point.expectedRemaining);
    for (const h of [0, 4, 20]) {
      expect(b.leaveWithin.lower[h]!).toBeLessThan(point.leaveWithin[h]!);
      expect(b.leaveWithin.upper[h]!).toBeGreaterThan(point.leaveWithin[h]!);
      for (let j = 0; j < K; j++)
        expect(b.distribution.lower[h]![j]!).toBeLessThanOrEqual(b.distribution.upper[h]![j]!);
    }
  });

  it('has zero width when every resample is the data (one run per regime)', () => {
    const oneEach = extractRuns([[0, 0, 1, 2, 2, 2]], K);
    const model = fitSemiMarkov(oneEach, K, { alpha: 1, minAtRisk: 1, hazardPrior: 1 });
    const point = forecastSemiMarkov(model, { state: 0, age: 1 }, 5, HIGH);
    const b = bootstrapSemiMarkov(
      oneEach,
      K,
      { alpha: 1, minAtRisk: 1, hazardPrior: 1 },
      { bootstrapSamples: 5, intervalMass: 0.95, seed: 1 },
      { state: 0, age: 1 },
      5,
      HIGH,
    );
    expect(b.leaveWithin.lower).toEqual(point.leaveWithin);
    expect(b.leaveWithin.upper).toEqual(point.leaveWithin);
    expect(b.expectedRemaining).toEqual({ lower: point.expectedRemaining, upper: point.expectedRemaining });
  });
});

describe('sampleSemiMarkovPath', () => {
  it('simulated paths reproduce the forecast distribution', () => {
    const model = fitSemiMarkovSequences(
      sequencesOf(fixture.cases.sample!),
      K,
      fixture.cases.sample!.options,
    );
    const start = { state: 0, age: 3 };
    const f = forecastSemiMarkov(model, start, 21, HIGH);
    const random = createRandom(5);
    const path = new Int32Array(21);
    const counts = [new Float64Array(K), new Float64Array(K)];
    const draws = 20_000;
    for (let s = 0; s < draws; s++) {
      sampleSemiMarkovPath(model, start, random, 21, path);
      counts[0]![path[4]!]! += 1;
      counts[1]![path[20]!]! += 1;
    }
    for (let j = 0; j < K; j++) {
      // 4 standard errors of a share estimated from 20 000 draws is < 0.015.
      expect(Math.abs(counts[0]![j]! / draws - f.distribution[4]![j]!)).toBeLessThan(0.015);
      expect(Math.abs(counts[1]![j]! / draws - f.distribution[20]![j]!)).toBeLessThan(0.015);
    }
  });
});
