/**
 * DynamoDB table definitions shared by the CDK stack (infra/) and the adapters (shared/aws/).
 * Plain constants only — nothing here imports the AWS SDK or aws-cdk-lib, so both sides can import it.
 */

/** Attribute type of a key attribute ('S' = string), as DynamoDB and CDK spell it. */
export type KeyAttributeType = 'S';

/** A key attribute: its name and type. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

/** Partition and sort key of a table or index. */
export interface KeySchema {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

/** A global secondary index. `projection: 'ALL'` = every attribute is copied into the index. */
export interface GlobalIndexDefinition extends KeySchema {
  readonly indexName: string;
  readonly projection: 'ALL';
}

/** A table: its key schema, optional TTL attribute and global secondary indexes. */
export interface TableDefinition extends KeySchema {
  /** Attribute holding the expiry time in epoch seconds (DynamoDB TTL), if any. */
  readonly timeToLiveAttribute?: string;
  readonly globalIndexes: readonly GlobalIndexDefinition[];
}

/** Generic partition-key and sort-key attribute names used by both tables. */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';

/**
 * The registry table (one table, several item types told apart by `pk`):
 * - `MODEL` / `VERSION#<version>`: model versions;
 * - `POINTER` / `production` | `candidate`: the pointers;
 * - `EVENT` / `<at>#<random>`: registry events;
 * - `CLAIM#<id>` / `CLAIM`: idempotency claims;
 * - `RECORD#<kind>` / `<at>#<id>`: dashboard history records;
 * - `SERVING` / `<version>`: each version's serving model (what /predict reads).
 */
export const REGISTRY_TABLE: TableDefinition = {
  partitionKey: { name: PARTITION_KEY, type: 'S' },
  sortKey: { name: SORT_KEY, type: 'S' },
  globalIndexes: [],
};

/** TTL attribute of the prediction log (epoch seconds). */
export const PREDICTION_TTL_ATTRIBUTE = 'expiresAt';

/** GSI of the prediction log holding only the entries with an outcome. */
export const OUTCOME_INDEX_NAME = 'byOutcome';

/** Partition key of the `byOutcome` index; set only on entries with an outcome (sparse index). */
export const OUTCOME_PARTITION_KEY = 'outcomePk';

/** The one value of `outcomePk`: every entry with an outcome lands in one index partition, ordered by `sk`. */
export const OUTCOME_PARTITION_VALUE = 'OUTCOME';

/**
 * The prediction log table: `pk` = symbol, `sk` = `<fromDate>#<modelVersion>#<horizon>` (one item per
 * forecast origin; entries of the first version, `<at>#<requestId>`, sort the same way by date),
 * TTL on `expiresAt`, and the sparse GSI `byOutcome` (`outcomePk`, `sk`) for "entries with an
 * outcome, newest origin first".
 */
export const PREDICTION_LOG_TABLE: TableDefinition = {
  partitionKey: { name: PARTITION_KEY, type: 'S' },
  sortKey: { name: SORT_KEY, type: 'S' },
  timeToLiveAttribute: PREDICTION_TTL_ATTRIBUTE,
  globalIndexes: [
    {
      indexName: OUTCOME_INDEX_NAME,
      partitionKey: { name: OUTCOME_PARTITION_KEY, type: 'S' },
      sortKey: { name: SORT_KEY, type: 'S' },
      projection: 'ALL',
    },
  ],
};
