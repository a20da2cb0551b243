/**
 * The EDA profile of one file of any data layer: an overview, then per symbol missing-value
 * patterns, feature statistics, outliers, correlations, distributions, a rolling trend,
 * seasonality and stationarity, and for gold the regimes and the model-input checks.
 *
 * - bronze: the file is read through the bronze row rules (drops counted by reason) and cleaned
 *   with the silver rules; missing values are measured on the accepted raw rows, everything else
 *   on the cleaned rows (what the pipeline would keep). A file below the bronze gate is profiled
 *   anyway, with its quality marked as failing: the EDA is how one finds out why.
 * - silver: one FINML silver partition.
 * - gold: a gold features table (`features_final.csv`), one or many symbols.
 *
 * Returns and prices: p_t = adjclose where present, else close; r_t = ln(p_t / p_{t−1}) (as gold).
 * Pure: the caller supplies the bytes (bin/commands/eda.ts reads the file).
 */
import type { DataConfig } from '#config/schema';
import {
  type BronzeFile,
  type BronzeInput,
  type DroppedRowExample,
  readBronzeMarketFile,
} from '#shared/data/bronze';
import { readSilverInput } from '#shared/data/parquet-tables';
import { type LayerQuality, layerQuality } from '#shared/data/quality';
import {
  FLAGS,
  type FlagName,
  type PriceSeries,
  type SilverSeries,
  VALUE_FIELDS,
  type ValueField,
} from '#shared/data/series';
import { cleanSeries, type SilverStats, silverQuality } from '#shared/data/silver';
import { SILVER_COLUMNS } from '#shared/data/tables';
import { formatIsoDay } from '#shared/data/values';
import { type FeatureStatistics, featureStatistics } from './descriptive.ts';
import type { HistogramBins } from './histogram.ts';
import {
  type CloseRuns,
  type CorrelationMatrix,
  closeRuns,
  correlationMatrix,
  type Distribution,
  distribution,
  type MissingValues,
  type ModelInputChecks,
  missingValues,
  modelInputChecks,
  type Outliers,
  outliers,
  type RegimeSummary,
  type RollingTrend,
  regimeSummary,
  rollingTrend,
  type Seasonality,
  type Stationarity,
  seasonality,
  stationarity,
} from './sections.ts';
import { type EdaGoldTable, type EdaLayer, readGoldTable } from './tables.ts';

export type { EdaLayer } from './tables.ts';

// ---------------------------------------------------------------------------------------------
// Options

/** The EDA's tunable parameters; every one has a default (listed with each). */
export interface EdaOptions {
  /** Histogram bins: a numpy estimator ("auto", "fd", "sturges") or a fixed count. @default 'auto' */
  readonly bins?: HistogramBins;
  /** Returns per rolling window of the trend section. @default 63 (a quarter of trading days) */
  readonly rollingWindow?: number;
  /** k of the Tukey fences Q1 − k·IQR, Q3 + k·IQR. @default 1.5 */
  readonly iqrMultiplier?: number;
  /** |z| above which a value is an outlier (strict, as DOMAIN §6). @default 3 */
  readonly zThreshold?: number;
  /** Quantiles of the feature statistics. @default [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] */
  readonly quantiles?: readonly number[];
  /** Significance level of the ADF "stationary" verdict. @default 0.05 */
  readonly alpha?: number;
  /** Missing-column combinations listed per symbol. @default 5 */
  readonly missingPatterns?: number;
  /** Examples listed (outliers, runs, dropped rows, failed checks). @default 10 */
  readonly examples?: number;
  /** TimeSeriesSplit folds of the model's evaluation (gold check). @default 5 (config model evaluation.folds) */
  readonly folds?: number;
  /** Volatility annualisation. @default config features.annualisationDays (252) */
  readonly annualisationDays?: number;
  /** Regime labels of states 0 … K−1. @default config regimes.labels (Low, Medium, High) */
  readonly labels?: readonly string[];
}

/** The parameters a report was made with (every option resolved). */
export interface EdaParameters {
  bins: HistogramBins;
  rollingWindow: number;
  iqrMultiplier: number;
  zThreshold: number;
  quantiles: number[];
  alpha: number;
  missingPatterns: number;
  examples: number;
  folds: number;
  annualisationDays: number;
  labels: string[];
}

/** An EDA option out of its range. */
export class EdaOptionsError extends RangeError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EdaOptionsError';
  }
}

