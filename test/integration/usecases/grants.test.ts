/**
 * The IAM grants of each function (infra/grants.ts) against what its handler really does. The local
 * runtime enforces no IAM, so a function that writes a bucket it may only read works on `npm start`
 * and fails in AWS with AccessDenied. Here each pipeline handler runs on the local servers through
 * ports that refuse, as IAM would, every call its grants do not allow: GetObject / HeadObject need
 * read, PutObject (a copy's destination too) write, a copy's source read, DeleteObject the staging
 * grant, a DynamoDB write or an SNS publish their grant. A whole run of the real sample goes through
 * claim → validate → clean → gold → finish → outcomes → drift → train → register, then a bad file
 * through validate → quarantine, then a failed execution through PipelineFailed; then the three
 * schedules, the dashboard's reads, an A/B decision, the training limit's alert and the admin routes
 * (reproduce, retry, promote, rollback — each change of production by hand alerts).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { DynamoLeaseStore } from '#shared/aws/dynamo-leases';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { S3ObjectStore } from '#shared/aws/s3-store';
import type { ObjectStore } from '#shared/ports';
import { type Context, keys } from '#shared/usecases/lake';
import { createHandlers as adminHandlers } from '../../../functions/api/admin.ts';
import { createHandlers as predictHandlers } from '../../../functions/api/predict.ts';
import { createHandlers as readHandlers } from '../../../functions/api/read.ts';
import { createHandlers } from '../../../functions/pipeline/handlers.ts';
import { createHandlers as scheduledHandlers } from '../../../functions/scheduled/handlers.ts';
import { FUNCTION_GRANTS, type FunctionName, type Grants } from '../../../infra/grants.ts';
import { type LocalDynamo, type LocalS3, startLocalDynamo, startLocalS3 } from '../../helpers/local-aws.ts';

const BUCKETS = {
  bronze: 'bronze',
  silver: 'silver',
  gold: 'gold',
  artifacts: 'artifacts',
  quarantine: 'quarantine',
};
type Layer = keyof typeof BUCKETS;
const layerOf = (bucket: string) => (Object.keys(BUCKETS) as Layer[]).find((l) => BUCKETS[l] === bucket)!;

let s3: LocalS3;
let dynamo: LocalDynamo;
let base: Context;
const denied: string[] = [];
const { config, hash } = loadConfig();

beforeAll(async () => {
  s3 = await startLocalS3(Object.values(BUCKETS));
  dynamo = await startLocalDynamo();
  base = {
    store: new S3ObjectStore(s3.client),
    registry: new DynamoModelRegistry(dynamo.documentClient, dynamo.tables.registry),
    predictions: new DynamoPredictionLog(dynamo.documentClient, dynamo.tables.predictions),
    leases: new DynamoLeaseStore(dynamo.documentClient, dynamo.tables.registry),
    alerts: { publish: async () => undefined },
    buckets: BUCKETS,
    config,
    configHash: hash,
    now: () => new Date(),
  };
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  await dynamo?.stop();
});

/** Throws AccessDenied (and records it) unless `allowed`. */
function check(fn: FunctionName, allowed: boolean, what: string): void {
  if (allowed) return;
  const message = `${fn}: AccessDenied — ${what}`;
  denied.push(message);
  throw Object.assign(new Error(message), { name: 'AccessDenied' });
}

const reads = (a: Grants[Layer]) => a === 'read' || a === 'readWrite';
const writes = (a: Grants[Layer]) => a === 'write' || a === 'readWrite';

