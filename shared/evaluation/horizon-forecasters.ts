/**
 * h-step forecasters of the horizon backtest (DOMAIN §4.1, §4.3, §5 v2). A forecaster is fitted on
 * one fold's {@link TrainingWindow} and then asked, for an origin (symbol, row, state, age) and a
 * horizon h, for three things: P(regime at t+h), P(a High day within (t, t+h]) and P(the regime is
 * left within (t, t+h]). New models (the semi-Markov chain, the HMM) implement
 * {@link HorizonForecaster}; the backtest treats every forecaster the same way.
 *
 * Built in: the Markov chain P^h, the direct h-step table F^h / G^h, climatology and fitted
 * persistence. The path events of the two baselines are the pooled training shares (they carry no
 * state information), so climatology and persistence forecast them identically.
 */

import { matrixPower } from '#shared/model/linalg';
import type { ZeroRowPolicy } from '#shared/model/markov';
import { fitTransitionMatrix, reachProbabilities, transitionCounts } from '#shared/model/markov';
import {
  fitSemiMarkovSequences,
  type SemiMarkovFitOptions,
  semiMarkovCell,
  semiMarkovHorizonTable,
} from '#shared/model/semi-markov';
import { EvaluationInputError } from './errors.ts';
import { horizonCounts, requireHorizon, type TrainingWindow, windowSequences } from './horizon-data.ts';

/** The origin of a forecast: a gold row of the history. */
export interface ForecastOrigin {
  /** Symbol index in the history. */
  readonly symbol: number;
  /** Row index in the history (row-aligned columns of a forecaster's own can be read with it). */
  readonly row: number;
  /** Regime s_t. */
  readonly state: number;
  /** regime_age on day t (≥ 1). */
  readonly age: number;
}

/** A forecast from one origin at one horizon. */
export interface HorizonForecast {
  /** P(regime at t+h = k), k = 0 … K−1, summing to 1. */
  readonly regime: ArrayLike<number>;
  /** P(a High day in (t, t+h]); only read for non-High origins. */
  readonly reachHigh: number;
  /** P(some day in (t, t+h] is not in regime s_t). */
  readonly leave: number;
}

/** A forecaster fitted on one training window. */
export interface FittedHorizonForecaster {
  /**
   * The forecast from `origin` at `horizon` (one of the horizons it was fitted for). The origin
   * object may be reused by the caller after the call, and the returned forecast may be shared
   * between calls: the caller copies what it needs before the next call.
   */
  forecast(origin: ForecastOrigin, horizon: number): HorizonForecast;
}

/** A forecasting model or baseline the horizon backtest can fit per fold. */
export interface HorizonForecaster {
  /** Unique name in a backtest, e.g. `markov`. */
  readonly name: string;
  /** A reference forecaster of DOMAIN §5 (climatology, fitted persistence, direct table). */
  readonly baseline: boolean;
  /** Fits on the window's rows only; `horizons` are those it will be asked for. */
  fit(window: TrainingWindow, horizons: readonly number[]): FittedHorizonForecaster;
}

export interface MarkovForecasterOptions {
  /** Laplace pseudo-count α (config markov.alpha). @default 1 */
  readonly alpha?: number;
  /** With α = 0, the fill of a row never left (config markov.zeroRowPolicy). @default 'absorbing' */
  readonly zeroRowPolicy?: ZeroRowPolicy;
  /** @default 'markov' */
  readonly name?: string;
}

/**
 * The first-order Markov chain (DOMAIN §4.1), fitted on the window's transitions with
 * shared/model/markov.ts: P(regime at t+h) = row s_t of P^h; P(reach High within h) =
 * (A^h)[s_t, High] with A the chain absorbed in High; P(leave within h) = 1 − P_ii^h (staying h
 * consecutive days).
 */
export function markovChainForecaster(options: MarkovForecasterOptions = {}): HorizonForecaster {
  const alpha = options.alpha ?? 1;
  const policy = options.zeroRowPolicy ?? 'absorbing';
  return {
    name: options.name ?? 'markov',
    baseline: false,
    fit(window, horizons) {
      const { numStates: K, highState } = window.history;
      const counts = transitionCounts(windowSequences(window), K);
      const p = fitTransitionMatrix(counts, alpha, policy).matrix;
      const maxHorizon = horizons.reduce((m, h) => Math.max(m, h), 0);
      const reach = reachProbabilities(p, highState, maxHorizon);
      return tableForecaster(
        K,
        horizons.map((h) => {
          requireHorizon(h);
          const ph = matrixPower(p, h);
          return {
            horizon: h,
            regime: (i) => ph[i]!,
            reachHigh: (i) => reach[i]![h - 1]!,
            leave: (i) => 1 - p[i]![i]! ** h,
          };
        }),
      );
    },
  };
}

