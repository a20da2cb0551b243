import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, test } from 'vitest';
import { DynamoPredictionLog, PredictionNotFoundError } from '#shared/aws/dynamo-predictions';
import type { PredictionLogEntry } from '#shared/ports';

const dynamoMock = mockClient(DynamoDBDocumentClient);
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const TABLE = 'predictions';
const NOW = new Date('2024-03-01T00:00:00.500Z');
const NOW_SECONDS = 1_709_251_200;

const log = (minPageSize?: number) =>
  new DynamoPredictionLog(documentClient, TABLE, { now: () => NOW, ...(minPageSize ? { minPageSize } : {}) });

const entry: PredictionLogEntry = {
  requestId: 'req-1',
  at: '2024-02-01T10:00:00Z',
  symbol: 'SPX',
  modelVersion: 'v1',
  arm: 'production',
  fromState: 0,
  fromDate: '2024-02-01',
  horizon: 5,
  nextDay: [0.8, 0.2],
  expiresAt: NOW_SECONDS + 100,
};

const item = (e: PredictionLogEntry) => ({
  ...e,
  pk: e.symbol,
  sk: `${e.fromDate}#${e.modelVersion}#${String(e.horizon).padStart(3, '0')}`,
  ...(e.outcome ? { outcomePk: 'OUTCOME' } : {}),
});

beforeEach(() => {
  dynamoMock.reset();
});

describe('put', () => {
  test('an entry is keyed by its origin — symbol, fromDate#model#horizon — written only if new', async () => {
    dynamoMock.on(PutCommand).resolves({});
    expect(await log().put(entry)).toBe(true);
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...entry, pk: 'SPX', sk: '2024-02-01#v1#005' },
      ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
      ExpressionAttributeNames: { '#pk': 'pk', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: { ':now': NOW_SECONDS },
    });
  });

  test('a repeat of a logged origin is not written: put answers false', async () => {
    dynamoMock
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    expect(await log().put(entry)).toBe(false);
  });

  test('an entry with an outcome goes into the outcome index', async () => {
    dynamoMock.on(PutCommand).resolves({});
    await log().put({ ...entry, outcome: { state: 1, date: '2024-02-02' } });
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input.Item?.outcomePk).toBe('OUTCOME');
  });
});

describe('TTL filtering', () => {
  test('pendingOutcomes filters out expired entries using the clock in epoch seconds', async () => {
    dynamoMock.on(QueryCommand).resolves({ Items: [] });
    await log().pendingOutcomes('SPX', '2024-02-10');
    const input = dynamoMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input?.FilterExpression).toBe(
      'attribute_not_exists(#outcome) AND #fromDate < :before AND #expiresAt >= :now',
    );
    expect(input?.ExpressionAttributeNames?.['#expiresAt']).toBe('expiresAt');
    expect(input?.ExpressionAttributeValues).toEqual({
      ':symbol': 'SPX',
      ':before': '2024-02-10',
      ':now': NOW_SECONDS,
    });
  });

  test('withOutcomes filters out expired entries', async () => {
    dynamoMock.on(QueryCommand).resolves({ Items: [] });
    await log().withOutcomes(5);
    const input = dynamoMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input?.FilterExpression).toBe('#expiresAt >= :now');
    expect(input?.ExpressionAttributeValues?.[':now']).toBe(NOW_SECONDS);
  });

  test('setOutcome only updates an entry that exists and has not expired', async () => {
    dynamoMock.on(UpdateCommand).resolves({});
    await log().setOutcome(entry, { state: 1, date: '2024-02-02' });
    expect(dynamoMock.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: 'SPX', sk: '2024-02-01#v1#005' },
      UpdateExpression: 'SET #outcome = :outcome, #outcomePk = :outcomePk',
      ConditionExpression: 'attribute_exists(#pk) AND #expiresAt >= :now',
      ExpressionAttributeValues: {
        ':outcome': { state: 1, date: '2024-02-02' },
        ':outcomePk': 'OUTCOME',
        ':now': NOW_SECONDS,
      },
    });
  });

  test('setOutcome on a missing or expired entry is PredictionNotFoundError', async () => {
    dynamoMock
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    await expect(log().setOutcome(entry, { state: 1, date: '2024-02-02' })).rejects.toBeInstanceOf(
      PredictionNotFoundError,
    );
  });
});

describe('queries and pagination', () => {
  test('pendingOutcomes reads every page of the symbol, oldest first, and strips table attributes', async () => {
    const second = { ...entry, requestId: 'req-2', at: '2024-02-02T10:00:00Z' };
    dynamoMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(entry)], LastEvaluatedKey: { pk: 'SPX', sk: 'x' } })
      .resolves({ Items: [item(second)] });
    expect(await log().pendingOutcomes('SPX', '2024-03-01')).toEqual([entry, second]);
    const inputs = dynamoMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({
      KeyConditionExpression: '#pk = :symbol AND #sk < :before',
      ScanIndexForward: true,
    });
    expect(inputs[0]?.Limit).toBeUndefined();
    expect(inputs[1]?.ExclusiveStartKey).toEqual({ pk: 'SPX', sk: 'x' });
  });

  test('withOutcomes queries the byOutcome index newest first with the model-version filter', async () => {
    dynamoMock.on(QueryCommand).resolves({ Items: [] });
    await log().withOutcomes(5, { modelVersion: 'v2' });
    expect(dynamoMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      IndexName: 'byOutcome',
      KeyConditionExpression: '#outcomePk = :outcomePk',
      FilterExpression: '#expiresAt >= :now AND #modelVersion = :modelVersion',
      ExpressionAttributeNames: {
        '#outcomePk': 'outcomePk',
        '#expiresAt': 'expiresAt',
        '#modelVersion': 'modelVersion',
      },
      ExpressionAttributeValues: { ':outcomePk': 'OUTCOME', ':now': NOW_SECONDS, ':modelVersion': 'v2' },
      ScanIndexForward: false,
      Limit: 100,
    });
  });

  test('withOutcomes keeps paging while filtered pages come back short, and stops at the limit', async () => {
    const scored = (n: number) => item({ ...entry, requestId: `r${n}`, outcome: { state: 0, date: 'd' } });
    dynamoMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [scored(1)], LastEvaluatedKey: { k: 1 } })
      .resolvesOnce({ Items: [], LastEvaluatedKey: { k: 2 } })
      .resolvesOnce({ Items: [scored(2), scored(3)], LastEvaluatedKey: { k: 3 } })
      .resolves({ Items: [scored(4)] });

    const result = await log(1).withOutcomes(2);

    expect(result.map((e) => e.requestId)).toEqual(['r1', 'r2']);
    expect(result[0]).not.toHaveProperty('outcomePk');
    const limits = dynamoMock.commandCalls(QueryCommand).map((c) => c.args[0].input.Limit);
    expect(limits).toEqual([2, 1, 1]);
  });

  test('withOutcomes(0) sends no query and a negative limit is rejected', async () => {
    expect(await log().withOutcomes(0)).toEqual([]);
    expect(dynamoMock.commandCalls(QueryCommand)).toHaveLength(0);
    await expect(log().withOutcomes(-1)).rejects.toThrow(RangeError);
  });
});
