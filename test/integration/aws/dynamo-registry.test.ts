import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { DynamoModelRegistry, ModelVersionNotFoundError } from '#shared/aws/dynamo-registry';
import { REGISTRY_TABLE } from '#shared/aws/tables';
import { servingModelOf } from '#shared/model/serving-model';
import {
  type LiveState,
  type ModelVersionRecord,
  PointerConflictError,
  type RegistryEvent,
} from '#shared/ports';
import { type LocalDynamo, startLocalDynamo } from '../../helpers/local-aws.ts';
import { artifactLike } from '../../helpers/serving-model.ts';

let dynamo: LocalDynamo;
let registry: DynamoModelRegistry;
let registryTable: string;
let tableCount = 0;

/**
 * A document client whose GetItem answers are held back until two GetItems have been answered
 * (then the barrier resets), so two racing movePointer calls both read the same revision.
 */
function readBarrierClient(): DynamoDBDocumentClient {
  let waiting: (() => void)[] = [];
  const real = dynamo.documentClient;
  const send = async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
    const output = await real.send(command);
    if (command instanceof GetCommand) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === 2) {
          for (const release of waiting) release();
          waiting = [];
        }
      });
    }
    return output;
  };
  return { send } as unknown as DynamoDBDocumentClient;
}

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

/** A fresh table per test keeps the tests independent. */
beforeEach(async () => {
  registryTable = `registry-${++tableCount}`;
  await dynamo.createTable(registryTable, REGISTRY_TABLE);
  registry = new DynamoModelRegistry(dynamo.documentClient, registryTable, {
    now: () => new Date('2024-03-01T12:00:00.000Z'),
  });
});

function versionRecord(version: string): ModelVersionRecord {
  return {
    version,
    createdAt: `${version.slice(0, 20)}`,
    stage: 'candidate',
    artifactKey: `models/${version}/model.json`,
    metrics: { accuracy: 0.61, logLoss: null },
    parameters: { alpha: 0.05, states: ['calm', 'stressed'] },
    lineage: {
      symbols: ['SPX'],
      rows: 5104,
      firstDate: '2000-01-03',
      lastDate: '2020-04-17',
      configHash: 'abc',
      codeVersion: '0.1.0',
    },
  };
}

