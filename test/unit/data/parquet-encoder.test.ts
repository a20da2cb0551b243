/**
 * FINML's Parquet row-group encoder (shared/data/parquet-encoder.ts) writes the same bytes as
 * hyparquet-writer's `ParquetWriter.write` did for every file kind — silver, gold (with and without
 * indicators, point-in-time scores), the risk-indicator table and appended gold row groups — over
 * many shapes: no rows, 1 row, the RLE/bit-packing and BOOLEAN RLE/PLAIN boundaries, all-NaN and
 * partly-NaN optional columns, −0, subnormals, ±Infinity, NaN payloads, unicode symbols, more than
 * one row group, and seeded random inputs. DuckDB reads a multi-row-group file back.
 */
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { beforeAll, describe, expect, test } from 'vitest';
import type { GoldSeries } from '#shared/data/gold';
import type { IndicatorTable } from '#shared/data/indicators';
import {
  type Column,
  type RowGroupWriter,
  rleBitPackedHybrid,
  schemaElement,
  writeRowGroups,
  writeRowGroupsWithHyparquetWriter,
} from '#shared/data/parquet-encoder';
import {
  appendGoldParquet,
  goldParquet,
  indicatorsParquet,
  readGoldParquet,
  silverParquet,
} from '#shared/data/parquet-tables';
import { runDataPipeline } from '#shared/data/pipeline';
import type { SilverSeries } from '#shared/data/series';
import { createRandom, type RandomSource } from '#shared/stats/random';
import { bronze, dataConfig, firstGoldRows, RUN_DAY } from '../../helpers/data.ts';
import { doubleWithBits, EDGE_DOUBLES } from '../../helpers/parquet.ts';

const LABELS = dataConfig().regimes.labels;
const OLD: RowGroupWriter = writeRowGroupsWithHyparquetWriter;

const EDGE = EDGE_DOUBLES;
const nanWith = doubleWithBits;
/** NaNs with payloads and either sign: all "missing" in an optional column. */
const NANS = [
  Number.NaN,
  nanWith(0xfff8_0000_dead_beefn),
  nanWith(0x7ff0_0000_0000_0001n),
  nanWith(0xffffffffffffffffn),
];

/** Lengths at the encodings' boundaries: bit-packed groups of 8, BOOLEAN RLE above 16. */
const LENGTHS = [0, 1, 2, 7, 8, 9, 15, 16, 17, 24, 63, 64, 65, 300];

/** Asserts two files are the same bytes, naming the first differing offset. */
function expectSameBytes(ours: Uint8Array, theirs: Uint8Array, what: string): void {
  let at = 0;
  while (at < ours.length && at < theirs.length && ours[at] === theirs[at]) at++;
  const same = at === ours.length && at === theirs.length;
  expect(same, `${what}: ${ours.length} vs ${theirs.length} bytes, first difference at byte ${at}`).toBe(
    true,
  );
}

/** A double: mostly ordinary, sometimes an edge value. */
function double(r: RandomSource): number {
  const u = r.uniform();
  if (u < 0.1) return EDGE[r.nextUint32() % EDGE.length]!;
  return (r.normal() * 100) ** (r.uniform() < 0.5 ? 1 : 3);
}

/** A column of doubles with NaN (any payload) at rate `missing`, runs of NaN at rate `runs`. */
function doubles(r: RandomSource, n: number, missing: number, runs = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (r.uniform() < runs) {
      const end = Math.min(n, i + 1 + (r.nextUint32() % 40));
      for (; i < end; i++) out[i] = NANS[r.nextUint32() % NANS.length]!;
      i--;
    } else out[i] = r.uniform() < missing ? NANS[r.nextUint32() % NANS.length]! : double(r);
  }
  return out;
}

const finite = (r: RandomSource, n: number) => Float64Array.from({ length: n }, () => double(r));

function randomDays(r: RandomSource, n: number): Int32Array {
  const day = new Int32Array(n);
  let d = -800 + (r.nextUint32() % 40_000);
  for (let i = 0; i < n; i++) {
    d += 1 + (r.nextUint32() % 4);
    day[i] = d;
  }
  return day;
}

