import { createReadStream } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { runDataPipeline } from '#shared/data/pipeline';
import type { SilverSeries } from '#shared/data/series';
import { ablation, sensitivity, stability } from '#shared/model/experiments';
import { runCli } from '../../helpers/cli.ts';
import { RUN_DAY } from '../../helpers/data.ts';
import { SAMPLE_PATH } from '../../helpers/model.ts';

let histories: SilverSeries[];
const { config } = loadConfig();
const ctx = () => ({ histories, data: config.data, model: config.model, runDay: RUN_DAY });

beforeAll(async () => {
  const r = await runDataPipeline([{ name: 'spx.csv', chunks: createReadStream(SAMPLE_PATH) }], new Map(), {
    config: config.data,
    runDay: RUN_DAY,
  });
  histories = [...r.histories.values()];
});

describe('experiments on the sample', () => {
  test('sensitivity sweeps every configured value once, beside the default', () => {
    const rows = sensitivity(ctx());
    const s = config.model.experiments.sensitivity;
    expect(rows).toHaveLength(
      1 + s.alpha.length + s.thresholds.length + s.volatilityWindow.length + s.weights.length,
    );
    const byKey = (p: string, v: string) => rows.find((r) => r.parameter === p && r.value === v)!;
    // The default setting reappears inside each sweep with identical figures.
    expect(byKey('alpha', '1').model).toEqual(rows[0]!.model);
    expect(byKey('thresholds', '0.33 / 0.67').model).toEqual(rows[0]!.model);
    // A longer volatility window leaves more rows in warm-up.
    expect(byKey('volatilityWindow', '63').goldRows).toBe(rows[0]!.goldRows - 42);
    for (const r of rows) expect(r.regimeShares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  test('ablation removes each weighted feature in turn', () => {
    const rows = ablation(ctx());
    expect(rows.map((r) => `${r.parameter}:${r.value}`)).toEqual([
      'default:' + rows[0]!.value,
      'without:realized_vol_21d',
      'without:drawdown',
    ]);
    const volOnly = sensitivity(ctx()).find((r) => r.value === 'vol 1 / drawdown 0')!;
    expect(rows[2]!.model).toEqual(volOnly.model);
  });

  test('stability fits rolling windows and ranks the largest changes', () => {
    const { windows, largestChanges } = stability(ctx());
    const { windowDays, stepDays } = config.model.experiments.stability;
    expect(windows).toHaveLength(Math.floor((4833 - windowDays) / stepDays) + 1);
    expect(windows[0]!.from).toBe('2001-01-31');
    const sizes = largestChanges.map((c) => Math.abs(c.change));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    for (const w of windows) expect(w.stationary.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

test('finml experiment without silver data explains how to get it', async () => {
  const r = await runCli(['experiment', 'ablation', '--silver', '/nonexistent']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('no silver partitions in /nonexistent: run "finml pipeline');
});
