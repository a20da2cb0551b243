/**
 * Risk indicators (DOMAIN §1): files under the `risk_indicators/` prefix with a `date` column and any
 * numeric columns (e.g. `vix`, `credit_spread`). They are validated like market files (rows with a
 * bad date, the wrong number of cells or a future date are dropped and counted; a non-numeric cell
 * is read as missing and counted), kept as one silver table that merges every file (a newer file's
 * value wins for the same date and column; stored as Parquet, ./parquet-tables.ts), and joined to
 * each symbol's gold rows by date, forward-filled (the last value on or before the day).
 */
import { createHash } from 'node:crypto';
import type { DataConfig } from '#config/schema';
import { canonicalColumns, gateError, tooEarly } from './bronze.ts';
import { readCsvRecords } from './csv.ts';
import { DataRejectedError } from './errors.ts';
import { type LayerQuality, layerQuality } from './quality.ts';
import { goldColumns } from './tables.ts';
import { parseDayCell, parseDecimal, parseIsoDay } from './values.ts';

export interface IndicatorTable {
  /** Indicator names (lower-case header names), in first-seen order. */
  columns: string[];
  length: number;
  /** Days since epoch, ascending, unique. */
  day: Int32Array;
  /** One array per column; NaN = missing. */
  values: Float64Array[];
}

export const INDICATOR_DROP_REASONS = ['wrong_cell_count', 'invalid_date', 'future_date'] as const;
export type IndicatorDropReason = (typeof INDICATOR_DROP_REASONS)[number];

export interface IndicatorFile {
  file: string;
  sha256: string;
  bytes: number;
  columns: string[];
  rowsIn: number;
  rowsAccepted: number;
  dropped: Record<IndicatorDropReason, number>;
  examples: { line: number; reason: string; detail: string }[];
  /** Cells present but not numbers: read as missing. */
  invalidCellsAsMissing: number;
  duplicatesDropped: number;
  quality: LayerQuality;
  table: IndicatorTable;
}

/** True when a file name or key is under the risk-indicator prefix. */
export function isIndicatorFile(name: string, config: DataConfig): boolean {
  const prefix = config.input.riskIndicatorPrefix.replace(/\/+$/, '');
  return name.startsWith(`${prefix}/`) || name.includes(`/${prefix}/`);
}

/**
 * Indicator columns are joined to every symbol's gold beside its own columns: a name that is a gold
 * column (or could be one: `score_<feature>`) would give the gold file two columns of one name, and a
 * name twice in the header two indicators of one name. Either rejects the file, naming the column.
 */
function checkIndicatorNames(
  header: readonly string[],
  valueCols: readonly number[],
  file: string,
  line: number,
) {
  const gold = goldColumns([]);
  const seen = new Set<string>();
  for (const c of valueCols) {
    const name = header[c]!;
    if (gold.includes(name) || name.startsWith('score_')) {
      throw new DataRejectedError({
        file,
        line,
        code: 'reserved_column',
        reason: `the indicator column "${name}" has the name of a gold column (${gold.join(', ')}, score_<feature>): rename it — indicators are joined to gold beside those columns`,
      });
    }
    if (seen.has(name)) {
      throw new DataRejectedError({
        file,
        line,
        code: 'duplicate_column',
        reason: `the column "${name}" appears twice in the header (the header has: ${header.join(', ')})`,
      });
    }
    seen.add(name);
  }
}

