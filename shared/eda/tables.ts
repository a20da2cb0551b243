/**
 * What the EDA reads: which layer a CSV belongs to (from its header), and a lenient reader of the
 * gold table. Unlike the model's reader, it keeps missing values and out-of-range states, so the
 * report can show them (the model-input checks) instead of refusing the file. Pure: the caller
 * supplies the bytes.
 */
import { readCsvRecords, unneutralised } from '#shared/data/csv';
import { DataRejectedError } from '#shared/data/errors';
import {
  collectBytes,
  isParquet,
  parquetColumnNames,
  peekChunks,
  readTableColumns,
} from '#shared/data/parquet-tables';
import { SILVER_COLUMNS } from '#shared/data/tables';
import { parseDecimal, parseIsoDay } from '#shared/data/values';

export type EdaLayer = 'bronze' | 'silver' | 'gold';

/** Gold columns the EDA needs (score_* columns are read when present). */
export const GOLD_REQUIRED_COLUMNS = [
  'date',
  'symbol',
  'price',
  'log_return',
  'realized_vol_21d',
  'drawdown',
  'risk_score',
  'regime',
  'markov_state',
] as const;

/**
 * The layer a CSV header belongs to: gold when it has `risk_score` and `markov_state`, silver when
 * it is exactly the FINML silver header, else bronze (a raw market file). Names are trimmed and
 * compared case-insensitively, as the bronze reader does.
 */
export function inferLayer(header: readonly string[]): EdaLayer {
  const names = header.map((c) => c.trim().toLowerCase());
  if (names.includes('risk_score') && names.includes('markov_state')) return 'gold';
  if (names.join(',') === SILVER_COLUMNS.join(',')) return 'silver';
  return 'bronze';
}

/**
 * The cells of the first CSV record (the header), or undefined for an empty file. Stops reading
 * after the first batch. Throws DataRejectedError on invalid UTF-8 or an overlong record.
 */
export async function readHeader(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
): Promise<string[] | undefined> {
  const { head, all } = await peekChunks(chunks);
  if (head !== undefined && isParquet(head)) return parquetColumnNames(await collectBytes(all), file);
  for await (const batch of readCsvRecords(all, { file })) {
    if (batch.length > 0) return batch[0]!.cells;
  }
  return undefined;
}

/** One symbol's rows of a gold table, in file order. */
export interface EdaGoldTable {
  symbol: string;
  length: number;
  /** Days since 1970-01-01. */
  day: Int32Array;
  /** Physical line of each row in the file. */
  line: Int32Array;
  /** Every numeric column (price … risk_score, markov_state); a missing or non-numeric cell is NaN. */
  columns: Record<string, Float64Array>;
  /** The regime label cells. */
  regime: string[];
}

export interface EdaGoldFile {
  /** The header, as written. */
  header: string[];
  /** The numeric columns, in header order. */
  numericColumns: string[];
  tables: EdaGoldTable[];
}

interface GoldBuilder {
  day: number[];
  line: number[];
  values: number[][];
  regime: string[];
}

/** A text cell as written by FINML's CSV writer, with the formula guard removed. */
function textCell(cell: string): string {
  return unneutralised(cell);
}

/**
 * Reads a gold features table (`features_final.csv`, one or many symbols). Numeric cells that are
 * empty or not plain decimals become NaN and states are kept as read, so the EDA can report them.
 *
 * @throws DataRejectedError when the file is empty, has no rows, lacks a gold column, or has a row
 *   with the wrong number of cells or an invalid date (naming the line).
 */
export async function readGoldTable(chunks: AsyncIterable<Uint8Array>, file: string): Promise<EdaGoldFile> {
  const { head, all } = await peekChunks(chunks);
  if (head !== undefined && isParquet(head)) return readParquetGold(await collectBytes(all), file);
  return readCsvGold(all, file);
}

