/**
 * Ports: the interfaces the use cases need from the outside world. shared/aws implements them on
 * S3, DynamoDB and SNS (the same adapters run against the local S3/DynamoDB servers); tests may use
 * in-memory versions. Nothing here imports the AWS SDK.
 */
import type { ServingModelRecord } from '#shared/model/serving-model';

/** Objects in buckets (S3). Keys are plain strings; bodies are streamed where they can be large. */
export interface ObjectStore {
  /** The object's bytes as a stream, or undefined when there is no such object. */
  get(bucket: string, key: string, versionId?: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  /**
   * The object's bytes with the ETag (no quotes) and version id of exactly what is streamed — from the
   * one response, so they cannot belong to a write that came between — or undefined when there is no
   * such object (or version). `versionId` is absent where the store keeps no versions.
   */
  read(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined>;
  /**
   * Places (`on`) or removes an Object Lock legal hold on one object version: a held version is never
   * deleted, by a request or by a lifecycle expiration. Only for stores with versions (a store without
   * them throws: there is no version to hold).
   */
  setLegalHold(bucket: string, key: string, versionId: string, on: boolean): Promise<void>;
  /** The whole object as UTF-8 text, or undefined. */
  getText(bucket: string, key: string): Promise<string | undefined>;
  /** Writes an object; `body` may be a string, bytes, or string chunks (streamed as a multipart upload). */
  put(
    bucket: string,
    key: string,
    body: string | Uint8Array | Iterable<string>,
    contentType?: string,
  ): Promise<void>;
  /**
   * Server-side copy (the source is not modified). With `metadata`, the copy gets that user metadata
   * instead of the source's (what lets an object be copied onto itself).
   */
  copy(
    from: { bucket: string; key: string; versionId?: string },
    to: { bucket: string; key: string },
    metadata?: Record<string, string>,
  ): Promise<void>;
  /** The current version's ETag (no quotes) and version id, or undefined when there is no such object. */
  head(bucket: string, key: string): Promise<{ etag: string; versionId?: string } | undefined>;
  /** Deletes an object (nothing happens when there is none). */
  delete(bucket: string, key: string): Promise<void>;
  /**
   * Deletes these objects (an absent one is no error), in as few requests as the store allows — S3's
   * DeleteObjects takes 1,000 keys a request, where one DeleteObject each made a run's cleanup of its
   * staging (three objects a symbol) the largest part of its requests.
   */
  deleteMany(bucket: string, keys: readonly string[]): Promise<void>;
  /** Keys under a prefix, in key order. */
  list(bucket: string, prefix: string): Promise<string[]>;
  /**
   * Keys under a prefix with their ETags, in key order, from the listing alone (no read of any
   * object): what tells that a set of objects is unchanged.
   */
  listEtags(bucket: string, prefix: string): Promise<{ key: string; etag: string }[]>;
}

/** One object as read (ObjectStore.read). */
export interface StoredObject {
  body: AsyncIterable<Uint8Array>;
  etag: string;
  versionId?: string;
}

/** Lifecycle stage of a registered model version, as the API shows it (derived: see StoredStage). */
export type ModelStage = 'production' | 'candidate' | 'archived' | 'rejected';

/**
 * What a version record stores of its stage: only what the pointers cannot say. Whether a version is
 * production or candidate is the pointers' business alone (shared/usecases/models.ts derivedStage).
 */
export type StoredStage = 'registered' | 'archived' | 'rejected';

export interface ModelVersionRecord {
  version: string;
  createdAt: string;
  /** Stored: a StoredStage; read through the use cases: the derived ModelStage. */
  stage: ModelStage | StoredStage;
  artifactKey: string;
  /** Headline metrics (out-of-fold accuracy, log loss, …) for lists and comparisons. */
  metrics: Record<string, number | null>;
  /** Parameters worth showing (α, thresholds, …). */
  parameters: Record<string, unknown>;
  lineage: {
    symbols: string[];
    rows: number;
    firstDate: string;
    lastDate: string;
    configHash: string;
    codeVersion: string;
    /**
     * The lineage manifest (shared/model/lineage.ts): the gold objects trained on (key, version id,
     * ETag, SHA-256) and the training config, stored as an artifact object so the record stays small
     * at any number of symbols. Absent in versions registered before manifests existed.
     */
    manifest?: { key: string; sha256: string; objects: number };
  };
}

/** A version record as the API shows it: with its derived stage. */
export type ServedVersionRecord = Omit<ModelVersionRecord, 'stage'> & { stage: ModelStage };

/** The production (or candidate) pointer: changed only by a conditional write on `revision`. */
export interface ModelPointer {
  version: string;
  /** Increases by one on every change; a writer must name the revision it read. */
  revision: number;
  previousVersion: string | null;
  updatedAt: string;
  reason: string;
  /** For the candidate pointer: the share of traffic it gets (0..1). */
  trafficShare?: number;
  /**
   * For the production pointer: the versions that were in production before this one, newest first
   * (a rollback goes back to the first and drops it; a promotion pushes the replaced one), at most
   * POINTER_HISTORY. Absent in pointers written before it was kept: previousVersion stands in.
   */
  history?: string[];
  /** For the production pointer: how it got its version (absent before this was kept). */
  change?: 'promoted' | 'rolled-back';
}

/** What a pointer move writes (the revision, previousVersion and updatedAt come with it). */
export type PointerMove = Pick<ModelPointer, 'version' | 'reason' | 'trafficShare' | 'history' | 'change'>;

/** How many earlier production versions the production pointer remembers for rollbacks. */
export const POINTER_HISTORY = 20;

export type PointerName = 'production' | 'candidate';

export interface RegistryEvent {
  at: string;
  kind: 'registered' | 'promoted' | 'rolled-back' | 'candidate-started' | 'candidate-rejected' | 'retraining';
  version: string | null;
  previousVersion: string | null;
  reason: string;
  details?: Record<string, unknown>;
}

/** Thrown when a conditional write lost a race (someone changed the pointer first). */
export class PointerConflictError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PointerConflictError';
  }
}

