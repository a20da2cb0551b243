/**
 * `finml drift` as a whole (issue 19): a model trained on the generated gold (in `prepare`, not
 * timed), then the drift check of every symbol's newest window against its training rows —
 * reading the gold CSV, KS and PSI per feature, the calibrated thresholds, the regime mix and
 * chain tests, z-score and isolation-forest anomalies — in a fresh process, module loading
 * included.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { defineCase } from '../lib/types.ts';
import { generatedGoldFile } from './training-gold.ts';

export type DriftVariant = { symbols: number; days: number; seed: number };

export type DriftParams = { file: string; rows: number; model: string; configDir: string };

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/finml.mjs', import.meta.url));
const source = 'issue 19';

export const driftCase = defineCase<DriftVariant, DriftParams>({
  name: 'drift',
  title: '`finml drift` in one process (model + gold CSV → drift report), 200 symbols',
  measureModule: new URL('./drift.measure.ts', import.meta.url),
  variants: [
    { name: '100k', quick: true, params: { symbols: 200, days: 500, seed: 1 } },
    { name: '1M', quick: false, params: { symbols: 200, days: 5000, seed: 1 } },
  ],
  async prepare(v, context) {
    const gold = await generatedGoldFile(v, CONFIG_DIR, context);
    const out = await mkdtemp(join(tmpdir(), 'finml-bench-drift-model-'));
    context.log(`training the model the drift check reads → ${out}`);
    await promisify(execFile)(
      process.execPath,
      [CLI, 'train', gold.path, '--out', out, '--config', CONFIG_DIR],
      {
        maxBuffer: 64 << 20,
      },
    );
    return { file: gold.path, rows: gold.rows, model: join(out, 'model.json'), configDir: CONFIG_DIR };
  },
  figures: [
    { key: 'rows', label: 'gold rows', unit: '', digits: 0 },
    { key: 'wallSeconds', label: 'time', unit: 's', digits: 2 },
    { key: 'cpuSeconds', label: 'CPU', unit: 's', digits: 2, target: { op: '<=', value: 5, source } },
    { key: 'peakRssMiB', label: 'peak RSS', unit: 'MiB', digits: 0 },
    { key: 'symbols', label: 'symbols checked', unit: '', digits: 0 },
  ],
  timeoutSeconds: 300,
});
