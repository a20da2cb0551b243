/**
 * DynamoDB's Time to Live on dynalite (which has none): the local runtime's sweep deletes the
 * prediction-log items whose `expiresAt` has passed — the log no longer grows without bound on
 * `npm start` — and keeps the others.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { PARTITION_KEY, PREDICTION_TTL_ATTRIBUTE, SORT_KEY } from '#shared/aws/tables';
import type { PredictionLogEntry } from '#shared/ports';
import { sweepExpired } from '../../../infra/local/servers.ts';
import { type LocalDynamo, startLocalDynamo } from '../../helpers/local-aws.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo?.stop();
});

const entry = (symbol: string, expiresAt: number): PredictionLogEntry => ({
  requestId: `r-${symbol}`,
  at: '2026-12-01T00:00:00.000Z',
  symbol,
  modelVersion: 'v1',
  arm: 'production',
  fromState: 0,
  fromDate: '2026-11-30',
  horizon: 1,
  nextDay: [0.8, 0.15, 0.05],
  expiresAt,
});

test('expired prediction-log items are deleted, the others kept', async () => {
  const now = 1_800_000_000;
  const log = new DynamoPredictionLog(dynamo.documentClient, dynamo.tables.predictions, {
    now: () => new Date((now - 10_000) * 1000),
  });
  for (const [symbol, expiresAt] of [
    ['OLD1', now - 1],
    ['OLD2', now - 86_400],
    ['NEW', now + 86_400],
  ] as const)
    expect(await log.put(entry(symbol, expiresAt))).toBe(true);
  const table = {
    logicalId: 'Predictions',
    name: dynamo.tables.predictions,
    create: {
      TableName: dynamo.tables.predictions,
      KeySchema: [
        { AttributeName: PARTITION_KEY, KeyType: 'HASH' as const },
        { AttributeName: SORT_KEY, KeyType: 'RANGE' as const },
      ],
    },
    timeToLiveAttribute: PREDICTION_TTL_ATTRIBUTE,
  };
  expect(await sweepExpired(dynamo.client, table, now)).toBe(2);
  const left = await dynamo.client.send(new ScanCommand({ TableName: dynamo.tables.predictions }));
  expect(left.Items?.map((i) => i[PARTITION_KEY]?.S)).toEqual(['NEW']);
  expect(await sweepExpired(dynamo.client, table, now)).toBe(0);
});
