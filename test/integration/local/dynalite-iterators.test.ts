/**
 * The local DynamoDB (dynalite on LevelDB, as the runtime starts it) closes the iterator of every
 * Query and Scan — with and without a Limit, forwards and backwards, on the table and on an index.
 * dynalite 4.0 left every one open (the soak's RSS grew ~8.5 MiB a replayed day); this counts the
 * iterators abstract-level holds open after the requests have answered.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { dynaliteLevelModules } from '../../../infra/local/dynalite-iterators.ts';
import { type RunningServer, startDynamo } from '../../../infra/local/servers.ts';

let dir: string;
let server: RunningServer;
let client: DynamoDBClient;
let open = 0;

beforeAll(async () => {
  for (const Db of dynaliteLevelModules().databases) {
    const attach = Db.prototype.attachResource;
    const detach = Db.prototype.detachResource;
    vi.spyOn(Db.prototype, 'attachResource').mockImplementation(function (this: unknown, r: unknown) {
      open++;
      attach.call(this, r);
    });
    vi.spyOn(Db.prototype, 'detachResource').mockImplementation(function (this: unknown, r: unknown) {
      open--;
      detach.call(this, r);
    });
  }
  dir = await mkdtemp(join(tmpdir(), 'finml-dynalite-'));
  server = await startDynamo(dir, 0, '127.0.0.1');
  client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: 'items',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'g', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byG',
          KeySchema: [
            { AttributeName: 'g', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  for (let i = 0; i < 40; i++) {
    await client.send(
      new PutItemCommand({
        TableName: 'items',
        Item: { pk: { S: `p${i % 2}` }, sk: { S: String(i).padStart(3, '0') }, g: { S: 'x' } },
      }),
    );
  }
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
  vi.restoreAllMocks();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Lets closes that were started when the answer went out finish. */
const settle = async () => {
  for (let i = 0; i < 20 && open > 0; i++) await new Promise((r) => setTimeout(r, 10));
};

test('no Query or Scan leaves a LevelDB iterator open', async () => {
  await settle();
  const before = open;
  const query = (extra: Partial<ConstructorParameters<typeof QueryCommand>[0]> = {}) =>
    client.send(
      new QueryCommand({
        TableName: 'items',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'p0' } },
        ...extra,
      }),
    );
  for (let round = 0; round < 5; round++) {
    expect((await query()).Items).toHaveLength(20);
    expect((await query({ Limit: 1 })).Items).toHaveLength(1);
    expect((await query({ Limit: 1, ScanIndexForward: false })).Items?.[0]?.sk?.S).toBe('038');
    expect(
      (
        await client.send(
          new QueryCommand({
            TableName: 'items',
            IndexName: 'byG',
            KeyConditionExpression: 'g = :g',
            ExpressionAttributeValues: { ':g': { S: 'x' } },
            Limit: 3,
          }),
        )
      ).Items,
    ).toHaveLength(3);
    expect((await client.send(new ScanCommand({ TableName: 'items' }))).Items).toHaveLength(40);
    expect((await client.send(new ScanCommand({ TableName: 'items', Limit: 2 }))).Items).toHaveLength(2);
    await client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'p1' }, sk: { S: '001' } } }));
  }
  await settle();
  expect(open - before).toBe(0);
});
