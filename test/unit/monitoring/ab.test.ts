import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type MonitoringConfig, monitoringConfigSchema } from '#config/monitoring-schema';
import { logLoss, probabilityMatrixFromRows } from '#shared/evaluation/metrics';
import {
  type AbRecord,
  type AbTestInput,
  AbTestInputError,
  binomialCdf,
  decideRollback,
  evaluateAbTest,
  mcnemar,
  requiredSampleSize,
} from '#shared/monitoring/ab';
import { createRandom, type RandomSource } from '#shared/stats/random';

const YAML = readFileSync(new URL('../../../config/monitoring.yaml', import.meta.url), 'utf8');
const monitoring: MonitoringConfig = monitoringConfigSchema.parse(parse(YAML));

interface AbFixture {
  source: string;
  mcnemar: { table: number[][]; exact: boolean; statistic: number; pValue: number }[];
  sampleSize: {
    baselineAccuracy: number;
    minimumDetectableEffect: number;
    ratio: number;
    alpha: number;
    power: number;
    effectSize: number;
    nobs1: number;
  }[];
  binomialCdf: { k: number; n: number; p: number; cdf: number }[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/monitoring/ab.json', import.meta.url), 'utf8'),
) as AbFixture;

function expectRelative(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected) + 1e-300);
}

// ---------------------------------------------------------------------------------------------
// Simulated logs where the truth is known
// ---------------------------------------------------------------------------------------------

/**
 * Each request has a true next-state distribution q (mass 0.55–0.9 on a random state). A model's
 * forecast is (1 − noise)·q + noise·(random distribution): noise 0 is the ideal forecaster.
 */
function trueDistribution(random: RandomSource): number[] {
  const state = Math.floor(random.uniform() * 3);
  const top = 0.55 + 0.35 * random.uniform();
  const split = random.uniform();
  const q = [0, 0, 0];
  q[state] = top;
  q[(state + 1) % 3] = (1 - top) * split;
  q[(state + 2) % 3] = (1 - top) * (1 - split);
  return q;
}

function forecast(q: readonly number[], noise: number, random: RandomSource): number[] {
  const r = [random.uniform(), random.uniform(), random.uniform()];
  const total = r[0]! + r[1]! + r[2]!;
  return q.map((qk, k) => (1 - noise) * qk + (noise * r[k]!) / total);
}

function draw(q: readonly number[], random: RandomSource): number {
  const u = random.uniform();
  return u < q[0]! ? 0 : u < q[0]! + q[1]! ? 1 : 2;
}

interface Simulation {
  seed: number;
  requests: number;
  productionNoise: number;
  candidateNoise: number;
  /** Paired: both forecasts on every record; unpaired: only the serving arm's. */
  paired: boolean;
  candidateShare: number;
}

function simulate(s: Simulation): AbRecord[] {
  const random = createRandom(s.seed);
  const records: AbRecord[] = [];
  for (let i = 0; i < s.requests; i++) {
    const q = trueDistribution(random);
    const production = forecast(q, s.productionNoise, random);
    const candidate = forecast(q, s.candidateNoise, random);
    const arm = random.uniform() < s.candidateShare ? 'B' : 'A';
    const actualState = draw(q, random);
    records.push(
      s.paired
        ? { arm, actualState, productionProbabilities: production, candidateProbabilities: candidate }
        : arm === 'A'
          ? { arm, actualState, productionProbabilities: production }
          : { arm, actualState, candidateProbabilities: candidate },
    );
  }
  return records;
}

/** Test settings: a 0.05 effect so that the planned sample is a few thousand requests. */
const abConfig: MonitoringConfig['abTest'] = {
  ...monitoring.abTest,
  minimumDetectableEffect: 0.05,
  minimumOutcomesPerArm: 100,
  bootstrapResamples: 1000,
};

const input = (records: AbRecord[], overrides: Partial<AbTestInput> = {}): AbTestInput => ({
  productionVersion: 'v1',
  candidateVersion: 'v2',
  records,
  startedAt: '2026-01-01T00:00:00.000Z',
  now: '2026-01-15T00:00:00.000Z',
  ...overrides,
});

const base: Simulation = {
  seed: 11,
  requests: 4000,
  productionNoise: 0.6,
  candidateNoise: 0.6,
  paired: true,
  candidateShare: 0.5,
};

// ---------------------------------------------------------------------------------------------
// A/B decisions
// ---------------------------------------------------------------------------------------------

