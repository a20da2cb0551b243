/**
 * The data-layer use case: bronze files in, silver histories and a gold table out, with the
 * quality gates of DOMAIN §7 and a metadata record of everything that happened. Pure: the caller
 * supplies the bytes and the existing silver, and writes what comes back (CLI: files; cloud: S3).
 */
import type { DataConfig } from '#config/schema';
import {
  type BronzeFile,
  type BronzeInput,
  type BronzeScan,
  DROP_REASONS,
  type DropReason,
  gateError,
  scanBronzeMarketFile,
} from './bronze.ts';
import { DataRejectedError, type RejectionCode } from './errors.ts';
import {
  computeFeatures,
  type Feature,
  type GoldFeatures,
  type GoldSeries,
  goldCounts,
  goldQuality,
  type ReferenceSample,
  referenceSample,
  scoreRegimes,
  weightedFeatures,
} from './gold.ts';
import {
  type IndicatorTable,
  isIndicatorFile,
  joinIndicators,
  mergeIndicators,
  readBronzeIndicatorFile,
} from './indicators.ts';
import { type RankedValues, rankValues, scorePointInTime } from './point-in-time.ts';
import { addCounts, countsQuality, type LayerQuality, layerQuality, NO_ROWS } from './quality.ts';
import type { SilverSeries } from './series.ts';
import { cleanSeries, mergeSilver, type SilverStats, silverCounts } from './silver.ts';
import { type BlockSpill, MemorySpill, OverflowSpill } from './spill.ts';
import { formatIsoDay } from './values.ts';

export interface Rejection {
  file: string;
  code: RejectionCode;
  line?: number;
  reason: string;
  message: string;
}

export interface AcceptedFile {
  status: 'accepted';
  /** Market prices, or risk indicators (joined to every symbol's gold rows by date). */
  kind: 'market' | 'indicators';
  bronze: Omit<BronzeFile, 'series'>;
  silver: { symbols: SilverStats[]; quality: LayerQuality };
}

export interface RejectedFile {
  status: 'rejected';
  kind: 'market' | 'indicators';
  file: string;
  rejection: Rejection;
  /** What was measured before the file was rejected (absent when it could not be read at all). */
  bronze?: Omit<BronzeFile, 'series'>;
  silver?: { symbols: SilverStats[]; quality: LayerQuality };
}

export type FileOutcome = AcceptedFile | RejectedFile;

export interface IngestOptions {
  config: DataConfig;
  runDay: number;
  onProgress?: (bytesRead: number) => void;
}

/** A market file that passed the bronze and silver gates: its cleaned rows, read back per symbol. */
export interface AdmittedFile {
  /** Symbols with accepted rows, in the order of their first accepted row. */
  symbols: string[];
  /** One symbol's silver rows (cleaned anew at each call, from the rows kept in the spill). */
  cleaned(symbol: string): SilverSeries;
}

/**
 * Bronze → silver for one market file, one symbol at a time: the bronze gate, then each symbol
 * cleaned and counted for the silver gate. The accepted rows stay in `spill` (owned by the caller,
 * who disposes it when done with the admitted file). A rejected file has no admitted rows; its
 * outcome carries the reason (for the quarantine report).
 *
 * `onCleaned`, when given, receives each symbol's silver rows as they are cleaned for the gate —
 * before the gate is known — so a caller that keeps them (the run's staging) does not clean every
 * symbol a second time; such a caller discards what it kept when the file is rejected.
 */
export async function admitMarketFile(
  input: BronzeInput,
  options: IngestOptions & {
    spill?: BlockSpill;
    onCleaned?: (series: SilverSeries) => void | Promise<void>;
  },
): Promise<{ outcome: FileOutcome; admitted?: AdmittedFile }> {
  const { config, runDay } = options;
  let scan: BronzeScan;
  try {
    scan = await scanBronzeMarketFile(input, options);
  } catch (error) {
    if (error instanceof DataRejectedError) return { outcome: rejected(error) };
    throw error;
  }
  const { symbols, series, ...bronzeSummary } = scan;
  const stats: SilverStats[] = [];
  let counts = NO_ROWS;
  for (const symbol of symbols) {
    const c = cleanSeries(series(symbol), config);
    stats.push(c.stats);
    counts = addCounts(counts, silverCounts(c.series, runDay));
    await options.onCleaned?.(c.series);
  }
  const silver = { symbols: stats, quality: countsQuality('silver', config.quality.gates.silver, counts) };
  if (!silver.quality.passed) {
    return {
      outcome: {
        ...rejected(silverGateError(input.name, silver.quality, stats)),
        bronze: bronzeSummary,
        silver,
      },
    };
  }
  return {
    outcome: { status: 'accepted', kind: 'market', bronze: bronzeSummary, silver },
    admitted: { symbols, cleaned: (symbol) => cleanSeries(series(symbol), config).series },
  };
}

