/**
 * FINML's Parquet row-group encoder: the column chunks of the files parquet-tables.ts writes, byte
 * for byte what hyparquet-writer 0.17.0's `ParquetWriter.write` emits for the same columns and
 * options (one row group per ROW_GROUP_ROWS rows, one DATA_PAGE_V2 per column chunk, no page
 * indexes), without its per-value work: a REQUIRED double column is one copy of its array's bytes, an
 * OPTIONAL one its definition levels and one copy per run of present values, a dictionary is built
 * from small integer codes instead of a Map lookup per row, and the RLE/bit-packed hybrid writes into
 * a typed array (decision 11), and the two page headers it writes are serialized directly (the
 * bytes of hyparquet-writer's generic `writePageHeader`, which builds and walks an object per page).
 * The format logic that is not per value stays hyparquet-writer's own: its Snappy compressor, and —
 * through the `ParquetWriter` the row groups are pushed to — its file header, footer and metadata
 * serializer.
 *
 * `writeRowGroupsWithHyparquetWriter` is the same row groups through `ParquetWriter.write` (what FINML
 * wrote before this encoder): the tests compare the two byte for byte.
 */
import type { ColumnChunk, DecodedArray, Encoding, SchemaElement, Statistics } from 'hyparquet';
import type { ParquetWriter } from 'hyparquet-writer';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';

/** hyparquet-writer's input for one column (`ParquetWriter.write`'s `columnData` entries). */
type ColumnSource = Parameters<ParquetWriter['write']>[0]['columnData'][number];

/**
 * A column of a FINML Parquet file, in the form FINML holds it. The kinds, and how each is written:
 * - `date`: REQUIRED INT32 (converted type DATE), PLAIN, Snappy, with min/max statistics (what a
 *   query on a date range prunes on; the only column with statistics);
 * - `double`: DOUBLE, PLAIN, UNCOMPRESSED; `optional`: an OPTIONAL column where NaN (FINML's missing
 *   value, whatever its payload) is written as null; else REQUIRED (the caller has refused NaN);
 * - `int`: REQUIRED INT32, RLE_DICTIONARY, Snappy;
 * - `string`: REQUIRED UTF-8 BYTE_ARRAY, RLE_DICTIONARY, Snappy; row i holds `text(codes[i])`
 *   (codes are small integers: a state, a flag mask, 0 for a constant);
 * - `boolean`: REQUIRED BOOLEAN (row i true when `values[i] === 1`), Snappy.
 */
export type Column =
  | { kind: 'date'; name: string; values: Int32Array }
  | { kind: 'double'; name: string; values: Float64Array; optional: boolean }
  | { kind: 'int'; name: string; values: Int32Array | Uint8Array }
  | { kind: 'string'; name: string; codes: Int32Array | Uint8Array; text: (code: number) => string }
  | { kind: 'boolean'; name: string; values: Uint8Array };

/** Writes `columns` (all of one length) as row groups of at most `rowGroupRows` rows to `pw`. */
export type RowGroupWriter = (pw: ParquetWriter, columns: readonly Column[], rowGroupRows: number) => void;

