/**
 * The first pipeline steps for one bronze object: claim it once, validate it (bronze rules and
 * gate), clean it into the symbols' silver partitions (silver gate, merge with history), and — when
 * the data is rejected — quarantine it with its report and raise an alert. Bronze is never modified.
 */
import { type BronzeScan, scanBronzeMarketFile } from '#shared/data/bronze';
import { DataRejectedError } from '#shared/data/errors';
import { isIndicatorFile } from '#shared/data/indicators';
import { sourceRecord } from '#shared/data/metadata';
import { indicatorsParquet, PARQUET_CONTENT_TYPE } from '#shared/data/parquet-tables';
import {
  type AcceptedFile,
  admitMarketFile,
  type FileOutcome,
  ingestIndicatorFile,
  type RejectedFile,
} from '#shared/data/pipeline';
import type { SilverSeries } from '#shared/data/series';
import { type BlockSpill, OverflowSpill } from '#shared/data/spill';
import { STAGED_ROWS_CONTENT_TYPE, stagedRowsBytes } from '#shared/data/staged-rows';
import { utcDay } from '#shared/data/values';
import { dataRejectedAlert, qualityGateFailedAlert } from '#shared/monitoring/alerts';
import { raiseAlert } from './alerting.ts';
import { type Context, keys, symbolOfKey } from './lake.ts';

export interface BronzeObject {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
}

/** The claim id of an object version: `<bucket>/<key>#<versionId, else ETag>`. */
export function claimId(obj: BronzeObject): string {
  return `${obj.bucket}/${obj.key}#${obj.versionId ?? obj.etag ?? 'unversioned'}`;
}

/**
 * Idempotency: the same object version is processed once, however many events arrive — unless its
 * run failed (the claim then says so, see ./failures.ts), when it may run again.
 */
export async function claimObject(
  ctx: Context,
  obj: BronzeObject,
  runId: string,
): Promise<{ claimed: boolean }> {
  const claimed = await ctx.registry.claim(claimId(obj), { runId, at: ctx.now().toISOString() });
  return { claimed };
}

async function open(ctx: Context, obj: BronzeObject): Promise<AsyncIterable<Uint8Array>> {
  const body = await ctx.store.get(obj.bucket, obj.key, obj.versionId);
  if (body === undefined) {
    throw new DataRejectedError({
      file: obj.key,
      code: 'empty_file',
      reason: 'the object no longer exists in bronze',
    });
  }
  return body;
}

/** The lease of the silver risk-indicator table. */
export const INDICATORS_LEASE = 'indicators';

const isIndicators = (ctx: Context, obj: BronzeObject) => isIndicatorFile(obj.key, ctx.config.data);

/** A risk-indicator object → its validated table; a rejection becomes its DataRejectedError. */
async function indicatorsOrThrow(ctx: Context, obj: BronzeObject) {
  const { outcome, table } = await ingestIndicatorFile(
    { name: obj.key, chunks: await open(ctx, obj) },
    { config: ctx.config.data, runDay: utcDay(ctx.now()) },
  );
  if (outcome.status === 'rejected') {
    const r = outcome.rejection;
    throw new DataRejectedError({
      file: r.file,
      code: r.code,
      reason: r.reason,
      ...(r.line === undefined ? {} : { line: r.line }),
    });
  }
  return { outcome, table: table! };
}

/** Validates a bronze object (throws DataRejectedError) and records its quality report; returns its counts. */
export async function validateBronze(ctx: Context, obj: BronzeObject, runId: string) {
  if (isIndicators(ctx, obj)) {
    const { outcome } = await indicatorsOrThrow(ctx, obj);
    await recordBronze(ctx, obj, runId, outcome.bronze);
    return {
      rowsIn: outcome.bronze.rowsIn,
      rowsAccepted: outcome.bronze.rowsAccepted,
      score: outcome.bronze.quality.score,
      symbols: 0,
    };
  }
  const spill = newSpill(ctx);
  let scan: BronzeScan;
  try {
    scan = await scanBronzeMarketFile(
      { name: obj.key, chunks: await open(ctx, obj) },
      { config: ctx.config.data, runDay: utcDay(ctx.now()), spill },
    );
  } finally {
    spill.dispose();
  }
  const { series: _rows, symbols, ...summary } = scan;
  await recordBronze(ctx, obj, runId, summary);
  const listBytes = Buffer.byteLength(JSON.stringify(symbols));
  const maxBytes = ctx.config.platform.pipeline.maxSymbolListBytes;
  if (listBytes > maxBytes) {
    throw new DataRejectedError({
      file: obj.key,
      code: 'too_many_symbols',
      reason:
        `the file holds ${symbols.length} symbols, whose names make a ${listBytes}-byte list; the ` +
        `pipeline's gold step takes at most ${maxBytes} bytes of names ` +
        `(pipeline.maxSymbolListBytes, under Step Functions' 256 KiB data quota): ` +
        `split the file by symbol into files of at most ${Math.floor((symbols.length * maxBytes) / listBytes)} symbols`,
    });
  }
  // The count, not the names: the state machine keeps this result in its data, held to 256 KiB
  // (the clean step's result lists the symbols once, for the gold Map).
  return {
    rowsIn: summary.rowsIn,
    rowsAccepted: summary.rowsAccepted,
    score: summary.quality.score,
    symbols: symbols.length,
  };
}

