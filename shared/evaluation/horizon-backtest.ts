/**
 * The horizon backtest (DOMAIN §5 v2): date-level walk-forward folds, every forecaster fitted per
 * fold on its training window, scored out of fold at each horizon h on three targets — the regime
 * at t+h, a High day within h (non-High origins), leaving the current regime within h — and the
 * per-horizon winner by out-of-fold log loss with its margin over each baseline. The result, a
 * {@link HorizonTable}, is plain JSON a report can print.
 *
 * Metrics are those of metrics.ts / calibration.ts (scikit-learn's log loss with clipping and
 * row renormalisation, multi-class Brier, argmax accuracy with ties to the lower state,
 * equal-width reliability tables).
 */
import type { ModelConfig } from '#config/schema';
import { formatIsoDay } from '#shared/data/values';
import { semiMarkovFit } from '#shared/model/duration-risk';
import {
  binaryReliabilityTableOfCheckedInputs,
  type ClassReliabilityTable,
  classReliabilityTablesOfCheckedInputs,
  type ReliabilityTable,
} from './calibration.ts';
import { EvaluationInputError } from './errors.ts';
import type { IndexRange } from './folds.ts';
import {
  buildRegimeHistory,
  dateFolds,
  horizonCounts,
  lowerBound,
  type RegimeHistory,
  type RegimeSequenceInput,
  requireHorizon,
  trainingWindow,
} from './horizon-data.ts';
import {
  defaultHorizonForecasters,
  type FittedHorizonForecaster,
  type HorizonForecaster,
} from './horizon-forecasters.ts';
import {
  accuracy,
  argmaxPredictions,
  LOG_LOSS_EPSILON,
  logLossOfCheckedInputs,
  multiclassBrierOfCheckedInputs,
  type ProbabilityMatrix,
} from './metrics.ts';

export interface HorizonBacktestOptions {
  /** Number of states K. */
  readonly numStates: number;
  /** The High (absorbing) state. @default K − 1 */
  readonly highState?: number;
  /** Horizons h in gold rows (config evaluation.horizons). */
  readonly horizons: readonly number[];
  /** TimeSeriesSplit n_splits over the distinct dates (config evaluation.folds). @default 5 */
  readonly nSplits?: number;
  /** TimeSeriesSplit gap in dates (config evaluation.gap). @default 21 */
  readonly gap?: number;
  /** The models and baselines to compare. @default {@link defaultHorizonForecasters}() */
  readonly forecasters?: readonly HorizonForecaster[];
  /** Name of the forecaster Brier skill is measured against. @default 'climatology' */
  readonly reference?: string;
  /** Clipping ε of every log loss. @default 2.220446049250313e-16 */
  readonly logLossEpsilon?: number;
  /** Equal-width bins of every reliability table (config evaluation.calibrationBins). @default 10 */
  readonly calibrationBins?: number;
}

/** One date-level fold, with its dates. */
export interface HorizonFold {
  readonly fold: number;
  /** Indices into the distinct-date list (TimeSeriesSplit train / test index ranges). */
  readonly trainDates: IndexRange;
  readonly testDates: IndexRange;
  readonly lastTrainDate: string;
  readonly firstTestDate: string;
  readonly lastTestDate: string;
}

/** Scores of P(regime at t+h). */
export interface RegimeScores {
  readonly n: number;
  readonly logLoss: number;
  /** Multi-class Brier (1/n) Σ_i Σ_k (p_ik − [y_i = k])². */
  readonly brier: number;
  /** Share of origins whose argmax (ties to the lower state) is the regime at t+h. */
  readonly accuracy: number;
  /** 1 − brier / brier of the reference (climatology); null without a reference or when it is 0. */
  readonly brierSkill: number | null;
  /** Out-of-fold log loss of each fold's test origins (null for a fold without any). */
  readonly foldLogLoss: (number | null)[];
  /** Reliability table of P(regime at t+h = k) for every state k. */
  readonly reliability: ClassReliabilityTable[];
}

