/**
 * Bronze: reads one raw market CSV as a stream, checks that it can be accepted at all, applies the
 * row rules of DOMAIN §2 in order (each dropped row counted once, under the first rule it fails),
 * and measures the file's quality. Nothing here writes anything: the caller decides where the
 * surviving rows and the report go. Bronze objects are never modified.
 */
import { createHash } from 'node:crypto';
import type { DataConfig } from '#config/schema';
import { symbolProblem } from '#shared/identifiers';
import { type CsvRow, readCsvRows } from './csv.ts';
import { DataRejectedError } from './errors.ts';
import { type LayerQuality, layerQuality } from './quality.ts';
import { type PriceSeries, SeriesBuilder, VALUE_FIELDS } from './series.ts';
import type { BlockSpill } from './spill.ts';
import { formatIsoDay, parseDayCell, parseIsoDay } from './values.ts';

/** Why a bronze row was dropped, in the order the rules are applied. */
export const DROP_REASONS = [
  'wrong_cell_count',
  'missing_symbol',
  'invalid_symbol',
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
  /**
   * Where full blocks of accepted rows wait until the file has been read (see spill.ts). Owned by
   * the caller, who disposes it once the scan's series are no longer needed. Default: memory.
   */
  spill?: BlockSpill;
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

/** What bronze measured about a file, without its rows. */
export type BronzeSummary = Omit<BronzeFile, 'series'>;

/** A read and validated bronze file whose accepted rows are read back one symbol at a time. */
export interface BronzeScan extends BronzeSummary {
  /** Symbols with accepted rows, in the order of their first accepted row. */
  symbols: string[];
  /**
   * The accepted rows of one symbol, in file order (built anew at each call). With `release`, the
   * symbol's blocks are freed: a later call returns an empty series.
   */
  series(symbol: string, options?: { release?: boolean }): PriceSeries;
}

/** The series name of a file without a symbol column: its file name's stem, upper-cased. */
export function symbolFromFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(/\.[^.]*$/, '').toUpperCase();
}

/**
 * Reads and validates one bronze market file, with every accepted row in memory. Throws
 * DataRejectedError when the file is rejected whole (empty, header only, missing column, invalid
 * UTF-8, overlong record, bronze gate failed).
 */
export async function readBronzeMarketFile(input: BronzeInput, options: BronzeOptions): Promise<BronzeFile> {
  const { symbols, series, ...summary } = await scanBronzeMarketFile(input, options);
  // Each symbol's blocks are released as its series is built: the rows are never held twice.
  return { ...summary, series: symbols.map((s) => series(s, { release: true })) };
}

/**
 * Reads and validates one bronze market file in one pass, like readBronzeMarketFile, and keeps the
 * accepted rows in `options.spill` to be read back per symbol: memory holds one block per symbol.
 */
export async function scanBronzeMarketFile(input: BronzeInput, options: BronzeOptions): Promise<BronzeScan> {
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
  const acc = new Accumulator(config, runDay, maxExamples, options.spill);
  await readCsvRows(counted, { file: input.name }, (row) => {
    if (header === undefined) {
      header = resolveHeader(row.cells(), input.name, row.line, config);
      const fromName = symbolFromFileName(input.name);
      // No symbol column and a file name without a stem (".csv"): no row could name its series.
      if (header.symbol === -1 && fromName.trim() === '') {
        throw new DataRejectedError({
          file: input.name,
          line: row.line,
          code: 'missing_column',
          reason: `no symbol column, and the file name gives no symbol: name the file <SYMBOL>.csv (SPX.csv is the series SPX) or add a symbol column (the header has: ${header.names.join(', ')})`,
        });
      }
      acc.begin(header, fromName);
    } else {
      acc.row(row);
    }
  });
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
  if (acc.rowsAccepted === 0) throw noAcceptedRows(input.name, acc.dropped, acc.examples);
  const quality = acc.quality(config.quality.gates.bronze);
  const result: BronzeScan = {
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
    quality,
    symbols: acc.symbolsWithRows(),
    series: (symbol, o) => acc.seriesOf(symbol, o?.release ?? false),
  };
  if (!quality.passed) {
    // The components, then what was dropped (by count) and the first dropped row's line.
    const gate = gateError(input.name, quality);
    const reasons = DROP_REASONS.filter((r) => acc.dropped[r] > 0).map(
      (r) => `${acc.dropped[r]} ${r.replaceAll('_', ' ')}`,
    );
    const first = acc.examples[0];
    throw new DataRejectedError({
      file: input.name,
      ...(first ? { line: first.line } : {}),
      code: 'quality_gate',
      quality,
      reason:
        gate.reason +
        (reasons.length > 0 ? `; dropped ${reasons.join(', ')}` : '') +
        (first ? `; the first dropped row: line ${first.line}, ${first.detail}` : '') +
        (quality.uniqueness < 1 && acc.timedDate !== undefined
          ? `; its dates carry a time of day ("${clip(acc.timedDate)}"), which FINML drops: intraday bars repeat a day (FINML reads daily bars)`
          : ''),
    });
  }
  return result;
}

