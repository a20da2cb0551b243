/**
 * The cloud flow on real local servers (s3rver for S3, dynalite for DynamoDB) through the real
 * adapters and handlers: claim once, validate, clean, gold, drift, train, register, serve, promote
 * races, quarantine — what the state machine and API run in AWS.
 */
import { readFileSync } from 'node:fs';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { DynamoLeaseStore } from '#shared/aws/dynamo-leases';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { S3ObjectStore } from '#shared/aws/s3-store';
import { DataRejectedError } from '#shared/data/errors';
import { PointerConflictError } from '#shared/ports';
import { buildSymbolGold, finishGold, runSummary } from '#shared/usecases/gold';
import { claimObject, cleanToSilver, validateBronze } from '#shared/usecases/ingest';
import { type Context, keys } from '#shared/usecases/lake';
import { checkDrift, evaluateCandidate } from '#shared/usecases/monitoring';
import { productionHistory } from '#shared/usecases/production';
import { NotFoundError, promote, rollback } from '#shared/usecases/reads';
import { forgetModelsInService } from '#shared/usecases/serving';
import { registerModel, trainFromLake } from '#shared/usecases/training';
import { createHandlers as adminHandlers } from '../../../functions/api/admin.ts';
import { createHandlers as predictHandlers } from '../../../functions/api/predict.ts';
import { createHandlers as pipelineHandlers } from '../../../functions/pipeline/handlers.ts';
import { type LocalDynamo, type LocalS3, startLocalDynamo, startLocalS3 } from '../../helpers/local-aws.ts';

const BUCKETS = {
  bronze: 'bronze',
  silver: 'silver',
  gold: 'gold',
  artifacts: 'artifacts',
  quarantine: 'quarantine',
};
const SAMPLE = readFileSync('data/samples/sp500-2000.csv');
let s3: LocalS3;
let dynamo: LocalDynamo;
let ctx: Context;
/** The context the handlers are built on (as the local runtime builds them; a test may swap it). */
let current: Context;
const serveWith = (c: Context) => {
  current = c;
};
const { admin: adminHandler } = adminHandlers(() => current);
const { predict: predictHandler } = predictHandlers(() => current);
const {
  claim: claimHandler,
  quarantine: quarantineHandler,
  validate: validateHandler,
} = pipelineHandlers(() => current);
const published: { subject: string; severity: string }[] = [];
const { config, hash } = loadConfig();

beforeAll(async () => {
  s3 = await startLocalS3(Object.values(BUCKETS));
  dynamo = await startLocalDynamo();
  ctx = {
    store: new S3ObjectStore(s3.client),
    registry: new DynamoModelRegistry(dynamo.documentClient, dynamo.tables.registry),
    predictions: new DynamoPredictionLog(dynamo.documentClient, dynamo.tables.predictions),
    leases: new DynamoLeaseStore(dynamo.documentClient, dynamo.tables.registry),
    alerts: { publish: async (m) => void published.push(m) },
    buckets: BUCKETS,
    config,
    configHash: hash,
    now: () => new Date(),
  };
  serveWith(ctx);
  await ctx.store.put(BUCKETS.bronze, 'market_data/SPX.csv', new Uint8Array(SAMPLE));
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  await dynamo?.stop();
});

const object = { bucket: BUCKETS.bronze, key: 'market_data/SPX.csv', runId: 'run-1' };
const lambdaContext = {
  functionName: 'test',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 10_000,
} as never;
const apiEvent = (body: string | null, resource = '/predict'): APIGatewayProxyEvent =>
  ({
    body,
    resource,
    isBase64Encoded: false,
    requestContext: { requestId: `req-${Math.random()}` },
    headers: {},
  }) as never;