/** The object store as the function's role sees it. */
function enforcedStore(fn: FunctionName, store: ObjectStore): ObjectStore {
  const g: Grants = FUNCTION_GRANTS[fn];
  const read = (bucket: string, key: string, op: string) =>
    check(fn, reads(g[layerOf(bucket)]), `${op} ${bucket}/${key}`);
  return {
    get: async (bucket, key, versionId) => {
      read(bucket, key, 's3:GetObject');
      return store.get(bucket, key, versionId);
    },
    read: async (bucket, key, versionId) => {
      read(bucket, key, 's3:GetObject');
      return store.read(bucket, key, versionId);
    },
    getText: async (bucket, key) => {
      read(bucket, key, 's3:GetObject');
      return store.getText(bucket, key);
    },
    head: async (bucket, key) => {
      read(bucket, key, 's3:GetObject (HeadObject)');
      return store.head(bucket, key);
    },
    list: async (bucket, prefix) => {
      check(fn, g[layerOf(bucket)] !== undefined, `s3:ListBucket ${bucket}/${prefix}`);
      return store.list(bucket, prefix);
    },
    listEtags: async (bucket, prefix) => {
      check(fn, g[layerOf(bucket)] !== undefined, `s3:ListBucket ${bucket}/${prefix}`);
      return store.listEtags(bucket, prefix);
    },
    put: async (bucket, key, body, contentType) => {
      const request =
        g.requestRetraining === true &&
        layerOf(bucket) === 'artifacts' &&
        key.startsWith(keys.retrainingRequestPrefix);
      check(fn, request || writes(g[layerOf(bucket)]), `s3:PutObject ${bucket}/${key}`);
      return store.put(bucket, key, body, contentType);
    },
    copy: async (from, to, ...rest) => {
      read(from.bucket, from.key, 's3:GetObject (copy source)');
      check(fn, writes(g[layerOf(to.bucket)]), `s3:PutObject (copy) ${to.bucket}/${to.key}`);
      return store.copy(from, to, ...rest);
    },
    delete: async (bucket, key) => {
      const layer = layerOf(bucket);
      const ok =
        g.deleteStaging === true && (layer === 'silver' || layer === 'gold') && key.startsWith('staging/');
      check(fn, ok, `s3:DeleteObject ${bucket}/${key}`);
      return store.delete(bucket, key);
    },
    // DeleteObjects needs s3:DeleteObject on each key.
    deleteMany: async (bucket, keys) => {
      const layer = layerOf(bucket);
      for (const key of keys) {
        const ok =
          g.deleteStaging === true && (layer === 'silver' || layer === 'gold') && key.startsWith('staging/');
        check(fn, ok, `s3:DeleteObject (DeleteObjects) ${bucket}/${key}`);
      }
      return store.deleteMany(bucket, keys);
    },
    setLegalHold: async (bucket, key, versionId, on) => {
      check(fn, g.holdGold === true && layerOf(bucket) === 'gold', `s3:PutObjectLegalHold ${bucket}/${key}`);
      return store.setLegalHold(bucket, key, versionId, on);
    },
  } as ObjectStore;
}

/** A DynamoDB-backed port as the role sees it: reads need a grant, writes need write. */
function enforcedTable<T extends object>(fn: FunctionName, table: 'registry' | 'predictions', port: T): T {
  const access = (FUNCTION_GRANTS[fn] as Grants)[table];
  const isRead = (method: string) => /^(get|list|with|pending)/.test(method);
  return new Proxy(port, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        check(fn, isRead(prop) ? access !== undefined : writes(access), `dynamodb ${table}.${prop}`);
        return value.apply(target, args);
      };
    },
  });
}

/** The context a function's handler gets: every port behind the function's grants. */
function as(fn: FunctionName): Context {
  const g: Grants = FUNCTION_GRANTS[fn];
  return {
    ...base,
    store: enforcedStore(fn, base.store),
    registry: enforcedTable(fn, 'registry', base.registry),
    predictions: enforcedTable(fn, 'predictions', base.predictions),
    leases: enforcedTable(fn, 'registry', base.leases),
    alerts: {
      publish: async (m) => {
        check(fn, g.publish === true, `sns:Publish ${m.subject}`);
        return base.alerts.publish(m);
      },
    },
  };
}

