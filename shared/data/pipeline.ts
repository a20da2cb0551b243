/**
 * The data-layer use case: bronze files in, silver histories and a gold table out, with the
 * quality gates of DOMAIN §7 and a metadata record of everything that happened. Pure: the caller
 * supplies the bytes and the existing silver, and writes what comes back (CLI: files; cloud: S3).
 */
import type { DataConfig } from '#config/schema';
import {
  type BronzeFile,
  type BronzeInput,
  DROP_REASONS,
  type DropReason,
  gateError,
  readBronzeMarketFile,
} from './bronze.ts';
import { DataRejectedError, type RejectionCode } from './errors.ts';
import {
  computeFeatures,
  type GoldSeries,
  goldQuality,
  type ReferenceSample,
  referenceSample,
  scoreRegimes,
} from './gold.ts';
import {
  type IndicatorTable,
  isIndicatorFile,
  joinIndicators,
  mergeIndicators,
  readBronzeIndicatorFile,
} from './indicators.ts';
import { type LayerQuality, layerQuality } from './quality.ts';
import type { SilverSeries } from './series.ts';
import { cleanSeries, mergeSilver, type SilverStats, silverQuality } from './silver.ts';
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

/**
 * Bronze → cleaned silver rows for one file, with the bronze and silver gates. A rejected file
 * yields no rows; its outcome carries the reason (for the quarantine report).
 */
export async function ingestFile(
  input: BronzeInput,
  options: IngestOptions,
): Promise<{ outcome: FileOutcome; cleaned: SilverSeries[] }> {
  let bronze: BronzeFile;
  try {
    bronze = await readBronzeMarketFile(input, options);
  } catch (error) {
    if (error instanceof DataRejectedError) return { outcome: rejected(error), cleaned: [] };
    throw error;
  }
  const { series: _rows, ...bronzeSummary } = bronze;
  const cleaned = bronze.series.map((s) => cleanSeries(s, options.config));
  const silver = {
    symbols: cleaned.map((c) => c.stats),
    quality: silverQuality(
      cleaned.map((c) => c.series),
      options.runDay,
      options.config.quality.gates.silver,
    ),
  };
  if (!silver.quality.passed) {
    return {
      outcome: { ...rejected(gateError(input.name, silver.quality)), bronze: bronzeSummary, silver },
      cleaned: [],
    };
  }
  return {
    outcome: { status: 'accepted', kind: 'market', bronze: bronzeSummary, silver },
    cleaned: cleaned.map((c) => c.series),
  };
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

export interface GoldResult {
  series: GoldSeries[];
  /** The reference sample each symbol was scored against, and where it came from. */
  references: Map<string, { sample: ReferenceSample; source: 'model' | 'own history' }>;
  quality: LayerQuality;
}

/**
 * Builds gold for the given silver histories. A symbol with a reference in `modelReferences`
 * is scored on the model's scale; otherwise its own full history is the reference (the first
 * model, and every retraining, fits the reference on the full history).
 */
export function buildGold(
  histories: Iterable<SilverSeries>,
  options: {
    config: DataConfig;
    runDay: number;
    modelReferences?: ReadonlyMap<string, ReferenceSample>;
    /** Risk indicators joined to every symbol's gold rows by date (forward-filled). */
    indicators?: IndicatorTable;
  },
): GoldResult {
  const { config } = options;
  const series: GoldSeries[] = [];
  const references: GoldResult['references'] = new Map();
  for (const history of histories) {
    const features = computeFeatures(history, config);
    const fromModel = options.modelReferences?.get(history.symbol);
    const sample = fromModel ?? referenceSample(features, config);
    references.set(history.symbol, { sample, source: fromModel ? 'model' : 'own history' });
    if (features.length === 0) {
      series.push({
        ...features,
        scores: {},
        risk_score: new Float64Array(0),
        markov_state: new Uint8Array(0),
      });
      continue;
    }
    const gold = scoreRegimes(features, sample, config);
    if (options.indicators && options.indicators.length > 0)
      gold.indicators = joinIndicators(gold.day, options.indicators);
    series.push(gold);
  }
  series.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { series, references, quality: goldQuality(series, options.runDay, config.quality.gates.gold) };
}

/**
 * Runs every input through bronze and silver, merges accepted files into the symbols' histories
 * in input order (a later file wins a (symbol, date) clash), and rebuilds gold for every history.
 */
export async function runDataPipeline(
  inputs: Iterable<BronzeInput>,
  existing: ReadonlyMap<string, SilverSeries>,
  options: IngestOptions & {
    modelReferences?: ReadonlyMap<string, ReferenceSample>;
    /** The indicator table already in silver. */
    indicators?: IndicatorTable;
  },
): Promise<{
  outcomes: FileOutcome[];
  histories: Map<string, SilverSeries>;
  touched: Set<string>;
  indicators: IndicatorTable | undefined;
  gold: GoldResult;
}> {
  const histories = new Map(existing);
  const touched = new Set<string>();
  const outcomes: FileOutcome[] = [];
  let indicators = options.indicators;
  for (const input of inputs) {
    if (isIndicatorFile(input.name, options.config)) {
      const { outcome, table } = await ingestIndicatorFile(input, options);
      outcomes.push(outcome);
      if (table) indicators = mergeIndicators(indicators, table);
      continue;
    }
    const { outcome, cleaned } = await ingestFile(input, options);
    outcomes.push(outcome);
    for (const s of cleaned) {
      histories.set(s.symbol, mergeSilver(histories.get(s.symbol), s));
      touched.add(s.symbol);
    }
  }
  const gold = buildGold(histories.values(), { ...options, ...(indicators ? { indicators } : {}) });
  if (gold.quality.rows > 0 && !gold.quality.passed) {
    throw new DataRejectedError({
      file: [...touched].join(', ') || '(no input)',
      code: 'quality_gate',
      reason: gateError('gold', gold.quality).reason,
    });
  }
  return { outcomes, histories, touched, indicators, gold };
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

/** Counts of each regime state over a set of gold series. */
export function regimeCounts(
  series: readonly GoldSeries[],
  labels: readonly string[],
): Record<string, number> {
  const counts = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const s of series) for (const state of s.markov_state) counts[labels[state]!]!++;
  return counts;
}

/** First and last gold dates of a series (ISO), or null when it has no gold rows. */
export function dateRange(s: { length: number; day: Int32Array }): { first: string; last: string } | null {
  return s.length === 0 ? null : { first: formatIsoDay(s.day[0]!), last: formatIsoDay(s.day[s.length - 1]!) };
}