describe('pipeline steps on local S3 and DynamoDB', () => {
  test('the same object event claimed twice runs once', async () => {
    expect(await claimHandler(object, lambdaContext)).toEqual({ claimed: true });
    expect(await claimHandler(object, lambdaContext)).toEqual({ claimed: false });
    expect(await claimObject(ctx, { ...object, versionId: 'v2' }, 'run-2')).toEqual({ claimed: true });
  });

  test('validate → clean → gold per symbol → gold gate, on the real sample', async () => {
    // Before any gold is published there is nothing to train the first model on: no retraining.
    expect(await checkDrift(ctx)).toEqual({
      verdict: 'wait',
      retrain: false,
      reasons: [expect.stringContaining("a symbol's first gold row needs 273 rows of history")],
      reportKey: null,
    });
    const bronze = await validateBronze(ctx, object, 'run-1');
    expect(bronze).toMatchObject({ rowsIn: 5105, rowsAccepted: 5105, score: 100, symbols: 1 });
    const silver = await cleanToSilver(ctx, object, 'run-1');
    expect(silver.symbols).toEqual(['SPX']);
    // Cleaned rows wait in staging until every gate has passed.
    expect(await ctx.store.list(BUCKETS.silver, keys.silverPrefix)).toEqual([]);
    expect(await buildSymbolGold(ctx, 'SPX', 'run-1')).toEqual({ symbol: 'SPX', rows: 4833 });
    expect(await ctx.store.list(BUCKETS.gold, keys.goldPrefix)).toEqual([]);
    const gold = await finishGold(ctx, 'run-1', object.key);
    expect(await ctx.store.list(BUCKETS.silver, keys.silverPrefix)).toEqual([keys.silver('SPX')]);
    expect(await ctx.store.list(BUCKETS.gold, keys.goldPrefix)).toEqual([keys.gold('SPX')]);
    expect(gold).toMatchObject({ goldRows: 4833, symbols: ['SPX'], score: 100 });
    expect(gold.counts).toEqual([
      [2300, 58, 0],
      [58, 1507, 43],
      [0, 42, 824],
    ]);
    // What the ValidateGold task hands the state machine: counts and the run record's key, no lists.
    expect(runSummary('run-1', gold)).toEqual({
      runId: 'run-1',
      metadataKey: keys.run('run-1', 'metadata.json'),
      symbols: 1,
      goldRows: 4833,
      score: 100,
      published: 1,
      mergedAgain: 0,
      mergedAgainSymbols: [],
      counts: gold.counts,
    });
  });

  test('without a model the drift check asks for training; the first model becomes production', async () => {
    expect(await checkDrift(ctx)).toMatchObject({ retrain: true, reasons: ['no model in production yet'] });
    const trained = await trainFromLake(ctx, 'test');
    expect(await registerModel(ctx, trained.version, 'test')).toEqual({
      stage: 'production',
      version: trained.version,
    });
    expect((await ctx.registry.getPointer('production'))?.version).toBe(trained.version);
    expect((await (ctx.registry as DynamoModelRegistry).getServingModel(trained.version))?.version).toBe(
      trained.version,
    );
    expect(published.some((m) => m.subject.includes('First model'))).toBe(false); // low severity: dashboard only
    expect((await ctx.registry.listRecords('alert')).map((a) => a.kind)).toContain('modelPromoted');
  }, 60_000);

  test('a transient AWS failure surfaces as TransientAwsError (retried by the state machine)', async () => {
    const flaky = {
      ...ctx,
      store: {
        ...ctx.store,
        get: async () =>
          Promise.reject(
            Object.assign(new Error('Slow Down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }),
          ),
      },
    };
    serveWith(flaky as Context);
    const error = await validateHandler(object, lambdaContext).catch((e: Error) => e);
    serveWith(ctx);
    expect((error as Error).name).toBe('TransientAwsError');
  });

  test('a bad file fails as DataRejectedError (not retried) and is quarantined with its report; bronze is untouched', async () => {
    const bad = { bucket: BUCKETS.bronze, key: 'market_data/bad.csv', runId: 'run-bad' };
    const content = 'date;close\n2020-01-01;1\n';
    await ctx.store.put(BUCKETS.bronze, bad.key, content);
    const error = await validateHandler(bad, lambdaContext).catch((e: Error) => e);
    expect((error as Error).name).toBe('DataRejectedError');
    expect(error).toBeInstanceOf(DataRejectedError);
    // What the state machine's Catch passes on: the error name and a Cause holding only the message.
    const q = await quarantineHandler(
      {
        ...bad,
        error: {
          Error: 'DataRejectedError',
          Cause: JSON.stringify({ errorType: 'DataRejectedError', errorMessage: (error as Error).message }),
        },
      },
      lambdaContext,
    );
    expect(await ctx.store.getText(BUCKETS.quarantine, q.quarantinedKey)).toBe(content);
    expect(JSON.parse((await ctx.store.getText(BUCKETS.quarantine, q.reportKey))!)).toMatchObject({
      file: bad.key,
      line: 1,
      code: 'missing_column',
    });
    expect(await ctx.store.getText(BUCKETS.bronze, bad.key)).toBe(content);
    expect(
      published.some((m) => m.subject.startsWith('[FINML HIGH] File rejected: market_data/bad.csv, line 1')),
    ).toBe(true);
  });
  test('a file with more symbols than the gold Map can list is quarantined at ValidateBronze, saying how to split it', async () => {
    // 21,000 one-row symbols of 8 characters: an item list of 231,000 bytes of JSON, over
    // pipeline.maxSymbolListBytes (200,000), which keeps the execution's data under 256 KiB.
    const wide = { bucket: BUCKETS.bronze, key: 'market_data/wide.csv', runId: 'run-wide' };
    const rows = Array.from(
      { length: 21_000 },
      (_, i) => `W${String(i).padStart(7, '0')},2020-01-02,1,1,1,1`,
    );
    const content = `symbol,date,open,high,low,close\n${rows.join('\n')}\n`;
    await ctx.store.put(BUCKETS.bronze, wide.key, content);
    const error = await validateHandler(wide, lambdaContext).catch((e: Error) => e);
    expect(error).toBeInstanceOf(DataRejectedError);
    expect((error as DataRejectedError).code).toBe('too_many_symbols');
    expect((error as Error).message).toBe(
      'market_data/wide.csv: the file holds 21000 symbols, whose names make a 231001-byte list; the ' +
        "pipeline's gold step takes at most 200000 bytes of names (pipeline.maxSymbolListBytes, under " +
        "Step Functions' 256 KiB data quota): split the file by symbol into files of at most 18181 symbols",
    );
    const q = await quarantineHandler(
      {
        ...wide,
        error: {
          Error: 'DataRejectedError',
          Cause: JSON.stringify({ errorType: 'DataRejectedError', errorMessage: (error as Error).message }),
        },
      },
      lambdaContext,
    );
    expect(JSON.parse((await ctx.store.getText(BUCKETS.quarantine, q.reportKey))!)).toMatchObject({
      file: wide.key,
      code: 'too_many_symbols',
    });
    expect(await ctx.store.getText(BUCKETS.bronze, wide.key)).toBe(content);
  });
});

describe('the prediction API handler', () => {
  const call = async (body: string | null, resource?: string) => {
    const r = await predictHandler(apiEvent(body, resource), lambdaContext);
    return { status: r.statusCode, body: JSON.parse(r.body) };
  };

  test('answers a forecast with probabilities, the model version and the A/B arm, and logs it', async () => {
    const r = await call(JSON.stringify({ symbol: 'SPX', horizon: 5 }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      arm: 'production',
      horizon: 5,
      // The symbol's newest gold row, which the gold step published as its live state.
      from: { regime: 'High', source: 'live gold', date: '2020-04-17' },
    });
    expect(
      Object.values(r.body.probabilities as Record<string, number>).reduce((a, b) => a + b, 0),
    ).toBeCloseTo(1, 12);
    expect(r.body.reachWithin.probability).toBe(1);
  });

  test.each([
    ['bad JSON', '{"symbol":', 400, /not valid JSON/],
    ['wrong types', '{"symbol":"SPX","horizon":"five"}', 400, /invalid request/],
    ['an out-of-range horizon', '{"symbol":"SPX","horizon":999}', 400, /invalid request/],
    ['an unknown field', '{"symbol":"SPX","horizon":1,"x":1}', 400, /invalid request/],
    [
      'an oversize body',
      JSON.stringify({ symbol: 'SPX', horizon: 1, pad: 'x'.repeat(70_000) }),
      413,
      /larger than/,
    ],
    ['an age without a regime', '{"symbol":"SPX","horizon":5,"age":5}', 400, /invalid request/],
    ['an unknown symbol', '{"symbol":"NOPE","horizon":1}', 404, /unknown symbol/],
    ['an unknown regime', '{"symbol":"SPX","horizon":1,"regime":"Calm"}', 400, /invalid request/],
    ['no body', null, 400, /needs a JSON body/],
  ])('answers %s with a 4xx and no stack trace', async (_what, body, status, message) => {
    const r = await call(body as string | null);
    expect(r.status).toBe(status);
    expect(r.body.message).toMatch(message);
    expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at /);
    // Every "invalid request" names the field at fault, from the request model or the model's labels.
    if (r.body.message === 'invalid request')
      expect(r.body.issues[0].path).toMatch(/^(horizon|x|age|regime|)$/);
  });

  test('an unknown regime names the field and the regimes there are', async () => {
    const r = await call('{"symbol":"SPX","horizon":1,"regime":"Calm"}');
    expect(r.body.issues).toEqual([
      { path: 'regime', message: 'unknown regime "Calm": use one of Low, Medium, High' },
    ]);
  });

  test('answers from the serving model: the model artifact is not read', async () => {
    forgetModelsInService(ctx);
    const store = {
      ...ctx.store,
      getText: async (bucket: string, key: string) => {
        if (key.startsWith('models/')) throw new Error(`read ${key}`);
        return ctx.store.getText(bucket, key);
      },
    };
    serveWith({ ...ctx, store });
    try {
      expect((await call(JSON.stringify({ symbol: 'SPX', horizon: 1 }))).status).toBe(200);
    } finally {
      serveWith(ctx);
      forgetModelsInService(ctx);
    }
  });

  test('a batch answers each request, with per-item errors', async () => {
    const r = await call(
      JSON.stringify({
        requests: [
          { symbol: 'SPX', horizon: 1 },
          { symbol: 'NOPE', horizon: 1 },
        ],
      }),
      '/predict/batch',
    );
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { ok: boolean }) => x.ok)).toEqual([true, false]);
    expect(r.body.results[1]).toMatchObject({ status: 404, index: 1 });
  });
});

