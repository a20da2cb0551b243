/**
 * Training from the lake and registering the result: the first model becomes production; later
 * ones become the A/B candidate. The production pointer only moves by a conditional write on its
 * revision, so two registrations racing for "first model" end with exactly one production.
 * Registration writes the version's serving model (what /predict reads) before any pointer names it.
 */

import { collectBytes, PART_FILE, parquetRows, readGoldParquet } from '#shared/data/parquet-tables';
import type { GoldTable } from '#shared/data/tables';
import { sha256Hex } from '#shared/hash';
import { serializeArtifact } from '#shared/model/artifact';
import { trainModel } from '#shared/model/train';
import { pipelineFailedAlert } from '#shared/monitoring/alerts';
import { calibrationOptions } from '#shared/monitoring/drift-calibration';
import { PointerConflictError } from '#shared/ports';
import { raiseAlert } from './alerting.ts';
import { type Context, keys, symbolOfKey } from './lake.ts';
import { symbolLease, withLease } from './leases.ts';
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

/**
 * Every gold partition in the lake, with its hash for lineage. With `maxRows`, stops as soon as
 * the partitions read so far hold more rows than that (counted from each file's Parquet footer,
 * before decoding), with a GoldTooLargeError — so an oversized lake fails in seconds, not at the
 * function's timeout. Each partition is read under its symbol's lease, so a read never meets a
 * partition being rewritten (S3 puts are atomic; the local S3 server's are not).
 */
export async function readGoldLake(
  ctx: Context,
  options: { maxRows?: number } = {},
): Promise<{ tables: GoldTable[]; sources: { file: string; sha256: string; rows: number }[] }> {
  const tables: GoldTable[] = [];
  const sources: { file: string; sha256: string; rows: number }[] = [];
  let rows = 0;
  for (const key of await ctx.store.list(ctx.buckets.gold, keys.goldPrefix)) {
    if (!key.endsWith(`/${PART_FILE}`)) continue;
    const symbol = symbolOfKey(key);
    const readBytes = async () => {
      const body = await ctx.store.get(ctx.buckets.gold, key);
      return body === undefined ? undefined : collectBytes(body);
    };
    const bytes =
      symbol === undefined ? await readBytes() : await withLease(ctx, symbolLease(symbol), readBytes);
    if (bytes === undefined) continue;
    rows += parquetRows(bytes, key);
    if (options.maxRows !== undefined && rows > options.maxRows) {
      throw new GoldTooLargeError(
        `the gold in the lake has more than ${options.maxRows.toLocaleString('en-US')} rows (${rows.toLocaleString('en-US')} in the partitions read up to ${key}); the train function is sized for at most ${options.maxRows.toLocaleString('en-US')} (config/platform.yaml functions.trainMaxGoldRows): raise it together with functions.trainMemoryMb and functions.timeoutSeconds.train, or train on a subset with finml train`,
        rows,
        options.maxRows,
      );
    }
    const read = await readGoldParquet(bytes, key);
    for (const table of read) tables.push(table);
    sources.push({ file: key, sha256: sha256Hex(bytes), rows: read.reduce((n, t) => n + t.length, 0) });
  }
  return { tables, sources };
}

/**
 * The data fingerprint of a set of gold partitions (a model's lineage.gold, or the lake's now): the
 * SHA-256 of their sorted names and content hashes. Equal fingerprints, equal training data.
 */
export function goldFingerprint(sources: readonly { file: string; sha256: string }[]): string {
  const lines = sources.map((s) => `${s.file}\t${s.sha256}`).sort();
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
    lake = await readGoldLake(ctx, { maxRows });
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
  const artifact = trainModel(
    { tables, sources },
    {
      data: ctx.config.data,
      model: ctx.config.model,
      psiBins: ctx.config.monitoring.drift.psi.bins,
      driftCalibration: calibrationOptions(ctx.config.monitoring),
      configHash: ctx.configHash,
      codeVersion,
      now: ctx.now(),
      previousHmm,
    },
  );
  const artifactKey = keys.model(artifact.version);
  await ctx.store.put(ctx.buckets.artifacts, artifactKey, serializeArtifact(artifact), 'application/json');
  return { version: artifact.version, artifactKey };
}

/** The production model's HMM parameters (what a new fit's states are matched to), or null. */
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
  // One candidate: the newest registration replaces the one under test. Concurrent registrations race
  // on the candidate pointer's revision; a loser reads it again and replaces the winner (retried with
  // jittered backoff), so the last to write is the candidate and every other one is rejected.
  const share = ctx.config.monitoring.abTest.candidateTrafficShare;
  const candidate = await moveCandidate(ctx, { version, reason, trafficShare: share });
  if (candidate && candidate.version !== version) await ctx.registry.setStage(candidate.version, 'rejected');
  await ctx.registry.appendEvent({
    at,
    kind: 'candidate-started',
    version,
    previousVersion: candidate?.version ?? null,
    reason: `A/B test against production with ${Math.round(share * 100)} % of requests: ${reason}`,
  });
  return { stage: 'candidate' as const, version };
}

const POINTER_ATTEMPTS = 8;

/** Moves the candidate pointer to `next`, re-reading it after a lost race; returns the pointer it replaced. */
async function moveCandidate(ctx: Context, next: { version: string; reason: string; trafficShare: number }) {
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.registry.getPointer('candidate');
    try {
      await ctx.registry.movePointer('candidate', next, current?.revision);
      return current;
    } catch (error) {
      if (!(error instanceof PointerConflictError) || attempt >= POINTER_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
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
