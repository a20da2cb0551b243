import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '#config/load';
import { horizonBacktestFromConfig, runHorizonBacktest } from '#shared/evaluation/horizon-backtest';
import { defaultHorizonForecasters } from '#shared/evaluation/horizon-forecasters';

const MODEL = readFileSync(new URL('../../../config/model.yaml', import.meta.url), 'utf8');

describe('evaluation v2 settings in config/model.yaml', () => {
  it('ship the DOMAIN §5 v2 defaults beside the one-day evaluation keys', () => {
    const { evaluation } = loadConfig().config.model;
    expect(evaluation).toEqual({
      folds: 5,
      gap: 21,
      horizons: [1, 5, 21, 63],
      persistenceEpsilon: 1e-6,
      calibrationBins: 10,
    });
  });

  it.each([
    [
      'horizons: [1, 5, 21, 63]',
      'horizons: [1, 5, 5]',
      /evaluation\.horizons: must not list a horizon twice/,
    ],
    ['horizons: [1, 5, 21, 63]', 'horizons: []', /evaluation\.horizons/],
    ['horizons: [1, 5, 21, 63]', 'horizons: [0, 5]', /evaluation\.horizons\.0/],
    ['gap: 21', 'gap: -1', /evaluation\.gap/],
  ])('reject %s → %s naming the key', (from, to, message) => {
    expect(() => parseConfig('model', MODEL.replace(from, to), 'config/model.yaml')).toThrowError(message);
  });

  it('drive horizonBacktestFromConfig: the same table as the explicit options', () => {
    const { config } = loadConfig();
    const days = Array.from({ length: 300 }, (_, i) => 19_000 + i);
    const states = Uint8Array.from(days, (_, t) => Math.floor(t / 9) % 3);
    const tables = [{ symbol: 'X', day: days, markov_state: states }];
    const fromConfig = horizonBacktestFromConfig(tables, config.model, config.data.regimes.labels);
    const explicit = runHorizonBacktest([{ symbol: 'X', dates: days, states }], {
      numStates: 3,
      highState: 2,
      horizons: [1, 5, 21, 63],
      nSplits: 5,
      gap: 21,
      calibrationBins: 10,
      forecasters: defaultHorizonForecasters({
        alpha: 1,
        zeroRowPolicy: 'absorbing',
        semiMarkov: { alpha: 1, minAtRisk: 20, hazardPrior: 10 },
      }),
    });
    expect(fromConfig).toEqual(explicit);
    expect(fromConfig.forecasters.map((f) => f.name)).toEqual([
      'markov',
      'semi-markov',
      'direct',
      'climatology',
      'persistence',
    ]);
    expect(fromConfig.gap).toBe(21);
    expect(fromConfig.results.map((r) => r.horizon).concat(fromConfig.skipped.map((s) => s.horizon))).toEqual(
      [1, 5, 21, 63],
    );
  });
});
