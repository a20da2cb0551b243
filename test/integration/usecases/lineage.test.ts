/**
 * Reproducible lineage (decision 22), through the pipeline's use cases: a registered model records
 * the gold objects it was trained on; after the gold is rewritten by new data, `reproduceModel`
 * re-trains from the recorded bytes and the artifact equals the registered one. Twice over: on the
 * local S3 server (no versions: the bytes are snapshotted into the artifacts bucket) and on a store
 * with S3's versioning and legal holds (the recorded versions are held, and survive the lifecycle's
 * noncurrent-version expiration). Tampered bytes fail with an error naming the key.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { DynamoLeaseStore } from '#shared/aws/dynamo-leases';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { S3ObjectStore } from '#shared/aws/s3-store';
import { REGISTRY_TABLE } from '#shared/aws/tables';
import { sha256Hex } from '#shared/hash';
import { LineageIntegrityError, parseLineage, readHashed } from '#shared/model/lineage';
import type { ObjectStore } from '#shared/ports';
import { buildSymbolGold, finishGold } from '#shared/usecases/gold';
import { cleanToSilver, validateBronze } from '#shared/usecases/ingest';
import { type Context, keys } from '#shared/usecases/lake';
import { reproduceModel } from '#shared/usecases/lineage';
import { registerModel, trainFromLake } from '#shared/usecases/training';
import { createHandlers as adminHandlers } from '../../../functions/api/admin.ts';
import { type LocalDynamo, type LocalS3, startLocalDynamo, startLocalS3 } from '../../helpers/local-aws.ts';
import { VersionedMemoryStore } from '../../helpers/versioned-store.ts';

const BUCKETS = {
  bronze: 'bronze',
  silver: 'silver',
  gold: 'gold',
  artifacts: 'artifacts',
  quarantine: 'quarantine',
};
const SAMPLE = readFileSync('data/samples/sp500-2000.csv', 'utf8');
const LINES = SAMPLE.trimEnd().split('\n');
/** The sample's first 3,000 days, then the whole sample (the later file extends the history). */
const FIRST = `${LINES.slice(0, 3001).join('\n')}\n`;
const { config, hash } = loadConfig();
let dynamo: LocalDynamo;
let s3: LocalS3;

function context(store: ObjectStore, table: string, clock: { now: Date }): Context {
  return {
    store,
    registry: new DynamoModelRegistry(dynamo.documentClient, table),
    predictions: new DynamoPredictionLog(dynamo.documentClient, dynamo.tables.predictions),
    leases: new DynamoLeaseStore(dynamo.documentClient, table),
    alerts: { publish: async () => undefined },
    buckets: BUCKETS,
    config,
    configHash: hash,
    now: () => clock.now,
  };
}

async function ingest(ctx: Context, body: string, runId: string): Promise<void> {
  const key = `market_data/${runId}/SPX.csv`;
  await ctx.store.put(BUCKETS.bronze, key, new TextEncoder().encode(body));
  const object = { bucket: BUCKETS.bronze, key, runId };
  await validateBronze(ctx, object, runId);
  await cleanToSilver(ctx, object, runId);
  await buildSymbolGold(ctx, 'SPX', runId);
  await finishGold(ctx, runId, key);
}

async function trainAndRegister(ctx: Context, clock: { now: Date }, reason: string) {
  clock.now = new Date(clock.now.getTime() + 3_600_000);
  const { version } = await trainFromLake(ctx, 'test-code');
  await registerModel(ctx, version, reason);
  return version;
}

/** The SHA-256 of an object's bytes (whatever the gold format). */
async function objectSha(ctx: Context, bucket: string, key: string): Promise<string> {
  return (await readHashed((await ctx.store.read(bucket, key))!.body)).sha256;
}

async function goldSha(ctx: Context): Promise<string> {
  return objectSha(ctx, BUCKETS.gold, keys.gold('SPX'));
}

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  s3 = await startLocalS3(Object.values(BUCKETS));
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  await dynamo?.stop();
});

