import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  test('on the gold history: March 2020 is within the calibrated thresholds (2008 went further) → WARN', async () => {
    const r = await runCli([
      'drift',
      '--model',
      join(out, 'model/model.json'),
      '--current',
      join(out, 'gold'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('window 2020-01-17 … 2020-04-17; reference: training rows (4770 rows)');
    expect(r.stdout).toContain('thresholds: calibrated on 76 reference chunks of 63 rows');
    expect(r.stdout).toMatch(/realized_vol_21d\s+0\.468\s+0\.914/);
    expect(r.stdout).not.toContain('← drift');
    expect(r.stdout).toContain('Verdict: WARN');
    expect(r.stdout).toContain('16 extreme daily return(s) in the window');
  });

  test('a shifted bronze file (moves × 4) is scored on the model’s scale and drifts', async () => {
    const file = shiftedBronze(150, 4);
    const r = await runCli(['drift', '--model', join(out, 'model/model.json'), '--current', file, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const s = report.symbols[0];
    expect(s.reference.source).toBe('model reference sample');
    // Returns four times as large: log_return and the chain drift past their calibrated thresholds;
    // one check is not yet persistChecks checks, so the drift is pending (WARN), not RETRAIN.
    expect(s.features.find((f: { feature: string }) => f.feature === 'log_return').drift).toBe(true);
    expect(s.transitions.drift).toBe(true);
    expect(report.breached).toBe(true);
    expect(report.verdict).toBe('warn');
    expect(report.retraining.pending.map((x: { rule: string }) => x.rule)).toEqual([
      'data-drift-ks',
      'data-drift-psi',
      'chain-drift',
    ]);
  });

  test('missing arguments are usage errors', async () => {
    const r = await runCli(['drift', '--model', join(out, 'model/model.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--current FILE is required');
    // A folder without gold, or a path that is not there: a usage error, not a crash (was EISDIR).
    const empty = mkdtempSync(join(tmpdir(), 'finml-drift-empty-'));
    const folder = await runCli(['drift', '--model', join(out, 'model/model.json'), '--current', empty]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain(`no gold at ${empty}: name a gold folder`);
    const missing = await runCli([
      'drift',
      '--model',
      join(out, 'model/model.json'),
      '--current',
      join(empty, 'x.csv'),
    ]);
    expect(missing.stderr).toContain(`no such file: ${join(empty, 'x.csv')}`);
  });
});
