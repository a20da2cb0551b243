/**
 * The cleaned rows a run stages between its ingest step and its gold step (keys.stagedRows): one
 * symbol's SilverSeries as its typed arrays, byte for byte. Staged rows are scratch of one run, read
 * back only by that run's gold and publish steps, never a layer: no reader but FINML's sees them,
 * so they skip Parquet's encoding and decoding (decision 11) — the published silver is Parquet.
 *
 * Layout (little-endian): "FINMLROW" magic, format version (u32), header length (u32), the header
 * as UTF-8 JSON ({ symbol, length }), zero padding to a multiple of 8, then the columns in
 * STAGED_COLUMNS order, each `length` values of its type. A typed array's bytes are its platform's
 * order; every platform Lambda and Node run on is little-endian, checked when a file is written.
 */
import { endianness } from 'node:os';
import type { SilverSeries } from './series.ts';

const MAGIC = 'FINMLROW';
const VERSION = 1;

/** The Content-Type of a staged-rows object. */
export const STAGED_ROWS_CONTENT_TYPE = 'application/vnd.finml.staged-rows';

type ColumnType = 'int32' | 'float64' | 'uint8';

const STAGED_COLUMNS: readonly (readonly [keyof SilverSeries, ColumnType])[] = [
  ['day', 'int32'],
  ['line', 'int32'],
  ['open', 'float64'],
  ['high', 'float64'],
  ['low', 'float64'],
  ['close', 'float64'],
  ['adjclose', 'float64'],
  ['volume', 'float64'],
  ['filled', 'uint8'],
  ['flags', 'uint8'],
];

const WIDTH: Record<ColumnType, number> = { int32: 4, float64: 8, uint8: 1 };

/** Error reading staged rows back: names the object and what is wrong. */
export class StagedRowsError extends Error {
  constructor(key: string, why: string) {
    super(`staged rows ${key}: ${why}`);
    this.name = 'StagedRowsError';
  }
}

/** One symbol's cleaned rows as a staged-rows object. */
export function stagedRowsBytes(s: SilverSeries): Uint8Array {
  if (endianness() !== 'LE') throw new Error('staged rows are written on little-endian platforms only');
  const header = new TextEncoder().encode(JSON.stringify({ symbol: s.symbol, length: s.length }));
  const start = align8(MAGIC.length + 8 + header.length);
  let size = start;
  for (const [, type] of STAGED_COLUMNS) size = align8(size + s.length * WIDTH[type]);
  const out = new Uint8Array(size);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(MAGIC.length, VERSION, true);
  view.setUint32(MAGIC.length + 4, header.length, true);
  out.set(header, MAGIC.length + 8);
  let at = start;
  for (const [name] of STAGED_COLUMNS) {
    const column = s[name] as Int32Array | Float64Array | Uint8Array;
    if (column.length !== s.length)
      throw new Error(`column ${name} holds ${column.length} values, not ${s.length}`);
    out.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), at);
    at = align8(at + column.byteLength);
  }
  return out;
}

/** The SilverSeries of a staged-rows object (`key` names it in errors). */
export function readStagedRows(bytes: Uint8Array, key: string): SilverSeries {
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i))
      throw new StagedRowsError(key, 'not a staged-rows object (no FINMLROW magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < MAGIC.length + 8) throw new StagedRowsError(key, 'truncated header');
  const version = view.getUint32(MAGIC.length, true);
  if (version !== VERSION)
    throw new StagedRowsError(key, `format version ${version}, this FINML reads ${VERSION}`);
  const headerLength = view.getUint32(MAGIC.length + 4, true);
  let header: { symbol: string; length: number };
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytes.subarray(MAGIC.length + 8, MAGIC.length + 8 + headerLength),
      ),
    ) as { symbol: string; length: number };
  } catch (cause) {
    throw new StagedRowsError(key, `unreadable header (${(cause as Error).message})`);
  }
  const n = header.length;
  if (typeof header.symbol !== 'string' || !Number.isInteger(n) || n < 0) {
    throw new StagedRowsError(key, 'the header names no symbol and row count');
  }
  let at = align8(MAGIC.length + 8 + headerLength);
  const columns: Record<string, Int32Array | Float64Array | Uint8Array> = {};
  for (const [name, type] of STAGED_COLUMNS) {
    const end = at + n * WIDTH[type];
    if (end > bytes.length)
      throw new StagedRowsError(key, `ends inside column ${name} (${bytes.length} bytes for ${n} rows)`);
    columns[name] = columnOf(bytes, at, n, type);
    at = align8(end);
  }
  return { symbol: header.symbol, length: n, ...columns } as unknown as SilverSeries;
}

/**
 * One column's values: a view of the object's bytes where they sit on the type's alignment (every
 * column starts on a multiple of 8 from the object's start, so whenever the bytes start on one — a
 * file or response read into a buffer of its own), else a copy into an aligned buffer (a Node
 * Buffer's slice() would not copy). A view keeps the object's bytes alive as long as the column.
 */
function columnOf(
  bytes: Uint8Array,
  at: number,
  n: number,
  type: ColumnType,
): Int32Array | Float64Array | Uint8Array {
  const offset = bytes.byteOffset + at;
  if (offset % WIDTH[type] === 0) {
    const buffer = bytes.buffer as ArrayBuffer;
    return type === 'int32'
      ? new Int32Array(buffer, offset, n)
      : type === 'float64'
        ? new Float64Array(buffer, offset, n)
        : new Uint8Array(buffer, offset, n);
  }
  const copy = new Uint8Array(bytes.subarray(at, at + n * WIDTH[type])).buffer;
  return type === 'int32'
    ? new Int32Array(copy)
    : type === 'float64'
      ? new Float64Array(copy)
      : new Uint8Array(copy);
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
