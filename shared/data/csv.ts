/**
 * Streaming CSV reading (RFC 4180 quoting, `,` separator, LF or CRLF, optional UTF-8 BOM) and
 * safe CSV writing. Memory is bounded by one chunk plus one record, never by the file size.
 */
import { DataRejectedError } from './errors.ts';

/** One CSV record and the physical line (1-based) it starts on. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

export interface CsvReadOptions {
  /** File name used in error messages. */
  file: string;
  /** A record longer than this (in characters) rejects the file: it is not a daily market CSV. */
  maxRecordLength?: number;
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/**
 * Reads CSV records from a stream of bytes, yielding them in batches (one batch per input chunk,
 * so the caller's per-record work stays synchronous and fast). Blank lines are skipped.
 * Throws DataRejectedError on invalid UTF-8 (naming the first bad line) or an overlong record.
 */
export async function* readCsvRecords(
  chunks: AsyncIterable<Uint8Array>,
  options: CsvReadOptions,
): AsyncGenerator<CsvRecord[]> {
  const maxRecordLength = options.maxRecordLength ?? 1 << 20;
  const decoder = new TextDecoder('utf-8', { fatal: true }); // strips a leading BOM
  const parser = new CsvParser();
  let linesBefore = 0; // newlines in the bytes already decoded
  let carry: Uint8Array = new Uint8Array(0); // the last bytes of the previous chunk (to locate a bad sequence)

  for await (const chunk of chunks) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch (cause) {
      throw invalidUtf8(options.file, linesBefore, carry, chunk, cause);
    }
    carry = chunk.subarray(Math.max(0, chunk.length - 3));
    linesBefore += countNewlines(text);
    const records = parser.push(text, false);
    if (parser.pendingLength > maxRecordLength)
      throw tooLong(options.file, parser.pendingLine, maxRecordLength);
    checkLengths(records, options.file, maxRecordLength);
    if (records.length > 0) yield records;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch (cause) {
    throw invalidUtf8(options.file, linesBefore, carry, new Uint8Array(0), cause);
  }
  const last = parser.push(tail, true);
  checkLengths(last, options.file, maxRecordLength);
  if (last.length > 0) yield last;
}

function checkLengths(records: ParsedRecord[], file: string, max: number): void {
  for (const r of records) if (r.length > max) throw tooLong(file, r.line, max);
}

interface ParsedRecord extends CsvRecord {
  /** Characters the record spans in the text, separators included. */
  length: number;
}

/** An incremental CSV parser over decoded text; keeps an unfinished record between pushes. */
class CsvParser {
  private pending = '';
  private line = 1; // physical line on which `pending` starts

  get pendingLength(): number {
    return this.pending.length;
  }
  get pendingLine(): number {
    return this.line;
  }

  /** Parses every complete record of pending + text; with `final`, the rest too. */
  push(text: string, final: boolean): ParsedRecord[] {
    const s = this.pending + text;
    const out: ParsedRecord[] = [];
    let pos = s.charCodeAt(0) === 0xfeff ? 1 : 0;
    let line = this.line;
    while (pos < s.length) {
      const rec = parseRecord(s, pos, final);
      if (rec === undefined) {
        this.pending = s.slice(pos);
        this.line = line;
        return out;
      }
      const blank = rec.cells.length === 1 && rec.cells[0] === '' && s.charCodeAt(pos) !== QUOTE;
      if (!blank) out.push({ line, cells: rec.cells, length: rec.end - pos });
      line += rec.newlines;
      pos = rec.end;
    }
    this.pending = '';
    this.line = line;
    return out;
  }
}

interface RecordSpan {
  cells: string[];
  /** Position just after the record's line end. */
  end: number;
  /** Newlines consumed, inside quoted cells and the record's own end. */
  newlines: number;
}

/** Parses one record starting at `pos`; undefined when the text ends before the record does (and not final). */
function parseRecord(s: string, pos: number, final: boolean): RecordSpan | undefined {
  const n = s.length;
  const cells: string[] = [];
  let newlines = 0;
  for (;;) {
    let cell = '';
    if (s.charCodeAt(pos) === QUOTE) {
      // Quoted cell: "" is an escaped quote; the cell may span lines.
      let i = pos + 1;
      let closed = false;
      while (i < n) {
        const q = s.indexOf('"', i);
        if (q === -1) break;
        cell += s.slice(i, q);
        if (q + 1 >= n && !final) break; // cannot tell yet whether this quote is escaped
        if (s.charCodeAt(q + 1) === QUOTE) {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          closed = true;
          break;
        }
      }
      if (!closed) {
        if (!final) return undefined;
        cell += s.slice(i); // an unterminated quote at the end of the file takes the rest
        i = n;
      }
      for (let k = s.indexOf('\n', pos); k !== -1 && k < i; k = s.indexOf('\n', k + 1)) newlines++;
      pos = i;
    }
    // Unquoted text (or anything after a closing quote) up to the separator or line end.
    let j = pos;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === COMMA || c === LF || c === CR) break;
      j++;
    }
    if (j > pos) cell += s.slice(pos, j);
    pos = j;
    cells.push(cell);
    if (pos >= n) {
      if (!final) return undefined;
      return { cells, end: n, newlines };
    }
    const c = s.charCodeAt(pos);
    if (c === COMMA) {
      pos++;
      if (pos >= n) {
        if (!final) return undefined;
        cells.push('');
        return { cells, end: n, newlines };
      }
      continue;
    }
    if (c === CR) {
      if (pos + 1 >= n && !final) return undefined; // wait for a possible LF
      pos += s.charCodeAt(pos + 1) === LF ? 2 : 1;
    } else {
      pos++;
    }
    return { cells, end: pos, newlines: newlines + 1 };
  }
}

function countNewlines(s: string): number {
  let k = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) k++;
  return k;
}

function tooLong(file: string, line: number, max: number): DataRejectedError {
  return new DataRejectedError({
    file,
    line,
    code: 'line_too_long',
    reason: `a record is longer than ${max} characters — this does not look like a daily market CSV`,
  });
}

/** Locates the first invalid UTF-8 sequence to name its line. */
function invalidUtf8(
  file: string,
  linesBefore: number,
  carry: Uint8Array,
  chunk: Uint8Array,
  cause: unknown,
): DataRejectedError {
  // Leading continuation bytes of the carry belong to a character that was already decoded.
  let skip = 0;
  while (skip < carry.length && (carry[skip]! & 0xc0) === 0x80) skip++;
  const bytes = new Uint8Array(carry.length - skip + chunk.length);
  bytes.set(carry.subarray(skip), 0);
  bytes.set(chunk, carry.length - skip);
  const carried = carry.length - skip;
  const bad = firstInvalidUtf8(bytes);
  // linesBefore counts the newlines of everything decoded so far, the carried bytes included.
  let line = linesBefore + 1;
  for (let i = carried; i < bad; i++) if (bytes[i] === LF) line++;
  for (let i = bad; i < carried; i++) if (bytes[i] === LF) line--;
  return new DataRejectedError(
    { file, line, code: 'invalid_utf8', reason: 'bytes that are not valid UTF-8' },
    { cause },
  );
}

/** Index of the first byte that starts an invalid (or truncated) UTF-8 sequence; bytes.length if none. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Formats one CSV cell. Text that a spreadsheet would evaluate as a formula (starting with
 * = + - @, tab or CR) is neutralised with a leading apostrophe (OWASP CSV injection); numbers are
 * written as numbers. Cells with a separator, quote or line break are quoted.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Formats one CSV line (LF-terminated). */
export function csvLine(cells: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${cells.map(csvCell).join(',')}\n`;
}
