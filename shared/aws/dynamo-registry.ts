/**
 * ModelRegistry on one DynamoDB table (key schema in ./tables: `pk`, `sk`). Pointers move by a
 * single-item conditional PutItem on `revision` — no transactions (dynalite, the local server, has none).
 * The same table keeps each version's serving model, gzip-compressed JSON.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { decodeNumbers, encodeNumbers } from '#shared/aws/dynamo-numbers';
import { PARTITION_KEY, SORT_KEY } from '#shared/aws/tables';
import {
  parseServingModel,
  type ServingModelRecord,
  serializeServingModel,
} from '#shared/model/serving-model';
import {
  type AlertState,
  type LiveState,
  type ModelPointer,
  type ModelRegistry,
  type ModelVersionRecord,
  type PendingAlertQueue,
  PointerConflictError,
  type PointerMove,
  type PointerName,
  type RecordKind,
  type RegistryEvent,
  type StoredStage,
} from '#shared/ports';

/** Partition and sort key values of the registry's item types. */
export const REGISTRY_KEYS = {
  modelPartition: 'MODEL',
  versionSortKey: (version: string) => `VERSION#${version}`,
  versionSortPrefix: 'VERSION#',
  pointerPartition: 'POINTER',
  eventPartition: 'EVENT',
  claimPartition: (id: string) => `CLAIM#${id}`,
  claimSortKey: 'CLAIM',
  recordPartition: (kind: RecordKind) => `RECORD#${kind}`,
  servingPartition: 'SERVING',
  livePartition: 'LIVE',
  alertPartition: 'ALERTSTATE',
  alertDayPartition: 'ALERTDAY',
  pendingAlertPartition: (queue: PendingAlertQueue) => `ALERTPENDING#${queue}`,
} as const;

/**
 * Largest compressed serving model written (DynamoDB items are at most 400 KB, names included).
 * At 252 horizons a model of 200 symbols takes ~6 KB; see test/unit/aws/dynamo-registry.test.ts.
 */
export const MAX_SERVING_MODEL_BYTES = 380_000;

/** Thrown by putServingModel when the compressed model would not fit in one item. */
export class ServingModelTooLargeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ServingModelTooLargeError';
  }
}

/** Thrown by setStage when the version was never registered. */
export class ModelVersionNotFoundError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelVersionNotFoundError';
  }
}

export interface DynamoModelRegistryOptions {
  /** The clock for `updatedAt` / `claimedAt`; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Random suffix of event sort keys (8 hex digits); injectable for tests. */
  readonly randomSuffix?: () => string;
  /**
   * Keep each symbol's live state read by getLive for this many seconds (0 = read it every time, the
   * default). A putLive through this registry forgets the symbol's state at once, so a process that
   * publishes and serves (the local runtime) never serves an older day than it published; a process
   * that only serves (the /predict Lambda) sees another process's publish within this time.
   */
  readonly liveStateCacheSeconds?: number;
  /**
   * Re-read a kept live state in the background once it is this many seconds from expiry (while it
   * is still served), so that a symbol asked for steadily is never waited for; 0 = only when expired.
   */
  readonly liveStateRefreshAheadSeconds?: number;
  /** Milliseconds of a monotonic clock, for the live-state cache's ages; default `performance.now`. */
  readonly cacheClock?: () => number;
}

/** Symbols whose live state a registry keeps at most; past it the cache starts again empty. */
export const LIVE_STATE_CACHE_CAP = 10_000;

interface CachedLive {
  readonly value: Promise<LiveState | undefined>;
  readonly readAt: number;
  /** A background re-read of this entry is under way. */
  refreshing?: boolean;
}

type Item = Record<string, unknown>;
type TimedRecord = { id: string; at: string } & Record<string, unknown>;

