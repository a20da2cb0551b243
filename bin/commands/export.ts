/**
 * `finml export gold|silver --format csv --out FILE|-`: a layer of a `finml pipeline --out` folder
 * (Parquet, one partition per symbol) as one CSV for spreadsheets, optionally only some symbols and
 * dates. Text cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a
 * leading ' (shared/data/csv.ts csvCell); numbers are written as numbers — a negative price or
 * return stays a number, because only text cells are neutralised, and a number column never holds text.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { csvCell } from '#shared/data/csv';
import { PART_FILE, parquetColumnNames, readTableColumns } from '#shared/data/parquet-tables';
import { formatIsoDay, parseIsoDay } from '#shared/data/values';
import { symbolOfKey } from '#shared/usecases/lake';
import { type Command, UsageError } from '../cli.ts';
import { stageFile } from '../files.ts';

const LAYERS = {
  gold: { bucket: 'gold', prefix: 'features' },
  silver: { bucket: 'silver', prefix: 'market' },
} as const;
type Layer = keyof typeof LAYERS;

const usage = `Usage: finml export gold|silver --out FILE|- [--format csv] [--lake DIR] [--symbol S …] [--from YYYY-MM-DD] [--to YYYY-MM-DD]

Writes a layer of a "finml pipeline --out DIR" folder (its Parquet partitions,
DIR/gold/features/symbol=<S>/part-0000.parquet or DIR/silver/market/symbol=<S>/part-0000.parquet)
as one CSV for a spreadsheet: a header, then every row of every symbol (in symbol order, then date
order). Dates are YYYY-MM-DD, numbers in their shortest exact form, a missing value empty. A text
cell starting with = + - @, a tab or a carriage return gets a leading ' so that a spreadsheet does
not run it as a formula (and one starting with ' gets another, so the mark reads back off);
numbers (negative ones too) stay numbers.

Options:
  --out FILE         the CSV file to write (written whole, then renamed into place), or - for stdout
  --format csv       the output format (csv, the only one)
  --lake DIR         the pipeline's output folder; default: out
  --symbol S         only this symbol (repeat for more); default: every symbol
  --from DATE        only rows dated on or after DATE
  --to DATE          only rows dated on or before DATE

Exit status: 0 written, 2 a partition is not FINML Parquet, 1 usage error (no such layer, folder or
symbol, a bad date).`;

export const exportCommand: Command = {
  summary: 'write the gold or silver layer (Parquet) as a CSV for spreadsheets',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        format: { type: 'string', default: 'csv' },
        lake: { type: 'string', default: 'out' },
        symbol: { type: 'string', multiple: true },
        from: { type: 'string' },
        to: { type: 'string' },
      },
    });
    const layer = positionals[0];
    if (layer === undefined || !(layer in LAYERS) || positionals.length > 1) {
      throw new UsageError('name the layer to export: gold or silver');
    }
    if (values.format !== 'csv') throw new UsageError(`--format must be csv, got "${values.format}"`);
    if (values.out === undefined) throw new UsageError('--out FILE (or - for stdout) is required');
    const day = (option: string, text: string | undefined, fallback: number) => {
      if (text === undefined) return fallback;
      const d = parseIsoDay(text);
      if (d === undefined) throw new UsageError(`${option} "${text}" is not YYYY-MM-DD`);
      return d;
    };
    const from = day('--from', values.from, Number.NEGATIVE_INFINITY);
    const to = day('--to', values.to, Number.POSITIVE_INFINITY);
    if (from > to)
      throw new UsageError(`--from ${values.from} is after --to ${values.to}: no day is in between`);
    const files = await partitions(values.lake, layer as Layer, values.symbol);

    // The header: every partition's columns, in the order they first appear (a symbol whose gold
    // was built before a risk-indicator file came in lacks that indicator's column: empty cells).
    const header: string[] = [];
    for (const { file } of files) {
      for (const name of parquetColumnNames(await readFile(file), file))
        if (!header.includes(name)) header.push(name);
    }
    const out = values.out === '-' ? stdoutSink() : await fileSink(values.out);
    try {
      await out.write(`${header.map(csvCell).join(',')}\n`);
      for (const { file } of files) {
        const t = await readTableColumns(await readFile(file), file, layer);
        for (const chunk of csvRows(t, header, from, to)) await out.write(chunk);
      }
      await out.commit();
    } catch (error) {
      await out.abort();
      // A reader that stops early (`| head`) is not an error.
      if (error instanceof OutputClosedError) return 0;
      throw error;
    }
    return 0;
  },
};

/** The layer's partition files under DIR, in symbol order (only `symbols`, when given: each must exist). */
async function partitions(
  lake: string,
  layer: Layer,
  symbols: string[] | undefined,
): Promise<{ symbol: string; file: string }[]> {
  const { bucket, prefix } = LAYERS[layer];
  const root = join(lake, bucket, prefix);
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`no ${layer} layer at ${root}: run "finml pipeline <file.csv> --out ${lake}" first`);
  }
  const found: { symbol: string; file: string }[] = [];
  for (const name of (await readdir(root)).sort()) {
    const symbol = symbolOfKey(`${name}/`);
    const file = join(root, name, PART_FILE);
    if (symbol !== undefined && (await stat(file).catch(() => undefined))?.isFile())
      found.push({ symbol, file });
  }
  if (symbols === undefined) {
    if (found.length === 0) throw new UsageError(`no ${layer} partitions in ${root}`);
    return found.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }
  return [...new Set(symbols)].map((s) => {
    const hit = found.find((f) => f.symbol === s);
    if (hit === undefined) throw new UsageError(`no ${layer} partition for symbol "${s}" in ${root}`);
    return hit;
  });
}