/** Fills in the defaults and validates every option. @throws EdaOptionsError */
export function resolveEdaOptions(options: EdaOptions, config: DataConfig): EdaParameters {
  const p: EdaParameters = {
    bins: options.bins ?? 'auto',
    rollingWindow: options.rollingWindow ?? 63,
    iqrMultiplier: options.iqrMultiplier ?? 1.5,
    zThreshold: options.zThreshold ?? 3,
    quantiles: [...(options.quantiles ?? [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])],
    alpha: options.alpha ?? 0.05,
    missingPatterns: options.missingPatterns ?? 5,
    examples: options.examples ?? 10,
    folds: options.folds ?? 5,
    annualisationDays: options.annualisationDays ?? config.features.annualisationDays,
    labels: [...(options.labels ?? config.regimes.labels)],
  };
  const bad = (what: string) => {
    throw new EdaOptionsError(what);
  };
  if (
    typeof p.bins === 'number'
      ? !(Number.isInteger(p.bins) && p.bins >= 1)
      : !['auto', 'fd', 'sturges'].includes(p.bins)
  ) {
    bad(`bins must be "auto", "fd", "sturges" or a positive integer, got ${String(p.bins)}`);
  }
  if (!(Number.isInteger(p.rollingWindow) && p.rollingWindow >= 2)) {
    bad(`rollingWindow must be an integer ≥ 2, got ${p.rollingWindow}`);
  }
  if (!(Number.isFinite(p.iqrMultiplier) && p.iqrMultiplier >= 0))
    bad(`iqrMultiplier must be ≥ 0, got ${p.iqrMultiplier}`);
  if (!(Number.isFinite(p.zThreshold) && p.zThreshold >= 0))
    bad(`zThreshold must be ≥ 0, got ${p.zThreshold}`);
  if (!p.quantiles.every((q) => q >= 0 && q <= 1))
    bad(`quantiles must be in [0, 1], got ${p.quantiles.join(', ')}`);
  if (!(p.alpha > 0 && p.alpha < 1)) bad(`alpha must be in (0, 1), got ${p.alpha}`);
  for (const key of ['missingPatterns', 'examples'] as const) {
    if (!(Number.isInteger(p[key]) && p[key] >= 0)) bad(`${key} must be an integer ≥ 0, got ${p[key]}`);
  }
  if (!(Number.isInteger(p.folds) && p.folds >= 2)) bad(`folds must be an integer ≥ 2, got ${p.folds}`);
  if (!(p.annualisationDays > 0)) bad(`annualisationDays must be > 0, got ${p.annualisationDays}`);
  if (p.labels.length < 2) bad('labels must name at least two regimes');
  return p;
}

// ---------------------------------------------------------------------------------------------
// Report

export interface SymbolOverview {
  symbol: string;
  rows: number;
  first: string | null;
  last: string | null;
}

export interface EdaOverview {
  /** Rows profiled (bronze: after the silver rules). */
  rows: number;
  symbols: number;
  first: string | null;
  last: string | null;
  /** The file's header. */
  columns: string[];
  perSymbol: SymbolOverview[];
}

export interface SymbolProfile extends SymbolOverview {
  missing: MissingValues;
  /** Runs of missing closes (bronze: before the silver rule; silver: the forward-filled runs); null for gold. */
  closeRuns: CloseRuns | null;
  /** Per numeric column. */
  statistics: Record<string, FeatureStatistics>;
  /** Per series: log_return (gold: also realized_vol_21d, drawdown). */
  outliers: Record<string, Outliers>;
  correlations: CorrelationMatrix;
  /** Per series: log_return (gold: also realized_vol_21d, drawdown, risk_score). */
  distributions: Record<string, Distribution>;
  rolling: RollingTrend;
  seasonality: Seasonality;
  stationarity: Stationarity;
  /** Gold only. */
  regimes: RegimeSummary | null;
}

export interface BronzeSection {
  runDate: string;
  rowsIn: number;
  rowsAccepted: number;
  dropped: BronzeFile['dropped'];
  droppedExamples: DroppedRowExample[];
  volumeInvalidAsMissing: number;
  header: BronzeFile['header'];
  /** What the silver rules did, summed over the symbols. */
  cleaning: Omit<SilverStats, 'symbol'>;
  /** Scores against the real gates (a failing bronze file is still profiled). */
  quality: { bronze: LayerQuality; silver: LayerQuality };
}

