/**
 * Gold for one symbol (an item of the pipeline's Distributed Map): its silver history → features and
 * regimes, scored on the production model's reference scale when the model knows the symbol (else on
 * the symbol's own history), staged beside the run. Then the reduce: the gold gate over all symbols
 * and the run's metadata, with the transition counts summed (counts are additive); only when the gate
 * passes is the staged gold published to the symbols' gold partitions.
 */
import { DataRejectedError } from '#shared/data/errors';
import { readIndicatorsCsv } from '#shared/data/indicators';
import { buildGold, combineQuality } from '#shared/data/pipeline';
import type { LayerQuality } from '#shared/data/quality';
import { goldCsv, readSilverCsv } from '#shared/data/tables';
import { formatIsoDay, utcDay } from '#shared/data/values';
import { modelReferences } from '#shared/model/artifact';
import { transitionCounts } from '#shared/model/markov';
import { INDICATORS_LEASE } from './ingest.ts';
import { type Context, keys } from './lake.ts';
import { symbolLease, withLease } from './leases.ts';
import { pointedModel } from './models.ts';

export interface SymbolGoldResult {
  symbol: string;
  goldKey: string;
  rows: number;
  warmupRows: number;
  firstDate: string | null;
  lastDate: string | null;
  referenceSource: 'model' | 'own history';
  counts: number[][];
  regimeCounts: number[];
  quality: LayerQuality;
  /** Where the gold waits until the run's gold gate passes, and the silver ETag it was built from. */
  stagedKey: string;
  silverEtag: string;
}

/**
 * Builds one symbol's gold and writes its summary beside the run (runs/<runId>/gold/<symbol>.json),
 * so the Map's results stay small however many symbols there are.
 */
export async function buildSymbolGold(
  ctx: Context,
  symbol: string,
  runId: string,
): Promise<{ symbol: string; rows: number }> {
  const result = await symbolGold(ctx, symbol, runId);
  await ctx.store.put(
    ctx.buckets.gold,
    keys.run(runId, `gold/${encodeURIComponent(symbol)}.json`),
    JSON.stringify(result),
    'application/json',
  );
  return { symbol, rows: result.rows };
}

/** The per-symbol summaries the Map wrote for a run. */
export async function symbolResults(ctx: Context, runId: string): Promise<SymbolGoldResult[]> {
  const out: SymbolGoldResult[] = [];
  for (const key of await ctx.store.list(ctx.buckets.gold, keys.run(runId, 'gold/'))) {
    const text = await ctx.store.getText(ctx.buckets.gold, key);
    if (text !== undefined) out.push(JSON.parse(text) as SymbolGoldResult);
  }
  return out;
}

/**
 * The symbol's gold, staged beside the run (published by finishGold once the gate passed). Silver is
 * read under the symbol's lease, with its ETag, so publishing can tell whether silver moved on since.
 */
