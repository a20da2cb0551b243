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
  modelReferences,
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
  ({ model, gold } = await sampleModel({ hmmLabels: true }));
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
    const states = gold[0]!.markov_state;
    let age = 0;
    while (age < states.length && states[states.length - 1 - age] === 2) age++;
    expect(model.latest[gold[0]!.symbol]).toEqual({ date: '2020-04-17', state: 2, regime: 'High', age });
    expect(age).toBe(gold[0]!.regime_age[states.length - 1]);
    expect(model.lineage).toMatchObject({
      rows: 4833,
      firstDate: '2001-01-31',
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
  // At a horizon the backtest did not score (here 4, 30, 252) the chain answers; at a backtested one
  // its winner does (test/unit/model/horizon-serving.test.ts).
  test('the h-step distribution is row i of P^h; the predicted regime is its argmax', () => {
    const p = predict(model, { regime: 'Low', horizon: 4 });
    const row = matrixPower(model.markov.transitionMatrix, 4)[0]!;
    expect(Object.values(p.probabilities)).toEqual(row);
    expect(p.predicted).toEqual({ regime: 'Low', confidence: row[0] });
  });

  test('P(reach High within h) rises with h, lies inside its interval, and is 1 from High', () => {
    let last = 0;
    // Horizons the chain answers (h = 1 is the semi-Markov chain's on the sample: no chain interval).
    for (const h of [2, 4, 30, 100, 252]) {
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
      age: model.latest.SPX!.age,
    });
  });

  test.each([
    [{ symbol: 'NOPE', horizon: 1 }, /unknown symbol "NOPE"/],
    [{ symbol: 'spx', horizon: 1 }, /unknown symbol "spx": did you mean "SPX"\?/],
    [{ regime: 'Calm', horizon: 1 }, /unknown regime "Calm": use one of Low, Medium, High/],
    [{ regime: 'Low', horizon: 0 }, /horizon must be an integer from 1 to 252/],
    [{ regime: 'Low', horizon: 2.5 }, /horizon must be an integer/],
  ])('rejects %j', (request, message) => {
    expect(() => predict(model, request)).toThrowError(PredictInputError);
    expect(() => predict(model, request)).toThrowError(message);
  });
});

describe('bad input: trains what can be trained and says what was skipped', () => {
  const { config, hash } = loadConfig();
  const ctx = {
    data: config.data,
    model: { ...config.model, hmm: { ...config.model.hmm, evaluate: true } },
    configHash: hash,
    codeVersion: 't',
    now: new Date(),
  };
  const sliceTable = (t: GoldTable, from: number, to: number, symbol = t.symbol): GoldTable => ({
    symbol,
    length: to - from,
    day: t.day.slice(from, to),
    price: t.price.slice(from, to),
    log_return: t.log_return.slice(from, to),
    realized_vol_21d: t.realized_vol_21d.slice(from, to),
    drawdown: t.drawdown.slice(from, to),
    risk_score: t.risk_score.slice(from, to),
    regime_age: t.regime_age.slice(from, to),
    markov_state: t.markov_state.slice(from, to),
  });

  test('an empty gold fails with a clear error', () => {
    expect(() => trainModel({ tables: [], sources: [] }, ctx)).toThrowError(TrainingInputError);
    expect(() => trainModel({ tables: [sliceTable(gold[0]!, 0, 0)], sources: [] }, ctx)).toThrowError(
      /no gold rows to train on \(the gold is empty\)/,
    );
  });

  test('a one-row gold fails saying why: no transition to count', () => {
    expect(() => trainModel({ tables: [sliceTable(gold[0]!, 0, 1)], sources: [] }, ctx)).toThrowError(
      /1 gold row\(s\) in 1 symbol\(s\) give 0 transition pair\(s\): too few for 5-fold evaluation \(need ≥ 6\); nothing was trained/,
    );
  });

  test('a symbol with fewer rows than the HMM needs is left out of the HMM only, and named', () => {
    const tiny = sliceTable(gold[0]!, 100, 105, 'TINY');
    const m = trainModel({ tables: [gold[0]!, tiny], sources: [] }, ctx);
    expect(m.notes?.join(' ')).toMatch(
      /HMM: 1 symbol\(s\) with fewer than 10 gold rows left out of the fit and its evaluation: TINY \(5\)/,
    );
    expect(m.hmm?.observationCount).toBe(gold[0]!.length);
    expect(m.latest.TINY).toBeDefined();
    expect(m.scoring.references.TINY?.realized_vol_21d?.n).toBe(5);
    // The chain counts TINY's transitions too.
    const total = m.markov.counts.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(gold[0]!.length - 1 + 4);
    // scored on its own pairs only: TimeSeriesSplit(5) test folds of ⌊pairs / 6⌋
    expect(m.evaluation.hmm?.overall.n).toBe(5 * Math.floor((gold[0]!.length - 1) / 6));
  });

  test('only short symbols: the chain is trained, the HMM skipped and said so', () => {
    const parts = [0, 1, 2].map((k) => sliceTable(gold[0]!, k * 8, k * 8 + 6, `S${k}`));
    const m = trainModel({ tables: parts, sources: [] }, ctx);
    expect(m.hmm).toBeNull();
    expect(m.notes?.join(' ')).toMatch(/HMM skipped: 0 returns in symbols with at least 10 gold rows/);
    expect(m.markov.counts.flat().reduce((a, b) => a + b, 0)).toBe(15);
  });

  test('a gold of only one regime trains, and says which rows of P are the prior only', () => {
    const t = gold[0]!;
    const one = { ...t, markov_state: new Uint8Array(t.length).fill(1) };
    const m = trainModel({ tables: [one], sources: [] }, ctx);
    expect(m.markov.counts[1]![1]).toBe(t.length - 1);
    expect(m.markov.transitionMatrix[0]).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(m.notes?.join(' ')).toMatch(
      /no transition from Low, High in the gold: their rows of P are the prior only/,
    );
    expect(m.evaluation.markov.overall.metrics.model.accuracy).toBe(1);
  });
});

describe('the reference summary in the artifact', () => {
  test('has a fixed size per symbol: the artifact stays under 100 KB + 5 KB per symbol', () => {
    // ≈ 50 KB of chain analytics, ≈ 20 KB of horizon backtest (fixed: 4 horizons × 4 forecasters).
    const bytes = serializeArtifact(model).length;
    expect(bytes).toBeLessThan(100_000 + 5_000 * model.lineage.symbols.length);
  });

  test('a version-1 artifact (every training value) is read as exact summaries', () => {
    const v1 = JSON.parse(serializeArtifact(model));
    v1.schemaVersion = 1;
    const t = gold[0]!;
    v1.scoring.references = {
      [t.symbol]: Object.fromEntries(
        (['log_return', 'realized_vol_21d', 'drawdown'] as const).map((f) => [
          f,
          Array.from(t[f].slice().sort()),
        ]),
      ),
    };
    const back = parseArtifact(JSON.stringify(v1), 'old.json');
    expect(back.schemaVersion).toBe(2);
    const vol = back.scoring.references[t.symbol]!.realized_vol_21d!;
    expect(vol.n).toBe(t.length);
    expect(vol.quantiles).toHaveLength(t.length + 1);
    expect(Array.from(modelReferences(back).get(t.symbol)!.realized_vol_21d!)).toEqual(
      Array.from(t.realized_vol_21d.slice().sort()),
    );
  });
});
