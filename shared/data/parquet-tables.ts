/**
 * The Parquet forms of silver, gold and the risk-indicator table: what the data lake stores (one
 * file per symbol and layer, `symbol=<S>/part-0000.parquet`), and the one place that reads them back.
 * Written with hyparquet-writer and read with hyparquet (both pure JS); every column but the doubles
 * is Snappy-compressed (docs/decisions/0011-parquet-writer.md).
 *
 * Column types: `date` is a Parquet DATE (INT32 days since 1970-01-01, what FINML holds); prices,
 * features, scores and risk values are DOUBLE; `markov_state` and `regime_age` INT32; `close_filled`
 * BOOLEAN; `symbol`, `regime` and silver `flags` (flag names joined by `|`, empty when none) are
 * dictionary-encoded UTF-8 strings. The symbol is kept inside the file as well as in the partition
 * path, so a table over the files can be read with or without partitions.
 *
 * Missing values: FINML's missing value is NaN. A column where a value may be missing (silver
 * open/high/low/adjclose/volume, every indicator column) is OPTIONAL, and a NaN there is written as
 * null — whatever the NaN's bit pattern — and read back as `Number.NaN`. Every other double is
 * written as its IEEE 754 bits (−0, subnormals and ±Infinity included) and read back unchanged; a
 * REQUIRED double column never holds NaN (the writer refuses one: it would be a bug upstream).
 */
import type { FileMetaData, SchemaElement } from 'hyparquet';
import { parquetMetadata, parquetRead } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { DataRejectedError } from './errors.ts';
import type { GoldSeries } from './gold.ts';
import type { IndicatorTable } from './indicators.ts';
import { type Column, type RowGroupWriter, schemaElement, writeRowGroups } from './parquet-encoder.ts';
import { FLAGS, type FlagName, type SilverSeries, VALUE_FIELDS } from './series.ts';
import {
  flagNames,
  type GoldTable,
  goldColumns,
  type ModelGoldTable,
  readGoldCsv,
  readModelGoldCsv,
  readSilverCsv,
} from './tables.ts';

/** The Content-Type of every Parquet object FINML writes. */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/** The file name of a layer's one file per partition. */
export const PART_FILE = 'part-0000.parquet';

/** Rows per row group of a file written whole (a symbol's history is one row group up to this). */
const ROW_GROUP_ROWS = 1_000_000;

/** A gold file with this many row groups is written whole again (as one) instead of appended to. */
export const MAX_APPENDED_ROW_GROUPS = 64;

const CREATED_BY = 'finml (hyparquet-writer 0.17.0)';

// ---------------------------------------------------------------------------------------------
// Writing
//
// Encodings and codecs (parquet-encoder.ts Column): doubles PLAIN — the writer's dictionary keys
// values with SameValueZero, so −0 and 0 would share one entry (and NaN payloads one); plain keeps
// each value's bits — and UNCOMPRESSED: Snappy saves 6.5 % of a gold file's bytes, nearly all of it
// from the other columns, and cost 0.57 CPU-s per million gold rows on the doubles alone (decision
// 11). The dates PLAIN (one per row); strings and states in a dictionary (a few distinct values);
// every column but the doubles Snappy-compressed.

/** The date column: the one with min/max statistics (what a query on a date range prunes on). */
const dateColumn = (day: Int32Array): Column => ({ kind: 'date', name: 'date', values: day });

/** A string column holding one value on every row (dictionary-encoded: one entry, a run of zeros). */
const constantString = (name: string, value: string, length: number): Column => ({
  kind: 'string',
  name,
  codes: new Uint8Array(length),
  text: () => value,
});

/** A DOUBLE column no value of which may be missing: its bits are written as they are. */
function requiredDouble(name: string, values: Float64Array): Column {
  // (includes compares by SameValueZero, so it finds a NaN: one native scan of the column)
  if (values.includes(Number.NaN)) {
    const row = values.findIndex(Number.isNaN) + 1;
    throw new Error(`column ${name}: NaN on row ${row} of a required column`);
  }
  return { kind: 'double', name, values, optional: false };
}

