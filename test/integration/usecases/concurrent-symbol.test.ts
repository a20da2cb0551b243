/**
 * Per-symbol serialisation on the real local servers (s3rver, dynalite) through the real adapters:
 * files touching one symbol, cleaned at the same time, merge one at a time under the symbol's lease,
 * so N concurrent files give exactly the silver (and gold) of one file holding their union.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { DynamoLeaseStore } from '#shared/aws/dynamo-leases';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { S3ObjectStore } from '#shared/aws/s3-store';
import { buildSymbolGold, finishGold, symbolResults } from '#shared/usecases/gold';
import { cleanToSilver } from '#shared/usecases/ingest';
import { type Context, keys } from '#shared/usecases/lake';
import { LeaseBusyError, withLease } from '#shared/usecases/leases';
import { type LocalDynamo, type LocalS3, startLocalDynamo, startLocalS3 } from '../../helpers/local-aws.ts';
import { objectRowGroupBytes, objectRows } from '../../helpers/parquet.ts';

const BUCKETS = {
  bronze: 'bronze',
  silver: 'silver',
  gold: 'gold',
  artifacts: 'artifacts',
  quarantine: 'quarantine',
};
/** The sample's header and its last 1,860 rows (the issue's ten chunks of 186 rows). */
const SAMPLE_LINES = readFileSync('data/samples/sp500-2000.csv', 'utf8').trimEnd().split('\n');
const HEADER = `symbol,${SAMPLE_LINES[0]}`;
const ROWS = SAMPLE_LINES.slice(-1860);

let s3: LocalS3;
let dynamo: LocalDynamo;
let ctx: Context;
const { config, hash } = loadConfig();

beforeAll(async () => {
  s3 = await startLocalS3([...Object.values(BUCKETS), 'silver-union', 'gold-union']);
  dynamo = await startLocalDynamo();
  ctx = {
    store: new S3ObjectStore(s3.client),
    registry: new DynamoModelRegistry(dynamo.documentClient, dynamo.tables.registry),
    predictions: new DynamoPredictionLog(dynamo.documentClient, dynamo.tables.predictions),
    alerts: { publish: async () => undefined },
    leases: new DynamoLeaseStore(dynamo.documentClient, dynamo.tables.registry),
    buckets: BUCKETS,
    config,
    configHash: hash,
    now: () => new Date('2020-06-01T00:00:00.000Z'),
  };
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  await dynamo?.stop();
});

/** A bronze file of `symbol` holding `rows` of the sample. */
function file(symbol: string, rows: readonly string[]): string {
  return `${[HEADER, ...rows.map((r) => `${symbol},${r}`)].join('\n')}\n`;
}

async function put(key: string, body: string) {
  await ctx.store.put(BUCKETS.bronze, key, body);
  return { bucket: BUCKETS.bronze, key };
}

/** A symbol's silver rows (none when it has no partition). */
const silverOf = async (c: Context, symbol: string) =>
  (await objectRows(c.store, c.buckets.silver, keys.silver(symbol))).rows;
/** A symbol's gold rows in a gold bucket (none when it has no partition). */
const goldOf = async (c: Context, bucket: string, symbol: string) =>
  (await objectRows(c.store, bucket, keys.gold(symbol))).rows;

/** One pipeline run of an object, as the state machine runs it: clean, gold per symbol, gate + publish. */
async function runObject(c: Context, obj: { bucket: string; key: string }, runId: string) {
  const { symbols } = await cleanToSilver(c, obj, runId);
  for (const symbol of symbols) await buildSymbolGold(c, symbol, runId);
  await finishGold(c, runId, obj.key);
  return symbols;
}

/** The same symbol's silver from one file holding `rows`, in the union buckets. */
async function unionSilver(symbol: string, rows: readonly string[], name: string) {
  const union = { ...ctx, buckets: { ...BUCKETS, silver: 'silver-union', gold: 'gold-union' } };
  await runObject(union, await put(`union/${name}.csv`, file(symbol, rows)), `union-${name}`);
  return { union, silver: await silverOf(union, symbol) };
}

