/**
 * Child side of the http case. Starts the local runtime (random ports, a temporary state folder,
 * schedules off) on the parent's synthesized template less the usage plan's throttle, drops the
 * S&P 500 sample into bronze, waits for its pipeline run to register a production model, checks one
 * /predict answer, then loads POST /api/predict with autocannon (one worker thread) after a warm-up.
 * The runtime is stopped and the state folder removed whatever happens.
 *
 * The runtime imports the handlers from their TypeScript sources and shares its module instances
 * with them (the use-case context), so it cannot be bundled: this module loads it, and autocannon,
 * from the repository at run time (registering tsx first when the child runs a bundle).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import nodeModule from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance as nodePerformance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ENV } from '#composition/env';
import { sortedQuantile } from '#shared/model/markov';
import { createRandom } from '#shared/stats/random';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import type { SynthesizedStack } from '../../infra/local/template.ts';
import type { Figures, Measure } from '../lib/types.ts';
import type { HttpParams } from './http.ts';

const SAMPLE_KEY = 'market_data/SPX.csv';
const SYMBOL = 'SPX';

/** The parts of an autocannon histogram read here (hdr-histogram-percentiles-obj). */
interface Histogram {
  average: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
}

/** The parts of an autocannon result read here (see its README, "Results"). */
export interface AutocannonResult {
  requests: Histogram & { sent: number };
  latency: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}

