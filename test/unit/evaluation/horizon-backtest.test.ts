import { describe, expect, it } from 'vitest';
import type { ReliabilityBin } from '#shared/evaluation/calibration';
import {
  type EventScores,
  type HorizonFold,
  type HorizonTable,
  runHorizonBacktest,
} from '#shared/evaluation/horizon-backtest';
import { buildRegimeHistory, dateFolds, trainingWindow } from '#shared/evaluation/horizon-data';
import { defaultHorizonForecasters } from '#shared/evaluation/horizon-forecasters';
import { expectAllClose, expectClose, loadFixture } from './helpers.ts';

/** Reference values of test/fixtures/evaluation/make_horizon_backtest.py (pandas / scikit-learn). */
interface EventFixture extends Omit<EventScores, 'reliability'> {
  reliability: ReliabilityBin[];
}
interface HorizonFixture {
  source: string;
  numStates: number;
  highState: number;
  alpha: number;
  nSplits: number;
  gap: number;
  horizons: number[];
  calibrationBins: number;
  symbols: { symbol: string; dates: string[]; states: string }[];
  dates: { count: number; first: string; last: string };
  folds: HorizonFold[];
  fits: {
    fold: number;
    horizon: number;
    trainingOrigins: number;
    markovMatrix: number[][];
    direct: number[][];
    directReach: number[];
    directLeave: number[];
    climatology: number[];
    persistenceQ: number;
    pooledReach: number;
    pooledLeave: number;
  }[];
  results: {
    horizon: number;
    origins: number;
    nonHighOrigins: number;
    folds: { fold: number; origins: number; trainingOrigins: number }[];
    forecasters: {
      name: string;
      baseline: boolean;
      regime: {
        n: number;
        logLoss: number;
        brier: number;
        accuracy: number;
        brierSkill: number;
        foldLogLoss: (number | null)[];
        reliability: ReliabilityBin[][];
      };
      reachHigh: EventFixture;
      leave: EventFixture;
    }[];
    winner: {
      name: string;
      logLoss: number;
      margins: { baseline: string; logLoss: number; improvement: number; relativeImprovement: number }[];
    };
  }[];
}

function expectBinsMatch(
  actual: readonly ReliabilityBin[],
  expected: readonly ReliabilityBin[],
  label: string,
) {
  expect(
    actual.map((b) => [b.lower, b.upper, b.count]),
    `${label} bins`,
  ).toEqual(expected.map((b) => [b.lower, b.upper, b.count]));
  actual.forEach((bin, i) => {
    expectClose(bin.meanPredicted, expected[i]!.meanPredicted, `${label} bin ${i} mean forecast`);
    expectClose(bin.observedFrequency, expected[i]!.observedFrequency, `${label} bin ${i} observed`);
  });
}

/**
 * Brier skill 1 − B/B_ref cancels when B ≈ B_ref (fitted persistence and climatology share their
 * path-event forecasts): its error is the relative error of B/B_ref, so it is compared in absolute
 * terms (1e-12) as well as relative ones (1e-9).
 */
function expectSkillClose(actual: number | null, expected: number, label: string) {
  expect(actual, label).not.toBeNull();
  if (Math.abs(actual! - expected) > 1e-12) expectClose(actual, expected, label);
}

function expectEventMatch(actual: EventScores | null, expected: EventFixture, label: string) {
  expect(actual, label).not.toBeNull();
  const a = actual!;
  expect(a.n, `${label} n`).toBe(expected.n);
  for (const key of ['observedRate', 'meanForecast', 'logLoss', 'brier'] as const) {
    expectClose(a[key], expected[key], `${label} ${key}`);
  }
  expectSkillClose(a.brierSkill, expected.brierSkill!, `${label} brierSkill`);
  expectBinsMatch(a.reliability.bins, expected.reliability, `${label} reliability`);
}

const sequencesOf = (fixture: HorizonFixture) =>
  fixture.symbols.map((s) => ({ symbol: s.symbol, dates: s.dates, states: Array.from(s.states, Number) }));

