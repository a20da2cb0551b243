/**
 * Shared by the CSV reader's tests: readCsvRows (a reused row view) and readCsvRecords (strings per
 * cell) run over chunked bytes into comparable outcomes, and every accessor of a row view checked
 * against the cell strings.
 */
import { expect } from 'vitest';
import { type CsvRow, readCsvRecords, readCsvRows } from '#shared/data/csv';
import { parseDecimal } from '#shared/data/values';

export type Seen = { line: number; cells: string[] };
export type Outcome = { records: Seen[]; error?: { code: unknown; line: unknown; message: string } };

export const encode = (text: string) => new TextEncoder().encode(text);
export const bytesOf = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...encode(p)] : p)));

/** The chunks of `bytes` cut at the given offsets. */
export function cutAt(bytes: Uint8Array, cuts: readonly number[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    let at = 0;
    for (const cut of [...cuts, bytes.length]) {
      yield bytes.subarray(at, Math.max(at, cut));
      at = Math.max(at, cut);
    }
  })();
}

export function chunked(bytes: Uint8Array, sizes: readonly number[]): AsyncIterable<Uint8Array> {
  const cuts: number[] = [];
  for (let k = 0, at = 0; at < bytes.length; k++) {
    at += sizes[k % sizes.length]!;
    cuts.push(at);
  }
  return cutAt(bytes, cuts.slice(0, -1));
}

export function failure(e: unknown): Outcome['error'] {
  const { code, line, message } = e as { code: unknown; line: unknown; message: string };
  return { code, line, message };
}

export async function viaRecords(chunks: AsyncIterable<Uint8Array>, max?: number): Promise<Outcome> {
  const records: Seen[] = [];
  try {
    for await (const batch of readCsvRecords(chunks, { file: 'f.csv', maxRecordLength: max }))
      for (const r of batch) records.push({ line: r.line, cells: r.cells });
    return { records };
  } catch (e) {
    return { records, error: failure(e) };
  }
}

/** Every accessor of the view agrees with the cell strings (decimals bit for bit, −0 and NaN too). */
export function checkView(row: CsvRow, cells: string[]): void {
  expect(row.count).toBe(cells.length);
  for (let i = 0; i <= cells.length; i++) {
    const cell = cells[i] ?? '';
    expect(row.cell(i)).toBe(cell);
    expect(row.cellLength(i)).toBe(cell.length);
    expect(row.cellEquals(i, cell)).toBe(true);
    expect(row.cellEquals(i, `${cell}x`)).toBe(false);
    if (cell.length > 0) {
      // A string of the same length that differs in its last character (also beyond ASCII).
      const last = cell.charCodeAt(cell.length - 1);
      for (const other of [last ^ 1, last + 0x100])
        expect(row.cellEquals(i, cell.slice(0, -1) + String.fromCharCode(other))).toBe(false);
    }
    const expected = i < cells.length ? parseDecimal(cell) : undefined;
    expect(Object.is(row.decimal(i), expected), `decimal of ${JSON.stringify(cell)}`).toBe(true);
  }
}

export async function viaRows(chunks: AsyncIterable<Uint8Array>, max?: number): Promise<Outcome> {
  const records: Seen[] = [];
  try {
    await readCsvRows(chunks, { file: 'f.csv', maxRecordLength: max }, (row) => {
      const cells = row.cells();
      checkView(row, cells);
      records.push({ line: row.line, cells });
    });
    return { records };
  } catch (e) {
    return { records, error: failure(e) };
  }
}
