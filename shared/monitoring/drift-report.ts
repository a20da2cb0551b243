/**
 * The drift check (DOMAIN §6): the newest window of each symbol's gold rows against the reference —
 * the model's training rows when the history holds them, else the model's stored reference sample.
 * Per feature: KS D with its asymptotic and block-bootstrap p-values, PSI; per symbol: the regime
 * mix against the model's stationary distribution (chi-square), the window's transitions against
 * the model's P (G-test), and anomalies (|z| of returns, isolation forest, unusual transitions).
 * Ends in a verdict — ok / warn / retrain — with its reasons, using the retraining rules.
 */

import type { MonitoringConfig } from '#config/monitoring-schema';
import type { DataConfig } from '#config/schema';
import { ecdf, FEATURES, type Feature, regimeOf } from '#shared/data/gold';
import type { GoldTable } from '#shared/data/tables';
import { formatIsoDay, parseIsoDay } from '#shared/data/values';
import type { ModelArtifact } from '#shared/model/artifact';
import { transitionCounts } from '#shared/model/markov';
import type { FeatureReference } from '#shared/model/reference';
import { referenceSampleOf } from '#shared/model/reference';
import {
  ksDistanceToSummary,
  type QuantileSummary,
  summaryCdf,
  summaryQuantile,
} from '#shared/stats/quantile-summary';
import { referenceMoments, unusualTransitions, zScoreAnomalies } from './anomalies.ts';
import {
  calibrateDrift,
  calibrationOptions,
  type DriftCalibration,
  regimeShares,
  totalVariation,
} from './drift-calibration.ts';
import {
  above,
  atOrAbove,
  chiSquareGoodnessOfFit,
  ksAsymptoticPValue,
  ksTwoSampleBlockBootstrap,
  ksTwoSampleSortedReference,
  type PsiResult,
  psiAgainstBins,
  psiBand,
  psiCeiling,
  psiReferenceBins,
  sortedSample,
  transitionDriftGTest,
} from './drift-stats.ts';
import { fitIsolationForest, predictAnomalies } from './isolation-forest.ts';
import type { ModelDriftResult } from './model-drift.ts';
import {
  decideRetraining,
  type FeatureDrift,
  type RetrainingDecision,
  type RetrainingInput,
} from './retraining.ts';

/** A calibrated PSI threshold at least this share of PSI's ceiling counts as at the ceiling. */
const PSI_SATURATION = 0.99;

export interface FeatureDriftReport {
  feature: Feature;
  referenceSize: number;
  windowSize: number;
  ks: { d: number; pValue: number; bootstrapPValue: number | null; blockLength: number | null };
  psi: { value: number; band: 'none' | 'moderate' | 'significant' };
  /**
   * What the statistics were judged against: `calibrated` — the symbol's thresholds from its
   * reference chunks (drift when D or PSI is above them); `fallback` — too few chunks, so
   * drift.ksThreshold and drift.psi.significant; `fixed` — drift.thresholds: fixed, the first
   * version's rule (KS D > drift.ksThreshold or PSI at least psi.moderate). `psiAtCeiling`: the
   * calibrated PSI threshold was at the most PSI can reach against the reference's bins (its own
   * windows fill one bin), so it is that ceiling, which no window exceeds: KS decides alone.
   */
  thresholds: {
    source: 'calibrated' | 'fallback' | 'fixed';
    ks: number;
    psi: number;
    psiAtCeiling?: true;
  };
  drift: boolean;
}

export interface SymbolDriftReport {
  symbol: string;
  window: { from: string; to: string; rows: number };
  reference: { source: 'training rows' | 'model reference sample' | 'rows before the window'; rows: number };
  features: FeatureDriftReport[];
  regimeMix: {
    observed: number[];
    expected: number[];
    statistic: number;
    df: number;
    pValue: number;
    /** The reference's regime shares the total variation is measured from (of its rows in time order when it has them). */
    referenceShares: number[];
    /** Total-variation distance between the window's regime shares and the reference's. */
    totalVariation: number;
    /** The calibrated TV threshold, or null: then drift is the chi-square p-value below drift.regimeMixAlpha. */
    threshold: number | null;
    drift: boolean;
  };
  transitions: {
    counts: number[][];
    statistic: number;
    df: number;
    pValue: number;
    /** The calibrated G² threshold, or null: then drift is the p-value below drift.transitionAlpha. */
    threshold: number | null;
    drift: boolean;
  };
  /** Reference chunks the thresholds were calibrated on (0 when not calibrated). */
  calibrationChunks: number;
  anomalies: {
    extremeReturns: { date: string; value: number; z: number }[];
    isolationForest: { date: string; score: number }[];
    unusualTransitions: { date: string; from: string; to: string; probability: number }[];
  };
  notes: string[];
}