/** Scores of the forecast probability of a yes/no event. */
export interface EventScores {
  readonly n: number;
  /** Share of origins where the event happened. */
  readonly observedRate: number;
  /** Mean forecast probability. */
  readonly meanForecast: number;
  /** Binary log loss (scikit-learn `log_loss` with labels [0, 1]). */
  readonly logLoss: number;
  /** Binary Brier (scikit-learn `brier_score_loss`). */
  readonly brier: number;
  /** 1 − brier / brier of the reference; null without a reference or when it is 0. */
  readonly brierSkill: number | null;
  readonly reliability: ReliabilityTable;
}

export interface ForecasterScores {
  readonly name: string;
  readonly baseline: boolean;
  readonly regime: RegimeScores;
  /** P(a High day within h) over the non-High origins; null when there are none. */
  readonly reachHigh: EventScores | null;
  /** P(leaving the current regime within h) over all origins. */
  readonly leave: EventScores;
}

/** How much the winner beats one baseline on out-of-fold log loss of P(regime at t+h). */
export interface WinnerMargin {
  readonly baseline: string;
  /** The baseline's log loss. */
  readonly logLoss: number;
  /** Baseline log loss − winner log loss (≥ 0). */
  readonly improvement: number;
  /** improvement / baseline log loss. */
  readonly relativeImprovement: number;
}

export interface HorizonResult {
  readonly horizon: number;
  /** Out-of-fold origins (test-date origins whose day t+h exists). */
  readonly origins: number;
  readonly nonHighOrigins: number;
  /** Per fold: its test origins at h and the training origin–outcome pairs at h. */
  readonly folds: { readonly fold: number; readonly origins: number; readonly trainingOrigins: number }[];
  /** Every forecaster, in the order given. */
  readonly forecasters: ForecasterScores[];
  /** The forecaster with the lowest out-of-fold log loss (first on ties), the serving choice. */
  readonly winner: { readonly name: string; readonly logLoss: number; readonly margins: WinnerMargin[] };
}

/** A horizon that could not be evaluated, and why. */
export interface SkippedHorizon {
  readonly horizon: number;
  readonly reason: string;
}

/** The horizon table: the whole out-of-fold backtest. */
export interface HorizonTable {
  readonly numStates: number;
  readonly highState: number;
  readonly nSplits: number;
  readonly gap: number;
  readonly symbols: number;
  readonly rows: number;
  readonly dates: { readonly count: number; readonly first: string; readonly last: string };
  readonly folds: HorizonFold[];
  readonly forecasters: { readonly name: string; readonly baseline: boolean }[];
  /** Reference of the Brier skill scores (null if absent from the forecasters). */
  readonly reference: string | null;
  readonly results: HorizonResult[];
  readonly skipped: SkippedHorizon[];
}

/** |Σ_k p_k − 1| allowed in a forecast of P(regime at t+h). */
const SUM_TOLERANCE = 1e-6;
/** Rows per block when scoring binary events (bounds the 2-column matrices). */
const BLOCK = 1 << 16;

/**
 * The horizon backtest of gold regime sequences (one per symbol).
 * @throws TooFewSamplesError when there are too few distinct dates for the folds.
 * @throws EvaluationInputError for malformed sequences, options or forecasts.
 */
export function runHorizonBacktest(
  sequences: readonly RegimeSequenceInput[],
  options: HorizonBacktestOptions,
): HorizonTable {
  return backtestHorizons(
    buildRegimeHistory(sequences, options.numStates, options.highState ?? options.numStates - 1),
    options,
  );
}

/** Gold tables in the shape of shared/data/tables `GoldTable` (only these columns are read). */
export interface GoldRegimeTable {
  readonly symbol: string;
  readonly day: ArrayLike<number>;
  readonly markov_state: ArrayLike<number>;
}

/**
 * The backtest's options from config/model.yaml: horizons, folds, gap and calibration bins from
 * `evaluation`, α, the zero-row policy and the High regime from `markov`, the four default
 * forecasters.
 */
