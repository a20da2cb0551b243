import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, test } from 'vitest';
import {
  DynamoModelRegistry,
  MAX_SERVING_MODEL_BYTES,
  ModelVersionNotFoundError,
  ServingModelTooLargeError,
} from '#shared/aws/dynamo-registry';
import { ServingModelError, servingModelOf } from '#shared/model/serving-model';
import { PointerConflictError } from '#shared/ports';
import { artifactLike } from '../../helpers/serving-model.ts';

const dynamoMock = mockClient(DynamoDBDocumentClient);
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const TABLE = 'registry';
const NOW = new Date('2024-03-01T12:00:00.000Z');

const registry = () =>
  new DynamoModelRegistry(documentClient, TABLE, { now: () => NOW, randomSuffix: () => '0badcafe' });

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

const pointerItem = (revision: number, version = `v${revision}`) => ({
  pk: 'POINTER',
  sk: 'production',
  version,
  revision,
  previousVersion: null,
  updatedAt: '2024-01-01T00:00:00.000Z',
  reason: 'r',
});

beforeEach(() => {
  dynamoMock.reset();
});

describe('movePointer', () => {
  test('creating a pointer puts it on condition that it does not exist yet', async () => {
    dynamoMock.on(GetCommand).resolves({});
    dynamoMock.on(PutCommand).resolves({});

    const pointer = await registry().movePointer('production', { version: 'v1', reason: 'first' }, undefined);

    expect(pointer).toEqual({
      version: 'v1',
      revision: 1,
      previousVersion: null,
      updatedAt: NOW.toISOString(),
      reason: 'first',
    });
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...pointer, pk: 'POINTER', sk: 'production' },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
  });

  test('moving a pointer puts it on condition that the revision is still the expected one', async () => {
    dynamoMock.on(GetCommand).resolves({ Item: pointerItem(4, 'old') });
    dynamoMock.on(PutCommand).resolves({});

    const pointer = await registry().movePointer(
      'production',
      { version: 'new', reason: 'better', trafficShare: 0.2 },
      4,
    );

    expect(pointer).toMatchObject({ version: 'new', revision: 5, previousVersion: 'old', trafficShare: 0.2 });
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: '#revision = :expected',
      ExpressionAttributeNames: { '#revision': 'revision' },
      ExpressionAttributeValues: { ':expected': 4 },
    });
  });

  test('a failed conditional write becomes PointerConflictError with the SDK error as cause', async () => {
    dynamoMock.on(GetCommand).resolves({ Item: pointerItem(4) });
    const failure = conditionFailed();
    dynamoMock.on(PutCommand).rejects(failure);

    const error = await registry()
      .movePointer('production', { version: 'v5', reason: 'r' }, 4)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PointerConflictError);
    expect((error as Error).cause).toBe(failure);
    expect((error as Error).message).toContain('"production"');
  });

  test('a stale expected revision is a conflict without any write', async () => {
    dynamoMock.on(GetCommand).resolves({ Item: pointerItem(5) });

    await expect(registry().movePointer('production', { version: 'v9', reason: 'r' }, 4)).rejects.toThrow(
      /revision 5, expected revision 4/,
    );
    expect(dynamoMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  test('expecting no pointer when one exists is a conflict', async () => {
    dynamoMock.on(GetCommand).resolves({ Item: pointerItem(1) });
    await expect(
      registry().movePointer('production', { version: 'v2', reason: 'r' }, undefined),
    ).rejects.toBeInstanceOf(PointerConflictError);
  });

  test('errors other than a failed condition are not conflicts', async () => {
    dynamoMock.on(GetCommand).resolves({});
    dynamoMock
      .on(PutCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(
      registry().movePointer('production', { version: 'v1', reason: 'r' }, undefined),
    ).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
  });
});

describe('getPointer and clearPointer', () => {
  test('getPointer reads consistently and drops the key attributes', async () => {
    dynamoMock.on(GetCommand).resolves({ Item: { ...pointerItem(2), trafficShare: 0.1 } });
    expect(await registry().getPointer('production')).toEqual({
      version: 'v2',
      revision: 2,
      previousVersion: null,
      updatedAt: '2024-01-01T00:00:00.000Z',
      reason: 'r',
      trafficShare: 0.1,
    });
    expect(dynamoMock.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ ConsistentRead: true });
  });

  test('clearPointer deletes on condition of the revision; a failed condition is a conflict', async () => {
    dynamoMock.on(DeleteCommand).rejects(conditionFailed());
    await expect(registry().clearPointer('candidate', 3)).rejects.toBeInstanceOf(PointerConflictError);
    expect(dynamoMock.commandCalls(DeleteCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'POINTER', sk: 'candidate' },
      ConditionExpression: '#revision = :expected',
      ExpressionAttributeNames: { '#revision': 'revision' },
      ExpressionAttributeValues: { ':expected': 3 },
    });
  });
});