export type DriftVerdict = 'ok' | 'warn' | 'retrain';

export interface DriftReport {
  at: string;
  modelVersion: string;
  windowRows: number;
  symbols: SymbolDriftReport[];
  /** Symbols that could not be checked, with the reason. */
  skipped: { symbol: string; reason: string }[];
  verdict: DriftVerdict;
  /** Any symbol past a retraining threshold (data, calibrated regime mix, or chain) on this check. */
  breached: boolean;
  reasons: string[];
  retraining: RetrainingDecision;
}

export interface DriftOptions {
  model: ModelArtifact;
  /** Current gold rows per symbol, in date order (features as computed by the pipeline). */
  tables: readonly GoldTable[];
  monitoring: MonitoringConfig;
  data: DataConfig;
  now: Date;
  /** Live accuracy of logged predictions, when known (scheduled drift check). */
  modelDrift?: ModelDriftResult;
  /**
   * Consecutive drift checks of this model that breached, this one not counted (the scheduled
   * check reads them from its records); drift retrains only after retraining.persistChecks in a row.
   * A function is given the symbols that breach in this check (which earlier checks count can
   * depend on whether those symbols' data changed since).
   */
  previousBreaches?: number | ((breaching: readonly string[]) => number);
  /** Evidence for the retraining guards (see RetrainingInput); absent: not applied. */
  guards?: Pick<RetrainingInput, 'lastAttemptAt' | 'dataChanged' | 'candidateRunning'>;
  /**
   * Where the reference comes from: `history` — `tables` are the lake's gold history, so rows dated
   * up to the model's last training date are its training rows (kept in time order); `model` — the
   * tables are new data only, compared with the model's stored reference sample. @default 'history'
   */
  referenceFrom?: 'history' | 'model';
}