export function horizonOptionsFromConfig(
  cfg: Pick<ModelConfig, 'markov' | 'evaluation'> & Partial<Pick<ModelConfig, 'semiMarkov'>>,
  labels: readonly string[],
): HorizonBacktestOptions & { highState: number } {
  const highState = labels.indexOf(cfg.markov.absorbingRegime);
  if (highState < 0) {
    throw new EvaluationInputError(`markov.absorbingRegime '${cfg.markov.absorbingRegime}' is not a label`);
  }
  return {
    numStates: labels.length,
    highState,
    horizons: cfg.evaluation.horizons,
    nSplits: cfg.evaluation.folds,
    gap: cfg.evaluation.gap,
    calibrationBins: cfg.evaluation.calibrationBins,
    forecasters: defaultHorizonForecasters({
      alpha: cfg.markov.alpha,
      zeroRowPolicy: cfg.markov.zeroRowPolicy,
      ...(cfg.semiMarkov ? { semiMarkov: semiMarkovFit(cfg.semiMarkov) } : {}),
    }),
  };
}

/** The regime history of gold tables (the backtest's input). */
export function regimeHistoryOf(
  tables: readonly GoldRegimeTable[],
  options: { numStates: number; highState: number },
): RegimeHistory {
  return buildRegimeHistory(
    tables.map((t) => ({ symbol: t.symbol, dates: t.day, states: t.markov_state })),
    options.numStates,
    options.highState,
  );
}

/** The horizon backtest of gold tables with the settings of config/model.yaml. */
export function horizonBacktestFromConfig(
  tables: readonly GoldRegimeTable[],
  cfg: Pick<ModelConfig, 'markov' | 'evaluation'> & Partial<Pick<ModelConfig, 'semiMarkov'>>,
  labels: readonly string[],
): HorizonTable {
  const options = horizonOptionsFromConfig(cfg, labels);
  return backtestHorizons(regimeHistoryOf(tables, options), options);
}

/** {@link runHorizonBacktest} on a built history (`numStates` / `highState` come from it). */
export function backtestHorizons(history: RegimeHistory, options: HorizonBacktestOptions): HorizonTable {
  const { numStates: K, highState, dates } = history;
  if (options.numStates !== K) {
    throw new EvaluationInputError(`numStates ${options.numStates} differs from the history's ${K}`);
  }
  const nSplits = options.nSplits ?? 5;
  const gap = options.gap ?? 21;
  const epsilon = options.logLossEpsilon ?? LOG_LOSS_EPSILON;
  const bins = options.calibrationBins ?? 10;
  const forecasters = options.forecasters ?? defaultHorizonForecasters();
  const horizons = validateHorizons(options.horizons);
  validateForecasters(forecasters);
  const referenceName = options.reference ?? 'climatology';
  const reference = forecasters.some((f) => f.name === referenceName) ? referenceName : null;

  const folds = dateFolds(history, nSplits, gap);
  const windows = folds.map((fold) => trainingWindow(history, fold));
  const fitted = forecasters.map((f) => windows.map((w) => f.fit(w, horizons)));

  const results: HorizonResult[] = [];
  const skipped: SkippedHorizon[] = [];
  for (const h of horizons) {
    const empty = windows.find((w) => horizonCounts(w, h).total === 0);
    if (empty !== undefined) {
      skipped.push({
        horizon: h,
        reason:
          `fold ${empty.fold} has no training origin with its day t+${h} on or before its last ` +
          `training date ${formatIsoDay(empty.lastDate)}`,
      });
      continue;
    }
    const origins = testOrigins(history, folds, h);
    if (origins.rows.length === 0) {
      skipped.push({ horizon: h, reason: `no test-date origin has a day t+${h} in the data` });
      continue;
    }
    results.push(
      scoreHorizon(history, origins, h, forecasters, fitted, windows, { epsilon, bins, reference }),
    );
  }
  return {
    numStates: K,
    highState,
    nSplits,
    gap,
    symbols: history.symbols.length,
    rows: history.states.length,
    dates: {
      count: dates.length,
      first: formatIsoDay(dates[0]!),
      last: formatIsoDay(dates[dates.length - 1]!),
    },
    folds: folds.map((fold) => ({
      fold: fold.fold,
      trainDates: fold.trainDates,
      testDates: fold.testDates,
      lastTrainDate: formatIsoDay(dates[fold.trainDates.end - 1]!),
      firstTestDate: formatIsoDay(dates[fold.testDates.start]!),
      lastTestDate: formatIsoDay(dates[fold.testDates.end - 1]!),
    })),
    forecasters: forecasters.map((f) => ({ name: f.name, baseline: f.baseline })),
    reference,
    results,
    skipped,
  };
}

