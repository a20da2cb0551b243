/**
 * Bronze: reads one raw market CSV as a stream, checks that it can be accepted at all, applies the
 * row rules of DOMAIN §2 in order (each dropped row counted once, under the first rule it fails),
 * and measures the file's quality. Nothing here writes anything: the caller decides where the
 * surviving rows and the report go. Bronze objects are never modified.
 */
import { createHash } from 'node:crypto';
import type { DataConfig } from '#config/schema';
import { readCsvRecords } from './csv.ts';
import { DataRejectedError } from './errors.ts';
import { type LayerQuality, layerQuality } from './quality.ts';
import { type PriceSeries, SeriesBuilder, VALUE_FIELDS } from './series.ts';
import { parseDecimal, parseIsoDay } from './values.ts';

/** Why a bronze row was dropped, in the order the rules are applied. */
export const DROP_REASONS = [
  'wrong_cell_count',
  'missing_symbol',
  'invalid_date',
  'non_numeric_price',
  'non_positive_price',
  'future_date',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface DroppedRowExample {
  line: number;
  reason: DropReason;
  detail: string;
}

export interface BronzeInput {
  /** The object key or file path; its stem names the series when there is no symbol column. */
  name: string;
  chunks: AsyncIterable<Uint8Array>;
}

export interface BronzeOptions {
  config: DataConfig;
  /** The run's UTC calendar day (days since epoch): rows dated after it are dropped. */
  runDay: number;
  /** Called with the number of bytes read so far (for progress bars). */
  onProgress?: (bytesRead: number) => void;
  /** How many dropped-row examples to keep for the report. */
  maxExamples?: number;
}

export interface BronzeFile {
  file: string;
  sha256: string;
  bytes: number;
  header: { columns: string[]; used: string[]; ignored: string[]; symbolFrom: 'column' | 'file name' };
  rowsIn: number;
  rowsAccepted: number;
  dropped: Record<DropReason, number>;
  examples: DroppedRowExample[];
  /** Volume cells that were present but not numbers: read as missing. */
  volumeInvalidAsMissing: number;
  series: PriceSeries[];
  quality: LayerQuality;
}

/** The series name of a file without a symbol column: its file name's stem, upper-cased. */
export function symbolFromFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(/\.[^.]*$/, '').toUpperCase();
}

/**
 * Reads and validates one bronze market file. Throws DataRejectedError when the file is rejected
 * whole (empty, header only, missing column, invalid UTF-8, overlong record, bronze gate failed).
 */
export async function readBronzeMarketFile(input: BronzeInput, options: BronzeOptions): Promise<BronzeFile> {
  const { config, runDay } = options;
  const maxExamples = options.maxExamples ?? 20;
  const hash = createHash('sha256');
  let bytes = 0;
  const counted = (async function* () {
    for await (const chunk of input.chunks) {
      hash.update(chunk);
      bytes += chunk.length;
      options.onProgress?.(bytes);
      yield chunk;
    }
  })();

  let header: Header | undefined;
  const acc = new Accumulator(config, runDay, maxExamples);
  for await (const batch of readCsvRecords(counted, { file: input.name })) {
    let start = 0;
    if (header === undefined) {
      const first = batch[0]!;
      header = resolveHeader(first.cells, input.name, first.line, config);
      acc.begin(header, symbolFromFileName(input.name));
      start = 1;
    }
    for (let i = start; i < batch.length; i++) acc.row(batch[i]!.cells, batch[i]!.line);
  }
  if (header === undefined) {
    throw new DataRejectedError({
      file: input.name,
      line: 1,
      code: 'empty_file',
      reason: 'the file is empty',
    });
  }
  if (acc.rowsIn === 0) {
    throw new DataRejectedError({
      file: input.name,
      line: 2,
      code: 'no_data_rows',
      reason: 'the file has a header but no data rows',
    });
  }
  const quality = acc.quality(config.quality.gates.bronze);
  const result: BronzeFile = {
    file: input.name,
    sha256: hash.digest('hex'),
    bytes,
    header: {
      columns: header.names,
      used: header.used,
      ignored: header.ignored,
      symbolFrom: header.symbol === -1 ? 'file name' : 'column',
    },
    rowsIn: acc.rowsIn,
    rowsAccepted: acc.rowsAccepted,
    dropped: acc.dropped,
    examples: acc.examples,
    volumeInvalidAsMissing: acc.volumeInvalid,
    series: acc.series(),
    quality,
  };
  if (!quality.passed) throw gateError(input.name, quality);
  return result;
}

