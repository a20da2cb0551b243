/**
 * The local API's cost without HTTP: the runtime of the http case (trained on the bundled sample),
 * then `POST /predict {"symbol":"SPX","horizon":5}` through the API Gateway emulation, the Lambda
 * emulation and the handler (`LocalApiGateway.handle`, as the front door calls it) from 50
 * concurrent loops, in rounds; prints the main thread's CPU per request of each round (Linux
 * schedstat). Compare it with the http case's `serverCpuMicrosPerRequest` (README, benchmarks).
 *
 *   node --import tsx bench/http-inprocess.ts [--rounds 7] [--requests 20000]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalApiGateway } from '../infra/local/api-gateway.ts';
import { startLocalRuntime } from '../infra/local/runtime.ts';
import { synthesizeStack } from '../infra/local/template.ts';
import { SAMPLE_FILE } from './cases/hmm.ts';
import { mainThreadCpuNanos, withoutUsagePlanThrottle } from './cases/http.measure.ts';

const CONNECTIONS = 50;

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, requests: { type: 'string', default: '20000' } },
});
const rounds = Number(values.rounds);
const perRound = Number(values.requests);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
if (mainThreadCpuNanos() === undefined) throw new Error('needs Linux (/proc/self/task/<pid>/schedstat)');

const stack = withoutUsagePlanThrottle(
  await synthesizeStack({ outdir: join(tmpdir(), 'finml-inprocess-cdk') }),
);
const stateDir = await mkdtemp(join(tmpdir(), 'finml-bench-inprocess-'));
const rt = await startLocalRuntime({
  stateDir,
  stack,
  ports: { api: 0, s3: 0, dynamodb: 0 },
  scheduleScale: 0,
});
try {
  const before = new Set(rt.pipeline.executions);
  await rt.s3.send(
    new PutObjectCommand({
      Bucket: rt.names.bronze,
      Key: 'market_data/SPX.csv',
      Body: await readFile(SAMPLE_FILE),
    }),
  );
  const run = await rt.pipeline.wait(rt.pipeline.executions.find((x) => !before.has(x))!);
  if (run.status !== 'SUCCEEDED') throw new Error(`the sample's pipeline run ${run.status}: ${run.error}`);
  await rt.idle();
  if (rt.deployment.api === undefined) throw new Error('the stack has no API');
  const gateway = new LocalApiGateway(rt.deployment.api, rt.lambda, rt.apiKey, {
    accountId: '000000000000',
    domainName: () => new URL(rt.urls.api).host,
  });
  const host = new URL(rt.urls.api).host;
  const body = JSON.stringify({ symbol: 'SPX', horizon: 5 });
  const headers = { host, 'content-type': 'application/json', 'x-api-key': rt.apiKey };
  // What the gateway reads of an IncomingMessage.
  const request = {
    method: 'POST',
    headers,
    rawHeaders: Object.entries(headers).flat(),
    httpVersion: '1.1',
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;

  const round = async (n: number) => {
    let left = n;
    let failed = 0;
    const loop = async () => {
      while (left-- > 0) {
        const answer = await gateway.handle(request, '/predict', Buffer.from(body));
        if (answer.statusCode !== 200) failed++;
      }
    };
    const started = mainThreadCpuNanos()!;
    await Promise.all(Array.from({ length: CONNECTIONS }, loop));
    if (failed > 0) throw new Error(`${failed} of ${n} answers were not 200`);
    return (mainThreadCpuNanos()! - started) / 1000 / n;
  };
  await round(5_000);
  const micros: number[] = [];
  for (let i = 0; i < rounds; i++) micros.push(await round(perRound));
  const sorted = [...micros].sort((a, b) => a - b);
  process.stdout.write(
    `CPU per request (µs), ${rounds} rounds of ${perRound}: ${micros.map((m) => m.toFixed(1)).join(', ')}\n` +
      `min ${sorted[0]!.toFixed(1)}, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)}\n`,
  );
} finally {
  await rt.stop();
  await rm(stateDir, { recursive: true, force: true });
}