/**
 * Bronze → cleaned silver rows for one file, every symbol in memory (see admitMarketFile for the
 * gates). A rejected file yields no rows.
 */
export async function ingestFile(
  input: BronzeInput,
  options: IngestOptions,
): Promise<{ outcome: FileOutcome; cleaned: SilverSeries[] }> {
  const { outcome, admitted } = await admitMarketFile(input, options);
  return { outcome, cleaned: admitted ? admitted.symbols.map((s) => admitted.cleaned(s)) : [] };
}

function rejected(error: DataRejectedError, kind: RejectedFile['kind'] = 'market'): RejectedFile {
  return {
    status: 'rejected',
    kind,
    file: error.file,
    rejection: {
      file: error.file,
      code: error.code,
      ...(error.line === undefined ? {} : { line: error.line }),
      reason: error.reason,
      message: error.message,
    },
  };
}

/**
 * A risk-indicator file → its validated table (DOMAIN §1). The outcome has the shape of a market
 * file's so that reports and metadata list every input alike (no symbols; bronze quality only).
 */
export async function ingestIndicatorFile(
  input: BronzeInput,
  options: IngestOptions,
): Promise<{ outcome: FileOutcome; table?: IndicatorTable }> {
  let f: Awaited<ReturnType<typeof readBronzeIndicatorFile>>;
  try {
    f = await readBronzeIndicatorFile(input, options);
  } catch (error) {
    if (error instanceof DataRejectedError) return { outcome: rejected(error, 'indicators') };
    throw error;
  }
  const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  for (const [reason, n] of Object.entries(f.dropped)) dropped[reason as DropReason] = n;
  const bronze: Omit<BronzeFile, 'series'> = {
    file: f.file,
    sha256: f.sha256,
    bytes: f.bytes,
    header: {
      columns: ['date', ...f.columns],
      used: ['date', ...f.columns],
      ignored: [],
      symbolFrom: 'file name',
    },
    rowsIn: f.rowsIn,
    rowsAccepted: f.rowsAccepted,
    dropped,
    examples: f.examples.map((e) => ({ ...e, reason: e.reason as DropReason })),
    volumeInvalidAsMissing: f.invalidCellsAsMissing,
    quality: f.quality,
  };
  const silver = {
    symbols: [],
    quality: { ...f.quality, layer: 'silver' as const, gate: options.config.quality.gates.silver },
  };
  return { outcome: { status: 'accepted', kind: 'indicators', bronze, silver }, table: f.table };
}

export interface GoldReference {
  sample: ReferenceSample;
  source: 'model' | 'own history';
}

/** What the run's gold holds for one symbol (without its rows). */
export interface GoldSymbolSummary {
  symbol: string;
  rows: number;
  warmupRows: number;
  /** Post-warm-up rows left out as point-in-time burn-in. */
  burnInRows: number;
  /** Why the symbol has no gold rows yet (how much more history it needs), when it has none. */
  shortHistory?: string;
  /** When its rows are not daily trading days (weekly, monthly, or with weekends): what that changes. */
  cadence?: string;
  /** When a weighted feature never changes over its gold rows (a price that does not move): what that does. */
  constant?: string;
  /** When the price makes returns that did not happen (adjclose and close mixed; a split without adjclose). */
  price?: string;
  /** First and last gold day (days since epoch), null without gold rows. */
  firstDay: number | null;
  lastDay: number | null;
  /** Rows per regime state (index = state). */
  stateCounts: number[];
  /** The regime state of the last gold row, null without gold rows. */
  latestState: number | null;
  reference: { source: GoldReference['source']; sizes: Record<string, number> };
}

