/**
 * The monitoring loop converges (DOMAIN §6 v2, issue 14), on real local servers through the
 * scheduled handlers: unchanged data never retrains (not even when the schedule is due); drift
 * retrains only after persistChecks consecutive breached checks; the hourly check never forces;
 * one candidate at a time; the cool-down runs from the last training attempt.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { DynamoLeaseStore } from '#shared/aws/dynamo-leases';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { S3ObjectStore } from '#shared/aws/s3-store';
import { buildSymbolGold, finishGold } from '#shared/usecases/gold';
import { cleanToSilver, validateBronze } from '#shared/usecases/ingest';
import type { Context } from '#shared/usecases/lake';
import { driftSymbolKind } from '#shared/usecases/monitoring';
import { requestRetraining } from '#shared/usecases/retraining-requests';
import { registerModel, trainFromLake } from '#shared/usecases/training';
import { createHandlers as adminHandlers } from '../../../functions/api/admin.ts';
import { createHandlers } from '../../../functions/scheduled/handlers.ts';
import { type LocalDynamo, type LocalS3, startLocalDynamo, startLocalS3 } from '../../helpers/local-aws.ts';

const BUCKETS = {
  bronze: 'bronze',
  silver: 'silver',
  gold: 'gold',
  artifacts: 'artifacts',
  quarantine: 'quarantine',
};
const SAMPLE = readFileSync('data/samples/sp500-2000.csv', 'utf8');
const { config, hash } = loadConfig();
let s3: LocalS3;
let dynamo: LocalDynamo;
let ctx: Context;
let clock = new Date('2026-06-01T00:00:00Z');
const lambdaContext = {
  functionName: 'test',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
} as never;
const { drift, retraining, retrainingRequested } = createHandlers(() => ctx);
const { admin } = adminHandlers(() => ctx);
/**
 * The context under an edited training config (the chain's sampling seed): a training then makes
 * another model, so a forced retraining on the same gold is not "the same model again".
 */
const reseeded = (c: Context, seed: number): Context => ({
  ...c,
  configHash: `${hash}-seed-${seed}`,
  config: { ...c.config, model: { ...c.config.model, markov: { ...c.config.model.markov, seed } } },
});
const hours = (h: number) => {
  clock = new Date(clock.getTime() + h * 3_600_000);
};

async function ingest(key: string, body: string, runId: string, symbol = 'SPX'): Promise<void> {
  await ctx.store.put(BUCKETS.bronze, key, new TextEncoder().encode(body));
  const object = { bucket: BUCKETS.bronze, key, runId };
  await validateBronze(ctx, object, runId);
  await cleanToSilver(ctx, object, runId);
  await buildSymbolGold(ctx, symbol, runId);
  await finishGold(ctx, runId, key);
}

/** 100 business days after the sample's last, each move four times the sample's last 100. */
function wilderDays(): string {
  const rows = SAMPLE.trim()
    .split('\n')
    .slice(-101)
    .map((l) => l.split(','));
  let price = Number(rows[100]![5]);
  let day = Date.parse('2020-04-17T00:00:00Z');
  const out = ['date,symbol,open,high,low,close,adjclose,volume'];
  for (let i = 1; i <= 100; i++) {
    do day += 86_400_000;
    while ([0, 6].includes(new Date(day).getUTCDay()));
    price *= Math.exp(4 * Math.log(Number(rows[i]![5]) / Number(rows[i - 1]![5])));
    const p = price.toFixed(4);
    out.push(`${new Date(day).toISOString().slice(0, 10)},SPX,${p},${p},${p},${p},${p},1000000`);
  }
  return `${out.join('\n')}\n`;
}

beforeAll(async () => {
  s3 = await startLocalS3(Object.values(BUCKETS));
  dynamo = await startLocalDynamo();
  ctx = {
    store: new S3ObjectStore(s3.client),
    registry: new DynamoModelRegistry(dynamo.documentClient, dynamo.tables.registry),
    predictions: new DynamoPredictionLog(dynamo.documentClient, dynamo.tables.predictions),
    // Leases expire on the test's clock (a request's lease runs out after the function's timeout).
    leases: new DynamoLeaseStore(dynamo.documentClient, dynamo.tables.registry, {
      nowMs: () => clock.getTime(),
    }),
    alerts: { publish: async () => undefined },
    buckets: BUCKETS,
    config,
    configHash: hash,
    now: () => clock,
  };
  await ingest('market_data/SPX.csv', SAMPLE, 'run-1');
  const first = await trainFromLake(ctx, 'test');
  await registerModel(ctx, first.version, 'first');
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  await dynamo?.stop();
});