/** A DOUBLE column where NaN (FINML's missing value) is written as null. */
const optionalDouble = (name: string, values: Float64Array): Column => ({
  kind: 'double',
  name,
  values,
  optional: true,
});

function schemaOf(columns: readonly Column[]): SchemaElement[] {
  // Two columns of one name make a file readers disagree on (DuckDB renames one; hyparquet misreads).
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name)) throw new Error(`a Parquet file would have two columns named "${c.name}"`);
    names.add(c.name);
  }
  return [{ name: 'schema', num_children: columns.length }, ...columns.map(schemaElement)];
}

/** Bytes a file of these columns will take, about (so the writer's buffer seldom has to grow). */
function sizeEstimate(columns: readonly Column[]): number {
  let rows = 0;
  let perRow = 0;
  for (const c of columns) {
    rows = c.kind === 'string' ? c.codes.length : c.values.length;
    perRow += c.kind === 'double' ? 8 : c.kind === 'date' ? 4 : 1;
  }
  return rows * perRow + 4096 * (columns.length + 1);
}

function encode(columns: readonly Column[], rowGroups: RowGroupWriter): Uint8Array {
  const writer = new ByteWriter(sizeEstimate(columns));
  const pw = new ParquetWriter({ writer, schema: schemaOf(columns), codec: 'SNAPPY', createdBy: CREATED_BY });
  rowGroups(pw, columns, ROW_GROUP_ROWS);
  pw.finish();
  return writer.getBytes();
}

/**
 * A silver partition as one Parquet file (columns: tables.ts SILVER_COLUMNS). `rowGroups`: FINML's
 * encoder; the tests pass hyparquet-writer's (parquet-encoder.ts) to compare the bytes.
 */
export function silverParquet(s: SilverSeries, rowGroups: RowGroupWriter = writeRowGroups): Uint8Array {
  const flagCells = new Map<number, string>();
  const flags = (mask: number) => {
    let cell = flagCells.get(mask);
    if (cell === undefined) {
      cell = flagNames(mask).join('|');
      flagCells.set(mask, cell);
    }
    return cell;
  };
  return encode(
    [
      dateColumn(s.day),
      constantString('symbol', s.symbol, s.length),
      ...VALUE_FIELDS.map((f) => (f === 'close' ? requiredDouble(f, s[f]) : optionalDouble(f, s[f]))),
      { kind: 'boolean', name: 'close_filled', values: s.filled },
      { kind: 'string', name: 'flags', codes: s.flags, text: flags },
    ],
    rowGroups,
  );
}

function goldColumnsOf(s: GoldSeries, labels: readonly string[], from: number, to: number): Column[] {
  const cut = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T =>
    (from === 0 && to === a.length ? a : a.subarray(from, to)) as T;
  const scored = Object.keys(s.scores) as (keyof GoldSeries['scores'])[];
  const states = cut(s.markov_state);
  const columns = goldColumns(scored);
  const byName: Record<string, Float64Array> = {
    price: s.price,
    log_return: s.log_return,
    realized_vol_21d: s.realized_vol_21d,
    drawdown: s.drawdown,
    risk_score: s.risk_score,
    ...Object.fromEntries(scored.map((f) => [`score_${f}`, s.scores[f]!])),
  };
  const out: Column[] = [];
  for (const name of columns) {
    if (name === 'date') out.push(dateColumn(cut(s.day)));
    else if (name === 'symbol') out.push(constantString('symbol', s.symbol, to - from));
    else if (name === 'regime') out.push({ kind: 'string', name, codes: states, text: (k) => labels[k]! });
    else if (name === 'markov_state') out.push({ kind: 'int', name, values: states });
    else if (name === 'regime_age') out.push({ kind: 'int', name, values: cut(s.regime_age) });
    else out.push(requiredDouble(name, cut(byName[name]!)));
  }
  for (const [name, values] of Object.entries(s.indicators ?? {}))
    out.push(optionalDouble(name, cut(values)));
  return out;
}

/** A symbol's gold as one Parquet file (columns: tables.ts goldColumns, then the indicators). */
export function goldParquet(
  s: GoldSeries,
  labels: readonly string[],
  rowGroups: RowGroupWriter = writeRowGroups,
): Uint8Array {
  return encode(goldColumnsOf(s, labels, 0, s.length), rowGroups);
}

