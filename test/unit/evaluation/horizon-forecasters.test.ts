import { describe, expect, it } from 'vitest';
import { EvaluationInputError } from '#shared/evaluation/errors';
import { runHorizonBacktest } from '#shared/evaluation/horizon-backtest';
import { buildRegimeHistory, type TrainingWindow, trainingWindow } from '#shared/evaluation/horizon-data';
import {
  climatologyForecaster,
  directTableForecaster,
  type ForecastOrigin,
  fittedPersistenceForecaster,
  type HorizonForecaster,
  markovChainForecaster,
} from '#shared/evaluation/horizon-forecasters';
import { expectAllClose, expectClose } from './helpers.ts';

const L = 0;
const M = 1;
const H = 2;
const days = (n: number, from = 20_000) => Array.from({ length: n }, (_, i) => from + i);

/** A window holding all rows of one symbol with states `states`. */
function wholeWindow(states: number[]): TrainingWindow {
  const history = buildRegimeHistory([{ symbol: 'A', dates: days(states.length), states }], 3);
  return trainingWindow(history, {
    fold: 0,
    trainDates: { start: 0, end: states.length },
    testDates: { start: states.length, end: states.length },
  });
}
const at = (state: number): ForecastOrigin => ({ symbol: 0, row: 0, state, age: 1 });

describe('h-step forecasters fitted on a training window', () => {
  // Transitions: L→L, L→M, M→L, L→H, H→H, H→L.
  const window = wholeWindow([L, L, M, L, H, H, L]);

  it('chain: rows of P^h, reach from the chain absorbed in High, leave = 1 − P_ii^h (α = 0, by hand)', () => {
    const fit = markovChainForecaster({ alpha: 0 }).fit(window, [1, 2]);
    // P = [[1/3, 1/3, 1/3], [1, 0, 0], [1/2, 0, 1/2]]
    expectAllClose(Array.from(fit.forecast(at(L), 1).regime), [1 / 3, 1 / 3, 1 / 3], 'P row L');
    // P² row L = (1/3)·(P_L + P_M + P_H) = [(1/3 + 1 + 1/2)/3, 1/9, (1/3 + 1/2)/3]
    expectAllClose(Array.from(fit.forecast(at(L), 2).regime), [11 / 18, 1 / 9, 5 / 18], 'P² row L');
    // Absorbed in High: from L, H at step 1 (1/3) or L then H (1/3·1/3); M only goes to L.
    expectClose(fit.forecast(at(L), 2).reachHigh, 4 / 9, 'reach L');
    expectClose(fit.forecast(at(M), 2).reachHigh, 1 / 3, 'reach M');
    expectClose(fit.forecast(at(L), 2).leave, 1 - 1 / 9, 'leave L');
    expectClose(fit.forecast(at(M), 2).leave, 1, 'leave M');
  });

  it('direct table: smoothed counts of (s_t, s_{t+h}) and of the path events with α', () => {
    const fit = directTableForecaster({ alpha: 1 }).fit(window, [2]);
    // h = 2 origins: (L,M) (L,L) (M,H) (L,H) (H,L); High within 2: L0 no, L1 no, M2 yes, L3 yes.
    expectAllClose(Array.from(fit.forecast(at(L), 2).regime), [2 / 6, 2 / 6, 2 / 6], 'F row L');
    expectAllClose(Array.from(fit.forecast(at(M), 2).regime), [1 / 4, 1 / 4, 2 / 4], 'F row M');
    expectAllClose(Array.from(fit.forecast(at(H), 2).regime), [2 / 4, 1 / 4, 1 / 4], 'F row H');
    expectClose(fit.forecast(at(L), 2).reachHigh, (1 + 1) / (3 + 2), 'G L');
    expectClose(fit.forecast(at(M), 2).reachHigh, (1 + 1) / (1 + 2), 'G M');
    // left within 2: L0 yes (M at 2), L1 yes, M2 yes, L3 yes, H4 yes (L at 6)
    expectClose(fit.forecast(at(L), 2).leave, (3 + 1) / (3 + 2), 'L L');
  });

  it('climatology: training shares at t+h whatever the state; pooled event shares', () => {
    const fit = climatologyForecaster().fit(window, [2]);
    for (const s of [L, M, H]) {
      expectAllClose(Array.from(fit.forecast(at(s), 2).regime), [2 / 5, 1 / 5, 2 / 5], `state ${s}`);
      expectClose(fit.forecast(at(s), 2).reachHigh, 2 / 4, 'pooled reach');
      expectClose(fit.forecast(at(s), 2).leave, 5 / 5, 'pooled leave');
    }
  });

  it('fitted persistence: q = share of origins whose state at t+h is s_t, the rest shared equally', () => {
    const fit = fittedPersistenceForecaster().fit(window, [1, 2]);
    // h = 1: stays L→L and H→H of 6 transitions; h = 2: only (L, L) of 5.
    expectAllClose(Array.from(fit.forecast(at(M), 1).regime), [1 / 3, 1 / 3, 1 / 3], 'q = 1/3');
    expectAllClose(Array.from(fit.forecast(at(H), 2).regime), [2 / 5, 2 / 5, 1 / 5], 'q = 1/5');
  });

  it('answer only the horizons they were fitted for', () => {
    const fit = directTableForecaster().fit(window, [1]);
    expect(() => fit.forecast(at(L), 5)).toThrowError(/not fitted for horizon 5/);
  });
});