test('a production model without a serving model is served from its artifact, and gets one at the next registration', async () => {
  const registry = ctx.registry as DynamoModelRegistry;
  const production = (await registry.getPointer('production'))!;
  await dynamo.documentClient.send(
    new DeleteCommand({ TableName: dynamo.tables.registry, Key: { pk: 'SERVING', sk: production.version } }),
  );
  forgetModelsInService(ctx);
  const r = await predictHandler(apiEvent(JSON.stringify({ symbol: 'SPX', horizon: 1 })), lambdaContext);
  expect(r.statusCode).toBe(200);
  const trained = await trainFromLake({ ...ctx, now: () => new Date(Date.now() + 2000) }, 'test');
  await registerModel(ctx, trained.version, 'backfill');
  expect((await registry.getServingModel(production.version))?.version).toBe(production.version);
  expect((await registry.getServingModel(trained.version))?.version).toBe(trained.version);
}, 60_000);

test('an admin promotion first writes the serving model the promoted version lacks', async () => {
  const registry = ctx.registry as DynamoModelRegistry;
  const candidate = (await registry.getPointer('candidate'))!;
  await dynamo.documentClient.send(
    new DeleteCommand({ TableName: dynamo.tables.registry, Key: { pk: 'SERVING', sk: candidate.version } }),
  );
  const body = JSON.stringify({ version: candidate.version, reason: 'promote by hand' });
  const r = await adminHandler(apiEvent(body, '/admin/promote'), lambdaContext);
  expect(r.statusCode).toBe(200);
  expect((await registry.getPointer('production'))?.version).toBe(candidate.version);
  expect((await registry.getServingModel(candidate.version))?.version).toBe(candidate.version);
});

