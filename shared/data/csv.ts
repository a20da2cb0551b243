/**
 * Streaming CSV reading (RFC 4180 quoting, `,` separator, LF or CRLF, optional UTF-8 BOM) and
 * safe CSV writing. Memory is bounded by one chunk plus one record, never by the file size.
 */
import { Buffer, isAscii } from 'node:buffer';
import { DataRejectedError } from './errors.ts';
import { fastDecimalBytes, parseDecimalBytes, parseDecimalIn } from './values.ts';

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
const BOM = 0xfeff;
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/** Records longer than this (characters) reject a file unless the caller says otherwise: 1 Mi. */
const DEFAULT_MAX_RECORD_LENGTH = 1 << 20;

/**
 * Reads CSV records from a stream of bytes, yielding them in batches (one batch per input chunk,
 * so the caller's per-record work stays synchronous and fast). Blank lines are skipped.
 * Throws DataRejectedError on invalid UTF-8 (naming the first bad line) or an overlong record.
 * For large files prefer readCsvRows, which makes no string or array per record.
 */
export async function* readCsvRecords(
  chunks: AsyncIterable<Uint8Array>,
  options: CsvReadOptions,
): AsyncGenerator<CsvRecord[]> {
  const maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  const decoder = new StrictUtf8Decoder(options.file);
  const parser = new CsvParser();
  for await (const chunk of chunks) {
    const records = parser.push(decoder.decode(chunk), false);
    if (parser.pendingLength > maxRecordLength)
      throw tooLong(options.file, parser.pendingLine, maxRecordLength);
    checkLengths(records, options.file, maxRecordLength);
    if (records.length > 0) yield records;
  }
  const last = parser.push(decoder.end(), true);
  if (parser.unterminatedLine !== undefined) throw unterminated(options.file, parser.unterminatedLine);
  checkLengths(last, options.file, maxRecordLength);
  if (last.length > 0) yield last;
}

/**
 * Decodes a byte stream as strict UTF-8 (a leading BOM is dropped), keeping what it needs to name
 * the line of an invalid byte: the newlines decoded so far and the last bytes of the previous chunk.
 *
 * With `asciiFastPath`, a chunk of ASCII bytes that starts on a character boundary (the stream's
 * start, or after a chunk that ended on one) is copied into a one-byte string without the UTF-8
 * decoder: ASCII decodes to itself, and such a chunk leaves nothing pending in the decoder, so the
 * text, the errors and their lines are those of the decoder alone. The decoder then keeps the
 * byte-order mark and the first decoded character drops it, as the Encoding standard's decoder
 * does (it would otherwise take a later chunk's U+FEFF for the start of the stream).
 */
class StrictUtf8Decoder {
  private readonly decoder: TextDecoder;
  private linesBefore = 0; // newlines in the bytes already decoded
  private carry: Uint8Array = new Uint8Array(0); // the last bytes of the previous chunk
  /** The fast path: nothing decoded yet may be pending, and no character has come out yet. */
  private readonly fast: boolean;
  private boundary = true; // the bytes so far end on a character boundary (fast path only)
  private bomSeen = false; // a character has been decoded (fast path only)
  private headSeen = false; // the stream's first two bytes have been looked at
  private held: Uint8Array | undefined; // a first chunk of one byte, until the next
  /** The last chunk when its text is its bytes (the fast path took it), else undefined. */
  asciiBytes: Uint8Array | undefined;