/** The schema element of a column (what the footer and the reader's type checks see). */
export function schemaElement(c: Column): SchemaElement {
  switch (c.kind) {
    case 'date':
      return { name: c.name, type: 'INT32', converted_type: 'DATE', repetition_type: 'REQUIRED' };
    case 'double':
      return { name: c.name, type: 'DOUBLE', repetition_type: c.optional ? 'OPTIONAL' : 'REQUIRED' };
    case 'int':
      return { name: c.name, type: 'INT32', repetition_type: 'REQUIRED' };
    case 'string':
      return { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' };
    case 'boolean':
      return { name: c.name, type: 'BOOLEAN', repetition_type: 'REQUIRED' };
  }
}

function rowsOf(columns: readonly Column[]): number {
  const length = (c: Column) => (c.kind === 'string' ? c.codes.length : c.values.length);
  const rows = columns[0] === undefined ? 0 : length(columns[0]);
  for (const c of columns) {
    if (length(c) !== rows) throw new Error(`column ${c.name}: ${length(c)} rows, the first column ${rows}`);
  }
  return rows;
}

/** True when a Float64Array's bytes are Parquet's (little-endian) PLAIN doubles as they lie. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// The specialised encoder

/** The row groups of `columns`, encoded here (hyparquet-writer's on a big-endian machine). */
export const writeRowGroups: RowGroupWriter = (pw, columns, rowGroupRows) => {
  if (!LITTLE_ENDIAN) return writeRowGroupsWithHyparquetWriter(pw, columns, rowGroupRows);
  const rows = rowsOf(columns);
  for (let from = 0; from < rows; from += rowGroupRows) {
    const to = Math.min(rows, from + rowGroupRows);
    const groupStart = pw.writer.offset;
    const chunks: ColumnChunk[] = [];
    for (const c of columns) chunks.push(writeColumnChunk(pw, c, from, to));
    let total_byte_size = 0n;
    for (const { meta_data } of chunks) total_byte_size += meta_data?.total_uncompressed_size ?? 0n;
    pw.num_rows += BigInt(to - from);
    pw.row_groups.push({
      columns: chunks,
      total_byte_size,
      num_rows: BigInt(to - from),
      total_compressed_size: BigInt(pw.writer.offset - groupStart),
    });
  }
};

const EMPTY = new Uint8Array(0);

/** What a column chunk's one data page holds, before its header is written. */
interface PageParts {
  /** The page's encoding (of the values; the definition levels are always RLE). */
  encoding: Encoding;
  /** RLE/bit-packed definition levels (OPTIONAL columns; empty for REQUIRED ones). */
  levels: Uint8Array;
  nulls: number;
  /** The encoded values, before compression. */
  values: Uint8Array;
  /** A dictionary page's PLAIN values and count (dictionary-encoded columns). */
  dictionary?: { values: Uint8Array; count: number };
  statistics?: Statistics & { nan_count?: bigint };
}

function writeColumnChunk(pw: ParquetWriter, c: Column, from: number, to: number): ColumnChunk {
  const element = schemaElement(c);
  const codec = c.kind === 'double' ? 'UNCOMPRESSED' : 'SNAPPY';
  const rows = to - from;
  const parts = pageParts(c, from, to);
  const writer = pw.writer;
  const offsetStart = writer.offset;
  let uncompressedSize = 0;
  const encodings: Encoding[] = [];
  let dictionary_page_offset: bigint | undefined;
  if (parts.dictionary) {
    dictionary_page_offset = BigInt(writer.offset);
    const compressed = snappyCompress(parts.dictionary.values);
    const headerStart = writer.offset;
    writer.appendBytes(
      dictionaryPageHeader(parts.dictionary.values.length, compressed.length, parts.dictionary.count),
    );
    uncompressedSize += writer.offset - headerStart + parts.dictionary.values.length;
    writer.appendBytes(compressed);
    encodings.push('PLAIN');
  }
  encodings.push(parts.encoding);
  const data_page_offset = BigInt(writer.offset);
  const values = codec === 'SNAPPY' ? snappyCompress(parts.values) : parts.values;
  const headerStart = writer.offset;
  writer.appendBytes(
    dataPageV2Header(
      parts.levels.length + parts.values.length,
      parts.levels.length + values.length,
      rows,
      parts.nulls,
      parts.encoding,
      parts.levels.length,
    ),
  );
  uncompressedSize += writer.offset - headerStart + parts.levels.length + parts.values.length;
  if (parts.levels.length > 0) writer.appendBytes(parts.levels);
  writer.appendBytes(values);
  return {
    meta_data: {
      type: element.type!,
      encodings,
      path_in_schema: [c.name],
      codec,
      num_values: BigInt(rows),
      total_compressed_size: BigInt(writer.offset - offsetStart),
      total_uncompressed_size: BigInt(uncompressedSize),
      data_page_offset,
      dictionary_page_offset,
      statistics: parts.statistics,
      encoding_stats: parts.statistics && [{ page_type: 'DATA_PAGE_V2', encoding: parts.encoding, count: 1 }],
    },
    file_offset: BigInt(offsetStart),
  };
}

// Page headers: Thrift compact-protocol structs (parquet.thrift PageHeader), each field an i32 or a
// struct, field ids ascending in steps ≤ 15, so every field header is one byte: delta << 4 | type.
const I32 = 5;
const STRUCT = 12;
const STOP = 0;
/** parquet.thrift PageType values. */
const DICTIONARY_PAGE = 2;
const DATA_PAGE_V2 = 3;
/** parquet.thrift Encoding values of the encodings FINML's data pages use. */
const ENCODING_ID: Partial<Record<Encoding, number>> = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 };

