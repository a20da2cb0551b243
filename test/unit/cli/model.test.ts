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

describe('finml train / report / predict on the sample', () => {
  test('train writes model.json and a readable report with the chain, intervals and baselines', () => {
    const report = readFileSync(join(out, 'model/report.txt'), 'utf8');
    expect(report).toMatch(/^FINML regime model \d{8}T\d{6}-[0-9a-f]{8}/);
    expect(report).toContain('Transition matrix P (α = 1), with 95 % credible intervals:');
    expect(report).toMatch(/Low\s+0\.975 \[0\.968, 0\.981\]/);
    expect(report).toMatch(/Markov\s+0\.960/);
    expect(report).toMatch(/persistence\s+0\.960\s+0\.955\s+0\.967\s+0\.549/);
    expect(report).toContain('Reaching High (High treated as absorbing):');
    // The horizon backtest, and plainly where the chain loses (the direct table beats it from h = 5).
    expect(report).toContain('Horizon backtest (date-level TimeSeriesSplit, 5 folds, gap 21 dates');
    expect(report).toMatch(/h = 21 \(4004 origins, 3394 not High\):/);
    expect(report).toMatch(/served: direct — beats markov by 0\.059 \(6\.6 %\)/);
    expect(report).toContain('Where the chain loses:');
    expect(report).toContain("- h = 21: direct 0.833 vs the chain's 0.893 log loss");
    const model = JSON.parse(readFileSync(join(out, 'model/model.json'), 'utf8'));
    expect(model).toMatchObject({
      kind: 'finml-regime-model',
      schemaVersion: 2,
      labels: ['Low', 'Medium', 'High'],
    });
  });

  test('report --json prints the documented fields', async () => {
    const { code, stdout } = await runCli(['report', join(out, 'model/model.json'), '--json']);
    expect(code).toBe(0);
    // --model names it as finml predict's does; the same report.
    const byOption = await runCli(['report', '--model', join(out, 'model/model.json'), '--json']);
    expect(byOption.stdout).toBe(stdout);
    const r = JSON.parse(stdout);
    expect(Object.keys(r).sort()).toEqual([
      'chain',
      'createdAt',
      'data',
      'evaluation',
      'hmm',
      'hmmDensity',
      'horizons',
      'labels',
      'latest',
      'risk',
      'semiMarkov',
      'version',
    ]);
    expect(r.chain.absorbing.reachWithin.map((x: { horizon: number }) => x.horizon)).toEqual([1, 5, 21, 63]);
  });

  test('predict from a given regime and horizon', async () => {
    const { code, stdout } = await runCli([
      'predict',
      '--model',
      join(out, 'model/model.json'),
      '--regime',
      'Low',
      '--horizon',
      '5',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('5 day(s) ahead from Low (given)');
    // h = 5 is backtested, and the direct 5-step table won it: it answers, without the chain's interval.
    expect(stdout).toContain('forecast by direct, the best out-of-fold log loss at h = 5 (0.440; the chain');
    expect(stdout).toMatch(/Low\s+91\.1 %/);
    expect(stdout).toMatch(/P\(reach High within 5 day\(s\)\): 0\.1 %\n/);
    const chain = await runCli([
      'predict',
      '--model',
      join(out, 'model/model.json'),
      '--regime',
      'Low',
      '--horizon',
      '4',
    ]);
    expect(chain.stdout).toContain('forecast by the Markov chain (h = 4 is not a backtested horizon)');
    expect(chain.stdout).toMatch(/P\(reach High within 4 day\(s\)\): 0\.5 % {2}\(95 % interval/);
    // Any value the option cannot take is a usage error, exit 1: 0 as much as "abc" or 2.5.
    for (const [option, value] of [
      ['--horizon', 'abc'],
      ['--horizon', '2.5'],
      ['--horizon', '0'],
      ['--age', '0'],
    ]) {
      const bad = await runCli([
        'predict',
        '--model',
        join(out, 'model/model.json'),
        '--regime',
        'Low',
        option!,
        value!,
      ]);
      expect(bad.code, `${option} ${value}`).toBe(1);
      expect(bad.stderr).toContain(`${option} must be a whole number of days ≥ 1, got "${value}"`);
    }
  });

  test('predict without --regime starts from the latest gold regime; --json for scripts', async () => {
    const { code, stdout } = await runCli([
      'predict',
      '--model',
      join(out, 'model/model.json'),
      '--horizon',
      '21',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).from).toMatchObject({
      source: 'latest gold',
      regime: 'High',
      date: '2020-04-17',
    });
  });

  test('bad requests exit 2 with one clear line, no stack trace', async () => {
    const r = await runCli(['predict', '--model', join(out, 'model/model.json'), '--symbol', 'XYZ']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^finml predict: unknown symbol "XYZ"/);
    expect(r.stderr).not.toContain('    at ');
    const missing = await runCli(['report', join(out, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no model file at');
  });

  test('predict refuses a schema version report refuses (it answered from a version-99 model, and one without a version)', async () => {
    const model = JSON.parse(readFileSync(join(out, 'model/model.json'), 'utf8')) as Record<string, unknown>;
    for (const [name, version] of [
      ['v99.json', 99],
      ['unversioned.json', undefined],
    ] as const) {
      const path = join(out, name);
      writeFileSync(path, JSON.stringify({ ...model, schemaVersion: version }));
      for (const args of [
        ['predict', '--model', path, '--regime', 'Low', '--horizon', '5'],
        ['report', path],
      ]) {
        const r = await runCli(args);
        expect(r.code, args[0]).toBe(2);
        expect(r.stderr, args[0]).toContain(
          `${path}: artifact schema version ${JSON.stringify(version)} is not supported`,
        );
      }
    }
  });

  test('train says when the gold is not daily: the report counts rows where it says days', async () => {
    const dir = tempDir();
    const rows = ['date,close'];
    const start = Date.parse('2010-01-04T00:00:00Z');
    for (let i = 0; i < 320; i++)
      rows.push(
        `${new Date(start + i * 7 * 86_400_000).toISOString().slice(0, 10)},${100 + 10 * Math.sin(i / 6) + i / 10}`,
      );
    writeFileSync(join(dir, 'weekly.csv'), `${rows.join('\n')}\n`);
    expect((await runCli(['pipeline', join(dir, 'weekly.csv'), '--out', join(dir, 'out')])).code).toBe(0);
    const trained = await runCli(['train', join(dir, 'out', 'gold'), '--out', join(dir, 'model')]);
    expect(trained.code).toBe(0);
    expect(trained.stderr).toContain('! WEEKLY: its rows are weekly (a median of 7 days between them)');
    expect(trained.stderr).toContain('the report\'s horizons and "days" are rows of this series');
    // The sample (daily) gets no such line.
    const daily = await runCli(['train', join(out, 'gold'), '--out', join(dir, 'daily')]);
    expect(daily.stderr).not.toContain('its rows are');
  });
});
