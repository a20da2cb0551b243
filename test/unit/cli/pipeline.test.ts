import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  appendGoldParquet,
  goldParquet,
  MAX_APPENDED_ROW_GROUPS,
  parquetRowGroups,
  silverParquet,
} from '#shared/data/parquet-tables';
import { runDataPipeline } from '#shared/data/pipeline';
import type { SilverSeries } from '#shared/data/series';
import { parseIsoDay } from '#shared/data/values';
import { keys } from '#shared/usecases/lake';
import { runCli, tempDir } from '../../helpers/cli.ts';
import { bronze, closesCsv, dataConfig, firstGoldRows, isoOf, RUN_DAY } from '../../helpers/data.ts';
import { parquetRows, rowGroupBytes } from '../../helpers/parquet.ts';

const SAMPLE = 'data/samples/sp500-2000.csv';
const execFileAsync = promisify(execFile);
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
/** The lake layout under --out: one folder per bucket, S3's keys below. */
const silverFile = (out: string, symbol: string) => join(out, 'silver', keys.silver(symbol));
const goldFile = (out: string, symbol: string) => join(out, 'gold', keys.gold(symbol));
const runDir = (out: string) => {
  const runs = readdirSync(join(out, 'gold', 'runs'));
  expect(runs).toHaveLength(1);
  return join(out, 'gold', 'runs', runs[0]!);
};
const symbolsIn = (out: string, layer: 'silver' | 'gold') => {
  const dir = join(out, layer, layer === 'silver' ? 'market' : 'features');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};

