/**
 * A pipeline run in one process, over the same use cases the state machine calls step by step: each
 * file read once (bronze report, silver gate, rows staged — ingestObject), a rejected file
 * quarantined with its report, then gold for every touched symbol, the gold gate, and the publish of
 * silver and gold together (./gold.ts). What `finml pipeline` runs, on the file-system store.
 */
import { DataRejectedError } from '#shared/data/errors';
import type { SourceRecord } from '#shared/data/metadata';
import { mapLimit } from './concurrency.ts';
import { buildSymbolGold, finishGold, type RunMetadata, runSources } from './gold.ts';
import { type BronzeObject, ingestObject, quarantineObject } from './ingest.ts';
import { type Context, keys } from './lake.ts';

export interface FileResult {
  file: string;
  status: 'accepted' | 'rejected';
  symbols: string[];
  /** Where a rejected file and its report went. */
  quarantine?: { quarantinedKey: string; reportKey: string };
}

export interface RunResult {
  runId: string;
  files: FileResult[];
  /** The record of each file (bronze and silver counts and quality, or the rejection). */
  sources: SourceRecord[];
  /** The run's record (undefined when no file was accepted: nothing to build). */
  metadata?: RunMetadata;
  /** The gold gate failed: nothing was published (the error names the score and the gate). */
  goldRejected?: DataRejectedError;
}

export async function runFiles(
  ctx: Context,
  objects: readonly BronzeObject[],
  runId: string,
): Promise<RunResult> {
  const files: FileResult[] = [];
  const touched = new Set<string>();
  for (const [index, obj] of objects.entries()) {
    try {
      const { symbols } = await ingestObject(ctx, obj, runId, index);
      files.push({ file: obj.key, status: 'accepted', symbols });
      for (const s of symbols) touched.add(s);
    } catch (error) {
      if (!(error instanceof DataRejectedError)) throw error;
      const quarantine = await quarantineObject(ctx, obj, runId, errorFields(error), index);
      files.push({ file: obj.key, status: 'rejected', symbols: [], quarantine });
    }
  }
  if (!files.some((f) => f.status === 'accepted'))
    return { runId, files, sources: await runSources(ctx, runId) };
  await mapLimit([...touched].sort(), ctx.config.platform.pipeline.inProcessGoldConcurrency, (symbol) =>
    buildSymbolGold(ctx, symbol, runId),
  );
  const accepted = files.filter((f) => f.status === 'accepted').map((f) => f.file);
  try {
    const { metadata } = await finishGold(ctx, runId, accepted.join(', '));
    return { runId, files, sources: metadata.sources, metadata };
  } catch (error) {
    if (!(error instanceof DataRejectedError)) throw error;
    // The record of the run was written before the gate was checked.
    const text = await ctx.store.getText(ctx.buckets.gold, keys.run(runId, 'metadata.json'));
    const metadata = text === undefined ? undefined : (JSON.parse(text) as RunMetadata);
    return {
      runId,
      files,
      sources: metadata?.sources ?? (await runSources(ctx, runId)),
      ...(metadata ? { metadata } : {}),
      goldRejected: error,
    };
  }
}

/** What a quarantine report records of a rejection. */
function errorFields(e: DataRejectedError) {
  return {
    name: e.name,
    message: e.message,
    code: e.code,
    reason: e.reason,
    ...(e.line === undefined ? {} : { line: e.line }),
    ...(e.quality ? { quality: e.quality } : {}),
  };
}
