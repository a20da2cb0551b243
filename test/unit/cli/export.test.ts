/**
 * `finml export`: a pipeline folder's Parquet layer as one CSV for spreadsheets — every row, the
 * chosen symbols and dates, formula-like text neutralised, numbers (negative ones too) as numbers
 * that read back to the Parquet values bit for bit.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { readGoldInput, readGoldParquet } from '#shared/data/parquet-tables';
import { parseIsoDay } from '#shared/data/values';
import { keys } from '#shared/usecases/lake';
import { runCli, tempDir } from '../../helpers/cli.ts';
import { isoOf } from '../../helpers/data.ts';

let dir: string;
let lake: string;

beforeAll(async () => {
  dir = tempDir();
  lake = join(dir, 'out');
  const rows = ['symbol,date,close'];
  for (let i = 0; i < 320; i++) {
    const d = isoOf(parseIsoDay('2021-02-01')! + i);
    rows.push(`AAA,${d},${100 + i + 30 * Math.sin(i / 9)}`, `=BBB,${d},${50 + Math.sin(i)}`);
  }
  writeFileSync(join(dir, 'multi.csv'), `${rows.join('\n')}\n`);
  expect((await runCli(['pipeline', join(dir, 'multi.csv'), '--out', lake])).code).toBe(0);
}, 60_000);

const exportCsv = async (args: string[]) => {
  const { code, stdout, stderr } = await runCli(['export', ...args, '--lake', lake, '--out', '-']);
  return { code, stderr, lines: stdout.trimEnd().split('\n') };
};

describe('finml export', () => {
  test('gold: every row of every symbol, formula-like symbols neutralised, negative numbers kept as numbers', async () => {
    const { code, lines } = await exportCsv(['gold']);
    expect(code).toBe(0);
    const header = lines[0]!.split(',');
    expect(header.slice(0, 4)).toEqual(['date', 'symbol', 'price', 'log_return']);
    const [aaa] = await readGoldParquet(readFileSync(join(lake, 'gold', keys.gold('AAA'))), 'AAA');
    const [bbb] = await readGoldParquet(readFileSync(join(lake, 'gold', keys.gold('=BBB'))), 'BBB');
    expect(lines).toHaveLength(1 + aaa!.length + bbb!.length);
    // Symbol order: "=BBB" sorts before "AAA"; its cells carry the leading quote.
    expect(lines[1]!.split(',')[1]).toBe("'=BBB");
    expect(lines.at(-1)!.split(',')[1]).toBe('AAA');
    const returns = lines.slice(1).map((l) => l.split(',')[3]!);
    expect(returns.some((r) => r.startsWith('-'))).toBe(true);
    expect(returns.every((r) => !r.startsWith("'"))).toBe(true);
  });

  test('the CSV reads back to the Parquet values, bit for bit', async () => {
    const { lines } = await exportCsv(['gold']);
    const csv = join(dir, 'gold.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const tables = await readGoldInput(
      (async function* () {
        yield readFileSync(csv);
      })(),
      csv,
    );
    expect(tables.map((t) => t.symbol)).toEqual(['=BBB', 'AAA']);
    const [aaa] = await readGoldParquet(readFileSync(join(lake, 'gold', keys.gold('AAA'))), 'AAA');
    const read = tables[1]!;
    for (const c of ['price', 'log_return', 'realized_vol_21d', 'drawdown', 'risk_score'] as const) {
      expect(Buffer.from(read[c].buffer, read[c].byteOffset, read[c].byteLength)).toEqual(
        Buffer.from(aaa![c].buffer, aaa![c].byteOffset, aaa![c].byteLength),
      );
    }
    expect(Array.from(read.day)).toEqual(Array.from(aaa!.day));
  });

  test('--symbol, --from and --to choose the rows; silver too, to a file', async () => {
    const { lines } = await exportCsv([
      'gold',
      '--symbol',
      'AAA',
      '--from',
      '2021-12-01',
      '--to',
      '2021-12-03',
    ]);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      '2021-12-01,AAA',
      '2021-12-02,AAA',
      '2021-12-03,AAA',
    ]);
    const out = join(dir, 'silver.csv');
    const { code } = await runCli([
      'export',
      'silver',
      '--lake',
      lake,
      '--symbol',
      '=BBB',
      '--to',
      '2021-02-02',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(
      'date,symbol,open,high,low,close,adjclose,volume,close_filled,flags\n' +
        `2021-02-01,'=BBB,,,,50,,,0,\n` +
        `2021-02-02,'=BBB,,,,${50 + Math.sin(1)},,,0,\n`,
    );
  });

  test('a lake with a risk indicator and a symbol too short for gold exports whole (its header: every column)', async () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(join(dir, 'risk_indicators'), { recursive: true });
    const vix = [
      'date,vix',
      ...Array.from({ length: 320 }, (_, i) => `${isoOf(parseIsoDay('2021-02-01')! + i)},${20 + (i % 7)}`),
    ];
    writeFileSync(join(dir, 'risk_indicators', 'vix.csv'), `${vix.join('\n')}\n`);
    writeFileSync(join(dir, 'SHORT.csv'), 'date,close\n2021-02-01,10\n2021-02-02,11\n');
    const files = [join(dir, 'multi.csv'), join(dir, 'SHORT.csv'), join(dir, 'risk_indicators', 'vix.csv')];
    expect((await runCli(['pipeline', ...files, '--out', mixed])).code).toBe(0);
    const { code, stdout, stderr } = await runCli(['export', 'gold', '--lake', mixed, '--out', '-']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]!.split(',').at(-1)).toBe('vix');
    expect(new Set(lines.slice(1).map((l) => l.split(',')[1]))).toEqual(new Set(["'=BBB", 'AAA']));
  });

  test('a reader that stops early (| head) ends the export quietly, exit 0', async () => {
    const child = spawn(process.execPath, ['bin/finml.mjs', 'export', 'gold', '--lake', lake, '--out', '-']);
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });

  test('usage errors exit 1; a partition that is not Parquet exits 2 naming the file', async () => {
    for (const args of [
      ['platinum'],
      ['gold', '--format', 'xlsx'],
      ['gold', '--symbol', 'NOPE'],
      ['gold', '--from', '2021-13-01'],
      ['gold', '--from', '2021-06-01', '--to', '2021-01-01'],
    ]) {
      const { code, stderr } = await exportCsv(args);
      expect(code, args.join(' ')).toBe(1);
      expect(stderr).toContain('Usage: finml export');
    }
    const broken = join(dir, 'broken');
    mkdirSync(join(broken, 'gold', 'features', 'symbol=X'), { recursive: true });
    writeFileSync(join(broken, 'gold', 'features', 'symbol=X', 'part-0000.parquet'), 'date,close\n');
    const { code, stderr } = await runCli(['export', 'gold', '--lake', broken, '--out', '-']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/symbol=X\/part-0000\.parquet: not a Parquet file/);
  });

  test("symbols =X and '=X export as two symbols and read back as themselves (the mark is marked too)", async () => {
    const rows = ['symbol,date,close'];
    for (let i = 0; i < 300; i++) {
      const d = isoOf(parseIsoDay('2021-02-01')! + i);
      rows.push(`=X,${d},${100 + Math.sin(i / 5)}`, `'=X,${d},${60 + Math.cos(i / 7)}`);
    }
    const quoted = join(dir, 'quoted');
    writeFileSync(join(dir, 'quoted.csv'), `${rows.join('\n')}\n`);
    expect((await runCli(['pipeline', join(dir, 'quoted.csv'), '--out', quoted])).code).toBe(0);
    const csv = join(dir, 'quoted-gold.csv');
    expect((await runCli(['export', 'gold', '--lake', quoted, '--out', csv])).code).toBe(0);
    const symbols = new Set(
      readFileSync(csv, 'utf8')
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[1]),
    );
    expect([...symbols].sort()).toEqual(["''=X", "'=X"]);
    const tables = await readGoldInput(
      (async function* () {
        yield readFileSync(csv);
      })(),
      csv,
    );
    expect(tables.map((t) => t.symbol).sort()).toEqual(["'=X", '=X']);
  });

  test('an --out that is a folder is a one-line error naming it, not a stack trace', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    const { code, stderr } = await runCli(['export', 'gold', '--lake', lake, '--out', folder]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `finml export: ${folder}: is a folder, where a file is needed (EISDIR, rename)`,
    );
  });
});