describe.each(['horizon_sample.json', 'horizon_multi.json'])(
  'horizon backtest of %s against pandas / scikit-learn',
  (file) => {
    const fixture = loadFixture<HorizonFixture>(file);
    const sequences = sequencesOf(fixture);
    const table: HorizonTable = runHorizonBacktest(sequences, {
      numStates: fixture.numStates,
      highState: fixture.highState,
      horizons: fixture.horizons,
      nSplits: fixture.nSplits,
      gap: fixture.gap,
      calibrationBins: fixture.calibrationBins,
      forecasters: defaultHorizonForecasters({ alpha: fixture.alpha }),
    });

    it('splits the distinct dates exactly like TimeSeriesSplit(n_splits=5, gap=21)', () => {
      expect(table.dates).toEqual(fixture.dates);
      expect(table.folds).toEqual(fixture.folds);
      expect(table.skipped).toEqual([]);
    });

    it('has the same origins, test origins per fold and training pairs per fold at every horizon', () => {
      expect(table.results.map((r) => r.horizon)).toEqual(fixture.horizons);
      table.results.forEach((result, i) => {
        const expected = fixture.results[i]!;
        expect([result.origins, result.nonHighOrigins]).toEqual([expected.origins, expected.nonHighOrigins]);
        expect(result.folds).toEqual(expected.folds);
      });
    });

    it('fits the same chain, direct table, climatology and fitted persistence per fold and horizon', () => {
      const history = buildRegimeHistory(sequences, fixture.numStates, fixture.highState);
      const folds = dateFolds(history, fixture.nSplits, fixture.gap);
      const [markov, direct, climatology, persistence] = defaultHorizonForecasters({ alpha: fixture.alpha });
      for (const fold of folds) {
        const window = trainingWindow(history, fold);
        const fits = [markov!, direct!, climatology!, persistence!].map((f) =>
          f.fit(window, fixture.horizons),
        );
        for (const expected of fixture.fits.filter((f) => f.fold === fold.fold)) {
          const h = expected.horizon;
          const label = `fold ${fold.fold} h ${h}`;
          for (let state = 0; state < fixture.numStates; state++) {
            const origin = { symbol: 0, row: 0, state, age: 1 };
            const [m, d, c, p] = fits.map((f) => f.forecast(origin, h));
            if (h === 1) expectAllClose(Array.from(m!.regime), expected.markovMatrix[state]!, `${label} P`);
            expectAllClose(Array.from(d!.regime), expected.direct[state]!, `${label} F row ${state}`);
            expectClose(d!.leave, expected.directLeave[state]!, `${label} L ${state}`);
            if (state !== fixture.highState)
              expectClose(d!.reachHigh, expected.directReach[state]!, `${label} G`);
            expectAllClose(Array.from(c!.regime), expected.climatology, `${label} climatology`);
            expectClose(p!.regime[state]!, expected.persistenceQ, `${label} q`);
            for (const f of [c!, p!]) {
              expectClose(f.reachHigh, expected.pooledReach, `${label} pooled reach`);
              expectClose(f.leave, expected.pooledLeave, `${label} pooled leave`);
            }
          }
        }
      }
    });

    it('scores P(regime at t+h), P(reach High within h) and P(leave within h) like scikit-learn', () => {
      table.results.forEach((result, i) => {
        const expected = fixture.results[i]!;
        expect(result.forecasters.map((f) => [f.name, f.baseline])).toEqual(
          expected.forecasters.map((f) => [f.name, f.baseline]),
        );
        result.forecasters.forEach((actual, j) => {
          const e = expected.forecasters[j]!;
          const label = `h ${result.horizon} ${actual.name}`;
          expect(actual.regime.n).toBe(e.regime.n);
          for (const key of ['logLoss', 'brier', 'accuracy'] as const) {
            expectClose(actual.regime[key], e.regime[key], `${label} ${key}`);
          }
          expectSkillClose(actual.regime.brierSkill, e.regime.brierSkill, `${label} brierSkill`);
          expectAllClose(actual.regime.foldLogLoss, e.regime.foldLogLoss, `${label} fold log loss`);
          actual.regime.reliability.forEach((t, k) => {
            expect(t.classIndex).toBe(k);
            expectBinsMatch(t.bins, e.regime.reliability[k]!, `${label} reliability of state ${k}`);
          });
          expectEventMatch(actual.reachHigh, e.reachHigh, `${label} reach High`);
          expectEventMatch(actual.leave, e.leave, `${label} leave`);
        });
      });
    });

    it('names the same winner per horizon with the same margins over each baseline', () => {
      table.results.forEach((result, i) => {
        const expected = fixture.results[i]!.winner;
        expect(result.winner.name, `h ${result.horizon}`).toBe(expected.name);
        expectClose(result.winner.logLoss, expected.logLoss, `h ${result.horizon} winner`);
        expect(result.winner.margins.map((m) => m.baseline)).toEqual(expected.margins.map((m) => m.baseline));
        result.winner.margins.forEach((m, j) => {
          expectClose(
            m.improvement,
            expected.margins[j]!.improvement,
            `h ${result.horizon} margin ${m.baseline}`,
          );
          expectClose(m.relativeImprovement, expected.margins[j]!.relativeImprovement, 'relative');
          expectClose(m.logLoss, expected.margins[j]!.logLoss, 'baseline log loss');
        });
      });
    });
  },
);
