import { describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { dataDriftAlert } from '#shared/monitoring/alerts';
import type { ModelRegistry, RecordKind } from '#shared/ports';
import { raiseAlert } from '#shared/usecases/alerting';
import type { Context } from '#shared/usecases/lake';

/** A registry that keeps only records (all raiseAlert needs), newest first like the adapter. */
function recordsOnly(): ModelRegistry {
  const records: Record<string, ({ id: string; at: string } & Record<string, unknown>)[]> = {};
  return {
    putRecord: async (kind: RecordKind, r: { id: string; at: string } & Record<string, unknown>) => {
      records[kind] = [r, ...(records[kind] ?? [])];
    },
    listRecords: async (kind: RecordKind) => records[kind] ?? [],
  } as unknown as ModelRegistry;
}

const { config, hash } = loadConfig();
const emails: string[] = [];
const ctx = {
  registry: recordsOnly(),
  alerts: { publish: async (m: { subject: string }) => void emails.push(m.subject) },
  config,
  configHash: hash,
} as unknown as Context;
const drift = (at: string, psi: number) =>
  dataDriftAlert(
    {
      symbol: 'SPX',
      feature: 'realized_vol_21d',
      ks: { d: 0.3, pValue: 1e-6 },
      psi: { psi },
      windowRows: 63,
      since: at,
    },
    config.monitoring,
    at,
  );

describe('raiseAlert', () => {
  test('a lasting breach is e-mailed and shown once per cool-down, again after it, and again when it worsens', async () => {
    expect(await raiseAlert(ctx, drift('2026-01-01T00:00:00Z', 0.3))).toMatchObject({
      emailed: true,
      recorded: true,
    });
    expect(await raiseAlert(ctx, drift('2026-01-01T01:00:00Z', 0.3))).toMatchObject({
      emailed: false,
      recorded: false,
    });
    expect(await raiseAlert(ctx, drift('2026-01-02T01:00:00Z', 0.3))).toMatchObject({
      emailed: true,
      recorded: true,
    });
    expect(emails).toHaveLength(2);
    expect((await ctx.registry.listRecords('alert')).length).toBe(2);
  });

  test('a dashboard-only alert is recorded once per cool-down', async () => {
    const moderate = (at: string) => drift(at, 0.12); // PSI moderate → medium severity → dashboard only
    const before = emails.length;
    expect(await raiseAlert(ctx, { ...moderate('2026-02-01T00:00:00Z'), fingerprint: 'm' })).toMatchObject({
      emailed: false,
      recorded: true,
    });
    expect(await raiseAlert(ctx, { ...moderate('2026-02-01T01:00:00Z'), fingerprint: 'm' })).toMatchObject({
      emailed: false,
      recorded: false,
    });
    expect(emails.length).toBe(before);
  });
});
