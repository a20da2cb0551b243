/**
 * Forecasts from a model artifact (DOMAIN §4): the regime distribution h days ahead (row i of P^h,
 * or at a backtested horizon the out-of-fold winner's table — DOMAIN §5 v2),
 * the predicted regime (argmax, ties to the lower state) and its confidence, and the probability of
 * reaching High within h days (absorbing view) with its posterior interval. A table look-up and one
 * small matrix power: fast enough for the API's hot path. Reads only the serving part of a model
 * (./serving-model.ts), so a full artifact and a stored serving model answer alike.
 */

import { ownEntry } from '#shared/identifiers';
import { matrixPower } from './linalg.ts';
import { argmaxLowestTie } from './markov.ts';
import type { ServingModel } from './serving-model.ts';

export class PredictInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PredictInputError';
  }
}

export interface PredictRequest {
  /** Symbol whose latest regime is the starting point (when `regime` is not given). */
  symbol?: string;
  /** Starting regime by name (e.g. "Low"); overrides the symbol's latest regime. */
  regime?: string;
  /** Days ahead, 1..model maxHorizon. */
  horizon: number;
}

export interface Prediction {
  modelVersion: string;
  horizon: number;
  from: {
    regime: string;
    state: number;
    /** `live gold`: the symbol's newest published gold row; `latest gold`: the model's training day. */
    source: 'request' | 'live gold' | 'latest gold';
    symbol: string | null;
    date: string | null;
  };
  /**
   * Who answered: at a backtested horizon the out-of-fold winner (DOMAIN §5 v2: `markov`, `direct`,
   * `persistence` or `climatology`, with its out-of-fold log loss and the chain's); elsewhere the
   * chain, not backtested at this horizon.
   */
  forecaster: { name: string; backtested: boolean; logLoss: number | null; markovLogLoss: number | null };
  /** P(regime in h days), by regime name. */
  probabilities: Record<string, number>;
  predicted: { regime: string; confidence: number };
  /**
   * P(reach the absorbing regime within h days | start), with the chain's posterior interval — null
   * bounds when another forecaster answered (the interval belongs to the chain's forecast).
   */
  reachWithin: {
    regime: string;
    probability: number;
    lower: number | null;
    upper: number | null;
    mass: number;
  };
  /** Expected days until the absorbing regime is first reached (point, and posterior interval). */
  expectedDaysTo: { regime: string; days: number; lower: number; upper: number };
  /**
   * The way out of today's regime: P(some day within h is in another regime) — the served
   * forecaster's at a backtested horizon, else the chain's 1 − P_ii^h — and the chain's expected
   * remaining days in it, 1 / (1 − P_ii) (Infinity for a regime never left).
   */
  leave: { regime: string; probability: number; expectedRemainingDays: number };
}

/** A symbol's newest gold row (shared/ports LiveState): where a forecast of the symbol starts. */
export interface LiveStart {
  date: string;
  state: number;
  regime: string;
}

/**
 * Answers a forecast request. A symbol's forecast starts from `live` (its newest gold row) when
 * given — any symbol with gold, since the chain is pooled — else from the model's latest regime of
 * it. Throws PredictInputError for an unknown symbol or regime or a bad horizon.
 */
export function predict(model: ServingModel, request: PredictRequest, live?: LiveStart): Prediction {
  const { markov, labels } = model;
  const maxHorizon = markov.absorbing.maxHorizon;
  const h = request.horizon;
  if (!Number.isInteger(h) || h < 1 || h > maxHorizon) {
    throw new PredictInputError(`horizon must be an integer from 1 to ${maxHorizon}, got ${h}`);
  }
  const from = startingPoint(model, request, live);
  const served = model.horizonForecasts?.find((t) => t.horizon === h);
  // The chain answers unless another forecaster won the backtest at this horizon.
  const byChain = served === undefined || served.forecaster === 'markov';
  const row = byChain ? matrixPower(markov.transitionMatrix, h)[from.state]! : served.regime[from.state]!;
  const best = argmaxLowestTie(row);
  const abs = markov.absorbing.state;
  const post = markov.posterior;
  // The posterior intervals are the chain's: they go with the chain's point forecast only.
  const hIndex = byChain ? post.horizons.indexOf(h) : -1;
  return {
    modelVersion: model.version,
    horizon: h,
    from,
    forecaster: {
      name: served?.forecaster ?? 'markov',
      backtested: served !== undefined,
      logLoss: served?.logLoss ?? null,
      markovLogLoss: served?.markovLogLoss ?? null,
    },
    probabilities: Object.fromEntries(labels.map((l, k) => [l, row[k]!])),
    predicted: { regime: labels[best]!, confidence: row[best]! },
    reachWithin: {
      regime: labels[abs]!,
      probability: byChain
        ? markov.absorbing.reachWithin[from.state]![h - 1]!
        : served.reachHigh[from.state]!,
      lower: hIndex === -1 ? null : post.reachWithin.lower[from.state]![hIndex]!,
      upper: hIndex === -1 ? null : post.reachWithin.upper[from.state]![hIndex]!,
      mass: post.mass,
    },
    expectedDaysTo: {
      regime: labels[abs]!,
      days: markov.absorbing.expectedSteps[from.state]!,
      lower: post.expectedSteps.lower[from.state]!,
      upper: post.expectedSteps.upper[from.state]!,
    },
    leave: leaveOf(model, from.state, h, byChain ? undefined : served),
  };
}

function leaveOf(
  model: ServingModel,
  state: number,
  h: number,
  served: { leave: number[] } | undefined,
): Prediction['leave'] {
  const stay = model.markov.transitionMatrix[state]![state]!;
  return {
    regime: model.labels[state]!,
    probability: served ? served.leave[state]! : 1 - stay ** h,
    expectedRemainingDays: stay >= 1 ? Number.POSITIVE_INFINITY : 1 / (1 - stay),
  };
}

function startingPoint(model: ServingModel, request: PredictRequest, live?: LiveStart): Prediction['from'] {
  const symbol = request.symbol ?? null;
  const latest = symbol === null ? undefined : (live ?? ownEntry(model.latest, symbol));
  const source = live === undefined ? 'latest gold' : 'live gold';
  if (symbol !== null && latest === undefined) {
    const known = Object.keys(model.latest);
    throw new PredictInputError(
      `unknown symbol "${symbol}": model ${model.version} knows ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}`,
    );
  }
  if (request.regime !== undefined) {
    const state = model.labels.findIndex((l) => l.toLowerCase() === request.regime!.toLowerCase());
    if (state === -1) {
      throw new PredictInputError(
        `unknown regime "${request.regime}": use one of ${model.labels.join(', ')}`,
      );
    }
    return { regime: model.labels[state]!, state, source: 'request', symbol, date: latest?.date ?? null };
  }
  if (latest === undefined) throw new PredictInputError('give a starting regime or a symbol');
  return { regime: latest.regime, state: latest.state, source, symbol, date: latest.date };
}