test('two promotions at once leave exactly one production version', async () => {
  const trained = await trainFromLake({ ...ctx, now: () => new Date(Date.now() + 1000) }, 'test');
  await registerModel(ctx, trained.version, 'second');
  const before = await ctx.registry.getPointer('production');
  const results = await Promise.allSettled([
    promote(ctx, trained.version, 'race A'),
    promote(ctx, before!.version, 'race B'),
  ]);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect(rejected.reason).toBeInstanceOf(PointerConflictError);
  expect((await ctx.registry.getPointer('production'))!.revision).toBe(before!.revision + 1);
}, 60_000);

test('rollbacks walk back through the production history; promoting the version in production is refused', async () => {
  const before = (await ctx.registry.getPointer('production'))!;
  const earlier = productionHistory(before);
  expect(earlier.length).toBeGreaterThan(0);
  const t2 = await trainFromLake({ ...ctx, now: () => new Date(Date.now() + 2000) }, 'test');
  await registerModel(ctx, t2.version, 'third');
  await promote(ctx, t2.version, 'walk');
  expect((await ctx.registry.getPointer('production'))!.history).toEqual([before.version, ...earlier]);
  await expect(promote(ctx, t2.version, 'again')).rejects.toThrow(
    `version ${t2.version} is in production already: nothing to promote`,
  );
  // Each rollback goes one further back (not back and forth between the last two), then 404.
  const walked: string[] = [];
  for (let i = 0; i <= earlier.length; i++) walked.push((await rollback(ctx, `step ${i}`)).version);
  expect(walked).toEqual([before.version, ...earlier]);
  await expect(rollback(ctx, 'past the first')).rejects.toBeInstanceOf(NotFoundError);
  expect((await ctx.registry.getPointer('production'))!).toMatchObject({
    history: [],
    change: 'rolled-back',
  });
  // Every change by hand raised one alert naming both versions and the reason; the refused ones none.
  const byHand = (await ctx.registry.listRecords('alert', 50)).filter(
    (a) => a.kind === 'productionChangedByHand',
  );
  const titles = byHand.map((a) => String(a.title)).reverse();
  expect(titles.slice(-walked.length - 1)).toEqual([
    `Model ${t2.version} promoted by hand to production (replaces ${before.version})`,
    ...walked.map(
      (to, i) => `Model ${to} rolled back by hand to production (replaces ${[t2.version, ...walked][i]})`,
    ),
  ]);
  expect(String(byHand[0]!.whatHappened)).toContain(`Reason given: "step ${earlier.length}"`);
}, 60_000);