/** The out-of-fold origins at one horizon, fold after fold (symbol after symbol within a fold). */
interface TestOrigins {
  readonly rows: Int32Array;
  /** Range of each fold in `rows`. */
  readonly foldRows: IndexRange[];
}

function testOrigins(history: RegimeHistory, folds: ReturnType<typeof dateFolds>, h: number): TestOrigins {
  const { symbolStart, dateIndex } = history;
  const S = history.symbols.length;
  const ranges = folds.map((fold) => {
    const lo = new Int32Array(S);
    const hi = new Int32Array(S);
    for (let s = 0; s < S; s++) {
      const start = symbolStart[s]!;
      const end = symbolStart[s + 1]!;
      lo[s] = lowerBound(dateIndex, fold.testDates.start, start, end);
      hi[s] = Math.max(lo[s]!, Math.min(lowerBound(dateIndex, fold.testDates.end, start, end), end - h));
    }
    return { lo, hi };
  });
  let total = 0;
  for (const { lo, hi } of ranges) for (let s = 0; s < S; s++) total += hi[s]! - lo[s]!;
  const rows = new Int32Array(total);
  const foldRows: IndexRange[] = [];
  let k = 0;
  for (const { lo, hi } of ranges) {
    const start = k;
    for (let s = 0; s < S; s++) for (let r = lo[s]!; r < hi[s]!; r++) rows[k++] = r;
    foldRows.push({ start, end: k });
  }
  return { rows, foldRows };
}

interface ScoreSettings {
  readonly epsilon: number;
  readonly bins: number;
  readonly reference: string | null;
}

