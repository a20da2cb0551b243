/**
 * Columnar price series, one symbol each. Columnar typed arrays keep a million rows in tens of
 * megabytes; a missing cell is NaN.
 */
import type { BlockSpill } from './spill.ts';

export const PRICE_FIELDS = ['open', 'high', 'low', 'close', 'adjclose'] as const;
export type PriceField = (typeof PRICE_FIELDS)[number];
export const VALUE_FIELDS = [...PRICE_FIELDS, 'volume'] as const;
export type ValueField = (typeof VALUE_FIELDS)[number];

/** Consistency flags of a silver row (a bit mask). Flagged rows are kept and counted. */
export const FLAGS = {
  high_below_open_close: 1, // high < max(open, close)
  low_above_open_close: 2, // low > min(open, close)
  negative_volume: 4, // volume < 0
  high_below_low: 8, // high < low
} as const;
export type FlagName = keyof typeof FLAGS;

export interface PriceSeries {
  symbol: string;
  length: number;
  /** Days since 1970-01-01 (UTC). */
  day: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  adjclose: Float64Array;
  volume: Float64Array;
  /** Source line in the bronze file (0 when unknown, e.g. rows read back from silver). */
  line: Int32Array;
}

/** A cleaned series: sorted by day, unique days, closes present. */
export interface SilverSeries extends PriceSeries {
  /** 1 where the close was forward-filled. */
  filled: Uint8Array;
  /** FLAGS bit mask per row. */
  flags: Uint8Array;
}

/** One block of rows of a SeriesBuilder: the columns of up to `day.length` rows. */
interface Block {
  /** The whole block (every column below is a view on its buffer). */
  bytes: Uint8Array;
  day: Int32Array;
  line: Int32Array;
  /** In VALUE_FIELDS order. */
  values: Float64Array[];
}

/** The first blocks hold 256 and 512 rows, every later one 1024. */
const FIRST_BLOCK_ROWS = 256;
const MAX_BLOCK_ROWS = 1024;
/**
 * With a spill, the block in memory — one per symbol — starts at FIRST_SPILL_BLOCK_ROWS (1.8 KiB)
 * and doubles up to SPILL_BLOCK_ROWS (28 KiB); a full block of that size goes to the spill. While
 * the builders of one spill together hold more than its `holdLimit`, a block that fills is spilled
 * at the size it has instead of doubling: a wide file of many symbols with few rows each keeps about
 * `holdLimit` plus 1.8 KiB per symbol in memory, not up to 28 KiB per symbol.
 */
const SPILL_BLOCK_ROWS = 512;
const FIRST_SPILL_BLOCK_ROWS = 32;
/** Bytes of one row in a block: day and line (Int32), the values (Float64). */
const ROW_BYTES = 2 * 4 + VALUE_FIELDS.length * 8;

/** A block that went to the spill: its handle and row count (it was full). */
interface SpilledBlock {
  handle: number;
  rows: number;
}

/**
 * Appends rows to a PriceSeries. Rows go into blocks that are never copied while rows are added,
 * and build() copies them once into arrays of the exact length: at most one partly filled block
 * (≤ 1024 rows) per series is unused, where doubling arrays leave up to half of them unused and
 * copy every row again at each doubling.
 *
 * With a spill, each full block is handed to the spill and its arrays reused: the builder holds
 * one block whatever the number of rows, and build() reads the spilled blocks back.
 */
export class SeriesBuilder {
  readonly symbol: string;
  length = 0;
  private readonly blocks: (Block | SpilledBlock)[] = [];
  private current: Block | undefined;
  /** Rows left in the current block. */
  private room = 0;

  constructor(
    symbol: string,
    private readonly spill?: BlockSpill,
  ) {
    this.symbol = symbol;
  }

  /** Adds one row; `row` holds the values in VALUE_FIELDS order (NaN = missing). */
  push(day: number, line: number, row: ArrayLike<number>): void {
    if (this.room === 0) this.addBlock();
    const block = this.current!;
    const i = block.day.length - this.room--;
    block.day[i] = day;
    block.line[i] = line;
    const values = block.values;
    for (let f = 0; f < values.length; f++) values[f]![i] = row[f]!;
    this.length++;
  }

  /** Copies the days of the rows added so far into `target` from `at`. */
  copyDays(target: Int32Array, at = 0): void {
    this.copy([(b) => b.day], [target], at);
  }