/** The model registry (DynamoDB). */
export interface ModelRegistry {
  putVersion(record: ModelVersionRecord): Promise<void>;
  getVersion(version: string): Promise<ModelVersionRecord | undefined>;
  listVersions(limit?: number): Promise<ModelVersionRecord[]>;
  /** Records what the pointers cannot say: the version was archived (replaced) or rejected. */
  setStage(version: string, stage: Exclude<StoredStage, 'registered'>): Promise<void>;
  getPointer(name: PointerName): Promise<ModelPointer | undefined>;
  /** Writes (or overwrites) the serving model of `model.version` (what /predict reads). */
  putServingModel(model: ServingModelRecord): Promise<void>;
  /** The serving model of a version, or undefined when none was written (older versions). */
  getServingModel(version: string): Promise<ServingModelRecord | undefined>;
  /**
   * Moves a pointer to `next.version` only if its current revision is `expectedRevision`
   * (undefined = the pointer must not exist yet). Throws PointerConflictError otherwise.
   * Returns the new pointer (revision + 1).
   */
  movePointer(
    name: PointerName,
    next: PointerMove,
    expectedRevision: number | undefined,
  ): Promise<ModelPointer>;
  /** Removes the candidate pointer if it still has `expectedRevision`. */
  clearPointer(name: PointerName, expectedRevision: number): Promise<void>;
  appendEvent(event: RegistryEvent): Promise<void>;
  listEvents(limit?: number): Promise<RegistryEvent[]>;
  /** Idempotency: records a claim; false when the same id was claimed before (and its run did not fail). */
  claim(id: string, details: Record<string, unknown>): Promise<boolean>;
  /** Marks a claim failed (its run failed, timed out or was aborted): the id may be claimed again. False when there is no such claim. */
  failClaim(id: string, failure: Record<string, unknown>): Promise<boolean>;
  /** A claim (`status`: claimed | failed), or undefined. */
  getClaim(id: string): Promise<Record<string, unknown> | undefined>;
  /** Generic time-ordered records of the dashboard's history views (drift reports, quality reports, runs, jobs, A/B tests). */
  putRecord(kind: RecordKind, record: { id: string; at: string } & Record<string, unknown>): Promise<void>;
  listRecords(
    kind: RecordKind,
    limit?: number,
  ): Promise<({ id: string; at: string } & Record<string, unknown>)[]>;
  /** Writes a symbol's live state unless the stored one is of a later date. */
  putLive(live: LiveState): Promise<void>;
  getLive(symbol: string): Promise<LiveState | undefined>;
  /** Every symbol's live state, in symbol order. */
  listLive(): Promise<LiveState[]>;
  /** The de-duplication state of one alert fingerprint (DOMAIN §6: one alert per breach at any scale). */
  getAlertState(fingerprint: string): Promise<AlertState | undefined>;
  putAlertState(state: AlertState): Promise<void>;
  /**
   * Adds one to a counter of alert e-mails (atomic) and returns the new count; the alerting use case
   * counts per UTC day and alert kind (`YYYY-MM-DD#<kind>`).
   */
  countAlertEmail(day: string): Promise<number>;
  /**
   * Alerts waiting for an e-mail, one queue per reason: `undelivered` (every send failed; sent again
   * later) or `digest#<YYYY-MM-DD>` (held for that day's digest). Same queue, id and time = overwrite.
   */
  putPendingAlert(
    queue: PendingAlertQueue,
    record: { id: string; at: string } & Record<string, unknown>,
  ): Promise<void>;
  /** Every alert of a queue, oldest first — however many (all pages). */
  listPendingAlerts(
    queue: PendingAlertQueue,
  ): Promise<({ id: string; at: string } & Record<string, unknown>)[]>;
  /** Takes an alert off its queue once it was sent (nothing happens when it is not there). */
  deletePendingAlert(queue: PendingAlertQueue, record: { id: string; at: string }): Promise<void>;
}

