/**
 * streamDataPipeline — one symbol at a time, rows spilled to a temporary file — gives exactly what
 * the layers compute with everything in memory: bronze → silver (cleaned, merged in input order,
 * a later file winning a clash, over the existing history) → gold for every history.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readBronzeMarketFile } from '#shared/data/bronze';
import { DataRejectedError } from '#shared/data/errors';
import type { GoldSeries } from '#shared/data/gold';
import {
  buildGold,
  type GoldReference,
  mapSource,
  runDataPipeline,
  streamDataPipeline,
} from '#shared/data/pipeline';
import type { SilverSeries } from '#shared/data/series';
import { cleanSeries, mergeSilver } from '#shared/data/silver';
import { TempFileSpill } from '#shared/data/spill';
import { bronzeCsvChunks } from '../../../bench/generate.ts';
import { bronze, dataConfig, RUN_DAY } from '../../helpers/data.ts';

/** File descriptors open in this process (spill files hold one each until disposed). */
const openFiles = () => readdirSync('/proc/self/fd').length;

const generated = (symbols: number, days: number, seed: number, startDate: string) =>
  [...bronzeCsvChunks({ symbols, days, seed, startDate })].join('');

/** File A: 6 symbols × 260 days, plus a repeated row and a missing close (cleaning has work). */
function fileA(): string {
  const lines = generated(6, 260, 1, '2001-01-01').trimEnd().split('\n');
  const header = lines[0]!.split(',');
  const close = header.indexOf('close');
  const blank = lines[40]!.split(',');
  blank[close] = '';
  lines[40] = blank.join(',');
  lines.push(lines[100]!); // a duplicate (symbol, date): the last occurrence wins
  return `${lines.join('\n')}\n`;
}

/** File B: 3 symbols over the last 60 days of A with other prices (a vendor correction) and 40 more. */
const fileB = () => generated(3, 100, 2, '2001-10-01');

/** The existing silver: an older history of one symbol in the files, and one symbol in no file. */
async function existingSilver(): Promise<Map<string, SilverSeries>> {
  const old = generated(7, 400, 3, '2000-06-01');
  const f = await readBronzeMarketFile(bronze('old.csv', old), { config: dataConfig(), runDay: RUN_DAY });
  const keep = [f.series[0]!, f.series[6]!];
  return new Map(keep.map((s) => [s.symbol, cleanSeries(s, dataConfig()).series]));
}

/** The same steps with everything in memory, straight from the layer functions. */
async function inMemory(existing: Map<string, SilverSeries>) {
  const config = dataConfig();
  const histories = new Map(existing);
  for (const [name, text] of [
    ['a.csv', fileA()],
    ['b.csv', fileB()],
  ] as const) {
    const f = await readBronzeMarketFile(bronze(name, text), { config, runDay: RUN_DAY });
    for (const s of f.series) {
      histories.set(s.symbol, mergeSilver(histories.get(s.symbol), cleanSeries(s, config).series));
    }
  }
  return { histories, gold: buildGold(histories.values(), { config, runDay: RUN_DAY }) };
}

describe('streamDataPipeline', () => {
  test('spilling to a temporary file, it equals the in-memory computation symbol for symbol', async () => {
    const existing = await existingSilver();
    const expected = await inMemory(existing);
    const dir = mkdtempSync(join(tmpdir(), 'finml-stream-test-'));
    const fdsBefore = openFiles();
    const silver: SilverSeries[] = [];
    const gold: [GoldSeries, GoldReference][] = [];
    const result = await streamDataPipeline(
      [bronze('a.csv', fileA(), 4096), bronze('b.csv', fileB(), 4096)],
      mapSource(existing),
      {
        config: dataConfig(),
        runDay: RUN_DAY,
        newSpill: () => new TempFileSpill(dir),
        sink: { silver: (h) => void silver.push(h), gold: (g, r) => void gold.push([g, r]) },
      },
    );
    expect(result.outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted']);
    // Silver: every touched symbol once, merged over its existing history; untouched ones not rewritten.
    const touched = [...result.touched].sort();
    expect(touched).toHaveLength(6);
    expect(silver.map((h) => h.symbol).sort()).toEqual(touched);
    for (const h of silver) expect(h).toEqual(expected.histories.get(h.symbol));
    // Gold: every history (the existing-only symbol too), in symbol order, equal to the in-memory gold.
    expect(gold.map(([g]) => g.symbol)).toEqual(expected.gold.series.map((g) => g.symbol));
    expect(gold).toHaveLength(7);
    for (const [g, reference] of gold) {
      expect(g).toEqual(expected.gold.series.find((e) => e.symbol === g.symbol));
      expect(reference).toEqual(expected.gold.references.get(g.symbol));
    }
    expect(result.gold.quality).toEqual(expected.gold.quality);
    expect(result.gold.symbols).toEqual(expected.gold.symbols);
    // The spill files are closed (and never had a name).
    expect(openFiles()).toBe(fdsBefore);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('runDataPipeline (everything in memory) returns the same histories and gold', async () => {
    const existing = await existingSilver();
    const expected = await inMemory(existing);
    const result = await runDataPipeline([bronze('a.csv', fileA()), bronze('b.csv', fileB())], existing, {
      config: dataConfig(),
      runDay: RUN_DAY,
    });
    expect(result.histories).toEqual(expected.histories);
    expect(result.gold.series).toEqual(expected.gold.series);
  });

  test('a rejected file adds nothing, and its spill is disposed at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finml-stream-test-'));
    const fdsBefore = openFiles();
    const silver: string[] = [];
    const result = await streamDataPipeline(
      [bronze('bad.csv', 'date,close\n2020-01-01,x\n2020-01-02,y\n2020-01-03,z\n'), bronze('a.csv', fileA())],
      mapSource(new Map()),
      {
        config: dataConfig(),
        runDay: RUN_DAY,
        newSpill: () => new TempFileSpill(dir),
        sink: { silver: (h) => void silver.push(h.symbol) },
      },
    );
    expect(result.outcomes.map((o) => o.status)).toEqual(['rejected', 'accepted']);
    expect(silver).not.toContain('BAD');
    expect(silver).toHaveLength(6);
    expect(openFiles()).toBe(fdsBefore);
  });

  test('gold below its gate rejects the run after the sink saw the symbols (the sink must stage)', async () => {
    // An existing partition whose days repeat (a damaged history): gold uniqueness drops below 98 %.
    const untouched = [...(await existingSilver()).values()][1]!;
    const day = untouched.day.map((d, i, all) => (i % 2 === 1 ? all[i - 1]! : d));
    const damaged: SilverSeries = { ...untouched, day };
    const seen: string[] = [];
    const small = generated(1, 60, 5, '2003-01-01');
    const run = streamDataPipeline(
      [bronze('small.csv', small)],
      mapSource(new Map([[damaged.symbol, damaged]])),
      {
        config: dataConfig(),
        runDay: RUN_DAY,
        sink: { gold: (g) => void seen.push(g.symbol) },
      },
    );
    await expect(run).rejects.toThrow(DataRejectedError);
    await expect(run).rejects.toThrow(/gold quality .* is below the 98 % gate/);
    expect(seen).toContain(damaged.symbol);
  });
});