test('two registrations at once start one A/B test; a model registered while it runs does not replace it', async () => {
  expect(await ctx.registry.getPointer('candidate')).toBeUndefined();
  const a = await trainFromLake({ ...ctx, now: () => new Date(Date.now() + 3000) }, 'test');
  const b = await trainFromLake({ ...ctx, now: () => new Date(Date.now() + 4000) }, 'test');
  const results = await Promise.all([
    registerModel(ctx, a.version, 'race a'),
    registerModel(ctx, b.version, 'race b'),
  ]);
  expect(results.map((r) => r.stage).sort()).toEqual(['candidate', 'rejected']);
  const running = (await ctx.registry.getPointer('candidate'))!;
  const loser = results.find((r) => r.stage === 'rejected')!.version;
  expect(running.version).toBe(results.find((r) => r.stage === 'candidate')!.version);
  const events = await ctx.registry.listEvents(20);
  expect(events.find((e) => e.kind === 'candidate-rejected' && e.version === loser)).toMatchObject({
    previousVersion: running.version,
    reason: expect.stringContaining(`not tested: candidate ${running.version} is in its A/B test`),
  });
  // Later (a forced or scheduled retraining): the test under way is kept.
  const c = await trainFromLake({ ...ctx, now: () => new Date(Date.now() + 5000) }, 'test');
  expect(await registerModel(ctx, c.version, 'later')).toEqual({ stage: 'rejected', version: c.version });
  expect((await ctx.registry.getPointer('candidate'))!.version).toBe(running.version);
}, 90_000);

test('the candidate under A/B test promoted by hand ends its test as "ended", not a test that still needs days', async () => {
  const running = (await ctx.registry.getPointer('candidate'))!;
  await evaluateCandidate(ctx); // the daily evaluation: too early to decide
  const before = (await ctx.registry.listRecords('abtest', 10)).find((r) => r.id === running.version)!;
  expect(before.outcome).toBe('keep-collecting');
  await promote({ ...ctx, now: () => new Date(Date.now() + 1000) }, running.version, 'the team trusts it');
  const after = (await ctx.registry.listRecords('abtest', 10)).find((r) => r.id === running.version)!;
  expect(after).toMatchObject({
    outcome: 'ended',
    reasons: [
      'ended by hand: promoted to production (the team trusts it)',
      ...(before.reasons as string[]).filter((r) => !/more day|needed|needs/i.test(r)),
    ],
  });
  // An ended test waits for nothing: what the running one still needed is gone.
  expect((before.reasons as string[]).some((r) => /more day|needed|needs/i.test(r))).toBe(true);
  expect((after.reasons as string[]).some((r) => /more day|needed|needs/i.test(r))).toBe(false);
  expect((after.sampleSize as { daysRemaining: unknown }).daysRemaining).toBeNull();
  expect(await ctx.registry.getPointer('candidate')).toBeUndefined();
}, 60_000);
