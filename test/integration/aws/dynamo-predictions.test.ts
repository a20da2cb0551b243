import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { DynamoPredictionLog, PredictionNotFoundError } from '#shared/aws/dynamo-predictions';
import { PREDICTION_LOG_TABLE } from '#shared/aws/tables';
import type { PredictionLogEntry } from '#shared/ports';
import { type LocalDynamo, startLocalDynamo } from '../../helpers/local-aws.ts';

/** The test clock: 2024-03-01T00:00:00Z. */
const NOW = new Date('2024-03-01T00:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const DAY = 86_400;

let dynamo: LocalDynamo;
let log: DynamoPredictionLog;
let tableCount = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

beforeEach(async () => {
  const table = `predictions-${++tableCount}`;
  await dynamo.createTable(table, PREDICTION_LOG_TABLE);
  log = new DynamoPredictionLog(dynamo.documentClient, table, { now: () => NOW });
});

function entry(
  overrides: Partial<PredictionLogEntry> & Pick<PredictionLogEntry, 'requestId' | 'at'>,
): PredictionLogEntry {
  return {
    symbol: 'SPX',
    modelVersion: 'v1',
    arm: 'production',
    fromState: 0,
    fromDate: overrides.at.slice(0, 10),
    horizon: 5,
    nextDay: [0.9, 0.1],
    expiresAt: NOW_SECONDS + 30 * DAY,
    ...overrides,
  };
}

describe('DynamoPredictionLog against dynalite', () => {
  test('pendingOutcomes returns entries of the symbol without outcome and before the date, oldest first', async () => {
    const a = entry({ requestId: 'a', at: '2024-02-01T10:00:00Z' });
    const b = entry({
      requestId: 'b',
      at: '2024-02-02T10:00:00Z',
      shadow: { modelVersion: 'v2', nextDay: [0.5, 0.5] },
    });
    const late = entry({ requestId: 'late', at: '2024-02-05T10:00:00Z' });
    const otherSymbol = entry({ requestId: 'n', at: '2024-02-01T11:00:00Z', symbol: 'NDX' });
    const scored = entry({
      requestId: 's',
      at: '2024-02-01T09:00:00Z',
      modelVersion: 'v0',
      outcome: { state: 1, date: '2024-02-02' },
    });
    for (const e of [late, b, otherSymbol, scored, a]) await log.put(e);

    expect(await log.pendingOutcomes('SPX', '2024-02-05')).toEqual([a, b]);
  });

  test('one entry per origin: a repeated (symbol, day, model, horizon) is not written, others are', async () => {
    const first = entry({ requestId: 'first', at: '2024-02-07T10:00:00Z' });
    expect(await log.put(first)).toBe(true);
    expect(await log.put({ ...first, requestId: 'again', at: '2024-02-07T15:00:00Z' })).toBe(false);
    expect(await log.put({ ...first, requestId: 'h21', horizon: 21 })).toBe(true);
    expect(await log.put({ ...first, requestId: 'v9', modelVersion: 'v9' })).toBe(true);
    const pending = (await log.pendingOutcomes('SPX', '2024-02-08')).filter(
      (e) => e.fromDate === '2024-02-07',
    );
    expect(pending.map((e) => e.requestId).sort()).toEqual(['first', 'h21', 'v9']);
  });

  test('setOutcome removes the entry from pendingOutcomes and adds it to withOutcomes', async () => {
    const a = entry({ requestId: 'a', at: '2024-02-01T10:00:00Z' });
    await log.put(a);
    expect(await log.withOutcomes(10)).toEqual([]);

    await log.setOutcome(a, { state: 1, date: '2024-02-02' });

    expect(await log.pendingOutcomes('SPX', '2024-03-01')).toEqual([]);
    expect(await log.withOutcomes(10)).toEqual([{ ...a, outcome: { state: 1, date: '2024-02-02' } }]);
  });

  test('withOutcomes reads the outcome index newest first across symbols, up to the limit', async () => {
    const entries = [
      entry({ requestId: 'r1', at: '2024-02-01T10:00:00Z' }),
      entry({ requestId: 'r2', at: '2024-02-03T10:00:00Z', symbol: 'NDX' }),
      entry({ requestId: 'r3', at: '2024-02-02T10:00:00Z' }),
      entry({ requestId: 'r4', at: '2024-02-04T10:00:00Z', symbol: 'DAX' }),
    ];
    for (const e of entries) {
      await log.put(e);
      await log.setOutcome(e, { state: 0, date: '2024-02-05' });
    }
    expect((await log.withOutcomes(10)).map((e) => e.requestId)).toEqual(['r4', 'r2', 'r3', 'r1']);
    expect((await log.withOutcomes(2)).map((e) => e.requestId)).toEqual(['r4', 'r2']);
  });

  test('withOutcomes filters by model version', async () => {
    await log.put(
      entry({ requestId: 'p', at: '2024-02-01T10:00:00Z', outcome: { state: 0, date: '2024-02-02' } }),
    );
    await log.put(
      entry({
        requestId: 'c',
        at: '2024-02-02T10:00:00Z',
        modelVersion: 'v2',
        arm: 'candidate',
        outcome: { state: 1, date: '2024-02-03' },
      }),
    );
    expect((await log.withOutcomes(10, { modelVersion: 'v2' })).map((e) => e.requestId)).toEqual(['c']);
    expect((await log.withOutcomes(10, {})).map((e) => e.requestId)).toEqual(['c', 'p']);
  });

  test('withOutcomes pages through the index until it has enough entries of the filtered version', async () => {
    const small = new DynamoPredictionLog(dynamo.documentClient, `predictions-${tableCount}`, {
      now: () => NOW,
      minPageSize: 1,
    });
    for (let i = 0; i < 12; i++) {
      await log.put(
        entry({
          requestId: `r${String(i).padStart(2, '0')}`,
          at: `2024-02-${String(i + 1).padStart(2, '0')}T10:00:00Z`,
          modelVersion: i % 3 === 0 ? 'rare' : 'common',
          outcome: { state: 0, date: '2024-02-28' },
        }),
      );
    }
    expect((await small.withOutcomes(3, { modelVersion: 'rare' })).map((e) => e.requestId)).toEqual([
      'r09',
      'r06',
      'r03',
    ]);
  });

  test('expired entries are returned by neither pendingOutcomes nor withOutcomes', async () => {
    const expired = entry({ requestId: 'old', at: '2024-02-01T10:00:00Z', expiresAt: NOW_SECONDS - 1 });
    const expiredScored = entry({
      requestId: 'old-scored',
      at: '2024-02-01T11:00:00Z',
      expiresAt: NOW_SECONDS - DAY,
      outcome: { state: 1, date: '2024-02-02' },
    });
    const lastSecond = entry({ requestId: 'edge', at: '2024-02-01T12:00:00Z', expiresAt: NOW_SECONDS });
    for (const e of [expired, expiredScored, lastSecond]) await log.put(e);

    expect((await log.pendingOutcomes('SPX', '2024-03-01')).map((e) => e.requestId)).toEqual(['edge']);
    expect(await log.withOutcomes(10)).toEqual([]);
  });

  test('setOutcome on an expired or unknown entry fails and creates nothing', async () => {
    const expired = entry({ requestId: 'old', at: '2024-02-01T10:00:00Z', expiresAt: NOW_SECONDS - 1 });
    await log.put(expired);
    await expect(log.setOutcome(expired, { state: 0, date: '2024-02-02' })).rejects.toBeInstanceOf(
      PredictionNotFoundError,
    );
    const unknown = entry({ requestId: 'never-written', at: '2024-02-01T10:00:00Z' });
    await expect(log.setOutcome(unknown, { state: 0, date: '2024-02-02' })).rejects.toBeInstanceOf(
      PredictionNotFoundError,
    );
    const later = new DynamoPredictionLog(dynamo.documentClient, `predictions-${tableCount}`, {
      now: () => new Date(0),
    });
    expect(await later.withOutcomes(10)).toEqual([]);
  });
});
