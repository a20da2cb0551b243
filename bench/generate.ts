/**
 * A deterministic generator of bronze market CSVs for the benchmarks: S symbols × D business
 * days (weekdays from 2000-01-03), rows ordered by date then symbol, like a vendor's daily dump.
 *
 * Each symbol follows its own regime-switching random walk:
 * - three regimes (calm, normal, stressed) with their own daily drift and volatility, switching by
 *   a Markov transition matrix (REGIME_MODEL);
 * - the log total-return index moves by r_t = μ_k − κ·(x_{t−1} − g·t) + σ_k·ε_t, where x is the
 *   log index relative to its start: a weak pull (κ) toward a g-per-day trend keeps a 100-year
 *   series in a realistic price range without changing its day-to-day behaviour;
 * - a quarterly dividend (yield y per quarter, per symbol) lowers the close on its ex-date, and
 *   adjclose is the close adjusted for every later dividend (adjclose = close at the last day),
 *   so adjclose follows the pure walk and adjclose ≤ close;
 * - open gaps from the previous close, high and low extend beyond max/min(open, close), and
 *   volume scales with the regime's volatility.
 *
 * Prices are written with 4 decimals. Rounding is monotone, so high ≥ max(open, close) ≥
 * min(open, close) ≥ low > 0 holds in the text as it does in the numbers. Randomness comes only
 * from the seeded xoshiro128** of shared/stats/random (no Math.random): one seed, one file.
 *
 * CLI: `node --import tsx bench/generate.ts --symbols 200 --days 5000 --out FILE --seed 1`
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatIsoDay, parseIsoDay } from '#shared/data/values';
import { createRandom, type RandomSource } from '#shared/stats/random';

export const BRONZE_COLUMNS = [
  'symbol',
  'date',
  'open',
  'high',
  'low',
  'close',
  'adjclose',
  'volume',
] as const;

/** The first business day of every generated file (a Monday). */
export const DEFAULT_START_DATE = '2000-01-03';

/** Parameters of the regime-switching walk (daily units). Regime 0 calm, 1 normal, 2 stressed. */
export const REGIME_MODEL = {
  drift: [0.0004, 0.0001, -0.0008],
  volatility: [0.006, 0.012, 0.028],
  /** Row i: probabilities of tomorrow's regime given today's regime i. */
  transition: [
    [0.985, 0.013, 0.002],
    [0.015, 0.975, 0.01],
    [0.01, 0.04, 0.95],
  ],
  /** Probabilities of the first day's regime (≈ the chain's stationary distribution 0.483, 0.415, 0.102). */
  initial: [0.48, 0.42, 0.1],
  /** Trend of the log total-return index per day (≈ 5 % a year). */
  trend: 0.0002,
  /** Pull of the log index toward its trend per day (half-life ≈ 3.8 years). */
  meanReversion: 0.0005,
  /** Business days between ex-dividend dates. */
  dividendEvery: 63,
  /** Range of the quarterly dividend yield, drawn once per symbol. */
  dividendYield: [0, 0.006],
  /** Range of the first close, drawn once per symbol. */
  startPrice: [20, 200],
  /** Range of the typical daily volume (log-uniform), drawn once per symbol. */
  volume: [1e5, 1e7],
} as const;

export interface BronzeGeneratorOptions {
  symbols: number;
  /** Business days (weekdays) per symbol. */
  days: number;
  /** Any integer; the same seed gives the same file byte for byte. */
  seed: number;
  /** ISO date of the first business day (must be a weekday); default DEFAULT_START_DATE. */
  startDate?: string;
  /** Rows per yielded text chunk; default 8192 (≈ 600 KB). */
  rowsPerChunk?: number;
}

/** Invalid generator parameters. */
export class GeneratorOptionsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GeneratorOptionsError';
  }
}