/** The queues of alerts waiting for an e-mail (ModelRegistry.putPendingAlert). */
export type PendingAlertQueue = 'undelivered' | `digest#${string}`;

/** When an alert fingerprint was last recorded for the dashboard and last e-mailed, at which severity. */
export interface AlertState {
  fingerprint: string;
  recordedAt: string;
  recordedSeverity: 'low' | 'medium' | 'high' | 'critical';
  emailedAt?: string;
  emailedSeverity?: 'low' | 'medium' | 'high' | 'critical';
}

/** Record kinds; `drift:<symbol>` is one symbol's drift history (one record per check of new data). */
export type RecordKind = 'drift' | `drift:${string}` | 'quality' | 'run' | 'job' | 'abtest' | 'alert';

/**
 * A symbol's newest gold row (DOMAIN §6 v2 live state), written each time its gold is published:
 * what forecasts start from, whichever model serves them.
 */
export interface LiveState {
  symbol: string;
  /** The gold date (YYYY-MM-DD) of the row: the forecast's as-of date. */
  date: string;
  state: number;
  regime: string;
  /** Consecutive gold days in the regime, up to and including `date`. */
  regimeAge: number;
  riskScore: number;
  /** The row's feature values (log_return, realized_vol_21d, drawdown). */
  features: Record<string, number>;
  /** The run that published it, and when. */
  runId: string;
  at: string;
}

/**
 * One forecast origin — a (symbol, origin day, model, horizon) — as first served, kept (with a time
 * to live) to measure live accuracy and A/B results. `requestId` and `at` are the first request's.
 */
export interface PredictionLogEntry {
  requestId: string;
  at: string;
  symbol: string;
  modelVersion: string;
  arm: 'production' | 'candidate';
  fromState: number;
  /** The gold date the forecast starts from, and the date whose regime it forecasts (h = 1 day). */
  fromDate: string;
  horizon: number;
  /** One-day-ahead probabilities of each regime (what live accuracy is scored on). */
  nextDay: number[];
  /** The other arm's one-day probabilities for the same request (shadow scoring), when known. */
  shadow?: { modelVersion: string; nextDay: number[] };
  /** Filled when the regime of the next gold day is known. */
  outcome?: { state: number; date: string };
  /** Epoch seconds after which the entry may be deleted (DynamoDB TTL). */
  expiresAt: number;
}

export interface PredictionLog {
  /**
   * Logs a forecast origin (DOMAIN §6.1): one entry per (symbol, fromDate, modelVersion, horizon),
   * however many requests ask; a repeat is not written. True when this call wrote it.
   */
  put(entry: PredictionLogEntry): Promise<boolean>;
  /** Entries of a symbol without an outcome whose fromDate is before `beforeDate`. */
  pendingOutcomes(symbol: string, beforeDate: string): Promise<PredictionLogEntry[]>;
  setOutcome(entry: PredictionLogEntry, outcome: { state: number; date: string }): Promise<void>;
  /** Entries with an outcome, newest first (expired entries are never returned). */
  withOutcomes(limit: number, filter?: { modelVersion?: string }): Promise<PredictionLogEntry[]>;
}

/**
 * Named leases with an expiry, taken by conditional writes (DynamoDB): one holder at a time across
 * processes and Lambda containers. A holder that dies frees the lease when it expires.
 */
export interface LeaseStore {
  /** Takes the lease when nobody holds it or the holder's lease expired; false when it is held. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends a lease `owner` still holds; false when it was lost (expired and taken by someone else). */
  renew(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees a lease `owner` holds (nothing happens when it was lost). */
  release(name: string, owner: string): Promise<void>;
}

/** Where alerts go (SNS e-mail topic in AWS; a local outbox folder on one machine). */
export interface AlertPublisher {
  publish(message: { subject: string; body: string; severity: string; fingerprint: string }): Promise<void>;
}
