/**
 * Training from the lake and registering the result: the first model becomes production; later
 * ones become the A/B candidate. The production pointer only moves by a conditional write on its
 * revision, so two registrations racing for "first model" end with exactly one production.
 * Registration writes the version's serving model (what /predict reads) before any pointer names it.
 */

import { PART_FILE, parquetRows, readGoldParquet } from '#shared/data/parquet-tables';
import type { GoldTable } from '#shared/data/tables';
import { sha256Hex } from '#shared/hash';
import { serializeArtifact } from '#shared/model/artifact';
import type { GaussianHmmParams } from '#shared/model/hmm';
import {
  LINEAGE_KIND,
  LINEAGE_SCHEMA_VERSION,
  type LineageManifest,
  type LineageObject,
  readHashed,
  serializeLineage,
  type TrainingSettings,
} from '#shared/model/lineage';
import { type TrainingContext, trainModel } from '#shared/model/train';
import { pipelineFailedAlert } from '#shared/monitoring/alerts';
import { calibrationOptions } from '#shared/monitoring/drift-calibration';
import { PointerConflictError } from '#shared/ports';
import { raiseAlert } from './alerting.ts';
import { type Context, keys, symbolOfKey } from './lake.ts';
import { symbolLease, withLease } from './leases.ts';
import { findManifest, retainLineage } from './lineage.ts';
import { ensureServingModel, loadArtifact, writeServingModel } from './models.ts';

/** The gold in the lake is larger than the train function is sized for (platform functions.trainMaxGoldRows). */
export class GoldTooLargeError extends Error {
  constructor(
    message: string,
    readonly rows: number,
    readonly maxRows: number,
  ) {
    super(message);
    this.name = 'GoldTooLargeError';
  }
}

/** One gold partition as read for training: what the artifact's lineage and the manifest record of it. */
export interface GoldSource {
  file: string;
  sha256: string;
  rows: number;
  /** The manifest's record of the object (shared/model/lineage.ts). */
  object: LineageObject;
}

/** The tables of one gold object's bytes (the gold reader; `key` names it in errors). */
export function goldTablesOf(bytes: Uint8Array, key: string): Promise<GoldTable[]> {
  return readGoldParquet(bytes, key);
}

/**
 * Every gold partition in the lake, with its lineage: the version id and ETag of exactly the object
 * read (one GetObject response) and the SHA-256 of its bytes, hashed as they stream in. With
 * `snapshots`, a partition the store reports no version id for (local S3 server, file store) has its
 * bytes copied to the artifacts bucket (keys.lineageSnapshot, content-addressed: written once), so a
 * model trained on it can be reproduced after the partition is rewritten (decision 22). With
 * `maxRows`, stops as soon as the partitions read so far hold more rows than that (counted from each
 * file's Parquet footer, before decoding), with a GoldTooLargeError — so an oversized lake fails in
 * seconds, not at the function's timeout. Each partition is read under its symbol's lease, so a read
 * never meets a partition being rewritten (S3 puts are atomic; the local S3 server's are not).
 */
export async function readGoldLake(
  ctx: Context,
  options: { maxRows?: number; snapshots?: boolean } = {},
): Promise<{ tables: GoldTable[]; sources: GoldSource[] }> {
  const tables: GoldTable[] = [];
  const sources: GoldSource[] = [];
  let rows = 0;
  for (const key of await ctx.store.list(ctx.buckets.gold, keys.goldPrefix)) {
    if (!key.endsWith(`/${PART_FILE}`)) continue;
    const symbol = symbolOfKey(key);
    const readObject = async () => {
      const object = await ctx.store.read(ctx.buckets.gold, key);
      if (object === undefined) return undefined;
      const { bytes, sha256 } = await readHashed(object.body);
      return { bytes, sha256, etag: object.etag, versionId: object.versionId };
    };
    const read =
      symbol === undefined ? await readObject() : await withLease(ctx, symbolLease(symbol), readObject);
    if (read === undefined) {
      // Listed, then not there: gone since the listing (skipped), or not readable (never trained
      // on a lake with a symbol silently missing).
      if (!(await ctx.store.list(ctx.buckets.gold, key)).includes(key)) continue;
      throw new Error(
        `gold partition ${key} is listed but could not be read; nothing was trained on a part of the lake`,
      );
    }
    const { bytes, sha256 } = read;
    rows += parquetRows(bytes, key);
    if (options.maxRows !== undefined && rows > options.maxRows) {
      throw new GoldTooLargeError(
        `the gold in the lake has more than ${options.maxRows.toLocaleString('en-US')} rows (${rows.toLocaleString('en-US')} in the partitions read up to ${key}); the train function is sized for at most ${options.maxRows.toLocaleString('en-US')} (config/platform.yaml functions.trainMaxGoldRows): raise it together with functions.trainMemoryMb and functions.timeoutSeconds.train, or train on a subset with finml train`,
        rows,
        options.maxRows,
      );
    }
    const parsed = await goldTablesOf(bytes, key);
    const tableRows = parsed.reduce((n, t) => n + t.length, 0);
    // A symbol still in its warm-up has a partition without rows: nothing to train on or judge, and
    // not part of the data fingerprint (else each such file made "new" gold — and the same model).
    if (tableRows === 0) continue;
    for (const table of parsed) tables.push(table);
    let snapshot: string | undefined;
    if (options.snapshots && read.versionId === undefined) {
      snapshot = keys.lineageSnapshot(sha256);
      if ((await ctx.store.head(ctx.buckets.artifacts, snapshot)) === undefined) {
        await ctx.store.put(ctx.buckets.artifacts, snapshot, bytes, 'application/octet-stream');
      }
    }
    sources.push({
      file: key,
      sha256,
      rows: tableRows,
      object: {
        key,
        ...(read.versionId === undefined ? {} : { versionId: read.versionId }),
        etag: read.etag,
        sha256,
        bytes: bytes.length,
        rows: tableRows,
        ...(snapshot === undefined ? {} : { snapshot }),
      },
    });
  }
  return { tables, sources };
}

