/**
 * Child side of the training case: reads the gold CSV (untimed; for `artifact`, also trains),
 * collects the garbage and resets the RSS high-water mark, then times the work of the variant.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type LoadedConfig, loadConfig, withOverrides } from '#config/load';
import type { FinmlConfig } from '#config/schema';
import type { GoldTable } from '#shared/data/tables';
import { readGoldCsv } from '#shared/data/tables';
import {
  buildPredictionPairs,
  evaluateWalkForward,
  horizonBacktestFromConfig,
  markovFit,
} from '#shared/evaluation/index';
import { type ModelArtifact, parseArtifact, serializeArtifact } from '#shared/model/artifact';
import { analyseChain, transitionCounts } from '#shared/model/markov';
import { chainOptions, trainModel } from '#shared/model/train';
import type { Figures, Measure } from '../lib/types.ts';
import type { TrainingParams } from './training.ts';

const MiB = 2 ** 20;

/** A full garbage collection (the child runs without --expose-gc, so the flag is set at run time). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * Resets the peak RSS (VmHWM, which `process.resourceUsage().maxRSS` reports) to the current RSS,
 * through /proc/self/clear_refs (Linux ≥ 4.0). False where that is not possible: the peak then
 * includes reading the gold.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** The Markov fit with every analytic and the walk-forward evaluation, as trainModel calls them. */
function fitAndEvaluate(tables: readonly GoldTable[], config: FinmlConfig): Figures {
  const cfg = config.model;
  const labels = config.data.regimes.labels;
  const K = labels.length;
  const absorbingState = labels.indexOf(cfg.markov.absorbingRegime);
  const started = performance.now();
  const sequences = tables.map((t) => t.markov_state);
  const counts = transitionCounts(sequences, K);
  const chain = analyseChain(counts, sequences, chainOptions(cfg, labels));
  const chainDone = performance.now();
  const pairs = buildPredictionPairs(
    tables.map((t) => ({ symbol: t.symbol, dates: Array.from(t.day), states: t.markov_state })),
    { numStates: K },
  );
  const pairsDone = performance.now();
  const evaluation = evaluateWalkForward(pairs, markovFit(cfg.markov.alpha), {
    numStates: K,
    split: { nSplits: cfg.evaluation.folds },
    persistenceEpsilon: cfg.evaluation.persistenceEpsilon,
    calibrationClass: absorbingState,
    calibrationBins: cfg.evaluation.calibrationBins,
  });
  const done = performance.now();
  if (
    chain.posterior.samples !== cfg.markov.posteriorSamples ||
    evaluation.folds.length !== cfg.evaluation.folds
  ) {
    throw new Error('the fit or the evaluation did not use the config');
  }
  return {
    chainSeconds: (chainDone - started) / 1000,
    pairsSeconds: (pairsDone - chainDone) / 1000,
    evaluationSeconds: (done - chainDone) / 1000,
    pairs: evaluation.nPairs,
  };
}

/** The horizon backtest with the config's horizons, folds and gap (out-of-fold origins summed over h). */
function horizonBacktest(tables: readonly GoldTable[], config: FinmlConfig): Figures {
  const table = horizonBacktestFromConfig(tables, config.model, config.data.regimes.labels);
  if (table.results.length + table.skipped.length !== config.model.evaluation.horizons.length) {
    throw new Error('the horizon backtest did not use the config');
  }
  return { horizonOrigins: table.results.reduce((n, r) => n + r.origins, 0) };
}

/** trainModel with the HMM disabled. */
function trainWithoutHmm(tables: readonly GoldTable[], params: TrainingParams, loaded: LoadedConfig) {
  const config = withOverrides(loaded.config, 'model', { hmm: { enabled: false } });
  const rows = tables.reduce((n, t) => n + t.length, 0);
  const artifact = trainModel(
    { tables, sources: [{ file: params.file, sha256: 'benchmark', rows }] },
    {
      data: config.data,
      model: config.model,
      configHash: loaded.hash,
      codeVersion: 'benchmark',
      now: new Date(),
    },
  );
  if (artifact.hmm !== null) throw new Error('the HMM was not disabled');
  return artifact;
}

/** Serialises the artifact and parses it back, timing each. */
function serializeAndParse(artifact: ModelArtifact): Figures {
  const started = performance.now();
  const text = serializeArtifact(artifact);
  const serialized = performance.now();
  const parsed = parseArtifact(text, 'model.json');
  const done = performance.now();
  if (parsed.version !== artifact.version) throw new Error('the artifact did not round-trip');
  return {
    artifactMiB: Buffer.byteLength(text) / MiB,
    serializeSeconds: (serialized - started) / 1000,
    parseSeconds: (done - serialized) / 1000,
  };
}

export const measure: Measure<TrainingParams> = async (params) => {
  const loaded = loadConfig(params.configDir);
  const loadStarted = performance.now();
  const tables = await readGoldCsv(createReadStream(params.file, { highWaterMark: 1 << 20 }), params.file);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const rows = tables.reduce((n, t) => n + t.length, 0);
  if (rows !== params.rows) throw new Error(`expected ${params.rows} gold rows, read ${rows}`);
  const loadPeakRssMiB = process.resourceUsage().maxRSS / 1024;
  // The artifact variant times only serialisation and parsing: the training before it is untimed.
  const trained = params.work === 'artifact' ? trainWithoutHmm(tables, params, loaded) : undefined;
  collectGarbage();
  const peakReset = resetPeakRss();
  const startRssMiB = process.memoryUsage.rss() / MiB;

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let figures: Figures;
  if (params.work === 'fit+eval') {
    figures = fitAndEvaluate(tables, loaded.config);
  } else if (params.work === 'horizons') {
    figures = horizonBacktest(tables, loaded.config);
  } else if (trained !== undefined) {
    figures = serializeAndParse(trained);
  } else {
    figures = { pairs: trainWithoutHmm(tables, params, loaded).evaluation.markov.nPairs };
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    rows,
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rowsPerSecond: rows / wallSeconds,
    ...figures,
    startRssMiB,
    loadSeconds,
    loadPeakRssMiB,
    peakRssReset: peakReset ? 1 : 0,
  };
};
