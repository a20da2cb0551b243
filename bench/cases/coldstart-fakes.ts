/**
 * The DynamoDB stand-in of the coldstart case's first request to /predict: on 127.0.0.1, it answers
 * what the /predict function asks — GetItem of the pointers and of the serving model, PutItem of the
 * prediction log — in DynamoDB's JSON protocol. The serving model item is the one
 * DynamoModelRegistry writes (captured from the real adapter). The model: coldstart-model.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoModelRegistry, REGISTRY_KEYS } from '#shared/aws/dynamo-registry';
import { PARTITION_KEY, SORT_KEY } from '#shared/aws/tables';
import type { ServingModelRecord } from '#shared/model/serving-model';

type AttributeValue = { S: string } | { N: string } | { B: string } | { NULL: true };
type Item = Record<string, AttributeValue>;

/** DynamoDB JSON of a flat item (strings, numbers, bytes, null): all the fake needs. */
function marshall(item: Record<string, unknown>): Item {
  return Object.fromEntries(
    Object.entries(item).map(([k, v]): [string, AttributeValue] => {
      if (typeof v === 'string') return [k, { S: v }];
      if (typeof v === 'number') return [k, { N: String(v) }];
      if (v instanceof Uint8Array) return [k, { B: Buffer.from(v).toString('base64') }];
      if (v === null) return [k, { NULL: true }];
      throw new Error(`the fake DynamoDB cannot marshall ${k}`);
    }),
  );
}

/** The item DynamoModelRegistry.putServingModel writes for `model` (its PutCommand, captured). */
export async function servingModelItem(model: ServingModelRecord): Promise<Record<string, unknown>> {
  let item: Record<string, unknown> | undefined;
  const capture = {
    send: async (command: { input: { Item?: Record<string, unknown> } }) => {
      item = command.input.Item;
      return {};
    },
  };
  await new DynamoModelRegistry(capture as never, 'bench').putServingModel(model);
  if (item === undefined) throw new Error('putServingModel sent no item');
  return item;
}

export interface FakeDynamo {
  endpoint: string;
  /** Requests answered, by operation (e.g. `GetItem`). */
  calls: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A DynamoDB stand-in: GetItem answers the items in `items` (keyed `<pk>/<sk>`), PutItem accepts
 * anything, every other operation is a 400.
 */
export async function startFakeDynamo(items: Record<string, unknown>[]): Promise<FakeDynamo> {
  const byKey = new Map(items.map((i) => [`${i[PARTITION_KEY]}/${i[SORT_KEY]}`, marshall(i)]));
  const calls = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        Key?: Record<string, { S?: string }>;
      };
      let status = 200;
      let answer: unknown = {};
      if (operation === 'GetItem') {
        const item = byKey.get(`${body.Key?.[PARTITION_KEY]?.S}/${body.Key?.[SORT_KEY]?.S}`);
        answer = item ? { Item: item } : {};
      } else if (operation !== 'PutItem') {
        status = 400;
        answer = { __type: 'com.amazon.coral.validate#ValidationException', message: `fake: ${operation}` };
      }
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The production pointer item naming `version`. */
export function pointerItem(version: string): Record<string, unknown> {
  return {
    [PARTITION_KEY]: REGISTRY_KEYS.pointerPartition,
    [SORT_KEY]: 'production',
    version,
    revision: 1,
    previousVersion: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    reason: 'benchmark',
  };
}
