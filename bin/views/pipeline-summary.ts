/** The summary `finml pipeline` prints: one JSON document (--json) or a readable table. */
import type { DataConfig } from '#config/schema';
import type { SourceRecord } from '#shared/data/metadata';
import { combineQuality } from '#shared/data/pipeline';
import type { LayerQuality } from '#shared/data/quality';
import type { RunResult } from '#shared/usecases/run-files';

export interface PipelineSummary {
  runId: string;
  runDate: string;
  out: string;
  files: SourceRecord[];
  accepted: number;
  rejected: number;
  gold: {
    rows: number;
    warmupRows: number;
    /** Post-warm-up rows left out as point-in-time burn-in (scoring.minHistory). */
    burnInRows: number;
    /** Symbols without gold rows yet, each with how much more history it needs. */
    shortHistory: string[];
    /** Symbols whose rows are not daily trading days (weekly, monthly, weekends), each with what that changes. */
    cadence: string[];
    /** Symbols with a weighted feature that never changes (a price that does not move), each with what that does. */
    constant: string[];
    /** Symbols whose price makes returns that did not happen (adjclose and close mixed, a split without adjclose). */
    price: string[];
    symbols: {
      symbol: string;
      rows: number;
      first: string | null;
      last: string | null;
      latestRegime: string | null;
    }[];
    regimeCounts: Record<string, number>;
    /** Why nothing was published although files were accepted (the gold gate), else null. */
    rejected: string | null;
    /**
     * Symbols whose silver a concurrent run published after this run's gold step: this run's rows
     * were merged onto it at publish, and their figures here are of the gold published.
     */
    mergedAgain: string[];
  };
  quality: { bronze: LayerQuality; silver: LayerQuality; gold: LayerQuality | null };
  written: string[];
}

export function pipelineSummary(args: {
  result: RunResult;
  /** The paths the user named, in order (the run's keys are their absolute paths). */
  paths: readonly string[];
  config: DataConfig;
  runDate: string;
  out: string;
  written: string[];
}): PipelineSummary {
  const { result, config } = args;
  const m = result.metadata;
  // Each file under the name the user gave it.
  const files = result.sources.map((s, i) => ({ ...s, file: args.paths[i] ?? s.file }));
  const accepted = files.filter((f) => f.status === 'accepted').length;
  const gates = config.quality.gates;
  const none = (layer: 'bronze' | 'silver') => combineQuality([], layer, gates[layer]);
  const symbols = m?.gold.symbols ?? [];
  return {
    runId: result.runId,
    runDate: args.runDate,
    out: args.out,
    files,
    accepted,
    rejected: files.length - accepted,
    gold: {
      rows: m?.gold.rows ?? 0,
      warmupRows: m?.gold.warmupRows ?? 0,
      burnInRows: m?.gold.burnInRows ?? 0,
      shortHistory: symbols.flatMap((g) => (g.shortHistory ? [g.shortHistory] : [])),
      cadence: symbols.flatMap((g) => (g.cadence ? [g.cadence] : [])),
      constant: symbols.flatMap((g) => (g.constant ? [g.constant] : [])),
      price: symbols.flatMap((g) => (g.price ? [g.price] : [])),
      symbols: symbols.map((g) => ({
        symbol: g.symbol,
        rows: g.rows,
        first: g.firstDate,
        last: g.lastDate,
        latestRegime: g.latestRegime,
      })),
      regimeCounts: m?.gold.regimeCounts ?? Object.fromEntries(config.regimes.labels.map((l) => [l, 0])),
      rejected: result.goldRejected?.reason ?? null,
      mergedAgain: symbols.filter((g) => g.goldWrite === 'merged again').map((g) => g.symbol),
    },
    quality: m?.quality ?? { bronze: none('bronze'), silver: none('silver'), gold: null },
    written: args.written,
  };
}

const pct = (q: LayerQuality | null) =>
  q === null ? 'n/a' : `${q.score.toFixed(1)} % ${q.passed ? '✓' : '✗'} (gate ${q.gate} %)`;