describe('claim', () => {
  test('the first claim of an id is true, the second false', async () => {
    dynamoMock.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());
    const r = registry();
    expect(await r.claim('file-1', { size: 10 })).toBe(true);
    expect(await r.claim('file-1', { size: 10 })).toBe(false);
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'CLAIM#file-1',
        sk: 'CLAIM',
        id: 'file-1',
        status: 'claimed',
        claimedAt: NOW.toISOString(),
        details: { size: 10 },
      },
      // A claim whose run failed may be taken again (failClaim).
      ConditionExpression: 'attribute_not_exists(#pk) OR #status = :failed',
      ExpressionAttributeNames: { '#pk': 'pk', '#status': 'status' },
      ExpressionAttributeValues: { ':failed': 'failed' },
    });
  });

  test('a throttled claim is an error, not a "claimed before"', async () => {
    dynamoMock
      .on(PutCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(registry().claim('file-1', {})).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});

describe('versions', () => {
  test('setStage of an unregistered version is ModelVersionNotFoundError', async () => {
    dynamoMock.on(UpdateCommand).rejects(conditionFailed());
    await expect(registry().setStage('v0', 'archived')).rejects.toBeInstanceOf(ModelVersionNotFoundError);
  });

  test('listVersions pages newest first until the limit and strips keys', async () => {
    dynamoMock
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ pk: 'MODEL', sk: 'VERSION#c', version: 'c' }],
        LastEvaluatedKey: { pk: 'MODEL', sk: 'VERSION#c' },
      })
      .resolvesOnce({
        Items: [{ pk: 'MODEL', sk: 'VERSION#b', version: 'b' }],
        LastEvaluatedKey: { pk: 'MODEL', sk: 'VERSION#b' },
      })
      .resolves({ Items: [{ pk: 'MODEL', sk: 'VERSION#a', version: 'a' }] });

    expect(await registry().listVersions(2)).toEqual([{ version: 'c' }, { version: 'b' }]);

    const inputs = dynamoMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(2);
    expect(inputs[0]).toMatchObject({ ScanIndexForward: false, Limit: 2 });
    expect(inputs[1]).toMatchObject({ Limit: 1, ExclusiveStartKey: { pk: 'MODEL', sk: 'VERSION#c' } });
  });

  test('listVersions without a limit reads every page', async () => {
    dynamoMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ version: 'b' }], LastEvaluatedKey: { pk: 'MODEL', sk: 'VERSION#b' } })
      .resolves({ Items: [{ version: 'a' }] });
    expect(await registry().listVersions()).toEqual([{ version: 'b' }, { version: 'a' }]);
    expect(dynamoMock.commandCalls(QueryCommand)[0]?.args[0].input.Limit).toBeUndefined();
  });

  test('a limit of 0 sends no query', async () => {
    expect(await registry().listVersions(0)).toEqual([]);
    expect(dynamoMock.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('events and records', () => {
  test('an event is stored under its time and a random suffix', async () => {
    dynamoMock.on(PutCommand).resolves({});
    const event = {
      at: '2024-01-01T00:00:00Z',
      kind: 'registered' as const,
      version: 'v1',
      previousVersion: null,
      reason: 'r',
    };
    await registry().appendEvent(event);
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input.Item).toEqual({
      ...event,
      pk: 'EVENT',
      sk: '2024-01-01T00:00:00Z#0badcafe',
    });
  });

  test('the default event suffix is 8 hex digits', async () => {
    dynamoMock.on(PutCommand).resolves({});
    await new DynamoModelRegistry(documentClient, TABLE).appendEvent({
      at: 'T',
      kind: 'retraining',
      version: null,
      previousVersion: null,
      reason: 'r',
    });
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input.Item?.sk).toMatch(/^T#[0-9a-f]{8}$/);
  });

  test('a record is stored under its kind, time and id', async () => {
    dynamoMock.on(PutCommand).resolves({});
    await registry().putRecord('drift', { id: 'd1', at: '2024-01-01T00:00:00Z', psi: 0.2 });
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input.Item).toEqual({
      id: 'd1',
      at: '2024-01-01T00:00:00Z',
      psi: 0.2,
      pk: 'RECORD#drift',
      sk: '2024-01-01T00:00:00Z#d1',
    });
  });
});

describe('serving models', () => {
  const model = servingModelOf(artifactLike('v7'));

  test('are written gzip-compressed at SERVING / <version>', async () => {
    dynamoMock.on(PutCommand).resolves({});
    await registry().putServingModel(model);
    const item = dynamoMock.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(item).toMatchObject({ pk: 'SERVING', sk: 'v7', schemaVersion: 1, encoding: 'json+gzip' });
    const json = gunzipSync(item?.model as Uint8Array).toString('utf8');
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(model)));
    expect(item?.jsonBytes).toBe(Buffer.byteLength(json));
  });

  test('are read back as written, with a consistent read', async () => {
    dynamoMock.on(PutCommand).resolves({});
    await registry().putServingModel(model);
    const item = dynamoMock.commandCalls(PutCommand)[0]?.args[0].input.Item;
    dynamoMock.on(GetCommand).resolves({ Item: item });
    expect(await registry().getServingModel('v7')).toEqual(model);
    expect(dynamoMock.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'SERVING', sk: 'v7' },
      ConsistentRead: true,
    });
  });

  test('are undefined for a version without one', async () => {
    dynamoMock.on(GetCommand).resolves({});
    expect(await registry().getServingModel('v1')).toBeUndefined();
  });

  test('a damaged one fails naming its item', async () => {
    dynamoMock.on(GetCommand).resolves({
      Item: { pk: 'SERVING', sk: 'v7', model: new Uint8Array(gzipSync('{"kind":"other"}')) },
    });
    await expect(registry().getServingModel('v7')).rejects.toThrowError(ServingModelError);
    await expect(registry().getServingModel('v7')).rejects.toThrowError(/^SERVING\/v7: kind/);
  });

  test('one that would not fit in an item is refused before anything is written', async () => {
    dynamoMock.on(PutCommand).resolves({});
    const latest: typeof model.latest = {};
    // Random names hardly compress: ~15 bytes per symbol, ~600 KB in all.
    const name = () => Math.random().toString(36).slice(2, 13);
    for (let i = 0; i < 40_000; i++) {
      latest[`${name()}${name()}`] = { date: '2020-04-17', state: 0, regime: 'Low' };
    }
    await expect(registry().putServingModel({ ...model, latest })).rejects.toThrowError(
      ServingModelTooLargeError,
    );
    expect(dynamoMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  test('of 200 symbols at the configured horizons take a few percent of an item', async () => {
    dynamoMock.on(PutCommand).resolves({});
    const symbols = Array.from({ length: 200 }, (_, i) => `SYM${String(i).padStart(4, '0')}`);
    await registry().putServingModel(servingModelOf(artifactLike('v8', symbols)));
    const body = dynamoMock.commandCalls(PutCommand)[0]?.args[0].input.Item?.model as Uint8Array;
    expect(body.byteLength).toBeLessThan(MAX_SERVING_MODEL_BYTES / 10);
  });
});
