/**
 * Training: gold regime sequences in, a model artifact out (DOMAIN §4–5). The artifact holds the
 * fitted chain with every derived analytic, the walk-forward evaluation beside the baselines, the
 * hidden-Markov variant, the per-symbol reference samples that score new data on the training
 * scale, and the lineage of the data and config it was made from.
 */
import type { DataConfig, ModelConfig } from '#config/schema';
import type { ModelGoldTable } from '#shared/data/tables';
import { formatIsoDay } from '#shared/data/values';
import {
  backtestHorizons,
  buildPredictionPairs,
  EvaluationInputError,
  evaluateWalkForward,
  horizonOptionsFromConfig,
  markovFit,
  type PredictionPairs,
  regimeHistoryOf,
  type ServingHorizon,
  type StoredHorizonTable,
  servingHorizons,
  storedHorizonTable,
  TooFewSamplesError,
  type WalkForwardReport,
} from '#shared/evaluation/index';
import { backtestRegimeVarOutOfFold } from '#shared/evaluation/var-out-of-fold';
import { hashJson } from '#shared/hash';
import { calibrateDrift, type DriftCalibrationOptions } from '#shared/monitoring/drift-calibration';
import { ARTIFACT_KIND, ARTIFACT_SCHEMA_VERSION, type ModelArtifact } from './artifact.ts';
import { fitStoredRisk, fitStoredSemiMarkov, type StoredRegimeRisk } from './duration-risk.ts';
import {
  fitGaussianHmm,
  type GaussianHmmFit,
  type GaussianHmmFitOptions,
  type GaussianHmmParams,
} from './hmm.ts';
import { compareNextDayDensity, type DensityComparison } from './hmm-density.ts';
import { evaluateHmmOnFolds, type HmmEvaluation } from './hmm-evaluation.ts';
import { hmmStability } from './hmm-stability.ts';
import { analyseChain, type ChainAnalysis, type ChainAnalysisOptions, transitionCounts } from './markov.ts';
import { symbolReferences } from './reference.ts';

export class TrainingInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TrainingInputError';
  }
}

/** The chain analysis settings of config/model.yaml (every horizon up to maxHorizon gets intervals). */
export function chainOptions(cfg: ModelConfig, labels: readonly string[]): ChainAnalysisOptions {
  return {
    alpha: cfg.markov.alpha,
    zeroRowPolicy: cfg.markov.zeroRowPolicy,
    absorbingState: labels.indexOf(cfg.markov.absorbingRegime),
    reachHorizon: cfg.markov.maxHorizon,
    mixingEpsilon: cfg.markov.mixingEpsilon,
    credibleMass: cfg.markov.credibleMass,
    significanceLevel: cfg.markov.significanceLevel,
    posterior: {
      samples: cfg.markov.posteriorSamples,
      seed: cfg.markov.seed,
      horizons: Array.from({ length: cfg.markov.maxHorizon }, (_, h) => h + 1),
    },
  };
}

export interface TrainingData {
  /** Gold rows per symbol, in date order. */
  tables: readonly ModelGoldTable[];
  /** The gold files the tables came from (for lineage). */
  sources: readonly { file: string; sha256: string; rows: number }[];
}

export interface TrainingContext {
  data: DataConfig;
  model: ModelConfig;
  /** The drift check's PSI bins (monitoring drift.psi.bins): stored with each reference so PSI is exact. */
  psiBins?: number;
  /**
   * The drift check's calibration (monitoring drift, `calibrationOptions`): each symbol's calibrated
   * thresholds are computed from its training rows and stored with the model. Null or absent: none.
   */
  driftCalibration?: DriftCalibrationOptions | null;
  configHash: string;
  codeVersion: string;
  now: Date;
  /** The production model's HMM, if any: the new fit's states are matched to its (hmm-stability.ts). */
  previousHmm?: { version: string; params: GaussianHmmParams } | null;
}

/**
 * The horizon backtest (DOMAIN §5 v2) and the forecast served at each of its horizons, or null with
 * a note when the gold is too short for its folds.
 */
function horizonBacktest(
  tables: ModelGoldTable[],
  cfg: ModelConfig,
  labels: readonly string[],
  notes: string[],
): { table: StoredHorizonTable; serving: ServingHorizon[] } | null {
  try {
    // One regime history for the backtest and the served refit (at 5M rows it is ≈ 100 MB).
    const options = horizonOptionsFromConfig(cfg, labels);
    const history = regimeHistoryOf(tables, options);
    const table = backtestHorizons(history, options);
    for (const s of table.skipped) notes.push(`horizon backtest: h = ${s.horizon} skipped: ${s.reason}`);
    return { table: storedHorizonTable(table), serving: servingHorizons(history, table, cfg) };
  } catch (error) {
    if (!(error instanceof TooFewSamplesError || error instanceof EvaluationInputError)) throw error;
    notes.push(`horizon backtest skipped: ${error.message}; forecasts at every horizon come from the chain`);
    return null;
  }
}

