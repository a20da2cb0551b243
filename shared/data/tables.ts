/**
 * The CSV forms of silver and gold, and the gold table types. The lake stores Parquet
 * (./parquet-tables.ts); these are the forms a user hands FINML or gets from it — a gold CSV
 * `finml train` and `finml drift` accept (e.g. a `finml export`, or an older layout's file) —
 * written in chunks so a large series never becomes one giant string, and read back with the same
 * streaming reader.
 */
import { csvCell, csvLine, readCsvRecords, readCsvRows, unneutralised } from './csv.ts';
import { DataRejectedError } from './errors.ts';
import type { GoldSeries } from './gold.ts';
import { FLAGS, type FlagName, SeriesBuilder, type SilverSeries, VALUE_FIELDS } from './series.ts';
import { formatIsoDay, parseIsoDay } from './values.ts';

export const SILVER_COLUMNS = ['date', 'symbol', ...VALUE_FIELDS, 'close_filled', 'flags'] as const;

const ROWS_PER_CHUNK = 2000;

/** Silver rows as CSV text chunks (header first). Flags are written as names joined by `|`. */
export function* silverCsv(s: SilverSeries): Generator<string> {
  yield csvLine(SILVER_COLUMNS);
  // The cells that repeat (symbol, flag sets) are formatted once; each row is one template string.
  const symbol = csvCell(s.symbol);
  const flagCells = new Map<number, string>();
  const columns = VALUE_FIELDS.map((f) => s[f]);
  let buf = '';
  for (let i = 0; i < s.length; i++) {
    let line = `${formatIsoDay(s.day[i]!)},${symbol}`;
    for (const column of columns) line += `,${numberCell(column[i]!)}`;
    const mask = s.flags[i]!;
    let flags = flagCells.get(mask);
    if (flags === undefined) {
      flags = csvCell(flagNames(mask).join('|'));
      flagCells.set(mask, flags);
    }
    buf += `${line},${s.filled[i]!},${flags}\n`;
    if ((i + 1) % ROWS_PER_CHUNK === 0) {
      yield buf;
      buf = '';
    }
  }
  if (buf.length > 0) yield buf;
}

export function flagNames(mask: number): FlagName[] {
  return (Object.entries(FLAGS) as [FlagName, number][])
    .filter(([, bit]) => mask & bit)
    .map(([name]) => name);
}

/** Reads a silver partition written by silverCsv. Throws DataRejectedError if it is not one. */
export async function readSilverCsv(chunks: AsyncIterable<Uint8Array>, file: string): Promise<SilverSeries> {
  let builder: SeriesBuilder | undefined;
  const filled: number[] = [];
  const flags: number[] = [];
  const row = new Float64Array(VALUE_FIELDS.length);
  let header: string[] | undefined;
  for await (const batch of readCsvRecords(chunks, { file })) {
    for (const { cells, line } of batch) {
      if (header === undefined) {
        header = cells;
        if (cells.join(',') !== SILVER_COLUMNS.join(',')) {
          throw new DataRejectedError({
            file,
            line,
            code: 'missing_column',
            reason: 'not a FINML silver partition',
          });
        }
        continue;
      }
      const day = parseIsoDay(cells[0] ?? '');
      if (day === undefined || cells.length !== SILVER_COLUMNS.length) {
        throw new DataRejectedError({ file, line, code: 'missing_column', reason: 'corrupt silver row' });
      }
      builder ??= new SeriesBuilder(unneutralised(cells[1]!));
      for (let f = 0; f < VALUE_FIELDS.length; f++) {
        const cell = cells[2 + f]!;
        row[f] = cell === '' ? Number.NaN : Number(cell);
      }
      builder.push(day, 0, row);
      filled.push(cells[8] === '1' ? 1 : 0);
      flags.push(
        (cells[9] ?? '')
          .split('|')
          .filter(Boolean)
          .reduce((m, name) => m | (FLAGS[name as FlagName] ?? 0), 0),
      );
    }
  }
  if (builder === undefined) {
    throw new DataRejectedError({ file, line: 2, code: 'no_data_rows', reason: 'empty silver partition' });
  }
  return { ...builder.build(), filled: Uint8Array.from(filled), flags: Uint8Array.from(flags) };
}

/** The gold table's columns for the given scored features. */
export function goldColumns(scored: readonly string[]): string[] {
  return [
    'date',
    'symbol',
    'price',
    'log_return',
    'realized_vol_21d',
    'drawdown',
    ...scored.map((f) => `score_${f}`),
    'risk_score',
    'regime',
    'markov_state',
    'regime_age',
  ];
}

/**
 * Gold rows `from` … `to` − 1 as CSV text chunks; `withHeader` false to append another symbol (or
 * more rows of the same one) to a file.
 */
