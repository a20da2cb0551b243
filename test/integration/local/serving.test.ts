/**
 * /predict on the local runtime under its caches (README "Prediction log", docs/decisions/0018):
 * the live state, the models and the forecasts are kept in memory, yet every answer starts from the
 * symbol's newest published gold day, and a symbol-day asked again is not logged again. Against the
 * real local servers and handlers; the tests run in order (the sample trains the model first).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts';
import type { ExecutionRecord } from '../../../infra/local/state-machine.ts';
import { synthesizeStack } from '../../../infra/local/template.ts';

const SAMPLE_FILE = new URL('../../../data/samples/sp500-2000.csv', import.meta.url);
/** The sample's last day. */
const SAMPLE_LAST_DAY = '2020-04-17';

let stateDir: string;
let rt: LocalRuntime;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'finml-serving-'));
  const stack = await synthesizeStack({ outdir: join(stateDir, 'cdk.out') });
  rt = await startLocalRuntime({ stateDir, stack, ports: { api: 0, s3: 0, dynamodb: 0 }, scheduleScale: 0 });
}, 60_000);

afterAll(async () => {
  await rt?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

async function drop(key: string, body: Buffer | string): Promise<ExecutionRecord> {
  const before = new Set(rt.pipeline.executions);
  await rt.s3.send(new PutObjectCommand({ Bucket: rt.names.bronze, Key: key, Body: body }));
  const started = rt.pipeline.executions.filter((x) => !before.has(x));
  expect(started).toHaveLength(1);
  const run = await rt.pipeline.wait(started[0]!);
  await rt.idle();
  return run;
}

async function predict(body: unknown) {
  const response = await fetch(`${rt.urls.api}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': rt.apiKey },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every prediction-log entry of a symbol, as (origin day, model, horizon) sort keys. */
async function loggedOrigins(symbol: string): Promise<string[]> {
  const table = Object.entries(rt.names.tables).find(([id]) => /Predictions/.test(id))![1];
  const page = await rt.dynamodb.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return (page.Items ?? [])
    .filter((item) => item.pk?.S === symbol)
    .map((item) => item.sk!.S!)
    .sort();
}

const fromOf = (body: Record<string, unknown>) => body.from as { date: string; source: string };

describe('/predict on the local runtime, with its caches', () => {
  test('a symbol-day asked many times is answered each time and logged once', async () => {
    const sample = await readFile(SAMPLE_FILE);
    expect((await drop('market_data/SPX.csv', sample)).status).toBe('SUCCEEDED');

    const answers = await Promise.all(
      Array.from({ length: 30 }, () => predict({ symbol: 'SPX', horizon: 5 })),
    );
    for (let i = 0; i < 10; i++) answers.push(await predict({ symbol: 'SPX', horizon: 5 }));

    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.body.requestId)).size).toBe(answers.length);
    expect(new Set(answers.map((a) => JSON.stringify(a.body.probabilities))).size).toBe(1);
    expect(fromOf(answers[0]!.body)).toMatchObject({ source: 'live gold', date: SAMPLE_LAST_DAY });
    const version = answers[0]!.body.modelVersion as string;
    expect(await loggedOrigins('SPX')).toEqual([`${SAMPLE_LAST_DAY}#${version}#005`]);
  }, 60_000);

  test('after a newer gold day is published, the next answer starts from it (and logs the new origin)', async () => {
    const before = await predict({ symbol: 'SPX', horizon: 5 });
    expect(fromOf(before.body).date).toBe(SAMPLE_LAST_DAY);

    const run = await drop(
      'market_data/SPX-2020-04-20.csv',
      'symbol,date,open,high,low,close,adjclose,volume\n' +
        'SPX,2020-04-20,2845.620117,2868.979980,2820.429932,2823.159912,2823.159912,5220160000\n',
    );
    expect(run.status).toBe('SUCCEEDED');

    const after = await predict({ symbol: 'SPX', horizon: 5 });
    expect(after.status).toBe(200);
    expect(fromOf(after.body)).toMatchObject({ source: 'live gold', date: '2020-04-20' });
    const origins = await loggedOrigins('SPX');
    expect(origins.filter((o) => o.startsWith('2020-04-20#'))).toEqual([
      `2020-04-20#${after.body.modelVersion as string}#005`,
    ]);
  }, 60_000);

  test('the predict function gets the proxy event as plain JSON data', async () => {
    const route = rt.deployment.api!.routes.find((r) => r.resource === '/predict' && r.method === 'POST')!;
    if (route.integration.type !== 'AWS_PROXY') throw new Error('POST /predict is not a function');
    const events: unknown[] = [];
    const unwrap = rt.lambda.wrap(route.integration.functionArn, (handler) => (event, context) => {
      events.push(event);
      return handler(event, context);
    });
    try {
      expect((await predict({ symbol: 'SPX', horizon: 1 })).status).toBe(200);
    } finally {
      unwrap();
    }

    expect(events).toHaveLength(1);
    expect(events[0]).toStrictEqual(JSON.parse(JSON.stringify(events[0])));
    expect(events[0]).toMatchObject({
      resource: '/predict',
      httpMethod: 'POST',
      body: JSON.stringify({ symbol: 'SPX', horizon: 1 }),
      requestContext: { identity: { apiKey: rt.apiKey } },
    });
  });
});