interface AutocannonRequest {
  method: string;
  body: string;
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

/**
 * A copy of the synthesized stack whose usage plans have no throttle: the local gateway then lets
 * every request through (their quota is not emulated locally).
 */
export function withoutUsagePlanThrottle(stack: SynthesizedStack): SynthesizedStack {
  const resources = Object.fromEntries(
    Object.entries(stack.template.Resources).map(([id, resource]) => {
      if (resource.Type !== 'AWS::ApiGateway::UsagePlan' || resource.Properties === undefined)
        return [id, resource];
      const { Throttle: _lifted, ...properties } = resource.Properties;
      return [id, { ...resource, Properties: properties }];
    }),
  );
  return { ...stack, template: { ...stack.template, Resources: resources } };
}

/** The horizons 1..maxHorizon in one random order (a Fisher–Yates shuffle with the seeded generator). */
export function shuffledHorizons(maxHorizon: number, seed: number): number[] {
  const horizons = Array.from({ length: maxHorizon }, (_, i) => i + 1);
  const random = createRandom(seed);
  for (let i = horizons.length - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    [horizons[i], horizons[j]] = [horizons[j]!, horizons[i]!];
  }
  return horizons;
}

/** The request sequence each connection cycles through. */
export function predictRequests(params: Pick<HttpParams, 'horizons' | 'horizon' | 'maxHorizon' | 'seed'>) {
  const horizons =
    params.horizons === 'fixed' ? [params.horizon] : shuffledHorizons(params.maxHorizon, params.seed);
  return horizons.map(
    (horizon): AutocannonRequest => ({ method: 'POST', body: JSON.stringify({ symbol: SYMBOL, horizon }) }),
  );
}

/** The figures of an autocannon run (latencies in ms, autocannon's 1 ms resolution). */
export function resultFigures(result: AutocannonResult): Figures {
  const statusCount = (prefix: string) =>
    Object.entries(result.statusCodeStats)
      .filter(([code]) => code.startsWith(prefix))
      .reduce((n, [, s]) => n + s.count, 0);
  return {
    requestsPerSecond: result.requests.average,
    requestsPerSecondStddev: result.requests.stddev,
    requestsPerSecondMin: result.requests.min,
    totalRequests: result.requests.total,
    sentRequests: result.requests.sent,
    latencyP50Ms: result.latency.p50,
    latencyP90Ms: result.latency.p90,
    latencyP99Ms: result.latency.p99,
    latencyMeanMs: result.latency.average,
    latencyMaxMs: result.latency.max,
    non2xx: result.non2xx,
    status4xx: statusCount('4'),
    status5xx: statusCount('5'),
    errors: result.errors,
    timeouts: result.timeouts,
    runSeconds: result.duration,
  };
}

/**
 * Times every invocation of the function behind `POST /predict` while `recording` is on: the handler
 * as Lambda runs it (middleware included), from the call until its answer, in microseconds. Each
 * sample is also filed as a first request or a repeat: the first invocation with a given body since
 * the wrapper was installed (warm-up included) is the one that writes its origin's prediction-log
 * entry and waits for it — the model and the gold day do not change during the run, so one body is
 * one origin — every later one a repeat, which never writes. Returns the samples (shared) and the undo.
 */
export function timePredictHandler(rt: Pick<LocalRuntime, 'deployment' | 'lambda'>) {
  const route = rt.deployment.api?.routes.find((r) => r.resource === '/predict' && r.method === 'POST');
  if (route?.integration.type !== 'AWS_PROXY') throw new Error('the stack has no POST /predict function');
  const state = {
    recording: false,
    micros: [] as number[],
    firstMicros: [] as number[],
    repeatMicros: [] as number[],
  };
  const seen = new Set<string>();
  const undo = rt.lambda.wrap(route.integration.functionArn, (handler) => async (event, context) => {
    const body = String((event as { body?: unknown }).body);
    const first = !seen.has(body);
    if (first) seen.add(body);
    if (!state.recording) return handler(event, context);
    const started = nodePerformance.now();
    try {
      return await handler(event, context);
    } finally {
      const micros = (nodePerformance.now() - started) * 1000;
      state.micros.push(micros);
      (first ? state.firstMicros : state.repeatMicros).push(micros);
    }
  });
  return { state, undo };
}

/** Percentiles of the handler times (µs; linear interpolation, as the predict case). */
export function handlerFigures(micros: readonly number[], prefix = 'handler'): Figures {
  if (micros.length === 0) return { [`${prefix}Calls`]: 0 };
  const sorted = Float64Array.from(micros).sort();
  return {
    [`${prefix}Calls`]: sorted.length,
    [`${prefix}P50Micros`]: sortedQuantile(sorted, 0.5),
    [`${prefix}P90Micros`]: sortedQuantile(sorted, 0.9),
    [`${prefix}P99Micros`]: sortedQuantile(sorted, 0.99),
    [`${prefix}P999Micros`]: sortedQuantile(sorted, 0.999),
    [`${prefix}MaxMicros`]: sorted[sorted.length - 1]!,
  };
}

/**
 * CPU time of this process's main thread so far, in nanoseconds — the first field of Linux's
 * `/proc/self/task/<tid>/schedstat` (the main thread's id is the process id) — or undefined where
 * there is none. Unlike `process.cpuUsage()` it leaves out the worker threads (autocannon's).
 */
export function mainThreadCpuNanos(): number | undefined {
  try {
    const text = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8');
    const nanos = Number(text.split(' ')[0]);
    return Number.isFinite(nanos) ? nanos : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `require` from the repository root: the child may run from a bundle outside the repository.
 * (Not `createRequire` by name: the bundle's banner declares one.)
 */
const repoRequire = (repoRoot: string): NodeJS.Require =>
  nodeModule.createRequire(join(repoRoot, 'package.json'));

/** True when this process already loads TypeScript through tsx (`--tsx` runs). */
function tsxLoaded(): boolean {
  return process.execArgv.some(
    (a, i) => a === '--import=tsx' || (a === 'tsx' && process.execArgv[i - 1] === '--import'),
  );
}

async function loadRuntimeModule(repoRoot: string): Promise<typeof import('../../infra/local/runtime.ts')> {
  if (!tsxLoaded()) await import(pathToFileURL(repoRequire(repoRoot).resolve('tsx')).href);
  return import(pathToFileURL(join(repoRoot, 'infra', 'local', 'runtime.ts')).href);
}

async function apiCall(rt: LocalRuntime, path: string, body?: unknown) {
  const response = await fetch(`${rt.urls.api}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': rt.apiKey },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Entries in the prediction log (a count-only scan of its table on the runtime's DynamoDB). */
async function predictionLogEntries(rt: LocalRuntime, fromRepo: NodeJS.Require): Promise<number> {
  const { ScanCommand } = fromRepo('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  const table = process.env[ENV.predictionsTable];
  if (table === undefined) throw new Error(`the runtime's environment has no ${ENV.predictionsTable}`);
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await rt.dynamodb.send(
      new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start as never }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return count;
}

/** Drops the sample into bronze, waits for the pipeline run it starts, returns the production version. */
async function trainFromSample(
  rt: LocalRuntime,
  sampleFile: string,
  fromRepo: NodeJS.Require,
): Promise<string> {
  // The runtime's own copy of the SDK (the package has no ESM entry for Node: one module instance).
  const { PutObjectCommand } = fromRepo('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  const before = new Set(rt.pipeline.executions);
  await rt.s3.send(
    new PutObjectCommand({ Bucket: rt.names.bronze, Key: SAMPLE_KEY, Body: await readFile(sampleFile) }),
  );
  const started = rt.pipeline.executions.filter((x) => !before.has(x));
  if (started.length !== 1) throw new Error(`the sample started ${started.length} pipeline runs, not 1`);
  const run = await rt.pipeline.wait(started[0]!);
  if (run.status !== 'SUCCEEDED')
    throw new Error(`the sample's pipeline run ${run.status}: ${run.error} ${run.cause}`);
  await rt.idle();
  const production = (await apiCall(rt, '/models')).production;
  if (typeof production !== 'string') throw new Error("the sample's pipeline run left no production model");
  return production;
}

export const measure: Measure<HttpParams> = async (params) => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const fromRepo = repoRequire(params.repoRoot);
  const autocannon = fromRepo('autocannon') as Autocannon;
  const { startLocalRuntime } = await loadRuntimeModule(params.repoRoot);
  const stack = withoutUsagePlanThrottle(
    JSON.parse(await readFile(params.stackFile, 'utf8')) as SynthesizedStack,
  );

  const stateDir = await mkdtemp(join(tmpdir(), 'finml-bench-http-'));
  let rt: LocalRuntime | undefined;
  try {
    const setupStarted = performance.now();
    rt = await startLocalRuntime({
      stateDir,
      stack,
      ports: { api: 0, s3: 0, dynamodb: 0 },
      scheduleScale: 0,
    });
    const startSeconds = (performance.now() - setupStarted) / 1000;
    if (rt.deployment.api?.throttle !== undefined) throw new Error('the usage plan still throttles the API');
    const pipelineStarted = performance.now();
    const production = await trainFromSample(rt, params.sampleFile, fromRepo);
    const pipelineSeconds = (performance.now() - pipelineStarted) / 1000;
    const first = await apiCall(rt, '/predict', { symbol: SYMBOL, horizon: params.horizon });
    if (first.modelVersion !== production)
      throw new Error(
        `/predict answered with ${String(first.modelVersion)}, not the production ${production}`,
      );
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const { urls, apiKey } = rt;
    const load = (durationSeconds: number) =>
      autocannon({
        url: `${urls.api}/predict`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        requests: predictRequests(params),
        connections: params.connections,
        duration: durationSeconds,
        workers: 1,
      });
    const timing = timePredictHandler(rt);
    const warmup = await load(params.warmupSeconds);
    const entriesBefore = await predictionLogEntries(rt, fromRepo);
    const cpuStarted = process.cpuUsage();
    const serverCpuStarted = mainThreadCpuNanos();
    const eluStarted = nodePerformance.eventLoopUtilization();
    timing.state.recording = true;
    const result = await load(params.durationSeconds);
    timing.state.recording = false;
    const elu = nodePerformance.eventLoopUtilization(eluStarted);
    const cpu = process.cpuUsage(cpuStarted);
    const serverCpuEnded = mainThreadCpuNanos();
    timing.undo();
    await rt.idle();
    const logWrites = (await predictionLogEntries(rt, fromRepo)) - entriesBefore;
    const figures = resultFigures(result);
    return {
      ...figures,
      ...handlerFigures(timing.state.micros),
      // Split: the first request of each origin (it writes the log entry and waits), and the repeats.
      ...handlerFigures(timing.state.firstMicros, 'firstRequest'),
      ...handlerFigures(timing.state.repeatMicros, 'repeat'),
      // New prediction-log entries during the measured run: one per new origin, none for a repeat.
      predictionLogWrites: logWrites,
      connections: params.connections,
      durationSeconds: params.durationSeconds,
      warmupRequests: warmup.requests.total,
      warmupNon2xx: warmup.non2xx,
      warmupErrors: warmup.errors,
      // The measured run: CPU of the whole child (server and load generator), and the share of
      // the time the main thread (the server: front door, gateway, handler, s3rver, dynalite) was busy.
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      serverEventLoopUtilization: elu.utilization,
      // The main thread's CPU per answer: the server's cost of a request, whatever else the machine runs.
      ...(serverCpuStarted !== undefined && serverCpuEnded !== undefined && result.requests.total > 0
        ? { serverCpuMicrosPerRequest: (serverCpuEnded - serverCpuStarted) / 1000 / result.requests.total }
        : {}),
      loadAverage1m: loadavg()[0]!,
      startSeconds,
      pipelineSeconds,
      setupSeconds,
    };
  } finally {
    await rt?.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
};
