/**
 * Every stage on a million rows, so a data-sized spread (`f(...rows)`, `Math.max(...values)`,
 * `apply`) or a recursion over rows — which overflow the call stack at that size — fails here
 * before it reaches a user (issue 19: `finml train` died on `allTrue.push(...yTrue)`).
 * Iterations and resamples are cut to the minimum: this checks sizes, not numbers, and is not a
 * timing test (speed is `npm run bench`).
 */
import { describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { computeFeatures, goldCounts, referenceSample, scoreRegimes } from '#shared/data/gold';
import type { SilverSeries } from '#shared/data/series';
import type { GoldTable } from '#shared/data/tables';
import { serializeArtifact } from '#shared/model/artifact';
import { filterGaussianHmm, fitGaussianHmm, viterbiPath } from '#shared/model/hmm';
import { featureReference } from '#shared/model/reference';
import { trainModel } from '#shared/model/train';
import { driftReport } from '#shared/monitoring/drift-report';
import { ksTwoSample, ksTwoSampleBlockBootstrap, psi } from '#shared/monitoring/drift-stats';
import { createRandom } from '#shared/stats/random';

const MILLION = 1_000_000;
const { config, hash } = loadConfig();

/** A seeded random walk with volatility regimes, as silver. */
function silver(symbol: string, rows: number, seed: number): SilverSeries {
  const random = createRandom(seed);
  const day = new Int32Array(rows);
  const close = new Float64Array(rows);
  let price = 100;
  let vol = 0.01;
  for (let i = 0; i < rows; i++) {
    if (random.uniform() < 0.01) vol = [0.005, 0.01, 0.03][Math.floor(random.uniform() * 3)]!;
    price *= Math.exp(vol * (random.uniform() - 0.5) * 3.4);
    day[i] = i;
    close[i] = price;
  }
  const nan = new Float64Array(rows).fill(Number.NaN);
  return {
    symbol,
    length: rows,
    day,
    open: nan,
    high: nan,
    low: nan,
    close,
    adjclose: nan,
    volume: nan,
    line: new Int32Array(rows),
    filled: new Uint8Array(rows),
    flags: new Uint8Array(rows),
  };
}

/** Gold tables of `symbols` symbols, MILLION rows in all, labelled against their own history. */
function goldTables(symbols: number): GoldTable[] {
  return Array.from({ length: symbols }, (_, s) => {
    const f = computeFeatures(silver(`S${s}`, MILLION / symbols + 21, s + 1), config.data);
    const g = scoreRegimes(f, referenceSample(f, config.data), config.data);
    return {
      symbol: g.symbol,
      length: g.length,
      day: g.day,
      price: g.price,
      log_return: g.log_return,
      realized_vol_21d: g.realized_vol_21d,
      drawdown: g.drawdown,
      risk_score: g.risk_score,
      markov_state: g.markov_state,
      regime_age: g.regime_age,
    };
  });
}

describe('a million rows per stage', () => {
  test('gold: features, reference, scores and quality of one 1M-row series', () => {
    const f = computeFeatures(silver('ONE', MILLION, 7), config.data);
    const g = scoreRegimes(f, referenceSample(f, config.data), config.data);
    expect(g.length).toBe(MILLION - 21);
    expect(goldCounts(g, MILLION).rows).toBe(MILLION - 21);
    const ref = featureReference(g.realized_vol_21d, {
      quantiles: config.model.reference.quantiles,
      psiBins: 10,
    });
    expect(ref.n).toBe(MILLION - 21);
    expect(ref.quantiles).toHaveLength(config.model.reference.quantiles + 1);
  });

  test('training (chain, walk-forward evaluation, HMM with its folds) and the drift report', () => {
    // Two symbols of 500,000 rows: a spread over one symbol's rows or over all pairs overflows.
    const tables = goldTables(2);
    const last = tables[0]!.day[tables[0]!.length - 1]!;
    const model = trainModel(
      { tables, sources: [] },
      {
        data: config.data,
        model: {
          ...config.model,
          markov: { ...config.model.markov, posteriorSamples: 20 },
          hmm: { ...config.model.hmm, starts: 1, maxIterations: 1, evaluate: true },
        },
        psiBins: 10,
        configHash: hash,
        codeVersion: 'test',
        now: new Date('2026-12-01T00:00:00Z'),
      },
    );
    expect(model.lineage.rows).toBe(MILLION);
    expect(model.evaluation.hmm?.overall.n).toBeGreaterThan(0.8 * MILLION);
    // The artifact does not grow with the rows: 100 KB (chain analytics, horizon backtest, regime
    // risk) + a few KB per symbol + the semi-Markov hazards, one per age with 20 runs still at risk
    // (bounded by the longest runs, not by the rows: ~1,000 ages here).
    const semi = JSON.stringify(model.semiMarkov).length;
    expect(semi).toBeLessThan(45_000);
    expect(serializeArtifact(model).length).toBeLessThan(100_000 + 5_000 * tables.length + semi);

    // Drift: the rows up to a quarter before the end are the training rows, the last quarter the window.
    model.lineage.lastDate = new Date((last - 63) * 86_400_000).toISOString().slice(0, 10);
    const monitoring = {
      ...config.monitoring,
      drift: {
        ...config.monitoring.drift,
        bootstrap: { ...config.monitoring.drift.bootstrap, resamples: 2 },
      },
      anomalies: {
        ...config.monitoring.anomalies,
        isolationForest: { ...config.monitoring.anomalies.isolationForest, nEstimators: 2 },
      },
    };
    const report = driftReport({ model, tables, monitoring, data: config.data, now: new Date('2026-12-01') });
    expect(report.symbols).toHaveLength(2);
    expect(report.symbols[0]!.reference).toEqual({ source: 'training rows', rows: MILLION / 2 - 63 });
  }, 60_000);

  test('HMM and drift statistics over a million values', () => {
    const random = createRandom(3);
    const returns = Float64Array.from({ length: MILLION }, () => random.uniform() - 0.5);
    const fit = fitGaussianHmm([returns], { starts: 2, maxIterations: 1 });
    expect(fit.screenedOn).toBe(20_000);
    expect(filterGaussianHmm(fit.params, returns)).toHaveLength(3 * MILLION);
    expect(viterbiPath(fit.params, returns).path).toHaveLength(MILLION);
    const other = Float64Array.from({ length: MILLION }, () => random.uniform() - 0.5);
    expect(ksTwoSample(returns, other).d).toBeLessThan(0.01);
    expect(psi(returns, other).psi).toBeLessThan(0.01);
    expect(ksTwoSampleBlockBootstrap(returns, other.subarray(0, 63), { resamples: 2 }).resamples).toBe(2);
  });
});
