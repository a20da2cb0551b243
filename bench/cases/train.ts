/**
 * `finml train` as a whole (issue 19): reading the gold CSV, hashing it, the chain with every
 * analytic, the walk-forward evaluation, the HMM with its folds, the reference summaries, and
 * writing model.json and report.txt — in a fresh process, on the gold of the generated bronze
 * files (200 symbols; 100k, 1M and 5M rows). CPU seconds and peak RSS are the whole process's,
 * module loading included, as /usr/bin/time would report them.
 */
import { fileURLToPath } from 'node:url';
import { defineCase } from '../lib/types.ts';
import { generatedGoldFile } from './training-gold.ts';

export type TrainVariant = { symbols: number; days: number; seed: number };

export type TrainParams = { file: string; rows: number; configDir: string };

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
const source = 'issue 19';

export const trainCase = defineCase<TrainVariant, TrainParams>({
  name: 'train',
  title: '`finml train` in one process (gold CSV → model.json), 200 symbols',
  measureModule: new URL('./train.measure.ts', import.meta.url),
  variants: [
    { name: '100k', quick: true, params: { symbols: 200, days: 500, seed: 1 } },
    { name: '1M', quick: false, params: { symbols: 200, days: 5000, seed: 1 } },
    { name: '5M', quick: false, params: { symbols: 200, days: 25_000, seed: 1 } },
  ],
  async prepare(v, context) {
    const gold = await generatedGoldFile(v, CONFIG_DIR, context);
    return { file: gold.path, rows: gold.rows, configDir: CONFIG_DIR };
  },
  figures: [
    { key: 'rows', label: 'gold rows', unit: '', digits: 0 },
    { key: 'wallSeconds', label: 'time', unit: 's', digits: 2 },
    { key: 'cpuSeconds', label: 'CPU', unit: 's', digits: 2 },
    {
      key: 'peakRssMiB',
      label: 'peak RSS',
      unit: 'MiB',
      digits: 0,
      target: { op: '<=', value: 1024, source },
    },
    {
      key: 'modelKiB',
      label: 'model.json',
      unit: 'KiB',
      digits: 0,
      target: { op: '<=', value: 1024, source },
    },
    { key: 'hmmLogLikelihood', label: 'HMM log L', unit: '', digits: 1 },
  ],
  timeoutSeconds: 600,
});