describe('per-symbol serialisation on the local servers', () => {
  test('ten runs of one symbol at once give the silver and gold of one file holding them all', async () => {
    const chunks = Array.from({ length: 10 }, (_, i) => ROWS.slice(i * 186, (i + 1) * 186));
    const objects = await Promise.all(
      chunks.map((rows, i) => put(`market_data/chunk-${i}.csv`, file('TEN', rows))),
    );

    // Each run stages its rows and gold, then publishes under the symbol's lease: a run whose silver
    // moved on since its gold step merges its rows again onto what is there.
    const results = await Promise.all(objects.map((o, i) => runObject(ctx, o, `run-${i}`)));

    expect(results).toEqual(Array(10).fill(['TEN']));
    const silver = await silverOf(ctx, 'TEN');
    expect(silver).toHaveLength(1860);
    const { union, silver: expected } = await unionSilver('TEN', ROWS, 'ten');
    expect(silver).toEqual(expected);
    expect(await goldOf(ctx, BUCKETS.gold, 'TEN')).toEqual(await goldOf(union, 'gold-union', 'TEN'));
    // Nothing staged is left behind by a published run.
    for (let i = 0; i < 10; i++) {
      expect(await ctx.store.list(BUCKETS.silver, keys.staging(`run-${i}`))).toEqual([]);
      expect(await ctx.store.list(BUCKETS.gold, keys.staging(`run-${i}`))).toEqual([]);
    }
  }, 60_000);

  test('a run merged again at publish records the gold it published, not the gold it staged', async () => {
    const rows = ROWS.slice(-800);
    const a = await put('market_data/again-a.csv', file('AGAIN', rows.slice(0, 500)));
    const b = await put('market_data/again-b.csv', file('AGAIN', rows.slice(500)));
    // Both gold steps before either publish: B's gold is built from B's rows alone…
    for (const [o, runId] of [
      [a, 'again-a'],
      [b, 'again-b'],
    ] as const) {
      await cleanToSilver(ctx, o, runId);
      await buildSymbolGold(ctx, 'AGAIN', runId);
    }
    const [stagedB] = await symbolResults(ctx, 'again-b');
    expect(stagedB!.rows).toBe(300 - 21 - 251);
    await finishGold(ctx, 'again-a', a.key);
    // …and A publishes first, so B merges its rows onto A's silver at publish.
    const finished = await finishGold(ctx, 'again-b', b.key);
    expect(finished.mergedAgain).toEqual(['AGAIN']);
    const gold = await objectRows(ctx.store, BUCKETS.gold, keys.gold('AGAIN'));
    const published = gold.rows.map((row) => row[gold.names.indexOf('date')] as string);
    expect(published).toHaveLength(800 - 21 - 251);
    const text = await ctx.store.getText(BUCKETS.gold, keys.run('again-b', 'metadata.json'));
    const metadata = JSON.parse(text!) as Awaited<ReturnType<typeof finishGold>>['metadata'];
    const [record] = metadata.gold.symbols;
    expect(record).toMatchObject({
      symbol: 'AGAIN',
      goldWrite: 'merged again',
      rows: published.length,
      firstDate: published[0],
      lastDate: published.at(-1),
    });
    expect(metadata.gold.rows).toBe(published.length);
    expect(record!.regimeCounts.reduce((x, y) => x + y, 0)).toBe(published.length);
    expect(metadata.counts.flat().reduce((x, y) => x + y, 0)).toBe(published.length - 1);
    expect(finished.goldRows).toBe(published.length);
    // The live state is the published gold's last row.
    expect((await ctx.registry.getLive('AGAIN'))?.date).toBe(record!.lastDate);
    // So is the gold quality record the Data quality page shows (it kept the staged 28 rows).
    const quality = (await ctx.registry.listRecords('quality', 100)) as unknown as {
      id: string;
      rows: number;
      mergedAgain?: number;
    }[];
    // The gate's verdict stays that on the staged rows it judged (stagedRows).
    expect(quality.find((q) => q.id === 'again-b-gold')).toMatchObject({
      rows: published.length,
      stagedRows: 300 - 21 - 251,
      mergedAgain: 1,
      passed: true,
    });
  }, 60_000);

  test('property: N files of one symbol, run concurrently in any order, give the union’s silver', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // Cut points into the last 600 rows, and how far each file reaches back into the one before
        // (an overlap repeats identical rows), and a start order.
        fc.uniqueArray(fc.integer({ min: 1, max: 599 }), { minLength: 1, maxLength: 5 }),
        fc.nat({ max: 30 }),
        fc.infiniteStream(fc.nat()),
        async (cuts, overlap, order) => {
          const rows = ROWS.slice(-600);
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), rows.length];
          const files = bounds.slice(1).map((end, i) => rows.slice(Math.max(0, bounds[i]! - overlap), end));
          const symbol = `P${++run}`;
          const started = files
            .map((rows, i) => ({ rows, i, rank: order.next().value as number }))
            .sort((a, b) => a.rank - b.rank);
          const objects = await Promise.all(
            started.map(({ rows, i }) => put(`market_data/${symbol}-${i}.csv`, file(symbol, rows))),
          );
          await Promise.all(objects.map((o, k) => runObject(ctx, o, `${symbol}-${k}`)));
          const { silver } = await unionSilver(symbol, rows, symbol);
          expect(await silverOf(ctx, symbol)).toEqual(silver);
        },
      ),
      { numRuns: 8 },
    );
  }, 120_000);
});

