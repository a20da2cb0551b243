/**
 * What the model keeps of the semi-Markov chain and the regime risk (shared/model/duration-risk.ts),
 * and what /predict answers from it: checked against the library functions that are themselves
 * pinned by the pandas / numpy / scipy fixtures (semi-markov.test.ts, regime-risk.test.ts).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import type { GoldTable } from '#shared/data/tables';
import type { ModelArtifact } from '#shared/model/artifact';
import { fitStoredSemiMarkov, riskAt, SUMMARY_AGES, semiMarkovFit } from '#shared/model/duration-risk';
import { predict } from '#shared/model/predict';
import {
  fitRegimeRisk,
  markovPathSampler,
  simulateHorizonRisk,
  simulateHorizonRiskCurve,
} from '#shared/model/regime-risk';
import { bootstrapSemiMarkov, extractRuns } from '#shared/model/semi-markov';
import { checkServingModel, servingModelOf } from '#shared/model/serving-model';
import { sampleModel } from '../../helpers/model.ts';

const { config } = loadConfig();
const labels = config.data.regimes.labels;
let model: ModelArtifact;
let gold: GoldTable[];
beforeAll(async () => {
  ({ model, gold } = await sampleModel({ hmm: false }));
}, 60_000);

describe('the semi-Markov summary', () => {
  test('its bootstrap intervals equal bootstrapSemiMarkov’s at every age, from the same seed', () => {
    const cfg = { ...config.model.semiMarkov, bootstrapSamples: 60 };
    const states = gold[0]!.markov_state;
    const stored = fitStoredSemiMarkov([states], labels, model.markov.transitionMatrix, cfg);
    const runs = extractRuns([states], 3);
    for (let i = 0; i < 3; i++) {
      for (const [a, age] of SUMMARY_AGES.entries()) {
        const want = bootstrapSemiMarkov(
          runs,
          3,
          semiMarkovFit(cfg),
          cfg,
          { state: i, age },
          1,
          2,
        ).expectedRemaining;
        expect(stored.regimes[i]!.expectedRemaining[a]).toMatchObject({
          age,
          lower: want.lower,
          upper: want.upper,
        });
      }
    }
  });

  test('says how the chain’s geometric stay misses the short runs', () => {
    for (const r of model.semiMarkov!.regimes) {
      expect(r.shortRuns.observed).toBeGreaterThan(2 * r.shortRuns.geometric);
      expect(r.survival[0]!.semiMarkov).toBeLessThan(r.survival[0]!.chain);
    }
  });
});

describe('h-day risk', () => {
  const series = () => [{ states: gold[0]!.markov_state, returns: gold[0]!.log_return }];
  const sim = { levels: [0.95, 0.99], simulationDraws: 4000, seed: 7 };

  test('the curve at its last horizon is simulateHorizonRisk there, exactly; shorter ones within Monte Carlo error', () => {
    const risk = fitRegimeRisk(series(), 3, { levels: sim.levels, quantiles: [] });
    const p = model.markov.transitionMatrix;
    const curve = simulateHorizonRiskCurve(risk, 2, [1, 5, 21], markovPathSampler(p, 2), sim);
    const at21 = simulateHorizonRisk(risk, 2, 21, markovPathSampler(p, 2), sim);
    expect(curve.valueAtRisk.map((c) => c[2])).toEqual(at21.risk.map((r) => r.valueAtRisk));
    expect(curve.expectedShortfall.map((c) => c[2])).toEqual(at21.risk.map((r) => r.expectedShortfall));
    const at5 = simulateHorizonRisk(risk, 2, 5, markovPathSampler(p, 2), { ...sim, seed: 8 });
    at5.risk.forEach((r, l) =>
      expect(Math.abs(curve.valueAtRisk[l]![1]! / r.valueAtRisk - 1)).toBeLessThan(0.08),
    );
  });

  test('between stored horizons, √h interpolation stays within 3 % of the simulated curve', () => {
    const risk = fitRegimeRisk(series(), 3, { levels: sim.levels, quantiles: [] });
    const every = Array.from({ length: 63 }, (_, i) => i + 1);
    const stored = config.model.risk.horizons.filter((h) => h <= 63);
    for (let start = 0; start < 3; start++) {
      // The config's draws: with fewer, the simulated curve's own noise is of the order of the bound.
      const full = simulateHorizonRiskCurve(
        risk,
        start,
        every,
        markovPathSampler(model.markov.transitionMatrix, start),
        {
          ...sim,
          simulationDraws: config.model.risk.simulationDraws,
        },
      );
      const values = stored.map((h) => full.valueAtRisk[0]![h - 1]!);
      for (const h of every) {
        const { value, interpolated } = riskAt(stored, values, h);
        expect(interpolated).toBe(!stored.includes(h));
        expect(Math.abs(value / full.valueAtRisk[0]![h - 1]! - 1)).toBeLessThan(0.03);
      }
    }
  });

  test('/predict answers the start regime’s VaR/ES: exact at h = 1, the stored curve at a stored h, interpolated between', () => {
    const r = model.risk!;
    const one = predict(model, { regime: 'High', horizon: 1 }).risk!;
    expect(one.levels.map((l) => l.valueAtRisk)).toEqual(r.oneDay[2]!.valueAtRisk);
    expect(one.levels.map((l) => l.valueAtRisk)).toEqual(r.regimes[2]!.risk.map((x) => x.valueAtRisk));
    const at21 = predict(model, { regime: 'High', horizon: 21 }).risk!;
    const n = r.horizons.indexOf(21);
    expect(at21.levels.map((l) => l.valueAtRisk)).toEqual(r.valueAtRisk[2]!.map((c) => c[n]));
    expect(at21.interpolated).toBe(false);
    const at30 = predict(model, { regime: 'High', horizon: 30 }).risk!;
    expect(at30.interpolated).toBe(true);
    expect(at30.levels[0]!.valueAtRisk).toBeGreaterThan(at21.levels[0]!.valueAtRisk);
    // Riskier regimes carry more risk at every horizon.
    for (const h of [1, 5, 21, 63]) {
      const low = predict(model, { regime: 'Low', horizon: h }).risk!.levels[0]!.valueAtRisk;
      const high = predict(model, { regime: 'High', horizon: h }).risk!.levels[0]!.valueAtRisk;
      expect(high).toBeGreaterThan(low);
    }
  });

  test('the serving projection keeps what /predict needs and answers alike', () => {
    const serving = checkServingModel(servingModelOf(model), 'test');
    for (const request of [
      { regime: 'High', horizon: 1, age: 12 },
      { regime: 'Low', horizon: 30 },
      { symbol: 'SPX', horizon: 5 },
    ]) {
      expect(predict(serving, request)).toEqual(predict(model, request));
    }
    const broken = { ...servingModelOf(model), risk: { ...servingModelOf(model).risk!, horizons: [2, 5] } };
    expect(() => checkServingModel(broken, 'SERVING/x')).toThrow(/risk.horizons/);
  });
});
