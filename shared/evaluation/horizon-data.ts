/**
 * The data of the horizon backtest (DOMAIN §5 v2): every symbol's gold regime sequence in one
 * columnar {@link RegimeHistory}, the date-level folds over the sorted distinct dates of all rows,
 * and the {@link TrainingWindow} of each fold — each symbol's rows up to the fold's last training
 * date, so a transition or origin–outcome pair is in training exactly when its later day is.
 *
 * Outcomes of an origin t at horizon h (t + h = h gold rows later in the same symbol):
 * the regime at t + h; whether a High day occurs in (t, t + h]; whether the regime is left in
 * (t, t + h] (some day in it differs from s_t). Both path events come from per-row step counts
 * ({@link RegimeHistory.stepsToChange}, {@link RegimeHistory.stepsToHigh}), so any horizon is O(1).
 */
import { parseIsoDay } from '#shared/data/values';
import { EvaluationInputError } from './errors.ts';
import { type IndexRange, timeSeriesSplit } from './folds.ts';

/** One symbol's gold regimes in date order (e.g. a GoldTable's `symbol`, `day`, `markov_state`). */
export interface RegimeSequenceInput {
  readonly symbol: string;
  /**
   * Day numbers (days since 1970-01-01, as GoldTable.day) or ISO `YYYY-MM-DD` dates, strictly
   * increasing.
   */
  readonly dates: ArrayLike<number> | readonly string[];
  /** Regime state (integer in 0 … K−1) of each date. */
  readonly states: ArrayLike<number>;
}

/** Steps value meaning "never, within this symbol's data". */
export const NEVER = 0x3fffffff;

/**
 * All symbols' rows, symbol after symbol in input order, dates increasing within a symbol. Row r
 * of every column is the same gold row, so a forecaster can bring columns of its own (returns, …)
 * aligned to these rows.
 */
export interface RegimeHistory {
  readonly numStates: number;
  /** The state of "reach High within h" (the absorbing regime). */
  readonly highState: number;
  readonly symbols: readonly string[];
  /** Rows of symbol s are `[symbolStart[s], symbolStart[s + 1])`; length = symbols + 1. */
  readonly symbolStart: Int32Array;
  /** Symbol index of each row. */
  readonly symbolOf: Int32Array;
  readonly states: Uint8Array;
  /** Consecutive days in the current regime up to and including the row (1 on entry; DOMAIN §3 `regime_age`). */
  readonly ages: Int32Array;
  /** Sorted distinct day numbers of all rows. */
  readonly dates: Int32Array;
  /** Index of each row's day in {@link dates}. */
  readonly dateIndex: Int32Array;
  /** Rows until the first later row of the symbol in another state ({@link NEVER} if none). */
  readonly stepsToChange: Int32Array;
  /** Rows until the first later row of the symbol in the High state ({@link NEVER} if none). */
  readonly stepsToHigh: Int32Array;
}

/**
 * Builds the {@link RegimeHistory} of the given sequences. Empty sequences are kept (they have no
 * rows).
 * @throws EvaluationInputError naming the symbol and position of a bad state or date, a duplicate
 *   symbol, mismatched lengths, or `numStates` / `highState` out of range.
 */