/** Runs of a value (length ≤ `maxRun`) from `0 … values − 1`. */
function runs(r: RandomSource, n: number, values: number, maxRun: number): Uint8Array {
  const out = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    const v = r.nextUint32() % values;
    const end = Math.min(n, i + 1 + (r.nextUint32() % maxRun));
    for (; i < end; i++) out[i] = v;
  }
  return out;
}

const SYMBOLS = ['SPY', '', 'Zürich, "AG"=1 ✓', '日経225', '𝔘𝔫𝔦 \u{1F4C8}', 'a|b'];

function randomSilver(r: RandomSource, n: number, symbol: string, missing: number): SilverSeries {
  return {
    symbol,
    length: n,
    day: randomDays(r, n),
    open: doubles(r, n, missing, missing / 10),
    high: doubles(r, n, missing),
    low: doubles(r, n, missing),
    close: finite(r, n),
    adjclose: doubles(r, n, missing, missing / 5),
    volume: doubles(r, n, missing),
    line: new Int32Array(n),
    filled: runs(r, n, 2, r.uniform() < 0.5 ? 3 : 50),
    flags: runs(r, n, 16, 12),
  };
}

function randomGold(r: RandomSource, n: number, indicators: number, missing: number): GoldSeries {
  const states = runs(r, n, LABELS.length, 60);
  const age = new Int32Array(n);
  for (let i = 0; i < n; i++) age[i] = i > 0 && states[i] === states[i - 1] ? age[i - 1]! + 1 : 1;
  return {
    symbol: SYMBOLS[r.nextUint32() % SYMBOLS.length]!,
    length: n,
    day: randomDays(r, n),
    price: finite(r, n),
    log_return: finite(r, n),
    realized_vol_21d: finite(r, n),
    drawdown: finite(r, n),
    warmupRows: 21,
    scores: r.uniform() < 0.7 ? { realized_vol_21d: finite(r, n), drawdown: finite(r, n) } : {},
    risk_score: finite(r, n),
    markov_state: states,
    regime_age: age,
    burnInRows: 0,
    ...(indicators > 0
      ? {
          indicators: Object.fromEntries(
            Array.from({ length: indicators }, (_, k) => [`ind_${k}`, doubles(r, n, missing, missing / 4)]),
          ),
        }
      : {}),
  };
}

describe('silver: the same bytes as hyparquet-writer', () => {
  test.each(LENGTHS)('%i rows, edge doubles and NaN payloads in every optional column', (n) => {
    const r = createRandom(1000 + n);
    const s = randomSilver(r, n, 'Zürich, "AG"=1 ✓', 0.3);
    expectSameBytes(silverParquet(s), silverParquet(s, OLD), `silver ${n}`);
  });

  test('no value missing, every value missing, and a leading run of NaN', () => {
    const r = createRandom(7);
    for (const n of [5, 16, 17, 5000]) {
      const none = randomSilver(r, n, 'SPY', 0);
      expectSameBytes(silverParquet(none), silverParquet(none, OLD), `none missing ${n}`);
      const all = randomSilver(r, n, 'SPY', 1);
      expectSameBytes(silverParquet(all), silverParquet(all, OLD), `all missing ${n}`);
      const leading = randomSilver(r, n, 'SPY', 0);
      leading.volume.fill(Number.NaN, 0, Math.ceil(n / 3));
      leading.adjclose.fill(NANS[1]!, 0, 1);
      expectSameBytes(silverParquet(leading), silverParquet(leading, OLD), `leading NaN ${n}`);
    }
  });

  test('seeded random histories (symbols, flags, filled closes, missing rates)', () => {
    const r = createRandom(20261207);
    for (let k = 0; k < 40; k++) {
      const n = r.nextUint32() % 2000;
      const s = randomSilver(r, n, SYMBOLS[k % SYMBOLS.length]!, r.uniform() * 0.5);
      expectSameBytes(silverParquet(s), silverParquet(s, OLD), `random silver ${k} (${n} rows)`);
    }
  });

  test('a filled mark other than 0 or 1 is false, as before', () => {
    const s = randomSilver(createRandom(3), 40, 'X', 0.1);
    s.filled[3] = 2;
    s.filled[20] = 255;
    expectSameBytes(silverParquet(s), silverParquet(s, OLD), 'odd filled marks');
  });
});