describe('point-in-time gold on the cloud path', () => {
  test('property: the gold after a prefix of the history is the prefix of the gold after all of it', async () => {
    let run = 0;
    const rows = ROWS.slice(-700);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 250, max: 690 }), async (cut) => {
        const symbol = `PIT${++run}`;
        await runObject(
          ctx,
          await put(`market_data/${symbol}-a.csv`, file(symbol, rows.slice(0, cut))),
          `${symbol}-a`,
        );
        const prefix = await objectRowGroupBytes(ctx.store, BUCKETS.gold, keys.gold(symbol));
        const prefixRows = await goldOf(ctx, BUCKETS.gold, symbol);
        await runObject(
          ctx,
          await put(`market_data/${symbol}-b.csv`, file(symbol, rows.slice(cut))),
          `${symbol}-b`,
        );
        const after = await objectRowGroupBytes(ctx.store, BUCKETS.gold, keys.gold(symbol));
        const afterRows = await goldOf(ctx, BUCKETS.gold, symbol);
        // Appending data never changes an earlier gold row (the published row groups are kept)…
        expect(after.subarray(0, prefix.length).equals(prefix)).toBe(true);
        expect(afterRows.slice(0, prefixRows.length)).toEqual(prefixRows);
        const [second] = await symbolResults(ctx, `${symbol}-b`);
        expect(second!.goldWrite).toBe(cut < 21 + 252 ? 'rebuilt' : 'appended');
        expect(afterRows).toHaveLength(700 - 21 - 251);
        // …and the gold is that of one file holding the whole history.
        const { union } = await unionSilver(symbol, rows, symbol);
        expect(afterRows).toEqual(await goldOf(union, 'gold-union', symbol));
      }),
      { numRuns: 4 },
    );
  }, 120_000);

  test('a vendor correction of an old day rebuilds the gold from the corrected history', async () => {
    const rows = ROWS.slice(-700);
    await runObject(ctx, await put('market_data/fix-a.csv', file('FIX', rows.slice(0, 600))), 'fix-a');
    const before = await goldOf(ctx, BUCKETS.gold, 'FIX');
    // Day 400 again with its close (and adjclose) 5 % lower, plus 100 new days.
    const fields = rows[400]!.split(',');
    const corrected = fields.map((v, i) => (i >= 1 && i <= 5 ? String(Number(v) * 0.95) : v)).join(',');
    await runObject(
      ctx,
      await put('market_data/fix-b.csv', file('FIX', [corrected, ...rows.slice(600)])),
      'fix-b',
    );
    const [second] = await symbolResults(ctx, 'fix-b');
    expect(second!.goldWrite).toBe('rebuilt');
    const after = await goldOf(ctx, BUCKETS.gold, 'FIX');
    expect(after.slice(0, before.length)).not.toEqual(before);
    // Rows before the corrected day are unchanged (point in time), the rest follow the correction.
    const unchanged = before.slice(0, 400 - 21 - 251);
    expect(after.slice(0, unchanged.length)).toEqual(unchanged);
    const whole = [...rows.slice(0, 400), corrected, ...rows.slice(401)];
    const { union } = await unionSilver('FIX', whole, 'fix');
    expect(after).toEqual(await goldOf(union, 'gold-union', 'FIX'));
  }, 60_000);
});