export function formatPipelineSummary(s: PipelineSummary): string {
  const lines: string[] = [`FINML pipeline — run date ${s.runDate}`, ''];
  for (const f of s.files) {
    if (f.status === 'rejected') {
      const where = f.rejection?.line === undefined ? '' : `, line ${f.rejection.line}`;
      lines.push(`✗ ${f.file}${where}: ${f.rejection?.reason} — quarantined`);
      continue;
    }
    const dropped = Object.entries(f.dropped).filter(([, n]) => n > 0);
    const droppedText = dropped.length === 0 ? 'none' : dropped.map(([k, n]) => `${n} ${k}`).join(', ');
    if (f.kind === 'indicators') {
      lines.push(`✓ ${f.file}: risk indicators, ${f.rowsIn} rows in → ${f.rowsAccepted} dated rows`);
      lines.push(`    dropped ${droppedText}; ${f.volumeInvalidAsMissing} non-numeric cells read as missing`);
      continue;
    }
    lines.push(`✓ ${f.file}: ${f.rowsIn} rows in → ${f.rowsOut} silver rows`);
    lines.push(
      `    dropped ${droppedText}; ` +
        `forward-filled ${f.forwardFilled}; flagged ${f.flaggedRows}` +
        (f.volumeInvalidAsMissing > 0
          ? `; ${f.volumeInvalidAsMissing} non-numeric volumes read as missing`
          : ''),
    );
    // Dates repeating in a one-series file: several instruments without a symbol column spliced into one.
    const repeated = f.dropped.duplicate ?? 0;
    if (repeated > 0 && f.symbolFrom === 'file name')
      lines.push(
        `    ! ${repeated} row(s) repeat a date, and the file has no symbol column (one series, named by the file): if it holds several instruments, name their column symbol (or Ticker)`,
      );
    // A column under a name FINML does not know is not read: say so (e.g. a vendor's adjusted close).
    const ignored = f.ignoredColumns ?? [];
    if (ignored.length > 0)
      lines.push(
        `    ignored columns (not read): ${ignored.slice(0, 12).join(', ')}${ignored.length > 12 ? `, … and ${ignored.length - 12} more` : ''} — see input.columnAliases in config/data.yaml`,
      );
  }
  lines.push('');
  if (s.gold.rejected !== null) {
    lines.push(`✗ Gold: ${s.gold.rejected}`);
  } else if (s.gold.rows === 0) {
    lines.push('Gold: no rows yet.');
  } else {
    const withGold = s.gold.symbols.filter((sym) => sym.rows > 0);
    const counts = Object.entries(s.gold.regimeCounts)
      .map(([k, n]) => `${k} ${n}`)
      .join(' · ');
    lines.push(
      `Gold: ${s.gold.rows} rows for ${withGold.length} symbol(s); left out: ${s.gold.warmupRows} warm-up rows, ${s.gold.burnInRows} point-in-time burn-in rows`,
    );
    lines.push(`  regimes: ${counts}`);
    for (const sym of withGold.slice(0, 20)) {
      lines.push(
        `  ${sym.symbol.padEnd(12)} ${sym.first} … ${sym.last}  ${String(sym.rows).padStart(7)} rows  latest ${sym.latestRegime}`,
      );
    }
    if (withGold.length > 20) lines.push(`  … and ${withGold.length - 20} more`);
    const again = s.gold.mergedAgain;
    if (again.length > 0) {
      const named =
        again.slice(0, 10).join(', ') + (again.length > 10 ? ` and ${again.length - 10} more` : '');
      lines.push(
        `  merged again at publish (a concurrent run published their silver first; figures are of the merged gold): ${again.length} symbol(s): ${named}`,
      );
    }
  }
  for (const message of s.gold.cadence.slice(0, 20)) lines.push(`  ! ${message}`);
  if (s.gold.cadence.length > 20) lines.push(`  … and ${s.gold.cadence.length - 20} more not daily`);
  for (const message of s.gold.constant.slice(0, 20)) lines.push(`  ! ${message}`);
  if (s.gold.constant.length > 20)
    lines.push(`  … and ${s.gold.constant.length - 20} more whose price does not move`);
  for (const message of s.gold.price.slice(0, 20)) lines.push(`  ! ${message}`);
  if (s.gold.price.length > 20)
    lines.push(`  … and ${s.gold.price.length - 20} more whose price makes returns that did not happen`);
  for (const message of s.gold.shortHistory.slice(0, 20)) lines.push(`  no gold yet: ${message}`);
  if (s.gold.shortHistory.length > 20)
    lines.push(`  … and ${s.gold.shortHistory.length - 20} more without gold`);
  lines.push(
    '',
    s.accepted === 0
      ? 'Quality  no file was accepted: nothing reached silver or gold (each file’s reason is above)'
      : `Quality  bronze ${pct(s.quality.bronze)}   silver ${pct(s.quality.silver)}   gold ${pct(s.quality.gold)}`,
  );
  lines.push('', `Run ${s.runId}: wrote ${s.written.length} file(s) and folder(s) under ${s.out}/`);
  return `${lines.join('\n')}\n`;
}
