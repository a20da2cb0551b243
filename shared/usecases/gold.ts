/**
 * Gold for one symbol (an item of the pipeline's Distributed Map): its silver history merged with the
 * rows the run staged (./ingest.ts) → features and regimes, scored on the production model's
 * reference scale when the model knows the symbol (else on the symbol's own history), staged beside
 * the run with the merged silver. Then the reduce: the gold gate over all symbols and the run's
 * metadata, with the transition counts summed (counts are additive); only when the gate passes are
 * the staged silver and gold published to the symbols' partitions. A run that fails or dies before
 * that leaves the lake as it was (its staging is expired by the buckets' lifecycle).
 */
import { DataRejectedError } from '#shared/data/errors';
import type { GoldSeries } from '#shared/data/gold';
import { type IndicatorTable, mergeIndicators } from '#shared/data/indicators';
import type { SourceRecord } from '#shared/data/metadata';
import {
  appendGoldParquet,
  collectBytes,
  goldLabelsAre,
  goldParquet,
  indicatorsParquet,
  MAX_APPENDED_ROW_GROUPS,
  PARQUET_CONTENT_TYPE,
  parquetRowGroups,
  readGoldParquet,
  readIndicatorsParquet,
  readSilverParquet,
  silverParquet,
} from '#shared/data/parquet-tables';
import { buildGold, combineQuality } from '#shared/data/pipeline';
import type { LayerQuality } from '#shared/data/quality';
import type { SilverSeries } from '#shared/data/series';
import { mergeSilver } from '#shared/data/silver';
import { readStagedRows } from '#shared/data/staged-rows';
import type { GoldTable } from '#shared/data/tables';
import { formatIsoDay, utcDay } from '#shared/data/values';
import { modelReferences } from '#shared/model/artifact';
import { transitionCounts } from '#shared/model/markov';
import type { LiveState } from '#shared/ports';
import { mapLimit } from './concurrency.ts';
import { INDICATORS_LEASE } from './ingest.ts';
import { type Context, keys } from './lake.ts';
import { symbolLease, withLease } from './leases.ts';
import { pointedModel } from './models.ts';

export interface SymbolGoldResult {
  symbol: string;
  goldKey: string;
  rows: number;
  warmupRows: number;
  /** Post-warm-up rows left out as point-in-time burn-in (scoring.minHistory). */
  burnInRows: number;
  /** Why the symbol has no gold rows yet and how much more history it needs (absent when it has some). */
  shortHistory?: string;
  /** When its rows are not daily trading days (weekly, monthly, weekends): what that changes. */
  cadence?: string;
  /** When a weighted feature never changes over its gold rows: what that does to its regimes. */
  constant?: string;
  /** When the price makes returns that did not happen (adjclose and close mixed, a split without adjclose). */
  price?: string;
  firstDate: string | null;
  lastDate: string | null;
  referenceSource: 'model' | 'own history';
  /**
   * `appended`: the run only added days after the published silver's last one, so the published gold
   * (point in time: immutable) was kept byte for byte and only the new rows were written; `rebuilt`:
   * the whole gold was written from the merged silver; `merged again`: a concurrent run published
   * the symbol's silver after this run's gold step, so at publish this run's rows were merged onto
   * that silver and the gold rebuilt from it (this record is of the gold published).
   */
  goldWrite: 'appended' | 'rebuilt' | 'merged again';
  counts: number[][];
  regimeCounts: number[];
  /** The regime of the last gold row (null without gold rows). */
  latestRegime: string | null;
  /** The last gold row: the symbol's live state once published (null without gold rows). */
  live: LiveRow | null;
  quality: LayerQuality;
  /** Where the gold waits until the run's gates pass. */
  stagedKey: string;
  /** Where the merged silver waits (null when the run brought no rows of the symbol). */
  stagedSilverKey: string | null;
  /** The ETags of the published silver and indicator table the gold was built from (null: none). */
  silverEtag: string | null;
  indicatorsEtag: string | null;
}