export interface DirectForecasterOptions {
  /** Additive smoothing α of every table (config markov.alpha). @default 1 */
  readonly alpha?: number;
  /** @default 'direct' */
  readonly name?: string;
}

/**
 * The direct h-step table (DOMAIN §4.3) over the window's origin–outcome pairs:
 * F^h_ij = (#{s_t = i, s_{t+h} = j} + α) / (#{s_t = i} + Kα); the two path events are smoothed
 * the same way with two outcomes: G^h_i = (#{s_t = i, High in (t, t+h]} + α) / (#{s_t = i} + 2α)
 * and L^h_i = (#{s_t = i, regime left in (t, t+h]} + α) / (#{s_t = i} + 2α). A state with no
 * origin and α = 0 gets 1/K (and 1/2): no information, no preference.
 */
export function directTableForecaster(options: DirectForecasterOptions = {}): HorizonForecaster {
  const alpha = requireAlpha(options.alpha ?? 1);
  return {
    name: options.name ?? 'direct',
    baseline: true,
    fit(window, horizons) {
      const K = window.history.numStates;
      return tableForecaster(
        K,
        horizons.map((h) => {
          const c = horizonCounts(window, h);
          return {
            horizon: h,
            regime: (i) =>
              Array.from({ length: K }, (_, j) => smoothed(c.pairs[i * K + j]!, c.origins[i]!, alpha, K)),
            reachHigh: (i) => smoothed(c.reachHigh[i]!, c.origins[i]!, alpha, 2),
            leave: (i) => smoothed(c.leave[i]!, c.origins[i]!, alpha, 2),
          };
        }),
      );
    },
  };
}

/**
 * Climatology (DOMAIN §5): the training shares of the state at t+h over all training origins,
 * whatever s_t (unsmoothed; a state never seen at t+h gets 0). P(reach High within h) = share of
 * non-High training origins that reached High within h; P(leave within h) = share of training
 * origins that left their regime within h. With no training origin: 1/K (and 1/2).
 */
export function climatologyForecaster(name = 'climatology'): HorizonForecaster {
  return {
    name,
    baseline: true,
    fit(window, horizons) {
      const { numStates: K, highState } = window.history;
      return tableForecaster(
        K,
        horizons.map((h) => {
          const c = horizonCounts(window, h);
          const shares = Array.from({ length: K }, (_, j) => {
            let column = 0;
            for (let i = 0; i < K; i++) column += c.pairs[i * K + j]!;
            return share(column, c.total, 1 / K);
          });
          const pooled = pooledPathShares(c, K, highState);
          return {
            horizon: h,
            regime: () => shares,
            reachHigh: () => pooled.reach,
            leave: () => pooled.leave,
          };
        }),
      );
    },
  };
}

/**
 * Fitted persistence (DOMAIN §5): P(regime at t+h = s_t) = q, every other state (1 − q)/(K − 1),
 * q = the share of training origins whose state at t+h equals s_t. Persistence has no model of the
 * path, so its two path events are the pooled training shares (as {@link climatologyForecaster}).
 * With no training origin q = 1/K.
 */
export function fittedPersistenceForecaster(name = 'persistence'): HorizonForecaster {
  return {
    name,
    baseline: true,
    fit(window, horizons) {
      const { numStates: K, highState } = window.history;
      return tableForecaster(
        K,
        horizons.map((h) => {
          const c = horizonCounts(window, h);
          let stays = 0;
          for (let i = 0; i < K; i++) stays += c.pairs[i * K + i]!;
          const q = share(stays, c.total, 1 / K);
          const pooled = pooledPathShares(c, K, highState);
          return {
            horizon: h,
            regime: (i) => Array.from({ length: K }, (_, j) => (j === i ? q : (1 - q) / (K - 1))),
            reachHigh: () => pooled.reach,
            leave: () => pooled.leave,
          };
        }),
      );
    },
  };
}

export interface SemiMarkovForecasterOptions extends SemiMarkovFitOptions {
  /** @default 'semi-markov' */
  readonly name?: string;
}

/**
 * The semi-Markov chain (DOMAIN §4.2) fitted on the window's runs (a symbol's last training run is
 * right-censored at the window's end, so nothing after the last training date is read): its
 * forecasts depend on the origin's regime and its age (`regime_age`), looked up in one backward
 * table per fold (shared/model/semi-markov.ts `semiMarkovHorizonTable`).
 */