/** The rejection of a file whose layer score is below its gate. */
export function gateError(file: string, q: LayerQuality): DataRejectedError {
  const weakest = (['completeness', 'validity', 'uniqueness', 'timeliness'] as const)
    .map((k) => `${k} ${(q[k] * 100).toFixed(1)} %`)
    .join(', ');
  return new DataRejectedError({
    file,
    quality: q,
    code: 'quality_gate',
    reason: `${q.layer} quality ${q.score.toFixed(1)} % is below the ${q.gate} % gate (${weakest})`,
  });
}

interface Header {
  names: string[];
  used: string[];
  ignored: string[];
  date: number;
  symbol: number;
  /** Column index per VALUE_FIELDS entry, -1 when absent. */
  values: number[];
  cellCount: number;
}

function resolveHeader(cells: string[], file: string, line: number, config: DataConfig): Header {
  const names = cells.map((c) => c.trim().toLowerCase());
  const index = (name: string): number => names.indexOf(name);
  for (const required of config.input.requiredColumns) {
    if (index(required) === -1) {
      const hint =
        cells.length === 1 && /[;\t|]/.test(cells[0]!)
          ? ` — the header has a single column "${cells[0]}": is the file separated by "${cells[0]!.match(/[;\t|]/)![0]}"? FINML reads comma-separated files`
          : ` (the header has: ${names.join(', ')})`;
      throw new DataRejectedError({
        file,
        line,
        code: 'missing_column',
        reason: `missing required column "${required}"${hint}`,
      });
    }
  }
  const known = new Set([...config.input.requiredColumns, ...config.input.optionalColumns]);
  return {
    names,
    used: names.filter((n) => known.has(n)),
    ignored: names.filter((n) => !known.has(n)),
    date: index('date'),
    symbol: index('symbol'),
    values: VALUE_FIELDS.map((f) => (known.has(f) ? index(f) : -1)),
    cellCount: cells.length,
  };
}

const VOLUME = VALUE_FIELDS.indexOf('volume');
const OPEN = VALUE_FIELDS.indexOf('open');
const HIGH = VALUE_FIELDS.indexOf('high');
const LOW = VALUE_FIELDS.indexOf('low');
const CLOSE = VALUE_FIELDS.indexOf('close');

/** Applies the row rules and counts what the quality score needs, in one pass. */
class Accumulator {
  rowsIn = 0;
  rowsAccepted = 0;
  volumeInvalid = 0;
  dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  examples: DroppedRowExample[] = [];

  private header!: Header;
  private defaultSymbol = '';
  private readonly builders = new Map<string, SeriesBuilder>();
  private readonly row$ = new Float64Array(VALUE_FIELDS.length);
  private readonly priceIdx: number[];
  // Quality counters.
  private requiredCells = 0;
  private requiredPresent = 0;
  private validRows = 0;
  private datedRows = 0;
  private futureRows = 0;
  private keys: Float64Array = new Float64Array(1024);
  private keyCount = 0;
  private readonly symbolIds = new Map<string, number>();
  private readonly lastDay = new Map<string, number>();
  private ascending = 0;
  private descending = 0;
  private pairs = 0;

  constructor(
    config: DataConfig,
    private readonly runDay: number,
    private readonly maxExamples: number,
  ) {
    this.priceIdx = config.input.priceColumns
      .map((p) => VALUE_FIELDS.indexOf(p as never))
      .filter((i) => i >= 0);
  }

  begin(header: Header, defaultSymbol: string): void {
    this.header = header;
    this.defaultSymbol = defaultSymbol;
  }