function scoreHorizon(
  history: RegimeHistory,
  origins: TestOrigins,
  h: number,
  forecasters: readonly HorizonForecaster[],
  fitted: readonly (readonly FittedHorizonForecaster[])[],
  windows: readonly ReturnType<typeof trainingWindow>[],
  settings: ScoreSettings,
): HorizonResult {
  const { numStates: K, highState, states, stepsToChange, stepsToHigh } = history;
  const { rows, foldRows } = origins;
  const n = rows.length;
  const y = new Uint8Array(n); // states are < 256 (K is small)
  const left = new Uint8Array(n);
  let nonHigh = 0;
  for (let k = 0; k < n; k++) {
    const r = rows[k]!;
    y[k] = states[r + h]!;
    left[k] = stepsToChange[r]! <= h ? 1 : 0;
    if (states[r] !== highState) nonHigh++;
  }
  const reached = new Uint8Array(nonHigh);
  for (let k = 0, m = 0; k < n; k++) {
    const r = rows[k]!;
    if (states[r] !== highState) reached[m++] = stepsToHigh[r]! <= h ? 1 : 0;
  }

  // One set of forecast buffers for every forecaster in turn (each is scored before the next is
  // forecast): at 5M gold rows a set is ≈ 170 MB.
  const buffers = {
    regime: new Float64Array(n * K),
    reach: new Float64Array(nonHigh),
    leave: new Float64Array(n),
  };
  const scores = forecasters.map((forecaster, m) => {
    const { regime, reach, leave } = forecastOrigins(history, origins, h, forecaster, fitted[m]!, buffers);
    const matrix: ProbabilityMatrix = { samples: n, classes: K, values: regime };
    // Every forecast was checked as it was stored (forecastOrigins) and every outcome is a state of
    // the history, so the scores below skip their own input checks (the same values).
    // Log loss fold by fold; the out-of-fold log loss is their origin-weighted mean.
    let lossTotal = 0;
    const foldLogLoss = foldRows.map((range) => {
      const m = range.end - range.start;
      if (m === 0) return null;
      const values = regime.subarray(range.start * K, range.end * K);
      const loss = logLossOfCheckedInputs(
        y.subarray(range.start, range.end),
        { samples: m, classes: K, values },
        settings.epsilon,
      );
      lossTotal += loss * m;
      return loss;
    });
    return {
      name: forecaster.name,
      baseline: forecaster.baseline,
      regime: {
        n,
        logLoss: lossTotal / n,
        brier: multiclassBrierOfCheckedInputs(y, matrix),
        accuracy: accuracy(y, argmaxPredictions(matrix)),
        brierSkill: null as number | null,
        foldLogLoss,
        // The outcome of P(regime = c)'s table is "regime at t+h = c".
        reliability: classReliabilityTablesOfCheckedInputs(y, matrix, settings.bins),
      },
      reachHigh: nonHigh > 0 ? eventScores(reached, reach, settings) : null,
      leave: eventScores(left, leave, settings),
    };
  });

  const ref = scores.find((s) => s.name === settings.reference);
  const withSkill: ForecasterScores[] = scores.map((s) => ({
    ...s,
    regime: { ...s.regime, brierSkill: skill(s.regime.brier, ref?.regime.brier) },
    reachHigh:
      s.reachHigh === null
        ? null
        : { ...s.reachHigh, brierSkill: skill(s.reachHigh.brier, ref?.reachHigh?.brier) },
    leave: { ...s.leave, brierSkill: skill(s.leave.brier, ref?.leave.brier) },
  }));

  let best = withSkill[0]!;
  for (const s of withSkill) if (s.regime.logLoss < best.regime.logLoss) best = s;
  const margins = withSkill
    .filter((s) => s.baseline && s.name !== best.name)
    .map((s) => ({
      baseline: s.name,
      logLoss: s.regime.logLoss,
      improvement: s.regime.logLoss - best.regime.logLoss,
      relativeImprovement: (s.regime.logLoss - best.regime.logLoss) / s.regime.logLoss,
    }));
  return {
    horizon: h,
    origins: n,
    nonHighOrigins: nonHigh,
    folds: foldRows.map((range, fold) => ({
      fold,
      origins: range.end - range.start,
      trainingOrigins: horizonCounts(windows[fold]!, h).total,
    })),
    forecasters: withSkill,
    winner: { name: best.name, logLoss: best.regime.logLoss, margins },
  };
}

/** Every out-of-fold forecast of one forecaster at horizon h, each made by the fit of its fold. */
function forecastOrigins(
  history: RegimeHistory,
  origins: TestOrigins,
  h: number,
  forecaster: HorizonForecaster,
  fits: readonly FittedHorizonForecaster[],
  out: { regime: Float64Array; reach: Float64Array; leave: Float64Array },
): { regime: Float64Array; reach: Float64Array; leave: Float64Array } {
  const { numStates: K, highState, states, ages, symbolOf } = history;
  const { rows, foldRows } = origins;
  const { regime, reach, leave } = out;
  const origin = { symbol: 0, row: 0, state: 0, age: 0 };
  let j = 0;
  for (let fold = 0; fold < foldRows.length; fold++) {
    const model = fits[fold]!;
    const end = foldRows[fold]!.end;
    for (let k = foldRows[fold]!.start; k < end; k++) {
      const r = rows[k]!;
      origin.symbol = symbolOf[r]!;
      origin.row = r;
      origin.state = states[r]!;
      origin.age = ages[r]!;
      const f = model.forecast(origin, h);
      const problem = copyRegime(f.regime, regime, k, K) ?? checkProbability(f.leave, 'P(leave)');
      if (problem !== null) throw forecastError(forecaster, fold, history, r, h, problem);
      leave[k] = f.leave;
      if (origin.state !== highState) {
        const reachProblem = checkProbability(f.reachHigh, 'P(reach High)');
        if (reachProblem !== null) throw forecastError(forecaster, fold, history, r, h, reachProblem);
        reach[j++] = f.reachHigh;
      }
    }
  }
  return { regime, reach, leave };
}