/** Writes compact-protocol bytes into a small buffer (a page header is a few dozen bytes). */
class HeaderBytes {
  private readonly bytes = new Uint8Array(64);
  private at = 0;
  field(delta: number, type: number): this {
    this.bytes[this.at++] = (delta << 4) | type;
    return this;
  }
  /** An i32 field's value: zigzag, then a varint. */
  i32(value: number): this {
    let v = ((value << 1) ^ (value >> 31)) >>> 0;
    while (v > 0x7f) {
      this.bytes[this.at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.bytes[this.at++] = v;
    return this;
  }
  stop(): this {
    this.bytes[this.at++] = STOP;
    return this;
  }
  done(): Uint8Array {
    return this.bytes.subarray(0, this.at);
  }
}

/** The header of a dictionary page (PLAIN values). */
function dictionaryPageHeader(uncompressed: number, compressed: number, count: number): Uint8Array {
  return new HeaderBytes()
    .field(1, I32)
    .i32(DICTIONARY_PAGE)
    .field(1, I32)
    .i32(uncompressed)
    .field(1, I32)
    .i32(compressed)
    .field(4, STRUCT) // 7: dictionary_page_header
    .field(1, I32)
    .i32(count)
    .field(1, I32)
    .i32(ENCODING_ID.PLAIN!)
    .stop()
    .stop()
    .done();
}

/**
 * The header of a DATA_PAGE_V2 without repetition levels. `is_compressed` is left out: true, the
 * Parquet default (hyparquet-writer writes it so for UNCOMPRESSED columns too; readers decompress by
 * the column's codec).
 */
function dataPageV2Header(
  uncompressed: number,
  compressed: number,
  rows: number,
  nulls: number,
  encoding: Encoding,
  levelsLength: number,
): Uint8Array {
  const id = ENCODING_ID[encoding];
  if (id === undefined) throw new Error(`no page header for encoding ${encoding}`);
  return new HeaderBytes()
    .field(1, I32)
    .i32(DATA_PAGE_V2)
    .field(1, I32)
    .i32(uncompressed)
    .field(1, I32)
    .i32(compressed)
    .field(5, STRUCT) // 8: data_page_header_v2
    .field(1, I32)
    .i32(rows) // num_values
    .field(1, I32)
    .i32(nulls)
    .field(1, I32)
    .i32(rows) // num_rows
    .field(1, I32)
    .i32(id)
    .field(1, I32)
    .i32(levelsLength) // definition_levels_byte_length
    .field(1, I32)
    .i32(0) // repetition_levels_byte_length
    .stop()
    .stop()
    .done();
}

function pageParts(c: Column, from: number, to: number): PageParts {
  switch (c.kind) {
    case 'date': {
      const days = c.values.subarray(from, to);
      let min = days[0]!;
      let max = days[0]!;
      for (let i = 1; i < days.length; i++) {
        const d = days[i]!;
        if (d < min) min = d;
        if (d > max) max = d;
      }
      return {
        encoding: 'PLAIN',
        levels: EMPTY,
        nulls: 0,
        values: bytesOf(days),
        // (hyparquet-writer holds a zero min as −0: the same INT32 bytes)
        statistics: { min_value: min, max_value: max, null_count: 0n, nan_count: undefined },
      };
    }
    case 'double':
      return c.optional ? optionalDoubles(c.values.subarray(from, to)) : requiredDoubles(c.values, from, to);
    case 'int':
      return intDictionary(c.values.subarray(from, to));
    case 'string':
      return stringDictionary(c.codes.subarray(from, to), c.text);
    case 'boolean':
      return booleans(c.values.subarray(from, to));
  }
}

/** A typed array's bytes (a view, not a copy). */
function bytesOf(a: Int32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function requiredDoubles(values: Float64Array, from: number, to: number): PageParts {
  return { encoding: 'PLAIN', levels: EMPTY, nulls: 0, values: bytesOf(values.subarray(from, to)) };
}

/** Definition level 1 for a present value, 0 for NaN (null); the present values' bytes. */
function optionalDoubles(values: Float64Array): PageParts {
  const n = values.length;
  const defined = new Uint8Array(n);
  // The usual column has no missing value: one native scan finds that (includes finds NaN).
  if (!values.includes(Number.NaN)) {
    defined.fill(1);
    return { encoding: 'PLAIN', levels: rleBitPackedHybrid(defined, 1), nulls: 0, values: bytesOf(values) };
  }
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i]!)) nulls++;
    else defined[i] = 1;
  }
  let present: Float64Array = values;
  if (nulls > 0) {
    present = new Float64Array(n - nulls);
    let at = 0;
    let i = 0;
    while (i < n) {
      while (i < n && defined[i] === 0) i++;
      const start = i;
      while (i < n && defined[i] === 1) i++;
      if (i > start) {
        present.set(values.subarray(start, i), at);
        at += i - start;
      }
    }
  }
  return { encoding: 'PLAIN', levels: rleBitPackedHybrid(defined, 1), nulls, values: bytesOf(present) };
}