describe('DynamoModelRegistry against dynalite', () => {
  test('a version record round-trips unchanged', async () => {
    const record = versionRecord('2024-01-01T00:00:00Z-aaa');
    await registry.putVersion(record);
    expect(await registry.getVersion(record.version)).toEqual(record);
    expect(await registry.getVersion('2099-unknown')).toBeUndefined();
  });

  test('listVersions returns the newest first and honours the limit', async () => {
    for (const v of ['2024-02-01T00:00:00Z-b', '2024-01-01T00:00:00Z-a', '2024-03-01T00:00:00Z-c']) {
      await registry.putVersion(versionRecord(v));
    }
    const all = await registry.listVersions();
    expect(all.map((r) => r.version)).toEqual([
      '2024-03-01T00:00:00Z-c',
      '2024-02-01T00:00:00Z-b',
      '2024-01-01T00:00:00Z-a',
    ]);
    expect((await registry.listVersions(2)).map((r) => r.version)).toEqual([
      '2024-03-01T00:00:00Z-c',
      '2024-02-01T00:00:00Z-b',
    ]);
  });

  test('setStage changes the stage of a registered version and rejects an unknown one', async () => {
    await registry.putVersion(versionRecord('2024-01-01T00:00:00Z-a'));
    await registry.setStage('2024-01-01T00:00:00Z-a', 'rejected');
    expect((await registry.getVersion('2024-01-01T00:00:00Z-a'))?.stage).toBe('rejected');
    await expect(registry.setStage('nope', 'archived')).rejects.toBeInstanceOf(ModelVersionNotFoundError);
    expect(await registry.getVersion('nope')).toBeUndefined();
  });

  test('movePointer creates, then advances the pointer with revision and previousVersion', async () => {
    const first = await registry.movePointer('production', { version: 'v1', reason: 'first' }, undefined);
    expect(first).toEqual({
      version: 'v1',
      revision: 1,
      previousVersion: null,
      updatedAt: '2024-03-01T12:00:00.000Z',
      reason: 'first',
    });
    const second = await registry.movePointer('production', { version: 'v2', reason: 'better' }, 1);
    expect(second).toMatchObject({ version: 'v2', revision: 2, previousVersion: 'v1' });
    expect(await registry.getPointer('production')).toEqual(second);
  });

  test('the candidate pointer keeps its traffic share', async () => {
    await registry.movePointer('candidate', { version: 'v3', reason: 'a/b', trafficShare: 0.1 }, undefined);
    expect(await registry.getPointer('candidate')).toMatchObject({ version: 'v3', trafficShare: 0.1 });
  });

  test('movePointer with a stale revision fails with PointerConflictError and changes nothing', async () => {
    await registry.movePointer('production', { version: 'v1', reason: 'first' }, undefined);
    await registry.movePointer('production', { version: 'v2', reason: 'second' }, 1);
    await expect(
      registry.movePointer('production', { version: 'v3', reason: 'late' }, 1),
    ).rejects.toBeInstanceOf(PointerConflictError);
    await expect(
      registry.movePointer('production', { version: 'v3', reason: 'create again' }, undefined),
    ).rejects.toBeInstanceOf(PointerConflictError);
    expect(await registry.getPointer('production')).toMatchObject({ version: 'v2', revision: 2 });
  });

  test('of two concurrent movePointer calls with the same expected revision exactly one wins (20 races)', async () => {
    // Both callers read the pointer before either writes (a barrier after each GetItem), so both pass the
    // read check and the conditional PutItem on dynalite alone decides the race.
    const sharedBarrier = readBarrierClient();
    const racers = [0, 1].map(() => new DynamoModelRegistry(sharedBarrier, registryTable));
    let expected: number | undefined;
    for (let race = 0; race < 20; race++) {
      const results = await Promise.allSettled(
        racers.map((r, i) =>
          r.movePointer('production', { version: `v${race}-${i}`, reason: 'race' }, expected),
        ),
      );
      const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      expect(losers[0]).toBeInstanceOf(PointerConflictError);
      expect((losers[0] as Error).cause).toBeInstanceOf(ConditionalCheckFailedException);
      const pointer = await registry.getPointer('production');
      expect(pointer).toEqual(winners[0]);
      expect(pointer?.revision).toBe((expected ?? 0) + 1);
      expected = pointer?.revision;
    }
  });

  test('clearPointer removes the pointer only at the expected revision', async () => {
    await registry.movePointer('candidate', { version: 'v1', reason: 'try' }, undefined);
    await registry.movePointer('candidate', { version: 'v2', reason: 'try again' }, 1);
    await expect(registry.clearPointer('candidate', 1)).rejects.toBeInstanceOf(PointerConflictError);
    expect(await registry.getPointer('candidate')).toBeDefined();
    await registry.clearPointer('candidate', 2);
    expect(await registry.getPointer('candidate')).toBeUndefined();
    await expect(registry.clearPointer('candidate', 2)).rejects.toBeInstanceOf(PointerConflictError);
  });

  test('events are listed newest first, also when two share the same instant', async () => {
    const event = (at: string, kind: RegistryEvent['kind'], version: string | null): RegistryEvent => ({
      at,
      kind,
      version,
      previousVersion: null,
      reason: kind,
    });
    await registry.appendEvent(event('2024-01-01T00:00:00Z', 'registered', 'v1'));
    await registry.appendEvent({ ...event('2024-01-02T00:00:00Z', 'promoted', 'v1'), details: { by: 'ci' } });
    await registry.appendEvent(event('2024-01-02T00:00:00Z', 'retraining', null));
    const events = await registry.listEvents();
    expect(events).toHaveLength(3);
    expect(events.map((e) => e.at)).toEqual([
      '2024-01-02T00:00:00Z',
      '2024-01-02T00:00:00Z',
      '2024-01-01T00:00:00Z',
    ]);
    expect(events).toContainEqual({
      ...event('2024-01-02T00:00:00Z', 'promoted', 'v1'),
      details: { by: 'ci' },
    });
    expect(await registry.listEvents(1)).toHaveLength(1);
  });

  test('a claim succeeds once per id', async () => {
    expect(await registry.claim('bronze/SPX/2024-01-02.csv#etag1', { file: 'SPX' })).toBe(true);
    expect(await registry.claim('bronze/SPX/2024-01-02.csv#etag1', { file: 'SPX' })).toBe(false);
    expect(await registry.claim('bronze/SPX/2024-01-02.csv#etag2', { file: 'SPX' })).toBe(true);
  });

  test('of 10 concurrent claims of one id exactly one succeeds', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => registry.claim('job-1', {})));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  test('records are kept per kind and listed newest first', async () => {
    await registry.putRecord('drift', { id: 'd1', at: '2024-01-01T00:00:00Z', psi: 0.1 });
    await registry.putRecord('drift', { id: 'd2', at: '2024-01-03T00:00:00Z', psi: 0.3 });
    await registry.putRecord('quality', { id: 'q1', at: '2024-01-02T00:00:00Z', ok: true });
    expect(await registry.listRecords('drift')).toEqual([
      { id: 'd2', at: '2024-01-03T00:00:00Z', psi: 0.3 },
      { id: 'd1', at: '2024-01-01T00:00:00Z', psi: 0.1 },
    ]);
    expect(await registry.listRecords('drift', 1)).toEqual([
      { id: 'd2', at: '2024-01-03T00:00:00Z', psi: 0.3 },
    ]);
    expect(await registry.listRecords('run')).toEqual([]);
  });

  test('a serving model round-trips through its binary item, and stays out of the version list', async () => {
    const model = servingModelOf(artifactLike('2024-01-01T00:00:00Z-a'));
    await registry.putVersion(versionRecord(model.version));
    await registry.putServingModel(model);
    expect(await registry.getServingModel(model.version)).toEqual(model);
    expect(await registry.getServingModel('2099-unknown')).toBeUndefined();
    expect((await registry.listVersions()).map((r) => r.version)).toEqual([model.version]);
  });
});

