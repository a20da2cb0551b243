/**
 * HTTP throughput of the local runtime (issue 8): `npm start`'s stack (infra/local/runtime.ts) on
 * random ports in a temporary state folder, schedules off, trained by its own pipeline on the
 * bundled S&P 500 sample (dropped into bronze as `market_data/SPX.csv`), then loaded by autocannon
 * — 50 connections on POST /api/predict with the API key, after a 1 s warm-up. Variants:
 *
 * - `horizon 5` (10 s) and `horizon 5 (3 s)` (the quick one): every request `{"symbol":"SPX","horizon":5}`;
 * - `random horizon` (10 s): each connection cycles through the horizons 1..maxHorizon in one
 *   seeded random order.
 *
 * The whole request path is the local one: the front door, the API Gateway emulation (route, API
 * key, request-model validation), the predict handler with its middleware (Powertools log lines go
 * to the function's log file), the production model and the symbol's live state as serving keeps
 * them (re-read from DynamoDB — dynalite — every `api.modelCacheSeconds` and
 * `api.liveStateCacheSeconds`, in the background ahead of expiry: docs/decisions/0018), and the
 * prediction log: one entry per origin, so in `horizon 5` one write in all, the repeats answered
 * without writing. The handler's own time (the function as Lambda runs it, middleware included) is
 * measured in-process on every request of the measured run, and split into the first request of
 * each origin (the one that writes) and the repeats. The usage plan's throttle (50 req/s, burst
 * 100 in config/platform.yaml, emulated by the local gateway) is lifted from the benchmark's copy of
 * the template: with it, most requests would be 429s and the figure would be the plan's rate.
 *
 * The load generator runs in the same child, on one worker thread (autocannon `workers: 1`), so the
 * server keeps the main thread; both share this machine's cores (2 here), so requests/s is a floor
 * for a server on its own machine.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCase, type PrepareContext } from '../lib/types.ts';
import { CONFIG_DIR, SAMPLE_FILE } from './hmm.ts';

export type HttpHorizons = 'fixed' | 'random';

export type HttpVariant = {
  horizons: HttpHorizons;
  /** The horizon of every request when `horizons` is `fixed`. */
  horizon: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  seed: number;
};

export type HttpParams = HttpVariant & {
  repoRoot: string;
  /** The synthesized stack (`{ stackName, template }` as JSON), made once per run by the parent. */
  stackFile: string;
  sampleFile: string;
  /** The API's largest horizon (config `model.markov.maxHorizon`): `random` draws from 1..maxHorizon. */
  maxHorizon: number;
};

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let synthesized: Promise<string> | undefined;

/**
 * The stack's template as the local runtime deploys it, synthesized on the first call of this run
 * (about 7 s and 500 MiB: kept out of the measured child) and written to the cache folder.
 */
function stackFile(context: PrepareContext): Promise<string> {
  synthesized ??= (async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { synthesizeStack } = await import('../../infra/local/template.ts');
    const dir = join(context.cacheDir, 'http');
    await mkdir(dir, { recursive: true });
    context.log('synthesizing the FINML stack for the local runtime');
    const started = performance.now();
    const stack = await synthesizeStack({ outdir: join(dir, 'cdk.out') });
    const file = join(dir, 'stack.json');
    await writeFile(file, JSON.stringify(stack));
    context.log(`  ${((performance.now() - started) / 1000).toFixed(1)} s → ${file}`);
    return file;
  })();
  return synthesized;
}

const variant = (name: string, quick: boolean, horizons: HttpHorizons, durationSeconds: number) => ({
  name,
  quick,
  params: { horizons, horizon: 5, connections: 50, durationSeconds, warmupSeconds: 1, seed: 8 },
});

export const httpCase = defineCase<HttpVariant, HttpParams>({
  name: 'http',
  title:
    'HTTP throughput of the local runtime: POST /api/predict, 50 connections, autocannon in the same child (load generator and server share the machine’s 2 cores), usage-plan throttle lifted',
  measureModule: new URL('./http.measure.ts', import.meta.url),
  variants: [
    variant('horizon 5', false, 'fixed', 10),
    variant('random horizon', false, 'random', 10),
    variant('horizon 5 (3 s)', true, 'fixed', 3),
  ],
  async prepare(v, context) {
    const { loadConfig } = await import('#config/load');
    return {
      ...v,
      repoRoot: REPO_ROOT,
      stackFile: await stackFile(context),
      sampleFile: SAMPLE_FILE,
      maxHorizon: loadConfig(CONFIG_DIR).config.model.markov.maxHorizon,
    };
  },
  figures: [
    {
      key: 'requestsPerSecond',
      label: 'req/s',
      unit: '',
      digits: 0,
      target: { op: '>=', value: 5000, source: 'issue 14' },
    },
    { key: 'latencyP50Ms', label: 'p50', unit: 'ms', digits: 0 },
    { key: 'latencyP99Ms', label: 'p99', unit: 'ms', digits: 0 },
    { key: 'handlerP50Micros', label: 'handler p50', unit: 'µs', digits: 0 },
    {
      key: 'handlerP99Micros',
      label: 'handler p99',
      unit: 'µs',
      digits: 0,
      target: { op: '<=', value: 1000, source: 'issue 14' },
    },
    {
      key: 'repeatP99Micros',
      label: 'repeat p99',
      unit: 'µs',
      digits: 0,
      target: { op: '<=', value: 1000, source: 'issue 14' },
    },
    { key: 'firstRequestCalls', label: 'first requests', unit: '', digits: 0 },
    { key: 'serverCpuMicrosPerRequest', label: 'server CPU/req', unit: 'µs', digits: 0 },
    { key: 'totalRequests', label: 'requests', unit: '', digits: 0 },
    { key: 'predictionLogWrites', label: 'log writes', unit: '', digits: 0 },
    {
      key: 'non2xx',
      label: 'non-2xx',
      unit: '',
      digits: 0,
      target: { op: '<=', value: 0, source: 'issue 8' },
    },
    {
      key: 'errors',
      label: 'errors',
      unit: '',
      digits: 0,
      target: { op: '<=', value: 0, source: 'issue 8' },
    },
    { key: 'setupSeconds', label: 'setup', unit: 's', digits: 1 },
    { key: 'peakRssMiB', label: 'peak RSS', unit: 'MiB', digits: 0 },
  ],
  timeoutSeconds: 300,
});