async function symbolGold(ctx: Context, symbol: string, runId: string): Promise<SymbolGoldResult> {
  const silverKey = keys.silver(symbol);
  const { history, silverEtag } = await withLease(ctx, symbolLease(symbol), async () => {
    const head = await ctx.store.head(ctx.buckets.silver, silverKey);
    const body = await ctx.store.get(ctx.buckets.silver, silverKey);
    if (head === undefined || body === undefined) {
      throw new Error(`no silver partition for ${symbol} (${silverKey})`);
    }
    return { history: await readSilverCsv(body, silverKey), silverEtag: head.etag };
  });
  const production = await pointedModel(ctx, 'production');
  const references = production ? modelReferences(production.model) : undefined;
  const indicators = await withLease(ctx, INDICATORS_LEASE, async () => {
    const table = await ctx.store.get(ctx.buckets.silver, keys.indicators);
    return table === undefined ? undefined : readIndicatorsCsv(table, keys.indicators);
  });
  const gold = buildGold([history], {
    config: ctx.config.data,
    runDay: utcDay(ctx.now()),
    ...(references ? { modelReferences: references } : {}),
    ...(indicators ? { indicators } : {}),
  });
  const series = gold.series[0]!;
  const K = ctx.config.data.regimes.labels.length;
  const goldKey = keys.gold(symbol);
  const stagedKey = keys.run(runId, `staged/${goldKey}`);
  await ctx.store.put(
    ctx.buckets.gold,
    stagedKey,
    goldCsv(series, ctx.config.data.regimes.labels),
    'text/csv',
  );
  const regimeCounts = new Array<number>(K).fill(0);
  for (const s of series.markov_state) regimeCounts[s]!++;
  return {
    symbol,
    goldKey,
    rows: series.length,
    warmupRows: series.warmupRows,
    firstDate: series.length ? formatIsoDay(series.day[0]!) : null,
    lastDate: series.length ? formatIsoDay(series.day[series.length - 1]!) : null,
    referenceSource: gold.references.get(symbol)!.source,
    counts: transitionCounts([series.markov_state], K),
    regimeCounts,
    quality: gold.quality,
    stagedKey,
    silverEtag,
  };
}

/**
 * Publishes a run's staged gold (after its gate passed), each symbol under its lease: copied to the
 * symbol's gold partition when silver is still the one it was built from; otherwise a later run merged
 * newer silver and publishes its own gold, so this one is left out (never an older gold over a newer).
 */
async function publishGold(ctx: Context, results: SymbolGoldResult[]) {
  const skipped: string[] = [];
  for (const r of results) {
    await withLease(ctx, symbolLease(r.symbol), async (fence) => {
      const head = await ctx.store.head(ctx.buckets.silver, keys.silver(r.symbol));
      if (head?.etag !== r.silverEtag) {
        skipped.push(r.symbol);
        return;
      }
      await fence();
      await ctx.store.copy(
        { bucket: ctx.buckets.gold, key: r.stagedKey },
        { bucket: ctx.buckets.gold, key: r.goldKey },
      );
    });
    await ctx.store.delete(ctx.buckets.gold, r.stagedKey); // published or superseded: not needed any more
  }
  return { published: results.length - skipped.length, supersededBySilver: skipped };
}

/** The reduce after the Map: gold gate over the touched symbols, summed counts, run metadata. */
export async function finishGold(ctx: Context, runId: string, file: string) {
  const results = await symbolResults(ctx, runId);
  const withRows = results.filter((r) => r.rows > 0);
  const K = ctx.config.data.regimes.labels.length;
  const counts = Array.from({ length: K }, (_, i) =>
    Array.from({ length: K }, (_, j) => results.reduce((s, r) => s + r.counts[i]![j]!, 0)),
  );
  const quality = combineQuality(
    withRows.map((r) => r.quality),
    'gold',
    ctx.config.data.quality.gates.gold,
  );
  const metadata = {
    runId,
    file,
    at: ctx.now().toISOString(),
    symbols: results.map(({ quality: q, ...r }) => ({ ...r, quality: q })),
    counts,
    quality,
  };
  await ctx.store.put(
    ctx.buckets.gold,
    keys.run(runId, 'metadata.json'),
    JSON.stringify(metadata, null, 2),
    'application/json',
  );
  await ctx.registry.putRecord('quality', { id: `${runId}-gold`, at: metadata.at, runId, file, ...quality });
  if (withRows.length > 0 && !quality.passed) {
    throw new DataRejectedError({
      file,
      code: 'quality_gate',
      quality,
      reason: `gold quality ${quality.score.toFixed(1)} % is below the ${quality.gate} % gate: no gold was published`,
    });
  }
  const published = await publishGold(ctx, results);
  return {
    ...published,
    goldRows: withRows.reduce((s, r) => s + r.rows, 0),
    symbols: results.map((r) => r.symbol),
    counts,
    score: quality.score,
  };
}
