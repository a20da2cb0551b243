/**
 * `finml pipeline` as separate processes on one output folder: the same use cases as the deployed
 * pipeline, serialised per symbol by file leases, so concurrent runs of one symbol lose no row —
 * the silver and gold equal one run of a file holding their union.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { keys } from '#shared/usecases/lake';
import { parquetRows } from '../../helpers/parquet.ts';

const run = promisify(execFile);
const LINES = readFileSync('data/samples/sp500-2000.csv', 'utf8').trimEnd().split('\n');
const HEADER = `symbol,${LINES[0]}`;
const ROWS = LINES.slice(-1200);

const file = (rows: readonly string[]) => `${[HEADER, ...rows.map((r) => `PAR,${r}`)].join('\n')}\n`;
const pipeline = (input: string, out: string) =>
  run(process.execPath, [
    'bin/finml.mjs',
    'pipeline',
    input,
    '--out',
    out,
    '--run-date',
    '2021-01-01',
    '--json',
  ]);

test('four concurrent finml pipeline processes of one symbol give the silver and gold of their union', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finml-par-'));
  const chunks = Array.from({ length: 4 }, (_, i) => ROWS.slice(i * 300, (i + 1) * 300));
  const inputs = chunks.map((rows, i) => {
    const path = join(dir, `chunk-${i}.csv`);
    writeFileSync(path, file(rows));
    return path;
  });
  const union = join(dir, 'union.csv');
  writeFileSync(union, file(ROWS));

  const results = await Promise.all(inputs.map((p) => pipeline(p, join(dir, 'out'))));
  for (const r of results) expect(JSON.parse(r.stdout).accepted).toBe(1);
  await pipeline(union, join(dir, 'union-out'));

  const read = async (out: string, layer: 'silver' | 'gold') =>
    (await parquetRows(join(dir, out, layer, layer === 'silver' ? keys.silver('PAR') : keys.gold('PAR'))))
      .rows;
  expect(await read('out', 'silver')).toHaveLength(1200);
  expect(await read('out', 'silver')).toEqual(await read('union-out', 'silver'));
  expect(await read('out', 'gold')).toEqual(await read('union-out', 'gold'));
}, 120_000);
