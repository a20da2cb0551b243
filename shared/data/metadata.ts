/**
 * The record of a data-pipeline run (out/gold/metadata.json): each source file with its hash,
 * rows in and out, rows dropped per reason, forward-filled and flagged rows, warm-up rows, the
 * quality score of each layer with its components, the config used and its hash, and the
 * reference samples the regimes were scored against.
 */
import type { DataConfig } from '#config/schema';
import type { FileOutcome, GoldSummary } from './pipeline.ts';
import { combineQuality, regimeCounts } from './pipeline.ts';
import type { LayerQuality } from './quality.ts';
import { formatIsoDay } from './values.ts';

export interface RunMetadata {
  generatedAt: string;
  runDate: string;
  config: { hash: string; data: DataConfig };
  sources: SourceRecord[];
  quality: { bronze: LayerQuality; silver: LayerQuality; gold: LayerQuality | null };
  gold: {
    rows: number;
    warmupRows: number;
    regimeCounts: Record<string, number>;
    symbols: SymbolRecord[];
  };
  reference: {
    file: string;
    symbols: Record<string, { source: 'model' | 'own history'; sizes: Record<string, number> }>;
  };
}

export interface SourceRecord {
  file: string;
  status: FileOutcome['status'];
  kind: FileOutcome['kind'];
  sha256: string | null;
  bytes: number | null;
  rowsIn: number | null;
  rowsAccepted: number | null;
  rowsOut: number | null;
  dropped: Record<string, number>;
  forwardFilled: number;
  flaggedRows: number;
  flagged: Record<string, number>;
  volumeInvalidAsMissing: number;
  /** Header columns FINML does not read (not its names nor an alias of one: input.columnAliases). */
  ignoredColumns: string[];
  /** Where the rows' symbol came from: a symbol column, or the file's name (null: not read). */
  symbolFrom: 'column' | 'file name' | null;
  quality: { bronze: LayerQuality | null; silver: LayerQuality | null };
  rejection?: { code: string; line?: number; reason: string };
}

export interface SymbolRecord {
  symbol: string;
  goldRows: number;
  warmupRows: number;
  firstDate: string | null;
  lastDate: string | null;
  regimeCounts: Record<string, number>;
}

/** Per-file record: bronze drops and silver drops (duplicates, gaps) together, by reason. */
export function sourceRecord(o: FileOutcome): SourceRecord {
  const symbols = o.silver?.symbols ?? [];
  const sum = (
    k:
      | 'duplicatesDropped'
      | 'droppedLongGap'
      | 'droppedNoEarlierClose'
      | 'forwardFilled'
      | 'flaggedRows'
      | 'rowsOut',
  ) => symbols.reduce((s, x) => s + x[k], 0);
  const flagged: Record<string, number> = {};
  for (const s of symbols) for (const [k, v] of Object.entries(s.flagged)) flagged[k] = (flagged[k] ?? 0) + v;
  const bronze = o.bronze;
  return {
    file: bronze?.file ?? (o.status === 'rejected' ? o.file : ''),
    status: o.status,
    kind: o.kind,
    sha256: bronze?.sha256 ?? null,
    bytes: bronze?.bytes ?? null,
    rowsIn: bronze?.rowsIn ?? null,
    rowsAccepted: bronze?.rowsAccepted ?? null,
    rowsOut: o.silver ? sum('rowsOut') : null,
    dropped: {
      ...(bronze?.dropped ?? {}),
      ...(o.silver
        ? {
            duplicate: sum('duplicatesDropped'),
            missing_close_long_gap: sum('droppedLongGap'),
            missing_close_no_earlier_close: sum('droppedNoEarlierClose'),
          }
        : {}),
    },
    forwardFilled: sum('forwardFilled'),
    flaggedRows: sum('flaggedRows'),
    flagged,
    volumeInvalidAsMissing: bronze?.volumeInvalidAsMissing ?? 0,
    ignoredColumns: bronze?.header.ignored ?? [],
    symbolFrom: bronze?.header.symbolFrom ?? null,
    quality: { bronze: bronze?.quality ?? null, silver: o.silver?.quality ?? null },
    ...(o.status === 'rejected'
      ? {
          rejection: {
            code: o.rejection.code,
            ...(o.rejection.line === undefined ? {} : { line: o.rejection.line }),
            reason: o.rejection.reason,
          },
        }
      : {}),
  };
}

/** Each layer's score over a run: bronze and silver row-weighted over the accepted files; gold. */
export function runQuality(
  outcomes: readonly FileOutcome[],
  gold: GoldSummary,
  config: DataConfig,
): RunMetadata['quality'] {
  const accepted = outcomes.filter((o) => o.status === 'accepted');
  return {
    bronze: combineQuality(
      accepted.map((o) => o.bronze.quality),
      'bronze',
      config.quality.gates.bronze,
    ),
    silver: combineQuality(
      accepted.map((o) => o.silver.quality),
      'silver',
      config.quality.gates.silver,
    ),
    gold: gold.quality.rows > 0 ? gold.quality : null,
  };
}

export function runMetadata(args: {
  outcomes: FileOutcome[];
  gold: GoldSummary;
  config: DataConfig;
  configHash: string;
  runDate: string;
  referenceFile: string;
  now?: Date;
}): RunMetadata {
  const { outcomes, gold, config } = args;
  const labels = config.regimes.labels;
  const references: RunMetadata['reference']['symbols'] = {};
  for (const g of gold.symbols) references[g.symbol] = g.reference;
  return {
    generatedAt: (args.now ?? new Date()).toISOString(),
    runDate: args.runDate,
    config: { hash: args.configHash, data: config },
    sources: outcomes.map(sourceRecord),
    quality: runQuality(outcomes, gold, config),
    gold: {
      rows: gold.symbols.reduce((s, g) => s + g.rows, 0),
      warmupRows: gold.symbols.reduce((s, g) => s + g.warmupRows, 0),
      regimeCounts: regimeCounts(gold.symbols, labels),
      symbols: gold.symbols.map((g) => ({
        symbol: g.symbol,
        goldRows: g.rows,
        warmupRows: g.warmupRows,
        firstDate: g.firstDay === null ? null : formatIsoDay(g.firstDay),
        lastDate: g.lastDay === null ? null : formatIsoDay(g.lastDay),
        regimeCounts: regimeCounts([g], labels),
      })),
    },
    reference: { file: args.referenceFile, symbols: references },
  };
}
