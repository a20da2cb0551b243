/**
 * Local AWS servers for integration tests and the local runtime's tests: dynalite (DynamoDB) and s3rver
 * (S3), each on a random free port of 127.0.0.1, with clients wired to them. Always `await stop()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient, createDynamoDocumentClient, createS3Client } from '#shared/aws/clients';
import { ensureBucket, ensureTable } from '#shared/aws/provision';
import { PREDICTION_LOG_TABLE, REGISTRY_TABLE, type TableDefinition } from '#shared/aws/tables';
import { makeDynaliteCloseIterators } from '../../infra/local/dynalite-iterators.ts';
import { makeS3rverReadAfterWrite } from '../../infra/local/s3rver-consistency.ts';
import { makeS3rverCopySourceDecoded } from '../../infra/local/s3rver-copy-source.ts';
import { makeS3rverDeleteObjectsSafe } from '../../infra/local/s3rver-delete-objects.ts';
import { makeS3rverListPages } from '../../infra/local/s3rver-list-pages.ts';

const require = createRequire(import.meta.url);

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  path?: string;
}
type DynaliteFactory = (options: DynaliteOptions) => Server;

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets?: { name: string }[];
}) => S3rverInstance;

/** s3rver checks request signatures against this fixed account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** dynalite does not check signatures; any static credentials keep the SDK off the provider chain. */
export const DYNALITE_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

const LOCAL_REGION = 'us-east-1';
/** One attempt: a local server that fails should fail the test at once, not after retries. */
const LOCAL_MAX_ATTEMPTS = 1;

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  /** Table names created, by role. */
  readonly tables: { readonly registry: string; readonly predictions: string };
  /** Creates another table (from ./tables definitions) on this server. */
  createTable(name: string, table: TableDefinition): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalDynamoOptions {
  readonly registryTable?: string;
  readonly predictionTable?: string;
}

/** Listens on 127.0.0.1:0 and resolves with the chosen port. */
function listenOnRandomPort(server: Server): Promise<number> {
  // The server never closes an idle keep-alive socket (Node's default: after 5 s): a client with one
  // attempt would otherwise, now and then, send on a socket the server is closing — ECONNRESET after
  // a pause in a test (a training between two writes). closeServer closes them all.
  server.keepAliveTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets of SDK clients would otherwise hold close() open.
    server.closeAllConnections();
  });
}

/**
 * Starts an in-memory dynalite (tables ACTIVE at once) with the registry and prediction-log tables created
 * from the shared definitions.
 */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  makeDynaliteCloseIterators();
  const dynalite = require('dynalite') as DynaliteFactory;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listenOnRandomPort(server);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynamoClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: DYNALITE_CREDENTIALS,
    maxAttempts: LOCAL_MAX_ATTEMPTS,
  });
  const documentClient = createDynamoDocumentClient({ client });
  const tables = {
    registry: options.registryTable ?? 'finml-registry',
    predictions: options.predictionTable ?? 'finml-predictions',
  };
  const stop = async () => {
    client.destroy();
    await closeServer(server);
  };
  try {
    await ensureTable(client, tables.registry, REGISTRY_TABLE);
    await ensureTable(client, tables.predictions, PREDICTION_LOG_TABLE);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    client,
    documentClient,
    tables,
    createTable: (name, table) => ensureTable(client, name, table),
    stop,
  };
}

export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  /** The temporary directory holding the objects (removed by stop()). */
  readonly directory: string;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts s3rver (silent) on a temp directory with `buckets` created. */
export async function startLocalS3(buckets: readonly string[] = []): Promise<LocalS3> {
  makeS3rverReadAfterWrite();
  makeS3rverListPages();
  makeS3rverCopySourceDecoded();
  makeS3rverDeleteObjectsSafe();
  const S3rver = require('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'finml-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = createS3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: S3RVER_CREDENTIALS,
    maxAttempts: LOCAL_MAX_ATTEMPTS,
  });
  return {
    endpoint,
    client,
    directory,
    createBucket: (name) => ensureBucket(client, name),
    stop: async () => {
      client.destroy();
      const httpServer = (server as unknown as { httpServer?: Server }).httpServer;
      const closing = server.close();
      httpServer?.closeAllConnections();
      await closing;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