/** The item without its key attributes, its numbers decoded (./dynamo-numbers.ts). */
function withoutKeys(item: Item): Item {
  const { [PARTITION_KEY]: _pk, [SORT_KEY]: _sk, ...rest } = item;
  return decodeNumbers(rest);
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

/**
 * ModelRegistry on DynamoDB: model versions, pointers, events, idempotency claims and history records;
 * and the serving models of the versions.
 */
export class DynamoModelRegistry implements ModelRegistry {
  private readonly now: () => Date;
  private readonly randomSuffix: () => string;
  private readonly liveCacheMs: number;
  private readonly liveRefreshAtMs: number;
  private readonly cacheClock: () => number;
  private readonly liveCache = new Map<string, CachedLive>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoModelRegistryOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.randomSuffix = options.randomSuffix ?? (() => randomBytes(4).toString('hex'));
    this.liveCacheMs = (options.liveStateCacheSeconds ?? 0) * 1000;
    this.liveRefreshAtMs = Math.max(0, this.liveCacheMs - (options.liveStateRefreshAheadSeconds ?? 0) * 1000);
    this.cacheClock = options.cacheClock ?? (() => performance.now());
  }

  /** Writes (or overwrites) a version record at `MODEL` / `VERSION#<version>`. */
  async putVersion(record: ModelVersionRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...encodeNumbers(record),
          [PARTITION_KEY]: REGISTRY_KEYS.modelPartition,
          [SORT_KEY]: REGISTRY_KEYS.versionSortKey(record.version),
        },
      }),
    );
  }

  async getVersion(version: string): Promise<ModelVersionRecord | undefined> {
    const response = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: {
          [PARTITION_KEY]: REGISTRY_KEYS.modelPartition,
          [SORT_KEY]: REGISTRY_KEYS.versionSortKey(version),
        },
        ConsistentRead: true,
      }),
    );
    return response.Item === undefined
      ? undefined
      : (withoutKeys(response.Item) as unknown as ModelVersionRecord);
  }

  /** Versions newest first (versions start with a UTC timestamp, so sort-key order is time order). */
  async listVersions(limit?: number): Promise<ModelVersionRecord[]> {
    const items = await this.queryNewestFirst(
      {
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: {
          ':pk': REGISTRY_KEYS.modelPartition,
          ':prefix': REGISTRY_KEYS.versionSortPrefix,
        },
      },
      limit,
    );
    return items as unknown as ModelVersionRecord[];
  }

  /** Sets a version's stage; throws ModelVersionNotFoundError when it is not registered. */
  async setStage(version: string, stage: Exclude<StoredStage, 'registered'>): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: {
            [PARTITION_KEY]: REGISTRY_KEYS.modelPartition,
            [SORT_KEY]: REGISTRY_KEYS.versionSortKey(version),
          },
          UpdateExpression: 'SET #stage = :stage',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#stage': 'stage', '#pk': PARTITION_KEY },
          ExpressionAttributeValues: { ':stage': stage },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ModelVersionNotFoundError(
          `Cannot set stage "${stage}": model version ${version} is not registered`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  async getPointer(name: PointerName): Promise<ModelPointer | undefined> {
    const response = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: REGISTRY_KEYS.pointerPartition, [SORT_KEY]: name },
        ConsistentRead: true,
      }),
    );
    return response.Item === undefined ? undefined : toPointer(response.Item);
  }

  /**
   * Reads the pointer (for `previousVersion`), then replaces it with one conditional PutItem:
   * `attribute_not_exists(pk)` when `expectedRevision` is undefined, else `revision = :expected`. A lost race
   * (or a stale `expectedRevision`) throws PointerConflictError; the returned pointer has revision + 1.
   */
  async movePointer(
    name: PointerName,
    next: PointerMove,
    expectedRevision: number | undefined,
  ): Promise<ModelPointer> {
    const current = await this.getPointer(name);
    if (current?.revision !== expectedRevision) {
      throw new PointerConflictError(
        `Pointer "${name}" is at ${describeRevision(current?.revision)}, expected ${describeRevision(expectedRevision)}: ` +
          'it was changed by someone else; read it again and retry',
      );
    }
    const pointer: ModelPointer = {
      version: next.version,
      revision: (expectedRevision ?? 0) + 1,
      previousVersion: current?.version ?? null,
      updatedAt: this.now().toISOString(),
      reason: next.reason,
      ...(next.trafficShare === undefined ? {} : { trafficShare: next.trafficShare }),
      ...(next.history === undefined ? {} : { history: next.history }),
      ...(next.change === undefined ? {} : { change: next.change }),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...pointer, [PARTITION_KEY]: REGISTRY_KEYS.pointerPartition, [SORT_KEY]: name },
          ...revisionCondition(expectedRevision),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new PointerConflictError(
          `Pointer "${name}" was changed concurrently while moving it from ${describeRevision(expectedRevision)} ` +
            `to version ${next.version}; read it again and retry`,
          { cause: error },
        );
      }
      throw error;
    }
    return pointer;
  }

  /** Deletes the pointer if it is still at `expectedRevision`; PointerConflictError otherwise (also when absent). */
  async clearPointer(name: PointerName, expectedRevision: number): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: REGISTRY_KEYS.pointerPartition, [SORT_KEY]: name },
          ...revisionCondition(expectedRevision),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new PointerConflictError(
          `Pointer "${name}" is no longer at revision ${expectedRevision} (changed or removed); not cleared`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Appends an event at `EVENT` / `<at>#<8 random hex>` (the suffix keeps same-instant events apart). */
  async appendEvent(event: RegistryEvent): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...encodeNumbers(event),
          [PARTITION_KEY]: REGISTRY_KEYS.eventPartition,
          [SORT_KEY]: `${event.at}#${this.randomSuffix()}`,
        },
      }),
    );
  }

  /** Events newest first. */
  async listEvents(limit?: number): Promise<RegistryEvent[]> {
    const items = await this.queryNewestFirst(
      {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': REGISTRY_KEYS.eventPartition },
      },
      limit,
    );
    return items as unknown as RegistryEvent[];
  }

  /**
   * Conditional put of `CLAIM#<id>` / `CLAIM` with status `claimed`: true for the first claim of an id and
   * for a claim whose run failed (status `failed`, see failClaim), false otherwise.
   */
  async claim(id: string, details: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [PARTITION_KEY]: REGISTRY_KEYS.claimPartition(id),
            [SORT_KEY]: REGISTRY_KEYS.claimSortKey,
            id,
            status: 'claimed',
            claimedAt: this.now().toISOString(),
            details: encodeNumbers(details),
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #status = :failed',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#status': 'status' },
          ExpressionAttributeValues: { ':failed': 'failed' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Marks an existing claim `failed` (with why), so the same object version may be claimed again. */
  async failClaim(id: string, failure: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: REGISTRY_KEYS.claimPartition(id), [SORT_KEY]: REGISTRY_KEYS.claimSortKey },
          UpdateExpression: 'SET #status = :failed, #failure = :failure, #failedAt = :at',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: {
            '#pk': PARTITION_KEY,
            '#status': 'status',
            '#failure': 'failure',
            '#failedAt': 'failedAt',
          },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':failure': encodeNumbers(failure),
            ':at': this.now().toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The claim of an id (status claimed | failed), or undefined. */
  async getClaim(id: string): Promise<Record<string, unknown> | undefined> {
    const response = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: REGISTRY_KEYS.claimPartition(id), [SORT_KEY]: REGISTRY_KEYS.claimSortKey },
        ConsistentRead: true,
      }),
    );
    return response.Item === undefined ? undefined : withoutKeys(response.Item);
  }

  /** Writes a record at `RECORD#<kind>` / `<at>#<id>` (same id and time = overwrite). */
  async putRecord(kind: RecordKind, record: TimedRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...encodeNumbers(record),
          [PARTITION_KEY]: REGISTRY_KEYS.recordPartition(kind),
          [SORT_KEY]: `${record.at}#${record.id}`,
        },
      }),
    );
  }

  /** Records of a kind, newest first. */
  async listRecords(kind: RecordKind, limit?: number): Promise<TimedRecord[]> {
    const items = await this.queryNewestFirst(
      {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': REGISTRY_KEYS.recordPartition(kind) },
      },
      limit,
    );
    return items as TimedRecord[];
  }

  /**
   * Writes a serving model at `SERVING` / `<version>`: its JSON gzip-compressed into the binary
   * attribute `model`. Throws ServingModelTooLargeError above MAX_SERVING_MODEL_BYTES compressed.
   */
  async putServingModel(model: ServingModelRecord): Promise<void> {
    const json = serializeServingModel(model);
    const body = gzipSync(json);
    if (body.byteLength > MAX_SERVING_MODEL_BYTES) {
      throw new ServingModelTooLargeError(
        `The serving model of ${model.version} takes ${body.byteLength} bytes compressed ` +
          `(${Object.keys(model.latest).length} symbols, ${model.markov.absorbing.maxHorizon} horizons), ` +
          `more than the ${MAX_SERVING_MODEL_BYTES} a registry item holds: lower markov.maxHorizon in config/model.yaml or split the symbols`,
      );
    }
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [PARTITION_KEY]: REGISTRY_KEYS.servingPartition,
          [SORT_KEY]: model.version,
          schemaVersion: model.schemaVersion,
          encoding: 'json+gzip',
          jsonBytes: Buffer.byteLength(json),
          model: body,
        },
      }),
    );
  }

  /** The serving model of a version (validated), or undefined when none was written. */
  async getServingModel(version: string): Promise<ServingModelRecord | undefined> {
    const response = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: REGISTRY_KEYS.servingPartition, [SORT_KEY]: version },
        ConsistentRead: true,
      }),
    );
    const body = response.Item?.model;
    if (body === undefined) return undefined;
    const source = `${REGISTRY_KEYS.servingPartition}/${version}`;
    return parseServingModel(gunzipSync(body as Uint8Array).toString('utf8'), source);
  }

  /**
   * Writes `LIVE` / `<symbol>` unless the stored state is of a later date (a late publish of older
   * data never moves a symbol's live state back).
   */
  async putLive(live: LiveState): Promise<void> {
    try {
      await this.writeLive(live);
    } finally {
      // After the write: a read that started before it (and may hold the older day) is dropped too.
      this.liveCache.delete(live.symbol);
    }
  }

  private async writeLive(live: LiveState): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...encodeNumbers(live),
            [PARTITION_KEY]: REGISTRY_KEYS.livePartition,
            [SORT_KEY]: live.symbol,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #date <= :date',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#date': 'date' },
          ExpressionAttributeValues: { ':date': live.date },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * A symbol's live state; with `liveStateCacheSeconds`, the one read within that time (concurrent
   * callers share one read; a failed read is not kept). From `liveStateRefreshAheadSeconds` before
   * it expires, one caller starts a re-read in the background and every caller still gets the kept
   * state; the re-read replaces it when done (its age counted from when it started), unless a putLive
   * forgot the symbol meanwhile. The state returned is shared: do not change it.
   */
  getLive(symbol: string): Promise<LiveState | undefined> {
    if (this.liveCacheMs <= 0) return this.readLive(symbol);
    const now = this.cacheClock();
    const cached = this.liveCache.get(symbol);
    if (cached !== undefined && now - cached.readAt < this.liveCacheMs) {
      if (now - cached.readAt >= this.liveRefreshAtMs && !cached.refreshing)
        this.refreshLive(symbol, cached, now);
      return cached.value;
    }
    if (this.liveCache.size >= LIVE_STATE_CACHE_CAP) this.liveCache.clear();
    const value = this.readLive(symbol);
    const entry: CachedLive = { value, readAt: now };
    this.liveCache.set(symbol, entry);
    value.catch(() => {
      if (this.liveCache.get(symbol) === entry) this.liveCache.delete(symbol);
    });
    return value;
  }

  /** The background re-read of a kept state (a failure keeps the old one until it expires). */
  private refreshLive(symbol: string, cached: CachedLive, now: number): void {
    cached.refreshing = true;
    this.readLive(symbol).then(
      (live) => {
        if (this.liveCache.get(symbol) === cached) {
          this.liveCache.set(symbol, { value: Promise.resolve(live), readAt: now });
        }
      },
      () => {
        cached.refreshing = false;
      },
    );
  }

  private async readLive(symbol: string): Promise<LiveState | undefined> {
    const response = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: REGISTRY_KEYS.livePartition, [SORT_KEY]: symbol },
      }),
    );
    return response.Item === undefined ? undefined : liveOf(response.Item);
  }

  /** `ALERTSTATE` / `<fingerprint>`: one item per alert fingerprint, however many symbols alert. */
  async getAlertState(fingerprint: string): Promise<AlertState | undefined> {
    const response = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: REGISTRY_KEYS.alertPartition, [SORT_KEY]: fingerprint },
      }),
    );
    if (response.Item === undefined) return undefined;
    const { [PARTITION_KEY]: _pk, [SORT_KEY]: _sk, ...state } = response.Item;
    return state as AlertState;
  }

  async putAlertState(state: AlertState): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...state, [PARTITION_KEY]: REGISTRY_KEYS.alertPartition, [SORT_KEY]: state.fingerprint },
      }),
    );
  }

  /** `ALERTDAY` / `<day>#<kind>`: the e-mail count of a day and alert kind, incremented atomically (UpdateItem ADD). */
  async countAlertEmail(day: string): Promise<number> {
    const response = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: REGISTRY_KEYS.alertDayPartition, [SORT_KEY]: day },
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': 'emails' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(response.Attributes?.emails ?? 1);
  }

  /** `ALERTPENDING#<queue>` / `<at>#<id>`: an alert waiting for an e-mail; the queue is read whole. */
  async putPendingAlert(queue: PendingAlertQueue, record: TimedRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...encodeNumbers(record),
          [PARTITION_KEY]: REGISTRY_KEYS.pendingAlertPartition(queue),
          [SORT_KEY]: `${record.at}#${record.id}`,
        },
      }),
    );
  }

  async listPendingAlerts(queue: PendingAlertQueue): Promise<TimedRecord[]> {
    const items = await this.queryNewestFirst(
      {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': REGISTRY_KEYS.pendingAlertPartition(queue) },
      },
      undefined,
    );
    return (items as TimedRecord[]).reverse();
  }

  async deletePendingAlert(queue: PendingAlertQueue, record: { id: string; at: string }): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: {
          [PARTITION_KEY]: REGISTRY_KEYS.pendingAlertPartition(queue),
          [SORT_KEY]: `${record.at}#${record.id}`,
        },
      }),
    );
  }

  async listLive(): Promise<LiveState[]> {
    const items = await this.queryNewestFirst(
      {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': REGISTRY_KEYS.livePartition },
      },
      undefined,
    );
    return items.map(liveOf).sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  /** Query in descending sort-key order over every page until `limit` items (all when undefined). */
  private async queryNewestFirst(
    query: Pick<
      QueryCommandInput,
      'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
    limit: number | undefined,
  ): Promise<Item[]> {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
      throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
    }
    const items: Item[] = [];
    if (limit === 0) return items;
    let startKey: Record<string, unknown> | undefined;
    do {
      const remaining = limit === undefined ? undefined : limit - items.length;
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...query,
          ScanIndexForward: false,
          ...(remaining === undefined ? {} : { Limit: remaining }),
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) items.push(withoutKeys(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && (limit === undefined || items.length < limit));
    return limit === undefined ? items : items.slice(0, limit);
  }
}