/** Runs the drift check over every symbol of `tables`. */
export function driftReport(options: DriftOptions): DriftReport {
  const { model, monitoring: cfg } = options;
  const windowRows = cfg.drift.windowRows;
  const symbols: SymbolDriftReport[] = [];
  const skipped: DriftReport['skipped'] = [];
  for (const table of options.tables) {
    if (table.length < windowRows) {
      skipped.push({
        symbol: table.symbol,
        reason: `only ${table.length} gold rows; the window needs ${windowRows}`,
      });
      continue;
    }
    // One symbol's failed statistic is that symbol's skip reason: it never fails the other symbols.
    const report = isolated(table, options);
    if (typeof report === 'string') skipped.push({ symbol: table.symbol, reason: report });
    else symbols.push(report);
  }
  const dataDrift: FeatureDrift[] = symbols.flatMap((s) =>
    s.features.map((f) => ({
      symbol: s.symbol,
      feature: f.feature,
      ks: { d: f.ks.d },
      psi: { psi: f.psi.value },
      ...(f.thresholds.source === 'fixed'
        ? {}
        : {
            thresholds: {
              ks: f.thresholds.ks,
              psi: f.thresholds.psi,
              strict: f.thresholds.source === 'calibrated',
            },
          }),
    })),
  );
  // The chain drift named in the decision: a drifted symbol's first, the furthest past its threshold.
  const chainSeverity = (s: SymbolDriftReport) =>
    s.transitions.threshold === null
      ? -Math.log10(s.transitions.pValue)
      : s.transitions.statistic / s.transitions.threshold;
  const worstChain = [...symbols].sort(
    (a, b) =>
      Number(b.transitions.drift) - Number(a.transitions.drift) || chainSeverity(b) - chainSeverity(a),
  )[0];
  const featureBreaching = new Set(dataDrift.filter((f) => featureBreach(f, cfg)).map((f) => f.symbol));
  const breaching = symbols
    .filter(
      (s) =>
        featureBreaching.has(s.symbol) ||
        s.transitions.drift ||
        (s.regimeMix.threshold !== null && s.regimeMix.drift),
    )
    .map((s) => s.symbol);
  const breached = breaching.length > 0;
  const previousBreaches =
    typeof options.previousBreaches === 'function'
      ? options.previousBreaches(breaching)
      : (options.previousBreaches ?? 0);
  const retraining = decideRetraining(
    {
      now: options.now.toISOString(),
      lastTrainedAt: model.createdAt,
      dataDrift,
      ...(worstChain
        ? {
            chainDrift: {
              statistic: worstChain.transitions.statistic,
              df: worstChain.transitions.df,
              pValue: worstChain.transitions.pValue,
              scope: worstChain.symbol,
              ...(worstChain.transitions.threshold === null
                ? {}
                : { threshold: worstChain.transitions.threshold }),
            },
          }
        : {}),
      regimeMixDrift: symbols
        .filter((s) => s.regimeMix.threshold !== null && s.regimeMix.drift)
        .map((s) => ({
          scope: s.symbol,
          distance: s.regimeMix.totalVariation,
          threshold: s.regimeMix.threshold!,
        })),
      driftStreak: breached ? previousBreaches + 1 : 0,
      ...(options.modelDrift ? { modelDrift: options.modelDrift } : {}),
      ...(options.guards ?? {}),
    },
    cfg,
  );
  const dataRuleFired = retraining.reasons.some((r) => r.rule.startsWith('data-drift'));
  const warnings = symbols.flatMap((s) => [
    ...s.features
      .filter((f) => f.drift && !dataRuleFired)
      .map(
        (f) =>
          `${s.symbol} ${f.feature}: KS D ${f.ks.d.toFixed(3)}, PSI ${f.psi.value.toFixed(3)} (${f.psi.band})`,
      ),
    ...(s.regimeMix.drift
      ? [
          `${s.symbol}: regime mix differs from the model's long-run shares (p = ${s.regimeMix.pValue.toExponential(2)})`,
        ]
      : []),
    ...(s.transitions.drift
      ? [
          `${s.symbol}: transitions do not fit the model's matrix (p = ${s.transitions.pValue.toExponential(2)})`,
        ]
      : []),
    ...(s.anomalies.extremeReturns.length > 0
      ? [`${s.symbol}: ${s.anomalies.extremeReturns.length} extreme daily return(s) in the window`]
      : []),
  ]);
  const verdict: DriftVerdict =
    retraining.retrain || retraining.heldByCooldown
      ? 'retrain'
      : warnings.length > 0 || retraining.pending.length > 0
        ? 'warn'
        : 'ok';
  return {
    at: options.now.toISOString(),
    modelVersion: model.version,
    windowRows,
    symbols,
    skipped,
    verdict,
    breached,
    reasons: [
      ...retraining.reasons.map((r) => r.detail),
      ...retraining.pending.map((r) => r.detail),
      ...retraining.blockedBy,
      ...warnings,
    ],
    retraining,
  };
}

/** A feature's statistics past the retraining thresholds (see FeatureDrift.thresholds). */
function featureBreach(f: FeatureDrift, cfg: MonitoringConfig): boolean {
  if (f.thresholds === undefined)
    return above(f.ks.d, cfg.drift.ksThreshold) || atOrAbove(f.psi.psi, cfg.drift.psi.significant);
  return (
    above(f.ks.d, f.thresholds.ks) ||
    (f.thresholds.strict ? above(f.psi.psi, f.thresholds.psi) : atOrAbove(f.psi.psi, f.thresholds.psi))
  );
}