export function buildRegimeHistory(
  sequences: readonly RegimeSequenceInput[],
  numStates: number,
  highState: number = numStates - 1,
): RegimeHistory {
  if (!Number.isInteger(numStates) || numStates < 2 || numStates > 255) {
    throw new EvaluationInputError(`numStates must be an integer in [2, 255], got ${numStates}`);
  }
  if (!Number.isInteger(highState) || highState < 0 || highState >= numStates) {
    throw new EvaluationInputError(`highState ${highState} is not a state in [0, ${numStates})`);
  }
  const seen = new Set<string>();
  const symbolStart = new Int32Array(sequences.length + 1);
  for (let s = 0; s < sequences.length; s++) {
    const sequence = sequences[s]!;
    if (seen.has(sequence.symbol)) {
      throw new EvaluationInputError(`symbol '${sequence.symbol}' appears in two sequences`);
    }
    seen.add(sequence.symbol);
    if (sequence.states.length !== sequence.dates.length) {
      throw new EvaluationInputError(
        `${sequence.symbol}: ${sequence.states.length} states but ${sequence.dates.length} dates`,
      );
    }
    symbolStart[s + 1] = symbolStart[s]! + sequence.states.length;
  }
  const n = symbolStart[sequences.length]!;
  const states = new Uint8Array(n);
  const days = new Int32Array(n);
  const symbolOf = new Int32Array(n);
  for (let s = 0; s < sequences.length; s++) {
    const { symbol, dates, states: input } = sequences[s]!;
    const offset = symbolStart[s]!;
    for (let t = 0; t < input.length; t++) {
      const state = input[t]!;
      if (!Number.isInteger(state) || state < 0 || state >= numStates) {
        throw new EvaluationInputError(
          `${symbol}: state ${state} at position ${t} is not an integer in [0, ${numStates})`,
        );
      }
      const day = dayNumber(dates[t]!, symbol, t);
      if (t > 0 && !(day > days[offset + t - 1]!)) {
        throw new EvaluationInputError(
          `${symbol}: dates must strictly increase, but ${String(dates[t])} (position ${t}) follows ` +
            `${String(dates[t - 1])}`,
        );
      }
      states[offset + t] = state;
      days[offset + t] = day;
      symbolOf[offset + t] = s;
    }
  }
  const dates = distinctSorted(days);
  const dateIndex = new Int32Array(n);
  const ages = new Int32Array(n);
  const stepsToChange = new Int32Array(n);
  const stepsToHigh = new Int32Array(n);
  for (let s = 0; s < sequences.length; s++) {
    const start = symbolStart[s]!;
    const end = symbolStart[s + 1]!;
    if (start === end) continue;
    let d = lowerBound(dates, days[start]!, 0, dates.length);
    for (let r = start; r < end; r++) {
      while (dates[d]! < days[r]!) d++;
      dateIndex[r] = d;
      ages[r] = r > start && states[r] === states[r - 1] ? ages[r - 1]! + 1 : 1;
    }
    stepsToChange[end - 1] = NEVER;
    stepsToHigh[end - 1] = NEVER;
    for (let r = end - 2; r >= 0 && r >= start; r--) {
      stepsToChange[r] = states[r + 1] !== states[r] ? 1 : saturatingIncrement(stepsToChange[r + 1]!);
      stepsToHigh[r] = states[r + 1] === highState ? 1 : saturatingIncrement(stepsToHigh[r + 1]!);
    }
  }
  return {
    numStates,
    highState,
    symbols: sequences.map((sequence) => sequence.symbol),
    symbolStart,
    symbolOf,
    states,
    ages,
    dates,
    dateIndex,
    stepsToChange,
    stepsToHigh,
  };
}

/** The walk-forward layout over dates: scikit-learn `TimeSeriesSplit` on the distinct-date list. */
export interface DateFold {
  readonly fold: number;
  /** Indices into {@link RegimeHistory.dates} of the training dates, `[0, end)`. */
  readonly trainDates: IndexRange;
  /** Indices of the test dates. */
  readonly testDates: IndexRange;
}

/**
 * `TimeSeriesSplit(n_splits = nSplits, gap).split(dates)` over the sorted distinct dates
 * (scikit-learn 1.2 index arithmetic, see {@link timeSeriesSplit}).
 * @throws TooFewSamplesError when there are too few distinct dates.
 */
export function dateFolds(history: RegimeHistory, nSplits: number, gap: number): DateFold[] {
  return timeSeriesSplit(history.dates.length, { nSplits, gap }).map((split, fold) => ({
    fold,
    trainDates: split.train,
    testDates: split.test,
  }));
}

/**
 * A fold's training data: each symbol's rows `[symbolStart[s], end[s])`, i.e. those dated on or
 * before the fold's last training date. Every transition and every origin–outcome pair whose both
 * rows lie in this range is a training sample — exactly those whose later day is on or before the
 * last training date. A forecaster must not read rows outside it.
 */
export interface TrainingWindow {
  readonly history: RegimeHistory;
  readonly fold: number;
  /** Exclusive end row of each symbol's training rows. */
  readonly end: Int32Array;
  /** Day number of the last training date. */
  readonly lastDate: number;
}