/** Scores of one event's forecasts; the log loss is computed block by block with metrics.ts `logLoss`. */
function eventScores(outcomes: Uint8Array, predicted: Float64Array, settings: ScoreSettings): EventScores {
  const n = predicted.length;
  const reliability = binaryReliabilityTableOfCheckedInputs(outcomes, predicted, settings.bins);
  const block = new Float64Array(2 * Math.min(BLOCK, n));
  let totalLoss = 0;
  let events = 0;
  let forecastSum = 0;
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let i = start; i < end; i++) {
      const p = predicted[i]!;
      block[2 * (i - start)] = 1 - p;
      block[2 * (i - start) + 1] = p;
      events += outcomes[i]!;
      forecastSum += p;
    }
    const m = end - start;
    const matrix = { samples: m, classes: 2, values: block.subarray(0, 2 * m) };
    totalLoss += logLossOfCheckedInputs(outcomes.subarray(start, end), matrix, settings.epsilon) * m;
  }
  return {
    n,
    observedRate: events / n,
    meanForecast: forecastSum / n,
    logLoss: totalLoss / n,
    brier: reliability.brier,
    brierSkill: null,
    reliability,
  };
}

function skill(brier: number, referenceBrier: number | undefined): number | null {
  if (referenceBrier === undefined || referenceBrier === 0) return null;
  return 1 - brier / referenceBrier;
}

/** Copies a forecast of P(regime) into row k of `out`; returns what is wrong with it, or null. */
function copyRegime(p: ArrayLike<number>, out: Float64Array, k: number, K: number): string | null {
  if (p.length !== K) return `P(regime) has ${p.length} entries, not ${K}`;
  let total = 0;
  for (let c = 0; c < K; c++) {
    const v = p[c]!;
    if (!(v >= 0 && v <= 1)) return `P(regime = ${c}) = ${v}, not in [0, 1]`;
    out[k * K + c] = v;
    total += v;
  }
  return Math.abs(total - 1) > SUM_TOLERANCE ? `P(regime) sums to ${total}, not 1` : null;
}

function checkProbability(p: number, what: string): string | null {
  return p >= 0 && p <= 1 ? null : `${what} = ${p}, not in [0, 1]`;
}

function forecastError(
  forecaster: HorizonForecaster,
  fold: number,
  history: RegimeHistory,
  row: number,
  h: number,
  problem: string,
): EvaluationInputError {
  const symbol = history.symbols[history.symbolOf[row]!];
  const date = formatIsoDay(history.dates[history.dateIndex[row]!]!);
  return new EvaluationInputError(
    `forecaster '${forecaster.name}', fold ${fold}, origin ${symbol} ${date}, h = ${h}: ${problem}`,
  );
}

function validateHorizons(horizons: readonly number[]): number[] {
  if (horizons.length === 0) throw new EvaluationInputError('need at least one horizon');
  const unique = new Set<number>();
  for (const h of horizons) {
    requireHorizon(h);
    if (unique.has(h)) throw new EvaluationInputError(`horizon ${h} is listed twice`);
    unique.add(h);
  }
  return [...horizons];
}

function validateForecasters(forecasters: readonly HorizonForecaster[]): void {
  if (forecasters.length === 0) throw new EvaluationInputError('need at least one forecaster');
  const names = new Set<string>();
  for (const f of forecasters) {
    if (names.has(f.name)) throw new EvaluationInputError(`two forecasters are named '${f.name}'`);
    names.add(f.name);
  }
}
