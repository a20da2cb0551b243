/**
 * The daily A/B evaluation (v2, DOMAIN §6.2) on the real local servers through the scheduled
 * use case: logged predictions with their shadows and outcomes are read back from the prediction
 * log, each symbol-day counts once however many requests asked, and a candidate whose next-day forecasts are better on the Diebold–Mariano test is
 * promoted; one that forecasts like production is not.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { DynamoLeaseStore } from '#shared/aws/dynamo-leases';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { S3ObjectStore } from '#shared/aws/s3-store';
import { type ModelArtifact, serializeArtifact } from '#shared/model/artifact';
import type { PredictionLogEntry } from '#shared/ports';
import { type Context, keys } from '#shared/usecases/lake';
import { evaluateCandidate } from '#shared/usecases/monitoring';
import { registerModel } from '#shared/usecases/training';
import { type LocalDynamo, type LocalS3, startLocalDynamo, startLocalS3 } from '../../helpers/local-aws.ts';
import { sampleModel } from '../../helpers/model.ts';

const BUCKETS = {
  bronze: 'bronze',
  silver: 'silver',
  gold: 'gold',
  artifacts: 'artifacts',
  quarantine: 'quarantine',
};
const { config, hash } = loadConfig();
let s3: LocalS3;
let dynamo: LocalDynamo;
let model: ModelArtifact;
let clock: Date;

async function freshContext(): Promise<Context> {
  return {
    store: new S3ObjectStore(s3.client),
    registry: new DynamoModelRegistry(dynamo.documentClient, dynamo.tables.registry, { now: () => clock }),
    predictions: new DynamoPredictionLog(dynamo.documentClient, dynamo.tables.predictions),
    leases: new DynamoLeaseStore(dynamo.documentClient, dynamo.tables.registry),
    alerts: { publish: async () => undefined },
    buckets: BUCKETS,
    config,
    configHash: hash,
    now: () => clock,
  };
}

beforeAll(async () => {
  ({ model } = await sampleModel({ hmm: false }));
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  await dynamo?.stop();
});

/** Production P and candidate C registered at the clock (the test starts then). */
async function startTest(ctx: Context, p: string, c: string) {
  for (const version of [p, c]) {
    await ctx.store.put(BUCKETS.artifacts, keys.model(version), serializeArtifact({ ...model, version }));
    await registerModel(ctx, version, 'test');
  }
}

/**
 * 25 origin days × 3 symbols, each symbol-day asked `repeats` times, alternately served by each arm
 * with the other's shadow; `candidateHit` is the candidate's probability on the realised regime on
 * day d (production's is 0.5 ± a daily wobble).
 */
async function logDays(
  ctx: Context,
  p: string,
  c: string,
  candidateHit: (day: number) => number,
  repeats = 3,
): Promise<number> {
  const start = clock.getTime();
  let n = 0;
  for (let d = 0; d < 25; d++) {
    const fromDate = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
    for (const [k, symbol] of ['SPX', 'DAX', 'SMI'].entries()) {
      const actual = (d + k) % 3;
      const spread = (hit: number) => [0, 1, 2].map((s) => (s === actual ? hit : (1 - hit) / 2));
      const production = spread(0.5 + 0.1 * Math.sin(d + k));
      const candidate = spread(candidateHit(d + k));
      for (let r = 0; r < repeats; r++) {
        const servedByCandidate = (d + k + r) % 2 === 0;
        const entry: PredictionLogEntry = {
          requestId: `req-${symbol}-${d}-${r}-${p}`,
          at: new Date(start + d * 86_400_000 + (r + 1) * 60_000).toISOString(),
          symbol,
          modelVersion: servedByCandidate ? c : p,
          arm: servedByCandidate ? 'candidate' : 'production',
          fromState: 0,
          fromDate,
          horizon: 5,
          nextDay: servedByCandidate ? candidate : production,
          shadow: {
            modelVersion: servedByCandidate ? p : c,
            nextDay: servedByCandidate ? production : candidate,
          },
          outcome: { state: actual, date: fromDate },
          expiresAt: Math.floor(start / 1000) + 400 * 86_400,
        };
        await ctx.predictions.put(entry);
        n++;
      }
    }
  }
  return n;
}

describe('the daily A/B evaluation on symbol-days (v2)', () => {
  test('a better candidate is promoted; each symbol-day counts once whatever the requests', async () => {
    s3 = await startLocalS3(Object.values(BUCKETS));
    dynamo = await startLocalDynamo();
    clock = new Date('2026-03-02T00:00:00Z');
    const ctx = await freshContext();
    const [p, c] = ['20260301T000000-aaaaaaaa', '20260302T000000-bbbbbbbb'];
    await startTest(ctx, p, c);
    const logged = await logDays(ctx, p, c, (x) => 0.7 + 0.1 * Math.cos(x));
    expect(logged).toBe(25 * 3 * 3);
    clock = new Date('2026-03-30T00:00:00Z');
    const outcome = await evaluateCandidate(ctx);
    expect(outcome.status).toBe('promote');
    const [record] = await ctx.registry.listRecords('abtest', 1);
    expect(record).toMatchObject({ design: 'symbol-day', outcome: 'promote', candidateVersion: c });
    const dm = (record as unknown as { dieboldMariano: Record<string, number> }).dieboldMariano;
    expect(dm).toMatchObject({ days: 25, symbolDays: 75, unpaired: 0, minimumDays: 20 });
    expect(dm.pValueBetter).toBeLessThan(0.05);
    expect(dm.meanDifference).toBeLessThan(0);
    expect((await ctx.registry.getPointer('production'))!.version).toBe(c);
    expect(await ctx.registry.getPointer('candidate')).toBeUndefined();
  }, 120_000);

  test('a candidate that forecasts like production keeps collecting, then is rejected at maxDurationDays', async () => {
    const ctx = await freshContext();
    clock = new Date('2026-04-01T00:00:00Z');
    const [p, c] = [(await ctx.registry.getPointer('production'))!.version, '20260401T000000-cccccccc'];
    await ctx.store.put(BUCKETS.artifacts, keys.model(c), serializeArtifact({ ...model, version: c }));
    await registerModel(ctx, c, 'test');
    await logDays(ctx, p, c, (x) => 0.5 + 0.1 * Math.sin(x), 1);
    clock = new Date('2026-04-28T00:00:00Z');
    const running = await evaluateCandidate(ctx);
    expect(running.status).toBe('keep-collecting');
    clock = new Date('2026-05-20T00:00:00Z');
    const overdue = await evaluateCandidate(ctx);
    expect(overdue.status).toBe('reject');
    expect((await ctx.registry.getPointer('production'))!.version).toBe(p);
  }, 120_000);
});
