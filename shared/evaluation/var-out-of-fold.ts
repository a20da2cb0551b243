/**
 * The out-of-fold backtest of the regime model's 1-day VaR (DOMAIN §5 v2), beside unconditional
 * historical simulation.
 *
 * - Folds: the horizon backtest's — scikit-learn `TimeSeriesSplit(n_splits, gap)` over the sorted
 *   distinct dates of all gold rows (shared/evaluation/horizon-data.ts).
 * - A fold's regime model (shared/model/regime-risk.ts, DOMAIN §4.4) is fitted on the next-day
 *   returns of its training window only: origins t whose day t+1 is on or before the last
 *   training date.
 * - Its forecasts: for every test origin t (its date among the fold's test dates, t+1 in the same
 *   symbol), VaR_q of regime s_t is the forecast for r_{t+1}.
 * - Historical simulation: the forecast for r_{t+1} is −quantile(1 − q) of the symbol's previous
 *   `historicalWindow` returns r_{t−W+1..t} (shared/evaluation/var-backtest.ts); no fitting, so no
 *   fold.
 * - Both are scored on the same days: the test days where both have a forecast (a symbol's first
 *   W days have no historical forecast). Kupiec, Christoffersen and conditional coverage as in
 *   var-backtest.ts, with one series per (symbol, fold): the independence test never pairs days of
 *   two symbols or two folds.
 */
import { numpyLinearQuantile } from '#shared/monitoring/drift-stats';
import { EvaluationInputError } from './errors.ts';
import { buildRegimeHistory, dateFolds, lowerBound, trainingWindow } from './horizon-data.ts';
import { backtestVar, historicalSimulationVar, type VarBacktest, type VarSeries } from './var-backtest.ts';

/** One symbol's gold rows in date order. */
export interface VarBacktestInput {
  readonly symbol: string;
  readonly day: ArrayLike<number>;
  readonly states: ArrayLike<number>;
  /** log_return of each row (r_t, from day t − 1 to day t). */
  readonly returns: ArrayLike<number>;
}

export interface VarOutOfFoldOptions {
  readonly numStates: number;
  readonly nSplits: number;
  readonly gap: number;
  /** VaR levels q (config model.risk.levels). */
  readonly levels: readonly number[];
  /** W of historical simulation (config model.risk.historicalWindow). */
  readonly historicalWindow: number;
}

export interface VarOutOfFoldReport {
  nSplits: number;
  gap: number;
  historicalWindow: number;
  /** Days scored (the same for both forecasters). */
  days: number;
  /** Symbols with at least one scored day. */
  symbols: number;
  levels: { level: number; regime: VarBacktest; historical: VarBacktest }[];
  /** Symbols left out and why (e.g. a non-finite return). */
  skipped: { symbol: string; reason: string }[];
}

/**
 * Backtests the regime model's 1-day VaR out of fold beside historical simulation (see the module
 * comment).
 * @throws EvaluationInputError when no day can be scored by both forecasters
 * @throws TooFewSamplesError when there are too few distinct dates for the folds
 */
