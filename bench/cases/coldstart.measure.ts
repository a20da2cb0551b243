/**
 * Child side of the coldstart case: starts `runs` pairs of fresh Node processes (with
 * `--enable-source-maps`, and without), each of which times `await import(bundle)` and reports
 * it on stdout. The pairs alternate their order so that both modes share the machine's load.
 *
 * For a bundle with a `firstRequest` (the /predict function), `runs` more fresh processes, in the
 * function's own environment, import the bundle and then invoke the handler twice — the cold
 * start's first request, then a warm one — against a DynamoDB stand-in in this process
 * (coldstart-fakes.ts) that holds the production pointer and a serving model of realistic size.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { sortedQuantile } from '#shared/model/markov';
import type { ServingModelRecord } from '#shared/model/serving-model';
import type { Figures, Measure } from '../lib/types.ts';
import type { ColdstartParams } from './coldstart.ts';
import { RUNTIME_SOURCE_MAPS } from './coldstart-bundle.ts';
import { pointerItem, servingModelItem, startFakeDynamo } from './coldstart-fakes.ts';

/** Runs in the fresh process: process.argv[1] is the bundle's URL. */
const LOADER = `
const cpu = process.cpuUsage();
const started = performance.now();
await import(process.argv[1]);
const importMs = performance.now() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({
  nodeStartMs: started,
  importMs,
  importCpuMs: (used.user + used.system) / 1000,
  rssMiB: process.memoryUsage.rss() / 2 ** 20,
}));
process.exit(0);
`;

const RESULT_MARK = '@@finml-coldstart ';

/**
 * Runs in the fresh process: imports the bundle (argv[1]), then invokes its export argv[2] with the
 * API Gateway event argv[3] twice, as Lambda would (a context object, one request id each). The
 * handler's own logs go to stdout too: the result is the line after RESULT_MARK.
 */
const FIRST_REQUEST_LOADER = `
const [bundle, exportName, eventJson] = process.argv.slice(1);
const ms = (since) => performance.now() - since;
const cpuMs = (since) => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
let cpu = process.cpuUsage();
let started = performance.now();
const handler = (await import(bundle))[exportName];
const importMs = ms(started);
const lambdaContext = (awsRequestId) => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: '1024',
  awsRequestId,
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  getRemainingTimeInMillis: () => 10000,
  done() {}, fail() {}, succeed() {},
});
const invoke = async (n) => {
  const event = JSON.parse(eventJson);
  event.requestContext.requestId = 'bench-request-' + n;
  const response = await handler(event, lambdaContext('bench-invocation-' + n));
  if (response?.statusCode !== 200) throw new Error('request ' + n + ' answered ' + JSON.stringify(response));
};
cpu = process.cpuUsage();
started = performance.now();
await invoke(1);
const firstRequestMs = ms(started);
const firstRequestCpuMs = cpuMs(cpu);
started = performance.now();
await invoke(2);
const secondRequestMs = ms(started);
process.stdout.write('\\n${RESULT_MARK}' + JSON.stringify({ importMs, firstRequestMs, firstRequestCpuMs, secondRequestMs }) + '\\n');
process.exit(0);
`;

interface ImportRun {
  nodeStartMs: number;
  importMs: number;
  importCpuMs: number;
  rssMiB: number;
  processMs: number;
}

interface RequestRun {
  importMs: number;
  firstRequestMs: number;
  firstRequestCpuMs: number;
  secondRequestMs: number;
}

function freshImport(file: string, env: Record<string, string>): ImportRun {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', LOADER, pathToFileURL(file).href], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const processMs = performance.now() - started;
  if (child.status !== 0) {
    throw new Error(`importing ${file} failed (${child.signal ?? `exit ${child.status}`}):\n${child.stderr}`);
  }
  return { ...(JSON.parse(child.stdout) as Omit<ImportRun, 'processMs'>), processMs };
}