describe('runHorizonBacktest with forecasters of its caller', () => {
  // Three symbols, 400 days, regimes in runs of random length (deterministic LCG).
  let seed = 7;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const series = (n: number) => {
    const states: number[] = [];
    let s = L;
    while (states.length < n) {
      const run = 1 + Math.floor(next() * 30);
      for (let i = 0; i < run && states.length < n; i++) states.push(s);
      s = (s + 1 + Math.floor(next() * 2)) % 3;
    }
    return states;
  };
  const sequences = [
    { symbol: 'A', dates: days(400), states: series(400) },
    { symbol: 'B', dates: days(300, 20_100), states: series(300) },
    { symbol: 'C', dates: days(250), states: series(250) },
  ];

  it('fits each forecaster per fold on data up to its last training date and asks only for later test origins', () => {
    const seen: { lastDate: number; origins: ForecastOrigin[] }[] = [];
    const spy: HorizonForecaster = {
      name: 'spy',
      baseline: false,
      fit(window, horizons) {
        expect(horizons).toEqual([1, 10]);
        const record = { lastDate: window.lastDate, origins: [] as ForecastOrigin[] };
        seen.push(record);
        return {
          forecast(origin) {
            record.origins.push({ ...origin });
            return { regime: [1 / 3, 1 / 3, 1 / 3], reachHigh: 0.5, leave: 0.5 };
          },
        };
      },
    };
    const table = runHorizonBacktest(sequences, {
      numStates: 3,
      horizons: [1, 10],
      gap: 5,
      forecasters: [spy, climatologyForecaster()],
    });
    expect(seen).toHaveLength(5);
    const history = buildRegimeHistory(sequences, 3);
    seen.forEach((fold, f) => {
      for (const origin of fold.origins) {
        const day = history.dates[history.dateIndex[origin.row]!]!;
        expect(day - fold.lastDate).toBeGreaterThan(5);
        expect(origin.state).toBe(history.states[origin.row]);
        expect(origin.age).toBe(history.ages[origin.row]);
        expect(history.symbolOf[origin.row]).toBe(origin.symbol);
      }
      expect(fold.origins.length).toBe(
        table.results[0]!.folds[f]!.origins + table.results[1]!.folds[f]!.origins,
      );
    });
    const uniform = table.results[0]!.forecasters[0]!;
    expectClose(uniform.regime.logLoss, Math.log(3), 'uniform log loss');
    expectClose(uniform.leave.logLoss, Math.log(2), 'p = 1/2 log loss');
    expect(table.results[0]!.forecasters[1]!.regime.brierSkill).toBe(0);
  });

  it('lets an age-aware forecaster beat the memoryless chain on duration-driven regimes', () => {
    // Runs of exactly 20 days: the leaving probability is a function of the age alone.
    const cyclic = Array.from({ length: 600 }, (_, t) => Math.floor(t / 20) % 3);
    const ageAware: HorizonForecaster = {
      name: 'age',
      baseline: false,
      fit: () => ({
        forecast(origin, h) {
          const leaves = origin.age + h > 20;
          const regime = [0, 0, 0];
          regime[leaves ? (origin.state + 1) % 3 : origin.state] = 1;
          return { regime, reachHigh: origin.state === M && leaves ? 1 : 0, leave: leaves ? 1 : 0 };
        },
      }),
    };
    const table = runHorizonBacktest([{ symbol: 'X', dates: days(600), states: cyclic }], {
      numStates: 3,
      horizons: [5],
      forecasters: [markovChainForecaster(), ageAware, climatologyForecaster()],
    });
    const result = table.results[0]!;
    expect(result.winner.name).toBe('age');
    expect(result.forecasters[1]!.regime.accuracy).toBe(1);
    expect(result.forecasters[1]!.leave.brier).toBe(0);
    expect(result.winner.margins.map((m) => m.baseline)).toEqual(['climatology']);
  });

  it('skips a horizon that a fold has no training pair for, saying why', () => {
    const table = runHorizonBacktest(sequences, { numStates: 3, horizons: [1, 63] });
    expect(table.results.map((r) => r.horizon)).toEqual([1]);
    expect(table.skipped).toEqual([
      {
        horizon: 63,
        reason: expect.stringMatching(
          /^fold 0 has no training origin with its day t\+63 on or before its last training date \d{4}-\d\d-\d\d$/,
        ),
      },
    ]);
  });

  it('reports a forecast that is not a distribution naming forecaster, fold, origin and horizon', () => {
    const broken: HorizonForecaster = {
      name: 'broken',
      baseline: false,
      fit: () => ({ forecast: () => ({ regime: [0.5, 0.5, 0.5], reachHigh: 0.1, leave: 0.1 }) }),
    };
    expect(() =>
      runHorizonBacktest(sequences, { numStates: 3, horizons: [1], forecasters: [broken] }),
    ).toThrowError(
      /^forecaster 'broken', fold 0, origin [ABC] \d{4}-\d\d-\d\d, h = 1: P\(regime\) sums to 1.5, not 1$/,
    );
  });

  it('rejects duplicate horizons and forecaster names', () => {
    expect(() => runHorizonBacktest(sequences, { numStates: 3, horizons: [5, 5] })).toThrowError(
      EvaluationInputError,
    );
    const c = climatologyForecaster();
    expect(() =>
      runHorizonBacktest(sequences, { numStates: 3, horizons: [1], forecasters: [c, c] }),
    ).toThrowError(/two forecasters are named 'climatology'/);
  });
});
