import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../../helpers/cli.ts';

let out: string;
beforeAll(async () => {
  out = tempDir();
  expect((await runCli(['pipeline', 'data/samples/sp500-2000.csv', '--out', out, '--json'])).code).toBe(0);
  expect((await runCli(['train', join(out, 'gold'), '--out', join(out, 'model'), '--json'])).code).toBe(0);
}, 120_000);

/** The sample's last `days` rows as a new bronze file, with daily moves amplified `factor` times. */
function shiftedBronze(days: number, factor: number): string {
  const lines = readFileSync('data/samples/sp500-2000.csv', 'utf8').trim().split('\n');
  const rows = lines.slice(-days).map((l) => l.split(','));
  let price = Number(rows[0]![5]);
  const out = ['date,close'];
  rows.forEach((r, i) => {
    if (i > 0) price *= Math.exp(factor * Math.log(Number(r[5]) / Number(rows[i - 1]![5])));
    out.push(`${r[0]},${price.toFixed(4)}`);
  });
  const file = join(out.length > 0 ? tempDir() : '', 'sp500-2000.csv');
  writeFileSync(file, `${out.join('\n')}\n`);
  return file;
}

describe('finml drift', () => {
  test('on the gold history: March 2020 against the training rows → RETRAIN with its reasons', async () => {
    const r = await runCli([
      'drift',
      '--model',
      join(out, 'model/model.json'),
      '--current',
      join(out, 'gold'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('window 2020-01-17 … 2020-04-17; reference: training rows (4770 rows)');
    expect(r.stdout).toMatch(/realized_vol_21d\s+0\.468/);
    expect(r.stdout).toContain('Verdict: RETRAIN');
  });

  test('a shifted bronze file (moves × 4) is scored on the model’s scale and drifts', async () => {
    const file = shiftedBronze(150, 4);
    const r = await runCli(['drift', '--model', join(out, 'model/model.json'), '--current', file, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const s = report.symbols[0];
    expect(s.reference.source).toBe('model reference sample');
    expect(s.features.find((f: { feature: string }) => f.feature === 'realized_vol_21d').drift).toBe(true);
    expect(report.verdict).not.toBe('ok');
  });

  test('missing arguments are usage errors', async () => {
    const r = await runCli(['drift', '--model', join(out, 'model/model.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--current FILE is required');
  });
});
