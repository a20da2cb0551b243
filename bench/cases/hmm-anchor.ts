/**
 * The HMM's EM beside statsmodels (issue 19): time per EM iteration of FINML's Gaussian HMM and of
 * statsmodels `MarkovRegression(k_regimes=3, trend="c", switching_variance=True)` EM
 * (bench/anchor/statsmodels_em.py) on the same returns of the 1M-row generated gold: one symbol
 * (S0001, ~5,000 returns) and the pooled series (every symbol's returns, ~1M; statsmodels sees
 * their concatenation as one series, FINML as 200 sequences). Both run a fixed number of
 * iterations from their own start; FINML's figure is per E-step (each with its M-step).
 * Needs /usr/bin/python3 with statsmodels (`apt-get install -y python3-statsmodels`); without it the
 * statsmodels figures are left empty.
 */
import { fileURLToPath } from 'node:url';
import { defineCase } from '../lib/types.ts';
import { generatedGoldFile } from './training-gold.ts';

export type AnchorVariant = {
  days: number;
  pooled: boolean;
  finmlIterations: number;
  statsmodelsIterations: number;
  /** Runs of each side; the figures are the medians. */
  repeats: number;
};

export type AnchorParams = AnchorVariant & { file: string; configDir: string; script: string };

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

export const hmmAnchorCase = defineCase<AnchorVariant, AnchorParams>({
  name: 'hmm-anchor',
  title: 'HMM EM per iteration: FINML vs statsmodels MarkovRegression (1M-row generated gold)',
  measureModule: new URL('./hmm-anchor.measure.ts', import.meta.url),
  variants: [
    {
      name: '100k one symbol',
      quick: true,
      params: { days: 500, pooled: false, finmlIterations: 50, statsmodelsIterations: 10, repeats: 3 },
    },
    {
      name: 'one symbol',
      quick: false,
      params: { days: 5000, pooled: false, finmlIterations: 200, statsmodelsIterations: 50, repeats: 7 },
    },
    {
      name: 'pooled',
      quick: false,
      params: { days: 5000, pooled: true, finmlIterations: 10, statsmodelsIterations: 3, repeats: 3 },
    },
  ],
  async prepare(v, context) {
    const gold = await generatedGoldFile({ symbols: 200, days: v.days, seed: 1 }, CONFIG_DIR, context);
    return {
      ...v,
      file: gold.path,
      configDir: CONFIG_DIR,
      script: fileURLToPath(new URL('../anchor/statsmodels_em.py', import.meta.url)),
    };
  },
  figures: [
    { key: 'returns', label: 'returns', unit: '', digits: 0 },
    { key: 'finmlMsPerIteration', label: 'FINML', unit: 'ms/iter', digits: 3 },
    { key: 'statsmodelsMsPerIteration', label: 'statsmodels', unit: 'ms/iter', digits: 3 },
    {
      key: 'speedup',
      label: 'FINML faster',
      unit: '×',
      digits: 1,
      target: { op: '>=', value: 20, source: 'issue 19' },
    },
  ],
  timeoutSeconds: 600,
});
