/**
 * Forecasts from a model artifact (DOMAIN §4): the regime distribution h days ahead (row i of P^h,
 * or at a backtested horizon the out-of-fold winner's table — DOMAIN §5 v2),
 * the predicted regime (argmax, ties to the lower state) and its confidence, and the probability of
 * reaching High within h days (absorbing view) with its posterior interval. A table look-up and one
 * small matrix power: fast enough for the API's hot path. Reads only the serving part of a model
 * (./serving-model.ts), so a full artifact and a stored serving model answer alike.
 */

import { ownEntry } from '#shared/identifiers';
import { riskAt, type ServingSemiMarkov, semiMarkovOf } from './duration-risk.ts';
import { matrixPower } from './linalg.ts';
import { argmaxLowestTie } from './markov.ts';
import { expectedRemainingDays, forecastSemiMarkov, hazardAt, type SemiMarkovModel } from './semi-markov.ts';
import type { ServingModel } from './serving-model.ts';

export class PredictInputError extends Error {
  /** The request field at fault, as an API's validation issue names it. */
  readonly field: 'horizon' | 'symbol' | 'regime' | 'age';
  constructor(field: PredictInputError['field'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PredictInputError';
    this.field = field;
  }
}

export interface PredictRequest {
  /** Symbol whose latest regime is the starting point (when `regime` is not given). */
  symbol?: string;
  /** Starting regime by name (e.g. "Low"); overrides the symbol's latest regime. */
  regime?: string;
  /** Days ahead, 1..model maxHorizon. */
  horizon: number;
  /**
   * Days already spent in the starting regime (≥ 1), for a `regime` start: "in High since 12
   * days" is `{regime: "High", age: 12}`. A symbol's start uses its live regime age; default 1.
   */
  age?: number;
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
    /** Days in the regime up to and including `date` (the request's `age`, else 1, for a request start). */
    age: number;
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
   * The way out of today's regime from its age (DOMAIN §4.2): P(some day within h is in another
   * regime) and the expected remaining days E[L − a | L ≥ a] — the semi-Markov chain's (`by`) when
   * the model has one, else the chain's; `chain` gives the memoryless chain's beside it
   * (1 − P_ii^h and P_ii / (1 − P_ii), the same at every age). Infinity for a regime never left.
   */
  leave: {
    regime: string;
    age: number;
    probability: number;
    expectedRemainingDays: number;
    by: 'semi-markov' | 'chain';
    chain: { probability: number; expectedRemainingDays: number };
  };
  /**
   * Regime-conditional risk (DOMAIN §4.4), in log-return units (a VaR of 0.02 is a loss of
   * 1 − e^−0.02 of the value): at each level q, the h-day VaR/ES from simulated regime paths
   * starting in today's regime, and the 1-day VaR/ES of today's regime. Null for a model without
   * it or a horizon beyond its curves.
   */
  risk: {
    horizon: number;
    units: 'log return';
    /** h is not a stored horizon: the h-day figures are interpolated in √h between its neighbours. */
    interpolated: boolean;
    levels: {
      level: number;
      valueAtRisk: number;
      expectedShortfall: number;
      oneDay: { valueAtRisk: number; expectedShortfall: number };
    }[];
    draws: number;
    seed: number;
    paths: string;
  } | null;
}

/** A symbol's newest gold row (shared/ports LiveState): where a forecast of the symbol starts. */
export interface LiveStart {
  date: string;
  state: number;
  regime: string;
  /** Days in the regime up to and including `date` (absent in records written before it existed). */
  regimeAge?: number;
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
    throw new PredictInputError('horizon', `horizon must be an integer from 1 to ${maxHorizon}, got ${h}`);
  }
  const from = startingPoint(model, request, live);
  const served = model.horizonForecasts?.find((t) => t.horizon === h);
  // The chain answers unless another forecaster won the backtest at this horizon.
  const byChain = served === undefined || served.forecaster === 'markov';
  const semi = model.semiMarkov
    ? semiMarkovForecast(model.semiMarkov, from.state, from.age, h, markov.absorbing.state)
    : null;
  // The semi-Markov chain's served table holds age-1 rows only: its answer is computed at the age.
  const bySemiMarkov = served?.forecaster === 'semi-markov' && semi !== null;
  const row = byChain
    ? matrixPower(markov.transitionMatrix, h)[from.state]!
    : bySemiMarkov
      ? semi!.distribution
      : served!.regime[from.state]!;
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
        : bySemiMarkov
          ? semi!.reachWithin
          : served!.reachHigh[from.state]!,
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
    leave: leaveOf(model, from, h, semi),
    risk: riskOf(model, from.state, h),
  };
}

function leaveOf(
  model: ServingModel,
  from: Prediction['from'],
  h: number,
  semi: SemiMarkovAnswer | null,
): Prediction['leave'] {
  const stay = model.markov.transitionMatrix[from.state]![from.state]!;
  const chain = {
    probability: 1 - stay ** h,
    expectedRemainingDays: stay >= 1 ? Number.POSITIVE_INFINITY : stay / (1 - stay),
  };
  return {
    regime: model.labels[from.state]!,
    age: from.age,
    probability: semi ? semi.leaveWithin : chain.probability,
    expectedRemainingDays: semi ? semi.expectedRemaining : chain.expectedRemainingDays,
    by: semi ? 'semi-markov' : 'chain',
    chain,
  };
}