export function* goldCsv(
  s: GoldSeries,
  labels: readonly string[],
  withHeader = true,
  from = 0,
  to = s.length,
): Generator<string> {
  const scored = Object.keys(s.scores);
  const indicators = Object.entries(s.indicators ?? {});
  if (withHeader) yield csvLine([...goldColumns(scored), ...indicators.map(([name]) => name)]);
  // The cells that repeat (symbol, regime labels) are formatted once; each row is one template string.
  const symbol = csvCell(s.symbol);
  const labelCells = labels.map(csvCell);
  const scores = scored.map((f) => s.scores[f as keyof GoldSeries['scores']]!);
  const indicatorColumns = indicators.map(([, values]) => values);
  let buf = '';
  for (let i = from; i < to; i++) {
    let line = `${formatIsoDay(s.day[i]!)},${symbol},${numberCell(s.price[i]!)},${numberCell(s.log_return[i]!)},${numberCell(s.realized_vol_21d[i]!)},${numberCell(s.drawdown[i]!)}`;
    for (const column of scores) line += `,${numberCell(column[i]!)}`;
    const state = s.markov_state[i]!;
    line += `,${numberCell(s.risk_score[i]!)},${labelCells[state]!},${state},${s.regime_age[i]!}`;
    for (const column of indicatorColumns) line += `,${numberCell(column[i]!)}`;
    buf += `${line}\n`;
    if ((i - from + 1) % ROWS_PER_CHUNK === 0) {
      yield buf;
      buf = '';
    }
  }
  if (buf.length > 0) yield buf;
}

/** A number cell as csvCell writes it: the shortest round-trip form, empty when not finite. */
function numberCell(v: number): string {
  return Number.isFinite(v) ? String(v) : '';
}

/** One symbol's gold rows as read back from a gold CSV: what training and drift checks need. */
export interface GoldTable {
  symbol: string;
  length: number;
  day: Int32Array;
  price: Float64Array;
  log_return: Float64Array;
  realized_vol_21d: Float64Array;
  drawdown: Float64Array;
  risk_score: Float64Array;
  markov_state: Uint8Array;
  /** The file's regime_age column; computed from markov_state for a gold file written before it. */
  regime_age: Int32Array;
}

/**
 * The gold columns the regime model reads (training, its evaluation, the drift references): a
 * GoldTable without `price` and `risk_score`. {@link readModelGoldCsv} reads only these, which at
 * 5M gold rows keeps 80 MB of unused columns out of the training's memory.
 */
export type ModelGoldTable = Omit<GoldTable, 'price' | 'risk_score'>;

const GOLD_NUMERIC = ['price', 'log_return', 'realized_vol_21d', 'drawdown', 'risk_score'] as const;
const MODEL_NUMERIC = ['log_return', 'realized_vol_21d', 'drawdown'] as const;
type GoldNumeric = (typeof GOLD_NUMERIC)[number];

/** Growable typed columns of one symbol's gold rows (the numeric columns `names`). */
class GoldBuilder {
  length = 0;
  /** The file line of the last row pushed (for a message about the next one). */
  lastLine = 0;
  /**
   * The regime label of each markov_state in this symbol's rows, and the line that first gave it (a
   * file edited by hand can pair one state with two labels).
   */
  readonly labelOf: { label: string; line: number }[] = [];
  day = new Int32Array(256);
  state = new Uint8Array(256);
  age = new Int32Array(256);
  values: Float64Array[];

  constructor(private readonly names: readonly GoldNumeric[]) {
    this.values = names.map(() => new Float64Array(256));
  }

  /** `age` is the row's regime_age, or 0 when the file has no such column. */
  push(day: number, state: number, age: number, values: Float64Array): void {
    if (this.length === this.day.length) this.grow();
    const i = this.length++;
    this.day[i] = day;
    this.state[i] = state;
    this.age[i] = age > 0 ? age : i > 0 && this.state[i - 1] === state ? this.age[i - 1]! + 1 : 1;
    for (let k = 0; k < values.length; k++) this.values[k]![i] = values[k]!;
  }

  /** The table, with every numeric column the builder was given (the others absent). */
  build(symbol: string): ModelGoldTable & Partial<Pick<GoldTable, 'price' | 'risk_score'>> {
    const n = this.length;
    // A column at least ¾ full is handed out as a view (no copy: with every symbol's builder alive
    // until the end of the file, copying doubled the peak memory of a large gold); else trimmed.
    const view = 4 * n >= 3 * this.day.length;
    const trim = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T =>
      (view ? a.subarray(0, n) : a.slice(0, n)) as T;
    const columns = Object.fromEntries(this.names.map((name, k) => [name, trim(this.values[k]!)])) as Record<
      GoldNumeric,
      Float64Array
    >;
    return {
      symbol,
      length: n,
      day: trim(this.day),
      ...columns,
      markov_state: trim(this.state),
      regime_age: trim(this.age),
    };
  }

  private grow(): void {
    const size = this.day.length * 2;
    const day = new Int32Array(size);
    day.set(this.day);
    this.day = day;
    const state = new Uint8Array(size);
    state.set(this.state);
    this.state = state;
    const age = new Int32Array(size);
    age.set(this.age);
    this.age = age;
    this.values = this.values.map((v) => {
      const next = new Float64Array(size);
      next.set(v);
      return next;
    });
  }
}

