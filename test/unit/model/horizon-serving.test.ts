/**
 * The horizon backtest in the model (DOMAIN §5 v2): `finml train` runs it, the artifact keeps it,
 * and at each backtested horizon the out-of-fold winner — refitted on all training rows — is what
 * `predict` serves. The served tables are recounted here from the gold regimes, independently of
 * the forecaster code.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import type { GoldTable } from '#shared/data/tables';
import { horizonBacktestFromConfig, storedHorizonTable } from '#shared/evaluation/index';
import type { ModelArtifact } from '#shared/model/artifact';
import { matrixPower } from '#shared/model/linalg';
import { predict } from '#shared/model/predict';
import {
  parseServingModel,
  ServingModelError,
  serializeServingModel,
  servingModelOf,
} from '#shared/model/serving-model';
import { sampleModel } from '../../helpers/model.ts';

const { config } = loadConfig();
const labels = config.data.regimes.labels;
let model: ModelArtifact;
let gold: GoldTable[];
beforeAll(async () => {
  ({ model, gold } = await sampleModel({ hmm: false }));
}, 60_000);

/** F^h and G^h of DOMAIN §4.3 counted straight from the sample's states (α = 1, K = 3). */
function directTable(states: Uint8Array, h: number) {
  const K = 3;
  const pairs = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const origins = new Array<number>(K).fill(0);
  const reached = new Array<number>(K).fill(0);
  for (let t = 0; t + h < states.length; t++) {
    const i = states[t]!;
    origins[i]!++;
    pairs[i]![states[t + h]!]!++;
    if (states.subarray(t + 1, t + h + 1).includes(2)) reached[i]!++;
  }
  return {
    regime: pairs.map((row, i) => row.map((c) => (c + 1) / (origins[i]! + K))),
    reachHigh: reached.map((c, i) => (i === 2 ? 1 : (c + 1) / (origins[i]! + 2))),
  };
}

describe('the horizon backtest in the artifact', () => {
  test('is the backtest of the training gold with the config’s horizons, folds and gap', () => {
    const table = model.evaluation.horizons!;
    const full = horizonBacktestFromConfig(gold, config.model, labels);
    expect(table).toEqual(storedHorizonTable(full));
    // Kept to 6 significant digits.
    table.results.forEach((r, i) =>
      r.forecasters.forEach((f, j) =>
        expect(Math.abs(f.regime.logLoss / full.results[i]!.forecasters[j]!.regime.logLoss - 1)).toBeLessThan(
          1e-5,
        ),
      ),
    );
    expect(table.results.map((r) => r.horizon)).toEqual(config.model.evaluation.horizons);
    expect(table.nSplits).toBe(config.model.evaluation.folds);
    expect(table.gap).toBe(config.model.evaluation.gap);
  });

  test('serves each horizon’s out-of-fold winner, refitted on every training row', () => {
    const served = model.horizonForecasts!;
    const table = model.evaluation.horizons!;
    expect(served.map((s) => [s.horizon, s.forecaster])).toEqual(
      table.results.map((r) => [r.horizon, r.winner.name]),
    );
    // On the sample's point-in-time regimes the direct table wins from h = 5 on (the chain at h = 1).
    expect(served.map((s) => s.forecaster)).toEqual(['markov', 'direct', 'direct', 'direct']);
    for (const s of served.filter((x) => x.forecaster === 'direct')) {
      const want = directTable(gold[0]!.markov_state, s.horizon);
      s.regime.forEach((row, i) => row.forEach((p, j) => expect(p).toBeCloseTo(want.regime[i]![j]!, 14)));
      s.reachHigh.forEach((p, i) => expect(p).toBeCloseTo(want.reachHigh[i]!, 14));
    }
    const chainAt1 = served[0]!;
    chainAt1.regime.forEach((row, i) =>
      row.forEach((p, j) => expect(p).toBeCloseTo(model.markov.transitionMatrix[i]![j]!, 14)),
    );
  });
});

describe('predict at each horizon', () => {
  test('a backtested horizon won by the direct table answers from it, without the chain’s intervals', () => {
    const p = predict(model, { regime: 'Low', horizon: 21 });
    const served = model.horizonForecasts!.find((s) => s.horizon === 21)!;
    expect(p.forecaster).toEqual({
      name: 'direct',
      backtested: true,
      logLoss: served.logLoss,
      markovLogLoss: served.markovLogLoss,
    });
    expect(Object.values(p.probabilities)).toEqual(served.regime[0]);
    expect(p.reachWithin.probability).toBe(served.reachHigh[0]);
    expect(p.reachWithin.lower).toBeNull();
    expect(served.logLoss).toBeLessThan(served.markovLogLoss!);
  });

  test('the chain answers where it won, with its intervals, and at horizons never backtested', () => {
    const one = predict(model, { regime: 'Medium', horizon: 1 });
    expect(one.forecaster).toMatchObject({ name: 'markov', backtested: true });
    expect(Object.values(one.probabilities)).toEqual(model.markov.transitionMatrix[1]);
    expect(one.reachWithin.lower!).toBeLessThanOrEqual(one.reachWithin.probability);
    const two = predict(model, { regime: 'Medium', horizon: 2 });
    expect(two.forecaster).toEqual({ name: 'markov', backtested: false, logLoss: null, markovLogLoss: null });
    expect(Object.values(two.probabilities)).toEqual(matrixPower(model.markov.transitionMatrix, 2)[1]);
  });

  test('the way out of today’s regime: the served P(leave within h), else 1 − P_ii^h; remaining days 1 / (1 − P_ii)', () => {
    const served = model.horizonForecasts!.find((s) => s.horizon === 21)!;
    const high = predict(model, { regime: 'High', horizon: 21 }).leave;
    expect(high.regime).toBe('High');
    expect(high.probability).toBe(served.leave[2]);
    const stay = model.markov.transitionMatrix[2]![2]!;
    expect(high.expectedRemainingDays).toBeCloseTo(model.markov.expectedSojourn[2]!, 10);
    expect(predict(model, { regime: 'High', horizon: 4 }).leave.probability).toBeCloseTo(1 - stay ** 4, 14);
  });

  test('a model trained before the backtest (no served tables) answers every horizon from the chain', () => {
    const { horizonForecasts: _, ...older } = model;
    const p = predict(older as ModelArtifact, { regime: 'Low', horizon: 21 });
    expect(p.forecaster.name).toBe('markov');
    expect(Object.values(p.probabilities)).toEqual(matrixPower(model.markov.transitionMatrix, 21)[0]);
  });
});

describe('the serving model keeps the served tables', () => {
  test('round-trips them, and answers as the artifact does', () => {
    const back = parseServingModel(serializeServingModel(servingModelOf(model)), 'test');
    expect(back.horizonForecasts).toEqual(model.horizonForecasts);
    for (const horizon of [1, 5, 21, 63]) {
      expect(predict(back, { regime: 'Low', horizon })).toEqual(predict(model, { regime: 'Low', horizon }));
    }
  });

  test('refuses a served table whose row is not a probability distribution, naming the field', () => {
    const record = servingModelOf(model);
    record.horizonForecasts![2]!.regime[1] = [0.5, 0.5, 0.5];
    expect(() => parseServingModel(serializeServingModel(record), 'SERVING/v1')).toThrowError(
      ServingModelError,
    );
    expect(() => parseServingModel(serializeServingModel(record), 'SERVING/v1')).toThrowError(
      'SERVING/v1: horizonForecasts.2.regime.1: row 1 is not a probability distribution',
    );
  });
});