describe('evaluateAbTest on paired (shadow-scored) logs', () => {
  it('promotes a clearly better candidate', () => {
    const result = evaluateAbTest(input(simulate({ ...base, candidateNoise: 0.1 })), abConfig);
    expect(result.design).toBe('paired');
    expect(result.outcome).toBe('promote');
    expect(result.logLossDifference!.upper).toBeLessThan(0);
    expect(result.accuracyDifference!.estimate).toBeGreaterThan(0);
    expect(result.mcnemar!.pValue).toBeLessThan(0.05);
    expect(result.sampleSize.sufficient).toBe(true);
    expect(result.reasons[0]).toMatch(
      /significantly better on log loss: difference \(candidate − production\) -/,
    );
  });

  it('does not promote an equally good candidate, even on a large sample', () => {
    for (const seed of [1, 2]) {
      const result = evaluateAbTest(input(simulate({ ...base, seed })), abConfig);
      expect(result.sampleSize.sufficient).toBe(true);
      expect(result.outcome).toBe('keep-collecting');
      expect(result.logLossDifference!.lower).toBeLessThan(0);
      expect(result.logLossDifference!.upper).toBeGreaterThan(0);
      expect(result.reasons[0]).toMatch(/^no significant difference on log loss yet/);
    }
  });

  it('keeps collecting on a tiny sample, even when the candidate looks better', () => {
    const result = evaluateAbTest(input(simulate({ ...base, requests: 40, candidateNoise: 0 })), abConfig);
    expect(result.outcome).toBe('keep-collecting');
    expect(result.reasons[0]).toBe(
      'too few outcomes to judge: production 40, candidate 40; at least 100 per arm are needed',
    );
  });

  it('does not promote early: a candidate ahead before the planned sample keeps collecting', () => {
    const result = evaluateAbTest(input(simulate({ ...base, requests: 400, candidateNoise: 0 })), abConfig);
    expect(result.logLossDifference!.upper).toBeLessThan(0);
    expect(result.sampleSize.sufficient).toBe(false);
    expect(result.outcome).toBe('keep-collecting');
    expect(result.reasons[0]).toMatch(/candidate is ahead on log loss .* only at the planned sample size/);
  });

  it('rejects a clearly worse candidate as soon as each arm has the minimum outcomes', () => {
    const result = evaluateAbTest(
      input(simulate({ ...base, requests: 300, productionNoise: 0.1, candidateNoise: 0.8 })),
      abConfig,
    );
    expect(result.outcome).toBe('reject');
    expect(result.reasons[0]).toMatch(/significantly worse on log loss/);
  });

  it('rejects a candidate that wins on log loss but loses accuracy significantly', () => {
    // Production always names the most likely state, but overconfidently (0.9): good accuracy, poor
    // log loss. The candidate is calibrated, but on a quarter of the requests its top state is
    // wrong (0.3 moved from the top state to the next).
    const random = createRandom(5);
    const records: AbRecord[] = [];
    for (let i = 0; i < 3000; i++) {
      const q = trueDistribution(random);
      const top = q.indexOf(Math.max(...q));
      const production = [0.05, 0.05, 0.05];
      production[top] = 0.9;
      const candidate = q.slice();
      if (random.uniform() < 0.25) {
        candidate[top]! -= 0.3;
        candidate[(top + 1) % 3]! += 0.3;
      }
      const actualState = draw(q, random);
      records.push({
        arm: 'A',
        actualState,
        productionProbabilities: production,
        candidateProbabilities: candidate,
      });
    }
    const result = evaluateAbTest(input(records), abConfig);
    expect(result.logLossDifference!.upper).toBeLessThan(0);
    expect(result.accuracyDifference!.upper).toBeLessThan(0);
    expect(result.outcome).toBe('reject');
    expect(result.reasons).toEqual([
      expect.stringMatching(/^the candidate is significantly worse on accuracy: .*McNemar/),
    ]);
  });

  it('rejects when the test ran past its maximum duration without a win', () => {
    const result = evaluateAbTest(input(simulate(base), { now: '2026-02-12T00:00:00.000Z' }), abConfig);
    expect(result.elapsedDays).toBe(42);
    expect(result.outcome).toBe('reject');
    expect(result.reasons[0]).toMatch(/ran 42 days \(maximum 42\) without a significant win/);
  });

  it('uses the exact McNemar test below the configured discordant count, chi-square above', () => {
    const few = evaluateAbTest(input(simulate({ ...base, requests: 30, candidateNoise: 0.55 })), abConfig);
    const b = few.mcnemar!.productionOnlyCorrect;
    const c = few.mcnemar!.candidateOnlyCorrect;
    expect(b + c).toBeLessThan(25);
    expect(few.mcnemar).toMatchObject({
      method: 'exact',
      ...mcnemar(
        [
          [0, b],
          [c, 0],
        ],
        true,
      ),
    });
    const many = evaluateAbTest(input(simulate(base)), abConfig);
    expect(many.mcnemar!.method).toBe('chi-square');
  });

  it('reports each arm as scikit-learn log loss and accuracy of its forecasts', () => {
    const records = simulate({ ...base, requests: 500, candidateNoise: 0.3 });
    const result = evaluateAbTest(input(records), abConfig);
    const y = records.map((r) => r.actualState);
    const sklearnLogLoss = (rows: number[][]) => logLoss(y, probabilityMatrixFromRows(rows));
    expect(result.production.logLoss).toBeCloseTo(
      sklearnLogLoss(records.map((r) => [...r.productionProbabilities!])),
      12,
    );
    expect(result.candidate.logLoss).toBeCloseTo(
      sklearnLogLoss(records.map((r) => [...r.candidateProbabilities!])),
      12,
    );
    expect(result.logLossDifference!.estimate).toBeCloseTo(
      result.candidate.logLoss! - result.production.logLoss!,
      12,
    );
  });

  it('is reproducible (seeded bootstrap) and returns plain JSON', () => {
    const records = simulate({ ...base, requests: 800, candidateNoise: 0.4 });
    const first = evaluateAbTest(input(records), abConfig);
    const second = evaluateAbTest(input(records), abConfig);
    expect(second).toEqual(first);
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    const otherSeed = evaluateAbTest(input(records), { ...abConfig, seed: abConfig.seed + 1 });
    expect(otherSeed.logLossDifference!.lower).not.toBe(first.logLossDifference!.lower);
  });
});