/** A gold Parquet partition as the EDA reads it (line = row number + 1, as if it had a header). */
async function readParquetGold(bytes: Uint8Array, file: string): Promise<EdaGoldFile> {
  const t = await readTableColumns(bytes, file, 'gold');
  const missing = GOLD_REQUIRED_COLUMNS.filter((c) => !t.names.includes(c));
  if (missing.length > 0) {
    throw new DataRejectedError({
      file,
      code: 'missing_column',
      reason: `not a gold table: missing ${missing.map((c) => `"${c}"`).join(', ')}`,
    });
  }
  if (t.length === 0) {
    throw new DataRejectedError({ file, code: 'no_data_rows', reason: 'the file has no data rows' });
  }
  const numeric = t.names.filter((c) => c !== 'date' && c !== 'symbol' && c !== 'regime');
  const symbols = t.column('symbol') as string[];
  const regimes = t.column('regime') as string[];
  const day = t.column('date') as Int32Array;
  const bySymbol = new Map<string, number[]>();
  for (let i = 0; i < t.length; i++) {
    const rows = bySymbol.get(symbols[i]!) ?? [];
    rows.push(i);
    bySymbol.set(symbols[i]!, rows);
  }
  const tables = [...bySymbol].map(([symbol, rows]) => ({
    symbol,
    length: rows.length,
    day: Int32Array.from(rows, (i) => day[i]!),
    line: Int32Array.from(rows, (i) => i + 2),
    columns: Object.fromEntries(
      numeric.map((name) => {
        const c = t.column(name) as Float64Array | Int32Array;
        return [name, Float64Array.from(rows, (i) => c[i]!)];
      }),
    ),
    regime: rows.map((i) => regimes[i]!),
  }));
  return { header: t.names, numericColumns: numeric, tables };
}

async function readCsvGold(chunks: AsyncIterable<Uint8Array>, file: string): Promise<EdaGoldFile> {
  let header: string[] | undefined;
  let index: Record<string, number> = {};
  let numeric: string[] = [];
  const builders = new Map<string, GoldBuilder>();
  for await (const batch of readCsvRecords(chunks, { file })) {
    for (const { cells, line } of batch) {
      if (header === undefined) {
        header = cells;
        index = goldIndex(cells, file, line);
        numeric = cells
          .map((c) => c.trim().toLowerCase())
          .filter((c) => c !== 'date' && c !== 'symbol' && c !== 'regime');
        continue;
      }
      if (cells.length !== header.length) {
        throw new DataRejectedError({
          file,
          line,
          code: 'missing_column',
          reason: `corrupt gold row: ${cells.length} cells where the header has ${header.length}`,
        });
      }
      const dateCell = cells[index.date!]!;
      const day = parseIsoDay(dateCell);
      if (day === undefined) {
        throw new DataRejectedError({
          file,
          line,
          code: 'missing_column',
          reason: `corrupt gold row: date "${dateCell.slice(0, 40)}" is not YYYY-MM-DD`,
        });
      }
      const symbol = textCell(cells[index.symbol!]!);
      let b = builders.get(symbol);
      if (b === undefined) {
        b = { day: [], line: [], values: numeric.map(() => []), regime: [] };
        builders.set(symbol, b);
      }
      b.day.push(day);
      b.line.push(line);
      b.regime.push(textCell(cells[index.regime!]!));
      numeric.forEach((name, k) => {
        const value = parseDecimal(cells[index[name]!]!);
        b.values[k]!.push(value === undefined ? Number.NaN : value);
      });
    }
  }
  if (header === undefined) {
    throw new DataRejectedError({ file, line: 1, code: 'empty_file', reason: 'the file is empty' });
  }
  if (builders.size === 0) {
    throw new DataRejectedError({
      file,
      line: 2,
      code: 'no_data_rows',
      reason: 'the file has a header but no data rows',
    });
  }
  const tables = [...builders].map(([symbol, b]) => ({
    symbol,
    length: b.day.length,
    day: Int32Array.from(b.day),
    line: Int32Array.from(b.line),
    columns: Object.fromEntries(numeric.map((name, k) => [name, Float64Array.from(b.values[k]!)])),
    regime: b.regime,
  }));
  return { header, numericColumns: numeric, tables };
}

function goldIndex(cells: string[], file: string, line: number): Record<string, number> {
  const names = cells.map((c) => c.trim().toLowerCase());
  const index: Record<string, number> = {};
  names.forEach((name, i) => {
    index[name] ??= i;
  });
  const missing = GOLD_REQUIRED_COLUMNS.filter((c) => index[c] === undefined);
  if (missing.length > 0) {
    throw new DataRejectedError({
      file,
      line,
      code: 'missing_column',
      reason: `not a FINML gold table: missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}`,
    });
  }
  return index;
}