/** The dictionary page and data page of dictionary indexes (in order of first appearance). */
function dictionaryPage(indexes: Int32Array, size: number, dictionary: Uint8Array): PageParts {
  // (the largest index is size − 1: every entry is used; hyparquet-writer's ⌈log2(max + 1)⌉)
  const bitWidth = Math.ceil(Math.log2(size));
  const hybrid = rleBitPackedHybrid(indexes, bitWidth);
  const values = new Uint8Array(1 + hybrid.length);
  values[0] = bitWidth;
  values.set(hybrid, 1);
  return {
    encoding: 'RLE_DICTIONARY',
    levels: EMPTY,
    nulls: 0,
    values,
    dictionary: { values: dictionary, count: size },
  };
}

/** INT32 values as dictionary indexes, the dictionary in order of first appearance. */
function intDictionary(values: Int32Array | Uint8Array): PageParts {
  const n = values.length;
  let min = values[0]!;
  let max = values[0]!;
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const indexes = new Int32Array(n);
  const entries: number[] = [];
  if (max - min <= Math.max(4 * n, 256)) {
    // a dense table of the value range (the usual case: states, ages in days)
    const slot = new Int32Array(max - min + 1).fill(-1);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      let k = slot[v - min]!;
      if (k < 0) {
        k = entries.length;
        entries.push(v);
        slot[v - min] = k;
      }
      indexes[i] = k;
    }
  } else {
    const slot = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      let k = slot.get(v);
      if (k === undefined) {
        k = entries.length;
        entries.push(v);
        slot.set(v, k);
      }
      indexes[i] = k;
    }
  }
  return dictionaryPage(indexes, entries.length, bytesOf(Int32Array.from(entries)));
}

const utf8 = new TextEncoder();

/** Strings as dictionary indexes (one entry per distinct string, in order of first appearance). */
function stringDictionary(codes: Int32Array | Uint8Array, text: (code: number) => string): PageParts {
  const n = codes.length;
  const indexes = new Int32Array(n);
  const byCode = new Map<number, number>();
  const byText = new Map<string, number>();
  const entries: Uint8Array[] = [];
  let dictionaryBytes = 0;
  let lastCode = Number.NaN;
  let lastIndex = -1;
  for (let i = 0; i < n; i++) {
    const code = codes[i]!;
    if (code !== lastCode) {
      let k = byCode.get(code);
      if (k === undefined) {
        const t = text(code);
        if (typeof t !== 'string') throw new Error(`parquet required value is undefined (code ${code})`);
        k = byText.get(t);
        if (k === undefined) {
          k = entries.length;
          const bytes = utf8.encode(t);
          entries.push(bytes);
          dictionaryBytes += 4 + bytes.length;
          byText.set(t, k);
        }
        byCode.set(code, k);
      }
      lastCode = code;
      lastIndex = k;
    }
    indexes[i] = lastIndex;
  }
  // PLAIN BYTE_ARRAY: each entry's length (UINT32 little-endian), then its bytes
  const dictionary = new Uint8Array(dictionaryBytes);
  const view = new DataView(dictionary.buffer);
  let at = 0;
  for (const bytes of entries) {
    view.setUint32(at, bytes.length, true);
    dictionary.set(bytes, at + 4);
    at += 4 + bytes.length;
  }
  return dictionaryPage(indexes, entries.length, dictionary);
}

/** BOOLEAN values: RLE (length-prefixed hybrid, width 1) above 16 values, else PLAIN bits. */
function booleans(values: Uint8Array): PageParts {
  const n = values.length;
  const bits = new Uint8Array(n);
  for (let i = 0; i < n; i++) bits[i] = values[i] === 1 ? 1 : 0;
  if (n > 16) {
    const hybrid = rleBitPackedHybrid(bits, 1);
    const page = new Uint8Array(4 + hybrid.length);
    new DataView(page.buffer).setUint32(0, hybrid.length, true);
    page.set(hybrid, 4);
    return { encoding: 'RLE', levels: EMPTY, nulls: 0, values: page };
  }
  const page = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) page[i >> 3]! |= bits[i]! << (i & 7);
  return { encoding: 'PLAIN', levels: EMPTY, nulls: 0, values: page };
}