/** The training window of a fold (rows dated before `trainDates.end`). */
export function trainingWindow(history: RegimeHistory, fold: DateFold): TrainingWindow {
  const { symbolStart, dateIndex } = history;
  const limit = fold.trainDates.end;
  if (limit <= 0) throw new EvaluationInputError(`fold ${fold.fold} has no training dates`);
  const end = new Int32Array(history.symbols.length);
  for (let s = 0; s < end.length; s++) {
    end[s] = lowerBound(dateIndex, limit, symbolStart[s]!, symbolStart[s + 1]!);
  }
  return { history, fold: fold.fold, end, lastDate: history.dates[limit - 1]! };
}

/** Each symbol's training states as a view (the `sequences` argument of shared/model/markov.ts). */
export function windowSequences(window: TrainingWindow): Uint8Array[] {
  const { states, symbolStart } = window.history;
  return Array.from(window.end, (end, s) => states.subarray(symbolStart[s]!, end));
}

/** Counts of a window's origin–outcome pairs at one horizon. */
export interface HorizonCounts {
  readonly horizon: number;
  /** `pairs[i·K + j]` = #{training origins t : s_t = i, s_{t+h} = j}. */
  readonly pairs: Float64Array;
  /** Training origins per state i (Σ_j pairs[i·K + j]). */
  readonly origins: Float64Array;
  /** Per state i: origins with a High day in (t, t+h] (for i = High: a later High day, unused). */
  readonly reachHigh: Float64Array;
  /** Per state i: origins whose regime changes within (t, t+h]. */
  readonly leave: Float64Array;
  /** All training origins. */
  readonly total: number;
}

const countsCache = new WeakMap<TrainingWindow, Map<number, HorizonCounts>>();

/**
 * The origin–outcome counts of a training window at horizon h (memoised per window and h, so
 * forecasters sharing a window count once).
 */
export function horizonCounts(window: TrainingWindow, horizon: number): HorizonCounts {
  requireHorizon(horizon);
  let byHorizon = countsCache.get(window);
  if (byHorizon === undefined) {
    byHorizon = new Map();
    countsCache.set(window, byHorizon);
  }
  const cached = byHorizon.get(horizon);
  if (cached !== undefined) return cached;
  const { numStates: K, states, stepsToChange, stepsToHigh, symbolStart } = window.history;
  const pairs = new Float64Array(K * K);
  const reachHigh = new Float64Array(K);
  const leave = new Float64Array(K);
  for (let s = 0; s < window.end.length; s++) {
    const last = window.end[s]! - horizon;
    for (let t = symbolStart[s]!; t < last; t++) {
      const i = states[t]!;
      pairs[i * K + states[t + horizon]!]!++;
      if (stepsToHigh[t]! <= horizon) reachHigh[i]!++;
      if (stepsToChange[t]! <= horizon) leave[i]!++;
    }
  }
  const origins = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) origins[i]! += pairs[i * K + j]!;
    total += origins[i]!;
  }
  const counts = { horizon, pairs, origins, reachHigh, leave, total };
  byHorizon.set(horizon, counts);
  return counts;
}

export function requireHorizon(horizon: number): void {
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new EvaluationInputError(`horizon must be an integer >= 1, got ${horizon}`);
  }
}

/** First index in [lo, hi) of the ascending `values` with values[i] ≥ x (hi when none). */
export function lowerBound(values: ArrayLike<number>, x: number, lo: number, hi: number): number {
  let low = lo;
  let high = hi;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid]! < x) low = mid + 1;
    else high = mid;
  }
  return low;
}

function distinctSorted(days: Int32Array): Int32Array {
  const sorted = days.slice().sort();
  let m = 0;
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i]!;
  return sorted.slice(0, m);
}

function saturatingIncrement(steps: number): number {
  return steps >= NEVER ? NEVER : steps + 1;
}

function dayNumber(date: number | string, symbol: string, position: number): number {
  if (typeof date === 'number') {
    if (!Number.isInteger(date) || Math.abs(date) > 1e8) {
      throw new EvaluationInputError(`${symbol}: date ${date} at position ${position} is not a day number`);
    }
    return date;
  }
  const day = parseIsoDay(date);
  if (day === undefined) {
    throw new EvaluationInputError(
      `${symbol}: '${date}' at position ${position} is not a calendar date in YYYY-MM-DD form`,
    );
  }
  return day;
}