/** A symbol's last gold row, as its live state keeps it (shared/ports LiveState without run and time). */
export type LiveRow = Omit<LiveState, 'runId' | 'at'>;

export function liveRow(series: GoldSeries, labels: readonly string[]): LiveRow | null {
  const i = series.length - 1;
  if (i < 0) return null;
  const state = series.markov_state[i]!;
  return {
    symbol: series.symbol,
    date: formatIsoDay(series.day[i]!),
    state,
    regime: labels[state]!,
    regimeAge: series.regime_age[i]!,
    riskScore: series.risk_score[i]!,
    features: {
      log_return: series.log_return[i]!,
      realized_vol_21d: series.realized_vol_21d[i]!,
      drawdown: series.drawdown[i]!,
    },
  };
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
 * The symbol's silver history with the run's staged rows merged in (in file order), and the ETag of
 * the published silver it started from. Read without the lease, in one request that gives the bytes
 * with their own ETag: a publish that finds another ETag merges again (publishRun).
 */
async function mergedSilver(ctx: Context, symbol: string, runId: string) {
  const silverKey = keys.silver(symbol);
  const read = await ctx.store.read(ctx.buckets.silver, silverKey);
  const published = {
    history:
      read === undefined ? undefined : await readSilverParquet(await collectBytes(read.body), silverKey),
    etag: read === undefined ? null : read.etag,
  };
  let history: SilverSeries | undefined = published.history;
  const staged = await ctx.store.list(ctx.buckets.silver, keys.stagedRowsPrefix(runId, symbol));
  let firstStagedDay = Number.POSITIVE_INFINITY;
  for (const key of staged) {
    const body = await ctx.store.get(ctx.buckets.silver, key);
    if (body === undefined) continue;
    const rows = readStagedRows(await collectBytes(body), key);
    if (rows.length > 0) firstStagedDay = Math.min(firstStagedDay, rows.day[0]!);
    history = mergeSilver(history, rows);
  }
  if (history === undefined) throw new Error(`no silver partition for ${symbol} (${silverKey})`);
  // Only days after the published history's last one (staged rows are sorted): no published day changed.
  const lastPublished = published.history?.length
    ? published.history.day[published.history.length - 1]!
    : null;
  const appendsOnly =
    lastPublished !== null && firstStagedDay > lastPublished && firstStagedDay !== Number.POSITIVE_INFINITY;
  return { history, silverEtag: published.etag, merged: staged.length > 0, appendsOnly };
}

/**
 * The published risk-indicator table (and its ETag) with the run's staged tables merged in. Read
 * without the lease, as mergedSilver is (bytes and ETag from one read); publishRun merges again under it.
 */
async function mergedIndicators(ctx: Context, runId: string) {
  const read = await ctx.store.read(ctx.buckets.silver, keys.indicators);
  let table: IndicatorTable | undefined =
    read === undefined
      ? undefined
      : await readIndicatorsParquet(await collectBytes(read.body), keys.indicators);
  const etag = read === undefined ? null : read.etag;
  const staged = await ctx.store.list(ctx.buckets.silver, keys.stagedIndicatorsPrefix(runId));
  for (const key of staged) {
    const rows = await ctx.store.get(ctx.buckets.silver, key);
    if (rows !== undefined)
      table = mergeIndicators(table, await readIndicatorsParquet(await collectBytes(rows), key));
  }
  return { table, etag, staged };
}

/**
 * Gold of one merged silver history: point in time (the default), or under `scoring.mode: reference`
 * on the production model's scale when it knows the symbol.
 */
async function goldOf(ctx: Context, history: SilverSeries, indicators: IndicatorTable | undefined) {
  const byReference = ctx.config.data.scoring.mode === 'reference';
  const production = byReference ? await pointedModel(ctx, 'production') : undefined;
  const references = production ? modelReferences(production.model) : undefined;
  return buildGold([history], {
    config: ctx.config.data,
    runDay: utcDay(ctx.now()),
    ...(references ? { modelReferences: references } : {}),
    ...(indicators ? { indicators } : {}),
  });
}

/** The symbol's gold and merged silver, staged beside the run (published by finishGold). */
async function symbolGold(ctx: Context, symbol: string, runId: string): Promise<SymbolGoldResult> {
  const { history, silverEtag, merged, appendsOnly } = await mergedSilver(ctx, symbol, runId);
  const indicators = await mergedIndicators(ctx, runId);
  const gold = await goldOf(ctx, history, indicators.table);
  const series = gold.series[0]!;
  const stagedKey = keys.stagedGold(runId, symbol);
  const appendable =
    appendsOnly && ctx.config.data.scoring.mode === 'point-in-time' && indicators.table === undefined;
  const body = await goldBody(ctx, symbol, series, appendable);
  await ctx.store.put(ctx.buckets.gold, stagedKey, body.bytes, PARQUET_CONTENT_TYPE);
  let stagedSilverKey: string | null = null;
  if (merged) {
    stagedSilverKey = keys.stagedSilver(runId, symbol);
    await ctx.store.put(ctx.buckets.silver, stagedSilverKey, silverParquet(history), PARQUET_CONTENT_TYPE);
  }
  return goldRecord(ctx, symbol, gold, body.appended ? 'appended' : 'rebuilt', {
    stagedKey,
    stagedSilverKey,
    silverEtag,
    indicatorsEtag: indicators.etag,
  });
}

/** The run record of one symbol's gold (`gold`: buildGold of that one symbol). */
function goldRecord(
  ctx: Context,
  symbol: string,
  gold: Awaited<ReturnType<typeof goldOf>>,
  goldWrite: SymbolGoldResult['goldWrite'],
  staging: Pick<SymbolGoldResult, 'stagedKey' | 'stagedSilverKey' | 'silverEtag' | 'indicatorsEtag'>,
): SymbolGoldResult {
  const series = gold.series[0]!;
  const labels = ctx.config.data.regimes.labels;
  const regimeCounts = new Array<number>(labels.length).fill(0);
  for (const s of series.markov_state) regimeCounts[s]!++;
  return {
    symbol,
    goldKey: keys.gold(symbol),
    rows: series.length,
    warmupRows: series.warmupRows,
    burnInRows: series.burnInRows,
    ...(gold.symbols[0]!.shortHistory ? { shortHistory: gold.symbols[0]!.shortHistory } : {}),
    ...(gold.symbols[0]!.cadence ? { cadence: gold.symbols[0]!.cadence } : {}),
    ...(gold.symbols[0]!.constant ? { constant: gold.symbols[0]!.constant } : {}),
    ...(gold.symbols[0]!.price ? { price: gold.symbols[0]!.price } : {}),
    firstDate: series.length ? formatIsoDay(series.day[0]!) : null,
    lastDate: series.length ? formatIsoDay(series.day[series.length - 1]!) : null,
    referenceSource: gold.references.get(symbol)!.source,
    goldWrite,
    counts: transitionCounts([series.markov_state], labels.length),
    regimeCounts,
    latestRegime: series.length ? labels[series.markov_state[series.length - 1]!]! : null,
    live: liveRow(series, labels),
    quality: gold.quality,
    ...staging,
  };
}

/**
 * The gold file of a symbol. When `appendable` (point-in-time scoring, no indicator table, and the
 * run only added days after the published silver's last one), the published gold is a prefix of the
 * new gold (DOMAIN §3 v2: appending never changes an earlier row): its bytes are kept and only the
 * new rows are encoded, as one more row group (parquet-tables.ts appendGoldParquet). Kept only if
 * every published row equals the rebuilt one bit for bit (a changed config — thresholds, weights,
 * window, minHistory — changes some), and while the file has fewer than MAX_APPENDED_ROW_GROUPS row
 * groups (then it is written whole again, as one); else rebuilt.
 */
async function goldBody(
  ctx: Context,
  symbol: string,
  series: GoldSeries,
  appendable: boolean,
): Promise<{ bytes: Uint8Array; appended: boolean }> {
  const labels = ctx.config.data.regimes.labels;
  const rebuild = () => ({ bytes: goldParquet(series, labels), appended: false });
  if (!appendable) return rebuild();
  const body = await ctx.store.get(ctx.buckets.gold, keys.gold(symbol));
  if (body === undefined) return rebuild();
  const published = await collectBytes(body);
  const [kept] = await readGoldParquet(published, keys.gold(symbol)).catch(() => []);
  if (kept === undefined || kept.length > series.length || !samePrefix(kept, series)) return rebuild();
  // The same states under other names (regimes.labels changed): the whole file is written again.
  if (!(await goldLabelsAre(published, keys.gold(symbol), labels).catch(() => false))) return rebuild();
  if (parquetRowGroups(published) >= MAX_APPENDED_ROW_GROUPS) return rebuild();
  const bytes = appendGoldParquet(published, series, labels, kept.length);
  return bytes === undefined ? rebuild() : { bytes, appended: true };
}

/** True when every row of `kept` equals the same row of `series`, bit for bit. */
function samePrefix(kept: GoldTable, series: GoldSeries): boolean {
  const doubles = ['price', 'log_return', 'realized_vol_21d', 'drawdown', 'risk_score'] as const;
  for (let i = 0; i < kept.length; i++) {
    if (
      kept.day[i] !== series.day[i] ||
      kept.markov_state[i] !== series.markov_state[i] ||
      kept.regime_age[i] !== series.regime_age[i]
    )
      return false;
    for (const c of doubles) if (!Object.is(kept[c][i], series[c][i])) return false;
  }
  return true;
}

/**
 * Publishes a run's staged silver and gold (after every gate passed). The run's indicator tables
 * first, merged into the published table under its lease. Then each symbol under its lease: when the
 * published silver (and indicator table) are still the ones its gold was built from, the staged
 * silver and gold are copied into place; when a concurrent run published first, the symbol is
 * merged again onto what is there now (never an older silver or gold over a newer one, and no
 * file's rows lost). Finally the run's staging is deleted.
 */
async function publishRun(ctx: Context, runId: string, results: SymbolGoldResult[]) {
  const indicators = await mergedIndicators(ctx, runId);
  let indicatorsEtag = indicators.etag;
  if (indicators.staged.length > 0 && indicators.table) {
    // Merged again under the lease: another run may have published between the read and now.
    await withLease(ctx, INDICATORS_LEASE, async (fence) => {
      const now = await mergedIndicators(ctx, runId);
      indicatorsEtag = now.etag;
      await fence();
      await ctx.store.put(
        ctx.buckets.silver,
        keys.indicators,
        indicatorsParquet(now.table!),
        PARQUET_CONTENT_TYPE,
      );
    });
  }
  const rebuilt: SymbolGoldResult[] = [];
  await mapLimit(results, ctx.config.platform.pipeline.symbolConcurrency, (r) =>
    withLease(ctx, symbolLease(r.symbol), async (fence) => {
      const head = await ctx.store.head(ctx.buckets.silver, keys.silver(r.symbol));
      const current = head === undefined ? null : head.etag;
      if (current === r.silverEtag && indicatorsEtag === r.indicatorsEtag) {
        await fence();
        if (r.stagedSilverKey) {
          await ctx.store.copy(
            { bucket: ctx.buckets.silver, key: r.stagedSilverKey },
            { bucket: ctx.buckets.silver, key: keys.silver(r.symbol) },
          );
        }
        await ctx.store.copy(
          { bucket: ctx.buckets.gold, key: r.stagedKey },
          { bucket: ctx.buckets.gold, key: r.goldKey },
        );
        if (r.live) await ctx.registry.putLive({ ...r.live, runId, at: ctx.now().toISOString() });
        return;
      }
      // Silver moved on since the gold step: merge this run's rows onto the silver there now.
      const silverKey = keys.silver(r.symbol);
      const body = await ctx.store.get(ctx.buckets.silver, silverKey);
      let history =
        body === undefined ? undefined : await readSilverParquet(await collectBytes(body), silverKey);
      for (const key of await ctx.store.list(ctx.buckets.silver, keys.stagedRowsPrefix(runId, r.symbol))) {
        const rows = await ctx.store.get(ctx.buckets.silver, key);
        if (rows !== undefined) history = mergeSilver(history, readStagedRows(await collectBytes(rows), key));
      }
      if (history === undefined) return;
      const table = await ctx.store.get(ctx.buckets.silver, keys.indicators);
      const gold = await goldOf(
        ctx,
        history,
        table && (await readIndicatorsParquet(await collectBytes(table), keys.indicators)),
      );
      await fence();
      if (r.stagedSilverKey)
        await ctx.store.put(ctx.buckets.silver, silverKey, silverParquet(history), PARQUET_CONTENT_TYPE);
      await ctx.store.put(
        ctx.buckets.gold,
        r.goldKey,
        goldParquet(gold.series[0]!, ctx.config.data.regimes.labels),
        PARQUET_CONTENT_TYPE,
      );
      const record = goldRecord(ctx, r.symbol, gold, 'merged again', {
        stagedKey: r.stagedKey,
        stagedSilverKey: r.stagedSilverKey,
        silverEtag: current,
        indicatorsEtag,
      });
      rebuilt.push(record);
      if (record.live) await ctx.registry.putLive({ ...record.live, runId, at: ctx.now().toISOString() });
    }),
  );
  await discardStaging(ctx, runId);
  return { published: results.length, mergedAgain: rebuilt };
}

/** Deletes what a run staged in silver and gold (nothing there is a layer). */
export async function discardStaging(ctx: Context, runId: string): Promise<void> {
  for (const bucket of [ctx.buckets.silver, ctx.buckets.gold]) {
    await ctx.store.deleteMany(bucket, await ctx.store.list(bucket, keys.staging(runId)));
  }
}

/**
 * The record of a run (runs/<runId>/metadata.json), the same in every path (Step Functions, the local
 * runtime, `finml pipeline`): each file the run saw, the quality of each layer, what gold holds.
 */
export interface RunMetadata {
  runId: string;
  /** The object (or the files) the run was started for. */
  file: string;
  at: string;
  runDate: string;
  configHash: string;
  sources: SourceRecord[];
  quality: { bronze: LayerQuality; silver: LayerQuality; gold: LayerQuality | null };
  gold: {
    rows: number;
    warmupRows: number;
    burnInRows: number;
    regimeCounts: Record<string, number>;
    symbols: Omit<SymbolGoldResult, 'stagedKey' | 'stagedSilverKey'>[];
  };
  /** Transition counts summed over the run's symbols (row i = from, column j = to). */
  counts: number[][];
}

/** The records of the files a run saw, in file order. */
export async function runSources(ctx: Context, runId: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for (const key of await ctx.store.list(ctx.buckets.gold, keys.run(runId, 'sources/'))) {
    const text = await ctx.store.getText(ctx.buckets.gold, key);
    if (text !== undefined) out.push(JSON.parse(text) as SourceRecord);
  }
  return out;
}

/** The gold layer's quality over the symbols with gold rows (counts combined). */
function goldQualityOf(ctx: Context, results: SymbolGoldResult[]): LayerQuality {
  const withRows = results.filter((r) => r.rows > 0);
  return combineQuality(
    withRows.map((r) => r.quality),
    'gold',
    ctx.config.data.quality.gates.gold,
  );
}

/** The run record of `results` (the symbols' gold records) and `sources` (the files' records). */
function runMetadata(
  ctx: Context,
  runId: string,
  file: string,
  sources: SourceRecord[],
  results: SymbolGoldResult[],
): RunMetadata {
  const withRows = results.filter((r) => r.rows > 0);
  const labels = ctx.config.data.regimes.labels;
  const K = labels.length;
  const gates = ctx.config.data.quality.gates;
  const layer = (l: 'bronze' | 'silver') =>
    combineQuality(
      sources.flatMap((s) => (s.status === 'accepted' && s.quality[l] ? [s.quality[l]] : [])),
      l,
      gates[l],
    );
  return {
    runId,
    file,
    at: ctx.now().toISOString(),
    runDate: formatIsoDay(utcDay(ctx.now())),
    configHash: ctx.configHash,
    sources,
    quality: {
      bronze: layer('bronze'),
      silver: layer('silver'),
      gold: withRows.length > 0 ? goldQualityOf(ctx, results) : null,
    },
    gold: {
      rows: withRows.reduce((s, r) => s + r.rows, 0),
      warmupRows: results.reduce((s, r) => s + r.warmupRows, 0),
      burnInRows: results.reduce((s, r) => s + (r.burnInRows ?? 0), 0),
      regimeCounts: Object.fromEntries(
        labels.map((l, k) => [l, results.reduce((s, r) => s + (r.regimeCounts[k] ?? 0), 0)]),
      ),
      symbols: results.map(({ stagedKey: _g, stagedSilverKey: _s, ...r }) => r),
    },
    // Transition counts are additive: the run's are the sum of its symbols'.
    counts: Array.from({ length: K }, (_, i) =>
      Array.from({ length: K }, (_, j) => results.reduce((s, r) => s + r.counts[i]![j]!, 0)),
    ),
  };
}

/** How many symbol warnings a gold quality record names (the rest are counted): bounds the item. */
const MAX_RECORDED_WARNINGS = 20;

/**
 * The warnings of a run's symbols, as the CLI prints them with `!`: rows that are not daily, a
 * weighted feature that never moves (every day High), no gold yet (how much more history it needs).
 */
export function symbolWarnings(results: readonly SymbolGoldResult[]): { first: string[]; count: number } {
  const all = results.flatMap((r) =>
    [r.cadence, r.constant, r.price, r.shortHistory].filter((w) => w !== undefined),
  );
  return { first: all.slice(0, MAX_RECORDED_WARNINGS), count: all.length };
}

/**
 * The reduce after the Map: the gold gate over the touched symbols, the run record
 * (runs/<runId>/metadata.json), then the publish. A symbol merged again at publish (a concurrent run
 * published its silver first) has its record replaced by that of the gold published, and the run
 * record is written again: it describes what the lake holds.
 */
export async function finishGold(ctx: Context, runId: string, file: string) {
  const staged = await symbolResults(ctx, runId);
  const sources = await runSources(ctx, runId);
  const metadataKey = keys.run(runId, 'metadata.json');
  const write = (m: RunMetadata) =>
    ctx.store.put(ctx.buckets.gold, metadataKey, JSON.stringify(m, null, 2), 'application/json');
  let metadata = runMetadata(ctx, runId, file, sources, staged);
  await write(metadata);
  // The gold quality record (the Data quality page's): the gate's verdict on the staged gold, and,
  // written again below when symbols had to be merged again at publish, the rows published (the
  // gate judged the staged rows: its verdict and scores stay theirs, `stagedRows` says how many).
  const recordQuality = async (
    results: SymbolGoldResult[],
    m: RunMetadata,
    published?: { results: SymbolGoldResult[]; mergedAgain: number },
  ) => {
    const quality = goldQualityOf(ctx, results);
    const warnings = symbolWarnings(published?.results ?? results);
    await ctx.registry.putRecord('quality', {
      id: `${runId}-gold`,
      at: m.at,
      runId,
      file,
      ...quality,
      // No touched symbol has gold rows yet (all still in warm-up or burn-in): nothing was scored and
      // the gate did not apply — not a failed check (the CLI prints "gold n/a").
      ...(m.quality.gold === null ? { scored: false } : {}),
      ...(warnings.count > 0 ? { warnings: warnings.first, warningCount: warnings.count } : {}),
      ...(published
        ? {
            rows: goldQualityOf(ctx, published.results).rows,
            stagedRows: quality.rows,
            mergedAgain: published.mergedAgain,
          }
        : {}),
    });
    return quality;
  };
  const quality = await recordQuality(staged, metadata);
  if (metadata.quality.gold !== null && !quality.passed) {
    await discardStaging(ctx, runId);
    throw new DataRejectedError({
      file,
      code: 'quality_gate',
      quality,
      reason: `gold quality ${quality.score.toFixed(1)} % is below the ${quality.gate} % gate: no silver or gold was published`,
    });
  }
  await ctx.store.put(
    ctx.buckets.gold,
    keys.run(runId, PUBLISHING_MARKER),
    JSON.stringify({ at: ctx.now().toISOString(), symbols: staged.length }),
    'application/json',
  );
  const published = await publishRun(ctx, runId, staged);
  // What a later failure of the run looks at (runPublished): its layers are out.
  await ctx.store.put(
    ctx.buckets.gold,
    keys.run(runId, PUBLISHED_MARKER),
    JSON.stringify({ at: ctx.now().toISOString(), symbols: published.published }),
    'application/json',
  );
  let results = staged;
  if (published.mergedAgain.length > 0) {
    const again = new Map(published.mergedAgain.map((r) => [r.symbol, r]));
    results = staged.map((r) => again.get(r.symbol) ?? r);
    metadata = runMetadata(ctx, runId, file, sources, results);
    await write(metadata);
    await recordQuality(staged, metadata, { results, mergedAgain: published.mergedAgain.length });
  }
  return {
    published: published.published,
    mergedAgain: published.mergedAgain.map((r) => r.symbol),
    metadata,
    goldRows: metadata.gold.rows,
    symbols: results.map((r) => r.symbol),
    counts: metadata.counts,
    score: goldQualityOf(ctx, results).score,
  };
}

/** Written beside a run's record once its silver and gold are published. */
const PUBLISHED_MARKER = 'published.json';
/** Written beside a run's record as its publish starts (before the first symbol is copied). */
const PUBLISHING_MARKER = 'publishing.json';

/**
 * Whether a run published its silver and gold: true once it finished the publish; 'partly' when it
 * stopped during the publish (some symbols may be out, the others not); false before it.
 */
export async function runPublished(ctx: Context, runId: string): Promise<boolean | 'partly'> {
  if ((await ctx.store.head(ctx.buckets.gold, keys.run(runId, PUBLISHED_MARKER))) !== undefined) return true;
  return (await ctx.store.head(ctx.buckets.gold, keys.run(runId, PUBLISHING_MARKER))) !== undefined
    ? 'partly'
    : false;
}

/** How many symbols a run summary names (those merged again), at most. */
const SUMMARY_SYMBOLS = 20;

/**
 * What the gold gate hands back to the state machine: the same size whatever the number of symbols,
 * as Step Functions holds a state's data to 256 KiB (about 350 symbols' entries of the run record).
 * The run record (`metadataKey`) holds everything else, symbol by symbol.
 */
export function runSummary(runId: string, finished: Awaited<ReturnType<typeof finishGold>>) {
  return {
    runId,
    metadataKey: keys.run(runId, 'metadata.json'),
    symbols: finished.symbols.length,
    goldRows: finished.goldRows,
    score: finished.score,
    published: finished.published,
    mergedAgain: finished.mergedAgain.length,
    mergedAgainSymbols: finished.mergedAgain.slice(0, SUMMARY_SYMBOLS),
    counts: finished.counts,
  };
}
