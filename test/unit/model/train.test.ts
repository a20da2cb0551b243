/**
 * The trained model on the S&P 500 sample, against R markovchain and scikit-learn on the same gold
 * regime sequence (test/fixtures/model-sample/make_sample_*.{R,py}).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import type { GoldTable } from '#shared/data/tables';
import {
  type ModelArtifact,
  ModelArtifactError,
  parseArtifact,
  serializeArtifact,
} from '#shared/model/artifact';
import { matrixPower } from '#shared/model/linalg';
import { PredictInputError, predict } from '#shared/model/predict';
import { TrainingInputError, trainModel } from '#shared/model/train';
import { sampleModel } from '../../helpers/model.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/model-sample/${name}`, import.meta.url), 'utf8'));
const R = fixture('sample_chain_r.json');
const SK = fixture('sample_evaluation.json');

let model: ModelArtifact;
let gold: GoldTable[];
beforeAll(async () => {
  ({ model, gold } = await sampleModel());
}, 60_000);

const close = (a: number, b: number, rel = 1e-9) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));
const closeMatrix = (a: number[][], b: number[][], rel = 1e-9) =>
  a.forEach((row, i) => row.forEach((v, j) => close(v, b[i]![j]!, rel)));

describe('the Markov chain on the sample equals R markovchain', () => {
  test('counts and the Laplace (α = 1) transition matrix', () => {
    expect(model.markov.counts).toEqual(R.counts);
    closeMatrix(model.markov.transitionMatrix, R.laplace);
  });

  test('stationary distribution, mean first passage and recurrence times', () => {
    model.markov.stationary.forEach((v, i) => close(v, R.steadyStates[i]));
    closeMatrix(model.markov.meanFirstPassageTimes, R.meanFirstPassageTime);
    model.markov.meanRecurrenceTimes.forEach((v, i) => close(v, R.meanRecurrenceTime[i]));
  });
});

describe('walk-forward evaluation on the sample equals scikit-learn', () => {
  test.each(['model', 'persistence', 'climatology'] as const)(
    '%s: accuracy, macro F1, ROC AUC, log loss, Brier',
    (who) => {
      const ours = model.evaluation.markov.overall.metrics[who];
      const ref = SK[who];
      expect(ours.n).toBe(ref.n);
      for (const k of [
        'accuracy',
        'precisionMacro',
        'recallMacro',
        'f1Macro',
        'rocAucOvrMacro',
        'logLoss',
        'brier',
      ] as const) {
        close(ours[k] as number, ref[k]);
      }
    },
  );

  test('the model is reported beside both baselines, with the HMM on the same folds', () => {
    expect(model.evaluation.markov.folds).toHaveLength(5);
    expect(model.evaluation.hmm?.folds).toHaveLength(5);
    expect(model.evaluation.hmm?.overall.n).toBe(model.evaluation.markov.overall.n);
  });
});

describe('the artifact', () => {
  test('carries references, latest regimes, lineage and scoring config', () => {
    const ref = model.scoring.references[gold[0]!.symbol]!;
    const m = loadConfig().config.model.reference.quantiles;
    const vol = ref.realized_vol_21d!;
    expect(vol.n).toBe(gold[0]!.length);
    expect(vol.quantiles).toHaveLength(m + 1);
    const sorted = Float64Array.from(gold[0]!.realized_vol_21d).sort();
    expect(vol.quantiles[0]).toBe(sorted[0]);
    expect(vol.quantiles[m]).toBe(sorted[sorted.length - 1]);
    expect([...ref.drawdown!.quantiles].sort((a, b) => a - b)).toEqual(ref.drawdown!.quantiles);
    expect(model.latest[gold[0]!.symbol]).toEqual({ date: '2020-04-17', state: 2, regime: 'High' });
    expect(model.lineage).toMatchObject({
      rows: 5084,
      firstDate: '2000-02-02',
      lastDate: '2020-04-17',
      codeVersion: 'test',
    });
    expect(model.lineage.configHash).toBe(loadConfig().hash);
    expect(model.version).toMatch(/^20261126T120000-[0-9a-f]{8}$/);
  });

  test('round-trips through JSON, Infinity included', () => {
    const withInf = { ...model, markov: { ...model.markov, mixingTime: Number.POSITIVE_INFINITY } };
    const back = parseArtifact(serializeArtifact(withInf), 'model.json');
    expect(back.markov.mixingTime).toBe(Number.POSITIVE_INFINITY);
    expect(back.markov.transitionMatrix).toEqual(model.markov.transitionMatrix);
  });

  test('a wrong schema version fails with a clear message', () => {
    const text = serializeArtifact({ ...model, schemaVersion: 99 as 2 });
    expect(() => parseArtifact(text, 'old/model.json')).toThrowError(
      /old\/model\.json: artifact schema version 99 is not supported \(this FINML reads versions 1 and 2\)/,
    );
  });

  test('a malformed artifact fails naming the field', () => {
    const bad = JSON.parse(serializeArtifact(model));
    bad.markov.transitionMatrix[1] = [0.5, 0.5, 0.5];
    expect(() => parseArtifact(JSON.stringify(bad), 'm.json')).toThrowError(
      /m\.json: markov\.transitionMatrix\.1: row 1 is not a probability distribution/,
    );
    expect(() => parseArtifact('{"kind":"other"}', 'x.json')).toThrowError(ModelArtifactError);
    expect(() => parseArtifact('not json', 'x.json')).toThrowError(/x\.json: not JSON/);
  });
});

describe('predict', () => {
  test('the h-step distribution is row i of P^h; the predicted regime is its argmax', () => {
    const p = predict(model, { regime: 'Low', horizon: 5 });
    const row = matrixPower(model.markov.transitionMatrix, 5)[0]!;
    expect(Object.values(p.probabilities)).toEqual(row);
    expect(p.predicted).toEqual({ regime: 'Low', confidence: row[0] });
  });

  test('P(reach High within h) rises with h, lies inside its interval, and is 1 from High', () => {
    let last = 0;
    for (const h of [1, 5, 21, 63, 252]) {
      const r = predict(model, { regime: 'Medium', horizon: h }).reachWithin;
      expect(r.probability).toBeGreaterThanOrEqual(last);
      expect(r.lower).toBeLessThanOrEqual(r.probability);
      expect(r.upper).toBeGreaterThanOrEqual(r.probability);
      last = r.probability;
    }
    expect(predict(model, { regime: 'High', horizon: 3 }).reachWithin.probability).toBe(1);
  });

  test('starts from the symbol’s latest regime when no regime is given', () => {
    const p = predict(model, { symbol: 'SPX', horizon: 1 });
    expect(p.from).toEqual({
      regime: 'High',
      state: 2,
      source: 'latest gold',
      symbol: 'SPX',
      date: '2020-04-17',
    });
  });

  test.each([
    [{ symbol: 'NOPE', horizon: 1 }, /unknown symbol "NOPE"/],
    [{ regime: 'Calm', horizon: 1 }, /unknown regime "Calm": use one of Low, Medium, High/],
    [{ regime: 'Low', horizon: 0 }, /horizon must be an integer from 1 to 252/],
    [{ regime: 'Low', horizon: 2.5 }, /horizon must be an integer/],
  ])('rejects %j', (request, message) => {
    expect(() => predict(model, request)).toThrowError(PredictInputError);
    expect(() => predict(model, request)).toThrowError(message);
  });
});

test('training without enough gold rows says so', () => {
  const { config, hash } = loadConfig();
  expect(() =>
    trainModel(
      { tables: [], sources: [] },
      { data: config.data, model: config.model, configHash: hash, codeVersion: 't', now: new Date() },
    ),
  ).toThrowError(TrainingInputError);
});