describe('live state against dynalite', () => {
  const live = (symbol: string, date: string, state = 1): LiveState => ({
    symbol,
    date,
    state,
    regime: ['Low', 'Medium', 'High'][state]!,
    regimeAge: 4,
    riskScore: 0.5123,
    features: { log_return: -1e-140, realized_vol_21d: 0.21, drawdown: 0 },
    runId: 'run-1',
    at: '2024-03-01T12:00:00.000Z',
  });

  test('round-trips (tiny numbers included), one item per symbol, listed in symbol order', async () => {
    await registry.putLive(live('SPX', '2020-04-17'));
    await registry.putLive(live('AAA', '2020-04-16', 2));
    expect(await registry.getLive('SPX')).toEqual(live('SPX', '2020-04-17'));
    expect(await registry.getLive('NONE')).toBeUndefined();
    expect((await registry.listLive()).map((l) => l.symbol)).toEqual(['AAA', 'SPX']);
  });

  test('a later date replaces it, an earlier one never moves it back', async () => {
    await registry.putLive(live('SPX', '2020-04-17', 1));
    await registry.putLive(live('SPX', '2020-06-30', 2));
    await registry.putLive(live('SPX', '2020-05-01', 0));
    expect(await registry.getLive('SPX')).toMatchObject({ date: '2020-06-30', state: 2 });
  });

  describe('with liveStateCacheSeconds', () => {
    /** A registry caching live states for 5 s on a clock the test moves, and a count of its GetItems. */
    function cachingRegistry(refreshAheadSeconds = 0) {
      const clock = { ms: 0 };
      const reads = { count: 0 };
      const real = dynamo.documentClient;
      const client = {
        send: (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
          if (command instanceof GetCommand) reads.count++;
          return real.send(command);
        },
      } as unknown as DynamoDBDocumentClient;
      const cached = new DynamoModelRegistry(client, registryTable, {
        liveStateCacheSeconds: 5,
        liveStateRefreshAheadSeconds: refreshAheadSeconds,
        cacheClock: () => clock.ms,
      });
      return { cached, clock, reads };
    }

    test('reads a symbol once within the time, concurrent callers included, and again after it', async () => {
      await registry.putLive(live('SPX', '2020-04-17'));
      const { cached, clock, reads } = cachingRegistry();

      const first = await Promise.all([cached.getLive('SPX'), cached.getLive('SPX')]);
      clock.ms = 4_999;
      expect(await cached.getLive('SPX')).toEqual(live('SPX', '2020-04-17'));
      expect(first).toEqual([live('SPX', '2020-04-17'), live('SPX', '2020-04-17')]);
      expect(reads.count).toBe(1);
      await registry.putLive(live('SPX', '2020-04-20')); // another process's publish
      clock.ms = 5_000;
      expect(await cached.getLive('SPX')).toMatchObject({ date: '2020-04-20' });
      expect(reads.count).toBe(2);
    });

    test('its own putLive is seen at once, an unknown symbol included', async () => {
      await registry.putLive(live('SPX', '2020-04-17'));
      const { cached } = cachingRegistry();
      expect(await cached.getLive('SPX')).toMatchObject({ date: '2020-04-17' });
      expect(await cached.getLive('NEW')).toBeUndefined();

      await cached.putLive(live('SPX', '2020-04-20'));
      await cached.putLive(live('NEW', '2020-04-20'));

      expect(await cached.getLive('SPX')).toMatchObject({ date: '2020-04-20' });
      expect(await cached.getLive('NEW')).toMatchObject({ date: '2020-04-20' });
    });

    test('within liveStateRefreshAheadSeconds of expiry, one background re-read; callers get the kept state', async () => {
      await registry.putLive(live('SPX', '2020-04-17'));
      const { cached, clock, reads } = cachingRegistry(1);
      await cached.getLive('SPX');
      clock.ms = 3_999;
      await cached.getLive('SPX');
      expect(reads.count).toBe(1);

      await registry.putLive(live('SPX', '2020-04-20')); // another process's publish
      clock.ms = 4_000;
      const during = await Promise.all([cached.getLive('SPX'), cached.getLive('SPX')]);
      expect(during.map((l) => l?.date)).toEqual(['2020-04-17', '2020-04-17']);
      expect(reads.count).toBe(2);
      await expect.poll(() => cached.getLive('SPX').then((l) => l?.date)).toBe('2020-04-20');
      // The re-read's age counts from when it began (4 s): kept until 9 s, re-read ahead from 8 s.
      clock.ms = 7_999;
      await cached.getLive('SPX');
      expect(reads.count).toBe(2);
    });

    test('a background re-read under way when its own putLive lands is not kept', async () => {
      await registry.putLive(live('SPX', '2020-04-17'));
      const { cached, clock } = cachingRegistry(1);
      await cached.getLive('SPX');
      clock.ms = 4_500;
      await cached.getLive('SPX'); // starts the re-read (of the 17th)
      await cached.putLive(live('SPX', '2020-04-20'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await cached.getLive('SPX')).toMatchObject({ date: '2020-04-20' });
    });

    test('a read under way when its own putLive lands is not kept', async () => {
      await registry.putLive(live('SPX', '2020-04-17'));
      const { cached } = cachingRegistry();

      const during = cached.getLive('SPX');
      await cached.putLive(live('SPX', '2020-04-20'));
      await during;

      expect(await cached.getLive('SPX')).toMatchObject({ date: '2020-04-20' });
    });
  });
});

describe('alert state', () => {
  test('one item per fingerprint, overwritten by the next put, apart from the records', async () => {
    expect(await registry.getAlertState('fp-1')).toBeUndefined();
    const first = {
      fingerprint: 'fp-1',
      recordedAt: '2026-02-01T00:00:00Z',
      recordedSeverity: 'high' as const,
      emailedAt: '2026-02-01T00:00:00Z',
      emailedSeverity: 'high' as const,
    };
    await registry.putAlertState(first);
    expect(await registry.getAlertState('fp-1')).toEqual(first);
    const later = { ...first, recordedAt: '2026-02-02T00:00:00Z', recordedSeverity: 'medium' as const };
    await registry.putAlertState(later);
    expect(await registry.getAlertState('fp-1')).toEqual(later);
    expect(await registry.getAlertState('fp-2')).toBeUndefined();
  });

  test('the alert e-mails of a day are counted atomically, per day', async () => {
    const counts = await Promise.all(
      Array.from({ length: 12 }, () => registry.countAlertEmail('2026-02-01')),
    );
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await registry.countAlertEmail('2026-02-02')).toBe(1);
  });

  test('a pending-alert queue is read whole, oldest first, and an alert leaves it when deleted', async () => {
    // Large items (a 4 KB body each) so that the queue spans several 1 MB query pages.
    const body = 'x'.repeat(4000);
    const n = 400;
    for (let i = 0; i < n; i++) {
      const at = `2026-03-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`;
      await registry.putPendingAlert('digest#2026-03-01', { id: `a${i}`, at, body, severity: 'high' });
    }
    await registry.putPendingAlert('undelivered', { id: 'u', at: '2026-03-01T00:00:00.000Z', body });
    const queue = await registry.listPendingAlerts('digest#2026-03-01');
    expect(queue).toHaveLength(n);
    expect(queue[0]).toMatchObject({ id: 'a0', severity: 'high' });
    expect(queue.at(-1)).toMatchObject({ id: `a${n - 1}` });
    await registry.deletePendingAlert('digest#2026-03-01', queue[0]!);
    expect(await registry.listPendingAlerts('digest#2026-03-01')).toHaveLength(n - 1);
    expect(await registry.listPendingAlerts('undelivered')).toEqual([expect.objectContaining({ id: 'u' })]);
    expect(await registry.listPendingAlerts('digest#2026-03-02')).toEqual([]);
  });
});