/** The rows dated from … to (inclusive) as CSV text chunks. */
function* csvRows(
  t: Awaited<ReturnType<typeof readTableColumns>>,
  header: readonly string[],
  from: number,
  to: number,
): Generator<string> {
  const cells = header.map((name) => {
    if (!t.names.includes(name)) return () => '';
    const kind = t.kinds[name];
    const column = t.column(name);
    if (kind === 'date') return (i: number) => formatIsoDay((column as Int32Array)[i]!);
    if (kind === 'string') {
      const memo = new Map<string, string>();
      return (i: number) => {
        const v = (column as string[])[i]!;
        let cell = memo.get(v);
        if (cell === undefined) {
          cell = csvCell(v);
          memo.set(v, cell);
        }
        return cell;
      };
    }
    // A number (or boolean as 1 / 0): its shortest round-trip form, empty when missing.
    return (i: number) => {
      const v = (column as Float64Array | Int32Array)[i]!;
      return Number.isNaN(v) ? '' : String(v);
    };
  });
  const dates = t.column('date') as Int32Array;
  let buf = '';
  let rows = 0;
  for (let i = 0; i < t.length; i++) {
    if (dates[i]! < from || dates[i]! > to) continue;
    let line = cells[0]!(i);
    for (let k = 1; k < cells.length; k++) line += `,${cells[k]!(i)}`;
    buf += `${line}\n`;
    if (++rows % 2000 === 0) {
      yield buf;
      buf = '';
    }
  }
  if (buf.length > 0) yield buf;
}

interface Sink {
  write(text: string): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** stdout was closed by its reader (EPIPE: `finml export … --out - | head`). */
class OutputClosedError extends Error {}

function stdoutSink(): Sink {
  let closed: Error | undefined;
  let waiting: ((error: Error) => void) | undefined;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    closed = error.code === 'EPIPE' ? new OutputClosedError('stdout closed') : error;
    waiting?.(closed);
  });
  return {
    write: (text) =>
      new Promise<void>((resolve, reject) => {
        if (closed !== undefined) return reject(closed);
        waiting = reject;
        if (process.stdout.write(text)) resolve();
        else process.stdout.once('drain', resolve);
      }),
    commit: async () => undefined,
    abort: async () => undefined,
  };
}

async function fileSink(path: string): Promise<Sink> {
  const file = await stageFile(path);
  return { write: file.write, commit: file.commit, abort: file.abort };
}
