/** Reading the lake's Parquet files in tests: rows as plain values, and the bytes before the footer. */
import { readFileSync } from 'node:fs';
import { readTableColumns } from '#shared/data/parquet-tables';
import { formatIsoDay } from '#shared/data/values';

export interface ParquetRows {
  names: string[];
  /** Each row's values in column order: dates as YYYY-MM-DD, null for a missing double. */
  rows: (string | number | boolean | null)[][];
}

/** Every row of a Parquet file FINML wrote, read with FINML's reader (DuckDB checks it elsewhere). */
export async function parquetRows(path: string): Promise<ParquetRows> {
  const t = await readTableColumns(readFileSync(path), path, 'lake');
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
  const bytes = readFileSync(path);
  const footer = bytes.readUInt32LE(bytes.length - 8);
  return bytes.subarray(0, bytes.length - 8 - footer);
}