/** symbolDrift, with a thrown error turned into the symbol's skip reason. */
function isolated(table: GoldTable, options: DriftOptions): SymbolDriftReport | string {
  try {
    return symbolDrift(table, options);
  } catch (error) {
    return `the drift statistics failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
}

function symbolDrift(table: GoldTable, options: DriftOptions): SymbolDriftReport | string {
  const { model, monitoring: cfg } = options;
  const n = table.length;
  const w = cfg.drift.windowRows;
  const start = n - w;
  const trainedUntil = parseIsoDay(model.lineage.lastDate)!;
  const stored = model.scoring.references[table.symbol];
  // Reference rows: the model's training rows present in the history (time order, for the bootstrap).
  let refEnd = 0;
  while (refEnd < start && table.day[refEnd]! <= trainedUntil) refEnd++;
  const notes: string[] = [];
  let source: SymbolDriftReport['reference']['source'];
  let reference: ((f: Feature) => ArrayLike<number>) | null;
  let ordered: boolean;
  const fromHistory = (options.referenceFrom ?? 'history') === 'history';
  if (stored !== undefined && fromHistory && refEnd >= w) {
    source = 'training rows';
    reference = (f) => table[f].subarray(0, refEnd);
    ordered = true;
  } else if (stored !== undefined && cfg.drift.features.every((f) => stored[f] !== undefined)) {
    source = 'model reference sample';
    reference = null;
    ordered = false;
    notes.push(
      `compared with the model’s reference summary (${stored[cfg.drift.features[0]!]!.quantiles.length} order statistics per feature: KS D within 1/${stored[cfg.drift.features[0]!]!.quantiles.length - 1} of the exact value; not in time order: no bootstrap p-value)`,
    );
  } else if (start >= w) {
    source = 'rows before the window';
    reference = (f) => table[f].subarray(0, start);
    ordered = true;
    notes.push(
      `${table.symbol} is not in model ${model.version}: compared with its own rows before the window`,
    );
  } else {
    return `not in model ${model.version} and too little history before the window`;
  }

  // The symbol's calibrated thresholds: stored with the model when made for this window, else from
  // its reference rows in time order; none under drift.thresholds: fixed or without such rows.
  const calibrating = calibrationOptions(cfg);
  let calibration: DriftCalibration | null = null;
  // The reference rows in time order (the rows KS and PSI compare with), when there are any.
  const refRows = source === 'training rows' ? refEnd : source === 'rows before the window' ? start : 0;
  if (calibrating !== null) {
    const kept = model.scoring.calibration?.[table.symbol];
    if (
      kept !== undefined &&
      kept.windowRows === calibrating.windowRows &&
      kept.quantile === calibrating.quantile &&
      kept.psiBins === calibrating.psiBins &&
      calibrating.features.every((f) => f in kept.ks)
    ) {
      calibration = kept;
    } else if (reference !== null && ordered && refRows > 0) {
      const columns = Object.fromEntries(FEATURES.map((f) => [f, table[f].subarray(0, refRows)])) as Record<
        Feature,
        Float64Array
      >;
      calibration = calibrateDrift(
        { columns, states: table.markov_state.subarray(0, refRows), length: refRows },
        model.markov.transitionMatrix,
        calibrating,
      );
    }
  }
  if (calibrating !== null && calibration === null) {
    notes.push('no reference rows in time order to calibrate the thresholds on: the fixed thresholds apply');
  } else if (calibration !== null && calibration.chunks < calibrating!.minChunks) {
    notes.push(
      `${calibration.chunks} reference chunks of ${w} rows (fewer than drift.minChunks ${calibrating!.minChunks}): the fixed thresholds apply`,
    );
  }

  const features = cfg.drift.features.map((feature): FeatureDriftReport => {
    const cur = table[feature].subarray(start);
    let ks: { d: number; pValue: number; bootstrapPValue: number | null; blockLength: number | null };
    let p: { psi: number };
    // The most PSI can reach against the reference's bins (null for a stored summary).
    let ceiling: number | null = null;
    let referenceSize: number;
    if (reference === null) {
      const summary = stored![feature]!;
      referenceSize = summary.n;
      ks = { ...ksTwoSampleSummary(summary, cur), bootstrapPValue: null, blockLength: null };
      p = psiAgainstSummary(summary, cur, { bins: cfg.drift.psi.bins, floor: cfg.drift.psi.floor });
    } else {
      const ref = reference(feature);
      const sorted = sortedSample(ref, 'reference');
      referenceSize = ref.length;
      ks =
        ordered && cfg.drift.bootstrap.enabled
          ? ksTwoSampleBlockBootstrap(ref, cur, {
              blockLength: cfg.drift.bootstrap.blockLength,
              resamples: cfg.drift.bootstrap.resamples,
              seed: cfg.drift.bootstrap.seed,
              stopAfterExceedances: cfg.drift.bootstrap.stopAfterExceedances,
            })
          : { ...ksTwoSampleSortedReference(sorted, cur), bootstrapPValue: null, blockLength: null };
      const bins = psiReferenceBins(sorted, cfg.drift.psi.bins);
      p = psiAgainstBins(bins, cur, cfg.drift.psi.floor);
      ceiling = psiCeiling(bins, cfg.drift.psi.floor);
    }
    const band = psiBand(p.psi, { moderate: cfg.drift.psi.moderate, significant: cfg.drift.psi.significant });
    const ksCut = calibration?.ks[feature] ?? null;
    // A calibrated PSI threshold at PSI's ceiling (the reference's own windows fill one bin): no
    // window can be further from the reference, so PSI is no evidence — its threshold is the ceiling,
    // which nothing exceeds beyond rounding, and KS decides.
    const calibratedPsi = calibration?.psi[feature] ?? null;
    const saturated = calibratedPsi !== null && ceiling !== null && calibratedPsi >= PSI_SATURATION * ceiling;
    const psiCut = saturated ? Math.max(calibratedPsi, ceiling!) : calibratedPsi;
    if (saturated)
      notes.push(
        `PSI of ${feature} is at its ceiling ${ceiling!.toFixed(3)} in the reference’s own windows (each fills one bin): it cannot tell a window from them, so KS decides`,
      );
    let thresholds: FeatureDriftReport['thresholds'];
    let drift: boolean;
    if (ksCut !== null && psiCut !== null) {
      thresholds = {
        source: 'calibrated',
        ks: ksCut,
        psi: psiCut,
        ...(saturated ? { psiAtCeiling: true } : {}),
      };
      drift = above(ks.d, ksCut) || above(p.psi, psiCut);
    } else if (calibrating !== null) {
      thresholds = { source: 'fallback', ks: cfg.drift.ksThreshold, psi: cfg.drift.psi.significant };
      drift = above(ks.d, cfg.drift.ksThreshold) || atOrAbove(p.psi, cfg.drift.psi.significant);
    } else {
      thresholds = { source: 'fixed', ks: cfg.drift.ksThreshold, psi: cfg.drift.psi.moderate };
      drift = above(ks.d, cfg.drift.ksThreshold) || band !== 'none';
    }
    return {
      feature,
      referenceSize,
      windowSize: cur.length,
      ks: { d: ks.d, pValue: ks.pValue, bootstrapPValue: ks.bootstrapPValue, blockLength: ks.blockLength },
      psi: { value: p.psi, band },
      thresholds,
      drift,
    };
  });

  // The window's regimes: the gold's own point-in-time labels, or under `scoring.mode: reference`
  // the window scored on the model's scale (as that mode labels new rows in production).
  const onModelScale = stored && options.data.scoring.mode === 'reference';
  const states = onModelScale ? rescore(table, start, model) : Array.from(table.markov_state.subarray(start));
  const K = model.labels.length;
  const observed = new Array<number>(K).fill(0);
  for (const s of states) observed[s]!++;
  const mix = chiSquareGoodnessOfFit(observed, model.markov.stationary);
  const counts = transitionCounts([states], K);
  const g = transitionDriftGTest(counts, model.markov.transitionMatrix);
  const calibrated = calibration !== null && calibration.chunks >= calibrating!.minChunks;
  const mixThreshold = calibrated ? calibration!.regimeMix : null;
  const chainThreshold = calibrated ? calibration!.chain : null;
  // The reference's shares: of the same rows as KS and PSI (a calibration kept with the model holds
  // the shares of all its training rows, the window's too), else the calibration's, else π.
  const referenceShares =
    refRows > 0
      ? regimeShares(table.markov_state, 0, refRows, K)
      : (calibration?.shares ?? [...model.markov.stationary]);
  const tv = totalVariation(regimeShares(states, 0, states.length, K), referenceShares);

  const days = table.day.subarray(start);
  const date = (i: number) => formatIsoDay(days[i]!);
  let moments: { mean: number; sd: number };
  let referenceRows: number;
  if (reference === null) {
    const r = stored!.log_return;
    if (r === undefined || !(r.n >= 2))
      return `model ${model.version} holds no log_return reference for ${table.symbol}`;
    moments = { mean: r.mean, sd: r.sd };
    referenceRows = r.n;
  } else {
    const refReturns = reference('log_return');
    moments = referenceMoments(refReturns);
    referenceRows = refReturns.length;
  }
  if (!(moments.sd > 0))
    return `its ${referenceRows} reference log returns are all ${moments.mean} (a price that does not move?): no return can be measured against them — check the source (a stale feed or a placeholder price)`;
  const z = zScoreAnomalies(
    table.log_return.subarray(start),
    moments.mean,
    moments.sd,
    cfg.anomalies.zThreshold,
  );
  // The forest needs the reference rows aligned in time (all features of one day together).
  let flagged: { indices: number[]; scores: number[] } = { indices: [], scores: [] };
  if (ordered && reference !== null) {
    const forest = fitIsolationForest(featureRows(reference, cfg.anomalies.isolationForest.referenceRows), {
      contamination: cfg.anomalies.isolationForest.contamination,
      nEstimators: cfg.anomalies.isolationForest.nEstimators,
      maxSamples: cfg.anomalies.isolationForest.maxSamples,
      seed: cfg.anomalies.isolationForest.seed,
    });
    flagged = predictAnomalies(
      forest,
      Array.from({ length: w }, (_, i) => FEATURES.map((f) => table[f][start + i]!)),
    );
  } else {
    notes.push('isolation forest skipped: it needs the reference rows in time order');
  }
  const unusual = unusualTransitions(
    states,
    model.markov.transitionMatrix,
    cfg.anomalies.unusualTransitionProbability,
  );

  return {
    symbol: table.symbol,
    window: { from: date(0), to: date(w - 1), rows: w },
    reference: { source, rows: referenceRows },
    features,
    regimeMix: {
      observed,
      expected: model.markov.stationary,
      statistic: mix.statistic,
      df: mix.df,
      pValue: mix.pValue,
      referenceShares,
      totalVariation: tv,
      threshold: mixThreshold,
      drift: mixThreshold === null ? mix.pValue < cfg.drift.regimeMixAlpha : above(tv, mixThreshold),
    },
    transitions: {
      counts,
      statistic: g.statistic,
      df: g.df,
      pValue: g.pValue,
      threshold: chainThreshold,
      drift:
        chainThreshold === null ? g.pValue < cfg.drift.transitionAlpha : above(g.statistic, chainThreshold),
    },
    calibrationChunks: calibrated ? calibration!.chunks : 0,
    anomalies: {
      extremeReturns: z.indices.map((i, k) => ({ date: date(i), value: z.values[k]!, z: z.zScores[k]! })),
      isolationForest: flagged.indices.map((i, k) => ({ date: date(i), score: flagged.scores[k]! })),
      unusualTransitions: unusual.indices.map((i, k) => ({
        date: date(i + 1),
        from: model.labels[unusual.from[k]!]!,
        to: model.labels[unusual.to[k]!]!,
        probability: unusual.probabilities[k]!,
      })),
    },
    notes,
  };
}

/** The newest `limit` reference rows for the isolation forest: the features of each day together. */
function featureRows(reference: (f: Feature) => ArrayLike<number>, limit: number): number[][] {
  const cols = FEATURES.map((f) => reference(f));
  let n = Number.POSITIVE_INFINITY;
  for (const c of cols) n = Math.min(n, c.length);
  const first = Math.max(0, n - limit);
  return Array.from({ length: n - first }, (_, i) => cols.map((c) => c[first + i]!));
}

/**
 * The window's regimes scored against the model's references, thresholds and weights — as the
 * data pipeline labels new rows (the empirical CDF of the references' order statistics).
 */
function rescore(table: GoldTable, start: number, model: ModelArtifact): number[] {
  const refs = referenceSampleOf(model.scoring.references[table.symbol]!);
  const weights = Object.entries(model.scoring.weights).filter(([, w]) => (w ?? 0) > 0) as [
    Feature,
    number,
  ][];
  const total = weights.reduce((s, [, w]) => s + w, 0);
  const out: number[] = [];
  for (let i = start; i < table.length; i++) {
    let risk = 0;
    for (const [f, w] of weights) risk += w * ecdf(refs[f] ?? new Float64Array(0), table[f][i]!);
    out.push(regimeOf(risk / total, model.scoring.thresholds));
  }
  return out;
}

/** KS of `current` against a reference summary: D within 1/M of the exact D, asymptotic p-value. */
export function ksTwoSampleSummary(
  summary: QuantileSummary,
  current: ArrayLike<number>,
): { d: number; pValue: number } {
  const d = ksDistanceToSummary(summary, current);
  return { d, pValue: ksAsymptoticPValue(d, summary.n, current.length) };
}

/**
 * PSI of `current` against a feature reference: exactly `psi` of the training values when the
 * reference holds bins for `bins`; otherwise from the quantile summary (edges by summaryQuantile,
 * reference shares by the summary's CDF, each within 1/M).
 */
export function psiAgainstSummary(
  ref: FeatureReference,
  current: ArrayLike<number>,
  options: { bins: number; floor: number },
): PsiResult {
  if (ref.psi !== null && ref.psi.bins === options.bins)
    return psiAgainstBins(ref.psi, current, options.floor);
  const edges: number[] = [];
  for (let k = 1; k < options.bins; k++) {
    const e = summaryQuantile(ref, k / options.bins);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  const counts: number[] = [];
  let below = 0;
  for (const e of edges) {
    const atOrBelow = Math.round(summaryCdf(ref, e) * ref.n);
    counts.push(Math.max(0, atOrBelow - below));
    below = Math.max(below, atOrBelow);
  }
  counts.push(ref.n - below);
  return psiAgainstBins({ bins: options.bins, n: ref.n, innerEdges: edges, counts }, current, options.floor);
}
