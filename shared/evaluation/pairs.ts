/**
 * Prediction pairs (s_t → s_{t+1}) for walk-forward evaluation (DOMAIN §5): built within each
 * symbol (a pair never spans two symbols) and pooled in time order.
 */
import { EvaluationInputError } from './errors.ts';
import type { TransitionPairs } from './types.ts';

/** One symbol's states in date order (consecutive entries are consecutive observations). */
export interface SymbolStateSequence {
  readonly symbol: string;
  /**
   * Date of each state: ISO `YYYY-MM-DD` strings or day numbers (any increasing numeric day scale),
   * strictly increasing (an Int32Array of day numbers too). All sequences passed together must use
   * the same kind.
   */
  readonly dates: ArrayLike<string | number>;
  /** Markov state (integer ≥ 0) of each date. */
  readonly states: ArrayLike<number>;
}

/** Pooled, time-ordered transition pairs with their provenance. */
export interface PredictionPairs extends TransitionPairs {
  /** Symbol of each pair. */
  readonly symbols: readonly string[];
  /** Date of s_t (the state the forecast is made from) of each pair, as given. */
  readonly dates: readonly (string | number)[];
}

export interface BuildPairsOptions {
  /** When given, every state must be `< numStates`. */
  readonly numStates?: number;
}

/**
 * Builds the pairs (s_t → s_{t+1}) of consecutive states within each symbol and orders them by
 * the date of s_t, then by symbol.
 *
 * Tie rule: pairs whose s_t falls on the same date are ordered by symbol in ascending UTF-16
 * code-unit order (JavaScript `<` on strings — the same as Python `str` ordering, e.g.
 * `pandas.sort_values(["date", "symbol"])`, for symbols without characters beyond U+FFFF;
 * not locale-aware). No further tie is possible: dates strictly increase within a symbol and
 * symbols are unique.
 *
 * @throws EvaluationInputError for duplicate symbols, mismatched lengths, invalid or
 *   non-increasing dates, mixed date kinds, or states that are not integers in range.
 */
export function buildPredictionPairs(
  sequences: readonly SymbolStateSequence[],
  options: BuildPairsOptions = {},
): PredictionPairs {
  requireOneDateKind(sequences);
  const symbolRank = rankSymbols(sequences);
  let total = 0;
  for (const sequence of sequences) {
    validateStates(sequence, options.numStates);
    total += Math.max(0, sequence.dates.length - 1);
  }

  // Gather every pair (its day key straight into one buffer: no per-symbol arrays, which at 5M
  // rows were 80 MB of garbage), then sort (date of s_t, symbol rank).
  const pairKey = new Float64Array(total);
  const pairSequence = new Int32Array(total);
  const pairOffset = new Int32Array(total);
  let p = 0;
  sequences.forEach((sequence, s) => {
    const { dates } = sequence;
    let previous = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < dates.length; t++) {
      const key = toDayKey(dates[t]!, sequence.symbol);
      if (!(key > previous)) {
        throw new EvaluationInputError(
          `${sequence.symbol}: dates must strictly increase, but ${String(dates[t])} follows ${String(dates[t - 1])}`,
        );
      }
      previous = key;
      if (t + 1 < dates.length) {
        pairKey[p] = key;
        pairSequence[p] = s;
        pairOffset[p] = t;
        p++;
      }
    }
  });
  const order = new Int32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => {
    const byDate = pairKey[a]! - pairKey[b]!;
    return byDate !== 0 ? byDate : symbolRank[pairSequence[a]!]! - symbolRank[pairSequence[b]!]!;
  });

  const from = new Int32Array(total);
  const to = new Int32Array(total);
  const symbols = new Array<string>(total);
  const dates = new Array<string | number>(total);
  for (let i = 0; i < total; i++) {
    const pair = order[i]!;
    const sequence = sequences[pairSequence[pair]!]!;
    const t = pairOffset[pair]!;
    from[i] = sequence.states[t]!;
    to[i] = sequence.states[t + 1]!;
    symbols[i] = sequence.symbol;
    dates[i] = sequence.dates[t]!;
  }
  return { from, to, symbols, dates };
}

/** States are stored in Int32Array columns. */
const MAX_STATE_COUNT = 2 ** 31 - 1;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Day number of an ISO date (days since 1970-01-01) or the given day number itself. */
function toDayKey(date: string | number, symbol: string): number {
  if (typeof date === 'number') {
    if (!Number.isFinite(date))
      throw new EvaluationInputError(`${symbol}: date ${date} is not a finite number`);
    return date;
  }
  const match = ISO_DATE.exec(date);
  if (match !== null) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const utc = new Date(Date.UTC(year, month - 1, day));
    utc.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999
    if (utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day) {
      return Math.round(utc.getTime() / MS_PER_DAY);
    }
  }
  throw new EvaluationInputError(`${symbol}: '${date}' is not a calendar date in YYYY-MM-DD form`);
}

function requireOneDateKind(sequences: readonly SymbolStateSequence[]): void {
  let kind: 'string' | 'number' | undefined;
  for (const sequence of sequences) {
    for (let t = 0; t < sequence.dates.length; t++) {
      const k = typeof sequence.dates[t] === 'number' ? 'number' : 'string';
      if (kind !== undefined && k !== kind) {
        throw new EvaluationInputError(
          `${sequence.symbol}: dates mix ISO strings and day numbers; use one kind for all sequences`,
        );
      }
      kind = k;
    }
  }
}

/** Rank of each sequence's symbol in code-unit order; rejects duplicates. */
function rankSymbols(sequences: readonly SymbolStateSequence[]): Int32Array {
  const indices = sequences.map((_, i) => i);
  indices.sort((a, b) => compareCodeUnits(sequences[a]!.symbol, sequences[b]!.symbol));
  const rank = new Int32Array(sequences.length);
  indices.forEach((sequenceIndex, r) => {
    if (r > 0 && sequences[indices[r - 1]!]!.symbol === sequences[sequenceIndex]!.symbol) {
      throw new EvaluationInputError(`symbol '${sequences[sequenceIndex]!.symbol}' appears in two sequences`);
    }
    rank[sequenceIndex] = r;
  });
  return rank;
}

function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

function validateStates(sequence: SymbolStateSequence, numStates: number | undefined): void {
  if (sequence.states.length !== sequence.dates.length) {
    throw new EvaluationInputError(
      `${sequence.symbol}: ${sequence.states.length} states but ${sequence.dates.length} dates`,
    );
  }
  for (let t = 0; t < sequence.states.length; t++) {
    const state = sequence.states[t]!;
    const limit = numStates ?? MAX_STATE_COUNT;
    if (!Number.isInteger(state) || state < 0 || state >= limit) {
      const range = numStates === undefined ? 'a non-negative integer' : `an integer in [0, ${numStates})`;
      throw new EvaluationInputError(`${sequence.symbol}: state ${state} at position ${t} is not ${range}`);
    }
  }
}