  constructor(
    private readonly file: string,
    asciiFastPath = false,
  ) {
    this.fast = asciiFastPath;
    this.decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: asciiFastPath });
  }

  /** The text of one more chunk (a character split across chunks comes out with the next one). */
  decode(chunk: Uint8Array): string {
    this.asciiBytes = undefined;
    if (!this.headSeen) {
      // The stream's first two bytes tell a UTF-16 file: a first chunk of one byte waits for the next.
      const joined = this.held === undefined ? chunk : Buffer.concat([this.held, chunk]);
      if (joined.length < 2) {
        this.held = Uint8Array.from(joined);
        return '';
      }
      this.held = undefined;
      this.headSeen = true;
      const utf16 = utf16Order(joined);
      if (utf16 !== undefined) throw utf16File(this.file, utf16);
      return this.decodeChunk(joined);
    }
    return this.decodeChunk(chunk);
  }

  private decodeChunk(chunk: Uint8Array): string {
    let text: string;
    if (this.fast && this.boundary && isAscii(chunk)) {
      text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
      this.asciiBytes = chunk;
    } else {
      try {
        text = this.decoder.decode(chunk, { stream: true });
      } catch (cause) {
        throw invalidUtf8(this.file, this.linesBefore, this.carry, chunk, cause);
      }
      // A chunk of ASCII bytes that decoded leaves nothing pending (else the decoder would have thrown).
      if (this.fast) this.boundary = isAscii(chunk);
    }
    this.carry = chunk.subarray(Math.max(0, chunk.length - 3));
    this.linesBefore += countNewlines(text);
    return this.fast ? this.dropBom(text) : text;
  }

  /** The end of the stream: throws if it stops inside a character. */
  end(): string {
    let held = '';
    if (this.held !== undefined) {
      // A stream of one byte.
      held = this.decodeChunk(this.held);
      this.held = undefined;
    }
    let text: string;
    this.asciiBytes = undefined;
    try {
      text = this.decoder.decode();
    } catch (cause) {
      throw invalidUtf8(this.file, this.linesBefore, this.carry, new Uint8Array(0), cause);
    }
    return held + (this.fast ? this.dropBom(text) : text);
  }

  /** The text without the stream's first character when that is a byte-order mark. */
  private dropBom(text: string): string {
    if (this.bomSeen || text.length === 0) return text;
    this.bomSeen = true;
    return text.charCodeAt(0) === BOM ? text.slice(1) : text;
  }
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
  private atStart = true; // nothing decoded yet: a BOM may come

  get pendingLength(): number {
    return this.pending.length;
  }
  get pendingLine(): number {
    return this.line;
  }
  /** The line of the first record whose quoted cell was never closed. */
  unterminatedLine: number | undefined;

  /** Parses every complete record of pending + text; with `final`, the rest too. */
  push(text: string, final: boolean): ParsedRecord[] {
    const s = this.pending + text;
    const out: ParsedRecord[] = [];
    let pos = skipBom(s, this.atStart);
    if (s.length > 0) this.atStart = false;
    let line = this.line;
    while (pos < s.length) {
      const rec = parseRecord(s, pos, final);
      if (rec === undefined) {
        this.pending = s.slice(pos);
        this.line = line;
        return out;
      }
      const blank = rec.cells.length === 1 && rec.cells[0] === '' && s.charCodeAt(pos) !== QUOTE;
      if (rec.unterminated) this.unterminatedLine ??= line;
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
  /** A quoted cell was never closed: it took the rest of the file. */
  unterminated?: true;
}

/** Parses one record starting at `pos`; undefined when the text ends before the record does (and not final). */
function parseRecord(s: string, pos: number, final: boolean): RecordSpan | undefined {
  const n = s.length;
  const cells: string[] = [];
  let newlines = 0;
  let unterminated = false;
  const span = (end: number): RecordSpan =>
    unterminated ? { cells, end, newlines, unterminated: true } : { cells, end, newlines };
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
        unterminated = true;
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
      return span(n);
    }
    const c = s.charCodeAt(pos);
    if (c === COMMA) {
      pos++;
      if (pos >= n) {
        if (!final) return undefined;
        cells.push('');
        return span(n);
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

/** 1 when the text begins the stream with a byte-order mark (a second one: the decoder drops the first). */
function skipBom(s: string, atStart: boolean): number {
  return atStart && s.charCodeAt(0) === BOM ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Reading without a string per cell

/**
 * One record handed to the callback of readCsvRows: cell boundaries in the decoded text, read on
 * demand. The same object is reused for every record: it is valid only during the callback.
 */
export class CsvRow {
  /** The physical line (1-based) the record starts on. */
  line = 0;
  /** The number of cells. */
  count = 0;
  private text = '';
  /** The text's characters as bytes at the same positions (an ASCII chunk), else undefined. */
  private bytes: Uint8Array | undefined;
  private starts: Int32Array = new Int32Array(0);
  private ends: Int32Array = new Int32Array(0);
  private first = 0;

  /** Cell i as a string ('' when the record has fewer cells). */
  cell(i: number): string {
    if (i >= this.count) return '';
    return this.text.slice(this.starts[this.first + i]!, this.ends[this.first + i]!);
  }

  /** Every cell as strings (a new array). */
  cells(): string[] {
    return Array.from({ length: this.count }, (_, i) => this.cell(i));
  }

  /** The length of cell i (0 when the record has fewer cells). */
  cellLength(i: number): number {
    if (i >= this.count) return 0;
    return this.ends[this.first + i]! - this.starts[this.first + i]!;
  }

  /** Whether cell i equals `s`, without making a string of the cell. */
  cellEquals(i: number, s: string): boolean {
    if (i >= this.count) return s.length === 0;
    const start = this.starts[this.first + i]!;
    const n = this.ends[this.first + i]! - start;
    if (n !== s.length) return false;
    const bytes = this.bytes;
    if (bytes !== undefined) {
      for (let k = 0; k < n; k++) if (bytes[start + k] !== s.charCodeAt(k)) return false;
    } else {
      for (let k = 0; k < n; k++) if (this.text.charCodeAt(start + k) !== s.charCodeAt(k)) return false;
    }
    return true;
  }

  /** parseDecimal of cell i (undefined when empty or absent), without making a string of the cell. */
  decimal(i: number): number | undefined {
    if (i >= this.count) return undefined;
    const from = this.starts[this.first + i]!;
    const to = this.ends[this.first + i]!;
    return this.bytes !== undefined
      ? parseDecimalBytes(this.bytes, this.text, from, to)
      : parseDecimalIn(this.text, from, to);
  }

  /**
   * `decimal` of several cells at once: out[k] is the value of cell columns[k] (NaN when the cell is
   * empty or absent, or when columns[k] is −1), and bit k of the result is set when that cell is
   * present but not a number (out[k] NaN too). Every value stays a double — no number-or-undefined
   * per cell — which keeps a caller's row loop free of allocations.
   */
  decimals(columns: Int32Array, out: Float64Array): number {
    let invalid = 0;
    const bytes = this.bytes;
    for (let k = 0; k < columns.length; k++) {
      const col = columns[k]!;
      if (col < 0 || col >= this.count) {
        out[k] = Number.NaN;
        continue;
      }
      const from = this.starts[this.first + col]!;
      const to = this.ends[this.first + col]!;
      const fast = bytes === undefined ? Number.NaN : fastDecimalBytes(bytes, from, to);
      if (!Number.isNaN(fast)) {
        out[k] = fast;
        continue;
      }
      const v = parseDecimalIn(this.text, from, to);
      if (v === undefined) out[k] = Number.NaN;
      else {
        out[k] = v;
        if (Number.isNaN(v)) invalid |= 1 << k;
      }
    }
    return invalid;
  }

  /**
   * (For readCsvRows.) Points the view at cells first … first + count − 1 of `cells`, bounds in
   * `text`; `bytes`, when given, holds the same characters at the same positions.
   */
  point(
    text: string,
    bytes: Uint8Array | undefined,
    cells: CellBounds,
    first: number,
    count: number,
    line: number,
  ): void {
    this.text = text;
    this.bytes = bytes;
    this.starts = cells.starts;
    this.ends = cells.ends;
    this.first = first;
    this.count = count;
    this.line = line;
  }
}

/**
 * Reads CSV records and calls `onRow` with each, as a reused CsvRow (valid only during the call):
 * no string or array is made per record unless the caller asks for one. The same records, lines
 * and errors as readCsvRecords — quoted records are parsed by the same code — and, like its
 * batches, the records of a chunk are handed over only once the whole chunk has passed the
 * length checks. An error thrown by `onRow` stops the reading and is passed on.
 */
export async function readCsvRows(
  chunks: AsyncIterable<Uint8Array>,
  options: CsvReadOptions,
  onRow: (row: CsvRow) => void,
): Promise<void> {
  const maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  const decoder = new StrictUtf8Decoder(options.file, true);
  const scanner = new CsvScanner(maxRecordLength);
  const row = new CsvRow();
  for await (const chunk of chunks) {
    // A large chunk (a file store streams 1 MiB) is read in slices of TEXT_SLICE bytes: the text of
    // each is a string the young generation takes and frees at once, where a 1 MiB string is a
    // large object of the old generation — a fresh mapping, counted toward its next full collection.
    for (let at = 0; at < chunk.length; at += TEXT_SLICE) {
      const part = at === 0 && chunk.length <= TEXT_SLICE ? chunk : chunk.subarray(at, at + TEXT_SLICE);
      scanner.push(decoder.decode(part), false, decoder.asciiBytes);
      if (scanner.pendingLength > maxRecordLength)
        throw tooLong(options.file, scanner.pendingLine, maxRecordLength);
      if (scanner.tooLongLine !== undefined)
        throw tooLong(options.file, scanner.tooLongLine, maxRecordLength);
      scanner.deliver(row, onRow);
    }
  }
  scanner.push(decoder.end(), true);
  if (scanner.unterminatedLine !== undefined) throw unterminated(options.file, scanner.unterminatedLine);
  if (scanner.tooLongLine !== undefined) throw tooLong(options.file, scanner.tooLongLine, maxRecordLength);
  scanner.deliver(row, onRow);
}

/** Bytes decoded into one string at a time by readCsvRows (V8 keeps strings up to 128 KiB in its young generation). */
const TEXT_SLICE = 64 << 10;

/** Cell boundaries: cell k spans text[starts[k], ends[k]). */
interface CellBounds {
  starts: Int32Array;
  ends: Int32Array;
}

/**
 * The incremental parser of readCsvRows: like CsvParser, but a pushed text's records are kept as
 * cell boundaries in reused typed arrays. A record without quotes is scanned in place; the others
 * (quoted cells, a lone CR, the end of the file) go through parseRecord, and their cells are joined
 * into a text of their own.
 */
class CsvScanner {
  private pending = '';
  private line = 1; // physical line on which `pending` starts
  private atStart = true;
  // The records of the last push.
  private text = '';
  /** The text's characters as bytes at the same positions, when the pushed text was made so. */
  private bytes: Uint8Array | undefined;
  private records = 0;
  private recordLine: Int32Array = new Int32Array(1024);
  /** Record k's cells are firstCell[k] … firstCell[k + 1] − 1. */
  private firstCell: Int32Array = new Int32Array(1025);
  private cellCount = 0;
  private readonly cells: CellBounds = { starts: new Int32Array(8192), ends: new Int32Array(8192) };
  /** The records whose cells are in a text of their own (ascending), and those texts. */
  private readonly ownRecords: number[] = [];
  private readonly ownTexts: string[] = [];
  /** The last positions found of LF, CR and `,` in the pushed text (−1: not searched yet). */
  private lfAt = -1;
  private crAt = -1;
  private commaAt = -1;
  /** The line of the first record of the last push that is longer than the limit. */
  tooLongLine: number | undefined;
  /** The line of the first record whose quoted cell was never closed. */
  unterminatedLine: number | undefined;

  constructor(private readonly maxRecordLength: number) {}

  get pendingLength(): number {
    return this.pending.length;
  }
  get pendingLine(): number {
    return this.line;
  }

  /**
   * Scans every complete record of pending + text; with `final`, the rest too. `bytes`, when given,
   * are the text's characters as bytes (an ASCII chunk): the records scanned in the text itself
   * read their cells from them.
   */
  push(text: string, final: boolean, bytes?: Uint8Array): void {
    this.clear();
    let s = text;
    let pos: number;
    if (this.pending.length === 0) {
      pos = skipBom(text, this.atStart);
    } else {
      pos = this.finishPending(text);
      if (pos === -1) {
        s = this.pending + text;
        pos = 0;
      }
    }
    const n = s.length;
    if (n > 0) this.atStart = false;
    this.text = s;
    this.bytes = s === text ? bytes : undefined;
    let line = this.line;
    while (pos < n) {
      const mark = this.cellCount;
      const end = this.scanPlain(s, pos);
      if (end === -1) {
        this.cellCount = mark;
        const rec = parseRecord(s, pos, final);
        if (rec === undefined) break;
        this.addParsed(s, pos, rec, line);
        line += rec.newlines;
        pos = rec.end;
        continue;
      }
      if (this.cellCount - mark === 1 && this.cellsEmpty(mark))
        this.cellCount = mark; // blank line
      else {
        if (end - pos > this.maxRecordLength) this.tooLongLine ??= line;
        this.addRecord(mark, line);
      }
      line++;
      pos = end;
    }
    this.pending = pos < n ? s.slice(pos) : '';
    this.line = line;
    this.firstCell[this.records] = this.cellCount;
  }

  /** Hands the records of the last push to `onRow`, one at a time through `row`. */
  deliver(row: CsvRow, onRow: (row: CsvRow) => void): void {
    let own = 0;
    for (let k = 0; k < this.records; k++) {
      let text = this.text;
      let bytes = this.bytes;
      if (own < this.ownRecords.length && this.ownRecords[own] === k) {
        text = this.ownTexts[own++]!;
        bytes = undefined;
      }
      const first = this.firstCell[k]!;
      row.point(text, bytes, this.cells, first, this.firstCell[k + 1]! - first, this.recordLine[k]!);
      onRow(row);
    }
    this.records = 0;
  }

  private clear(): void {
    this.records = 0;
    this.cellCount = 0;
    this.ownRecords.length = 0;
    this.ownTexts.length = 0;
    this.lfAt = -1;
    this.crAt = -1;
    this.commaAt = -1;
    this.tooLongLine = undefined;
  }

  /**
   * Parses the records begun in the previous chunk in a string of their own — the pending text and
   * this one's first line — so that the rest of the chunk is scanned in the flat string the decoder
   * made rather than in a concatenation, which every search would pay for. Returns the position
   * in `text` after them; −1 (nothing added) when they do not end there (a quoted line break).
   */
  private finishPending(text: string): number {
    const cut = text.indexOf('\n') + 1;
    if (cut === 0) return -1;
    const head = this.pending + text.slice(0, cut);
    const spans: RecordSpan[] = [];
    for (let p = 0; p < head.length; ) {
      const rec = parseRecord(head, p, false);
      if (rec === undefined) return -1;
      spans.push(rec);
      p = rec.end;
    }
    let p = 0;
    for (const rec of spans) {
      this.addParsed(head, p, rec, this.line);
      this.line += rec.newlines;
      p = rec.end;
    }
    return cut;
  }

  /** Adds a record parsed by parseRecord at `pos` of `s` (nothing for a blank line). */
  private addParsed(s: string, pos: number, rec: RecordSpan, line: number): void {
    if (rec.unterminated) this.unterminatedLine ??= line;
    if (rec.cells.length === 1 && rec.cells[0] === '' && s.charCodeAt(pos) !== QUOTE) return; // blank line
    if (rec.end - pos > this.maxRecordLength) this.tooLongLine ??= line;
    const mark = this.cellCount;
    let at = 0;
    for (const cell of rec.cells) {
      this.addCell(at, at + cell.length);
      at += cell.length;
    }
    this.ownRecords.push(this.records);
    this.ownTexts.push(rec.cells.join(''));
    this.addRecord(mark, line);
  }

  /**
   * Adds the cells of an unquoted record starting at `pos` and returns the position after its line
   * end (LF or CRLF); −1 when a cell starts with a quote, the line has a lone CR, or the text ends
   * before the line does (parseRecord decides those). Separators are found with indexOf, whose
   * last answers are kept so that every character is searched at most once per separator.
   */
  private scanPlain(s: string, pos: number): number {
    if (this.lfAt < pos) this.lfAt = indexOrEnd(s, '\n', pos);
    const lf = this.lfAt;
    if (lf === s.length) return -1;
    if (this.crAt < pos) this.crAt = indexOrEnd(s, '\r', pos);
    let end = lf; // end of the last cell
    if (this.crAt < lf) {
      if (this.crAt !== lf - 1) return -1;
      end = lf - 1;
    }
    let start = pos;
    for (;;) {
      if (s.charCodeAt(start) === QUOTE) return -1;
      if (this.commaAt < start) this.commaAt = indexOrEnd(s, ',', start);
      const comma = this.commaAt;
      if (comma >= end) {
        this.addCell(start, end);
        return lf + 1;
      }
      this.addCell(start, comma);
      start = comma + 1;
    }
  }

  private cellsEmpty(k: number): boolean {
    return this.cells.ends[k] === this.cells.starts[k];
  }

  private addCell(start: number, end: number): void {
    if (this.cellCount === this.cells.starts.length) {
      this.cells.starts = grown(this.cells.starts, this.cellCount * 2);
      this.cells.ends = grown(this.cells.ends, this.cellCount * 2);
    }
    this.cells.starts[this.cellCount] = start;
    this.cells.ends[this.cellCount] = end;
    this.cellCount++;
  }

  private addRecord(firstCell: number, line: number): void {
    if (this.records + 1 >= this.recordLine.length) {
      this.recordLine = grown(this.recordLine, this.recordLine.length * 2);
      this.firstCell = grown(this.firstCell, this.firstCell.length * 2);
    }
    this.firstCell[this.records] = firstCell;
    this.recordLine[this.records] = line;
    this.records++;
  }
}

/** The first position of `char` at or after `from`; the text's length when there is none. */
function indexOrEnd(s: string, char: string, from: number): number {
  const at = s.indexOf(char, from);
  return at === -1 ? s.length : at;
}

function grown(a: Int32Array, length: number): Int32Array {
  const next = new Int32Array(length);
  next.set(a);
  return next;
}

function countNewlines(s: string): number {
  let k = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) k++;
  return k;
}

/**
 * The byte order of a stream that starts as UTF-16 text does: a UTF-16 byte-order mark, or a first
 * character that is ASCII with a NUL byte beside it (a UTF-8 CSV never starts with a NUL byte).
 * Undefined for anything else.
 */
export function utf16Order(first: Uint8Array): 'little-endian' | 'big-endian' | undefined {
  const [a, b] = [first[0]!, first[1]!];
  if ((a === 0xff && b === 0xfe) || (a !== 0 && a < 0x80 && b === 0)) return 'little-endian';
  if ((a === 0xfe && b === 0xff) || (a === 0 && b !== 0 && b < 0x80)) return 'big-endian';
  return undefined;
}

function utf16File(file: string, order: 'little-endian' | 'big-endian'): DataRejectedError {
  return new DataRejectedError({
    file,
    line: 1,
    code: 'utf16',
    reason: `the file is UTF-16 (${order}), not UTF-8: save it as UTF-8 (Excel: "CSV UTF-8 (Comma delimited)"; iconv -f UTF-16 -t UTF-8)`,
  });
}

function unterminated(file: string, line: number): DataRejectedError {
  return new DataRejectedError({
    file,
    line,
    code: 'unterminated_quote',
    reason: 'a quoted cell of this record is never closed: the rest of the file would be one cell',
  });
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
 * = + - @, tab or CR) is neutralised with a leading apostrophe (OWASP CSV injection); so is text
 * that starts with an apostrophe itself, so the mark can be told from the text — `'=X` and `=X`
 * stay two values ({@link unneutralised} reads them back). Numbers are written as numbers. Cells
 * with a separator, quote or line break are quoted.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  let text = value;
  if (NEUTRALISED.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** What {@link csvCell} puts an apostrophe before. */
const NEUTRALISED = /^[=+\-@\t\r']/;

/** A text cell as it was before {@link csvCell} neutralised it (the inverse: one mark taken off). */
export function unneutralised(cell: string): string {
  return cell.length > 1 && cell.charCodeAt(0) === 0x27 && NEUTRALISED.test(cell.slice(1))
    ? cell.slice(1)
    : cell;
}

/** Formats one CSV line (LF-terminated). */
export function csvLine(cells: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${cells.map(csvCell).join(',')}\n`;
}