export interface SilverSection {
  forwardFilled: number;
  flaggedRows: number;
  flagged: Record<FlagName, number>;
  quality: LayerQuality;
}

export interface GoldSection {
  /** Pooled over the symbols. */
  regimes: RegimeSummary;
  checks: ModelInputChecks;
}

export interface EdaReport {
  file: string;
  layer: EdaLayer;
  parameters: EdaParameters;
  overview: EdaOverview;
  bronze: BronzeSection | null;
  silver: SilverSection | null;
  gold: GoldSection | null;
  symbols: SymbolProfile[];
}

export interface EdaContext {
  config: DataConfig;
  /** The run's UTC day (days since epoch): bronze rows dated later are dropped. */
  runDay: number;
  options?: EdaOptions;
}

// ---------------------------------------------------------------------------------------------
// Layers

/**
 * Profiles a bronze market file: reads it through the bronze rules, cleans each symbol with the
 * silver rules, and profiles the result (see the module comment).
 *
 * @throws DataRejectedError when the file cannot be read at all (empty, header only, missing
 *   date/close column, invalid UTF-8, overlong record) — the pipeline's rejection.
 * @throws EdaOptionsError on an invalid option.
 */
export async function profileBronze(input: BronzeInput, context: EdaContext): Promise<EdaReport> {
  const { config, runDay } = context;
  const parameters = resolveEdaOptions(context.options ?? {}, config);
  const gates = config.quality.gates;
  const ungated: DataConfig = { ...config, quality: { ...config.quality, gates: { ...gates, bronze: 0 } } };
  const file = await readBronzeMarketFile(input, {
    config: ungated,
    runDay,
    maxExamples: parameters.examples,
  });
  const cleaned = file.series
    .map((raw) => ({ raw, ...cleanSeries(raw, config) }))
    .sort((a, b) => compareText(a.raw.symbol, b.raw.symbol));
  const present = VALUE_FIELDS.filter((f) => file.header.used.includes(f));
  const symbols = cleaned.map(({ raw, series }) => {
    const ordered = lastRowPerDay(raw);
    const closeMissing = Uint8Array.from(ordered, (i) => (Number.isNaN(raw.close[i]!) ? 1 : 0));
    return priceProfile(series, parameters, {
      columns: present,
      missing: missingValues(pickColumns(raw, present), parameters.missingPatterns),
      closeRuns: closeRuns(
        Int32Array.from(ordered, (i) => raw.day[i]!),
        closeMissing,
        config.cleaning.maxForwardFill,
        parameters.examples,
      ),
    });
  });
  const bronze: BronzeSection = {
    runDate: formatIsoDay(runDay),
    rowsIn: file.rowsIn,
    rowsAccepted: file.rowsAccepted,
    dropped: file.dropped,
    droppedExamples: file.examples,
    volumeInvalidAsMissing: file.volumeInvalidAsMissing,
    header: file.header,
    cleaning: sumCleaning(cleaned.map((c) => c.stats)),
    quality: {
      bronze: regate(file.quality, gates.bronze),
      silver: silverQuality(
        cleaned.map((c) => c.series),
        runDay,
        gates.silver,
      ),
    },
  };
  return {
    file: input.name,
    layer: 'bronze',
    parameters,
    overview: overview(file.header.columns, symbols),
    bronze,
    silver: null,
    gold: null,
    symbols,
  };
}

/**
 * Profiles one silver partition (as `finml pipeline` writes it).
 * @throws DataRejectedError when the file is not a FINML silver partition.
 */
export async function profileSilver(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  context: EdaContext,
): Promise<EdaReport> {
  const parameters = resolveEdaOptions(context.options ?? {}, context.config);
  const series = await readSilverInput(chunks, file);
  const missing = missingValues(pickColumns(series, VALUE_FIELDS), parameters.missingPatterns);
  const profile = priceProfile(series, parameters, {
    columns: VALUE_FIELDS,
    missing,
    closeRuns: closeRuns(
      series.day,
      series.filled,
      context.config.cleaning.maxForwardFill,
      parameters.examples,
    ),
  });
  const flagged = Object.fromEntries(Object.keys(FLAGS).map((k) => [k, 0])) as Record<FlagName, number>;
  let flaggedRows = 0;
  let forwardFilled = 0;
  for (let i = 0; i < series.length; i++) {
    forwardFilled += series.filled[i]!;
    const mask = series.flags[i]!;
    if (mask !== 0) flaggedRows++;
    for (const [name, bit] of Object.entries(FLAGS) as [FlagName, number][]) if (mask & bit) flagged[name]++;
  }
  return {
    file,
    layer: 'silver',
    parameters,
    overview: overview([...SILVER_COLUMNS], [profile]),
    bronze: null,
    silver: {
      forwardFilled,
      flaggedRows,
      flagged,
      quality: silverQuality([series], context.runDay, context.config.quality.gates.silver),
    },
    gold: null,
    symbols: [profile],
  };
}

