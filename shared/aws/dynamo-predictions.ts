/**
 * PredictionLog on DynamoDB (table definition in ./tables: `pk` = symbol, `sk` =
 * `<fromDate>#<modelVersion>#<horizon>` — one entry per forecast origin, DOMAIN §6.1 — TTL on
 * `expiresAt`, sparse GSI `byOutcome` on (`outcomePk`, `sk`)).
 *
 * DynamoDB deletes expired items only eventually (typically within days) and the local server (dynalite)
 * never does, so every read filters out items whose `expiresAt` is in the past.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  OUTCOME_INDEX_NAME,
  OUTCOME_PARTITION_KEY,
  OUTCOME_PARTITION_VALUE,
  PARTITION_KEY,
  PREDICTION_TTL_ATTRIBUTE,
  SORT_KEY,
} from '#shared/aws/tables';
import type { PredictionLog, PredictionLogEntry } from '#shared/ports';
import { decodeNumbers, encodeNumbers } from './dynamo-numbers.ts';

/** Thrown by setOutcome when the entry is not in the table (never written, deleted or expired). */
export class PredictionNotFoundError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PredictionNotFoundError';
  }
}

export interface DynamoPredictionLogOptions {
  /** The clock deciding which entries have expired; default `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * Smallest page read from the outcome index by withOutcomes (DynamoDB applies `Limit` before filters,
   * so a page of exactly `limit` items would often need more round trips). Default 100.
   */
  readonly minPageSize?: number;
}

type Item = Record<string, unknown>;

/**
 * The sort key of an entry: `<fromDate>#<modelVersion>#<horizon>` — one per (symbol, origin day,
 * model, horizon), however many requests ask; origin order within a symbol and in the outcome index.
 */
export function predictionSortKey(
  entry: Pick<PredictionLogEntry, 'fromDate' | 'modelVersion' | 'horizon'>,
): string {
  return `${entry.fromDate}#${entry.modelVersion}#${String(entry.horizon).padStart(3, '0')}`;
}

/** The entry without the table's key and index attributes. */
function toEntry(item: Item): PredictionLogEntry {
  const { [PARTITION_KEY]: _pk, [SORT_KEY]: _sk, [OUTCOME_PARTITION_KEY]: _opk, ...entry } = item;
  return decodeNumbers(entry) as unknown as PredictionLogEntry;
}

/** PredictionLog on DynamoDB; expired entries are never returned nor updated. */
export class DynamoPredictionLog implements PredictionLog {
  private readonly now: () => Date;
  private readonly minPageSize: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoPredictionLogOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.minPageSize = options.minPageSize ?? 100;
  }

  /**
   * Writes the entry unless its origin — (symbol, fromDate, modelVersion, horizon) — is already
   * logged and unexpired (a conditional put); true when written. With `outcomePk` when it already has
   * an outcome, so it appears in the index.
   */
  async put(entry: PredictionLogEntry): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...encodeNumbers(entry),
            [PARTITION_KEY]: entry.symbol,
            [SORT_KEY]: predictionSortKey(entry),
            ...(entry.outcome === undefined ? {} : { [OUTCOME_PARTITION_KEY]: OUTCOME_PARTITION_VALUE }),
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#expiresAt': PREDICTION_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': this.nowSeconds() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Unexpired entries of `symbol` without an outcome and with `fromDate < beforeDate`, oldest first:
   * a Query on the symbol's partition with a filter (all pages).
   */
  async pendingOutcomes(symbol: string, beforeDate: string): Promise<PredictionLogEntry[]> {
    return this.queryAll({
      // The sort key starts with fromDate: origins before beforeDate are the keys below it.
      KeyConditionExpression: '#pk = :symbol AND #sk < :before',
      FilterExpression: 'attribute_not_exists(#outcome) AND #fromDate < :before AND #expiresAt >= :now',
      ExpressionAttributeNames: {
        '#pk': PARTITION_KEY,
        '#sk': SORT_KEY,
        '#outcome': 'outcome',
        '#fromDate': 'fromDate',
        '#expiresAt': PREDICTION_TTL_ATTRIBUTE,
      },
      ExpressionAttributeValues: { ':symbol': symbol, ':before': beforeDate, ':now': this.nowSeconds() },
      ScanIndexForward: true,
    });
  }

  /**
   * Records the outcome and puts the entry into the outcome index (`outcomePk` = "OUTCOME"). Throws
   * PredictionNotFoundError when the entry does not exist or has expired (it is then not recreated).
   */
  async setOutcome(entry: PredictionLogEntry, outcome: { state: number; date: string }): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: entry.symbol, [SORT_KEY]: predictionSortKey(entry) },
          UpdateExpression: 'SET #outcome = :outcome, #outcomePk = :outcomePk',
          ConditionExpression: 'attribute_exists(#pk) AND #expiresAt >= :now',
          ExpressionAttributeNames: {
            '#outcome': 'outcome',
            '#outcomePk': OUTCOME_PARTITION_KEY,
            '#pk': PARTITION_KEY,
            '#expiresAt': PREDICTION_TTL_ATTRIBUTE,
          },
          ExpressionAttributeValues: {
            ':outcome': { state: outcome.state, date: outcome.date },
            ':outcomePk': OUTCOME_PARTITION_VALUE,
            ':now': this.nowSeconds(),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new PredictionNotFoundError(
          `Prediction ${entry.requestId} (${entry.symbol} at ${entry.at}) is not in the log or has expired`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Unexpired entries with an outcome, newest first, from the `byOutcome` index; optionally of one model version. */
  async withOutcomes(limit: number, filter?: { modelVersion?: string }): Promise<PredictionLogEntry[]> {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
    }
    if (limit === 0) return [];
    const byVersion = filter?.modelVersion !== undefined;
    return this.queryAll(
      {
        IndexName: OUTCOME_INDEX_NAME,
        KeyConditionExpression: '#outcomePk = :outcomePk',
        FilterExpression: byVersion
          ? '#expiresAt >= :now AND #modelVersion = :modelVersion'
          : '#expiresAt >= :now',
        ExpressionAttributeNames: {
          '#outcomePk': OUTCOME_PARTITION_KEY,
          '#expiresAt': PREDICTION_TTL_ATTRIBUTE,
          ...(byVersion ? { '#modelVersion': 'modelVersion' } : {}),
        },
        ExpressionAttributeValues: {
          ':outcomePk': OUTCOME_PARTITION_VALUE,
          ':now': this.nowSeconds(),
          ...(byVersion ? { ':modelVersion': filter?.modelVersion } : {}),
        },
        ScanIndexForward: false,
      },
      limit,
    );
  }

  private nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  /** Runs a query over every page, stopping once `limit` entries passed the filter (all when undefined). */
  private async queryAll(
    query: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>,
    limit?: number,
  ): Promise<PredictionLogEntry[]> {
    const entries: PredictionLogEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const pageSize = limit === undefined ? undefined : Math.max(limit - entries.length, this.minPageSize);
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...query,
          ...(pageSize === undefined ? {} : { Limit: pageSize }),
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) entries.push(toEntry(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && (limit === undefined || entries.length < limit));
    return limit === undefined ? entries : entries.slice(0, limit);
  }
}