  build(): PriceSeries {
    const n = this.length;
    const day = new Int32Array(n);
    const line = new Int32Array(n);
    const values = VALUE_FIELDS.map(() => new Float64Array(n));
    // Every column in one pass over the blocks: a spilled block is read back once, not per column.
    this.copy<Int32Array | Float64Array>(
      [(b) => b.day, (b) => b.line, ...VALUE_FIELDS.map((_, f) => (b: Block) => b.values[f]!)],
      [day, line, ...values],
      0,
    );
    const value = (f: (typeof VALUE_FIELDS)[number]) => values[VALUE_FIELDS.indexOf(f)]!;
    return {
      symbol: this.symbol,
      length: n,
      day,
      line,
      open: value('open'),
      high: value('high'),
      low: value('low'),
      close: value('close'),
      adjclose: value('adjclose'),
      volume: value('volume'),
    };
  }

  /**
   * Copies columns of the rows added so far, block after block, into `targets` (the same index as
   * `columns`) from `at`. Each spilled block is read back once, whatever the number of columns.
   */
  private copy<A extends Int32Array | Float64Array>(
    columns: readonly ((b: Block) => A)[],
    targets: readonly A[],
    at: number,
  ): void {
    let left = this.length;
    // Spilled blocks come in a few sizes (32, 64, … 512 rows): one scratch block per size.
    const scratch = new Map<number, Block>();
    for (const entry of this.blocks) {
      let block: Block;
      if ('handle' in entry) {
        block = scratch.get(entry.rows) ?? newBlock(entry.rows);
        scratch.set(entry.rows, block);
        this.spill!.get(entry.handle, parts(block));
      } else block = entry;
      const rows = Math.min(left, block.day.length);
      for (let c = 0; c < columns.length; c++) targets[c]!.set(columns[c]!(block).subarray(0, rows), at);
      at += rows;
      left -= rows;
    }
  }

  private addBlock(): void {
    const spill = this.spill;
    if (spill !== undefined) {
      const full = this.current;
      const rows = full?.day.length ?? 0;
      const grown = Math.min(rows * 2, SPILL_BLOCK_ROWS);
      if (full === undefined) {
        this.current = newBlock(FIRST_SPILL_BLOCK_ROWS);
        spill.held += FIRST_SPILL_BLOCK_ROWS * ROW_BYTES;
        this.blocks.push(this.current);
        this.room = FIRST_SPILL_BLOCK_ROWS;
      } else if (rows < SPILL_BLOCK_ROWS && spill.held + (grown - rows) * ROW_BYTES <= spill.holdLimit) {
        // Not yet a spill block, and room under the limit: the rows move to one twice the size.
        spill.held += (grown - rows) * ROW_BYTES;
        const bigger = newBlock(grown);
        bigger.day.set(full.day);
        bigger.line.set(full.line);
        for (let f = 0; f < full.values.length; f++) bigger.values[f]!.set(full.values[f]!);
        this.current = bigger;
        this.blocks[this.blocks.length - 1] = bigger;
        this.room = bigger.day.length - rows;
      } else {
        // The full block goes to the spill (at 512 rows, or smaller past the limit); its arrays
        // take the next rows.
        const handle = spill.put(parts(full));
        this.blocks[this.blocks.length - 1] = { handle, rows };
        this.blocks.push(full);
        this.room = rows;
      }
      return;
    }
    const last = this.current?.day.length ?? FIRST_BLOCK_ROWS / 2;
    const rows = Math.min(last * 2, MAX_BLOCK_ROWS);
    this.current = newBlock(rows);
    this.blocks.push(this.current);
    this.room = rows;
  }
}

/** A block's columns as views on one buffer, so that it is spilled and read back in one piece. */
function newBlock(rows: number): Block {
  const buffer = new ArrayBuffer(rows * ROW_BYTES);
  return {
    bytes: new Uint8Array(buffer),
    day: new Int32Array(buffer, 0, rows),
    line: new Int32Array(buffer, rows * 4, rows),
    values: VALUE_FIELDS.map((_, f) => new Float64Array(buffer, rows * 8 * (1 + f), rows)),
  };
}

/** A block's bytes in the order they are spilled. */
function parts(b: Block): Uint8Array[] {
  return [b.bytes];
}

/** A new series holding rows `index` (in that order) of `s`. */
export function pickRows<S extends PriceSeries>(s: S, index: ArrayLike<number>): PriceSeries {
  const n = index.length;
  const take = <A extends Int32Array | Float64Array>(a: A): A => {
    const out = new (a.constructor as new (n: number) => A)(n);
    for (let i = 0; i < n; i++) out[i] = a[index[i]!]!;
    return out;
  };
  return {
    symbol: s.symbol,
    length: n,
    day: take(s.day),
    line: take(s.line),
    open: take(s.open),
    high: take(s.high),
    low: take(s.low),
    close: take(s.close),
    adjclose: take(s.adjclose),
    volume: take(s.volume),
  };
}