/** Fits and evaluates the regime model on gold data. */
export function trainModel(input: TrainingData, ctx: TrainingContext): ModelArtifact {
  const { model: cfg, data } = ctx;
  const labels = data.regimes.labels;
  const K = labels.length;
  const tables = input.tables.filter((t) => t.length > 0);
  if (tables.length === 0)
    throw new TrainingInputError('no gold rows to train on (the gold is empty): run the data pipeline first');
  const sequences = tables.map((t) => t.markov_state);
  const pairsCount = sequences.reduce((n, s) => n + Math.max(0, s.length - 1), 0);
  if (pairsCount < cfg.evaluation.folds + 1) {
    const rows = tables.reduce((n, t) => n + t.length, 0);
    throw new TrainingInputError(
      `${rows} gold row(s) in ${tables.length} symbol(s) give ${pairsCount} transition pair(s): too few for ${cfg.evaluation.folds}-fold evaluation (need ≥ ${cfg.evaluation.folds + 1}); nothing was trained`,
    );
  }
  const absorbingState = labels.indexOf(cfg.markov.absorbingRegime);
  const counts = transitionCounts(sequences, K);
  const chain = analyseChain(counts, sequences, chainOptions(cfg, labels));

  const notes: string[] = [];
  const unseen = labels.filter((_, i) => counts[i]!.every((c) => c === 0));
  if (unseen.length > 0) {
    notes.push(
      `no transition from ${unseen.join(', ')} in the gold: ${unseen.length === 1 ? 'its row' : 'their rows'} of P ${unseen.length === 1 ? 'is' : 'are'} the prior only (α = ${cfg.markov.alpha}), and ROC AUC is undefined for a regime never observed`,
    );
  }
  // The horizon backtest first: its regime history and forecast buffers are dropped before the
  // pairs of the one-step evaluation and the HMM are built (at 5M gold rows the two never coexist).
  const horizons = horizonBacktest(tables, cfg, labels, notes);
  // The HMM's fit before the pairs exist, its fold evaluation after the chain's (it needs them).
  const hmmFit = cfg.hmm.enabled ? fitHmm(tables, cfg, notes) : null;
  const pairs = buildPredictionPairs(
    tables.map((t) => ({ symbol: t.symbol, dates: t.day, states: t.markov_state })),
    { numStates: K },
  );
  const evaluation = evaluateWalkForward(pairs, markovFit(cfg.markov.alpha), {
    numStates: K,
    split: { nSplits: cfg.evaluation.folds },
    persistenceEpsilon: cfg.evaluation.persistenceEpsilon,
    calibrationClass: absorbingState,
    calibrationBins: cfg.evaluation.calibrationBins,
  });

  const hmm =
    hmmFit === null ? null : { fit: hmmFit.fit, evaluation: evaluateHmm(hmmFit, pairs, cfg, notes) };
  const hmmDensity =
    hmmFit !== null && cfg.hmm.densityEvaluation ? densityComparison(tables, hmmFit, cfg, notes) : null;
  const semiMarkov = fitStoredSemiMarkov(sequences, labels, chain.transitionMatrix, cfg.semiMarkov);
  const risk = regimeRisk(tables, chain.transitionMatrix, labels, cfg, notes);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of tables) {
    first = Math.min(first, t.day[0]!);
    last = Math.max(last, t.day[t.length - 1]!);
  }
  const rows = tables.reduce((n, t) => n + t.length, 0);
  const lineage = {
    gold: [...input.sources],
    symbols: tables.map((t) => t.symbol),
    rows,
    firstDate: formatIsoDay(first),
    lastDate: formatIsoDay(last),
    configHash: ctx.configHash,
    codeVersion: ctx.codeVersion,
  };
  // The training time is hashed too: two trainings on the same data within one second (training
  // takes well under a second on a small gold) must not get the same version.
  const fingerprint = hashJson({ counts, lineage, alpha: cfg.markov.alpha, at: ctx.now.toISOString() }).slice(
    0,
    8,
  );
  return {
    kind: ARTIFACT_KIND,
    schemaVersion: ARTIFACT_SCHEMA_VERSION,
    version: `${ctx.now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${fingerprint}`,
    createdAt: ctx.now.toISOString(),
    labels: [...labels],
    markov: chain,
    evaluation: {
      markov: evaluation,
      hmm: hmm?.evaluation ?? null,
      horizons: horizons?.table ?? null,
      hmmDensity,
    },
    ...(horizons ? { horizonForecasts: horizons.serving } : {}),
    hmm:
      hmm === null
        ? null
        : {
            returnScale: cfg.hmm.returnScale,
            ...summariseHmm(hmm.fit),
            stability: ctx.previousHmm
              ? hmmStability(hmm.fit.params, ctx.previousHmm.params, ctx.previousHmm.version)
              : null,
          },
    semiMarkov,
    risk,
    scoring: {
      thresholds: data.regimes.thresholds,
      weights: data.regimes.weights,
      volatilityWindow: data.features.volatilityWindow,
      annualisationDays: data.features.annualisationDays,
      references: Object.fromEntries(
        tables.map((t) => [
          t.symbol,
          symbolReferences(t, { quantiles: cfg.reference.quantiles, psiBins: ctx.psiBins ?? null }),
        ]),
      ),
      ...(ctx.driftCalibration
        ? {
            calibration: Object.fromEntries(
              tables.map((t) => [
                t.symbol,
                calibrateDrift(
                  { columns: t, states: t.markov_state, length: t.length },
                  chain.transitionMatrix,
                  ctx.driftCalibration!,
                ),
              ]),
            ),
          }
        : {}),
    },
    notes,
    latest: Object.fromEntries(
      tables.map((t) => [
        t.symbol,
        {
          date: formatIsoDay(t.day[t.length - 1]!),
          state: t.markov_state[t.length - 1]!,
          regime: labels[t.markov_state[t.length - 1]!]!,
          age: finalRunLength(t.markov_state),
        },
      ]),
    ),
    lineage,
  };
}