/**
 * The rejection of a file none of whose rows the row rules accepted (all dated after the run date,
 * all unparseable, …): why, by count, and the first dropped row — its line and reason.
 */
function noAcceptedRows(
  file: string,
  dropped: Record<DropReason, number>,
  examples: readonly DroppedRowExample[],
): DataRejectedError {
  const reasons = DROP_REASONS.filter((r) => dropped[r] > 0)
    .sort((a, b) => dropped[b] - dropped[a])
    .map((r) => `${dropped[r]} ${r.replaceAll('_', ' ')}`)
    .join(', ');
  const first = examples[0];
  return new DataRejectedError({
    file,
    ...(first ? { line: first.line } : {}),
    code: 'no_accepted_rows',
    reason: `no row was accepted (${reasons})${first ? `: ${first.detail}` : ''}`,
  });
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

/**
 * A header's column names as FINML reads them: trimmed, lower-cased, and a vendor's name for a column
 * (`input.columnAliases`: Yahoo's `Adj Close`, a `Ticker`, FRED's `observation_date`) renamed to
 * FINML's — unless the file also has FINML's own name, or an earlier alias took it (that column
 * stays under its own name, ignored).
 */
export function canonicalColumns(
  cells: readonly string[],
  aliases: Readonly<Record<string, string>>,
): string[] {
  const names = cells.map((c) => c.trim().toLowerCase());
  const taken = new Set(names);
  return names.map((name) => {
    const canonical = Object.hasOwn(aliases, name) ? aliases[name]! : undefined;
    if (canonical === undefined || taken.has(canonical)) return name;
    taken.add(canonical);
    return canonical;
  });
}

function resolveHeader(cells: string[], file: string, line: number, config: DataConfig): Header {
  const names = canonicalColumns(cells, config.input.columnAliases);
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
  // A column FINML reads named twice: which one holds the values is a guess; refuse it.
  const twice = names.find((n, i) => known.has(n) && names.indexOf(n) !== i);
  if (twice !== undefined) {
    throw new DataRejectedError({
      file,
      line,
      code: 'duplicate_column',
      reason: `the column "${twice}" appears twice in the header (the header has: ${names.join(', ')})`,
    });
  }
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

/** The smallest positive normal double (numpy finfo(float64).tiny). */
const MIN_NORMAL = 2.2250738585072014e-308;
const VOLUME = VALUE_FIELDS.indexOf('volume');
const OPEN = VALUE_FIELDS.indexOf('open');
const HIGH = VALUE_FIELDS.indexOf('high');
const LOW = VALUE_FIELDS.indexOf('low');
const CLOSE = VALUE_FIELDS.indexOf('close');

/** What the accumulator keeps per symbol. */
interface SymbolState {
  symbol: string;
  /** A symbol cell (before trimming) that names this symbol. */
  cell: string;
  /** The symbol of the row after this symbol's last row: the guess for the next such row. */
  next: SymbolState | undefined;
  /** The day of the symbol's last dated row. */
  lastDay: number | undefined;
  /** Every dated row so far came after the one before: no (symbol, date) repeats yet. */
  ascending: boolean;
  /** The accepted rows. */
  builder: SeriesBuilder | undefined;
  /** Days of the rows dropped after they were dated: with the builder's, every dated row's day. */
  droppedDays: number[];
  /** Why the name cannot be a symbol (its rows are dropped), undefined when it can. */
  invalid: string | undefined;
}

/** Applies the row rules and counts what the quality score needs, in one pass. */
class Accumulator {
  rowsIn = 0;
  rowsAccepted = 0;
  volumeInvalid = 0;
  dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  examples: DroppedRowExample[] = [];

  private header!: Header;
  private defaultSymbol = '';
  /** input.upperCaseSymbols: a symbol cell is upper-cased (`aapl` is `AAPL`, as a file name's stem). */
  private readonly upperCase: boolean;
  /** The cells whose presence completeness counts: date, close and (when present) symbol. */
  private requiredColumns: number[] = [];
  private readonly symbols = new Map<string, SymbolState>();
  /**
   * The previous row's symbol. A daily file lists the symbols in the same order every date, so
   * the symbol that followed it last time is checked first — no string or Map lookup per row.
   */
  private previous: SymbolState | undefined;
  /** Symbols with accepted rows, in the order of their first accepted row. */
  private readonly withRows: SymbolState[] = [];
  private readonly row$ = new Float64Array(VALUE_FIELDS.length);
  /** The column of each VALUE_FIELDS entry (−1 when absent). */
  private valueColumns = new Int32Array(VALUE_FIELDS.length);
  private readonly priceIdx: number[];
  /** Bit f set for each price column (input.priceColumns) f of VALUE_FIELDS. */
  private readonly priceMask: number;
  /** The last date cell and its day: a daily file repeats each date once per symbol. */
  private lastDateCell: string | undefined;
  /** The first date cell with a time of day (FINML keeps the day: intraday bars repeat it). */
  timedDate: string | undefined;
  private lastDateDay: number | undefined;
  // Quality counters.
  private requiredCells = 0;
  private requiredPresent = 0;
  private validRows = 0;
  private datedRows = 0;
  private futureRows = 0;
  private ascending = 0;
  private descending = 0;
  /** input.earliestDate as days since the epoch: an earlier date is invalid. */
  private readonly earliestDay: number;
  private pairs = 0;
  private duplicates: number | undefined;

  constructor(
    config: DataConfig,
    private readonly runDay: number,
    private readonly maxExamples: number,
    private readonly spill: BlockSpill | undefined,
  ) {
    this.priceIdx = config.input.priceColumns
      .map((p) => VALUE_FIELDS.indexOf(p as never))
      .filter((i) => i >= 0);
    this.priceMask = this.priceIdx.reduce((mask, f) => mask | (1 << f), 0);
    this.upperCase = config.input.upperCaseSymbols;
    this.earliestDay = parseIsoDay(config.input.earliestDate)!;
  }

  begin(header: Header, defaultSymbol: string): void {
    this.header = header;
    this.valueColumns = Int32Array.from(header.values);
    this.defaultSymbol = defaultSymbol;
    this.requiredColumns = [header.date, header.values[CLOSE]!];
    if (header.symbol !== -1) this.requiredColumns.push(header.symbol);
  }

  row(cells: CsvRow): void {
    const h = this.header;
    const line = cells.line;
    this.rowsIn++;
    this.countRequired(cells);
    if (cells.count !== h.cellCount) {
      this.drop('wrong_cell_count', line, `${cells.count} cells where the header has ${h.cellCount}`);
      return;
    }
    const state = this.symbolOf(cells);
    if (state === undefined) {
      this.drop('missing_symbol', line, 'empty symbol');
      return;
    }
    if (state.invalid !== undefined) {
      // A name no store could key (an S3 key over 1,024 bytes, a "/" making a partition): the row is
      // dropped and counted, and the file's other symbols go on.
      this.drop('invalid_symbol', line, `symbol "${clip(state.symbol)}" is not a symbol: ${state.invalid}`);
      return;
    }
    const day = this.dayOf(cells, h.date);
    if (day === undefined) {
      this.drop('invalid_date', line, `date "${clip(cells.cell(h.date))}" is not YYYY-MM-DD`);
      return;
    }
    if (day < this.earliestDay) {
      this.drop('invalid_date', line, tooEarly(cells.cell(h.date), this.earliestDay));
      return;
    }
    this.trackDate(state, day);
    const row = this.row$;
    const invalid = cells.decimals(this.valueColumns, row);
    if (invalid !== 0) {
      // A price that is not a number drops the row (the first such, in VALUE_FIELDS order); a volume
      // that is not one is read as missing.
      const price = invalid & this.priceMask;
      if (price !== 0) {
        const f = 31 - Math.clz32(price & -price);
        this.drop(
          'non_numeric_price',
          line,
          `${VALUE_FIELDS[f]} "${clip(cells.cell(h.values[f]!))}" is not a number`,
        );
        state.droppedDays.push(day);
        return;
      }
      if ((invalid & (1 << VOLUME)) !== 0) this.volumeInvalid++;
    }
    for (let k = 0; k < this.priceIdx.length; k++) {
      const f = this.priceIdx[k]!;
      // Below the smallest normal double a price's log return can overflow (300 / 1e-320 = ∞): such
      // a price is as unusable as 0 (a missing one is NaN and passes to the silver rules).
      if (row[f]! < MIN_NORMAL) {
        const why = row[f]! > 0 ? 'is below 2.2e-308 (not a normal number)' : 'is not positive';
        this.drop('non_positive_price', line, `${VALUE_FIELDS[f]} ${row[f]} ${why}`);
        state.droppedDays.push(day);
        return;
      }
    }
    if (isInconsistent(row) === 0) this.validRows++;
    if (day > this.runDay) {
      this.drop('future_date', line, `date ${cells.cell(h.date)} is after the run date`);
      state.droppedDays.push(day);
      return;
    }
    if (state.builder === undefined) {
      state.builder = new SeriesBuilder(state.symbol, this.spill);
      this.withRows.push(state);
    }
    state.builder.push(day, line, row);
    this.rowsAccepted++;
  }

  /** Symbols with accepted rows, in the order of their first accepted row. */
  symbolsWithRows(): string[] {
    return this.withRows.map((s) => s.symbol);
  }

  /** The accepted rows of one symbol (an empty series for a symbol without any). */
  seriesOf(symbol: string, release: boolean): PriceSeries {
    const state = this.symbols.get(symbol);
    const series = (state?.builder ?? new SeriesBuilder(symbol)).build();
    if (release && state) state.builder = undefined;
    return series;
  }

  quality(gate: number): LayerQuality {
    const duplicates = this.countDuplicates();
    const rows = this.rowsIn;
    const ordered = this.pairs === 0 ? 1 : Math.max(this.ascending, this.descending) / this.pairs;
    const noFuture = this.datedRows === 0 ? 0 : 1 - this.futureRows / this.datedRows;
    return layerQuality('bronze', gate, rows, {
      completeness: this.requiredCells === 0 ? 0 : this.requiredPresent / this.requiredCells,
      validity: rows === 0 ? 0 : this.validRows / rows,
      uniqueness: this.datedRows === 0 ? 0 : 1 - duplicates / this.datedRows,
      timeliness: (noFuture + ordered) / 2,
    });
  }

  /**
   * Dated rows that repeat an earlier (symbol, date). A symbol whose days only ever went up has
   * none; the others' days (accepted and dropped after dating) are sorted and counted.
   */
  private countDuplicates(): number {
    if (this.duplicates !== undefined) return this.duplicates;
    let duplicates = 0;
    for (const state of this.symbols.values()) {
      if (state.ascending) continue;
      const builder = state.builder;
      const accepted = builder === undefined ? 0 : builder.length;
      const days = new Int32Array(accepted + state.droppedDays.length);
      builder?.copyDays(days);
      days.set(state.droppedDays, accepted);
      days.sort();
      for (let i = 1; i < days.length; i++) if (days[i] === days[i - 1]) duplicates++;
    }
    this.duplicates = duplicates;
    return duplicates;
  }

  private countRequired(cells: CsvRow): void {
    const required = this.requiredColumns;
    for (let k = 0; k < required.length; k++) {
      this.requiredCells++;
      if (cells.cellLength(required[k]!) > 0) this.requiredPresent++;
    }
  }

  /** The day of the date cell, parsed once per run of equal date cells. */
  private dayOf(cells: CsvRow, col: number): number | undefined {
    if (this.lastDateCell === undefined || !cells.cellEquals(col, this.lastDateCell)) {
      this.lastDateCell = cells.cell(col);
      this.lastDateDay = parseDayCell(this.lastDateCell);
      if (this.timedDate === undefined && this.lastDateCell.length > 10 && this.lastDateDay !== undefined)
        this.timedDate = this.lastDateCell;
    }
    return this.lastDateDay;
  }

  /** The state of the row's symbol (the symbol cell trimmed, or the file's); undefined when empty. */
  private symbolOf(cells: CsvRow): SymbolState | undefined {
    const col = this.header.symbol;
    const guess = this.previous?.next;
    let state: SymbolState;
    if (col === -1) {
      state = this.previous ?? this.stateOf(this.defaultSymbol);
    } else if (guess !== undefined && cells.cellEquals(col, guess.cell)) {
      state = guess;
    } else {
      const cell = cells.cell(col);
      const trimmed = cell.trim();
      const symbol = this.upperCase ? trimmed.toUpperCase() : trimmed;
      if (symbol.length === 0) return undefined;
      state = this.stateOf(symbol);
      state.cell = cell;
    }
    if (this.previous !== undefined) this.previous.next = state;
    this.previous = state;
    return state;
  }

  private stateOf(symbol: string): SymbolState {
    let state = this.symbols.get(symbol);
    if (state === undefined) {
      state = {
        symbol,
        cell: symbol,
        next: undefined,
        lastDay: undefined,
        ascending: true,
        builder: undefined,
        droppedDays: [],
        invalid: symbolProblem(symbol),
      };
      this.symbols.set(symbol, state);
    }
    return state;
  }

  private trackDate(state: SymbolState, day: number): void {
    this.datedRows++;
    if (day > this.runDay) this.futureRows++;
    const last = state.lastDay;
    if (last === day) {
      // A repeated date is the uniqueness component's: it is no pair in or out of order (counted
      // here, one duplicate in a daily file of one row per symbol cost half of its timeliness).
      state.ascending = false;
    } else if (last !== undefined) {
      this.pairs++;
      if (day > last) this.ascending++;
      else {
        state.ascending = false;
        this.descending++;
      }
    }
    state.lastDay = day;
  }

  private drop(reason: DropReason, line: number, detail: string): void {
    this.dropped[reason]++;
    if (this.examples.length < this.maxExamples) this.examples.push({ line, reason, detail });
  }
}

/**
 * consistencyFlags of one row in VALUE_FIELDS order (see FLAGS); 0 when consistent. The same rule,
 * written on the row itself: the bronze row loop calls this once per row, and its compiled code has
 * no inlining budget left for a call with five doubles, which would box each of them.
 */
export function isInconsistent(row: Float64Array): number {
  const open = row[OPEN]!;
  const high = row[HIGH]!;
  const low = row[LOW]!;
  const close = row[CLOSE]!;
  let flags = 0;
  if (high < open || high < close) flags |= 1;
  if (low > open || low > close) flags |= 2;
  if (row[VOLUME]! < 0) flags |= 4;
  if (high < low) flags |= 8;
  return flags;
}

/** The consistency flags (see FLAGS) of one row's values; 0 when consistent. */
export function consistencyFlags(
  open: number,
  high: number,
  low: number,
  close: number,
  volume: number,
): number {
  // high < max(open, close) and low > min(open, close), over the cells present: NaN compares
  // false, so a missing cell never raises a flag (and no max or min is made, nor boxed).
  let flags = 0;
  if (high < open || high < close) flags |= 1;
  if (low > open || low > close) flags |= 2;
  if (volume < 0) flags |= 4;
  if (high < low) flags |= 8;
  return flags;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Why a date before input.earliestDate is dropped (bronze and risk-indicator files). */
export function tooEarly(cell: string, earliestDay: number): string {
  return `date "${clip(cell)}" is before ${formatIsoDay(earliestDay)} (input.earliestDate): a year typed short?`;
}