describe('evaluateAbTest on unpaired logs', () => {
  const unpaired: Simulation = { ...base, paired: false, requests: 8000 };
  const config5050 = { ...abConfig, candidateTrafficShare: 0.5 };

  it('promotes a clearly better candidate with independent bootstraps and no McNemar test', () => {
    const result = evaluateAbTest(input(simulate({ ...unpaired, candidateNoise: 0.1 })), config5050);
    expect(result.design).toBe('unpaired');
    expect(result.mcnemar).toBeNull();
    expect(result.outcome).toBe('promote');
  });

  it('does not promote an equally good candidate', () => {
    const result = evaluateAbTest(input(simulate(unpaired)), config5050);
    expect(result.sampleSize.sufficient).toBe(true);
    expect(result.outcome).toBe('keep-collecting');
  });

  it('counts each record for the arm that served it', () => {
    const records = simulate({ ...unpaired, requests: 1000, candidateShare: 0.2 });
    const result = evaluateAbTest(input(records), config5050);
    const served = records.filter((r) => r.arm === 'B').length;
    expect(result.candidate.outcomes).toBe(served);
    expect(result.production.outcomes).toBe(1000 - served);
  });

  it('says how many more outcomes and days the configured split needs', () => {
    const records = simulate({ ...unpaired, requests: 1000, candidateShare: 0.1 });
    const config = { ...abConfig, candidateTrafficShare: 0.1 };
    const result = evaluateAbTest(input(records, { baselineAccuracy: 0.6, dailyOutcomes: 500 }), config);
    const plan = requiredSampleSize({
      baselineAccuracy: 0.6,
      minimumDetectableEffect: 0.05,
      ratio: 0.1 / 0.9,
      alpha: 0.05,
      power: 0.8,
    });
    const needA = Math.ceil(plan.productionOutcomes) - result.production.outcomes;
    const needB = Math.ceil(plan.candidateOutcomes) - result.candidate.outcomes;
    expect(result.sampleSize.remaining).toEqual({ production: needA, candidate: needB });
    expect(result.sampleSize.daysRemaining).toBe(Math.ceil(Math.max(needA / 450, needB / 50)));
    expect(result.outcome).toBe('keep-collecting');
    expect(result.reasons.at(-1)).toBe(
      `the plan needs ${needA} more production and ${needB} more candidate outcomes ` +
        `(of ${Math.ceil(plan.productionOutcomes)} and ${Math.ceil(plan.candidateOutcomes)}), ` +
        `about ${result.sampleSize.daysRemaining} more days at 500 outcomes a day`,
    );
  });

  it('estimates the daily volume from the elapsed days when it is not given', () => {
    const records = simulate({ ...unpaired, requests: 700 });
    const result = evaluateAbTest(input(records), abConfig);
    expect(result.sampleSize.dailyOutcomes).toBe(50); // 700 outcomes over 14 days
  });

  it('rejects a record without the forecast of the arm that served it', () => {
    const records: AbRecord[] = [{ arm: 'B', actualState: 0, productionProbabilities: [0.5, 0.3, 0.2] }];
    expect(() => evaluateAbTest(input(records), abConfig)).toThrow(AbTestInputError);
  });

  it('keeps collecting while an arm has no outcome', () => {
    const records: AbRecord[] = [{ arm: 'A', actualState: 0, productionProbabilities: [0.5, 0.3, 0.2] }];
    const result = evaluateAbTest(input(records), abConfig);
    expect(result.outcome).toBe('keep-collecting');
    expect(result.logLossDifference).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// McNemar, binomial CDF and sample size against statsmodels / scipy
// ---------------------------------------------------------------------------------------------

describe('mcnemar', () => {
  it('equals statsmodels mcnemar(table, exact, correction=True)', () => {
    expect(fixture.mcnemar.length).toBeGreaterThan(15);
    for (const c of fixture.mcnemar) {
      const result = mcnemar(c.table, c.exact);
      expectRelative(result.statistic, c.statistic, 1e-12);
      expectRelative(result.pValue, c.pValue, 1e-9);
    }
  });

  it('refuses the chi-square form without discordant pairs, and non-count tables', () => {
    expect(() =>
      mcnemar(
        [
          [5, 0],
          [0, 5],
        ],
        false,
      ),
    ).toThrow(AbTestInputError);
    expect(() =>
      mcnemar(
        [
          [5, 1.5],
          [0, 5],
        ],
        true,
      ),
    ).toThrow(AbTestInputError);
    expect(() => mcnemar([[5, 1, 0]], true)).toThrow(AbTestInputError);
  });
});

describe('binomialCdf', () => {
  it('equals scipy binom.cdf', () => {
    for (const c of fixture.binomialCdf) expectRelative(binomialCdf(c.k, c.n, c.p), c.cdf, 1e-9);
  });
});

describe('requiredSampleSize', () => {
  it('equals statsmodels NormalIndPower().solve_power with proportion_effectsize', () => {
    for (const c of fixture.sampleSize) {
      const plan = requiredSampleSize(c);
      expectRelative(plan.effectSize, c.effectSize, 1e-12);
      expectRelative(plan.productionOutcomes, c.nobs1, 1e-6);
      expectRelative(plan.candidateOutcomes, c.nobs1 * c.ratio, 1e-6);
    }
  });

  it('shows that a 95/5 split needs more than five times the traffic of a 50/50 split', () => {
    const total = (ratio: number) => {
      const plan = requiredSampleSize({
        baselineAccuracy: 0.6,
        minimumDetectableEffect: 0.02,
        ratio,
        alpha: 0.05,
        power: 0.8,
      });
      return plan.productionOutcomes + plan.candidateOutcomes;
    };
    const factor = total(5 / 95) / total(1);
    expect(factor).toBeCloseTo((20 * 20) / 19 / 4, 10); // (1 + r)(1 + 1/r) / 4
    expect(factor).toBeGreaterThan(5);
  });

  it('needs fewer outcomes for a larger effect and more for more power', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 0.8, noNaN: true }),
        fc.double({ min: 0.01, max: 0.1, noNaN: true }),
        fc.double({ min: 0.05, max: 10, noNaN: true }),
        (p1, effect, ratio) => {
          const plan = (e: number, power: number) =>
            requiredSampleSize({
              baselineAccuracy: p1,
              minimumDetectableEffect: e,
              ratio,
              alpha: 0.05,
              power,
            }).productionOutcomes;
          expect(plan(effect * 1.5, 0.8)).toBeLessThan(plan(effect, 0.8));
          expect(plan(effect, 0.9)).toBeGreaterThan(plan(effect, 0.8));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects settings outside their domains', () => {
    const ok = { baselineAccuracy: 0.6, minimumDetectableEffect: 0.05, ratio: 1, alpha: 0.05, power: 0.8 };
    expect(() => requiredSampleSize({ ...ok, power: 0.04 })).toThrow(AbTestInputError);
    expect(() => requiredSampleSize({ ...ok, ratio: 0 })).toThrow(AbTestInputError);
    expect(() => requiredSampleSize({ ...ok, baselineAccuracy: 0.5, minimumDetectableEffect: 0.9 })).toThrow(
      AbTestInputError,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Rollback
// ---------------------------------------------------------------------------------------------

describe('decideRollback', () => {
  const rollback = monitoring.rollback;

  /** n outcomes of a model that is right with probability `accuracy`. */
  function liveOutcomes(seed: number, n: number, accuracy: number) {
    const random = createRandom(seed);
    return Array.from({ length: n }, () => {
      const actualState = Math.floor(random.uniform() * 3);
      const right = random.uniform() < accuracy;
      return { predictedState: right ? actualState : (actualState + 1) % 3, actualState };
    });
  }

  const rollbackAfter = (predictions: { predictedState: number; actualState: number | null }[]) =>
    decideRollback(
      { productionVersion: 'v2', previousVersion: 'v1', previousAccuracy: 0.62, predictions },
      rollback,
    );

  it('rolls back after a simulated degradation', () => {
    const decision = rollbackAfter(liveOutcomes(3, 400, 0.48));
    expect(decision.rollback).toBe(true);
    expect(decision.toVersion).toBe('v1');
    expect(decision.pValue).toBeLessThan(0.05);
    expect(decision.reasons[0]).toMatch(
      /^roll back to v1: v2 has live accuracy 0\.4\d+ over 400 outcomes against 0\.62/,
    );
  });

  it('does not roll back on noise around the previous accuracy', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const decision = rollbackAfter(liveOutcomes(seed, 400, 0.62));
      expect(decision.rollback).toBe(false);
      expect(decision.toVersion).toBeNull();
    }
  });

  it('waits for the minimum number of outcomes', () => {
    const decision = rollbackAfter(liveOutcomes(3, 150, 0.2));
    expect(decision.rollback).toBe(false);
    expect(decision.reasons[0]).toMatch(/^not enough outcomes: 150 of 200/);
  });

  it('does not roll back a drop just past the margin that is not significant', () => {
    // 106 of 200 right = 0.53 against 0.62: a drop of 0.09 > 0.05, but P(X ≤ 106 | 200, 0.57) ≈ 0.14.
    const predictions = Array.from({ length: 200 }, (_, i) => ({
      predictedState: 0,
      actualState: i < 106 ? 0 : 1,
    }));
    const decision = rollbackAfter(predictions);
    expect(decision.accuracyDrop).toBeCloseTo(0.09, 12);
    expect(decision.pValue).toBeCloseTo(binomialCdf(106, 200, 0.57), 15);
    expect(decision.pValue).toBeGreaterThan(0.05);
    expect(decision.rollback).toBe(false);
    expect(decision.reasons[0]).toMatch(/^not significant at 0\.05/);
  });

  it('does not roll back within the margin', () => {
    const predictions = Array.from({ length: 1000 }, (_, i) => ({
      predictedState: 0,
      actualState: i < 580 ? 0 : 1,
    }));
    const decision = rollbackAfter(predictions); // 0.58: a drop of 0.04
    expect(decision.rollback).toBe(false);
    expect(decision.reasons[0]).toMatch(/^within the margin/);
  });

  it('ignores predictions without an outcome', () => {
    const decision = rollbackAfter([...liveOutcomes(3, 250, 0.62), { predictedState: 0, actualState: null }]);
    expect(decision.outcomes).toBe(250);
  });

  it('returns plain JSON', () => {
    const decision = rollbackAfter(liveOutcomes(3, 400, 0.48));
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });
});

describe('config/monitoring.yaml', () => {
  it('validates, and rejects a power not above alpha', () => {
    const bad = YAML.replace('power: 0.8', 'power: 0.05');
    expect(monitoringConfigSchema.safeParse(parse(bad)).success).toBe(false);
    expect(monitoring.abTest.primaryMetric).toBe('logLoss');
  });

  it('rejects unknown keys and moderate PSI above significant', () => {
    expect(
      monitoringConfigSchema.safeParse(parse(YAML.replace('cooldownHours: 24', 'coolDownHours: 24'))).success,
    ).toBe(false);
    expect(
      monitoringConfigSchema.safeParse(parse(YAML.replace('moderate: 0.1', 'moderate: 0.3'))).success,
    ).toBe(false);
  });
});