/**
 * Reads a gold CSV (one or many symbols, as goldCsv writes it) into one table per symbol, in file
 * order. Streams the rows without a string per cell. Throws DataRejectedError naming the file and
 * line when a row is not a gold row.
 */
export async function readGoldCsv(chunks: AsyncIterable<Uint8Array>, file: string): Promise<GoldTable[]> {
  return (await readGold(chunks, file, GOLD_NUMERIC)) as GoldTable[];
}

/** {@link readGoldCsv} keeping only the columns the regime model reads ({@link ModelGoldTable}). */
export async function readModelGoldCsv(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
): Promise<ModelGoldTable[]> {
  return readGold(chunks, file, MODEL_NUMERIC);
}

async function readGold(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  numeric: readonly GoldNumeric[],
): Promise<ModelGoldTable[]> {
  const builders = new Map<string, GoldBuilder>();
  let columns: number[] | undefined;
  let dateCol = -1;
  let symbolCol = -1;
  let stateCol = -1;
  let ageCol = -1;
  let regimeCol = -1;
  let current: GoldBuilder | undefined;
  let currentSymbol = '';
  let symbol = '';
  const values = new Float64Array(numeric.length);
  const reject = (line: number, reason: string): never => {
    throw new DataRejectedError({ file, line, code: 'missing_column', reason });
  };
  await readCsvRows(chunks, { file }, (row) => {
    if (columns === undefined) {
      const header = row.cells();
      const index = (name: string) => {
        const i = header.indexOf(name);
        if (i === -1) {
          throw new DataRejectedError({
            file,
            line: row.line,
            code: 'missing_column',
            reason: `not a FINML gold file: no "${name}" column`,
          });
        }
        return i;
      };
      dateCol = index('date');
      symbolCol = index('symbol');
      stateCol = index('markov_state');
      ageCol = header.indexOf('regime_age');
      regimeCol = header.indexOf('regime');
      columns = numeric.map(index);
      return;
    }
    const day = parseIsoDay(row.cell(dateCol));
    if (day === undefined)
      reject(row.line, `corrupt gold row: date "${row.cell(dateCol)}" is not YYYY-MM-DD`);
    const state = row.decimal(stateCol);
    if (state === undefined || !Number.isInteger(state) || state < 0 || state > 255)
      reject(row.line, `corrupt gold row: markov_state "${row.cell(stateCol)}" is not a state (0, 1, 2, …)`);
    const age = ageCol === -1 ? 0 : row.decimal(ageCol);
    if (age === undefined || !Number.isInteger(age) || (ageCol !== -1 && age < 1))
      reject(
        row.line,
        `corrupt gold row: regime_age "${row.cell(ageCol)}" is not a whole number of days ≥ 1`,
      );
    for (let k = 0; k < columns.length; k++) {
      const v = row.decimal(columns[k]!);
      values[k] = v ?? Number.NaN;
      if (v === undefined || !Number.isFinite(v))
        reject(row.line, `corrupt gold row: ${numeric[k]} "${row.cell(columns[k]!)}" is not a finite number`);
    }
    if (current === undefined || !row.cellEquals(symbolCol, currentSymbol)) {
      currentSymbol = row.cell(symbolCol);
      symbol = unneutralised(currentSymbol);
      current = builders.get(symbol);
      if (current === undefined) {
        current = new GoldBuilder(numeric);
        builders.set(symbol, current);
      }
    }
    if (regimeCol !== -1) {
      // Per symbol: gold is rebuilt only for the symbols a run touches, so after a change of
      // regimes.labels one export can hold two symbols' different labels of one state.
      const labelOf = current.labelOf;
      const seen = labelOf[state!];
      if (seen === undefined) {
        const label = row.cell(regimeCol);
        const other = labelOf.findIndex((l) => l?.label === label);
        if (other !== -1)
          reject(
            row.line,
            `regime "${label}" with markov_state ${state}, but line ${labelOf[other]!.line} has "${label}" with markov_state ${other}: the two columns disagree (a file edited by hand?)`,
          );
        labelOf[state!] = { label, line: row.line };
      } else if (!row.cellEquals(regimeCol, seen.label)) {
        reject(
          row.line,
          `regime "${row.cell(regimeCol)}" with markov_state ${state}, but line ${seen.line} has markov_state ${state} as "${seen.label}": the two columns disagree (a file edited by hand?)`,
        );
      }
    }
    if (current.length > 0 && day! <= current.day[current.length - 1]!) {
      const previous = formatIsoDay(current.day[current.length - 1]!);
      reject(
        row.line,
        `${symbol}: ${formatIsoDay(day!)} ${day === current.day[current.length - 1] ? 'again' : `after ${previous}`} (line ${current.lastLine}): a gold file holds each symbol's days once, in date order — sort it by symbol, then date (a spreadsheet's sort of one column reorders the rows)`,
      );
    }
    current.push(day!, state!, age!, values);
    current.lastLine = row.line;
  });
  if (columns === undefined)
    throw new DataRejectedError({ file, line: 1, code: 'empty_file', reason: 'the file is empty' });
  return [...builders].map(([symbol, b]) => b.build(symbol));
}