/** Consecutive rows at the end of a sequence in its last state (the last row's regime age in the data). */
function finalRunLength(states: ArrayLike<number>): number {
  let n = 1;
  while (n < states.length && states[states.length - 1 - n] === states[states.length - 1]) n++;
  return n;
}

/**
 * Regime-conditional risk (DOMAIN §4.4): per-regime next-day returns, the h-day curves, and the
 * out-of-fold 1-day VaR backtest beside historical simulation (DOMAIN §5) — null with a note when
 * the gold is too short for the folds or the historical window.
 */
function regimeRisk(
  tables: readonly ModelGoldTable[],
  chain: number[][],
  labels: readonly string[],
  cfg: ModelConfig,
  notes: string[],
): StoredRegimeRisk {
  const series = tables.map((t) => ({ states: t.markov_state, returns: t.log_return }));
  const fitted = fitStoredRisk(series, chain, labels, cfg.markov.maxHorizon, cfg.risk, notes);
  let backtest: StoredRegimeRisk['backtest'] = null;
  try {
    backtest = backtestRegimeVarOutOfFold(
      tables.map((t) => ({ symbol: t.symbol, day: t.day, states: t.markov_state, returns: t.log_return })),
      {
        numStates: chain.length,
        nSplits: cfg.evaluation.folds,
        gap: cfg.evaluation.gap,
        levels: cfg.risk.levels,
        historicalWindow: cfg.risk.historicalWindow,
      },
    );
    for (const s of backtest.skipped) notes.push(`VaR backtest: ${s.symbol} left out: ${s.reason}`);
  } catch (error) {
    if (!(error instanceof TooFewSamplesError || error instanceof EvaluationInputError)) throw error;
    notes.push(`VaR backtest skipped: ${error.message}`);
  }
  return { ...fitted, backtest };
}

interface HmmTraining {
  readonly fit: GaussianHmmFit;
  readonly series: { symbol: string; day: Int32Array; returns: Float64Array }[];
  readonly fitOptions: GaussianHmmFitOptions;
  readonly someLeftOut: boolean;
}