function riskOf(model: ServingModel, state: number, h: number): Prediction['risk'] {
  const risk = model.risk;
  if (risk === undefined || h > risk.maxHorizon) return null;
  const oneDay = risk.oneDay[state];
  const vars = risk.valueAtRisk[state];
  const shortfalls = risk.expectedShortfall[state];
  if (!oneDay || !vars || !shortfalls) return null;
  return {
    horizon: h,
    units: 'log return',
    interpolated: !risk.horizons.includes(h),
    // At h = 1 the exact empirical figures (the simulation would only resample them).
    levels: risk.levels.map((level, l) => ({
      level,
      valueAtRisk: h === 1 ? oneDay.valueAtRisk[l]! : riskAt(risk.horizons, vars[l]!, h).value,
      expectedShortfall:
        h === 1 ? oneDay.expectedShortfall[l]! : riskAt(risk.horizons, shortfalls[l]!, h).value,
      oneDay: { valueAtRisk: oneDay.valueAtRisk[l]!, expectedShortfall: oneDay.expectedShortfall[l]! },
    })),
    draws: risk.draws,
    seed: risk.seed,
    paths: risk.paths,
  };
}

interface SemiMarkovAnswer {
  distribution: number[];
  reachWithin: number;
  leaveWithin: number;
  expectedRemaining: number;
}

/** Per served semi-Markov chain: its model for the forecast functions and the answers given so far. */
const semiMarkovCache = new WeakMap<
  ServingSemiMarkov,
  { model: SemiMarkovModel; answers: Map<string, SemiMarkovAnswer> }
>();
/** Distinct (regime, age, horizon) answers kept per model: a day's symbols ask a few hundred. */
const SEMI_MARKOV_CACHE_ENTRIES = 10_000;

/**
 * The semi-Markov chain's answer from (regime, age) at h. Ages beyond D_i + 1 have the same
 * future, so the memo key caps the age there; the forward recursion (h × Σ(D_j + 1) cells) runs
 * once per key.
 */
function semiMarkovForecast(
  stored: ServingSemiMarkov,
  state: number,
  age: number,
  h: number,
  highState: number,
): SemiMarkovAnswer {
  let entry = semiMarkovCache.get(stored);
  if (entry === undefined) {
    entry = { model: semiMarkovOf(stored), answers: new Map() };
    semiMarkovCache.set(stored, entry);
  }
  const cappedAge = Math.min(age, stored.maxAge[state]! + 1);
  const key = `${state}:${cappedAge}:${h}`;
  const cached = entry.answers.get(key);
  if (cached !== undefined) return cached;
  const model = entry.model;
  const f = forecastSemiMarkov(model, { state, age: cappedAge }, h, highState);
  let survive = 1;
  for (let m = 0; m < h; m++) survive *= 1 - hazardAt(model, state, cappedAge + m);
  const answer = {
    distribution: f.distribution[h - 1]!,
    reachWithin: f.reachWithin[h - 1]!,
    leaveWithin: 1 - survive,
    expectedRemaining: expectedRemainingDays(model, { state, age: cappedAge }),
  };
  if (entry.answers.size >= SEMI_MARKOV_CACHE_ENTRIES) entry.answers.clear();
  entry.answers.set(key, answer);
  return answer;
}

function startingPoint(model: ServingModel, request: PredictRequest, live?: LiveStart): Prediction['from'] {
  const symbol = request.symbol ?? null;
  const latest = symbol === null ? undefined : (live ?? ownEntry(model.latest, symbol));
  const source = live === undefined ? 'latest gold' : 'live gold';
  if (symbol !== null && latest === undefined) {
    const known = Object.keys(model.latest);
    const near = known.find((k) => k.toUpperCase() === symbol.toUpperCase());
    if (near !== undefined) {
      throw new PredictInputError(
        'symbol',
        `unknown symbol "${symbol}": did you mean "${near}"? (symbols are case-sensitive)`,
      );
    }
    throw new PredictInputError(
      'symbol',
      `unknown symbol "${symbol}": it has no gold row (a symbol gets its first once it has features.volatilityWindow + scoring.minHistory days of history; the run that loaded it says how many more it needs: the Data quality page, or finml pipeline) and model ${model.version} was not trained on it (it knows ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''})`,
    );
  }
  if (request.regime !== undefined) {
    const state = model.labels.findIndex((l) => l.toLowerCase() === request.regime!.toLowerCase());
    if (state === -1) {
      throw new PredictInputError(
        'regime',
        `unknown regime "${request.regime}": use one of ${model.labels.join(', ')}`,
      );
    }
    const age = request.age ?? 1;
    if (!Number.isInteger(age) || age < 1)
      throw new PredictInputError('age', `age must be a positive integer, got ${age}`);
    return {
      regime: model.labels[state]!,
      state,
      source: 'request',
      symbol,
      date: latest?.date ?? null,
      age,
    };
  }
  if (latest === undefined) throw new PredictInputError('symbol', 'give a starting regime or a symbol');
  const age = ('regimeAge' in latest ? latest.regimeAge : 'age' in latest ? latest.age : undefined) ?? 1;
  return { regime: latest.regime, state: latest.state, source, symbol, date: latest.date, age };
}
