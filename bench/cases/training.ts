/**
 * Training (issue 8) on the gold of the generated bronze files (200 symbols; the pipeline case's
 * inputs, labelled by runDataPipeline in `prepare` and cached as a gold CSV). The child reads the
 * gold CSV as `finml train` does (untimed), then times one of:
 *
 * - `fit+eval`: the Markov fit with every analytic (`analyseChain` with the config's posterior
 *   settings: 2,000 Dirichlet draws, horizons 1..252) and the 5-fold walk-forward evaluation
 *   against the baselines (`buildPredictionPairs` + `evaluateWalkForward`), as trainModel calls them;
 * - `trainModel`: the whole `trainModel` with the HMM disabled (adds the per-symbol reference
 *   samples, latest regimes and lineage of the artifact);
 * - `artifact`: after an untimed trainModel (HMM disabled), `serializeArtifact` (what training
 *   writes to S3) and `parseArtifact` (what the API does on its first /predict with a new model):
 *   the artifact embeds every gold value of the reference samples, so it grows with the gold;
 * - `horizons`: the horizon backtest of DOMAIN §5 v2 (`horizonBacktestFromConfig`: date-level
 *   TimeSeriesSplit(5, gap 21), horizons 1/5/21/63, chain, direct table, climatology and fitted
 *   persistence fitted per fold and scored out of fold), not yet part of trainModel.
 *
 * Peak RSS counts from the start of the timed work (the high-water mark is reset after reading the
 * gold, where Linux allows it): the gold tables are then in memory, as in the training Lambda.
 */
import { fileURLToPath } from 'node:url';
import { defineCase } from '../lib/types.ts';
import { generatedGoldFile } from './training-gold.ts';

export type TrainingWork = 'fit+eval' | 'trainModel' | 'artifact' | 'horizons';

export type TrainingVariant = { work: TrainingWork; symbols: number; days: number; seed: number };

export type TrainingParams = { work: TrainingWork; file: string; rows: number; configDir: string };

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

const variant = (work: TrainingWork, size: '100k' | '1M') => ({
  name: `${size} ${work}`,
  quick: size === '100k' && work !== 'artifact',
  params: { work, symbols: 200, days: size === '100k' ? 500 : 5000, seed: 1 },
});

export const trainingCase = defineCase<TrainingVariant, TrainingParams>({
  name: 'training',
  title:
    'Training on generated gold (200 symbols): Markov fit + analytics + walk-forward, trainModel, artifact',
  measureModule: new URL('./training.measure.ts', import.meta.url),
  variants: [
    variant('fit+eval', '100k'),
    variant('trainModel', '100k'),
    variant('artifact', '100k'),
    variant('horizons', '100k'),
    variant('fit+eval', '1M'),
    variant('trainModel', '1M'),
    variant('artifact', '1M'),
    variant('horizons', '1M'),
  ],
  async prepare(v, context) {
    const gold = await generatedGoldFile(v, CONFIG_DIR, context);
    return { work: v.work, file: gold.path, rows: gold.rows, configDir: CONFIG_DIR };
  },
  figures: [
    { key: 'rows', label: 'gold rows', unit: '', digits: 0 },
    { key: 'wallSeconds', label: 'time', unit: 's', digits: 2 },
    { key: 'cpuSeconds', label: 'CPU', unit: 's', digits: 2 },
    { key: 'chainSeconds', label: 'analyseChain', unit: 's', digits: 2 },
    { key: 'evaluationSeconds', label: 'walk-forward', unit: 's', digits: 2 },
    { key: 'horizonOrigins', label: 'horizon origins', unit: '', digits: 0 },
    { key: 'artifactMiB', label: 'artifact', unit: 'MiB', digits: 1 },
    { key: 'parseSeconds', label: 'artifact parse', unit: 's', digits: 2 },
    { key: 'peakRssMiB', label: 'peak RSS', unit: 'MiB', digits: 0 },
    { key: 'startRssMiB', label: 'RSS at start', unit: 'MiB', digits: 0 },
    { key: 'loadSeconds', label: 'gold read', unit: 's', digits: 2 },
  ],
});
