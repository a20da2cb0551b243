/**
 * The CSV forms of silver and gold (what the data lake stores), written in chunks so a large
 * series never becomes one giant string, and read back with the same streaming reader.
 */
import { csvLine, readCsvRecords } from './csv.ts';
import { DataRejectedError } from './errors.ts';
import type { GoldSeries } from './gold.ts';
import { FLAGS, type FlagName, SeriesBuilder, type SilverSeries, VALUE_FIELDS } from './series.ts';
import { formatIsoDay, parseIsoDay } from './values.ts';

export const SILVER_COLUMNS = ['date', 'symbol', ...VALUE_FIELDS, 'close_filled', 'flags'] as const;

const ROWS_PER_CHUNK = 2000;

/** Silver rows as CSV text chunks (header first). Flags are written as names joined by `|`. */
export function* silverCsv(s: SilverSeries): Generator<string> {
  yield csvLine(SILVER_COLUMNS);
  let buf = '';
  for (let i = 0; i < s.length; i++) {
    buf += csvLine([
      formatIsoDay(s.day[i]!),
      s.symbol,
      ...VALUE_FIELDS.map((f) => s[f][i]!),
      s.filled[i]!,
      flagNames(s.flags[i]!).join('|'),
    ]);
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
      builder ??= new SeriesBuilder(cells[1]!.replace(/^'(?=[=+\-@\t\r])/, ''));
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
  ];
}

/** Gold rows as CSV text chunks; `withHeader` false to append another symbol to the same file. */
export function* goldCsv(s: GoldSeries, labels: readonly string[], withHeader = true): Generator<string> {
  const scored = Object.keys(s.scores);
  if (withHeader) yield csvLine(goldColumns(scored));
  let buf = '';
  for (let i = 0; i < s.length; i++) {
    buf += csvLine([
      formatIsoDay(s.day[i]!),
      s.symbol,
      s.price[i]!,
      s.log_return[i]!,
      s.realized_vol_21d[i]!,
      s.drawdown[i]!,
      ...scored.map((f) => s.scores[f as keyof GoldSeries['scores']]![i]!),
      s.risk_score[i]!,
      labels[s.markov_state[i]!]!,
      s.markov_state[i]!,
    ]);
    if ((i + 1) % ROWS_PER_CHUNK === 0) {
      yield buf;
      buf = '';
    }
  }
  if (buf.length > 0) yield buf;
}
