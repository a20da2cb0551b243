/** Builds gold from the bundled sample and trains a model on it (once per test file). */
import { createReadStream } from 'node:fs';
import { loadConfig } from '#config/load';
import { runDataPipeline } from '#shared/data/pipeline';
import type { GoldTable } from '#shared/data/tables';
import type { ModelArtifact } from '#shared/model/artifact';
import { trainModel } from '#shared/model/train';
import { calibrationOptions } from '#shared/monitoring/drift-calibration';
import { RUN_DAY } from './data.ts';

export const SAMPLE_PATH = new URL('../../data/samples/sp500-2000.csv', import.meta.url);

export async function sampleGold(): Promise<GoldTable[]> {
  const { config } = loadConfig();
  const result = await runDataPipeline(
    [{ name: 'spx.csv', chunks: createReadStream(SAMPLE_PATH) }],
    new Map(),
    {
      config: config.data,
      runDay: RUN_DAY,
    },
  );
  return result.gold.series;
}

export async function sampleModel(
  /** hmm: fit the HMM (default on); hmmLabels: also the first version's HMM score on the labels (config hmm.evaluate). */
  overrides: { hmm?: boolean; hmmLabels?: boolean } = {},
): Promise<{ model: ModelArtifact; gold: GoldTable[] }> {
  const { config, hash } = loadConfig();
  const gold = await sampleGold();
  const model = trainModel(
    {
      tables: gold,
      sources: [{ file: 'gold/features_final.csv', sha256: 'f'.repeat(64), rows: gold[0]!.length }],
    },
    {
      data: config.data,
      model: {
        ...config.model,
        hmm: { ...config.model.hmm, enabled: overrides.hmm ?? true, evaluate: overrides.hmmLabels ?? false },
      },
      psiBins: config.monitoring.drift.psi.bins,
      driftCalibration: calibrationOptions(config.monitoring),
      configHash: hash,
      codeVersion: 'test',
      now: new Date('2026-11-26T12:00:00Z'),
    },
  );
  return { model, gold };
}