/** The bronze quality report beside the run, and its record. */
async function recordBronze(
  ctx: Context,
  obj: BronzeObject,
  runId: string,
  summary: Omit<BronzeScan, 'series' | 'symbols'>,
  index = 0,
) {
  await ctx.store.put(
    ctx.buckets.gold,
    keys.run(runId, index === 0 ? 'quality-bronze.json' : `quality-bronze-${index}.json`),
    JSON.stringify(summary),
    'application/json',
  );
  await ctx.registry.putRecord('quality', {
    id: `${fileTag(runId, index)}-bronze`,
    at: ctx.now().toISOString(),
    runId,
    file: obj.key,
    ...summary.quality,
    dropped: summary.dropped,
    rowsIn: summary.rowsIn,
  });
}

/** How many of a file's symbols its silver quality record names. */
const QUALITY_SYMBOLS_NAMED = 50;

/** The id of a run's file in its records: the run id (the cloud's one file), or run id + index. */
const fileTag = (runId: string, index: number) => (index === 0 ? runId : `${runId}-${index}`);

/** The record of a file the run saw (bronze and silver counts, quality, or why it was rejected). */
async function recordSource(ctx: Context, runId: string, index: number, outcome: FileOutcome) {
  await ctx.store.put(
    ctx.buckets.gold,
    keys.runSource(runId, index),
    JSON.stringify(sourceRecord(outcome)),
    'application/json',
  );
}

/** Rows of a large object wait in a temporary file (Lambda /tmp) beyond the configured memory. */
function newSpill(ctx: Context): BlockSpill {
  return new OverflowSpill(ctx.config.data.input.spillAboveMiB * 2 ** 20);
}

/**
 * Cleans the object and stages each symbol's cleaned rows beside the run; nothing in silver changes
 * yet. The gold step merges them with the symbol's history, and the run publishes the merged silver
 * with its gold only once every gate has passed (./gold.ts), so a run that fails or dies leaves the
 * lake as it was. `index` orders several files of one run (a later file wins a clash). Returns the
 * touched symbols — the items of the gold Map. (A risk-indicator file stages its table; the gold of
 * every symbol joins it, so every symbol in silver is returned.)
 */
export async function cleanToSilver(ctx: Context, obj: BronzeObject, runId: string, index = 0) {
  const { outcome, symbols } = await stageObject(ctx, obj, runId, index, false);
  return { symbols, score: outcome.silver.quality.score };
}

/**
 * validateBronze and cleanToSilver in one read of the object (what an in-process run does, e.g.
 * `finml pipeline`): the bronze report is recorded, then the rows staged. Returns the file's outcome.
 */
export async function ingestObject(ctx: Context, obj: BronzeObject, runId: string, index: number) {
  return stageObject(ctx, obj, runId, index, true);
}

async function stageObject(
  ctx: Context,
  obj: BronzeObject,
  runId: string,
  index: number,
  withBronze: boolean,
): Promise<{ outcome: AcceptedFile; symbols: string[] }> {
  const at = ctx.now().toISOString();
  if (isIndicators(ctx, obj)) {
    const { outcome, table } = await indicatorsOrThrow(ctx, obj);
    if (withBronze) await recordBronze(ctx, obj, runId, outcome.bronze, index);
    await ctx.registry.putRecord('quality', {
      id: `${fileTag(runId, index)}-silver`,
      at,
      runId,
      file: obj.key,
      ...outcome.silver.quality,
      symbols: [],
    });
    await ctx.store.put(
      ctx.buckets.silver,
      keys.stagedIndicators(runId, index),
      indicatorsParquet(table),
      PARQUET_CONTENT_TYPE,
    );
    await recordSource(ctx, runId, index, outcome);
    const symbols = (await ctx.store.list(ctx.buckets.silver, keys.silverPrefix))
      .map(symbolOfKey)
      .filter((s): s is string => s !== undefined);
    return { outcome: outcome as AcceptedFile, symbols: [...new Set(symbols)].sort() };
  }
  const spill = newSpill(ctx);
  // Each symbol's rows are staged as they are cleaned for the silver gate (cleaned once, not again
  // after the gate); a rejected file's are deleted, so the gold step never sees them.
  const staged: string[] = [];
  const stage = async (series: SilverSeries) => {
    const key = keys.stagedRows(runId, series.symbol, index);
    await ctx.store.put(ctx.buckets.silver, key, stagedRowsBytes(series), STAGED_ROWS_CONTENT_TYPE);
    staged.push(key);
  };
  try {
    const { outcome, admitted } = await admitMarketFile(
      { name: obj.key, chunks: await open(ctx, obj) },
      { config: ctx.config.data, runDay: utcDay(ctx.now()), spill, onCleaned: stage },
    );
    if (withBronze && outcome.bronze) await recordBronze(ctx, obj, runId, outcome.bronze, index);
    if (outcome.status === 'rejected') {
      await ctx.store.deleteMany(ctx.buckets.silver, staged);
      throw rejectionError(outcome);
    }
    await ctx.registry.putRecord('quality', {
      id: `${fileTag(runId, index)}-silver`,
      at,
      runId,
      file: obj.key,
      ...outcome.silver.quality,
      // The same size whatever the number of symbols (a DynamoDB item holds 400 KB; one file's
      // per-symbol counts are in the run's sources/ record): how many, and the first names.
      symbolCount: outcome.silver.symbols.length,
      symbols: outcome.silver.symbols.slice(0, QUALITY_SYMBOLS_NAMED).map((s) => s.symbol),
    });
    await recordSource(ctx, runId, index, outcome);
    return { outcome, symbols: [...admitted!.symbols].sort() };
  } finally {
    spill.dispose();
  }
}