/** Day numbers (days since 1970-01-01) of `count` consecutive weekdays from `start` (a weekday). */
export function businessDays(start: string, count: number): Int32Array {
  const first = parseIsoDay(start);
  if (first === undefined) throw new GeneratorOptionsError(`start date "${start}" is not YYYY-MM-DD`);
  if (weekday(first) >= 5) throw new GeneratorOptionsError(`start date ${start} is not a weekday`);
  const out = new Int32Array(count);
  let day = first;
  for (let i = 0; i < count; i++) {
    out[i] = day;
    day += weekday(day) === 4 ? 3 : 1; // Friday → Monday
  }
  return out;
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekday(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** The name of symbol `index` (0-based) among `total`: S0001, S0002, … (zero-padded, sortable). */
export function symbolName(index: number, total: number): string {
  return `S${String(index + 1).padStart(Math.max(4, String(total).length), '0')}`;
}

/** Per-symbol state of the walk; typed arrays indexed by symbol so the inner loop does not allocate. */
interface WalkState {
  regime: Uint8Array;
  /** Log total-return index relative to the start. */
  logIndex: Float64Array;
  startPrice: Float64Array;
  dividendYield: Float64Array;
  volume: Float64Array;
  /** Cumulative dividend factor Π(1 − y) over the ex-dates so far. */
  dividendFactor: Float64Array;
  /** The previous close (the open gaps from it). */
  close: Float64Array;
}

/**
 * The CSV text in chunks of whole rows (header first), generated lazily: memory stays at one
 * chunk whatever the size of the file.
 */
export function* bronzeCsvChunks(options: BronzeGeneratorOptions): Generator<string> {
  const { symbols, days } = validate(options);
  const rowsPerChunk = options.rowsPerChunk ?? 8192;
  const random = createRandom(options.seed);
  const dates = Array.from(businessDays(options.startDate ?? DEFAULT_START_DATE, days), formatIsoDay);
  const names = Array.from({ length: symbols }, (_, i) => symbolName(i, symbols));
  const state = initialState(random, symbols);
  // adjclose = close × Π(1 − y) over the ex-dates after t: the last day's factor is known up front.
  const exDates = Math.floor((days - 1) / REGIME_MODEL.dividendEvery);
  const finalFactor = Float64Array.from(state.dividendYield, (y) => (1 - y) ** exDates);

  yield `${BRONZE_COLUMNS.join(',')}\n`;
  let rows: string[] = [];
  for (let t = 0; t < days; t++) {
    const exDividend = t > 0 && t % REGIME_MODEL.dividendEvery === 0;
    const date = dates[t]!;
    for (let s = 0; s < symbols; s++) {
      rows.push(`${names[s]},${date},${nextRow(random, state, s, t, exDividend, finalFactor[s]!)}`);
      if (rows.length === rowsPerChunk) {
        yield rows.join('');
        rows = [];
      }
    }
  }
  if (rows.length > 0) yield rows.join('');
}

function validate(options: BronzeGeneratorOptions): { symbols: number; days: number } {
  const { symbols, days, seed } = options;
  if (!Number.isInteger(symbols) || symbols < 1) {
    throw new GeneratorOptionsError(`symbols must be a positive integer, got ${symbols}`);
  }
  if (!Number.isInteger(days) || days < 1) {
    throw new GeneratorOptionsError(`days must be a positive integer, got ${days}`);
  }
  if (!Number.isInteger(seed)) throw new GeneratorOptionsError(`seed must be an integer, got ${seed}`);
  if (
    options.rowsPerChunk !== undefined &&
    !(Number.isInteger(options.rowsPerChunk) && options.rowsPerChunk > 0)
  ) {
    throw new GeneratorOptionsError(`rowsPerChunk must be a positive integer, got ${options.rowsPerChunk}`);
  }
  return { symbols, days };
}

function initialState(random: RandomSource, symbols: number): WalkState {
  const m = REGIME_MODEL;
  const between = (range: readonly [number, number]) => range[0] + (range[1] - range[0]) * random.uniform();
  const state: WalkState = {
    regime: new Uint8Array(symbols),
    logIndex: new Float64Array(symbols),
    startPrice: new Float64Array(symbols),
    dividendYield: new Float64Array(symbols),
    volume: new Float64Array(symbols),
    dividendFactor: new Float64Array(symbols).fill(1),
    close: new Float64Array(symbols),
  };
  for (let s = 0; s < symbols; s++) {
    state.regime[s] = pick(m.initial, random.uniform());
    state.startPrice[s] = between(m.startPrice);
    state.dividendYield[s] = between(m.dividendYield);
    state.volume[s] = Math.exp(between([Math.log(m.volume[0]), Math.log(m.volume[1])]));
    state.close[s] = state.startPrice[s]!;
  }
  return state;
}

/** Index of the category that the uniform `u` falls in, by cumulative probability. */
function pick(probabilities: readonly number[], u: number): number {
  let cumulative = 0;
  for (let k = 0; k < probabilities.length - 1; k++) {
    cumulative += probabilities[k]!;
    if (u < cumulative) return k;
  }
  return probabilities.length - 1;
}

/** Advances symbol `s` to day `t` and formats `open,high,low,close,adjclose,volume\n`. */
function nextRow(
  random: RandomSource,
  state: WalkState,
  s: number,
  t: number,
  exDividend: boolean,
  finalFactor: number,
): string {
  const m = REGIME_MODEL;
  const previousClose = state.close[s]!;
  let regime = state.regime[s]!;
  if (t > 0) regime = pick(m.transition[regime]!, random.uniform());
  state.regime[s] = regime;
  const vol = m.volatility[regime]!;

  // Total return of the day (zero on the first day: the walk starts at the start price).
  const x = state.logIndex[s]!;
  const r = t === 0 ? 0 : m.drift[regime]! - m.meanReversion * (x - m.trend * t) + vol * random.normal();
  state.logIndex[s] = x + r;
  if (exDividend) state.dividendFactor[s]! *= 1 - state.dividendYield[s]!;

  const index = state.startPrice[s]! * Math.exp(x + r);
  const close = index * state.dividendFactor[s]!;
  const adjclose = index * finalFactor;
  const reference = t === 0 ? close : previousClose * (exDividend ? 1 - state.dividendYield[s]! : 1);
  const open = reference * Math.exp(0.3 * vol * random.normal());
  const high = Math.max(open, close) * Math.exp(0.5 * vol * Math.abs(random.normal()));
  const low = Math.min(open, close) * Math.exp(-0.5 * vol * Math.abs(random.normal()));
  const volume = Math.round(state.volume[s]! * (vol / m.volatility[1]) * Math.exp(0.25 * random.normal()));
  state.close[s] = close;
  return `${open.toFixed(4)},${high.toFixed(4)},${low.toFixed(4)},${close.toFixed(4)},${adjclose.toFixed(4)},${volume}\n`;
}

/**
 * Writes the generated CSV to `path` as a stream (respecting back-pressure), through a temporary
 * file renamed at the end so that a reader (or the benchmark cache) never sees half a file.
 */
export async function writeBronzeCsv(
  path: string,
  options: BronzeGeneratorOptions,
): Promise<{ path: string; rows: number; bytes: number }> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  try {
    for (const chunk of bronzeCsvChunks(options)) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
  await rename(tmp, path);
  return { path, rows: options.symbols * options.days, bytes: out.bytesWritten };
}

const usage = `Usage: node --import tsx bench/generate.ts --symbols N --days N --out FILE [--seed N] [--start YYYY-MM-DD]

Writes a deterministic bronze CSV (symbol,date,open,high,low,close,adjclose,volume) of N symbols ×
N business days, ordered by date then symbol. The same seed (default 1) gives the same bytes.`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      symbols: { type: 'string' },
      days: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      start: { type: 'string', default: DEFAULT_START_DATE },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || values.symbols === undefined || values.days === undefined || values.out === undefined) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 1;
  }
  const started = performance.now();
  const written = await writeBronzeCsv(values.out, {
    symbols: Number(values.symbols),
    days: Number(values.days),
    seed: Number(values.seed),
    startDate: values.start,
  });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${written.path}: ${written.rows.toLocaleString('en-US')} rows, ${(written.bytes / 2 ** 20).toFixed(1)} MiB in ${seconds.toFixed(1)} s\n`,
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