/** The HMM fitted on every symbol with enough rows, or null (with a note) when there are too few returns. */
function fitHmm(tables: readonly ModelGoldTable[], cfg: ModelConfig, notes: string[]): HmmTraining | null {
  const short = tables.filter((t) => t.length < cfg.hmm.minSymbolRows);
  if (short.length > 0) {
    const listed = short.slice(0, 10).map((t) => `${t.symbol} (${t.length})`);
    notes.push(
      `HMM: ${short.length} symbol(s) with fewer than ${cfg.hmm.minSymbolRows} gold rows left out of the fit and its evaluation: ${listed.join(', ')}${short.length > 10 ? ', …' : ''}`,
    );
  }
  // Every symbol's scaled returns in one buffer (a view per symbol), not one array per symbol.
  const fitted = tables.filter((t) => t.length >= cfg.hmm.minSymbolRows);
  const scaled = new Float64Array(fitted.reduce((n, t) => n + t.length, 0));
  let offset = 0;
  const series = fitted.map((t) => {
    const returns = scaled.subarray(offset, offset + t.length);
    for (let i = 0; i < t.length; i++) returns[i] = t.log_return[i]! * cfg.hmm.returnScale;
    offset += t.length;
    return { symbol: t.symbol, day: t.day, returns };
  });
  const observations = series.reduce((n, s) => n + s.returns.length, 0);
  if (observations < cfg.hmm.states) {
    notes.push(
      `HMM skipped: ${observations} returns in symbols with at least ${cfg.hmm.minSymbolRows} gold rows; a ${cfg.hmm.states}-state HMM needs at least ${cfg.hmm.states}`,
    );
    return null;
  }
  const fitOptions = {
    states: cfg.hmm.states,
    starts: cfg.hmm.starts,
    seed: cfg.hmm.seed,
    maxIterations: cfg.hmm.maxIterations,
    tolerance: cfg.hmm.tolerance,
    screenObservations: cfg.hmm.screenObservations,
    varianceFloorRatio: cfg.hmm.varianceFloorRatio,
  };
  const fit = fitGaussianHmm(
    series.map((s) => s.returns),
    fitOptions,
  );
  return { fit, series, fitOptions, someLeftOut: short.length > 0 };
}

/**
 * DOMAIN §4.5 v2: the HMM against the regime-conditional kernel density on the out-of-fold
 * predictive log density of the next day's return, over the symbols it was fitted on; null with a
 * note when the gold is too short for the date folds.
 */
function densityComparison(
  tables: readonly ModelGoldTable[],
  hmm: HmmTraining,
  cfg: ModelConfig,
  notes: string[],
): DensityComparison | null {
  const fitted = new Set(hmm.series.map((s) => s.symbol));
  try {
    return compareNextDayDensity(
      tables
        .filter((t) => fitted.has(t.symbol))
        .map((t) => ({ symbol: t.symbol, day: t.day, states: t.markov_state, returns: t.log_return })),
      {
        numStates: cfg.hmm.states,
        nSplits: cfg.evaluation.folds,
        gap: cfg.evaluation.gap,
        returnScale: cfg.hmm.returnScale,
        fit: hmm.fitOptions,
      },
    );
  } catch (error) {
    if (!(error instanceof TooFewSamplesError || error instanceof EvaluationInputError)) throw error;
    notes.push(`HMM density comparison skipped: ${error.message}`);
    return null;
  }
}

/** The HMM scored on the walk-forward folds of the pairs of the symbols it was fitted on. */
function evaluateHmm(
  hmm: HmmTraining,
  pairs: PredictionPairs,
  cfg: ModelConfig,
  notes: string[],
): HmmEvaluation | null {
  if (!(cfg.hmm.evaluate && cfg.hmm.states === 3)) return null;
  const hmmPairs = hmm.someLeftOut ? subsetPairs(pairs, new Set(hmm.series.map((s) => s.symbol))) : pairs;
  if (hmmPairs.from.length < cfg.evaluation.folds + 1) {
    notes.push(
      `HMM evaluation skipped: ${hmmPairs.from.length} transition pairs in the HMM's symbols, ${cfg.evaluation.folds}-fold evaluation needs ${cfg.evaluation.folds + 1}`,
    );
    return null;
  }
  return evaluateHmmOnFolds(hmmPairs, hmm.series, { nSplits: cfg.evaluation.folds, fit: hmm.fitOptions });
}

/** The pairs of some symbols only (order kept). */
function subsetPairs(pairs: PredictionPairs, symbols: ReadonlySet<string>): PredictionPairs {
  const keep: number[] = [];
  for (let i = 0; i < pairs.from.length; i++) if (symbols.has(pairs.symbols[i]!)) keep.push(i);
  return {
    ...pairs,
    from: Int32Array.from(keep, (i) => pairs.from[i]!),
    to: Int32Array.from(keep, (i) => pairs.to[i]!),
    dates: keep.map((i) => pairs.dates[i]!),
    symbols: keep.map((i) => pairs.symbols[i]!),
  } as PredictionPairs;
}

function summariseHmm(fit: GaussianHmmFit) {
  return {
    params: fit.params,
    logLikelihood: fit.logLikelihood,
    parameterCount: fit.parameterCount,
    observationCount: fit.observationCount,
    aic: fit.aic,
    bic: fit.bic,
    varianceFloor: fit.varianceFloor,
    stateOccupancy: [...fit.stateOccupancy],
    degenerate: fit.degenerate,
    degeneracyReasons: [...fit.degeneracyReasons],
    converged: fit.converged,
  };
}

export type { ChainAnalysis, HmmEvaluation, WalkForwardReport };
