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
import { semiMarkovFit } from '#shared/model/duration-risk';
import { matrixPower } from '#shared/model/linalg';
import { predict } from '#shared/model/predict';
import { expectedRemainingDays, fitSemiMarkovSequences, forecastSemiMarkov } from '#shared/model/semi-markov';
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
    // On the sample's point-in-time regimes the direct table wins from h = 5 on, the duration-aware
    // chain at h = 1 (the first-order chain wins no horizon).
    expect(served.map((s) => s.forecaster)).toEqual(['semi-markov', 'direct', 'direct', 'direct']);
    for (const s of served.filter((x) => x.forecaster === 'direct')) {
      const want = directTable(gold[0]!.markov_state, s.horizon);
      s.regime.forEach((row, i) => row.forEach((p, j) => expect(p).toBeCloseTo(want.regime[i]![j]!, 14)));
      s.reachHigh.forEach((p, i) => expect(p).toBeCloseTo(want.reachHigh[i]!, 14));
    }
    // The semi-Markov table holds its age-1 rows (predict computes at the symbol's age).
    const semiAt1 = served[0]!;
    const semi = fitSemiMarkovSequences([gold[0]!.markov_state], 3, semiMarkovFit(config.model.semiMarkov));
    semiAt1.regime.forEach((row, i) => {
      const want = forecastSemiMarkov(semi, { state: i, age: 1 }, 1, 2).distribution[0]!;
      row.forEach((p, j) => expect(p).toBeCloseTo(want[j]!, 12));
    });
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

  test('the semi-Markov chain answers where it won, at the start’s age; the chain at horizons never backtested', () => {
    const semi = fitSemiMarkovSequences([gold[0]!.markov_state], 3, semiMarkovFit(config.model.semiMarkov));
    for (const age of [1, 2, 12, 400]) {
      const one = predict(model, { regime: 'Medium', horizon: 1, age });
      expect(one.forecaster).toMatchObject({ name: 'semi-markov', backtested: true });
      const want = forecastSemiMarkov(semi, { state: 1, age }, 1, 2).distribution[0]!;
      Object.values(one.probabilities).forEach((p, j) => expect(p).toBeCloseTo(want[j]!, 12));
      expect(one.reachWithin.lower).toBeNull();
      expect(one.from.age).toBe(age);
    }
    // The age matters: a one-day-old Medium leaves more often than a twelve-day-old one.
    const young = predict(model, { regime: 'Medium', horizon: 1, age: 1 }).probabilities.Medium!;
    const older = predict(model, { regime: 'Medium', horizon: 1, age: 12 }).probabilities.Medium!;
    expect(young).not.toBeCloseTo(older, 3);
    const two = predict(model, { regime: 'Medium', horizon: 2 });
    expect(two.forecaster).toEqual({ name: 'markov', backtested: false, logLoss: null, markovLogLoss: null });
    expect(Object.values(two.probabilities)).toEqual(matrixPower(model.markov.transitionMatrix, 2)[1]);
    expect(two.reachWithin.lower!).toBeLessThanOrEqual(two.reachWithin.probability);
  });

  test('the way out of today’s regime: the semi-Markov chain’s at the age, the chain’s beside it', () => {
    const semi = fitSemiMarkovSequences([gold[0]!.markov_state], 3, semiMarkovFit(config.model.semiMarkov));
    const high = predict(model, { regime: 'High', horizon: 21, age: 12 }).leave;
    expect(high).toMatchObject({ regime: 'High', age: 12, by: 'semi-markov' });
    expect(high.probability).toBeCloseTo(
      forecastSemiMarkov(semi, { state: 2, age: 12 }, 21, 2).leaveWithin[20]!,
      12,
    );
    expect(high.expectedRemainingDays).toBeCloseTo(expectedRemainingDays(semi, { state: 2, age: 12 }), 10);
    const stay = model.markov.transitionMatrix[2]![2]!;
    expect(high.chain.probability).toBeCloseTo(1 - stay ** 21, 14);
    expect(high.chain.expectedRemainingDays).toBeCloseTo(stay / (1 - stay), 10);
    // A model without the semi-Markov chain answers with the chain's.
    const { semiMarkov: _, ...older } = model;
    const old = predict(older as ModelArtifact, { regime: 'High', horizon: 4 }).leave;
    expect(old.by).toBe('chain');
    expect(old.probability).toBeCloseTo(1 - stay ** 4, 14);
    expect(() => predict(model, { regime: 'High', horizon: 4, age: 0 })).toThrow(
      /age must be a positive integer/,
    );
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
