/**
 * Gaussian HMM fit (issue 8): `fitGaussianHmm` with the config's settings (3 states, 5 starts,
 * tolerance 1e-8) on the bundled S&P 500 sample's daily log returns of adjclose × returnScale
 * (5,104 returns). The target covers all five starts (issue 8 puts statsmodels' MarkovRegression
 * at about 10 s for one fit).
 */
import { fileURLToPath } from 'node:url';
import { defineCase } from '../lib/types.ts';

export type HmmVariant = { starts: number; warmRuns: number };

export type HmmParams = { file: string; configDir: string; starts: number; warmRuns: number };

export const SAMPLE_FILE = fileURLToPath(new URL('../../data/samples/sp500-2000.csv', import.meta.url));
export const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

export const hmmCase = defineCase<HmmVariant, HmmParams>({
  name: 'hmm',
  title: 'Gaussian HMM fit (fitGaussianHmm, S&P 500 sample, daily log returns × 100)',
  measureModule: new URL('./hmm.measure.ts', import.meta.url),
  variants: [{ name: '5 starts', quick: true, params: { starts: 5, warmRuns: 3 } }],
  async prepare(variant) {
    return { file: SAMPLE_FILE, configDir: CONFIG_DIR, ...variant };
  },
  figures: [
    { key: 'observations', label: 'returns', unit: '', digits: 0 },
    { key: 'starts', label: 'starts', unit: '', digits: 0 },
    { key: 'iterations', label: 'E-steps', unit: '', digits: 0 },
    {
      key: 'milliseconds',
      label: 'fit (first call)',
      unit: 'ms',
      digits: 0,
      target: { op: '<=', value: 500, source: 'issue 8' },
    },
    { key: 'warmMilliseconds', label: 'fit (warm)', unit: 'ms', digits: 0 },
    { key: 'microsPerStep', label: 'per E-step', unit: 'µs', digits: 0 },
    { key: 'peakRssMiB', label: 'peak RSS', unit: 'MiB', digits: 0 },
  ],
});