/**
 * The data fingerprint of a set of gold partitions (a model's lineage.gold, or the lake's now): the
 * SHA-256 of their sorted names and content hashes. Equal fingerprints, equal training data.
 */
export function goldFingerprint(sources: readonly { file: string; sha256: string; rows?: number }[]): string {
  // Partitions without rows are no data (readGoldLake leaves them out; older lineages list them).
  const lines = sources
    .filter((s) => s.rows !== 0)
    .map((s) => `${s.file}\t${s.sha256}`)
    .sort();
  return sha256Hex(new TextEncoder().encode(lines.join('\n')));
}

/**
 * Trains on the whole gold lake and stores the artifact. A lake larger than the train function is
 * sized for fails at once: an alert says so, and the GoldTooLargeError fails the task (the state
 * machine does not retry it).
 */
export async function trainFromLake(ctx: Context, codeVersion: string) {
  const maxRows = ctx.config.platform.functions.trainMaxGoldRows;
  let lake: Awaited<ReturnType<typeof readGoldLake>>;
  try {
    lake = await readGoldLake(ctx, { maxRows, snapshots: true });
  } catch (error) {
    if (error instanceof GoldTooLargeError) {
      const at = ctx.now().toISOString();
      await raiseAlert(
        ctx,
        pipelineFailedAlert({ stage: 'Train', error: error.message, since: at }, ctx.config.monitoring, at),
      );
    }
    throw error;
  }
  const { tables, sources } = lake;
  const previousHmm = await productionHmm(ctx);
  const training = trainingSettings(ctx, previousHmm);
  const artifact = trainModel(
    { tables, sources: sources.map(({ file, sha256, rows }) => ({ file, sha256, rows })) },
    trainingContext(training, previousHmm, {
      configHash: ctx.configHash,
      codeVersion,
      now: ctx.now(),
    }),
  );
  const artifactKey = keys.model(artifact.version);
  await ctx.store.put(ctx.buckets.artifacts, artifactKey, serializeArtifact(artifact), 'application/json');
  const manifest: LineageManifest = {
    kind: LINEAGE_KIND,
    schemaVersion: LINEAGE_SCHEMA_VERSION,
    modelVersion: artifact.version,
    createdAt: artifact.createdAt,
    configHash: ctx.configHash,
    codeVersion,
    training,
    gold: sources.map((s) => s.object),
  };
  await ctx.store.put(
    ctx.buckets.artifacts,
    keys.lineage(artifact.version),
    serializeLineage(manifest),
    'application/json',
  );
  return { version: artifact.version, artifactKey };
}

/** trainModel's context from recorded settings (what a reproduction passes too). */
export function trainingContext(
  training: TrainingSettings,
  previousHmm: { version: string; params: GaussianHmmParams } | null,
  run: { configHash: string; codeVersion: string; now: Date },
): TrainingContext {
  return {
    data: training.data,
    model: training.model,
    ...(training.psiBins === null ? {} : { psiBins: training.psiBins }),
    driftCalibration: training.driftCalibration,
    configHash: run.configHash,
    codeVersion: run.codeVersion,
    now: run.now,
    previousHmm,
  };
}

/** The production model's HMM parameters (what a new fit's states are matched to), or null. */
/** What a training now is given besides the gold (the lineage manifest's `training`). */
function trainingSettings(ctx: Context, previousHmm: { version: string } | null): TrainingSettings {
  return {
    data: ctx.config.data,
    model: ctx.config.model,
    psiBins: ctx.config.monitoring.drift.psi.bins,
    driftCalibration: calibrationOptions(ctx.config.monitoring),
    previousHmmVersion: previousHmm?.version ?? null,
  };
}

/** The training settings a training would be given now (see trainingSettings). */
export async function currentTrainingSettings(ctx: Context): Promise<TrainingSettings> {
  return trainingSettings(ctx, await productionHmm(ctx));
}