describe('finml pipeline', () => {
  test('runs the sample end to end and writes silver, gold, metadata and quality reports', async () => {
    const out = tempDir();
    const { code, stdout } = await runCli(['pipeline', SAMPLE, '--out', out, '--run-date', '2026-11-26']);
    expect(code).toBe(0);
    // Point-in-time scores (DOMAIN §3 v2): the first 251 scored days are burn-in.
    expect(stdout).toContain(
      'Gold: 4833 rows for 1 symbol(s); left out: 21 warm-up rows, 251 point-in-time burn-in rows',
    );
    expect(stdout).toMatch(/regimes: Low 2358 · Medium 1608 · High 867/);
    const features = await parquetRows(goldFile(out, 'SP500-2000'));
    expect(features.names.join(',')).toBe(
      'date,symbol,price,log_return,realized_vol_21d,drawdown,score_realized_vol_21d,score_drawdown,risk_score,regime,markov_state,regime_age',
    );
    expect(features.rows).toHaveLength(4833);
    expect(goldFile(out, 'SP500-2000')).toMatch(/gold\/features\/symbol=SP500-2000\/part-0000\.parquet$/);
    // The run's record: the same metadata.json the deployed pipeline writes (runs/<run id>/).
    const meta = json(join(runDir(out), 'metadata.json'));
    expect(meta.sources[0]).toMatchObject({
      file: resolve(SAMPLE).slice(1),
      status: 'accepted',
      rowsIn: 5105,
      rowsOut: 5105,
    });
    expect(meta.sources[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.runDate).toBe('2026-11-26');
    expect(meta.gold).toMatchObject({ rows: 4833, warmupRows: 21, burnInRows: 251 });
    expect(meta.gold.symbols[0]).toMatchObject({ symbol: 'SP500-2000', referenceSource: 'own history' });
    for (const layer of ['bronze', 'silver', 'gold']) {
      expect(meta.quality[layer]).toMatchObject({ layer, passed: true });
    }
    expect(json(join(runDir(out), 'quality-bronze.json')).rowsIn).toBe(5105);
    expect(existsSync(silverFile(out, 'SP500-2000'))).toBe(true);
    // Nothing staged is left once the run has published.
    expect(existsSync(join(out, 'silver', 'staging'))).toBe(false);
    expect(existsSync(join(out, 'gold', 'staging'))).toBe(false);
  });

  test('--json prints one JSON document with the documented fields', async () => {
    const out = tempDir();
    const { code, stdout } = await runCli(['pipeline', SAMPLE, '--out', out, '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(Object.keys(summary).sort()).toEqual([
      'accepted',
      'files',
      'gold',
      'out',
      'quality',
      'rejected',
      'runDate',
      'runId',
      'written',
    ]);
    expect(summary.files[0]).toMatchObject({ file: SAMPLE, status: 'accepted' });
    expect(summary.gold.symbols[0]).toMatchObject({
      symbol: 'SP500-2000',
      rows: 4833,
      first: '2001-01-31',
      last: '2020-04-17',
    });
  });

  test('handles several files and several symbols per file, one silver partition per symbol', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const rows = ['symbol,date,close'];
    // 300 days each: past the warm-up (21) and the point-in-time burn-in (251).
    for (let i = 0; i < 300; i++) {
      const d = isoOf(parseIsoDay('2021-02-01')! + i);
      rows.push(`AAA,${d},${100 + i}`, `=BBB,${d},${50 + Math.sin(i)}`);
    }
    writeFileSync(join(dir, 'multi.csv'), `${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'ccc.csv'), closesCsv(Array.from({ length: 300 }, (_, i) => 10 + i)));
    const { code } = await runCli(['pipeline', join(dir, 'multi.csv'), join(dir, 'ccc.csv'), '--out', out]);
    expect(code).toBe(0);
    expect(symbolsIn(out, 'silver')).toEqual(['symbol=%3DBBB', 'symbol=AAA', 'symbol=CCC']);
    expect(symbolsIn(out, 'gold')).toEqual(['symbol=%3DBBB', 'symbol=AAA', 'symbol=CCC']);
    // Parquet keeps the symbol as it is (a CSV export neutralises formula-like cells: export.test.ts).
    const gold = await parquetRows(goldFile(out, '=BBB'));
    expect(new Set(gold.rows.map((r) => r[1]))).toEqual(new Set(['=BBB']));
    const meta = json(join(runDir(out), 'metadata.json'));
    expect(meta.gold.symbols.map((s: { symbol: string }) => s.symbol)).toEqual(['=BBB', 'AAA', 'CCC']);
    expect(meta.sources.map((s: { status: string }) => s.status)).toEqual(['accepted', 'accepted']);
  });

  test('two `finml pipeline` processes on one --out at once lose no row, and each run records the gold it published', async () => {
    const dir = tempDir();
    const [header, ...rows] = readFileSync(SAMPLE, 'utf8').trimEnd().split('\n');
    // Two halves of one series (a file without a symbol column is named by its file name: SPX).
    const halves = [rows.slice(0, 2500), rows.slice(2500)].map((part, i) => {
      mkdirSync(join(dir, `part-${i}`));
      const path = join(dir, `part-${i}`, 'SPX.csv');
      writeFileSync(path, `${[header, ...part].join('\n')}\n`);
      return path;
    });
    const out = join(dir, 'out');
    const args = (file: string, o: string) => [
      'bin/finml.mjs',
      'pipeline',
      file,
      '--out',
      o,
      '--run-date',
      '2026-11-26',
    ];
    const runs = await Promise.all(halves.map((file) => execFileAsync(process.execPath, args(file, out))));
    // The lake is that of one run of the whole file…
    const whole = join(dir, 'whole');
    await execFileAsync(process.execPath, args(SAMPLE, whole));
    const wholeSilver = await parquetRows(join(whole, 'silver', keys.silver('SP500-2000')));
    const wholeGold = await parquetRows(join(whole, 'gold', keys.gold('SP500-2000')));
    const silver = await parquetRows(silverFile(out, 'SPX'));
    const gold = await parquetRows(goldFile(out, 'SPX'));
    expect(silver.rows).toHaveLength(rows.length);
    const unnamed = (t: { names: string[]; rows: unknown[][] }) => {
      const k = t.names.indexOf('symbol');
      return t.rows.map((r) => r.filter((_, i) => i !== k));
    };
    expect(unnamed(silver)).toEqual(unnamed(wholeSilver));
    expect(unnamed(gold)).toEqual(unnamed(wholeGold));
    // …and each run's record is of the gold it published: the last one to publish has all of it,
    // and a run merged again at publish says so.
    const records = readdirSync(join(out, 'gold', 'runs')).map(
      (run) => json(join(out, 'gold', 'runs', run, 'metadata.json')).gold.symbols[0],
    );
    expect(Math.max(...records.map((r: { rows: number }) => r.rows))).toBe(gold.rows.length);
    for (const [i, record] of records.entries()) {
      expect(record.rows).toBeLessThanOrEqual(gold.rows.length);
      const stdout = runs.find((r) => r.stdout.includes(readdirSync(join(out, 'gold', 'runs'))[i]!))!.stdout;
      expect(stdout.includes('merged again at publish')).toBe(record.goldWrite === 'merged again');
    }
  }, 60_000);

  test('a rejected file exits 2 with file, line and reason, and goes to quarantine with its report; the input is untouched', async () => {
    const dir = tempDir();
    const bad = join(dir, 'semicolons.csv');
    const content = 'date;close\n2020-01-01;1\n';
    writeFileSync(bad, content);
    const out = join(dir, 'out');
    const { code, stdout } = await runCli(['pipeline', bad, '--out', out]);
    expect(code).toBe(2);
    expect(stdout).toContain(`✗ ${bad}, line 1: missing required column "date"`);
    // No layer was measured: not "bronze 0.0 % ✗ silver 0.0 % ✗".
    expect(stdout).toContain('Quality  no file was accepted: nothing reached silver or gold');
    // quarantine/<run id>/<the file's absolute path> and its report, as in the quarantine bucket.
    const [run] = readdirSync(join(out, 'quarantine'));
    const copy = join(out, 'quarantine', run!, resolve(bad));
    expect(json(`${copy}.report.json`)).toMatchObject({
      code: 'missing_column',
      line: 1,
      file: resolve(bad).slice(1),
      runId: run,
    });
    expect(readFileSync(copy, 'utf8')).toBe(content);
    expect(readFileSync(bad, 'utf8')).toBe(content);
    expect(symbolsIn(out, 'silver')).toEqual([]);
  });

  test('a file rejected at the silver gate leaves none of its rows staged: the run merges only the accepted file', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const rows = (from: string, n: number, flagged: (i: number) => boolean) => {
      const lines = ['symbol,date,high,close'];
      for (let i = 0; i < n; i++) {
        const close = 100 + (i % 7);
        lines.push(`X,${isoOf(parseIsoDay(from)! + i)},${flagged(i) ? close - 1 : close + 1},${close}`);
      }
      return `${lines.join('\n')}\n`;
    };
    writeFileSync(
      join(dir, 'good.csv'),
      rows('2018-01-01', 300, () => false),
    );
    // 40 % of its rows have high below close: bronze 90 % (gate 85), silver 90 % (gate 94).
    writeFileSync(
      join(dir, 'flagged.csv'),
      rows('2019-01-01', 100, (i) => i % 5 < 2),
    );
    const { code, stdout } = await runCli([
      'pipeline',
      join(dir, 'good.csv'),
      join(dir, 'flagged.csv'),
      '--out',
      out,
      '--run-date',
      '2020-01-01',
    ]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/silver quality .* is below the 94 % gate/);
    // What pulled it down, counted (the message named only the weakest dimension's percentage).
    expect(stdout).toContain(': 40 rows flagged high_below_open_close (of 100 silver rows) — quarantined');
    const silver = await parquetRows(silverFile(out, 'X'));
    expect(silver.rows).toHaveLength(300);
    expect(existsSync(join(out, 'silver', 'staging'))).toBe(false);
  });

  test('a later run merges into the silver history: a one-day file extends it', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'xyz.csv'), closesCsv(Array.from({ length: 300 }, (_, i) => 10 + i)));
    expect((await runCli(['pipeline', join(dir, 'xyz.csv'), '--out', out])).code).toBe(0);
    const goldBefore = rowGroupBytes(goldFile(out, 'XYZ'));
    const rowsBefore = (await parquetRows(goldFile(out, 'XYZ'))).rows;
    writeFileSync(join(dir, 'xyz.csv'), 'date,close\n2020-10-27,99\n');
    const { code } = await runCli(['pipeline', join(dir, 'xyz.csv'), '--out', out, '--json']);
    expect(code).toBe(0);
    const silver = (await parquetRows(silverFile(out, 'XYZ'))).rows;
    expect(silver).toHaveLength(301);
    expect(silver.at(-1)!.slice(0, 9)).toEqual([
      '2020-10-27',
      'XYZ',
      null,
      null,
      null,
      99,
      null,
      null,
      false,
    ]);
    const goldAfter = rowGroupBytes(goldFile(out, 'XYZ'));
    const rowsAfter = (await parquetRows(goldFile(out, 'XYZ'))).rows;
    expect(rowsAfter).toHaveLength(301 - 21 - 251);
    // Point in time: the day appended, every earlier gold row unchanged (its bytes kept, not rewritten).
    expect(goldAfter.subarray(0, goldBefore.length).equals(goldBefore)).toBe(true);
    expect(rowsAfter.slice(0, -1)).toEqual(rowsBefore);
    // The second run's record (run ids within one second do not sort by time): the one-row file's.
    const metas = readdirSync(join(out, 'gold', 'runs')).map((run) =>
      json(join(out, 'gold', 'runs', run, 'metadata.json')),
    );
    const second = metas.find((m) => m.sources[0].rowsIn === 1);
    expect(second.gold.symbols[0]).toMatchObject({ symbol: 'XYZ', goldWrite: 'appended' });
    expect(metas.find((m) => m.sources[0].rowsIn === 300).gold.symbols[0].goldWrite).toBe('rebuilt');

    // regimes.labels renamed: the next day is not appended under the new names beside the old ones —
    // the file is written whole again, and its export reads back (one name per state).
    const config = join(dir, 'config');
    cpSync('config', config, { recursive: true });
    const data = readFileSync(join(config, 'data.yaml'), 'utf8');
    writeFileSync(
      join(config, 'data.yaml'),
      data.replace(/labels: \[Low, Medium, High\]/, 'labels: [Calm, Choppy, Stormy]'),
    );
    expect(readFileSync(join(config, 'data.yaml'), 'utf8')).toContain('Calm');
    const model = readFileSync(join(config, 'model.yaml'), 'utf8');
    writeFileSync(
      join(config, 'model.yaml'),
      model.replace(/absorbingRegime: High/, 'absorbingRegime: Stormy'),
    );
    writeFileSync(join(dir, 'xyz.csv'), 'date,close\n2020-10-28,98\n');
    const renamed = await runCli([
      'pipeline',
      join(dir, 'xyz.csv'),
      '--out',
      out,
      '--json',
      '--config',
      config,
    ]);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(JSON.parse(renamed.stdout).gold.symbols[0].symbol).toBe('XYZ');
    const relabelled = (await parquetRows(goldFile(out, 'XYZ'))).rows;
    const regimeAt = (await parquetRows(goldFile(out, 'XYZ'))).names.indexOf('regime');
    expect(new Set(relabelled.map((r) => r[regimeAt])).size).toBeLessThanOrEqual(3);
    expect(relabelled.every((r) => ['Calm', 'Choppy', 'Stormy'].includes(r[regimeAt] as string))).toBe(true);
  });

  test(`a gold file of ${MAX_APPENDED_ROW_GROUPS} row groups is written whole again, as one, instead of appended to`, async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const closes = Array.from({ length: 400 }, (_, i) => 10 + i + 3 * Math.sin(i / 5));
    const text = closesCsv(closes);
    writeFileSync(join(dir, 'xyz.csv'), text);
    expect(
      (await runCli(['pipeline', join(dir, 'xyz.csv'), '--out', out, '--run-date', '2026-11-26'])).code,
    ).toBe(0);
    // The same gold, as 64 daily appends would have left it: one row group, then one per day.
    const { gold } = await runDataPipeline([bronze('xyz.csv', text)], new Map(), {
      config: dataConfig(),
      runDay: RUN_DAY,
    });
    const series = gold.series[0]!;
    const labels = dataConfig().regimes.labels;
    const first = series.length - (MAX_APPENDED_ROW_GROUPS - 1);
    let bytes = goldParquet(firstGoldRows(series, first), labels);
    for (let n = first + 1; n <= series.length; n++)
      bytes = appendGoldParquet(bytes, firstGoldRows(series, n), labels, n - 1)!;
    expect(parquetRowGroups(bytes)).toBe(MAX_APPENDED_ROW_GROUPS);
    const published = (await parquetRows(goldFile(out, 'XYZ'))).rows;
    writeFileSync(goldFile(out, 'XYZ'), bytes);
    const rowsBefore = (await parquetRows(goldFile(out, 'XYZ'))).rows;
    // The same rows the run published (so only the row-group count can make the next run rebuild).
    expect(rowsBefore).toEqual(published);

    writeFileSync(join(dir, 'xyz.csv'), `date,close\n${isoOf(parseIsoDay('2020-01-01')! + 400)},420\n`);
    expect(
      (await runCli(['pipeline', join(dir, 'xyz.csv'), '--out', out, '--run-date', '2026-11-26'])).code,
    ).toBe(0);
    const after = readFileSync(goldFile(out, 'XYZ'));
    expect(parquetRowGroups(after)).toBe(1);
    const rowsAfter = (await parquetRows(goldFile(out, 'XYZ'))).rows;
    expect(rowsAfter.slice(0, -1)).toEqual(rowsBefore);
    const metas = readdirSync(join(out, 'gold', 'runs')).map((run) =>
      json(join(out, 'gold', 'runs', run, 'metadata.json')),
    );
    expect(metas.find((m) => m.sources[0].rowsIn === 1).gold.symbols[0].goldWrite).toBe('rebuilt');
  });

  test('property: the gold after any prefix of the sample is the prefix of the gold after all of it', async () => {
    const lines = readFileSync(SAMPLE, 'utf8').trimEnd().split('\n');
    const whole = tempDir();
    writeFileSync(join(whole, 'spx.csv'), `${lines.join('\n')}\n`);
    expect((await runCli(['pipeline', join(whole, 'spx.csv'), '--out', join(whole, 'out')])).code).toBe(0);
    const full = (await parquetRows(goldFile(join(whole, 'out'), 'SPX'))).rows;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100, max: lines.length - 2 }), async (cut) => {
        const dir = tempDir();
        const out = join(dir, 'out');
        writeFileSync(join(dir, 'spx.csv'), `${lines.slice(0, cut + 1).join('\n')}\n`);
        expect((await runCli(['pipeline', join(dir, 'spx.csv'), '--out', out])).code).toBe(0);
        const prefix = (await parquetRows(goldFile(out, 'SPX'))).rows;
        expect(full.slice(0, prefix.length)).toEqual(prefix);
        writeFileSync(join(dir, 'spx.csv'), `${[lines[0], ...lines.slice(cut + 1)].join('\n')}\n`);
        expect((await runCli(['pipeline', join(dir, 'spx.csv'), '--out', out])).code).toBe(0);
        expect((await parquetRows(goldFile(out, 'SPX'))).rows).toEqual(full);
      }),
      { numRuns: 3 },
    );
  }, 60_000);

  test('a series too short for point-in-time gold says how much more history it needs', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'young.csv'), closesCsv(Array.from({ length: 120 }, (_, i) => 10 + (i % 7))));
    const { code, stdout } = await runCli(['pipeline', join(dir, 'young.csv'), '--out', out]);
    expect(code).toBe(0);
    const message =
      'YOUNG has 120 silver rows; its first gold row needs 273: 21 warm-up rows (features.volatilityWindow) ' +
      'and 252 scored days (scoring.minHistory) — 153 more trading days of history';
    expect(stdout).toContain('Gold: no rows yet.');
    expect(stdout).toContain(`no gold yet: ${message}`);
    const meta = json(join(runDir(out), 'metadata.json'));
    expect(meta.gold.symbols[0]).toMatchObject({
      symbol: 'YOUNG',
      rows: 0,
      burnInRows: 99,
      shortHistory: message,
    });
    expect(symbolsIn(out, 'silver')).toEqual(['symbol=YOUNG']);
  });

  test('the terminal says what it did not read: a column under an unknown name, and dates repeated in a one-series file', async () => {
    const dir = tempDir();
    const rows = ['Date,Name,Close'];
    for (let i = 0; i < 40; i++) {
      const d = isoOf(parseIsoDay('2024-01-01')! + i);
      rows.push(`${d},AAPL,${150 + (i % 5)}`);
      if (i >= 30) rows.push(`${d},ARM,${60 + (i % 3)}`);
    }
    writeFileSync(join(dir, 'stack.csv'), `${rows.join('\n')}\n`);
    const { code, stdout } = await runCli(['pipeline', join(dir, 'stack.csv'), '--out', join(dir, 'out')]);
    expect(code).toBe(0);
    expect(stdout).toContain('dropped 10 duplicate');
    expect(stdout).toContain('! 10 row(s) repeat a date, and the file has no symbol column');
    expect(stdout).toContain('ignored columns (not read): name');
    // 10,000 extra columns: a line of 12 names and a count, not 90 KB of names.
    const wide = ['date,close', ...Array.from({ length: 10_000 }, (_, k) => `c${k}`)].join(',');
    const cells = (close: number) => [close, ...Array.from({ length: 10_000 }, () => '')].join(',');
    writeFileSync(join(dir, 'wide.csv'), `${wide}\n2024-01-02,${cells(1)}\n2024-01-03,${cells(2)}\n`);
    const many = await runCli(['pipeline', join(dir, 'wide.csv'), '--out', join(dir, 'out-wide')]);
    const line = many.stdout.split('\n').find((l) => l.includes('ignored columns'))!;
    expect(line).toContain('c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, … and 9988 more');
    expect(line.length).toBeLessThan(200);
  });

  test('gold below its gate publishes nothing: the staged silver and gold of the run are discarded', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    // A damaged history already in silver: every other day repeats the one before.
    const days = Array.from({ length: 600 }, (_, i) => i);
    const day = days.map((i) => Date.UTC(2019, 0, 1 + (i % 2 === 1 ? i - 1 : i)) / 86_400_000);
    const partition = silverFile(out, 'OLD');
    mkdirSync(join(partition, '..'), { recursive: true });
    const history = silverParquet(damagedHistory(day));
    writeFileSync(partition, history);
    // A file of the same symbol: its gold is the damaged history's, below the gate.
    writeFileSync(join(dir, 'old.csv'), closesCsv(Array.from({ length: 5 }, (_, i) => 10 + i)));
    const { code, stdout } = await runCli(['pipeline', join(dir, 'old.csv'), '--out', out]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/✗ Gold: gold quality .* is below the 98 % gate: no silver or gold was published/);
    expect(symbolsIn(out, 'silver')).toEqual(['symbol=OLD']);
    expect(readFileSync(partition).equals(history)).toBe(true);
    expect(symbolsIn(out, 'gold')).toEqual([]);
    expect(existsSync(join(out, 'silver', 'staging'))).toBe(false);
    expect(existsSync(join(out, 'gold', 'staging'))).toBe(false);
  });

  test('usage errors exit 1 with the usage text', async () => {
    const { code, stderr } = await runCli(['pipeline', '--out', tempDir()]);
    expect(code).toBe(1);
    expect(stderr).toContain('name at least one bronze CSV file');
    expect(stderr).toContain('Usage: finml pipeline');
    const dir = tempDir();
    const folder = await runCli(['pipeline', dir, '--out', join(dir, 'out')]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain(`${dir} is a folder: name the CSV files in it`);
    const missing = await runCli(['pipeline', join(dir, 'no.csv'), '--out', join(dir, 'out')]);
    expect(missing.stderr).toContain(`no such file: ${join(dir, 'no.csv')}`);
    // An --out that is a file: said before anything is written (it was an ENOTDIR stack trace).
    writeFileSync(join(dir, 'taken'), 'x');
    writeFileSync(join(dir, 'ok.csv'), 'date,close\n2020-01-02,1\n');
    const file = await runCli(['pipeline', join(dir, 'ok.csv'), '--out', join(dir, 'taken')]);
    expect(file.code).toBe(1);
    expect(file.stderr).toContain(`--out ${join(dir, 'taken')} is a file: name a folder`);
  });
});

test('an unknown option is a usage error, not a crash', async () => {
  const { code, stderr } = await runCli(['pipeline', 'x.csv', '--out', tempDir(), '--bogus']);
  expect(code).toBe(1);
  expect(stderr).toContain("Unknown option '--bogus'");
});

test('risk indicators are joined to the gold rows by date, forward-filled', async () => {
  const dir = tempDir();
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'risk_indicators'));
  writeFileSync(join(dir, 'risk_indicators', 'vix.csv'), 'date,vix\n2000-01-03,24.2\n2020-03-16,82.7\n');
  const out = join(dir, 'out');
  const { code, stdout } = await runCli([
    'pipeline',
    SAMPLE,
    join(dir, 'risk_indicators', 'vix.csv'),
    '--out',
    out,
  ]);
  expect(code).toBe(0);
  expect(stdout).toContain('risk indicators, 2 rows in → 2 dated rows');
  const gold = await parquetRows(goldFile(out, 'SP500-2000'));
  expect(gold.names.slice(-3)).toEqual(['markov_state', 'regime_age', 'vix']);
  const vixOn = (date: string) => gold.rows.find((r) => r[0] === date)!.at(-1);
  expect(vixOn('2020-03-13')).toBe(24.2);
  expect(vixOn('2020-03-17')).toBe(82.7);
  const table = await parquetRows(join(out, 'silver', keys.indicators));
  expect(table).toEqual({
    names: ['date', 'vix'],
    rows: [
      ['2000-01-03', 24.2],
      ['2020-03-16', 82.7],
    ],
  });
});

/**
 * A silver partition of OLD whose every other day repeats the one before (each day a close of
 * 100 + i, nothing else): what no FINML run would write, the way a damaged history looks.
 */
function damagedHistory(day: number[]): SilverSeries {
  const n = day.length;
  const nan = () => new Float64Array(n).fill(Number.NaN);
  return {
    symbol: 'OLD',
    length: n,
    day: Int32Array.from(day),
    open: nan(),
    high: nan(),
    low: nan(),
    close: Float64Array.from(day, (_, i) => 100 + i),
    adjclose: nan(),
    volume: nan(),
    line: new Int32Array(n),
    filled: new Uint8Array(n),
    flags: new Uint8Array(n),
  };
}