/**
 * A gold file that keeps `published` byte for byte and adds rows `from` … of `s` as a new row group
 * (point-in-time gold: appending never changes an earlier row). Parquet's footer comes last, so the
 * published row groups (and their page indexes) stay where they are and only the footer is written
 * again, listing them and the new one. Undefined when `published` is not a file of the same columns
 * (the caller rewrites the whole file then).
 */
export function appendGoldParquet(
  published: Uint8Array,
  s: GoldSeries,
  labels: readonly string[],
  from: number,
  rowGroups: RowGroupWriter = writeRowGroups,
): Uint8Array | undefined {
  const metadata = metadataOf(published);
  if (metadata === undefined) return undefined;
  const columns = goldColumnsOf(s, labels, from, s.length);
  const schema = schemaOf(columns);
  if (!sameSchema(metadata.schema, schema)) return undefined;
  const footerLength = new DataView(published.buffer, published.byteOffset).getUint32(
    published.length - 8,
    true,
  );
  const dataEnd = published.length - 8 - footerLength;
  const writer = new ByteWriter(published.length + sizeEstimate(columns));
  const pw = new ParquetWriter({ writer, schema, codec: 'SNAPPY', createdBy: CREATED_BY });
  writer.appendBytes(published.subarray(4, dataEnd)); // after the leading "PAR1" the constructor wrote
  pw.row_groups.push(...metadata.row_groups);
  pw.num_rows = metadata.num_rows;
  rowGroups(pw, columns, ROW_GROUP_ROWS);
  pw.finish();
  return writer.getBytes();
}

function sameSchema(a: readonly SchemaElement[], b: readonly SchemaElement[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (e, i) =>
        e.name === b[i]!.name &&
        e.type === b[i]!.type &&
        (e.repetition_type ?? 'REQUIRED') === (b[i]!.repetition_type ?? 'REQUIRED') &&
        e.converted_type === b[i]!.converted_type,
    )
  );
}

/** The risk-indicator table as one Parquet file: `date`, then one OPTIONAL DOUBLE per indicator. */
export function indicatorsParquet(t: IndicatorTable, rowGroups: RowGroupWriter = writeRowGroups): Uint8Array {
  return encode(
    [dateColumn(t.day), ...t.columns.map((name, k) => optionalDouble(name, t.values[k]!))],
    rowGroups,
  );
}

// ---------------------------------------------------------------------------------------------
// Reading

/** True when the bytes start like a Parquet file ("PAR1"). */
export function isParquet(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31
  );
}