describe('staging', () => {
  test('a run whose gold gate fails publishes neither silver nor gold: the lake stays as it was', async () => {
    const first = await put('market_data/staged.csv', file('STAGED', ROWS.slice(0, 400)));
    await runObject(ctx, first, 'staged-1');
    const before = {
      silver: await silverOf(ctx, 'STAGED'),
      gold: await goldOf(ctx, BUCKETS.gold, 'STAGED'),
    };
    expect(before.gold).toHaveLength(400 - 21 - 251);

    const strict = {
      ...ctx,
      config: {
        ...config,
        data: {
          ...config.data,
          quality: { ...config.data.quality, gates: { ...config.data.quality.gates, gold: 101 } },
        },
      },
    };
    const second = await put('market_data/staged-2.csv', file('STAGED', ROWS.slice(400, 800)));
    await cleanToSilver(strict, second, 'staged-2');
    expect(await silverOf(ctx, 'STAGED')).toEqual(before.silver); // cleaned rows wait in staging
    expect(await buildSymbolGold(strict, 'STAGED', 'staged-2')).toEqual({
      symbol: 'STAGED',
      rows: 800 - 21 - 251,
    });
    const error = await finishGold(strict, 'staged-2', second.key).catch((e: Error) => e);

    expect((error as Error).name).toBe('DataRejectedError');
    expect((error as Error).message).toContain('no silver or gold was published');
    expect(await silverOf(ctx, 'STAGED')).toEqual(before.silver);
    expect(await goldOf(ctx, BUCKETS.gold, 'STAGED')).toEqual(before.gold);
    // The failed run's staging is discarded, as is a published run's.
    for (const run of ['staged-1', 'staged-2']) {
      expect(await ctx.store.list(BUCKETS.silver, keys.staging(run))).toEqual([]);
      expect(await ctx.store.list(BUCKETS.gold, keys.staging(run))).toEqual([]);
    }
  });

  test('a run that dies after cleaning (no gold step, no publish) leaves silver and gold as they were', async () => {
    const obj = await put('market_data/dies.csv', file('DIES', ROWS.slice(0, 300)));
    await cleanToSilver(ctx, obj, 'dies-1');
    await buildSymbolGold(ctx, 'DIES', 'dies-1');
    // (the process is killed here: finishGold never runs)
    expect(await ctx.store.head(BUCKETS.silver, keys.silver('DIES'))).toBeUndefined();
    expect(await ctx.store.head(BUCKETS.gold, keys.gold('DIES'))).toBeUndefined();
    // Its re-run publishes exactly what one clean run publishes.
    await runObject(ctx, obj, 'dies-2');
    const { union, silver } = await unionSilver('DIES', ROWS.slice(0, 300), 'dies');
    expect(await silverOf(ctx, 'DIES')).toEqual(silver);
    expect(await goldOf(ctx, BUCKETS.gold, 'DIES')).toEqual(await goldOf(union, 'gold-union', 'DIES'));
  });
});