export function semiMarkovForecaster(options: SemiMarkovForecasterOptions): HorizonForecaster {
  const { name = 'semi-markov', ...fit } = options;
  return {
    name,
    baseline: false,
    fit(window, horizons) {
      const { numStates: K, highState } = window.history;
      for (const h of horizons) requireHorizon(h);
      const model = fitSemiMarkovSequences(windowSequences(window), K, fit);
      const table = semiMarkovHorizonTable(model, horizons, highState);
      const start = { state: 0, age: 1 };
      const forecast = { regime: new Float64Array(K), reachHigh: 0, leave: 0 };
      return {
        forecast(origin, horizon) {
          const index = table.horizons.indexOf(horizon);
          if (index === -1) throw new EvaluationInputError(`not fitted for horizon ${horizon}`);
          start.state = origin.state;
          start.age = origin.age;
          const cell = semiMarkovCell(table, start);
          forecast.regime.set(table.distribution[index]!.subarray(cell * K, cell * K + K));
          forecast.reachHigh = table.reachWithin[index]![cell]!;
          forecast.leave = table.leaveWithin[index]![cell]!;
          return forecast;
        },
      };
    },
  };
}

export interface DefaultForecasterOptions extends MarkovForecasterOptions {
  /** The semi-Markov chain's settings (config model.semiMarkov); absent: no semi-Markov forecaster. */
  readonly semiMarkov?: SemiMarkovFitOptions;
}

/**
 * The forecasters of DOMAIN §5 v2 with the chain's α: chain, semi-Markov chain (when its settings
 * are given), direct table, climatology, persistence.
 */
export function defaultHorizonForecasters(options: DefaultForecasterOptions = {}): HorizonForecaster[] {
  const { semiMarkov, ...markov } = options;
  return [
    markovChainForecaster(markov),
    ...(semiMarkov ? [semiMarkovForecaster(semiMarkov)] : []),
    directTableForecaster({ alpha: options.alpha ?? 1 }),
    climatologyForecaster(),
    fittedPersistenceForecaster(),
  ];
}

/** Per-state definition of a state-only forecaster at one horizon. */
interface StateTableDefinition {
  readonly horizon: number;
  readonly regime: (state: number) => ArrayLike<number>;
  readonly reachHigh: (state: number) => number;
  readonly leave: (state: number) => number;
}

/**
 * A fitted forecaster whose answer depends only on (state, horizon): every answer is computed once
 * at fit time and looked up per origin.
 */
function tableForecaster(K: number, definitions: readonly StateTableDefinition[]): FittedHorizonForecaster {
  const byHorizon = new Map<number, HorizonForecast[]>();
  for (const d of definitions) {
    byHorizon.set(
      d.horizon,
      Array.from({ length: K }, (_, i) => ({
        regime: Float64Array.from(d.regime(i)),
        reachHigh: d.reachHigh(i),
        leave: d.leave(i),
      })),
    );
  }
  // The backtest asks for one horizon many times in a row: keep the last table at hand.
  let lastHorizon = Number.NaN;
  let lastTable: HorizonForecast[] = [];
  return {
    forecast(origin, horizon) {
      if (horizon !== lastHorizon) {
        const table = byHorizon.get(horizon);
        if (table === undefined) throw new EvaluationInputError(`not fitted for horizon ${horizon}`);
        lastHorizon = horizon;
        lastTable = table;
      }
      return lastTable[origin.state]!;
    },
  };
}

function pooledPathShares(
  c: ReturnType<typeof horizonCounts>,
  K: number,
  highState: number,
): { reach: number; leave: number } {
  let reach = 0;
  let nonHigh = 0;
  let leave = 0;
  for (let i = 0; i < K; i++) {
    leave += c.leave[i]!;
    if (i === highState) continue;
    reach += c.reachHigh[i]!;
    nonHigh += c.origins[i]!;
  }
  return { reach: share(reach, nonHigh, 0.5), leave: share(leave, c.total, 0.5) };
}

function smoothed(count: number, total: number, alpha: number, outcomes: number): number {
  const denominator = total + outcomes * alpha;
  return denominator === 0 ? 1 / outcomes : (count + alpha) / denominator;
}

function share(count: number, total: number, fallback: number): number {
  return total === 0 ? fallback : count / total;
}

function requireAlpha(alpha: number): number {
  if (!(alpha >= 0 && Number.isFinite(alpha))) {
    throw new EvaluationInputError(`smoothing alpha must be finite and >= 0, got ${alpha}`);
  }
  return alpha;
}
