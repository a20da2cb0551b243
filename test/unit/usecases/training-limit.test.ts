/**
 * The train step's size limit (platform functions.trainMaxGoldRows): a lake above it fails at once
 * — before the partitions after the limit are read or anything is trained — with a clear error and
 * a pipeline-failure alert; at or below it, training reads everything.
 */
import { createReadStream } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { goldParquet } from '#shared/data/parquet-tables';
import { runDataPipeline } from '#shared/data/pipeline';
import { sha256Hex } from '#shared/hash';
import type { ModelRegistry, ObjectStore, RecordKind } from '#shared/ports';
import { type Context, keys } from '#shared/usecases/lake';
import { GoldTooLargeError, readGoldLake, trainFromLake } from '#shared/usecases/training';
import { RUN_DAY } from '../../helpers/data.ts';
import { SAMPLE_PATH } from '../../helpers/model.ts';

const { config, hash } = loadConfig();

async function lakeContext(maxRows: number) {
  const result = await runDataPipeline(
    [{ name: 'spx.csv', chunks: createReadStream(SAMPLE_PATH) }],
    new Map(),
    { config: config.data, runDay: RUN_DAY },
  );
  const g = result.gold.series[0]!;
  const objects = new Map<string, string | Uint8Array>();
  // Two symbols with the sample's 4,833 gold rows each.
  for (const symbol of ['AAA', 'BBB']) {
    objects.set(`gold/${keys.gold(symbol)}`, goldParquet({ ...g, symbol }, config.data.regimes.labels));
  }
  const reads: string[] = [];
  const store = {
    list: async (bucket: string, prefix: string) =>
      [...objects.keys()]
        .filter((k) => k.startsWith(`${bucket}/${prefix}`))
        .map((k) => k.slice(bucket.length + 1)),
    read: async (bucket: string, key: string) => {
      reads.push(key);
      const stored = objects.get(`${bucket}/${key}`);
      if (stored === undefined) return undefined;
      const bytes = typeof stored === 'string' ? new TextEncoder().encode(stored) : stored;
      return {
        etag: sha256Hex(bytes).slice(0, 32),
        body: (async function* () {
          yield bytes;
        })(),
      };
    },
    getText: async (bucket: string, key: string) => {
      reads.push(key);
      const body = objects.get(`${bucket}/${key}`);
      return typeof body === 'string' ? body : undefined;
    },
    head: async (bucket: string, key: string) =>
      objects.has(`${bucket}/${key}`) ? { etag: 'e' } : undefined,
    put: async (bucket: string, key: string, body: string | Uint8Array) =>
      void objects.set(`${bucket}/${key}`, body),
  } as unknown as ObjectStore;
  const records: Record<string, unknown[]> = {};
  const registry = {
    putRecord: async (kind: RecordKind, r: unknown) => {
      records[kind] = [r, ...(records[kind] ?? [])];
    },
    listRecords: async (kind: RecordKind) => records[kind] ?? [],
    getAlertState: async () => undefined,
    putAlertState: async () => undefined,
    countAlertEmail: async () => 1,
    putPendingAlert: async () => undefined,
    listPendingAlerts: async () => [],
    deletePendingAlert: async () => undefined,
  } as unknown as ModelRegistry;
  const emails: string[] = [];
  // A lease store that always grants (one test process, no concurrent writers).
  const leases = { acquire: async () => true, renew: async () => true, release: async () => undefined };
  const ctx = {
    store,
    registry,
    leases,
    alerts: { publish: async (m: { subject: string }) => void emails.push(m.subject) },
    buckets: {
      bronze: 'bronze',
      silver: 'silver',
      gold: 'gold',
      artifacts: 'artifacts',
      quarantine: 'quarantine',
    },
    config: {
      ...config,
      platform: {
        ...config.platform,
        functions: { ...config.platform.functions, trainMaxGoldRows: maxRows },
      },
    },
    configHash: hash,
    now: () => new Date('2026-12-02T10:00:00Z'),
  } as unknown as Context;
  return { ctx, objects, reads, records, emails, rows: g.length };
}

describe('the train step’s gold limit', () => {
  test('above the limit: fails at once with a clear error and an alert, trains nothing', async () => {
    const { ctx, objects, reads, records, emails, rows } = await lakeContext(6_000);
    const failure = trainFromLake(ctx, 'test');
    await expect(failure).rejects.toThrowError(GoldTooLargeError);
    await expect(trainFromLake(ctx, 'test')).rejects.toThrowError(
      /the gold in the lake has more than 6,000 rows \(9,666 in the partitions read up to features\/symbol=BBB\/part-0000\.parquet\); the train function is sized for at most 6,000 \(config\/platform\.yaml functions\.trainMaxGoldRows\)/,
    );
    expect(rows).toBe(4_833);
    // No model: the lineage snapshot of a partition read before the limit is all (content-addressed,
    // reused by the next training).
    expect([...objects.keys()].filter((k) => k.startsWith('artifacts/'))).toEqual([
      expect.stringMatching(/^artifacts\/lineage\/sha256\/[0-9a-f]{64}$/),
    ]);
    const alert = (records.alert ?? [])[0] as { kind: string; title: string; severity: string };
    expect(alert).toMatchObject({ kind: 'pipelineFailed', title: 'Pipeline step "Train" failed' });
    expect(emails.length + (records.alert?.length ?? 0)).toBeGreaterThan(0);
    expect(reads.filter((k) => k.includes('BBB')).length).toBeGreaterThan(0);
  });

  test('at or below the limit: every partition is read', async () => {
    const { ctx } = await lakeContext(10_168);
    const { tables, sources } = await readGoldLake(ctx, { maxRows: 10_168 });
    expect(tables.map((t) => t.symbol)).toEqual(['AAA', 'BBB']);
    expect(sources.map((s) => s.rows)).toEqual([4_833, 4_833]);
  });

  test('a partition listed but unreadable fails the read (no model of part of the lake); one gone since is skipped', async () => {
    const { ctx } = await lakeContext(20_000);
    const store = ctx.store;
    const unreadable = {
      ...store,
      read: async (b: string, k: string) => (k.includes('BBB') ? undefined : store.read(b, k)),
    };
    await expect(readGoldLake({ ...ctx, store: unreadable } as Context)).rejects.toThrow(
      'gold partition features/symbol=BBB/part-0000.parquet is listed but could not be read; nothing was trained on a part of the lake',
    );
    let listed = 0;
    const gone = {
      ...unreadable,
      // The second listing (the check after the failed read) no longer has it.
      list: async (b: string, p: string) =>
        listed++ === 0 ? store.list(b, p) : (await store.list(b, p)).filter((k) => !k.includes('BBB')),
    };
    const { tables } = await readGoldLake({ ...ctx, store: gone } as Context);
    expect(tables.map((t) => t.symbol)).toEqual(['AAA']);
  });
});