/** The run's gold: per-symbol summaries (sorted by symbol) and the layer's quality. */
export interface GoldSummary {
  symbols: GoldSymbolSummary[];
  quality: LayerQuality;
}

export interface GoldResult extends GoldSummary {
  series: GoldSeries[];
  /** The reference sample each symbol was scored against, and where it came from. */
  references: Map<string, GoldReference>;
}

export interface GoldOptions {
  config: DataConfig;
  runDay: number;
  modelReferences?: ReadonlyMap<string, ReferenceSample>;
  /** Risk indicators joined to every symbol's gold rows by date (forward-filled). */
  indicators?: IndicatorTable;
}

/**
 * Gold for one silver history. Under `scoring.mode: point-in-time` (the default) each day is scored
 * against the symbol's own history up to that day, after a `minHistory` burn-in; the reference
 * returned is the symbol's full history (what a model trained on this gold keeps for drift checks).
 * Under `scoring.mode: reference` a symbol with a reference in `modelReferences` is scored on the
 * model's scale, otherwise on its own full history.
 */
export function goldForHistory(
  history: SilverSeries,
  options: GoldOptions,
): { series: GoldSeries; reference: GoldReference; price?: string } {
  const { config } = options;
  const features = computeFeatures(history, config);
  const price = priceMessage(history);
  const pointInTime = config.scoring.mode === 'point-in-time';
  const fromModel = pointInTime ? undefined : options.modelReferences?.get(history.symbol);
  // Point in time, the own-history reference sample is each feature's ranked values, sorted: the
  // scores' sort, done once.
  const ranked = pointInTime ? rankedFeatures(features, config) : undefined;
  const sample = fromModel ?? (ranked ? sortedOf(ranked) : referenceSample(features, config));
  const reference: GoldReference = { sample, source: fromModel ? 'model' : 'own history' };
  let series: GoldSeries;
  if (features.length === 0) {
    series = {
      ...features,
      scores: {},
      risk_score: new Float64Array(0),
      markov_state: new Uint8Array(0),
      regime_age: new Int32Array(0),
      burnInRows: 0,
    };
  } else if (pointInTime) {
    series = scorePointInTime(features, config, config.scoring.minHistory, ranked);
  } else {
    series = scoreRegimes(features, sample, config);
  }
  if (series.length > 0 && options.indicators && options.indicators.length > 0)
    series.indicators = joinIndicators(series.day, options.indicators);
  return { series, reference, ...(price ? { price } : {}) };
}

/** A close-to-close move at least this large (up 80 %, or down 44 %) without adjclose: a split? */
const SPLIT_LIKE_LOG_MOVE = Math.log(1.8);

/**
 * A warning when the gold price (DOMAIN §3: adjclose where present, else close) makes returns that
 * did not happen, undefined otherwise:
 * - adjclose missing on some rows only, and different from close on others: each switch between
 *   the two bases is a jump (a vendor that adjusts 0.8 × close gave log returns of +0.21 and −0.22);
 * - no adjclose at all, and a close-to-close move like a split's (2:1 is −0.69).
 */
export function priceMessage(h: SilverSeries): string | undefined {
  const n = h.length;
  let withAdj = 0;
  let maxGap = 0;
  for (let i = 0; i < n; i++) {
    const a = h.adjclose[i]!;
    if (Number.isNaN(a)) continue;
    withAdj++;
    maxGap = Math.max(maxGap, Math.abs(a / h.close[i]! - 1));
  }
  if (withAdj > 0 && withAdj < n && maxGap > 1e-6) {
    return `${h.symbol}: adjclose is missing on ${n - withAdj} of its ${n} rows (close is the price there) and differs from close by up to ${(100 * maxGap).toFixed(1)} % on the others: each switch between the two makes a return that did not happen — fill adjclose in, or leave the column out to use close throughout`;
  }
  if (withAdj > 0) return undefined;
  let moves = 0;
  let worst = 0;
  let worstDay = 0;
  for (let i = 1; i < n; i++) {
    const r = Math.log(h.close[i]! / h.close[i - 1]!);
    if (!(Math.abs(r) >= SPLIT_LIKE_LOG_MOVE)) continue;
    moves++;
    if (Math.abs(r) > Math.abs(worst)) {
      worst = r;
      worstDay = h.day[i]!;
    }
  }
  if (moves === 0) return undefined;
  return `${h.symbol}: close moved ${(100 * Math.expm1(worst)).toFixed(0)} % from one row to the next on ${formatIsoDay(worstDay)}${moves > 1 ? ` (and ${moves - 1} more such move${moves > 2 ? 's' : ''})` : ''}, with no adjclose column: a split or a bad print is taken as a return — give adjclose (split-adjusted prices)`;
}

