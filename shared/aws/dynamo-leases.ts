/**
 * LeaseStore on the registry table: one item per lease at `LEASE#<name>` / `LEASE`, taken and kept by
 * single-item conditional writes (no transactions: dynalite has none). The expiry is epoch
 * milliseconds of the writer's clock; a lease past it may be taken by anyone.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { PARTITION_KEY, SORT_KEY } from '#shared/aws/tables';
import type { LeaseStore } from '#shared/ports';

export const LEASE_KEYS = {
  partition: (name: string) => `LEASE#${name}`,
  sortKey: 'LEASE',
} as const;

export interface DynamoLeaseStoreOptions {
  /** Wall clock of the expiries (epoch ms); default Date.now. */
  readonly nowMs?: () => number;
}

export class DynamoLeaseStore implements LeaseStore {
  private readonly nowMs: () => number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoLeaseStoreOptions = {},
  ) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  private key(name: string) {
    return { [PARTITION_KEY]: LEASE_KEYS.partition(name), [SORT_KEY]: LEASE_KEYS.sortKey };
  }

  /** PutItem if the item is absent or expired. */
  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.nowMs();
    return conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(name),
            owner,
            expiresAtMs: now + ttlMs,
            acquiredAt: new Date(now).toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #expires < :now',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#expires': 'expiresAtMs' },
          ExpressionAttributeValues: { ':now': now },
        }),
      ),
    );
  }

  /** UpdateItem of the expiry if `owner` still holds the item. */
  async renew(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return conditional(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(name),
          UpdateExpression: 'SET #expires = :expires',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#expires': 'expiresAtMs', '#owner': 'owner' },
          ExpressionAttributeValues: { ':expires': this.nowMs() + ttlMs, ':owner': owner },
        }),
      ),
    );
  }

  /** DeleteItem if `owner` still holds the item. */
  async release(name: string, owner: string): Promise<void> {
    await conditional(
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.key(name),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }
}

/**
 * Deletes every lease of the table (a Scan of the `LEASE#` items). Only for a single-process runtime
 * restarting after it was killed: it was the only holder, so its leases are known dead. Never on AWS,
 * where other Lambdas may hold leases. Returns how many were deleted.
 */
export async function clearLeases(client: DynamoDBDocumentClient, tableName: string): Promise<number> {
  let deleted = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(#pk, :lease)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':lease': LEASE_KEYS.partition('') },
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    for (const item of page.Items ?? []) {
      await client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: { [PARTITION_KEY]: item[PARTITION_KEY], [SORT_KEY]: item[SORT_KEY] },
        }),
      );
      deleted++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return deleted;
}

/** true when the write went through, false when its condition failed; other errors are thrown. */
async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