describe('gold: the same bytes as hyparquet-writer', () => {
  let sample: GoldSeries;
  beforeAll(async () => {
    const file = 'data/samples/sp500-2000.csv';
    const { gold } = await runDataPipeline([bronze(file, readFileSync(file))], new Map(), {
      config: dataConfig(),
      runDay: RUN_DAY,
    });
    sample = gold.series[0]!;
  });

  test("the sample's point-in-time gold, without and with indicators (leading NaN, payloads)", () => {
    expect(Object.keys(sample.scores).length).toBeGreaterThan(0);
    expectSameBytes(goldParquet(sample, LABELS), goldParquet(sample, LABELS, OLD), 'sample gold');
    const n = sample.length;
    const vix = Float64Array.from({ length: n }, (_, i) => (i < 30 ? NANS[i % 4]! : EDGE[i % EDGE.length]!));
    const empty = new Float64Array(n).fill(Number.NaN);
    const withIndicators = { ...sample, indicators: { vix, credit_spread: empty } };
    expectSameBytes(
      goldParquet(withIndicators, LABELS),
      goldParquet(withIndicators, LABELS, OLD),
      'sample gold + indicators',
    );
  });

  test.each(LENGTHS.filter((n) => n > 0))('%i rows of random gold', (n) => {
    const r = createRandom(2000 + n);
    const g = randomGold(r, n, n % 3, 0.3);
    expectSameBytes(goldParquet(g, LABELS), goldParquet(g, LABELS, OLD), `gold ${n}`);
  });

  test('seeded random gold (scores or none, 0–3 indicators, missing rates, regime runs)', () => {
    const r = createRandom(17);
    for (let k = 0; k < 30; k++) {
      const g = randomGold(r, 1 + (r.nextUint32() % 3000), k % 4, r.uniform());
      expectSameBytes(goldParquet(g, LABELS), goldParquet(g, LABELS, OLD), `random gold ${k}`);
    }
  });

  test('labels that repeat share one dictionary entry, as before', () => {
    const g = randomGold(createRandom(5), 500, 0, 0);
    const labels = ['Calm', 'Calm', 'Storm'];
    expectSameBytes(goldParquet(g, labels), goldParquet(g, labels, OLD), 'repeated labels');
  });

  test('appended row groups: the same bytes whichever wrote the published file', () => {
    const r = createRandom(99);
    for (const [n, cut] of [
      [2, 1],
      [40, 17],
      [300, 299],
      [3000, 1234],
    ] as const) {
      const g = randomGold(r, n, 1, 0.2);
      for (const published of [
        goldParquet(firstGoldRows(g, cut), LABELS),
        goldParquet(firstGoldRows(g, cut), LABELS, OLD),
      ]) {
        const ours = appendGoldParquet(published, g, LABELS, cut)!;
        expectSameBytes(ours, appendGoldParquet(published, g, LABELS, cut, OLD)!, `append ${n} at ${cut}`);
        // and again onto the appended file (a third row group)
        const more = randomGold(r, n + 5, 1, 0.2);
        expectSameBytes(
          appendGoldParquet(ours, more, LABELS, n)!,
          appendGoldParquet(ours, more, LABELS, n, OLD)!,
          `second append ${n}`,
        );
      }
    }
    expectSameBytes(
      appendGoldParquet(goldParquet(firstGoldRows(sample, 4000), LABELS), sample, LABELS, 4000)!,
      appendGoldParquet(goldParquet(firstGoldRows(sample, 4000), LABELS), sample, LABELS, 4000, OLD)!,
      'sample append',
    );
  });

  test('a NaN in a required column is still refused', () => {
    const g = randomGold(createRandom(1), 20, 0, 0);
    g.drawdown[4] = Number.NaN;
    expect(() => goldParquet(g, LABELS)).toThrow(/column drawdown: NaN on row 5 of a required column/);
  });

  test('a state without a label is refused', () => {
    const g = randomGold(createRandom(2), 20, 0, 0);
    g.markov_state[7] = 9;
    expect(() => goldParquet(g, LABELS)).toThrow(/required value is undefined/);
  });
});