/** Each weighted feature's values, ranked (rankValues). */
function rankedFeatures(f: GoldFeatures, config: DataConfig): Partial<Record<Feature, RankedValues>> {
  const ranked: Partial<Record<Feature, RankedValues>> = {};
  for (const feature of weightedFeatures(config)) ranked[feature] = rankValues(f[feature]);
  return ranked;
}

function sortedOf(ranked: Partial<Record<Feature, RankedValues>>): ReferenceSample {
  const sample: ReferenceSample = {};
  for (const [feature, r] of Object.entries(ranked) as [Feature, RankedValues][]) sample[feature] = r.sorted;
  return sample;
}

/**
 * Why a symbol has no gold rows yet, or undefined when it has some: the days it still needs before
 * the warm-up and the point-in-time burn-in are behind it (a monthly file of 10 years needs 10 more
 * years of monthly rows, or daily data).
 */
export function shortHistoryMessage(g: GoldSeries, config: DataConfig): string | undefined {
  if (g.length > 0) return undefined;
  const warmup = config.features.volatilityWindow;
  const burnIn = config.scoring.mode === 'point-in-time' ? config.scoring.minHistory : 1;
  const have = g.warmupRows + g.burnInRows;
  const need = warmup + burnIn;
  const more = need - have;
  const rule =
    config.scoring.mode === 'point-in-time'
      ? `${warmup} warm-up rows (features.volatilityWindow) and ${burnIn} scored days (scoring.minHistory)`
      : `${warmup} warm-up rows (features.volatilityWindow) and 1 scored day`;
  return `${g.symbol} has ${have} silver rows; its first gold row needs ${need}: ${rule} — ${more} more trading day${more === 1 ? '' : 's'} of history`;
}

/**
 * A warning when a symbol's gold rows are not daily trading days, undefined when they are: the
 * features assume daily bars (a `volatilityWindow`-row window, annualised by `annualisationDays`),
 * so weekly or monthly rows (a median gap above 4 calendar days) give other volatilities and regimes,
 * and weekend rows (more than 1 in 10: crypto) are annualised as if the year had 252 of them.
 */
export function cadenceMessage(
  g: Pick<GoldSeries, 'symbol' | 'length' | 'day'>,
  config: DataConfig,
): string | undefined {
  const n = g.length;
  if (n < 3) return undefined;
  const gaps = new Int32Array(n - 1);
  let weekend = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) gaps[i - 1] = g.day[i]! - g.day[i - 1]!;
    const weekday = (((g.day[i]! + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4); 0 = Sunday
    if (weekday === 0 || weekday === 6) weekend++;
  }
  gaps.sort();
  const median = gaps[(gaps.length - 1) >> 1]!;
  const { volatilityWindow, annualisationDays } = config.features;
  if (median > 4) {
    const kind = median <= 10 ? 'weekly' : median <= 45 ? 'monthly' : 'sparse';
    return `${g.symbol}: its rows are ${kind} (a median of ${median} days between them), but the features assume daily bars — realized_vol_21d is over ${volatilityWindow} rows and annualised by √${annualisationDays} (features.volatilityWindow, features.annualisationDays), so its volatility and regimes are not comparable with daily symbols'`;
  }
  if (weekend * 10 > n) {
    return `${g.symbol}: ${((100 * weekend) / n).toFixed(0)} % of its rows fall on weekends (a market that trades every day?), but volatility is annualised by √${annualisationDays} trading days (features.annualisationDays)`;
  }
  return undefined;
}