const handlers = (fn: FunctionName) => createHandlers(() => as(fn));
const lambda = { functionName: 'test', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as never;

test('each pipeline function does only what its IAM grants allow: a whole run, a rejected file, a failed run', async () => {
  const sample = readFileSync('data/samples/sp500-2000.csv');
  await base.store.put(BUCKETS.bronze, 'market_data/SPX.csv', new Uint8Array(sample));
  const object = { bucket: BUCKETS.bronze, key: 'market_data/SPX.csv', runId: 'run-g1' };

  expect(await handlers('Claim').claim(object, lambda)).toEqual({ claimed: true });
  await handlers('ValidateBronze').validate(object, lambda);
  const silver = (await handlers('CleanToSilver').clean(object, lambda)) as { symbols: string[] };
  for (const symbol of silver.symbols)
    await handlers('GoldForSymbol').gold({ symbol, runId: object.runId }, lambda);
  await handlers('ValidateGold').finish(object, lambda);
  await handlers('RecordOutcomes').outcomes({ ...object, silver }, lambda);
  const drift = (await handlers('DriftCheck').drift(object, lambda)) as { retrain: boolean };
  expect(drift.retrain).toBe(true); // no model yet
  const trained = (await handlers('Train').train(object, lambda)) as { version: string };
  await handlers('Register').register({ ...object, trained }, lambda);
  // A second run of newer rows: the merge, the gold append and a drift check with a model.
  const later = { bucket: BUCKETS.bronze, key: 'market_data/SPX-later.csv', runId: 'run-g2' };
  const lines = sample.toString('utf8').trimEnd().split('\n');
  await base.store.put(BUCKETS.bronze, later.key, `${lines[0]}\n${lines.slice(-30).join('\n')}\n`);
  await handlers('Claim').claim(later, lambda);
  await handlers('ValidateBronze').validate(later, lambda);
  const again = (await handlers('CleanToSilver').clean(later, lambda)) as { symbols: string[] };
  for (const symbol of again.symbols)
    await handlers('GoldForSymbol').gold({ symbol, runId: later.runId }, lambda);
  await handlers('ValidateGold').finish(later, lambda);
  await handlers('RecordOutcomes').outcomes({ ...later, silver: again }, lambda);
  await handlers('DriftCheck').drift(later, lambda);

  // Two runs of one symbol at once: the second to publish merges its rows again (ValidateGold's
  // merge-again path: reads the silver there now, writes silver and gold).
  // New days for SPX (after the sample's last, 2020-04-17): a week each.
  const week = (days: string[]) => days.map((d) => `${d},2850,2880,2830,2870,2870,5000000000`).join('\n');
  const weeks = [
    week(['2020-04-20', '2020-04-21', '2020-04-22', '2020-04-23', '2020-04-24']),
    week(['2020-04-27', '2020-04-28', '2020-04-29', '2020-04-30', '2020-05-01']),
  ];
  const pair = ['a', 'b'].map((p, i) => ({
    bucket: BUCKETS.bronze,
    key: `market_data/${p}/SPX.csv`,
    runId: `run-pair-${i}`,
  }));
  for (const [i, o] of pair.entries()) {
    await base.store.put(BUCKETS.bronze, o.key, `${lines[0]}\n${weeks[i]}\n`);
    await handlers('Claim').claim(o, lambda);
    await handlers('ValidateBronze').validate(o, lambda);
    const s = (await handlers('CleanToSilver').clean(o, lambda)) as { symbols: string[] };
    for (const symbol of s.symbols) await handlers('GoldForSymbol').gold({ symbol, runId: o.runId }, lambda);
  }
  const summaries = [];
  for (const o of pair)
    summaries.push((await handlers('ValidateGold').finish(o, lambda)) as { mergedAgain: number });
  expect(summaries.map((r) => r.mergedAgain)).toEqual([0, 1]);

  // A rejected file: the Catch passes the error to Quarantine.
  const bad = { bucket: BUCKETS.bronze, key: 'market_data/bad.csv', runId: 'run-bad' };
  await base.store.put(BUCKETS.bronze, bad.key, 'date;close\n2020-01-01;1\n');
  const error = (await handlers('ValidateBronze')
    .validate(bad, lambda)
    .catch((e: Error) => e)) as Error;
  expect(error.name).toBe('DataRejectedError');
  const cause = JSON.stringify({ errorType: error.name, errorMessage: error.message });
  await handlers('Quarantine').quarantine({ ...bad, error: { Error: error.name, Cause: cause } }, lambda);

  // A file rejected at the silver gate, after its rows were staged: CleanToSilver deletes them.
  const flagged = { bucket: BUCKETS.bronze, key: 'market_data/flagged.csv', runId: 'run-flagged' };
  const rows = ['symbol,date,high,close'];
  for (let i = 0; i < 100; i++) {
    const close = 100 + (i % 7);
    rows.push(
      `FLAG,${new Date(Date.UTC(2019, 0, 1 + i)).toISOString().slice(0, 10)},${i % 5 < 2 ? close - 1 : close + 1},${close}`,
    );
  }
  await base.store.put(BUCKETS.bronze, flagged.key, `${rows.join('\n')}\n`);
  const gate = (await handlers('CleanToSilver')
    .clean(flagged, lambda)
    .catch((e: Error) => e)) as Error;
  expect(gate.name).toBe('DataRejectedError');
  expect(gate.message).toContain('silver quality');
  expect(await base.store.list(BUCKETS.silver, 'staging/run-flagged/')).toEqual([]);

  // A failed execution's status change.
  await handlers('PipelineFailed').failed(
    {
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        name: 'exec-1',
        status: 'FAILED',
        error: 'DataRejectedError',
        cause,
        input: JSON.stringify(object),
      },
    },
    lambda,
  );
  expect(denied).toEqual([]);

  // The schedules: hourly drift (which may retrain), daily A/B, weekly retraining (forced past the
  // cool-down by making the gold new: the second run above).
  await scheduledHandlers(() => as('ScheduledDrift')).drift({}, lambda);
  await scheduledHandlers(() => as('ScheduledAbEvaluation')).abEvaluation({}, lambda);
  await scheduledHandlers(() => as('ScheduledRetraining')).retraining({}, lambda);
  // The dashboard's reads and the admin routes.
  const api = (resource: string, method = 'GET', body: unknown = null) =>
    ({
      resource,
      path: resource,
      httpMethod: method,
      body: body === null ? null : JSON.stringify(body),
      isBase64Encoded: false,
      headers: {},
      queryStringParameters: null,
      pathParameters: null,
      requestContext: { requestId: `req-${Math.random()}` },
    }) as never;
  const statuses: string[] = [];
  for (const resource of ['/status', '/regimes', '/models', '/drift', '/alerts', '/quality', '/abtests']) {
    const r = (await readHandlers(() => as('Read')).read(api(resource), lambda)) as { statusCode: number };
    statuses.push(`${resource} ${r.statusCode}`);
  }
  // /predict: its context has no object store at all (decision 6), only the registry and the log.
  const predictCtx = as('Predict');
  const { predict } = predictHandlers(() => ({
    registry: predictCtx.registry,
    predictions: predictCtx.predictions,
    config: predictCtx.config,
    now: predictCtx.now,
  }));
  for (const horizon of [1, 5]) {
    const r = (await predict(api('/predict', 'POST', { symbol: 'SPX', horizon }), lambda)) as {
      statusCode: number;
    };
    statuses.push(`/predict h=${horizon} ${r.statusCode}`);
  }
  const production = (await base.registry.getPointer('production'))!.version;
  // A second model (the candidate) for the admin to promote, then roll back.
  const second = (await handlers('Train').train(later, lambda)) as { version: string };
  await handlers('Register').register({ ...later, trained: second }, lambda);
  const other = second.version;
  expect((await base.registry.getPointer('candidate'))?.version).toBe(other);
  // Its A/B test past maxDurationDays, without a win: the daily evaluation decides (rejects the
  // candidate, records the event, raises the abDecision alert).
  const later43 = new Date(Date.now() + (config.monitoring.abTest.maxDurationDays + 1) * 86_400_000);
  const decided = await scheduledHandlers(() => ({
    ...as('ScheduledAbEvaluation'),
    now: () => later43,
  })).abEvaluation({}, lambda);
  expect(decided.ab).toBe('reject');
  expect((await base.registry.listRecords('alert', 5)).map((a) => a.kind)).toContain('abDecision');
  // A lake over the train function's size: Train alerts (pipelineFailed) and fails.
  const tight = { ...config.platform, functions: { ...config.platform.functions, trainMaxGoldRows: 100 } };
  const tooLarge = await createHandlers(() => ({ ...as('Train'), config: { ...config, platform: tight } }))
    .train(later, lambda)
    .catch((e: Error) => e);
  expect((tooLarge as Error).name).toBe('GoldTooLargeError');
  const limitAlerts = (await base.registry.listRecords('alert', 20)).filter(
    (a) => a.kind === 'pipelineFailed' && String(a.whatHappened).includes('functions.trainMaxGoldRows'),
  );
  expect(limitAlerts).toHaveLength(1);
  for (const [resource, body] of [
    ['/admin/reproduce', { version: production, reason: 'grants test' }],
    ['/admin/retry', { key: later.key, reason: 'grants test' }],
    // `other` lost its A/B test above: a rejected version is promoted only with force.
    ['/admin/promote', { version: other, reason: 'grants test', force: true }],
    ['/admin/rollback', { reason: 'grants test' }],
    ['/admin/retrain', { reason: 'grants test' }],
    ['/admin/reject', { reason: 'grants test' }],
  ] as const) {
    const r = (await adminHandlers(() => as('Admin')).admin(api(resource, 'POST', body), lambda)) as {
      statusCode: number;
      body: string;
    };
    statuses.push(`${resource} ${r.statusCode}`);
    if (resource === '/admin/retrain') {
      // The request object's Object Created event, as EventBridge hands it to RequestedRetraining.
      const { request } = JSON.parse(r.body) as { request: string };
      const event = {
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: { bucket: { name: BUCKETS.artifacts }, object: { key: request } },
      };
      // Under an edited config (on the same gold, config and code the same model again is skipped).
      const fn = as('RequestedRetraining');
      const { model } = fn.config;
      const edited = {
        ...fn,
        configHash: `${base.configHash}-edited`,
        config: {
          ...fn.config,
          model: { ...model, markov: { ...model.markov, seed: model.markov.seed + 1 } },
        },
      };
      const trained = await scheduledHandlers(() => edited).retrainingRequested(event, lambda);
      statuses.push(`requested retraining: retrained ${trained.retrained}`);
    }
  }
  expect(statuses).toEqual([
    '/status 200',
    '/regimes 200',
    '/models 200',
    '/drift 200',
    '/alerts 200',
    '/quality 200',
    '/abtests 200',
    '/predict h=1 200',
    '/predict h=5 200',
    '/admin/reproduce 200',
    '/admin/retry 202',
    '/admin/promote 200',
    '/admin/rollback 200',
    '/admin/retrain 202',
    'requested retraining: retrained true',
    '/admin/reject 200',
  ]);
  expect(denied).toEqual([]);
}, 180_000);