/** A stream's bytes in one array. */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : // (not bytes.slice(): on a Node Buffer that is a view of the same memory, not a copy)
      (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

function metadataOf(bytes: Uint8Array): FileMetaData | undefined {
  if (!isParquet(bytes) || bytes.length < 12) return undefined;
  try {
    return parquetMetadata(arrayBufferOf(bytes));
  } catch {
    return undefined;
  }
}

/** The number of rows of a Parquet file (from its footer alone). */
export function parquetRows(bytes: Uint8Array, file: string): number {
  const metadata = metadataOf(bytes);
  if (metadata === undefined) throw notParquet(file);
  return Number(metadata.num_rows);
}

/** The number of row groups of a Parquet file (0 when it is not one). */
export function parquetRowGroups(bytes: Uint8Array): number {
  return metadataOf(bytes)?.row_groups.length ?? 0;
}

/** The column names of a Parquet file, in file order. */
export function parquetColumnNames(bytes: Uint8Array, file: string): string[] {
  const metadata = metadataOf(bytes);
  if (metadata === undefined) throw notParquet(file);
  return metadata.schema.slice(1).map((e) => e.name);
}

function notParquet(file: string, cause?: unknown): DataRejectedError {
  return new DataRejectedError(
    { file, code: 'missing_column', reason: 'not a Parquet file (or a damaged one)' },
    cause === undefined ? undefined : { cause },
  );
}

export type Kind = 'date' | 'double' | 'int' | 'bool' | 'string';

const PHYSICAL: Record<Kind, string> = {
  date: 'INT32',
  double: 'DOUBLE',
  int: 'INT32',
  bool: 'BOOLEAN',
  string: 'BYTE_ARRAY',
};

/** Columns read from a file: typed arrays (NaN for null doubles) and string arrays. */
interface ReadColumns {
  length: number;
  numbers: Map<string, Float64Array | Int32Array>;
  strings: Map<string, string[]>;
  /** Every column name of the file, in file order. */
  names: string[];
}

/**
 * Reads the named columns of a Parquet file. Throws DataRejectedError when the bytes are not Parquet
 * or a column is missing or of another type (`what` names the table in the message).
 */
async function readColumns(
  bytes: Uint8Array,
  file: string,
  what: string,
  wanted: Readonly<Record<string, Kind>>,
): Promise<ReadColumns> {
  const metadata = metadataOf(bytes);
  if (metadata === undefined) throw notParquet(file);
  const elements = new Map(metadata.schema.slice(1).map((e) => [e.name, e]));
  for (const [name, kind] of Object.entries(wanted)) {
    const e = elements.get(name);
    if (e === undefined || e.type !== PHYSICAL[kind] || (kind === 'date' && e.converted_type !== 'DATE')) {
      throw new DataRejectedError({
        file,
        code: 'missing_column',
        reason:
          e === undefined
            ? `not a FINML ${what} file: no "${name}" column`
            : `not a FINML ${what} file: column "${name}" is ${e.converted_type ?? e.type}, not ${kind}`,
      });
    }
  }
  const length = Number(metadata.num_rows);
  const numbers = new Map<string, Float64Array | Int32Array>();
  const strings = new Map<string, string[]>();
  for (const [name, kind] of Object.entries(wanted)) {
    if (kind === 'string') strings.set(name, new Array<string>(length));
    else numbers.set(name, kind === 'double' ? new Float64Array(length) : new Int32Array(length));
  }
  try {
    await parquetRead({
      file: arrayBufferOf(bytes),
      metadata,
      columns: Object.keys(wanted),
      parsers: { dateFromDays: (days: number) => days },
      onChunk: ({ columnName, columnData, rowStart }) => {
        const kind = wanted[columnName];
        if (kind === 'string') {
          const target = strings.get(columnName)!;
          for (let i = 0; i < columnData.length; i++) target[rowStart + i] = String(columnData[i]);
        } else if (kind === 'double') {
          const target = numbers.get(columnName)!;
          if (columnData instanceof Float64Array) target.set(columnData, rowStart);
          else
            for (let i = 0; i < columnData.length; i++) {
              const v = columnData[i];
              target[rowStart + i] = v === null || v === undefined ? Number.NaN : (v as number);
            }
        } else if (kind !== undefined) {
          const target = numbers.get(columnName)!;
          if (columnData instanceof Int32Array) target.set(columnData, rowStart);
          else for (let i = 0; i < columnData.length; i++) target[rowStart + i] = Number(columnData[i]);
        }
      },
    });
  } catch (error) {
    throw notParquet(file, error);
  }
  return { length, numbers, strings, names: [...elements.keys()] };
}

/** The one symbol of a per-symbol file (every row must have it). */
function singleSymbol(symbols: string[], file: string, what: string): string {
  const symbol = symbols[0]!;
  for (let i = 1; i < symbols.length; i++) {
    if (symbols[i] !== symbol) {
      throw new DataRejectedError({
        file,
        code: 'missing_column',
        reason: `row ${i + 1}: symbol "${symbols[i]}" in a ${what} partition of "${symbol}"`,
      });
    }
  }
  return symbol;
}

const SILVER_READ: Record<string, Kind> = {
  date: 'date',
  symbol: 'string',
  ...Object.fromEntries(VALUE_FIELDS.map((f) => [f, 'double' as Kind])),
  close_filled: 'bool',
  flags: 'string',
};

/** Reads a silver partition written by silverParquet. Throws DataRejectedError if it is not one. */
export async function readSilverParquet(bytes: Uint8Array, file: string): Promise<SilverSeries> {
  const t = await readColumns(bytes, file, 'silver', SILVER_READ);
  if (t.length === 0) {
    throw new DataRejectedError({ file, code: 'no_data_rows', reason: 'empty silver partition' });
  }
  const masks = new Map<string, number>();
  const flagCells = t.strings.get('flags')!;
  const flags = new Uint8Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const cell = flagCells[i]!;
    let mask = masks.get(cell);
    if (mask === undefined) {
      mask = 0;
      for (const name of cell.split('|').filter(Boolean)) {
        const bit = FLAGS[name as FlagName];
        if (bit === undefined) {
          throw new DataRejectedError({
            file,
            code: 'missing_column',
            reason: `row ${i + 1}: unknown flag "${name}"`,
          });
        }
        mask |= bit;
      }
      masks.set(cell, mask);
    }
    flags[i] = mask;
  }
  const day = t.numbers.get('date') as Int32Array;
  const close = t.numbers.get('close') as Float64Array;
  // (The order of the days is not checked here: a damaged history is what the gold gate reports.)
  for (let i = 0; i < t.length; i++) {
    if (Number.isNaN(close[i]!)) {
      throw new DataRejectedError({
        file,
        code: 'missing_column',
        reason: `row ${i + 1}: corrupt silver row (no close)`,
      });
    }
  }
  const value = (f: (typeof VALUE_FIELDS)[number]) => t.numbers.get(f) as Float64Array;
  return {
    symbol: singleSymbol(t.strings.get('symbol')!, file, 'silver'),
    length: t.length,
    day,
    open: value('open'),
    high: value('high'),
    low: value('low'),
    close,
    adjclose: value('adjclose'),
    volume: value('volume'),
    line: new Int32Array(t.length),
    filled: Uint8Array.from(t.numbers.get('close_filled')!),
    flags,
  };
}