/**
 * A warning when a daily symbol's gold rows skip more than `quality.gapWarningDays` calendar days (a
 * trading halt, a feed that stopped), undefined otherwise: the return across such a gap is one
 * row's, and so is its share of the volatility window.
 */
export function gapMessage(
  g: Pick<GoldSeries, 'symbol' | 'length' | 'day'>,
  config: DataConfig,
): string | undefined {
  const n = g.length;
  const limit = config.quality.gapWarningDays;
  let holes = 0;
  let longest = 0;
  let after = 0;
  for (let i = 1; i < n; i++) {
    const gap = g.day[i]! - g.day[i - 1]!;
    if (gap <= limit) continue;
    holes++;
    if (gap > longest) {
      longest = gap;
      after = i;
    }
  }
  if (holes > 0) {
    return `${g.symbol}: its daily rows skip more than ${limit} calendar days ${holes === 1 ? 'once' : `${holes} times`} (the longest: ${longest} days, ${formatIsoDay(g.day[after - 1]!)} → ${formatIsoDay(g.day[after]!)}; a halt, or missing data?): the return across a gap is taken as one day's (quality.gapWarningDays)`;
  }
  return undefined;
}

/**
 * A warning when a weighted feature has one value over all of a symbol's gold rows (a price that
 * never changes: a stale feed or a placeholder), undefined otherwise. Such a feature's score ties
 * at 1 on every day (the empirical CDF of DOMAIN §3 counts values ≤ today's), so the regimes say
 * High whatever the market did.
 */
export function constantFeatureMessage(g: GoldSeries): string | undefined {
  if (g.length < 2) return undefined;
  const constant: string[] = [];
  for (const feature of Object.keys(g.scores) as Feature[]) {
    const values = g[feature];
    let k = 1;
    while (k < values.length && values[k] === values[0]) k++;
    if (k === values.length) constant.push(`${feature} is ${values[0]}`);
  }
  if (constant.length === 0) return undefined;
  const all = constant.length === Object.keys(g.scores).length;
  const what = `on all ${g.length} of its gold rows ${constant.join(' and ')}`;
  return all
    ? `${g.symbol}: ${what} (its price did not move?), so every score ties at 1 and every day is High — check the source (a stale feed or a placeholder price)`
    : `${g.symbol}: ${what}, so that score ties at 1 on every day and its regimes lean High`;
}

/** The summary of one symbol's gold. */
export function goldSymbolSummary(
  g: GoldSeries,
  reference: GoldReference,
  config: DataConfig,
  price?: string,
): GoldSymbolSummary {
  const stateCounts = [0, 0, 0];
  for (const state of g.markov_state) stateCounts[state]!++;
  const n = g.length;
  const shortHistory = shortHistoryMessage(g, config);
  const cadence = cadenceMessage(g, config) ?? gapMessage(g, config);
  const constant = constantFeatureMessage(g);
  return {
    ...(shortHistory ? { shortHistory } : {}),
    ...(cadence ? { cadence } : {}),
    ...(constant ? { constant } : {}),
    ...(price ? { price } : {}),
    symbol: g.symbol,
    rows: n,
    warmupRows: g.warmupRows,
    burnInRows: g.burnInRows,
    firstDay: n === 0 ? null : g.day[0]!,
    lastDay: n === 0 ? null : g.day[n - 1]!,
    stateCounts,
    latestState: n === 0 ? null : g.markov_state[n - 1]!,
    reference: {
      source: reference.source,
      sizes: Object.fromEntries(Object.entries(reference.sample).map(([f, v]) => [f, v.length])),
    },
  };
}

/** Builds gold for the given silver histories, all in memory (see goldForHistory). */
export function buildGold(histories: Iterable<SilverSeries>, options: GoldOptions): GoldResult {
  const series: GoldSeries[] = [];
  const references: GoldResult['references'] = new Map();
  const prices = new Map<string, string>();
  for (const history of histories) {
    const gold = goldForHistory(history, options);
    references.set(history.symbol, gold.reference);
    if (gold.price) prices.set(history.symbol, gold.price);
    series.push(gold.series);
  }
  series.sort((a, b) => compareSymbols(a.symbol, b.symbol));
  return {
    series,
    references,
    symbols: series.map((g) =>
      goldSymbolSummary(g, references.get(g.symbol)!, options.config, prices.get(g.symbol)),
    ),
    quality: goldQuality(series, options.runDay, options.config.quality.gates.gold),
  };
}

