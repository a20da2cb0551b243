/**
 * A drift check of a model trained on 210 symbols, recorded in the real local DynamoDB (dynalite
 * holds an item to 400 KB, as DynamoDB does). The check's per-symbol statistics take ≈ 1 KB a symbol
 * and its reasons ≈ 260 bytes a symbol: before they moved out of the check's record (and the reasons
 * were capped), a walk of `npm start` with 601 symbols in the lake failed every DriftCheck with "Item
 * size has exceeded the maximum allowed size". Here the record and the check's result must stay the
 * same small size whatever the number of symbols.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { FileLeaseStore } from '#shared/fs/file-leases';
import { FileSystemObjectStore } from '#shared/fs/file-store';
import { cleanToSilver } from '#shared/usecases/ingest';
import type { Context } from '#shared/usecases/lake';
import { checkDrift, driftSymbolKind } from '#shared/usecases/monitoring';
import { driftHistory } from '#shared/usecases/reads';
import { runFiles } from '#shared/usecases/run-files';
import { registerModel, trainFromLake } from '#shared/usecases/training';
import { bronzeCsvChunks } from '../../../bench/generate.ts';
import { localBuckets } from '../../../bin/commands/pipeline.ts';
import { createHandlers as readHandlers } from '../../../functions/api/read.ts';
import { type LocalDynamo, startLocalDynamo } from '../../helpers/local-aws.ts';

const SYMBOLS = 210;
const { config, hash } = loadConfig();
let dynamo: LocalDynamo;
let ctx: Context;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const dir = mkdtempSync(join(tmpdir(), 'finml-drift-wide-'));
  const { buckets, roots } = localBuckets(join(dir, 'out'));
  ctx = {
    store: new FileSystemObjectStore(roots),
    registry: new DynamoModelRegistry(dynamo.documentClient, dynamo.tables.registry),
    predictions: new DynamoPredictionLog(dynamo.documentClient, dynamo.tables.predictions),
    leases: new FileLeaseStore(join(dir, 'leases')),
    alerts: { publish: async () => undefined },
    buckets,
    config,
    configHash: hash,
    now: () => new Date('2026-06-01T00:00:00Z'),
  };
  const file = join(dir, 'wide.csv');
  writeFileSync(file, [...bronzeCsvChunks({ symbols: SYMBOLS, days: 420, seed: 5 })].join(''));
  const run = await runFiles(ctx, [{ bucket: buckets.bronze, key: file.slice(1) }], 'run-1');
  expect(run.metadata?.gold.symbols).toHaveLength(SYMBOLS);
  const trained = await trainFromLake(ctx, 'test');
  await registerModel(ctx, trained.version, 'first');
}, 120_000);

afterAll(async () => {
  await dynamo?.stop();
});

describe('a drift check of 210 symbols', () => {
  test('is recorded: the check’s record stays small, each symbol’s statistics go to its own record and the check’s symbols.json', async () => {
    const result = await checkDrift(ctx);
    expect(['ok', 'warn', 'retrain']).toContain(result.verdict);
    // What the state machine holds of it (256 KiB a state) does not grow with the symbols either.
    expect(JSON.stringify(result).length).toBeLessThan(20_000);
    expect(result.reasons.at(-1)).toMatch(/^… and \d+ more in the report \(runs\/drift-.*\/drift\.json\)$/);

    const [record] = await ctx.registry.listRecords('drift', 1);
    expect(record).toMatchObject({ symbolCount: SYMBOLS });
    expect(record!.symbols).toBeUndefined();
    expect(JSON.stringify(record).length).toBeLessThan(20_000);

    // The newest check, as the dashboard reads it: every symbol's statistics, from symbols.json…
    const { items } = await driftHistory(ctx, 10);
    const file = await ctx.store.getText(ctx.buckets.gold, record!.symbolsKey as string);
    const symbols = JSON.parse(file!) as { symbol: string; features: unknown[] }[];
    expect(symbols).toHaveLength(SYMBOLS);
    // GET /drift sends every name and 100 symbols' statistics, those with drift first.
    expect((items[0] as Record<string, unknown>).symbolNames).toEqual(symbols.map((s) => s.symbol));
    const sent = items[0]!.symbols as typeof symbols;
    expect(sent).toHaveLength(100);
    const hasDrift = (s: (typeof symbols)[number]) =>
      /"(drift|chainDrift|regimeMixDrift)":true/.test(JSON.stringify(s));
    const firstCalm = sent.findIndex((s) => !hasDrift(s));
    if (firstCalm >= 0) expect(sent.slice(firstCalm).some(hasDrift)).toBe(false);
    for (const s of sent) expect(s).toEqual(symbols.find((x) => x.symbol === s.symbol));
    // …≈ 1 KB a symbol: at 400 symbols they would not fit in one item.
    expect(JSON.stringify(symbols).length / SYMBOLS).toBeGreaterThan(900);
    const drifting = symbols.filter((s) => JSON.stringify(s).includes('"drift":true'));
    expect(record!.driftingSymbolCount).toBeGreaterThanOrEqual(drifting.length);

    // One symbol's history: a record per check, the same statistics.
    const one = symbols[17]!;
    const own = await ctx.registry.listRecords(driftSymbolKind(one.symbol), 5);
    expect(own).toHaveLength(1);
    const history = await driftHistory(ctx, 5, one.symbol);
    expect(history.items).toEqual([
      { id: record!.id, at: record!.at, modelVersion: record!.modelVersion, symbols: [one] },
    ]);

    // The same through the API route the dashboard calls (GET /drift, GET /drift?symbol=).
    const { read } = readHandlers(() => ctx);
    const get = async (query: Record<string, string>) => {
      const r = await read(
        {
          resource: '/drift',
          httpMethod: 'GET',
          queryStringParameters: query,
          requestContext: { requestId: `req-${Math.random()}` },
          headers: {},
        } as never,
        { functionName: 'test', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as never,
      );
      return { status: r.statusCode, body: JSON.parse(r.body) };
    };
    const newest = await get({ limit: '3' });
    expect(newest.status).toBe(200);
    expect(newest.body.items[0].symbols).toHaveLength(100);
    expect(newest.body.items[0].symbolNames).toHaveLength(SYMBOLS);
    expect((await get({ limit: '3', symbol: one.symbol })).body).toEqual(history);
    expect((await get({ symbol: 'a/b' })).status).toBe(400);
    // A symbol the lake never held is a 404, as on /timeline.
    expect(await get({ symbol: 'NOPE' })).toEqual({
      status: 404,
      body: { message: 'no gold for symbol NOPE: no drift check can have covered it' },
    });
  }, 120_000);
});

describe('a file of 2,000 symbols', () => {
  test('names the symbols with gold it could not judge, and why (the dashboard lists them)', async () => {
    // 60 more symbols with 320 days each: some gold (its first row needs 273 days), too little for a window.
    const dir = mkdtempSync(join(tmpdir(), 'finml-drift-short-'));
    const file = join(dir, 'short.csv');
    const short = [...bronzeCsvChunks({ symbols: 60, days: 320, seed: 9 })].join('').replace(/\bS0/g, 'Q0');
    writeFileSync(file, short);
    await runFiles(ctx, [{ bucket: ctx.buckets.bronze, key: file.slice(1) }], 'run-short');
    await checkDrift({ ...ctx, now: () => new Date('2026-06-02T00:00:00Z') });
    const [record] = await ctx.registry.listRecords('drift', 1);
    expect(record).toMatchObject({ symbolCount: SYMBOLS, skippedCount: 60 });
    const skipped = record!.skipped as { symbol: string; reason: string }[];
    expect(skipped).toHaveLength(50);
    expect(skipped[0]!.symbol).toMatch(/^Q0/);
    expect(skipped[0]!.reason.length).toBeGreaterThan(10);
    expect(JSON.stringify(record).length).toBeLessThan(30_000);
  });

  test('is cleaned: its silver quality record names 50 and counts them all (it held ≈ 400 bytes a symbol)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finml-wide-quality-'));
    const file = join(dir, 'wide.csv');
    writeFileSync(file, [...bronzeCsvChunks({ symbols: 2000, days: 5, seed: 9 })].join(''));
    const object = { bucket: ctx.buckets.bronze, key: file.slice(1), runId: 'wide-1' };
    const { symbols } = await cleanToSilver(ctx, object, 'wide-1');
    expect(symbols).toHaveLength(2000);
    const [record] = await ctx.registry.listRecords('quality', 1);
    expect(record).toMatchObject({ layer: 'silver', symbolCount: 2000 });
    expect(record!.symbols).toHaveLength(50);
    expect(JSON.stringify(record).length).toBeLessThan(5_000);
  }, 60_000);
});