const GOLD_NUMERIC = ['price', 'log_return', 'realized_vol_21d', 'drawdown', 'risk_score'] as const;
const MODEL_NUMERIC = ['log_return', 'realized_vol_21d', 'drawdown'] as const;

async function readGold(
  bytes: Uint8Array,
  file: string,
  numeric: readonly string[],
): Promise<(ModelGoldTable & Partial<GoldTable>)[]> {
  const t = await readColumns(bytes, file, 'gold', {
    date: 'date',
    symbol: 'string',
    markov_state: 'int',
    regime_age: 'int',
    ...Object.fromEntries(numeric.map((n) => [n, 'double' as Kind])),
  });
  if (t.length === 0) return [];
  const day = t.numbers.get('date') as Int32Array;
  const state = t.numbers.get('markov_state') as Int32Array;
  const age = t.numbers.get('regime_age') as Int32Array;
  const values = numeric.map((n) => t.numbers.get(n) as Float64Array);
  for (let i = 0; i < t.length; i++) {
    let ok = state[i]! >= 0 && state[i]! < 256 && age[i]! >= 1;
    for (const v of values) if (!Number.isFinite(v[i]!)) ok = false;
    if (!ok)
      throw new DataRejectedError({ file, code: 'missing_column', reason: `row ${i + 1}: corrupt gold row` });
  }
  return [
    {
      symbol: singleSymbol(t.strings.get('symbol')!, file, 'gold'),
      length: t.length,
      day,
      ...Object.fromEntries(numeric.map((n, k) => [n, values[k]!])),
      markov_state: Uint8Array.from(state),
      regime_age: age,
    } as ModelGoldTable & Partial<GoldTable>,
  ];
}

/**
 * Reads a gold partition written by goldParquet: one table (none when the file has no rows). Throws
 * DataRejectedError naming the file (and the row) when it is not FINML gold.
 */
export async function readGoldParquet(bytes: Uint8Array, file: string): Promise<GoldTable[]> {
  return (await readGold(bytes, file, GOLD_NUMERIC)) as GoldTable[];
}

/** {@link readGoldParquet} keeping only the columns the regime model reads (tables.ts ModelGoldTable). */
export async function readModelGoldParquet(bytes: Uint8Array, file: string): Promise<ModelGoldTable[]> {
  return readGold(bytes, file, MODEL_NUMERIC);
}

