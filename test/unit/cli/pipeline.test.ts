import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SILVER_COLUMNS } from '#shared/data/tables';
import { partitionName, symbolOfPartition } from '../../../bin/files.ts';
import { runCli, tempDir } from '../../helpers/cli.ts';
import { closesCsv } from '../../helpers/data.ts';

const SAMPLE = 'data/samples/sp500-2000.csv';
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('finml pipeline', () => {
  test('runs the sample end to end and writes silver, gold, metadata and quality reports', async () => {
    const out = tempDir();
    const { code, stdout } = await runCli(['pipeline', SAMPLE, '--out', out, '--run-date', '2026-11-26']);
    expect(code).toBe(0);
    expect(stdout).toContain('Gold: 5084 rows for 1 symbol(s), 21 warm-up rows left out');
    expect(stdout).toMatch(/regimes: Low 1457 · Medium 2077 · High 1550/);
    const features = readFileSync(join(out, 'gold/features_final.csv'), 'utf8').trimEnd().split('\n');
    expect(features[0]).toBe(
      'date,symbol,price,log_return,realized_vol_21d,drawdown,score_realized_vol_21d,score_drawdown,risk_score,regime,markov_state',
    );
    expect(features).toHaveLength(5085);
    const meta = json(join(out, 'gold/metadata.json'));
    expect(meta.sources[0]).toMatchObject({ file: SAMPLE, status: 'accepted', rowsIn: 5105, rowsOut: 5105 });
    expect(meta.sources[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.config.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.gold).toMatchObject({ rows: 5084, warmupRows: 21 });
    expect(meta.reference.symbols['SP500-2000']).toEqual({
      source: 'own history',
      sizes: { realized_vol_21d: 5084, drawdown: 5084 },
    });
    for (const layer of ['bronze', 'silver', 'gold']) {
      expect(json(join(out, `reports/quality-${layer}.json`)).combined).toMatchObject({
        layer,
        passed: true,
      });
    }
    expect(existsSync(join(out, 'silver/SP500-2000.csv'))).toBe(true);
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
      'written',
    ]);
    expect(summary.gold.symbols[0]).toMatchObject({
      symbol: 'SP500-2000',
      rows: 5084,
      first: '2000-02-02',
      last: '2020-04-17',
    });
  });

  test('handles several files and several symbols per file, one silver partition per symbol', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const rows = ['symbol,date,close'];
    for (let i = 0; i < 40; i++) {
      const d = `2021-02-${String((i % 28) + 1).padStart(2, '0')}`.replace(/-02-/, i < 28 ? '-02-' : '-03-');
      rows.push(`AAA,${d},${100 + i}`, `=BBB,${d},${50 + Math.sin(i)}`);
    }
    writeFileSync(join(dir, 'multi.csv'), `${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'ccc.csv'), closesCsv(Array.from({ length: 30 }, (_, i) => 10 + i)));
    const { code } = await runCli(['pipeline', join(dir, 'multi.csv'), join(dir, 'ccc.csv'), '--out', out]);
    expect(code).toBe(0);
    expect(readdirSync(join(out, 'silver')).sort()).toEqual(['%3DBBB.csv', 'AAA.csv', 'CCC.csv']);
    const gold = readFileSync(join(out, 'gold/features_final.csv'), 'utf8');
    // The formula-like symbol is neutralised in every CSV written.
    expect(gold).toContain(",'=BBB,");
    expect(gold).not.toMatch(/,=BBB/);
    const meta = json(join(out, 'gold/metadata.json'));
    expect(meta.gold.symbols.map((s: { symbol: string }) => s.symbol)).toEqual(['=BBB', 'AAA', 'CCC']);
  });

  test('a rejected file exits 2 with file, line and reason, and goes to quarantine with its report; the input is untouched', async () => {
    const dir = tempDir();
    const bad = join(dir, 'semicolons.csv');
    const content = 'date;close\n2020-01-01;1\n';
    writeFileSync(bad, content);
    const out = join(dir, 'out');
    const { code, stdout } = await runCli(['pipeline', bad, '--out', out]);
    expect(code).toBe(2);
    expect(stdout).toContain(`✗ ${bad}, line 1: missing required column "date"`);
    const files = readdirSync(join(out, 'quarantine'));
    const report = files.find((f) => f.endsWith('.report.json'))!;
    expect(json(join(out, 'quarantine', report))).toMatchObject({
      code: 'missing_column',
      line: 1,
      file: bad,
    });
    expect(readFileSync(join(out, 'quarantine', files.find((f) => !f.endsWith('.json'))!), 'utf8')).toBe(
      content,
    );
    expect(readFileSync(bad, 'utf8')).toBe(content);
    expect(existsSync(join(out, 'silver'))).toBe(false);
  });

  test('a later run merges into the silver history: a one-day file extends it', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'xyz.csv'), closesCsv(Array.from({ length: 30 }, (_, i) => 10 + i)));
    expect((await runCli(['pipeline', join(dir, 'xyz.csv'), '--out', out])).code).toBe(0);
    writeFileSync(join(dir, 'xyz.csv'), 'date,close\n2020-01-31,99\n');
    const { code } = await runCli(['pipeline', join(dir, 'xyz.csv'), '--out', out, '--json']);
    expect(code).toBe(0);
    const silver = readFileSync(join(out, 'silver/XYZ.csv'), 'utf8').trimEnd().split('\n');
    expect(silver).toHaveLength(32);
    expect(silver.at(-1)).toMatch(/^2020-01-31,XYZ,,,,99,/);
    expect(json(join(out, 'gold/metadata.json')).gold.rows).toBe(31 - 21);
  });

  test('gold below its gate writes nothing: the staged silver and gold of the run are discarded', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    // A damaged history already in silver: every other day repeats the one before.
    const days = Array.from({ length: 200 }, (_, i) => i);
    const rows = days.map((i) => {
      const day = new Date(Date.UTC(2019, 0, 1 + (i % 2 === 1 ? i - 1 : i))).toISOString().slice(0, 10);
      return `${day},OLD,,,,${100 + i},,,0,`;
    });
    mkdirSync(join(out, 'silver'), { recursive: true });
    const partition = join(out, 'silver', 'OLD.csv');
    writeFileSync(partition, `${SILVER_COLUMNS.join(',')}\n${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'new.csv'), closesCsv(Array.from({ length: 40 }, (_, i) => 10 + i)));
    const { code, stderr } = await runCli(['pipeline', join(dir, 'new.csv'), '--out', out]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/gold quality .* is below the 98 % gate/);
    expect(readdirSync(join(out, 'silver'))).toEqual(['OLD.csv']);
    expect(existsSync(join(out, 'gold')) ? readdirSync(join(out, 'gold')) : []).toEqual([]);
  });

  test('partition names round-trip every symbol, and stay file-system safe', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), (symbol) => {
        const name = partitionName(symbol);
        expect(name).toMatch(/^[A-Za-z0-9%_*'()!~-]+\.csv$/);
        expect(symbolOfPartition(name)).toBe(symbol);
      }),
    );
    expect(partitionName('BRK.B')).toBe('BRK%2EB.csv');
  });

  test('usage errors exit 1 with the usage text', async () => {
    const { code, stderr } = await runCli(['pipeline', '--out', tempDir()]);
    expect(code).toBe(1);
    expect(stderr).toContain('name at least one bronze CSV file');
    expect(stderr).toContain('Usage: finml pipeline');
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
  const gold = readFileSync(join(out, 'gold/features_final.csv'), 'utf8');
  expect(gold.split('\n')[0]).toMatch(/,markov_state,vix$/);
  expect(gold).toMatch(/\n2020-03-13,[^\n]*,24\.2\n/);
  expect(gold).toMatch(/\n2020-03-17,[^\n]*,82\.7\n/);
  expect(existsSync(join(out, 'silver/indicators/risk_indicators.csv'))).toBe(true);
});