/** Symbols in code-unit order (the order of gold tables and reports). */
export function compareSymbols(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The symbols' silver histories before the run, read one symbol at a time. */
export interface SilverSource {
  symbols: Iterable<string>;
  read(symbol: string): Promise<SilverSeries | undefined>;
}

/** Where the streaming pipeline hands each symbol's results, one symbol at a time. */
export interface PipelineSink {
  /** The merged silver history of a symbol the run's files touched. */
  silver?(history: SilverSeries): void | Promise<void>;
  /** A symbol's gold rows and the reference they were scored against (symbols in sorted order). */
  gold?(series: GoldSeries, reference: GoldReference): void | Promise<void>;
}

export interface PipelineOptions extends IngestOptions {
  modelReferences?: ReadonlyMap<string, ReferenceSample>;
  /** The indicator table already in silver. */
  indicators?: IndicatorTable;
}

/**
 * The data pipeline with bounded memory. Every input goes through bronze and silver (its rows kept
 * in a spill: see spill.ts); the accepted files are merged into the symbols' histories in input
 * order (a later file wins a (symbol, date) clash); then gold is rebuilt for every history, one
 * symbol at a time — read, merge, score, hand to the sink, forget. Memory holds one block per
 * symbol while a file is read, then one symbol's history.
 *
 * The sink sees results before the gold gate is known: a sink that writes must stage its output
 * and publish it only when this resolves (it throws DataRejectedError when gold fails its gate).
 */
export async function streamDataPipeline(
  inputs: Iterable<BronzeInput>,
  existing: SilverSource,
  options: PipelineOptions & { sink: PipelineSink; newSpill?: () => BlockSpill },
): Promise<{
  outcomes: FileOutcome[];
  touched: Set<string>;
  indicators: IndicatorTable | undefined;
  gold: GoldSummary;
}> {
  const { config, sink } = options;
  const newSpill = options.newSpill ?? (() => new OverflowSpill(config.input.spillAboveMiB * 2 ** 20));
  const outcomes: FileOutcome[] = [];
  const admitted: AdmittedFile[] = [];
  const spills: BlockSpill[] = [];
  let indicators = options.indicators;
  try {
    for (const input of inputs) {
      if (isIndicatorFile(input.name, config)) {
        const { outcome, table } = await ingestIndicatorFile(input, options);
        outcomes.push(outcome);
        if (table) indicators = mergeIndicators(indicators, table);
        continue;
      }
      const spill = newSpill();
      spills.push(spill);
      const result = await admitMarketFile(input, { ...options, spill });
      outcomes.push(result.outcome);
      if (result.admitted) admitted.push(result.admitted);
      else spill.dispose();
    }
    const touched = new Set(admitted.flatMap((f) => f.symbols));
    const inFile = admitted.map((f) => new Set(f.symbols));
    const symbols = [...new Set([...existing.symbols, ...touched])].sort(compareSymbols);
    const goldOptions = { ...options, ...(indicators ? { indicators } : {}) };
    const summaries: GoldSymbolSummary[] = [];
    let counts = NO_ROWS;
    for (const symbol of symbols) {
      let history = await existing.read(symbol);
      if (touched.has(symbol)) {
        admitted.forEach((file, k) => {
          if (inFile[k]!.has(symbol)) history = mergeSilver(history, file.cleaned(symbol));
        });
        await sink.silver?.(history!);
      }
      if (history === undefined) continue;
      const gold = goldForHistory(history, goldOptions);
      summaries.push(goldSymbolSummary(gold.series, gold.reference, config, gold.price));
      counts = addCounts(counts, goldCounts(gold.series, options.runDay));
      await sink.gold?.(gold.series, gold.reference);
    }
    const quality = countsQuality('gold', config.quality.gates.gold, counts);
    if (quality.rows > 0 && !quality.passed) {
      throw new DataRejectedError({
        file: [...touched].join(', ') || '(no input)',
        code: 'quality_gate',
        reason: gateError('gold', quality).reason,
      });
    }
    return { outcomes, touched, indicators, gold: { symbols: summaries, quality } };
  } finally {
    for (const spill of spills) spill.dispose();
  }
}

/**
 * The data pipeline with every result in memory (small inputs, tests, the drift command): the
 * same steps as streamDataPipeline, collecting the histories and the gold tables.
 */
export async function runDataPipeline(
  inputs: Iterable<BronzeInput>,
  existing: ReadonlyMap<string, SilverSeries>,
  options: PipelineOptions,
): Promise<{
  outcomes: FileOutcome[];
  histories: Map<string, SilverSeries>;
  touched: Set<string>;
  indicators: IndicatorTable | undefined;
  gold: GoldResult;
}> {
  const histories = new Map(existing);
  const series: GoldSeries[] = [];
  const references: GoldResult['references'] = new Map();
  const run = await streamDataPipeline(inputs, mapSource(existing), {
    ...options,
    newSpill: () => new MemorySpill(),
    sink: {
      silver: (history) => {
        histories.set(history.symbol, history);
      },
      gold: (g, reference) => {
        series.push(g);
        references.set(g.symbol, reference);
      },
    },
  });
  return { ...run, histories, gold: { ...run.gold, series, references } };
}

/** Silver histories held in a map, as a SilverSource. */
export function mapSource(histories: ReadonlyMap<string, SilverSeries>): SilverSource {
  return { symbols: histories.keys(), read: async (symbol) => histories.get(symbol) };
}

/** Row-weighted mean of several layer scores (e.g. bronze over the accepted files). */
export function combineQuality(
  list: LayerQuality[],
  layer: LayerQuality['layer'],
  gate: number,
): LayerQuality {
  const rows = list.reduce((s, q) => s + q.rows, 0);
  const mean = (k: 'completeness' | 'validity' | 'uniqueness' | 'timeliness') =>
    rows === 0 ? 0 : list.reduce((s, q) => s + q[k] * q.rows, 0) / rows;
  return layerQuality(layer, gate, rows, {
    completeness: mean('completeness'),
    validity: mean('validity'),
    uniqueness: mean('uniqueness'),
    timeliness: mean('timeliness'),
  });
}

/** Rows per regime label over a set of gold symbols. */
export function regimeCounts(
  symbols: readonly Pick<GoldSymbolSummary, 'stateCounts'>[],
  labels: readonly string[],
): Record<string, number> {
  const counts = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const s of symbols) s.stateCounts.forEach((n, state) => (counts[labels[state]!]! += n));
  return counts;
}

