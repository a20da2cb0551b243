/**
 * Child side of the predict case. Reads the model's JSON and parses it as the API loads it (timed
 * once: `parseArtifactMs`, part of a cold /predict), then times each of `warmup + calls` random
 * requests on its own; only the last `calls` are kept.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '#config/load';
import { parseArtifact, serializeArtifact } from '#shared/model/artifact';
import { sortedQuantile } from '#shared/model/markov';
import { predict } from '#shared/model/predict';
import { createRandom } from '#shared/stats/random';
import { servePrediction } from '#shared/usecases/serving';
import type { Measure } from '../lib/types.ts';
import type { PredictParams } from './predict.ts';
import { memoryContext } from './predict-ports.ts';

/** The API handler's JSON body (functions/lib/http.ts `json`): non-finite numbers as strings. */
const responseBody = (body: unknown): string =>
  JSON.stringify(body, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));

export const measure: Measure<PredictParams> = async (params) => {
  const loaded = loadConfig(params.configDir);
  const text = readFileSync(params.modelFile, 'utf8');
  const parseStarted = performance.now();
  const model = parseArtifact(text, 'model.json');
  const parseArtifactMs = performance.now() - parseStarted;

  const random = createRandom(params.seed);
  const symbol = Object.keys(model.latest)[0]!;
  const total = params.warmup + params.calls;
  const requests = Array.from({ length: total }, () => ({
    symbol,
    regime: model.labels[Math.floor(random.uniform() * model.labels.length)]!,
    horizon: 1 + Math.floor(random.uniform() * model.markov.absorbing.maxHorizon),
  }));
  const micros = new Float64Array(params.calls);
  const record = (i: number, started: number) => {
    if (i >= params.warmup) micros[i - params.warmup] = (performance.now() - started) * 1000;
  };

  let candidateAnswers = 0;
  let started = 0;
  let loopStarted = 0;
  if (params.target === 'predict') {
    let checksum = 0;
    for (let i = 0; i < total; i++) {
      if (i === params.warmup) loopStarted = performance.now();
      started = performance.now();
      checksum += predict(model, requests[i]!).predicted.confidence;
      record(i, started);
    }
    if (!Number.isFinite(checksum)) throw new Error('predict returned a non-finite confidence');
  } else {
    const candidate =
      params.target === 'serve A/B'
        ? {
            version: `${model.version}-candidate`,
            text: serializeArtifact({ ...model, version: `${model.version}-candidate` }),
            trafficShare: 0.1,
          }
        : undefined;
    const { ctx, log } = memoryContext(loaded.config, { version: model.version, text }, candidate);
    const options = {
      cacheSeconds: loaded.config.platform.api.modelCacheSeconds,
      ttlDays: loaded.config.platform.api.predictionTtlDays,
    };
    const requestIds = Array.from({ length: total }, (_, i) => `bench-request-${i}`);
    let bytes = 0;
    // One log entry per origin (DOMAIN §6.1): here one symbol-day, so one per model and horizon;
    // the repeats are answered without writing.
    const origins = new Set<string>();
    for (let i = 0; i < total; i++) {
      if (i === params.warmup) loopStarted = performance.now();
      started = performance.now();
      const served = await servePrediction(ctx, requests[i]!, requestIds[i]!, options);
      bytes += responseBody(served).length;
      record(i, started);
      origins.add(`${served.modelVersion}#${requests[i]!.horizon}`);
      if (i >= params.warmup && served.arm === 'candidate') candidateAnswers++;
    }
    if (log.count !== origins.size || bytes === 0) {
      throw new Error(`logged ${log.count} entries for ${origins.size} origins of ${total} requests`);
    }
  }
  const loopSeconds = (performance.now() - loopStarted) / 1000;

  const sorted = micros.slice().sort();
  return {
    calls: params.calls,
    p50Micros: sortedQuantile(sorted, 0.5),
    p90Micros: sortedQuantile(sorted, 0.9),
    p99Micros: sortedQuantile(sorted, 0.99),
    p999Micros: sortedQuantile(sorted, 0.999),
    maxMicros: sorted[sorted.length - 1]!,
    meanMicros: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    callsPerSecond: params.calls / loopSeconds,
    candidateShare: candidateAnswers / params.calls,
    parseArtifactMs,
    artifactKiB: Buffer.byteLength(text) / 1024,
  };
};