/** One fresh process: import, first request, second request (asynchronous: the fake answers in this process). */
function freshRequests(
  file: string,
  exportName: string,
  event: unknown,
  env: Record<string, string>,
): Promise<RequestRun> {
  return new Promise((resolve, reject) => {
    const args = [
      '--input-type=module',
      '-e',
      FIRST_REQUEST_LOADER,
      pathToFileURL(file).href,
      exportName,
      JSON.stringify(event),
    ];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code !== 0 || line === undefined) {
        reject(
          new Error(`first request of ${file} failed (${signal ?? `exit ${code}`}):\n${stderr}\n${stdout}`),
        );
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARK.length)) as RequestRun);
    });
  });
}

const median = <R>(runs: readonly R[], value: (r: R) => number): number =>
  sortedQuantile(
    runs.map(value).sort((a, b) => a - b),
    0.5,
  );

/** The first-request runs of the /predict bundle against the DynamoDB stand-in. */
async function firstRequests(params: ColdstartParams): Promise<Figures> {
  const first = params.firstRequest;
  if (first === undefined) return {};
  const model = JSON.parse(readFileSync(first.servingModelFile, 'utf8')) as ServingModelRecord;
  const dynamo = await startFakeDynamo([pointerItem(model.version), await servingModelItem(model)]);
  try {
    const env = {
      ...params.env,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    };
    const event = {
      resource: '/predict',
      httpMethod: 'POST',
      path: '/predict',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: first.symbol, horizon: 5 }),
      isBase64Encoded: false,
      requestContext: { requestId: 'bench-request' },
    };
    const runs: RequestRun[] = [];
    for (let run = 0; run < params.runs; run++) {
      runs.push(await freshRequests(params.file, first.exportName, event, env));
    }
    const calls = [...dynamo.calls.values()].reduce((a, b) => a + b, 0);
    return {
      firstRequestMs: median(runs, (r) => r.firstRequestMs),
      firstRequestCpuMs: median(runs, (r) => r.firstRequestCpuMs),
      coldStartMs: median(runs, (r) => r.importMs + r.firstRequestMs),
      secondRequestMs: median(runs, (r) => r.secondRequestMs),
      // Two requests per run; the second reuses the pointers and the model (cached for modelCacheSeconds).
      dynamoCallsPerColdStart: calls / runs.length - 1,
      servingModelKiB: first.servingModelBytes / 1024,
    };
  } finally {
    await dynamo.close();
  }
}

export const measure: Measure<ColdstartParams> = async (params) => {
  const withMaps: ImportRun[] = [];
  const withoutMaps: ImportRun[] = [];
  const mapsEnv = { ...params.env, NODE_OPTIONS: RUNTIME_SOURCE_MAPS };
  const noMapsEnv = { ...params.env, NODE_OPTIONS: '' };
  for (let run = 0; run < params.runs; run++) {
    const first = run % 2 === 0;
    if (first) withMaps.push(freshImport(params.file, mapsEnv));
    withoutMaps.push(freshImport(params.file, noMapsEnv));
    if (!first) withMaps.push(freshImport(params.file, mapsEnv));
  }
  const deployed = params.env.NODE_OPTIONS === RUNTIME_SOURCE_MAPS ? withMaps : withoutMaps;
  const importMs = median(deployed, (r) => r.importMs);
  return {
    bundleKiB: params.bytes / 1024,
    sourceMapKiB: params.mapBytes / 1024,
    importMs,
    ...(params.bundle === 'predict' ? { predictImportMs: importMs } : {}),
    importCpuMs: median(deployed, (r) => r.importCpuMs),
    importMinMs: Math.min(...deployed.map((r) => r.importMs)),
    importSourceMapsMs: median(withMaps, (r) => r.importMs),
    importNoSourceMapsMs: median(withoutMaps, (r) => r.importMs),
    importNoSourceMapsCpuMs: median(withoutMaps, (r) => r.importCpuMs),
    nodeStartMs: median(deployed, (r) => r.nodeStartMs),
    processMs: median(deployed, (r) => r.processMs),
    initRssMiB: median(deployed, (r) => r.rssMiB),
    runs: deployed.length,
    ...(await firstRequests(params)),
  };
};
