import { describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { dataDriftAlert, dataRejectedAlert, pipelineFailedAlert } from '#shared/monitoring/alerts';
import type { AlertState, ModelRegistry, RecordKind } from '#shared/ports';
import { raiseAlert, sendAlertDigest, sendAlertDigests } from '#shared/usecases/alerting';
import type { Context } from '#shared/usecases/lake';
import { createHandlers } from '../../../functions/scheduled/handlers.ts';

/**
 * A registry that keeps only records and alert states (all raiseAlert needs), newest first; same id
 * and time = overwrite, like the adapter; listRecords honours its limit, as DynamoDB does.
 */
function recordsOnly(): ModelRegistry {
  const records: Record<string, ({ id: string; at: string } & Record<string, unknown>)[]> = {};
  const states = new Map<string, AlertState>();
  const perDay = new Map<string, number>();
  const pending = new Map<string, Map<string, { id: string; at: string } & Record<string, unknown>>>();
  return {
    getAlertState: async (fingerprint: string) => states.get(fingerprint),
    putAlertState: async (state: AlertState) => void states.set(state.fingerprint, state),
    countAlertEmail: async (day: string) => {
      const n = (perDay.get(day) ?? 0) + 1;
      perDay.set(day, n);
      return n;
    },
    putRecord: async (kind: RecordKind, r: { id: string; at: string } & Record<string, unknown>) => {
      const others = (records[kind] ?? []).filter((x) => x.id !== r.id || x.at !== r.at);
      records[kind] = [r, ...others];
    },
    listRecords: async (kind: RecordKind, limit?: number) => (records[kind] ?? []).slice(0, limit),
    putPendingAlert: async (queue: string, r: { id: string; at: string } & Record<string, unknown>) => {
      const q = pending.get(queue) ?? new Map();
      q.set(`${r.at}#${r.id}`, r);
      pending.set(queue, q);
    },
    listPendingAlerts: async (queue: string) =>
      [...(pending.get(queue) ?? new Map()).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r),
    deletePendingAlert: async (queue: string, r: { id: string; at: string }) =>
      void pending.get(queue)?.delete(`${r.at}#${r.id}`),
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

/** A high data-drift alert of one symbol's drawdown (PSI significant, KS past its threshold). */
const breach = (symbol: string, at: string) =>
  dataDriftAlert(
    {
      symbol,
      feature: 'drawdown',
      ks: { d: 0.4, pValue: 1e-9 },
      psi: { psi: 0.6 },
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

describe('an alert that cannot be sent', () => {
  test('is retried, then recorded as undelivered and sent with the next alert raised — never dropped', async () => {
    const sent: string[] = [];
    let down = true;
    let tries = 0;
    const flaky = {
      ...ctx,
      registry: recordsOnly(),
      alerts: {
        publish: async (m: { subject: string }) => {
          tries++;
          if (down) throw Object.assign(new Error('SNS is down'), { name: 'InternalErrorException' });
          sent.push(m.subject);
        },
      },
      config: {
        ...config,
        monitoring: {
          ...config.monitoring,
          alerts: { ...config.monitoring.alerts, delivery: { attempts: 3, firstDelayMs: 1 } },
        },
      },
    } as unknown as Context;

    const first = await raiseAlert(flaky, drift('2026-03-01T00:00:00Z', 0.3));

    expect(first).toMatchObject({ emailed: false, recorded: true, delivery: 'failed' });
    expect(first.reason).toContain('3 attempt(s) failed, last: InternalErrorException: SNS is down');
    expect(tries).toBe(3);
    const [stored] = await flaky.registry.listRecords('alert');
    expect(stored).toMatchObject({ notified: false, deliveryFailed: true });

    down = false;
    const other = { ...drift('2026-03-01T01:00:00Z', 0.3), fingerprint: 'other', subject: 'QQQ' };
    const second = await raiseAlert(flaky, other);

    expect(second).toMatchObject({ emailed: true, delivery: 'sent', redelivered: 1 });
    expect(sent).toHaveLength(2);
    const records = await flaky.registry.listRecords('alert');
    expect(records.filter((r) => r.deliveryFailed === true)).toEqual([]);
    expect(records.find((r) => r.fingerprint === stored!.fingerprint)).toMatchObject({ notified: true });
  });
});

describe('raiseAlert at scale', () => {
  test('a breach of one of 1,000 symbols is e-mailed once per cool-down, whatever the others raise', async () => {
    const sent: string[] = [];
    const scaled = {
      ...ctx,
      registry: recordsOnly(),
      // One e-mail per breach here (the digest is tested below).
      config: {
        ...config,
        monitoring: { ...config.monitoring, alerts: { ...config.monitoring.alerts, digestAbove: 1_000_000 } },
      },
      alerts: { publish: async (m: { subject: string }) => void sent.push(m.subject) },
    } as unknown as Context;
    for (let i = 0; i < 1000; i++) await raiseAlert(scaled, breach(`S${i}`, '2026-02-01T00:00:00Z'));
    expect(sent).toHaveLength(1000);
    // An hour later every symbol breaches again: within the cool-down, nothing is e-mailed or recorded
    // again — the first symbol's alert is 1,000 records back, far beyond any "newest records" window.
    for (let i = 0; i < 1000; i++) {
      expect(await raiseAlert(scaled, breach(`S${i}`, '2026-02-01T01:00:00Z'))).toMatchObject({
        emailed: false,
        recorded: false,
      });
    }
    expect(sent).toHaveLength(1000);
    expect(await raiseAlert(scaled, breach('S0', '2026-02-02T01:00:00Z'))).toMatchObject({ emailed: true });
  });
});

describe('the daily digest', () => {
  test('past digestAbove e-mails a day, alerts wait for one digest e-mail; critical ones never wait', async () => {
    const sent: { subject: string; body: string }[] = [];
    const scaled = {
      ...ctx,
      registry: recordsOnly(),
      alerts: { publish: async (m: { subject: string; body: string }) => void sent.push(m) },
    } as unknown as Context;
    const limit = config.monitoring.alerts.digestAbove;
    const outcomes = [];
    for (let i = 0; i < 25; i++)
      outcomes.push(await raiseAlert(scaled, breach(`S${i}`, '2026-02-01T00:00:00Z')));
    expect(sent).toHaveLength(limit);
    expect(outcomes.filter((o) => o.recorded && !o.emailed)).toHaveLength(25 - limit);
    expect(outcomes[limit]!.reason).toMatch(/held for the daily digest of 2026-02-01/);
    const critical = pipelineFailedAlert(
      { stage: 'Gold', error: 'boom', executionId: 'x', input: 'market_data/a.csv' },
      config.monitoring,
      '2026-02-01T05:00:00Z',
    );
    expect(await raiseAlert(scaled, critical)).toMatchObject({ emailed: true });
    // The same breaches an hour later: within the cool-down, the held ones are not raised again.
    for (let i = 0; i < 25; i++) await raiseAlert(scaled, breach(`S${i}`, '2026-02-01T01:00:00Z'));
    expect(sent).toHaveLength(limit + 1);

    expect(await sendAlertDigest(scaled, '2026-02-01')).toEqual({ sent: 25 - limit });
    const digest = sent[sent.length - 1]!;
    expect(digest.subject).toBe(`[FINML HIGH] Daily digest 2026-02-01: ${25 - limit} alert(s)`);
    expect(digest.body.split('\n').filter((l) => l.startsWith('- [HIGH]'))).toHaveLength(25 - limit);
    expect(await sendAlertDigest(scaled, '2026-02-01')).toEqual({ sent: 0 });
    expect(await sendAlertDigest(scaled, '2026-02-02')).toEqual({ sent: 0 });
  });

  test("the budget is per alert kind: a day's storm of drift e-mails does not hold back a rejected file's", async () => {
    const sent: { subject: string }[] = [];
    const scaled = {
      ...ctx,
      registry: recordsOnly(),
      alerts: { publish: async (m: { subject: string }) => void sent.push(m) },
    } as unknown as Context;
    const limit = config.monitoring.alerts.digestAbove;
    for (let i = 0; i < limit + 5; i++) await raiseAlert(scaled, breach(`S${i}`, '2026-02-01T00:00:00Z'));
    expect(sent).toHaveLength(limit);
    const rejected = dataRejectedAlert(
      {
        file: 'market_data/bad.csv',
        line: 3,
        reason: 'bytes that are not valid UTF-8',
        since: '2026-02-01T01:00:00Z',
      },
      config.monitoring,
      '2026-02-01T01:00:00Z',
    );
    expect(rejected.severity).not.toBe('critical');
    expect(await raiseAlert(scaled, rejected)).toMatchObject({ emailed: true });
    expect(sent).toHaveLength(limit + 1);
  });

  test('a day whose daily run did not happen is sent by the next one (alerts.digestLookbackDays)', async () => {
    const sent: { subject: string }[] = [];
    let now = '2026-03-01T12:00:00Z';
    const scaled = {
      ...ctx,
      now: () => new Date(now),
      registry: recordsOnly(),
      alerts: { publish: async (m: { subject: string }) => void sent.push(m) },
    } as unknown as Context;
    const limit = config.monitoring.alerts.digestAbove;
    for (let i = 0; i <= limit + 2; i++) {
      const at = '2026-03-01T00:00:00Z';
      await raiseAlert(scaled, breach(`S${i}`, at));
    }
    expect(sent).toHaveLength(limit); // the other 3 wait for the digest of 03-01
    // The machine was off on 03-02 and 03-03: the run of 03-04 sends 03-01's digest (it sent only yesterday's).
    now = '2026-03-04T09:00:00Z';
    expect(await sendAlertDigests(scaled)).toEqual({ sent: 3, days: ['2026-03-01'] });
    expect(sent.at(-1)!.subject).toBe('[FINML HIGH] Daily digest 2026-03-01: 3 alert(s)');
    expect(await sendAlertDigests(scaled)).toEqual({ sent: 0, days: [] }); // nothing twice
    // Past the look-back it is not read again (bounded work per run).
    expect(config.monitoring.alerts.digestLookbackDays).toBe(7);
  });
});

describe('alerts waiting for an e-mail, at any number', () => {
  const scaledConfig = (alerts: Partial<typeof config.monitoring.alerts>) => ({
    ...config,
    monitoring: {
      ...config.monitoring,
      alerts: { ...config.monitoring.alerts, delivery: { attempts: 1, firstDelayMs: 1 }, ...alerts },
    },
  });

  test('every undelivered alert is sent again, even when more than 100 alert records came after it', async () => {
    let down = true;
    const sent: string[] = [];
    const flaky = {
      ...ctx,
      registry: recordsOnly(),
      config: scaledConfig({ digestAbove: 1_000_000 }),
      alerts: {
        publish: async (m: { fingerprint: string }) => {
          if (down) throw new Error('SNS is down');
          sent.push(m.fingerprint);
        },
      },
    } as unknown as Context;
    // 150 e-mails fail, then 150 dashboard-only (medium) alerts are recorded on top of them.
    for (let i = 0; i < 150; i++) await raiseAlert(flaky, breach(`S${i}`, '2026-04-01T00:00:00Z'));
    const medium = (i: number) => ({
      ...breach(`M${i}`, '2026-04-01T01:00:00Z'),
      severity: 'medium' as const,
    });
    for (let i = 0; i < 150; i++) await raiseAlert(flaky, medium(i));
    down = false;

    const next = await raiseAlert(flaky, breach('NEW', '2026-04-01T02:00:00Z'));

    // Before: only the undelivered among the newest 100 records were looked at — none of these.
    expect(next.redelivered).toBe(150);
    expect(sent).toHaveLength(151);
    const records = await flaky.registry.listRecords('alert');
    expect(records.filter((r) => r.notified !== true && r.severity === 'high')).toEqual([]);
    expect(await flaky.registry.listPendingAlerts('undelivered')).toEqual([]);
  });

  test('the digest lists every held alert of the day, beyond 5,000', async () => {
    const sent: { subject: string; body: string }[] = [];
    const scaled = {
      ...ctx,
      registry: recordsOnly(),
      config: scaledConfig({ digestAbove: 1 }),
      alerts: { publish: async (m: { subject: string; body: string }) => void sent.push(m) },
    } as unknown as Context;
    const held = 5_200;
    for (let i = 0; i < held + 1; i++) await raiseAlert(scaled, breach(`S${i}`, '2026-05-01T00:00:00Z'));
    expect(sent).toHaveLength(1); // the first e-mail; past digestAbove (1) the rest are held

    // Before: the digest read the newest 5,000 alert records.
    expect(await sendAlertDigest(scaled, '2026-05-01')).toEqual({ sent: held });
    expect(sent.at(-1)!.subject).toBe(`[FINML HIGH] Daily digest 2026-05-01: ${held} alert(s)`);
    expect(await scaled.registry.listPendingAlerts('digest#2026-05-01')).toEqual([]);
    expect(await sendAlertDigest(scaled, '2026-05-01')).toEqual({ sent: 0 });
  }, 60_000);
});

describe('a scheduled job that fails is never silent', () => {
  test('the hourly drift check throwing raises one pipelineFailed alert naming the job and the error, and throws on', async () => {
    const sent: string[] = [];
    const registry = recordsOnly();
    const failing = {
      ...ctx,
      registry: Object.assign(registry, {
        getPointer: async () => {
          throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
            name: 'ValidationException',
          });
        },
      }),
      alerts: { publish: async (m: { subject: string }) => void sent.push(m.subject) },
      now: () => new Date('2026-05-02T10:00:00Z'),
    } as unknown as Context;
    const { drift: hourly } = createHandlers(() => failing);
    const lambda = {
      functionName: 'test',
      awsRequestId: 'r',
      getRemainingTimeInMillis: () => 60_000,
    } as never;
    await expect(hourly({}, lambda)).rejects.toThrow(/Item size has exceeded/);
    const [alert] = await registry.listRecords('alert', 5);
    expect(alert).toMatchObject({
      kind: 'pipelineFailed',
      title: 'Pipeline step "scheduled drift check" failed',
      whatHappened: expect.stringContaining(
        'ValidationException: Item size has exceeded the maximum allowed size',
      ),
    });
    expect(sent).toEqual([expect.stringContaining('Pipeline step "scheduled drift check" failed')]);
    // The same failure an hour later is not e-mailed again (one fingerprint per job).
    await expect(hourly({}, lambda)).rejects.toThrow();
    expect(sent).toHaveLength(1);
  });
});