  row(cells: string[], line: number): void {
    const h = this.header;
    this.rowsIn++;
    this.countRequired(cells);
    if (cells.length !== h.cellCount) {
      this.drop('wrong_cell_count', line, `${cells.length} cells where the header has ${h.cellCount}`);
      return;
    }
    const symbol = h.symbol === -1 ? this.defaultSymbol : cells[h.symbol]!.trim();
    if (symbol.length === 0) {
      this.drop('missing_symbol', line, 'empty symbol');
      return;
    }
    const dateCell = cells[h.date]!;
    const day = parseIsoDay(dateCell);
    if (day === undefined) {
      this.drop('invalid_date', line, `date "${clip(dateCell)}" is not YYYY-MM-DD`);
      return;
    }
    this.trackDate(symbol, day);
    const row = this.row$;
    for (let f = 0; f < VALUE_FIELDS.length; f++) {
      const col = h.values[f]!;
      const v = col === -1 ? undefined : parseDecimal(cells[col]!);
      row[f] = v === undefined ? Number.NaN : v;
      if (v !== undefined && Number.isNaN(v)) {
        if (f === VOLUME) {
          this.volumeInvalid++;
        } else if (this.priceIdx.includes(f)) {
          this.drop('non_numeric_price', line, `${VALUE_FIELDS[f]} "${clip(cells[col]!)}" is not a number`);
          return;
        }
      }
    }
    for (const f of this.priceIdx) {
      if (row[f]! <= 0) {
        this.drop('non_positive_price', line, `${VALUE_FIELDS[f]} ${row[f]} is not positive`);
        return;
      }
    }
    if (isInconsistent(row) === 0) this.validRows++;
    if (day > this.runDay) {
      this.drop('future_date', line, `date ${dateCell} is after the run date`);
      return;
    }
    let b = this.builders.get(symbol);
    if (b === undefined) {
      b = new SeriesBuilder(symbol);
      this.builders.set(symbol, b);
    }
    b.push(day, line, row);
    this.rowsAccepted++;
  }

  series(): PriceSeries[] {
    return [...this.builders.values()].map((b) => b.build());
  }

  quality(gate: number): LayerQuality {
    const keys = this.keys.subarray(0, this.keyCount).sort();
    let duplicates = 0;
    for (let i = 1; i < keys.length; i++) if (keys[i] === keys[i - 1]) duplicates++;
    const rows = this.rowsIn;
    const ordered = this.pairs === 0 ? 1 : Math.max(this.ascending, this.descending) / this.pairs;
    const noFuture = this.datedRows === 0 ? 0 : 1 - this.futureRows / this.datedRows;
    return layerQuality('bronze', gate, rows, {
      completeness: this.requiredCells === 0 ? 0 : this.requiredPresent / this.requiredCells,
      validity: rows === 0 ? 0 : this.validRows / rows,
      uniqueness: this.keyCount === 0 ? 0 : 1 - duplicates / this.keyCount,
      timeliness: (noFuture + ordered) / 2,
    });
  }

  private countRequired(cells: string[]): void {
    const h = this.header;
    const required = [h.date, h.values[CLOSE]!];
    if (h.symbol !== -1) required.push(h.symbol);
    for (const c of required) {
      this.requiredCells++;
      if ((cells[c] ?? '').length > 0) this.requiredPresent++;
    }
  }

  private trackDate(symbol: string, day: number): void {
    this.datedRows++;
    if (day > this.runDay) this.futureRows++;
    let id = this.symbolIds.get(symbol);
    if (id === undefined) {
      id = this.symbolIds.size;
      this.symbolIds.set(symbol, id);
    }
    if (this.keyCount === this.keys.length) {
      const next = new Float64Array(this.keys.length * 2);
      next.set(this.keys);
      this.keys = next;
    }
    this.keys[this.keyCount++] = id * 2 ** 21 + (day + 2 ** 20); // unique per (symbol, day)
    const last = this.lastDay.get(symbol);
    if (last !== undefined) {
      this.pairs++;
      if (day > last) this.ascending++;
      else if (day < last) this.descending++;
    }
    this.lastDay.set(symbol, day);
  }

  private drop(reason: DropReason, line: number, detail: string): void {
    this.dropped[reason]++;
    if (this.examples.length < this.maxExamples) this.examples.push({ line, reason, detail });
  }
}

/** The consistency flags of one row in VALUE_FIELDS order (see FLAGS); 0 when consistent. */
export function isInconsistent(row: ArrayLike<number>): number {
  const open = row[OPEN]!;
  const high = row[HIGH]!;
  const low = row[LOW]!;
  const close = row[CLOSE]!;
  const volume = row[VOLUME]!;
  // NaN compares false, so a missing cell never raises a flag.
  const top = Number.isNaN(open) ? close : Number.isNaN(close) ? open : Math.max(open, close);
  const bottom = Number.isNaN(open) ? close : Number.isNaN(close) ? open : Math.min(open, close);
  let flags = 0;
  if (high < top) flags |= 1;
  if (low > bottom) flags |= 2;
  if (volume < 0) flags |= 4;
  if (high < low) flags |= 8;
  return flags;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