/** Reads and validates one risk-indicator file. Throws DataRejectedError when rejected whole. */
export async function readBronzeIndicatorFile(
  input: { name: string; chunks: AsyncIterable<Uint8Array> },
  options: { config: DataConfig; runDay: number },
): Promise<IndicatorFile> {
  const file = input.name;
  const hash = createHash('sha256');
  let bytes = 0;
  const counted = (async function* () {
    for await (const chunk of input.chunks) {
      hash.update(chunk);
      bytes += chunk.length;
      yield chunk;
    }
  })();
  let header: string[] | undefined;
  let dateCol = -1;
  let valueCols: number[] = [];
  const rows: { day: number; values: number[] }[] = [];
  const dropped = { wrong_cell_count: 0, invalid_date: 0, future_date: 0 };
  const earliestDay = parseIsoDay(options.config.input.earliestDate)!;
  const examples: IndicatorFile['examples'] = [];
  let rowsIn = 0;
  let invalid = 0;
  let presentCells = 0;
  let totalCells = 0;
  let validRows = 0;
  const drop = (reason: IndicatorDropReason, line: number, detail: string) => {
    dropped[reason]++;
    if (examples.length < 20) examples.push({ line, reason, detail });
  };
  for await (const batch of readCsvRecords(counted, { file })) {
    for (const { cells, line } of batch) {
      if (header === undefined) {
        header = canonicalColumns(cells, options.config.input.columnAliases);
        dateCol = header.indexOf('date');
        if (dateCol === -1) {
          throw new DataRejectedError({
            file,
            line,
            code: 'missing_column',
            reason: `missing required column "date" (the header has: ${header.join(', ')})`,
          });
        }
        valueCols = header.flatMap((h, i) => (i === dateCol || h === 'symbol' || h === '' ? [] : [i]));
        checkIndicatorNames(header, valueCols, file, line);
        if (valueCols.length === 0) {
          throw new DataRejectedError({
            file,
            line,
            code: 'missing_column',
            reason: 'a risk-indicator file needs at least one indicator column besides "date"',
          });
        }
        continue;
      }
      rowsIn++;
      if (cells.length !== header.length) {
        drop('wrong_cell_count', line, `${cells.length} cells where the header has ${header.length}`);
        continue;
      }
      const day = parseDayCell(cells[dateCol]!);
      if (day === undefined) {
        drop('invalid_date', line, `date "${cells[dateCol]}" is not YYYY-MM-DD`);
        continue;
      }
      if (day < earliestDay) {
        drop('invalid_date', line, tooEarly(cells[dateCol]!, earliestDay));
        continue;
      }
      let rowValid = true;
      const values = valueCols.map((c) => {
        totalCells++;
        const v = parseDecimal(cells[c]!);
        if (v === undefined) return Number.NaN;
        presentCells++;
        if (Number.isNaN(v)) {
          invalid++;
          rowValid = false;
        }
        return v;
      });
      if (rowValid) validRows++;
      if (day > options.runDay) {
        drop('future_date', line, `date ${cells[dateCol]} is after the run date`);
        continue;
      }
      rows.push({ day, values });
    }
  }
  if (header === undefined)
    throw new DataRejectedError({ file, line: 1, code: 'empty_file', reason: 'the file is empty' });
  if (rowsIn === 0)
    throw new DataRejectedError({
      file,
      line: 2,
      code: 'no_data_rows',
      reason: 'the file has a header but no data rows',
    });
  // Last occurrence of a date wins; sort by date.
  const byDay = new Map<number, number[]>();
  for (const r of rows) byDay.set(r.day, r.values);
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const columns = valueCols.map((c) => header![c]!);
  const table: IndicatorTable = {
    columns,
    length: days.length,
    day: Int32Array.from(days),
    values: columns.map((_, k) => Float64Array.from(days, (d) => byDay.get(d)![k]!)),
  };
  const future = dropped.future_date;
  const dated = rowsIn - dropped.wrong_cell_count - dropped.invalid_date;
  const quality = layerQuality('bronze', options.config.quality.gates.bronze, rowsIn, {
    completeness: totalCells === 0 ? 0 : presentCells / totalCells,
    validity: validRows / rowsIn,
    uniqueness: rows.length === 0 ? 0 : days.length / rows.length,
    timeliness: dated === 0 ? 0 : 1 - future / dated,
  });
  const result: IndicatorFile = {
    file,
    sha256: hash.digest('hex'),
    bytes,
    columns,
    rowsIn,
    rowsAccepted: rows.length,
    dropped,
    examples,
    invalidCellsAsMissing: invalid,
    duplicatesDropped: rows.length - days.length,
    quality,
    table,
  };
  if (!quality.passed) {
    // As a market file's: the components, then what was dropped or read as missing, and the first line.
    const counts = Object.entries(dropped)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k.replace(/_/g, ' ')}`);
    if (result.duplicatesDropped > 0) counts.push(`${result.duplicatesDropped} repeated date`);
    if (invalid > 0) counts.push(`${invalid} non-numeric cell${invalid === 1 ? '' : 's'} read as missing`);
    const first = examples[0];
    throw new DataRejectedError({
      file,
      ...(first ? { line: first.line } : {}),
      code: 'quality_gate',
      quality,
      reason:
        gateError(file, quality).reason +
        (counts.length > 0 ? `; ${counts.join(', ')}` : '') +
        (first ? `; the first dropped row: line ${first.line}, ${first.detail}` : ''),
    });
  }
  return result;
}

/** Merges a new indicator table into the history: union of days and columns; a new value wins. */
export function mergeIndicators(
  history: IndicatorTable | undefined,
  incoming: IndicatorTable,
): IndicatorTable {
  if (history === undefined || history.length === 0) return incoming;
  const columns = [...history.columns, ...incoming.columns.filter((c) => !history.columns.includes(c))];
  const days = [...new Set([...history.day, ...incoming.day])].sort((a, b) => a - b);
  const index = new Map(days.map((d, i) => [d, i]));
  const values = columns.map(() => new Float64Array(days.length).fill(Number.NaN));
  for (const t of [history, incoming]) {
    t.columns.forEach((c, k) => {
      const target = values[columns.indexOf(c)]!;
      for (let i = 0; i < t.length; i++) {
        const v = t.values[k]![i]!;
        if (!Number.isNaN(v)) target[index.get(t.day[i]!)!] = v;
      }
    });
  }
  return { columns, length: days.length, day: Int32Array.from(days), values };
}

/**
 * Each indicator's value on each of `days` (ascending): the last non-missing value dated on or
 * before the day (forward-filled); NaN before the first observation.
 */
export function joinIndicators(days: Int32Array, table: IndicatorTable): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  table.columns.forEach((column, k) => {
    const src = table.values[k]!;
    const col = new Float64Array(days.length);
    let j = 0;
    let last = Number.NaN;
    for (let i = 0; i < days.length; i++) {
      while (j < table.length && table.day[j]! <= days[i]!) {
        if (!Number.isNaN(src[j]!)) last = src[j]!;
        j++;
      }
      col[i] = last;
    }
    out[column] = col;
  });
  return out;
}
