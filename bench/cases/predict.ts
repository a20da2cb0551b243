/**
 * /predict latency in process (issue 8): a model trained once on the bundled S&P 500 sample (in
 * the parent, see predict-model.ts), loaded by the child from its JSON as the API loads it, then
 * every call timed on its own after a warm-up, for random requests (starting regime, horizon
 * 1..252). Variants:
 *
 * - `predict`: `predict()` alone (shared/model/predict.ts) — the forecast itself;
 * - `serve`: `servePrediction()` (shared/usecases/serving.ts) on in-memory ports, with the
 *   response serialised as the API handler does — adds the model cache check, the prediction log
 *   entry (serialised to JSON, as a DynamoDB put would) and the response body;
 * - `serve A/B`: the same with a candidate model taking 10 % of the traffic (hashing of the
 *   request id, and the other arm's shadow forecast).
 *
 * The Lambda's middleware (Powertools, middy) and API Gateway are not included: see the coldstart
 * case for the handler bundles.
 */
import { defineCase } from '../lib/types.ts';
import { CONFIG_DIR, SAMPLE_FILE } from './hmm.ts';
import { sampleModelFile } from './predict-model.ts';

export type PredictTarget = 'predict' | 'serve' | 'serve A/B';

export type PredictVariant = { target: PredictTarget; warmup: number; calls: number; seed: number };

export type PredictParams = PredictVariant & { modelFile: string; configDir: string };

const variant = (target: PredictTarget) => ({
  name: target,
  quick: true,
  params: { target, warmup: 5_000, calls: 50_000, seed: 8 },
});

export const predictCase = defineCase<PredictVariant, PredictParams>({
  name: 'predict',
  title: '/predict latency in process (model trained on the S&P 500 sample, random regime and horizon)',
  measureModule: new URL('./predict.measure.ts', import.meta.url),
  variants: [variant('predict'), variant('serve'), variant('serve A/B')],
  async prepare(v, context) {
    return {
      ...v,
      modelFile: await sampleModelFile(SAMPLE_FILE, CONFIG_DIR, context),
      configDir: CONFIG_DIR,
    };
  },
  figures: [
    { key: 'calls', label: 'calls', unit: '', digits: 0 },
    { key: 'p50Micros', label: 'p50', unit: 'µs', digits: 1 },
    { key: 'p90Micros', label: 'p90', unit: 'µs', digits: 1 },
    {
      key: 'p99Micros',
      label: 'p99',
      unit: 'µs',
      digits: 1,
      target: { op: '<=', value: 1000, source: 'issue 8' },
    },
    { key: 'p999Micros', label: 'p99.9', unit: 'µs', digits: 1 },
    { key: 'maxMicros', label: 'max', unit: 'µs', digits: 0 },
    { key: 'callsPerSecond', label: 'calls/s', unit: '', digits: 0 },
    { key: 'parseArtifactMs', label: 'artifact parse', unit: 'ms', digits: 1 },
    { key: 'peakRssMiB', label: 'peak RSS', unit: 'MiB', digits: 0 },
  ],
});
