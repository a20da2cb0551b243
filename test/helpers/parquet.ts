/** Reading the lake's Parquet files in tests: rows as plain values, and the bytes before the footer. */
import { readFileSync } from 'node:fs';
import { collectBytes, readTableColumns } from '#shared/data/parquet-tables';
import { formatIsoDay } from '#shared/data/values';
import type { ObjectStore } from '#shared/ports';

export interface ParquetRows {
  names: string[];
  /** Each row's values in column order: dates as YYYY-MM-DD, null for a missing double. */
  rows: (string | number | boolean | null)[][];
}

/** Every row of a Parquet file FINML wrote, read with FINML's reader (DuckDB checks it elsewhere). */
export async function parquetRows(path: string): Promise<ParquetRows> {
  return rowsOf(readFileSync(path), path);
}

/** Every row of an object of a store (empty when there is none). */
export async function objectRows(store: ObjectStore, bucket: string, key: string): Promise<ParquetRows> {
  const body = await store.get(bucket, key);
  return body === undefined ? { names: [], rows: [] } : rowsOf(await collectBytes(body), key);
}

/** The bytes of an object before its Parquet footer (its row groups: what an append keeps). */
export async function objectRowGroupBytes(store: ObjectStore, bucket: string, key: string): Promise<Buffer> {
  const body = await store.get(bucket, key);
  if (body === undefined) throw new Error(`no object ${bucket}/${key}`);
  return beforeFooter(Buffer.from(await collectBytes(body)));
}

async function rowsOf(bytes: Uint8Array, name: string): Promise<ParquetRows> {
  const t = await readTableColumns(bytes, name, 'lake');
  const columns = t.names.map((n) => t.column(n));
  const rows = Array.from({ length: t.length }, (_, i) =>
    t.names.map((name, k) => {
      const v = columns[k]![i]!;
      const kind = t.kinds[name];
      if (kind === 'date') return formatIsoDay(v as number);
      if (kind === 'bool') return v === 1;
      if (typeof v === 'number' && Number.isNaN(v)) return null;
      return v;
    }),
  );
  return { names: t.names, rows };
}

/** The bytes of a Parquet file before its footer (its row groups: what an append keeps). */
export function rowGroupBytes(path: string): Buffer {
  return beforeFooter(readFileSync(path));
}

function beforeFooter(bytes: Buffer): Buffer {
  const footer = bytes.readUInt32LE(bytes.length - 8);
  return bytes.subarray(0, bytes.length - 8 - footer);
}

/**
 * A Parquet file's rows as the CSV text the lake held before it was Parquet (header, then one line
 * per row: dates as YYYY-MM-DD, numbers in their shortest round-trip form, missing values and
 * nulls empty, booleans 1 / 0), so a test can compare tables and look up cells as text.
 */
export async function parquetAsCsv(bytes: Uint8Array, name: string): Promise<string> {
  const { names, rows } = await rowsOf(bytes, name);
  const cell = (v: string | number | boolean | null) =>
    v === null ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  return `${[names.join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n')}\n`;
}

/** Doubles whose bits a careless Parquet writer or reader would change. */
export const EDGE_DOUBLES: readonly number[] = [
  -0,
  0,
  5e-324, // the smallest subnormal
  -5e-324,
  2.2250738585072014e-308 / 3, // a subnormal in the middle
  Number.MAX_VALUE,
  -Number.MIN_VALUE,
  0.1 + 0.2,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1 / 3,
  -123456.789e200,
];

/** The double whose IEEE 754 bits are `bits` (e.g. a NaN with a payload of its own). */
export const doubleWithBits = (bits: bigint): number =>
  new Float64Array(new BigUint64Array([bits]).buffer)[0]!;