/**
 * Profiles a gold features table: the sections per symbol on its features, plus regimes,
 * transitions and the model-input checks.
 * @throws DataRejectedError when the file is not a gold table (missing column, corrupt row).
 */
export async function profileGold(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  context: EdaContext,
): Promise<EdaReport> {
  const parameters = resolveEdaOptions(context.options ?? {}, context.config);
  const gold = await readGoldTable(chunks, file);
  const tables = [...gold.tables].sort((a, b) => compareText(a.symbol, b.symbol));
  const symbols = tables.map((t) => goldProfile(t, gold.numericColumns, parameters));
  return {
    file,
    layer: 'gold',
    parameters,
    overview: overview(gold.header, symbols),
    bronze: null,
    silver: null,
    gold: {
      regimes: regimeSummary(
        tables.map((t) => t.columns.markov_state!),
        parameters.labels,
      ),
      checks: modelInputChecks(tables, {
        labels: parameters.labels,
        folds: parameters.folds,
        examples: parameters.examples,
      }),
    },
    symbols,
  };
}

/** Profiles `input` as the given layer. */
export function profileFile(layer: EdaLayer, input: BronzeInput, context: EdaContext): Promise<EdaReport> {
  if (layer === 'bronze') return profileBronze(input, context);
  if (layer === 'silver') return profileSilver(input.chunks, input.name, context);
  return profileGold(input.chunks, input.name, context);
}

// ---------------------------------------------------------------------------------------------
// Per symbol

const GOLD_STATISTICS = ['price', 'log_return', 'realized_vol_21d', 'drawdown', 'risk_score'] as const;
const GOLD_OUTLIERS = ['log_return', 'realized_vol_21d', 'drawdown'] as const;
const GOLD_DISTRIBUTIONS = ['log_return', 'realized_vol_21d', 'drawdown', 'risk_score'] as const;

/** The price p_t (adjclose, else close), log price and log return r_t (NaN on the first row). */
export function priceAndReturns(s: PriceSeries): {
  price: Float64Array;
  logPrice: Float64Array;
  logReturn: Float64Array;
} {
  const n = s.length;
  const price = new Float64Array(n);
  const logPrice = new Float64Array(n);
  const logReturn = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const adj = s.adjclose[i]!;
    price[i] = Number.isNaN(adj) ? s.close[i]! : adj;
    logPrice[i] = Math.log(price[i]!);
    logReturn[i] = i === 0 ? Number.NaN : Math.log(price[i]! / price[i - 1]!);
  }
  return { price, logPrice, logReturn };
}

function priceProfile(
  s: SilverSeries,
  parameters: EdaParameters,
  extra: { columns: readonly ValueField[]; missing: MissingValues; closeRuns: CloseRuns },
): SymbolProfile {
  const { logPrice, logReturn } = priceAndReturns(s);
  const numeric: Record<string, Float64Array> = {};
  for (const f of extra.columns) if (s[f].some(Number.isFinite)) numeric[f] = s[f];
  numeric.log_return = logReturn;
  return {
    ...symbolOverview(s.symbol, s.day),
    missing: extra.missing,
    closeRuns: extra.closeRuns,
    statistics: mapValues(numeric, (x) => featureStatistics(x, parameters.quantiles)),
    outliers: { log_return: outliers(logReturn, s.day, outlierOptions(parameters)) },
    correlations: correlationMatrix(numeric),
    distributions: { log_return: distribution(logReturn, parameters.bins) },
    rolling: rollingTrend(logReturn, s.day, parameters.rollingWindow, parameters.annualisationDays),
    seasonality: seasonality(logReturn, s.day),
    stationarity: stationarity(logPrice, logReturn.subarray(Math.min(1, s.length)), parameters.alpha),
    regimes: null,
  };
}

