/**
 * The local S3 (s3rver) and DynamoDB (dynalite) servers, persisting under the state folder, and the
 * provisioning of the template's buckets and tables on them.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LocalBucket, LocalTable } from './deployment.ts';
import { makeDynaliteCloseIterators } from './dynalite-iterators.ts';
import type { S3rverRecord } from './events.ts';
import { makeS3rverReadAfterWrite, repairS3rverStore } from './s3rver-consistency.ts';
import { makeS3rverCopySourceDecoded } from './s3rver-copy-source.ts';
import { makeS3rverDeleteObjectsSafe } from './s3rver-delete-objects.ts';
import { makeS3rverListPages } from './s3rver-list-pages.ts';

const require = createRequire(import.meta.url);

/** s3rver checks request signatures against this fixed account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: { Records: S3rverRecord[] }) => void): void;
  removeAllListeners(event: string): void;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
}) => S3rverInstance;

type DynaliteFactory = (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export interface RunningServer {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface LocalS3Server extends RunningServer {
  /** Subscribes to object events (s3rver's S3-notification records). */
  onRecord(listener: (record: S3rverRecord) => void): void;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server, dropping keep-alive connections that would hold close() open. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) =>
      error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(error) : resolve(),
    );
    server.closeAllConnections();
  });
}

const url = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/** s3rver storing objects under `directory` (kept across restarts). */
export async function startS3(directory: string, port: number, host: string): Promise<LocalS3Server> {
  await mkdir(directory, { recursive: true });
  makeS3rverReadAfterWrite();
  makeS3rverListPages();
  makeS3rverCopySourceDecoded();
  makeS3rverDeleteObjectsSafe();
  for (const line of await repairS3rverStore(directory)) process.stderr.write(`local S3: repaired ${line}\n`);
  const S3rver = require('s3rver') as S3rverConstructor;
  const server = new S3rver({ address: host, port, directory, silent: true });
  const address = await server.run();
  return {
    endpoint: url(host, address.port),
    port: address.port,
    onRecord(listener) {
      server.on('event', (event) => {
        for (const record of event.Records) listener(record);
      });
    },
    async stop() {
      server.removeAllListeners('event');
      const closing = server.close();
      server.httpServer?.closeAllConnections();
      await closing;
    },
  };
}

/**
 * dynalite with its LevelDB under `directory` (kept across restarts); tables are ACTIVE at once. Its
 * Query and Scan iterators are closed (./dynalite-iterators.ts: dynalite 4.0 leaks them).
 */
export async function startDynamo(directory: string, port: number, host: string): Promise<RunningServer> {
  await mkdir(directory, { recursive: true });
  makeDynaliteCloseIterators();
  const dynalite = require('dynalite') as DynaliteFactory;
  const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const actual = await listen(server, port, host);
  return { endpoint: url(host, actual), port: actual, stop: () => closeServer(server) };
}

/** Creates the buckets that do not exist yet. */
export async function provisionBuckets(client: S3Client, buckets: readonly LocalBucket[]): Promise<void> {
  for (const b of buckets) {
    try {
      await client.send(new HeadBucketCommand({ Bucket: b.name }));
    } catch (error) {
      // Only a missing bucket is created; any other answer is the store's fault, said as such.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404) {
        throw new Error(
          `the local S3 server cannot read bucket ${b.name} (HTTP ${status ?? '?'}: ${(error as Error).name}); its files are under the state directory's s3/ (npm run reset starts afresh)`,
          { cause: error },
        );
      }
      await client.send(new CreateBucketCommand({ Bucket: b.name }));
    }
  }
}

/**
 * Creates the tables that do not exist yet, from the template's key schema, attributes and indexes.
 * An existing table whose key schema differs from the template fails (run `npm run reset`).
 */
export async function provisionTables(client: DynamoDBClient, tables: readonly LocalTable[]): Promise<void> {
  for (const t of tables) {
    try {
      await client.send(new CreateTableCommand(t.create));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      const { Table } = await client.send(new DescribeTableCommand({ TableName: t.name }));
      const key = (k: unknown) => JSON.stringify(k);
      const indexes = (list: { IndexName?: string }[] | undefined) =>
        (list ?? [])
          .map((i) => i.IndexName)
          .sort()
          .join(',');
      if (
        key(Table?.KeySchema) !== key(t.create.KeySchema) ||
        indexes(Table?.GlobalSecondaryIndexes) !== indexes(t.create.GlobalSecondaryIndexes)
      ) {
        throw new Error(
          `table ${t.name} exists with another key schema or indexes than the template: run \`npm run reset\``,
        );
      }
    }
  }
}

/**
 * DynamoDB's Time to Live on dynalite, which has none: deletes the items of a table whose TTL
 * attribute (epoch seconds) is before `nowSeconds`, as DynamoDB does within a day or two. Returns how
 * many it deleted. (The adapters already skip expired items; this keeps the local table from growing.)
 */
export async function sweepExpired(
  client: DynamoDBClient,
  table: LocalTable,
  nowSeconds: number,
): Promise<number> {
  const ttl = table.timeToLiveAttribute;
  if (ttl === undefined) return 0;
  const keyNames = (table.create.KeySchema ?? []).map((k) => k.AttributeName!);
  let deleted = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table.name,
        FilterExpression: '#ttl < :now',
        ExpressionAttributeNames: {
          '#ttl': ttl,
          ...Object.fromEntries(keyNames.map((k, i) => [`#k${i}`, k])),
        },
        ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        ProjectionExpression: keyNames.map((_, i) => `#k${i}`).join(', '),
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    for (const item of page.Items ?? []) {
      await client.send(new DeleteItemCommand({ TableName: table.name, Key: item }));
      deleted++;
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return deleted;
}