/** A rejected outcome as the DataRejectedError the state machine's Catch sees. */
function rejectionError(outcome: RejectedFile): DataRejectedError {
  const r = outcome.rejection;
  return new DataRejectedError({
    file: r.file,
    code: r.code,
    reason: r.reason,
    ...(r.line === undefined ? {} : { line: r.line }),
    ...(outcome.silver && r.code === 'quality_gate' ? { quality: outcome.silver.quality } : {}),
  });
}

/**
 * The structured rejection of an object, found again by re-reading it (the checks are
 * deterministic): the error that reaches the state machine's Catch keeps only its name and message.
 */
export async function diagnoseRejection(
  ctx: Context,
  obj: BronzeObject,
): Promise<DataRejectedError | undefined> {
  const spill = newSpill(ctx);
  try {
    await validateBronze(ctx, obj, 'diagnosis');
    if (!isIndicators(ctx, obj)) await ingestOrThrow(ctx, obj, spill);
  } catch (error) {
    if (error instanceof DataRejectedError) return error;
    throw error;
  } finally {
    spill.dispose();
  }
  return undefined;
}

/** Bronze → cleaned silver rows of an object; a rejection becomes its DataRejectedError. */
async function ingestOrThrow(ctx: Context, obj: BronzeObject, spill: BlockSpill) {
  const { outcome, admitted } = await admitMarketFile(
    { name: obj.key, chunks: await open(ctx, obj) },
    { config: ctx.config.data, runDay: utcDay(ctx.now()), spill },
  );
  if (outcome.status === 'rejected') throw rejectionError(outcome);
  return { outcome, admitted: admitted! };
}

/**
 * A rejected object: copied (not moved) to quarantine beside a report naming the file, line and
 * reason; an alert is raised. The bronze object stays where it is, untouched.
 */
export async function quarantineObject(
  ctx: Context,
  obj: BronzeObject,
  runId: string,
  error: {
    name: string;
    message: string;
    code?: string;
    line?: number;
    reason?: string;
    quality?: {
      layer: 'bronze' | 'silver' | 'gold';
      score: number;
      gate: number;
      completeness: number;
      validity: number;
      uniqueness: number;
      timeliness: number;
    };
  },
  index = 0,
) {
  const at = ctx.now().toISOString();
  await ctx.store.copy(obj, { bucket: ctx.buckets.quarantine, key: keys.quarantined(runId, obj.key) });
  await recordSource(ctx, runId, index, {
    status: 'rejected',
    kind: isIndicators(ctx, obj) ? 'indicators' : 'market',
    file: obj.key,
    rejection: {
      file: obj.key,
      code: (error.code ?? error.name) as RejectedFile['rejection']['code'],
      ...(error.line === undefined ? {} : { line: error.line }),
      reason: error.reason ?? error.message,
      message: error.message,
    },
  });
  const report = {
    file: obj.key,
    bucket: obj.bucket,
    versionId: obj.versionId ?? null,
    runId,
    quarantinedAt: at,
    ...error,
  };
  await ctx.store.put(
    ctx.buckets.quarantine,
    keys.quarantineReport(runId, obj.key),
    JSON.stringify(report, null, 2),
    'application/json',
  );
  const monitoring = ctx.config.monitoring;
  const q = error.quality;
  const alert =
    q !== undefined
      ? qualityGateFailedAlert(
          {
            file: obj.key,
            layer: q.layer,
            score: q.score,
            gate: q.gate,
            components: {
              completeness: q.completeness,
              validity: q.validity,
              uniqueness: q.uniqueness,
              timeliness: q.timeliness,
            },
            since: at,
          },
          monitoring,
          at,
        )
      : dataRejectedAlert(
          {
            file: obj.key,
            line: error.line ?? 1,
            reason: error.reason ?? error.message,
            ...(error.code ? { code: error.code } : {}),
            quarantineKey: keys.quarantined(runId, obj.key),
            since: at,
          },
          monitoring,
          at,
        );
  await raiseAlert(ctx, alert);
  return {
    quarantinedKey: keys.quarantined(runId, obj.key),
    reportKey: keys.quarantineReport(runId, obj.key),
  };
}