describe('reproducing a model on the local S3 server (no object versions)', () => {
  const clock = { now: new Date('2026-06-01T00:00:00Z') };
  let ctx: Context;
  let first: string;
  let second: string;

  beforeAll(async () => {
    await dynamo.createTable('registry-s3rver', REGISTRY_TABLE);
    ctx = context(new S3ObjectStore(s3.client), 'registry-s3rver', clock);
    await ingest(ctx, FIRST, 'run-1');
    first = await trainAndRegister(ctx, clock, 'first');
    await ingest(ctx, SAMPLE, 'run-2'); // rewrites the gold: the bytes `first` was trained on are gone
    second = await trainAndRegister(ctx, clock, 'second');
  }, 300_000);

  test('the registry records the manifest; the manifest records the bytes read and a snapshot of them', async () => {
    const record = (await ctx.registry.getVersion(first))!;
    const text = (await ctx.store.getText(BUCKETS.artifacts, keys.lineage(first)))!;
    expect(record.lineage.manifest).toEqual({
      key: keys.lineage(first),
      sha256: sha256Hex(text),
      objects: 1,
    });
    const manifest = parseLineage(text, 'manifest');
    const [object] = manifest.gold;
    expect(object).toMatchObject({ key: keys.gold('SPX'), rows: 3000 - 21 - 251 });
    expect(object!.versionId).toBeUndefined(); // s3rver keeps no versions
    expect(object!.snapshot).toBe(keys.lineageSnapshot(object!.sha256));
    expect(await objectSha(ctx, BUCKETS.artifacts, object!.snapshot!)).toBe(object!.sha256);
    expect(await goldSha(ctx)).not.toBe(object!.sha256); // the gold was rewritten since
    expect(manifest.training.model).toEqual(config.model);
    expect(manifest.training.previousHmmVersion).toBeNull();
    expect(
      parseLineage((await ctx.store.getText(BUCKETS.artifacts, keys.lineage(second)))!, 'm2').training
        .previousHmmVersion,
    ).toBe(first);
  });

  test('the first model, trained on gold since rewritten, is reproduced equal', async () => {
    clock.now = new Date(clock.now.getTime() + 40 * 86_400_000);
    const result = await reproduceModel(ctx, first, 'test-code');
    expect(result).toMatchObject({ version: first, equal: true, objects: 1, rows: 3000 - 21 - 251 });
    expect(result.difference).toBeUndefined();
    expect(result.ignored).toEqual(['version', 'createdAt', 'lineage.codeVersion']);
  }, 120_000);

  test('the second model (its HMM matched to the first one) is reproduced equal', async () => {
    const result = await reproduceModel(ctx, second, 'test-code');
    expect(result.equal).toBe(true);
  }, 120_000);

  test('a changed config does not change the reproduction: the recorded one is used', async () => {
    const changed = {
      ...ctx,
      config: { ...config, model: { ...config.model, markov: { ...config.model.markov, alpha: 5 } } },
    };
    expect((await reproduceModel(changed, first, 'test-code')).equal).toBe(true);
  }, 120_000);

  test('POST /admin/reproduce answers the verdict; 404 for an unknown version; 400 without one', async () => {
    const { admin } = adminHandlers(() => ctx);
    const post = async (body: unknown) => {
      const r = await admin(
        {
          body: JSON.stringify(body),
          resource: '/admin/reproduce',
          isBase64Encoded: false,
          requestContext: { requestId: `req-${Math.random()}` },
          headers: {},
        } as never,
        { functionName: 'test', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as never,
      );
      return { status: r.statusCode, body: JSON.parse(r.body) };
    };
    const ok = await post({ version: first, reason: 'audit' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ version: first, equal: true, objects: 1 });
    expect((await post({ version: '20000101T000000-00000000', reason: 'audit' })).status).toBe(404);
    expect((await post({ reason: 'audit' })).status).toBe(400);
  }, 120_000);

  test('a version registered without a manifest is refused with a clear reason (422 on the route)', async () => {
    const record = (await ctx.registry.getVersion(first))!;
    const { manifest: _manifest, ...lineage } = record.lineage;
    const legacy = '20200101T000000-0badc0de';
    await ctx.registry.putVersion({ ...record, version: legacy, lineage });
    await expect(reproduceModel(ctx, legacy, 'test-code')).rejects.toThrow(
      `model ${legacy} was registered without a lineage manifest`,
    );
    const { admin } = adminHandlers(() => ctx);
    const r = await admin(
      {
        body: JSON.stringify({ version: legacy, reason: 'audit' }),
        resource: '/admin/reproduce',
        isBase64Encoded: false,
        requestContext: { requestId: 'req-legacy' },
        headers: {},
      } as never,
      { functionName: 'test', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as never,
    );
    expect(r.statusCode).toBe(422);
  });

  test('tampered snapshot bytes fail with an error naming the gold key', async () => {
    const manifest = parseLineage((await ctx.store.getText(BUCKETS.artifacts, keys.lineage(first)))!, 'm');
    const snapshot = manifest.gold[0]!.snapshot!;
    const original = (await readHashed((await ctx.store.read(BUCKETS.artifacts, snapshot))!.body)).bytes;
    const tampered = original.slice();
    const middle = tampered.length >> 1;
    tampered[middle] = tampered[middle]! ^ 1; // one bit, in the middle
    await ctx.store.put(BUCKETS.artifacts, snapshot, tampered);
    try {
      const error = await reproduceModel(ctx, first, 'test-code').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LineageIntegrityError);
      expect((error as LineageIntegrityError).key).toBe(keys.gold('SPX'));
      expect((error as Error).message).toContain(keys.gold('SPX'));
      expect((error as Error).message).toContain('not the bytes the model was trained on');
    } finally {
      await ctx.store.put(BUCKETS.artifacts, snapshot, original);
    }
  }, 120_000);
});

describe('reproducing a model on a versioned store with legal holds (S3 with Object Lock)', () => {
  const clock = { now: new Date('2026-06-01T00:00:00Z') };
  const store = new VersionedMemoryStore();
  let ctx: Context;
  let first: string;

  beforeAll(async () => {
    await dynamo.createTable('registry-versioned', REGISTRY_TABLE);
    ctx = context(store, 'registry-versioned', clock);
    await ingest(ctx, FIRST, 'run-1');
    first = await trainAndRegister(ctx, clock, 'first');
    await ingest(ctx, SAMPLE, 'run-2');
  }, 300_000);

  test('the manifest records the version read, which registration put under a legal hold; no snapshot', async () => {
    const manifest = parseLineage((await ctx.store.getText(BUCKETS.artifacts, keys.lineage(first)))!, 'm');
    const object = manifest.gold[0]!;
    expect(object.versionId).toMatch(/^v\d+$/);
    expect(object.snapshot).toBeUndefined();
    expect(await ctx.store.list(BUCKETS.artifacts, 'lineage/')).toEqual([]);
    const versions = store.versions.get(`${BUCKETS.gold}/${keys.gold('SPX')}`)!;
    expect(versions.length).toBe(2); // the first run's and the second's
    expect(versions.find((v) => v.id === object.versionId)).toMatchObject({ held: true });
    expect(versions.at(-1)!.held).toBe(false);
  });

  test('after the lifecycle expired every noncurrent version it may, the first model is reproduced equal', async () => {
    expect(store.expireNoncurrent()).toBeGreaterThan(0); // e.g. the first run's silver
    const result = await reproduceModel(ctx, first, 'test-code');
    expect(result.equal).toBe(true);
  }, 120_000);

  test('without the hold the version expires and the model cannot be reproduced (what the hold prevents)', async () => {
    const manifest = parseLineage((await ctx.store.getText(BUCKETS.artifacts, keys.lineage(first)))!, 'm');
    const object = manifest.gold[0]!;
    await store.setLegalHold(BUCKETS.gold, object.key, object.versionId!, false);
    store.expireNoncurrent();
    await expect(reproduceModel(ctx, first, 'test-code')).rejects.toThrow(
      `${keys.gold('SPX')}: s3://gold/${keys.gold('SPX')}?versionId=${object.versionId} is gone`,
    );
  }, 120_000);
});