describe('DynamoLeaseStore on dynalite', () => {
  test('one holder at a time; an expired lease can be taken; a lost lease cannot be renewed or released', async () => {
    let now = 1_000_000;
    const leases = new DynamoLeaseStore(dynamo.documentClient, dynamo.tables.registry, { nowMs: () => now });

    expect(await leases.acquire('symbol/X', 'a', 1000)).toBe(true);
    expect(await leases.acquire('symbol/X', 'b', 1000)).toBe(false);
    expect(await leases.renew('symbol/X', 'b', 1000)).toBe(false);
    now += 999;
    expect(await leases.acquire('symbol/X', 'b', 1000)).toBe(false);
    now += 2; // past a's expiry
    expect(await leases.acquire('symbol/X', 'b', 1000)).toBe(true);
    expect(await leases.renew('symbol/X', 'a', 1000)).toBe(false);
    await leases.release('symbol/X', 'a'); // not a's any more: b keeps it
    expect(await leases.acquire('symbol/X', 'c', 1000)).toBe(false);
    await leases.release('symbol/X', 'b');
    expect(await leases.acquire('symbol/X', 'c', 1000)).toBe(true);
  });

  test('a symbol busy for the whole wait fails with the retryable LeaseBusyError; the work never ran', async () => {
    await ctx.leases.acquire('symbol/BUSY', 'someone-else', 60_000);
    const impatient = {
      ...ctx,
      config: {
        ...config,
        platform: {
          ...config.platform,
          pipeline: { ...config.platform.pipeline, symbolLease: { ttlSeconds: 60, waitSeconds: 1 } },
        },
      },
    };
    let ran = false;

    const error = await withLease(impatient, 'symbol/BUSY', async () => {
      ran = true;
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LeaseBusyError);
    expect((error as Error).name).toBe('LeaseBusyError');
    expect(ran).toBe(false);
  });
});

test("a symbol's warnings (here: a price that never moves, so every day High) reach the run's gold quality record", async () => {
  const days: string[] = [];
  for (let d = Date.UTC(2018, 0, 1); days.length < 400; d += 86_400_000) {
    const day = new Date(d);
    if (day.getUTCDay() % 6 !== 0) days.push(day.toISOString().slice(0, 10));
  }
  const flat = `symbol,date,close\n${days.map((d) => `FLAT,${d},100`).join('\n')}\n`;
  await runObject(ctx, await put('market_data/flat.csv', flat), 'run-flat');
  const records = (await ctx.registry.listRecords('quality', 100)) as {
    id: string;
    warnings?: string[];
    warningCount?: number;
  }[];
  const gold = records.find((r) => r.id === 'run-flat-gold')!;
  expect(gold.warningCount).toBe(1);
  expect(gold.warnings).toEqual([
    expect.stringMatching(
      /^FLAT: on all \d+ of its gold rows realized_vol_21d is 0 and drawdown is 0 .*every day is High/,
    ),
  ]);
});

test('a run whose only symbol has no gold rows yet records its gold as not scored (not failed), with how much more history it needs', async () => {
  const rows = ROWS.slice(0, 50).map((r) => `YOUNG,${r}`);
  await runObject(ctx, await put('market_data/young.csv', `${[HEADER, ...rows].join('\n')}\n`), 'run-young');
  const records = (await ctx.registry.listRecords('quality', 100)) as unknown as {
    id: string;
    rows: number;
    scored?: boolean;
    warnings?: string[];
  }[];
  const gold = records.find((r) => r.id === 'run-young-gold')!;
  expect(gold).toMatchObject({ rows: 0, scored: false });
  expect(gold.warnings).toEqual([
    expect.stringMatching(
      /^YOUNG has 50 silver rows; its first gold row needs 273: .* — 223 more trading days of history$/,
    ),
  ]);
  // A run with gold rows is scored as before.
  expect(records.find((r) => r.id === 'run-flat-gold')!.scored).toBeUndefined();
});
