/**
 * The serving forecast per horizon (DOMAIN §5 v2): at each backtested horizon the forecaster with
 * the best out-of-fold log loss is refitted on all the training rows, and its answer for every
 * start regime is stored with the model — P(regime at t+h), P(a High day within h), P(leaving the
 * regime within h): K × (K + 2) numbers per horizon. Every forecaster but the semi-Markov chain
 * depends only on (regime, horizon); the semi-Markov chain's answer depends on the regime's age
 * too, so its table holds the age-1 rows and the served model keeps the fitted chain itself
 * (`semiMarkov`), from which the prediction is computed at the symbol's age.
 */
import type { ModelConfig } from '#config/schema';
import { semiMarkovFit } from '#shared/model/duration-risk';
import { EvaluationInputError } from './errors.ts';
import type { ForecasterScores, HorizonResult, HorizonTable, RegimeScores } from './horizon-backtest.ts';
import type { RegimeHistory, TrainingWindow } from './horizon-data.ts';
import { defaultHorizonForecasters } from './horizon-forecasters.ts';

/** What is served at one backtested horizon. */
export interface ServingHorizon {
  horizon: number;
  /** The out-of-fold winner (e.g. `markov`, `semi-markov`, `direct`, `persistence`, `climatology`). */
  forecaster: string;
  /** Its out-of-fold log loss of P(regime at t+h), and the chain's (for the response). */
  logLoss: number;
  markovLogLoss: number | null;
  /** regime[i][k] = P(regime at t+h = k | regime i today), fitted on all training rows. */
  regime: number[][];
  /** reachHigh[i] = P(a High day within h | regime i); 1 for High itself. */
  reachHigh: number[];
  /** leave[i] = P(some day within h is not in regime i | regime i). */
  leave: number[];
}

/** Every symbol's rows as one training window (the fit the served forecast uses). */
export function fullWindow(history: RegimeHistory): TrainingWindow {
  return {
    history,
    fold: -1,
    end: history.symbolStart.slice(1),
    lastDate: history.dates[history.dates.length - 1]!,
  };
}

/**
 * The served table at each horizon the backtest scored: its winner, refitted on all of `history`
 * (the regime history the backtest ran on).
 * @throws EvaluationInputError when a winner is not one of the default forecasters.
 */
export function servingHorizons(
  history: RegimeHistory,
  backtest: HorizonTable,
  cfg: Pick<ModelConfig, 'markov'> & Partial<Pick<ModelConfig, 'semiMarkov'>>,
): ServingHorizon[] {
  const { numStates: K, highState } = backtest;
  const window = fullWindow(history);
  const forecasters = defaultHorizonForecasters({
    alpha: cfg.markov.alpha,
    zeroRowPolicy: cfg.markov.zeroRowPolicy,
    ...(cfg.semiMarkov ? { semiMarkov: semiMarkovFit(cfg.semiMarkov) } : {}),
  });
  return backtest.results.map((result) => {
    const name = result.winner.name;
    const forecaster = forecasters.find((f) => f.name === name);
    if (forecaster === undefined) throw new EvaluationInputError(`no forecaster named ${name}`);
    const fitted = forecaster.fit(window, [result.horizon]);
    const regime: number[][] = [];
    const reachHigh: number[] = [];
    const leave: number[] = [];
    for (let i = 0; i < K; i++) {
      const f = fitted.forecast({ symbol: 0, row: 0, state: i, age: 1 }, result.horizon);
      regime.push(Array.from(f.regime));
      reachHigh.push(i === highState ? 1 : f.reachHigh);
      leave.push(f.leave);
    }
    const markov = result.forecasters.find((f) => f.name === 'markov');
    return {
      horizon: result.horizon,
      forecaster: name,
      logLoss: result.winner.logLoss,
      markovLogLoss: markov ? markov.regime.logLoss : null,
      regime,
      reachHigh,
      leave,
    };
  });
}

/**
 * The horizon table as a model keeps it: numbers to 6 significant digits, and without the per-class
 * reliability tables of P(regime at t+h = k) (their Brier and log loss stay; the reliability of
 * P(High within h) and P(leave within h) is kept). About 20 KB whatever the number of symbols.
 */
export type StoredHorizonTable = Omit<HorizonTable, 'results'> & {
  results: (Omit<HorizonResult, 'forecasters'> & {
    forecasters: (Omit<ForecasterScores, 'regime'> & { regime: Omit<RegimeScores, 'reliability'> })[];
  })[];
};

export function storedHorizonTable(table: HorizonTable): StoredHorizonTable {
  const compact: StoredHorizonTable = {
    ...table,
    results: table.results.map((r) => ({
      ...r,
      forecasters: r.forecasters.map(({ regime: { reliability: _, ...regime }, ...rest }) => ({
        ...rest,
        regime,
      })),
    })),
  };
  return JSON.parse(JSON.stringify(compact), (_key, v) =>
    typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v,
  ) as StoredHorizonTable;
}