function goldProfile(t: EdaGoldTable, numericColumns: string[], parameters: EdaParameters): SymbolProfile {
  const pick = (names: readonly string[]) =>
    Object.fromEntries(names.filter((n) => t.columns[n] !== undefined).map((n) => [n, t.columns[n]!]));
  const price = t.columns.price!;
  const logReturn = t.columns.log_return!;
  return {
    ...symbolOverview(t.symbol, t.day),
    missing: missingValues(pick(numericColumns), parameters.missingPatterns),
    closeRuns: null,
    statistics: mapValues(pick(GOLD_STATISTICS), (x) => featureStatistics(x, parameters.quantiles)),
    outliers: mapValues(pick(GOLD_OUTLIERS), (x) => outliers(x, t.day, outlierOptions(parameters))),
    correlations: correlationMatrix(pick(GOLD_STATISTICS)),
    distributions: mapValues(pick(GOLD_DISTRIBUTIONS), (x) => distribution(x, parameters.bins)),
    rolling: rollingTrend(logReturn, t.day, parameters.rollingWindow, parameters.annualisationDays),
    seasonality: seasonality(logReturn, t.day),
    stationarity: stationarity(
      price.map((p) => Math.log(p)),
      logReturn,
      parameters.alpha,
    ),
    regimes: regimeSummary([t.columns.markov_state!], parameters.labels),
  };
}

function outlierOptions(p: EdaParameters) {
  return { iqrMultiplier: p.iqrMultiplier, zThreshold: p.zThreshold, examples: p.examples };
}

function symbolOverview(symbol: string, day: Int32Array): SymbolOverview {
  // Rows may be out of order in a (faulty) gold table: report the earliest and latest date.
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const d of day) {
    if (d < first) first = d;
    if (d > last) last = d;
  }
  const empty = day.length === 0;
  return {
    symbol,
    rows: day.length,
    first: empty ? null : formatIsoDay(first),
    last: empty ? null : formatIsoDay(last),
  };
}

function overview(columns: string[], symbols: SymbolOverview[]): EdaOverview {
  const dated = symbols.filter((s) => s.first !== null);
  const firsts = dated.map((s) => s.first!).sort();
  const lasts = dated.map((s) => s.last!).sort();
  return {
    rows: symbols.reduce((n, s) => n + s.rows, 0),
    symbols: symbols.length,
    first: firsts[0] ?? null,
    last: lasts[lasts.length - 1] ?? null,
    columns,
    perSymbol: symbols.map(({ symbol, rows, first, last }) => ({ symbol, rows, first, last })),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

function pickColumns(s: PriceSeries, columns: readonly ValueField[]): Record<string, Float64Array> {
  return Object.fromEntries(columns.map((c) => [c, s[c]]));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Row indices of a raw series in date order, keeping the last row of each day in file order —
 * the order in which the silver rule looks for runs of missing closes.
 */
function lastRowPerDay(raw: PriceSeries): Int32Array {
  const order = Array.from({ length: raw.length }, (_, i) => i).sort(
    (i, j) => raw.day[i]! - raw.day[j]! || i - j,
  );
  return Int32Array.from(
    order.filter((i, k) => k + 1 === order.length || raw.day[order[k + 1]!] !== raw.day[i]),
  );
}

function sumCleaning(stats: SilverStats[]): Omit<SilverStats, 'symbol'> {
  const flagged = Object.fromEntries(Object.keys(FLAGS).map((k) => [k, 0])) as Record<FlagName, number>;
  const total = {
    rowsIn: 0,
    rowsOut: 0,
    duplicatesDropped: 0,
    forwardFilled: 0,
    droppedLongGap: 0,
    droppedNoEarlierClose: 0,
    flagged,
    flaggedRows: 0,
  };
  for (const s of stats) {
    total.rowsIn += s.rowsIn;
    total.rowsOut += s.rowsOut;
    total.duplicatesDropped += s.duplicatesDropped;
    total.forwardFilled += s.forwardFilled;
    total.droppedLongGap += s.droppedLongGap;
    total.droppedNoEarlierClose += s.droppedNoEarlierClose;
    total.flaggedRows += s.flaggedRows;
    for (const k of Object.keys(flagged) as FlagName[]) flagged[k] += s.flagged[k];
  }
  return total;
}

/** A layer score recomputed against `gate` (the bronze reader ran with the gate off). */
function regate(q: LayerQuality, gate: number): LayerQuality {
  const { completeness, validity, uniqueness, timeliness } = q;
  return layerQuality(q.layer, gate, q.rows, { completeness, validity, uniqueness, timeliness });
}