/** Every column of a silver or gold file (what `finml export` writes out): strings and numbers. */
export async function readTableColumns(
  bytes: Uint8Array,
  file: string,
  what: string,
): Promise<{
  names: string[];
  length: number;
  kinds: Record<string, Kind>;
  column: (name: string) => Float64Array | Int32Array | string[];
}> {
  const metadata = metadataOf(bytes);
  if (metadata === undefined) throw notParquet(file);
  const wanted: Record<string, Kind> = {};
  for (const e of metadata.schema.slice(1)) {
    wanted[e.name] =
      e.converted_type === 'DATE'
        ? 'date'
        : e.type === 'DOUBLE'
          ? 'double'
          : e.type === 'BYTE_ARRAY'
            ? 'string'
            : e.type === 'BOOLEAN'
              ? 'bool'
              : 'int';
  }
  const t = await readColumns(bytes, file, what, wanted);
  return {
    names: t.names,
    length: t.length,
    kinds: wanted,
    column: (name) => t.strings.get(name) ?? t.numbers.get(name)!,
  };
}

/**
 * Whether every row of a gold file names its regime `labels[markov_state]`: false after a change of
 * `regimes.labels` (the states are the same, the names are not), so such a file is written whole
 * again rather than appended to — one file never holds two names of one state.
 */
export async function goldLabelsAre(
  bytes: Uint8Array,
  file: string,
  labels: readonly string[],
): Promise<boolean> {
  const t = await readColumns(bytes, file, 'gold', { regime: 'string', markov_state: 'int' });
  const regime = t.strings.get('regime')!;
  const state = t.numbers.get('markov_state')!;
  for (let i = 0; i < t.length; i++) if (regime[i] !== labels[state[i]!]) return false;
  return true;
}

/** Reads a risk-indicator table written by indicatorsParquet. */
export async function readIndicatorsParquet(bytes: Uint8Array, file: string): Promise<IndicatorTable> {
  const metadata = metadataOf(bytes);
  if (metadata === undefined) throw notParquet(file);
  const columns = metadata.schema.slice(1).flatMap((e) => (e.name === 'date' ? [] : [e.name]));
  const t = await readColumns(bytes, file, 'indicator', {
    date: 'date',
    ...Object.fromEntries(columns.map((c) => [c, 'double' as Kind])),
  });
  return {
    columns,
    length: t.length,
    day: t.numbers.get('date') as Int32Array,
    values: columns.map((c) => t.numbers.get(c) as Float64Array),
  };
}

// ---------------------------------------------------------------------------------------------
// Files a user names (the CLI): the lake's Parquet, or a CSV of the same columns

/** The stream's first chunk, and the stream again from its start (to tell Parquet from CSV). */
export async function peekChunks(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ head: Uint8Array | undefined; all: AsyncIterable<Uint8Array> }> {
  const it = chunks[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? undefined : first.value;
  return {
    head,
    all: (async function* () {
      if (head !== undefined) yield head;
      for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
    })(),
  };
}

/**
 * A gold file a user names: FINML's Parquet (one symbol), or a gold CSV (one or many symbols, e.g. an
 * export or an older layout's file), told apart by the Parquet magic bytes. `model`: only the
 * columns the regime model reads.
 */
export async function readGoldInput(chunks: AsyncIterable<Uint8Array>, file: string): Promise<GoldTable[]>;
export async function readGoldInput(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  columns: 'model',
): Promise<ModelGoldTable[]>;
export async function readGoldInput(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  columns?: 'model',
): Promise<ModelGoldTable[]> {
  const { head, all } = await peekChunks(chunks);
  if (head !== undefined && isParquet(head)) {
    const bytes = await collectBytes(all);
    return columns === 'model' ? readModelGoldParquet(bytes, file) : readGoldParquet(bytes, file);
  }
  return columns === 'model' ? readModelGoldCsv(all, file) : readGoldCsv(all, file);
}

/** A silver file a user names: FINML's Parquet partition, or a silver CSV of the same columns. */
export async function readSilverInput(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
): Promise<SilverSeries> {
  const { head, all } = await peekChunks(chunks);
  if (head !== undefined && isParquet(head)) return readSilverParquet(await collectBytes(all), file);
  return readSilverCsv(all, file);
}