/**
 * The silver gate's rejection, with what pulled the score down: the rows flagged by each consistency
 * check, forward-filled and dropped, summed over the file's symbols (the walk's file of halved
 * closes said only "validity 49.0 %").
 */
function silverGateError(
  file: string,
  quality: LayerQuality,
  stats: readonly SilverStats[],
): DataRejectedError {
  const base = gateError(file, quality);
  const sum = (f: (s: SilverStats) => number) => stats.reduce((n, s) => n + f(s), 0);
  const flagged = new Map<string, number>();
  for (const s of stats)
    for (const [flag, n] of Object.entries(s.flagged))
      if (n > 0) flagged.set(flag, (flagged.get(flag) ?? 0) + n);
  const parts = [
    ...[...flagged].map(([flag, n]) => `${n.toLocaleString('en-US')} rows flagged ${flag}`),
    ...(sum((s) => s.forwardFilled) > 0
      ? [`${sum((s) => s.forwardFilled).toLocaleString('en-US')} closes forward-filled`]
      : []),
    ...(sum((s) => s.duplicatesDropped) > 0
      ? [`${sum((s) => s.duplicatesDropped).toLocaleString('en-US')} repeated days dropped`]
      : []),
  ];
  if (parts.length === 0) return base;
  return new DataRejectedError({
    file,
    quality,
    code: 'quality_gate',
    reason: `${base.reason}: ${parts.join(', ')} (of ${sum((s) => s.rowsOut).toLocaleString('en-US')} silver rows)`,
  });
}
