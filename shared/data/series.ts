/**
 * Columnar price series, one symbol each. Columnar typed arrays keep a million rows in tens of
 * megabytes; a missing cell is NaN.
 */

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

/** Appends rows to a PriceSeries, growing its arrays by doubling. */
export class SeriesBuilder {
  readonly symbol: string;
  length = 0;
  private capacity: number;
  day: Int32Array;
  line: Int32Array;
  values: Record<ValueField, Float64Array>;

  constructor(symbol: string, capacity = 256) {
    this.symbol = symbol;
    this.capacity = capacity;
    this.day = new Int32Array(capacity);
    this.line = new Int32Array(capacity);
    this.values = Object.fromEntries(VALUE_FIELDS.map((f) => [f, new Float64Array(capacity)])) as Record<
      ValueField,
      Float64Array
    >;
  }

  /** Adds one row; `row` holds the values in VALUE_FIELDS order (NaN = missing). */
  push(day: number, line: number, row: ArrayLike<number>): void {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    this.day[i] = day;
    this.line[i] = line;
    for (let f = 0; f < VALUE_FIELDS.length; f++) this.values[VALUE_FIELDS[f]!][i] = row[f]!;
  }

  build(): PriceSeries {
    const n = this.length;
    return {
      symbol: this.symbol,
      length: n,
      day: this.day.slice(0, n),
      line: this.line.slice(0, n),
      open: this.values.open.slice(0, n),
      high: this.values.high.slice(0, n),
      low: this.values.low.slice(0, n),
      close: this.values.close.slice(0, n),
      adjclose: this.values.adjclose.slice(0, n),
      volume: this.values.volume.slice(0, n),
    };
  }

  private grow(): void {
    this.capacity *= 2;
    this.day = growInt(this.day, this.capacity);
    this.line = growInt(this.line, this.capacity);
    for (const f of VALUE_FIELDS) {
      const next = new Float64Array(this.capacity);
      next.set(this.values[f]);
      this.values[f] = next;
    }
  }
}

function growInt(a: Int32Array, capacity: number): Int32Array {
  const next = new Int32Array(capacity);
  next.set(a);
  return next;
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