export function backtestRegimeVarOutOfFold(
  inputs: readonly VarBacktestInput[],
  options: VarOutOfFoldOptions,
): VarOutOfFoldReport {
  const { numStates: K, levels, historicalWindow: W } = options;
  const skipped: { symbol: string; reason: string }[] = [];
  const usable = inputs.filter((input) => {
    if (input.returns.length !== input.states.length) {
      throw new EvaluationInputError(
        `${input.symbol}: ${input.states.length} states but ${input.returns.length} returns`,
      );
    }
    for (let t = 1; t < input.returns.length; t++) {
      if (!Number.isFinite(input.returns[t]!)) {
        skipped.push({ symbol: input.symbol, reason: `log_return on row ${t + 1} is not finite` });
        return false;
      }
    }
    return true;
  });
  const history = buildRegimeHistory(
    usable.map((u) => ({ symbol: u.symbol, dates: u.day, states: u.states })),
    K,
  );
  const { symbolStart, dateIndex, states } = history;
  const folds = dateFolds(history, options.nSplits, options.gap);

  // Per symbol: the historical forecasts (from its second row: the first return may be absent).
  const historical = usable.map((u) => {
    const tail = Float64Array.from(
      { length: Math.max(0, u.returns.length - 1) },
      (_, i) => u.returns[i + 1]!,
    );
    return historicalSimulationVar(tail, levels, W).map((forecasts) => {
      const aligned = new Float64Array(u.returns.length).fill(Number.NaN);
      aligned.set(forecasts, 1);
      return aligned;
    });
  });

  const regimeSeries: VarSeries[][] = levels.map(() => []);
  const historicalSeries: VarSeries[][] = levels.map(() => []);
  const scoredSymbols = new Set<number>();
  let days = 0;
  for (const fold of folds) {
    const window = trainingWindow(history, fold);
    const samples = trainingReturns(usable, symbolStart, window.end, states, K);
    const byRegime = levels.map((level) =>
      samples.map((sample) => (sample.length === 0 ? Number.NaN : -quantileBySelection(sample, 1 - level))),
    );
    usable.forEach((u, s) => {
      const start = symbolStart[s]!;
      const n = u.returns.length;
      // The fold's test origins of this symbol are consecutive rows [a, b) (dates increase); their
      // forecast days are a+1..b (within the symbol).
      const a = lowerBound(dateIndex, fold.testDates.start, start, start + n) - start;
      const b = Math.min(lowerBound(dateIndex, fold.testDates.end, start, start + n) - start, n - 1);
      if (b <= a) return;
      const span = b - a;
      const regimeVar = levels.map(() => new Float64Array(span).fill(Number.NaN));
      const historicalVar = levels.map(() => new Float64Array(span).fill(Number.NaN));
      let count = 0;
      for (let t = a; t < b; t++) {
        const state = states[start + t]!;
        const both = levels.every(
          (_, l) => Number.isFinite(byRegime[l]![state]!) && Number.isFinite(historical[s]![l]![t + 1]!),
        );
        if (!both) continue;
        levels.forEach((_, l) => {
          regimeVar[l]![t - a] = byRegime[l]![state]!;
          historicalVar[l]![t - a] = historical[s]![l]![t + 1]!;
        });
        count++;
      }
      if (count === 0) return;
      days += count;
      scoredSymbols.add(s);
      const outcomes = sliceOf(u.returns, a + 1, b + 1);
      levels.forEach((_, l) => {
        regimeSeries[l]!.push({ valueAtRisk: regimeVar[l]!, returns: outcomes });
        historicalSeries[l]!.push({ valueAtRisk: historicalVar[l]!, returns: outcomes });
      });
    });
  }
  if (days === 0) {
    throw new EvaluationInputError(
      `no test day has both a regime VaR and a ${W}-day historical VaR (each symbol needs more than ${W} returns)`,
    );
  }
  return {
    nSplits: options.nSplits,
    gap: options.gap,
    historicalWindow: W,
    days,
    symbols: scoredSymbols.size,
    levels: levels.map((level, l) => ({
      level,
      regime: backtestVar(regimeSeries[l]!, level),
      historical: backtestVar(historicalSeries[l]!, level),
    })),
    skipped,
  };
}

function sliceOf(values: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  return values instanceof Float64Array ? values.subarray(start, end) : Array.from(values).slice(start, end);
}

/**
 * Each regime's next-day returns r[t+1] of a fold's training window (rows t, t+1 both before the
 * window's end in their symbol), unsorted: the returns shared/model/regime-risk.ts
 * `nextDayReturnsByRegime` collects, without its sort (a fold needs two order statistics).
 */
function trainingReturns(
  inputs: readonly VarBacktestInput[],
  symbolStart: Int32Array,
  end: Int32Array,
  states: Uint8Array,
  k: number,
): Float64Array[] {
  const counts = new Int32Array(k);
  inputs.forEach((_, s) => {
    for (let r = symbolStart[s]!; r + 1 < end[s]!; r++) counts[states[r]!]!++;
  });
  const out = Array.from(counts, (n) => new Float64Array(n));
  const filled = new Int32Array(k);
  inputs.forEach((u, s) => {
    const start = symbolStart[s]!;
    for (let r = start; r + 1 < end[s]!; r++) {
      const state = states[r]!;
      out[state]![filled[state]!++] = u.returns[r - start + 1]!;
    }
  });
  return out;
}

/**
 * numpy's linear-interpolation quantile (drift-stats `numpyLinearQuantile`) of an unsorted sample,
 * from the two order statistics it needs, found by selection (O(n); reorders `values`).
 */
export function quantileBySelection(values: Float64Array, probability: number): number {
  const n = values.length;
  const virtualIndex = (n - 1) * probability;
  if (n <= 2 || virtualIndex <= 0 || virtualIndex >= n - 1) {
    return numpyLinearQuantile(Float64Array.from(values).sort(), probability);
  }
  const below = Math.floor(virtualIndex);
  select(values, below);
  let next = Number.POSITIVE_INFINITY;
  for (let i = below + 1; i < n; i++) if (values[i]! < next) next = values[i]!;
  return numpyLinearQuantile([values[below]!, next], virtualIndex - below);
}

/** Reorders `a` so that a[k] is its k-th smallest value, smaller or equal ones before, larger or equal after (Hoare quickselect, median-of-three). */
function select(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}