/**
 * Parquet's RLE/bit-packed hybrid of `values`, decided exactly as hyparquet-writer's
 * `writeRleBitPackedHybrid` decides it (so the bytes are the same): at each position, a run of ≥ 8
 * equal values is one RLE run; otherwise the next 8 values join a bit-packed group (the last one
 * padded with zeros), consecutive groups sharing one header.
 */
export function rleBitPackedHybrid(values: Uint8Array | Int32Array, bitWidth: number): Uint8Array {
  const n = values.length;
  // Bound: ≤ 8 + ⌈(b+7)/8⌉ bytes per RLE run (≥ 8 values each), b bytes per bit-packed group of
  // 8 and one ≤ 5-byte header per bit-packed stretch (at most one per run, plus one).
  const out = new Uint8Array(((n + 7) >> 3) * (bitWidth + 16) + 16);
  const width = (bitWidth + 7) >> 3;
  const mask = (1 << bitWidth) - 1;
  let at = 0;
  const varint = (value: number) => {
    while ((value & ~0x7f) !== 0) {
      out[at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    out[at++] = value;
  };
  const bitPack = (start: number, groups: number) => {
    varint((groups << 1) | 1);
    if (bitWidth === 0) return;
    let buffer = 0;
    let used = 0;
    const end = start + groups * 8;
    for (let i = start; i < end; i++) {
      const v = i < n ? values[i]! & mask : 0;
      buffer |= v << used;
      used += bitWidth;
      while (used >= 8) {
        out[at++] = buffer & 0xff;
        buffer >>>= 8;
        used -= 8;
      }
    }
    if (used > 0) out[at++] = buffer & 0xff;
  };
  let pending = 0;
  let packedStart = 0;
  let i = 0;
  while (i < n) {
    const first = values[i]!;
    let run = 1;
    while (i + run < n && values[i + run] === first) run++;
    if (run >= 8) {
      if (pending > 0) {
        bitPack(packedStart, pending);
        pending = 0;
      }
      varint(run << 1);
      for (let j = 0; j < width; j++) out[at++] = (first >> (j << 3)) & 0xff;
      i += run;
    } else {
      if (pending === 0) packedStart = i;
      pending++;
      i += 8;
    }
  }
  if (pending > 0) bitPack(packedStart, pending);
  return out.subarray(0, at);
}

// ---------------------------------------------------------------------------------------------
// The same row groups through hyparquet-writer (kept for the byte-for-byte tests)

/** The column as hyparquet-writer's `ColumnSource`: the options FINML wrote every column with. */
export function columnSource(c: Column): ColumnSource {
  switch (c.kind) {
    case 'date':
      return { name: c.name, data: c.values, statistics: true, encoding: 'PLAIN' };
    case 'double': {
      let data: DecodedArray = c.values;
      if (c.optional && c.values.some(Number.isNaN)) {
        data = Array.from(c.values, (v) => (Number.isNaN(v) ? null : v));
      }
      return { name: c.name, data, statistics: false, encoding: 'PLAIN', codec: 'UNCOMPRESSED' };
    }
    case 'int':
      return {
        name: c.name,
        data: c.values instanceof Int32Array ? c.values : Int32Array.from(c.values),
        statistics: false,
        encoding: 'RLE_DICTIONARY',
      };
    case 'string':
      return {
        name: c.name,
        data: Array.from(c.codes, (code) => c.text(code)),
        statistics: false,
        encoding: 'RLE_DICTIONARY',
      };
    case 'boolean':
      return { name: c.name, data: Array.from(c.values, (v) => v === 1), statistics: false };
  }
}

/** The row groups of `columns` through `ParquetWriter.write` (what FINML wrote before). */
export const writeRowGroupsWithHyparquetWriter: RowGroupWriter = (pw, columns, rowGroupRows) => {
  rowsOf(columns);
  void pw.write({
    columnData: columns.map(columnSource),
    rowGroupSize: rowGroupRows,
    // One page per column chunk (≤ rowGroupRows values): no per-value page-size estimate.
    pageSize: 0,
  });
};