describe('risk-indicator table: the same bytes as hyparquet-writer', () => {
  test('tables of 0 to 4 columns and many lengths', () => {
    const r = createRandom(4);
    for (const n of LENGTHS) {
      for (let columns = 0; columns <= 4; columns++) {
        const t: IndicatorTable = {
          columns: Array.from({ length: columns }, (_, k) => `ind_${k}_ü`),
          length: n,
          day: randomDays(r, n),
          values: Array.from({ length: columns }, (_, k) => doubles(r, n, k / 4, 0.05)),
        };
        expectSameBytes(indicatorsParquet(t), indicatorsParquet(t, OLD), `indicators ${n}×${columns}`);
      }
    }
  });

  test('days from 1970-01-01 (day 0) and before it: the same date statistics', () => {
    const t: IndicatorTable = {
      columns: ['vix'],
      length: 3,
      day: Int32Array.from([0, 1, 2]),
      values: [Float64Array.from([1, Number.NaN, 3])],
    };
    expectSameBytes(indicatorsParquet(t), indicatorsParquet(t, OLD), 'day 0');
    const before = { ...t, day: Int32Array.from([-3, -2, 0]) };
    expectSameBytes(indicatorsParquet(before), indicatorsParquet(before, OLD), 'days up to 0');
  });
});

/** A file of `columns` in row groups of `rowGroupRows` rows. */
function file(columns: Column[], rowGroupRows: number, rowGroups: RowGroupWriter): Uint8Array {
  const writer = new ByteWriter();
  const schema = [{ name: 'schema', num_children: columns.length }, ...columns.map(schemaElement)];
  const pw = new ParquetWriter({ writer, schema, codec: 'SNAPPY', createdBy: 'test' });
  rowGroups(pw, columns, rowGroupRows);
  pw.finish();
  return writer.getBytes();
}

function everyKind(r: RandomSource, n: number): Column[] {
  const flags = runs(r, n, 16, 5);
  return [
    { kind: 'date', name: 'date', values: randomDays(r, n) },
    { kind: 'string', name: 'symbol', codes: new Uint8Array(n), text: () => 'Zürich ✓' },
    { kind: 'double', name: 'close', values: finite(r, n), optional: false },
    { kind: 'double', name: 'open', values: doubles(r, n, 0.3, 0.05), optional: true },
    { kind: 'boolean', name: 'close_filled', values: runs(r, n, 2, 4) },
    { kind: 'string', name: 'flags', codes: flags, text: (m) => `f${m}` },
    { kind: 'int', name: 'state', values: runs(r, n, 3, 30) },
    { kind: 'int', name: 'age', values: Int32Array.from({ length: n }, () => r.nextUint32() % 5000) },
    // values far apart (the dictionary keyed by a Map, not a table of the range)
    {
      kind: 'int',
      name: 'wide',
      values: Int32Array.from({ length: n }, (_, i) =>
        i % 3 === 0 ? -2_000_000_000 : 2_000_000_000 - (i % 5),
      ),
    },
    {
      kind: 'string',
      name: 'wide_codes',
      codes: Int32Array.from({ length: n }, (_, i) => (i % 7) * 1e6),
      text: String,
    },
  ];
}