describe('the retraining loop (v2)', () => {
  test('unchanged data never retrains: not hourly, not when the weekly schedule is due', async () => {
    for (let i = 0; i < 3; i++) {
      hours(1);
      expect(await drift({}, lambdaContext)).toMatchObject({ retrained: false });
    }
    hours(8 * 24); // the 7-day schedule is due
    const weekly = await retraining({}, lambdaContext);
    expect(weekly.retrained).toBe(false);
    expect(weekly.decision.reasons.map((r) => r.rule)).toEqual(['scheduled']);
    expect(weekly.decision.blockedBy[0]).toContain('the gold is unchanged');
    expect(await ctx.registry.listVersions()).toHaveLength(1);
  }, 120_000);

  test('hourly checks of unchanged gold repeat the last check: no record, no streak, no retraining (soak bug)', async () => {
    const days = wilderDays().trim().split('\n');
    // All but the last two wild days; the later tests add them one at a time.
    await ingest('market_data/SPX-wild-1.csv', `${days.slice(0, -2).join('\n')}\n`, 'run-2');
    const { monitoring } = config;
    // The schedule (due since the first test) would retrain changed data at once: a yearly one
    // leaves drift as the only rule.
    ctx = {
      ...ctx,
      config: {
        ...config,
        monitoring: { ...monitoring, retraining: { ...monitoring.retraining, scheduleIntervalDays: 365 } },
      },
    };
    hours(1);
    expect(await drift({}, lambdaContext)).toMatchObject({ retrained: false });
    const [first] = await ctx.registry.listRecords('drift', 1);
    expect(first).toMatchObject({ breached: true, driftStreak: 1 });
    // Before the fix each hour recomputed the whole report, wrote a record and counted as one more
    // consecutive breach: one file's drift was "persistent" two hours later, whatever persistChecks
    // meant to wait for (and the soak spent most of its time there).
    const hourly = [];
    for (let i = 0; i < 5; i++) {
      hours(1);
      hourly.push(await drift({}, lambdaContext));
    }
    expect(hourly.map((r) => r.retrained)).toEqual([false, false, false, false, false]);
    for (const r of hourly) expect(r.reasons[0]).toContain('unchanged since the check of');
    const records = await ctx.registry.listRecords('drift', 10);
    expect(records.filter((r) => r.at > first!.at)).toEqual([]);
    expect(await ctx.registry.listVersions()).toHaveLength(1);

    // New gold, but none of the drifting symbol's: a file of another symbol (still in its warm-up,
    // so its partition has no rows). The check runs again — and judges SPX's same data: no second
    // breach (the walk saw "2 consecutive checks" become 8 after seven such files).
    const tiny = days.slice(1, 6).map((l) => l.replace(',SPX,', ',TINY,'));
    await ingest('market_data/TINY.csv', `${days[0]}\n${tiny.join('\n')}\n`, 'run-tiny', 'TINY');
    hours(1);
    const afterTiny = await drift({}, lambdaContext);
    expect(afterTiny.reasons[0]).not.toContain('unchanged since the check of');
    const [tinyCheck] = await ctx.registry.listRecords('drift', 1);
    expect(tinyCheck).toMatchObject({ breached: true, driftStreak: 1 });
    expect(tinyCheck!.at > first!.at).toBe(true);
    expect(tinyCheck!.breachParts).toEqual(first!.breachParts);
    expect(tinyCheck!.goldFingerprint).toBe(first!.goldFingerprint); // the empty partition is no data

    // A symbol with real gold that does not drift: the lake's data changed, SPX's did not.
    const calm = SAMPLE.trim().split('\n');
    await ingest(
      'market_data/CALM.csv',
      `${calm[0]}\n${calm.slice(1, 1200).join('\n')}\n`,
      'run-calm',
      'CALM',
    );
    hours(1);
    await drift({}, lambdaContext);
    const [calmCheck] = await ctx.registry.listRecords('drift', 1);
    const [calmEntry] = await ctx.registry.listRecords(driftSymbolKind('CALM'), 1);
    expect(calmEntry).toMatchObject({ regimeMixDrift: false, chainDrift: false });
    expect((calmEntry!.features as { drift: boolean }[]).some((f) => f.drift)).toBe(false);
    expect(calmCheck!.goldFingerprint).not.toBe(first!.goldFingerprint);
    expect(calmCheck).toMatchObject({ breached: true, driftStreak: 1 });
  }, 120_000);

  test('drift retrains after persistChecks breached checks of new data in a row, then one candidate at a time', async () => {
    const days = wilderDays().trim().split('\n');
    const header = days[0]!;
    const persist = config.monitoring.retraining.persistChecks;
    expect(persist).toBe(3); // the checks of the last test, and of two more days
    const results = [];
    for (const [i, day] of days.slice(-2).entries()) {
      await ingest(`market_data/SPX-wild-${i + 2}.csv`, `${header}\n${day}\n`, `run-${i + 3}`);
      hours(1);
      results.push(await drift({}, lambdaContext));
    }
    const records = await ctx.registry.listRecords('drift', persist);
    expect(records.map((r) => r.breached)).toEqual(Array(persist).fill(true));
    expect(records.map((r) => r.driftStreak)).toEqual(Array.from({ length: persist }, (_, i) => persist - i));
    expect(results.map((r) => r.retrained)).toEqual([false, true]);
    const candidate = await ctx.registry.getPointer('candidate');
    expect(candidate).toBeDefined();
    expect(await ctx.registry.listVersions()).toHaveLength(2);
    // The next checks see the running candidate: no second candidate, whatever drifts.
    const later = [];
    for (let i = 0; i < 3; i++) {
      hours(30);
      later.push(await drift({}, lambdaContext));
    }
    expect(later.map((r) => r.retrained)).toEqual([false, false, false]);
    // The candidate was trained on this gold, and it is in its A/B test: both guards hold.
    expect(later.at(-1)!.reasons).toEqual(
      expect.arrayContaining([
        'the gold is unchanged since the newest model was trained: retraining would give the same model',
        `candidate ${candidate!.version} is in its A/B test: one candidate at a time`,
      ]),
    );
    expect(await ctx.registry.listVersions()).toHaveLength(2);
    // The weekly job sees what the newest check found firing (it said "no rule fired" before),
    // and the same guard holds it back.
    const fired = (await ctx.registry.listRecords('drift', 1))[0]!.fired as { rule: string }[];
    expect(fired.length).toBeGreaterThan(0);
    const weekly = await retraining({}, lambdaContext);
    expect(weekly.retrained).toBe(false);
    expect(weekly.decision.reasons.map((r) => r.rule)).toEqual(
      expect.arrayContaining(fired.map((r) => r.rule)),
    );
    expect(weekly.decision.blockedBy).toEqual(
      expect.arrayContaining([`candidate ${candidate!.version} is in its A/B test: one candidate at a time`]),
    );
    // Once the gold has changed since that check, its findings no longer stand: not carried.
    const last = days.at(-1)!.split(',');
    await ingest(
      'market_data/SPX-later.csv',
      `${header}\n2020-12-31,${last.slice(1).join(',')}\n`,
      'run-later',
    );
    const after = await retraining({}, lambdaContext);
    const carried = after.decision.reasons.map((r) => r.rule).filter((r) => fired.some((f) => f.rule === r));
    expect(carried).toEqual([]);
  }, 180_000);

  test("an operator's request trains at once — past the cool-down, on unchanged gold under a new config — never the same model again, never beside a running candidate, and once per request", async () => {
    const post = async (reason: string) =>
      (await admin(
        {
          resource: '/admin/retrain',
          path: '/admin/retrain',
          httpMethod: 'POST',
          body: JSON.stringify({ reason }),
          isBase64Encoded: false,
          headers: {},
          queryStringParameters: null,
          pathParameters: null,
          requestContext: { requestId: `req-${Math.random()}` },
        } as never,
        lambdaContext,
      )) as { statusCode: number; body: string };
    const objectCreated = (key: string) => ({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: BUCKETS.artifacts }, object: { key } },
    });
    const rejectCandidate = async () => {
      const candidate = (await ctx.registry.getPointer('candidate'))!;
      await ctx.registry.clearPointer('candidate', candidate.revision);
      await ctx.registry.setStage(candidate.version, 'rejected');
    };
    // A reason of blanks is no reason.
    expect((await post('     ')).statusCode).toBe(400);
    // Nothing to train on (a lake without gold): refused, nothing written.
    const empty = { ...ctx, buckets: { ...ctx.buckets, gold: BUCKETS.quarantine } };
    await expect(requestRetraining(empty, 'first look')).rejects.toThrow(/no gold to train on yet/);
    expect(await ctx.store.list(BUCKETS.artifacts, 'requests/')).toEqual([]);
    // The last test's candidate is in its A/B test: force does not override one candidate at a time.
    const blocked = await post('the vendor restated its prices');
    expect(blocked.statusCode).toBe(409);
    expect(JSON.parse(blocked.body).message).toContain('one candidate at a time');
    await rejectCandidate();
    // Without force nothing fires (the schedule is yearly here, the drift findings are of older gold).
    expect((await retraining({}, lambdaContext)).retrained).toBe(false);
    const versions = (await ctx.registry.listVersions()).length;

    hours(1);
    const accepted = await post('the vendor restated its prices');
    expect(accepted.statusCode).toBe(202);
    const { request } = JSON.parse(accepted.body) as { request: string };
    // One request at a time: a burst would train once per request, all but one for nothing.
    const burst = await post('the vendor restated its prices again');
    expect(burst.statusCode).toBe(409);
    expect(JSON.parse(burst.body).message).toContain('still running');
    expect(request).toMatch(/^requests\/retraining\/.+\.json$/);
    const first = await retrainingRequested(objectCreated(request), lambdaContext);
    expect(first).toMatchObject({ retrained: true, stage: 'candidate' });
    expect((await ctx.registry.listVersions()).length).toBe(versions + 1);
    const jobs = (await ctx.registry.listRecords('job', 5)).filter((j) => j.request === request);
    // Its job: requested when the route answered, trained when the function ended.
    expect(jobs.map((j) => j.status).sort()).toEqual(['requested', 'trained']);
    expect(jobs.find((j) => j.status === 'trained')).toMatchObject({
      trigger: 'operator request: the vendor restated its prices',
      version: (first as { version?: string }).version,
    });
    // The training starts a new cool-down, which its job says (the newest drift check's end is older).
    const trainedJob = jobs.find((j) => j.status === 'trained')!;
    expect(trainedJob.cooldownEndsAt).toBe(
      new Date(
        Date.parse(trainedJob.at) + config.monitoring.retraining.cooldownHours * 3_600_000,
      ).toISOString(),
    );
    // EventBridge may deliver the event twice: the request is not trained again.
    expect(await retrainingRequested(objectCreated(request), lambdaContext)).toMatchObject({
      retrained: false,
    });
    expect((await ctx.registry.listVersions()).length).toBe(versions + 1);

    // Again at once, on the gold, config and code the model just trained was trained on: that model
    // again would start an A/B test between two equal models, which could never decide — skipped.
    await rejectCandidate();
    hours(1);
    const same = JSON.parse((await post('a second look')).body) as { request: string };
    const skipped = await retrainingRequested(objectCreated(same.request), lambdaContext);
    expect(skipped.retrained).toBe(false);
    expect((await ctx.registry.listVersions()).length).toBe(versions + 1);
    const skippedJob = (await ctx.registry.listRecords('job', 5)).find(
      (j) => j.request === same.request && j.status === 'skipped',
    );
    expect(skippedJob?.blockedBy).toEqual([
      expect.stringContaining(`${(first as { version?: string }).version} was trained on this very gold`),
    ]);
    // The route is free again at once (the request ended), and a changed configuration on the same
    // gold, within the cool-down, trains.
    // An edit that changes no model (the alert e-mail budget) would still give the same model.
    const { monitoring } = ctx.config;
    const alertsOnly: Context = {
      ...ctx,
      configHash: `${hash}-alerts`,
      config: {
        ...ctx.config,
        monitoring: { ...monitoring, alerts: { ...monitoring.alerts, digestAbove: 11 } },
      },
    };
    const alertsRequest = await requestRetraining(alertsOnly, 'the alert budget changed');
    expect(
      await createHandlers(() => alertsOnly).retrainingRequested(
        objectCreated(alertsRequest.request),
        lambdaContext,
      ),
    ).toMatchObject({ retrained: false });
    ctx = reseeded(ctx, 43);
    hours(1);
    const again = JSON.parse((await post('the regime thresholds changed')).body) as { request: string };
    const second = await retrainingRequested(objectCreated(again.request), lambdaContext);
    expect(second.retrained).toBe(true);
    expect((await ctx.registry.listVersions()).length).toBe(versions + 2);
  }, 180_000);
  test('a second delivery during the training trains nothing; a failed training is recorded and frees the route at once', async () => {
    const objectCreated = (key: string) => ({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: BUCKETS.artifacts }, object: { key } },
    });
    const rejectCandidate = async () => {
      const candidate = await ctx.registry.getPointer('candidate');
      if (candidate !== undefined) await ctx.registry.clearPointer('candidate', candidate.revision);
    };
    await rejectCandidate();
    hours(1);
    // A configuration the newest model was not trained under (with the same one, nothing trains).
    ctx = reseeded(ctx, 44);
    const versions = (await ctx.registry.listVersions()).length;
    const { request } = await requestRetraining(ctx, 'delivered twice');
    // EventBridge delivers at least once: two deliveries at the same time train one model.
    const both = await Promise.all([
      retrainingRequested(objectCreated(request), lambdaContext),
      retrainingRequested(objectCreated(request), lambdaContext),
    ]);
    expect(both.map((r) => r.retrained).sort()).toEqual([false, true]);
    expect((await ctx.registry.listVersions()).length).toBe(versions + 1);
    expect(await retrainingRequested(objectCreated(request), lambdaContext)).toMatchObject({
      retrained: false,
      alreadyHandled: true,
    });

    // A training that fails (a lake over the function's trainMaxGoldRows): a failed job, the error
    // thrown on (the alert), and the route free for the next request at once.
    await rejectCandidate();
    hours(1);
    const { platform } = ctx.config;
    const edited = reseeded(ctx, 45);
    const tight: Context = {
      ...edited,
      config: {
        ...edited.config,
        platform: { ...platform, functions: { ...platform.functions, trainMaxGoldRows: 10 } },
      },
    };
    const failing = await requestRetraining(tight, 'too large');
    await expect(
      createHandlers(() => tight).retrainingRequested(objectCreated(failing.request), lambdaContext),
    ).rejects.toThrow(/trainMaxGoldRows/);
    const failed = (await ctx.registry.listRecords('job', 5)).find(
      (j) => j.request === failing.request && j.status === 'failed',
    );
    expect(String(failed?.error)).toContain('GoldTooLargeError');
    const unanswered = await requestRetraining(ctx, 'after the fix');
    expect(unanswered).toMatchObject({ status: 'requested' });
    expect((await ctx.registry.listVersions()).length).toBe(versions + 1);

    // Its invocation dies before it records anything (on AWS: a timeout or out of memory, the event
    // in the dead-letter queue). Once its lease has run out the route takes the next request, and
    // the lost one is recorded failed — not listed requested for ever.
    hours(1);
    expect(ctx.config.platform.functions.timeoutSeconds.scheduled).toBeLessThan(3600);
    await requestRetraining(ctx, 'after the lost one');
    const answers = (await ctx.registry.listRecords('job', 10)).filter(
      (j) => j.request === unanswered.request,
    );
    expect(answers.map((j) => j.status).sort()).toEqual(['failed', 'requested']);
    expect(String(answers.find((j) => j.status === 'failed')?.error)).toMatch(
      /^no answer within the retraining function's timeout \(\d+ s\)/,
    );
    // Its event delivered late after all (a re-driven dead-letter event): answered, trained nothing.
    const lostEvent = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: BUCKETS.artifacts }, object: { key: unanswered.request } },
    };
    expect(await retrainingRequested(lostEvent, lambdaContext)).toMatchObject({
      retrained: false,
      alreadyHandled: true,
    });
    expect((await ctx.registry.listVersions()).length).toBe(versions + 1);
  }, 120_000);
});