async function productionHmm(ctx: Context) {
  const production = await ctx.registry.getPointer('production');
  if (production === undefined) return null;
  const model = await loadArtifact(ctx, production.version);
  return model.hmm === null ? null : { version: model.version, params: model.hmm.params };
}

/**
 * Records a trained version and its serving model, and makes it production (first model) or the
 * A/B candidate. A production model registered before serving models existed gets its serving model
 * written here too.
 */
export async function registerModel(ctx: Context, version: string, reason: string) {
  const model = await loadArtifact(ctx, version);
  // What the model was trained on stays retrievable for as long as the registry names it. (An
  // artifact without a manifest — not trained by trainFromLake — is registered, not reproducible.)
  const lineage = await findManifest(ctx, version);
  if (lineage !== undefined) await retainLineage(ctx, lineage.manifest);
  const at = ctx.now().toISOString();
  const overall = model.evaluation.markov.overall.metrics.model;
  await ctx.registry.putVersion({
    version,
    createdAt: model.createdAt,
    stage: 'registered', // production / candidate: the pointers say (derivedStage)
    artifactKey: keys.model(version),
    metrics: {
      accuracy: overall.accuracy,
      logLoss: overall.logLoss,
      brier: overall.brier,
      f1Macro: overall.f1Macro,
      rocAuc: overall.rocAucOvrMacro,
    },
    parameters: {
      alpha: model.markov.alpha,
      thresholds: model.scoring.thresholds,
      weights: model.scoring.weights,
    },
    lineage: {
      symbols: model.lineage.symbols,
      rows: model.lineage.rows,
      firstDate: model.lineage.firstDate,
      lastDate: model.lineage.lastDate,
      configHash: model.lineage.configHash,
      codeVersion: model.lineage.codeVersion,
      ...(lineage === undefined ? {} : { manifest: lineage.record }),
    },
  });
  await writeServingModel(ctx, model);
  await ctx.registry.appendEvent({ at, kind: 'registered', version, previousVersion: null, reason });
  const production = await ctx.registry.getPointer('production');
  if (production !== undefined) await ensureServingModel(ctx, production.version);
  if (production === undefined) {
    try {
      await ctx.registry.movePointer('production', { version, reason: `first model: ${reason}` }, undefined);
      await ctx.registry.appendEvent({
        at,
        kind: 'promoted',
        version,
        previousVersion: null,
        reason: 'first model',
      });
      await raiseAlert(ctx, firstModelAlert(ctx, version, at));
      return { stage: 'production' as const, version };
    } catch (error) {
      if (!(error instanceof PointerConflictError)) throw error;
      // Another run registered the first model at the same moment: this one becomes the candidate.
    }
  }
  // One candidate at a time, and a running A/B test is not replaced (DOMAIN §6 v2): concurrent
  // registrations race on the candidate pointer's revision, and the loser — or any registration
  // while a candidate is under test — stays registered without serving.
  const share = ctx.config.monitoring.abTest.candidateTrafficShare;
  const running = await startCandidate(ctx, { version, reason, trafficShare: share });
  if (running !== undefined) {
    await ctx.registry.setStage(version, 'rejected');
    await ctx.registry.appendEvent({
      at,
      kind: 'candidate-rejected',
      version,
      previousVersion: running.version,
      reason: `not tested: candidate ${running.version} is in its A/B test (one candidate at a time): ${reason}`,
    });
    return { stage: 'rejected' as const, version };
  }
  await ctx.registry.appendEvent({
    at,
    kind: 'candidate-started',
    version,
    previousVersion: null,
    reason: `A/B test against production with ${Math.round(share * 100)} % of requests: ${reason}`,
  });
  return { stage: 'candidate' as const, version };
}

const POINTER_ATTEMPTS = 8;

/**
 * Makes `next` the candidate when there is none; returns the candidate under test instead when there
 * is one (or one was made by a concurrent registration that won the race).
 */
async function startCandidate(ctx: Context, next: { version: string; reason: string; trafficShare: number }) {
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.registry.getPointer('candidate');
    if (current !== undefined) return current;
    try {
      await ctx.registry.movePointer('candidate', next, undefined);
      return undefined;
    } catch (error) {
      if (!(error instanceof PointerConflictError) || attempt >= POINTER_ATTEMPTS) throw error;
    }
  }
}

/** The first production model has no A/B test to report: a plain, low-severity notice. */
function firstModelAlert(ctx: Context, version: string, at: string) {
  const severity = ctx.config.monitoring.alerts.severity.modelPromoted;
  const subject = `production:${version}`;
  return {
    kind: 'modelPromoted' as const,
    subject,
    fingerprint: sha256Hex(`modelPromoted:${subject}`),
    severity,
    raisedAt: at,
    since: at,
    title: `First model ${version} is in production`,
    whatHappened: `Model ${version} was trained on the data in the lake and is now answering forecasts (there was no model before).`,
    measures: [],
    systemAction: 'Later models will be A/B tested against this one before they replace it.',
    userActions: [
      {
        description: 'Read the model report',
        command: null,
        dashboardPath: `/models?version=${encodeURIComponent(version)}`,
      },
    ],
  };
}