describe('row groups', () => {
  test('more than one row group (the last one short): the same bytes as hyparquet-writer', () => {
    const r = createRandom(11);
    for (const [n, size] of [
      [1, 1],
      [10, 1],
      [17, 8],
      [100, 33],
      [1000, 999],
      [1000, 1000],
      [5000, 1700],
    ] as const) {
      const columns = everyKind(r, n);
      expectSameBytes(file(columns, size, writeRowGroups), file(columns, size, OLD), `${n} rows by ${size}`);
    }
  });

  test('DuckDB and hyparquet read a file of three row groups back, row for row', async () => {
    const r = createRandom(12);
    const n = 250;
    const columns = everyKind(r, n);
    const bytes = file(columns, 100, writeRowGroups);
    const rows = await parquetReadObjects({ file: bytes.buffer.slice(0, bytes.length) as ArrayBuffer });
    expect(rows).toHaveLength(n);
    const open = columns[3]!.kind === 'double' ? columns[3]!.values : new Float64Array();
    rows.forEach((row, i) => {
      expect(row.open === null ? Number.NaN : row.open).toBe(open[i]);
    });
    const path = `${process.env.TMPDIR ?? '/tmp'}/finml-encoder-${process.pid}.parquet`;
    const { writeFileSync, rmSync } = await import('node:fs');
    writeFileSync(path, bytes);
    try {
      const db = await DuckDBInstance.create(':memory:');
      const duck = await db.connect();
      const groups = await duck.runAndReadAll(
        `select count(distinct row_group_id)::INTEGER as g from parquet_metadata('${path}')`,
      );
      expect(groups.getColumnsObject().g).toEqual([3]);
      const read = (
        await duck.runAndReadAll(`select age, flags, close_filled from read_parquet('${path}')`)
      ).getColumnsObject() as Record<string, unknown[]>;
      const age = columns[7]!.kind === 'int' ? columns[7]!.values : new Int32Array();
      expect(read.age).toEqual(Array.from(age));
      const flags = columns[5]!.kind === 'string' ? columns[5]!.codes : new Uint8Array();
      expect(read.flags).toEqual(Array.from(flags, (m) => `f${m}`));
      const filled = columns[4]!.kind === 'boolean' ? columns[4]!.values : new Uint8Array();
      expect(read.close_filled).toEqual(Array.from(filled, (v) => v === 1));
      duck.closeSync();
    } finally {
      rmSync(path, { force: true });
    }
  });

  test('columns of different lengths are refused', () => {
    const columns: Column[] = [
      { kind: 'date', name: 'date', values: new Int32Array(3) },
      { kind: 'double', name: 'x', values: new Float64Array(2), optional: false },
    ];
    expect(() => file(columns, 10, writeRowGroups)).toThrow(/column x: 2 rows, the first column 3/);
  });
});

describe('RLE/bit-packed hybrid', () => {
  /** hyparquet-writer's bytes for the same values. */
  function theirs(values: Int32Array, bitWidth: number): Uint8Array {
    const w = new ByteWriter();
    writeRleBitPackedHybrid(w, values, bitWidth);
    return w.getBytes();
  }

  test('the same bytes as writeRleBitPackedHybrid: runs, noise and padding, widths 0 to 20', () => {
    const r = createRandom(31);
    for (let k = 0; k < 400; k++) {
      const bitWidth = k % 21;
      const n = r.nextUint32() % (k < 200 ? 40 : 3000);
      const top = bitWidth === 0 ? 1 : 2 ** bitWidth;
      const maxRun = 1 + (r.nextUint32() % 30);
      const values = new Int32Array(n);
      let i = 0;
      while (i < n) {
        const v = r.nextUint32() % top;
        const end = Math.min(n, i + 1 + (r.nextUint32() % maxRun));
        for (; i < end; i++) values[i] = v;
      }
      expectSameBytes(
        rleBitPackedHybrid(values, bitWidth),
        theirs(values, bitWidth),
        `k=${k} n=${n} w=${bitWidth}`,
      );
    }
  });

  test('a run of a million equal values is one RLE run (a varint count of 3 bytes)', () => {
    const values = new Int32Array(1_000_000).fill(5);
    const bytes = rleBitPackedHybrid(values, 3);
    expect(Array.from(bytes)).toEqual(Array.from(theirs(values, 3)));
    expect(bytes).toHaveLength(4);
  });
});

describe('reading back', () => {
  test("FINML's reader reads gold written by the encoder", async () => {
    const r = createRandom(8);
    const g = randomGold(r, 777, 0, 0);
    // (gold's reader refuses a non-finite feature: ordinary values here)
    for (const a of [g.price, g.log_return, g.realized_vol_21d, g.drawdown, g.risk_score])
      for (let i = 0; i < a.length; i++) a[i] = r.normal();
    const [t] = await readGoldParquet(goldParquet(g, LABELS), 'g');
    expect(Array.from(t!.drawdown)).toEqual(Array.from(g.drawdown));
    expect(Array.from(t!.regime_age)).toEqual(Array.from(g.regime_age));
    expect(Array.from(t!.markov_state)).toEqual(Array.from(g.markov_state));
    expect(Array.from(t!.day)).toEqual(Array.from(g.day));
  });
});