function describeRevision(revision: number | undefined): string {
  return revision === undefined ? 'no pointer' : `revision ${revision}`;
}

interface RevisionCondition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** The condition of a pointer write: it must not exist yet, or must still be at `expectedRevision`. */
function revisionCondition(expectedRevision: number | undefined): RevisionCondition {
  if (expectedRevision === undefined) {
    return {
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
    };
  }
  return {
    ConditionExpression: '#revision = :expected',
    ExpressionAttributeNames: { '#revision': 'revision' },
    ExpressionAttributeValues: { ':expected': expectedRevision },
  };
}

/** A pointer item as ModelPointer (key attributes dropped; `previousVersion` absent → null). */
function toPointer(item: Item): ModelPointer {
  const pointer: ModelPointer = {
    version: item.version as string,
    revision: item.revision as number,
    previousVersion: (item.previousVersion as string | null | undefined) ?? null,
    updatedAt: item.updatedAt as string,
    reason: item.reason as string,
  };
  if (typeof item.trafficShare === 'number') pointer.trafficShare = item.trafficShare;
  if (Array.isArray(item.history)) pointer.history = item.history as string[];
  if (item.change === 'promoted' || item.change === 'rolled-back') pointer.change = item.change;
  return pointer;
}

function liveOf(item: Item): LiveState {
  const { [PARTITION_KEY]: _pk, [SORT_KEY]: _sk, ...rest } = decodeNumbers(item) as Item;
  return rest as unknown as LiveState;
}
