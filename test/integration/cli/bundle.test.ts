/**
 * The installed `finml` (bin/finml.mjs) runs the CLI bundle that `npm ci` builds (scripts/build-cli.ts)
 * without loading tsx or any .ts file, reads the config beside its checkout, and falls back to the
 * TypeScript sources through tsx, saying so, once a source is newer than the bundle. Each test works
 * on a copy of the sources in a temporary folder (node_modules linked), so it neither depends on nor
 * touches the checkout's own dist/.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cliBundle } from '../../../bin/cli-bundle.mjs';
import { buildCli, REPO_ROOT } from '../../../scripts/build-cli.ts';
import { runCli } from '../../helpers/cli.ts';

const FORBID_TSX = join(REPO_ROOT, 'test/helpers/forbid-tsx.mjs');
const SAMPLE = join(REPO_ROOT, 'data/samples/sp500-2000.csv');

/** A checkout with the CLI's sources, the config, package.json and tsconfig.json; node_modules linked. */
function copyCheckout(): string {
  const root = mkdtempSync(join(tmpdir(), 'finml-clibundle-'));
  for (const dir of ['bin', 'shared', 'config', 'composition']) {
    cpSync(join(REPO_ROOT, dir), join(root, dir), { recursive: true });
  }
  for (const file of ['package.json', 'tsconfig.json']) cpSync(join(REPO_ROOT, file), join(root, file));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

/** Runs `node [--import forbid-tsx] root/bin/finml.mjs …args` with no NODE_OPTIONS from this process. */
async function finml(root: string, args: string[], { forbidTsx }: { forbidTsx: boolean }) {
  const { NODE_OPTIONS: _, ...env } = process.env;
  const nodeArgs = forbidTsx ? ['--import', pathToFileURL(FORBID_TSX).href] : [];
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [...nodeArgs, join(root, 'bin/finml.mjs'), ...args],
      { cwd: root, env, maxBuffer: 16 << 20 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the built CLI', () => {
  let root: string;
  beforeAll(async () => {
    root = copyCheckout();
    // A version of its own, to tell this checkout's package.json from the repository's.
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(join(root, 'package.json'), JSON.stringify({ ...pkg, version: '9.8.7-bundle-test' }));
    await buildCli(root);
  }, 60_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('runs without tsx or any .ts file and prints the same help as the sources', async () => {
    const run = await finml(root, ['help'], { forbidTsx: true });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe((await runCli(['help'])).stdout);
  });

  test('reads config/*.yaml and package.json of its own checkout', async () => {
    const data = join(root, 'config/data.yaml');
    writeFileSync(data, readFileSync(data, 'utf8').replace('bronze: 85', 'bronze: 81'));
    const out = join(root, 'out');
    const pipeline = await finml(
      root,
      ['pipeline', SAMPLE, '--out', out, '--run-date', '2021-01-01', '--json'],
      {
        forbidTsx: true,
      },
    );
    expect(pipeline.stderr).toBe('');
    expect(pipeline.code).toBe(0);
    const summary = JSON.parse(pipeline.stdout) as { files: { quality: { bronze: { gate: number } } }[] };
    expect(summary.files[0]!.quality.bronze.gate).toBe(81);
    // The code version comes from package.json (no git commit: the copy is not a repository).
    const train = await finml(root, ['train', join(out, 'gold'), '--out', join(root, 'model')], {
      forbidTsx: true,
    });
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    const model = JSON.parse(readFileSync(join(root, 'model/model.json'), 'utf8')) as {
      lineage: { codeVersion: string };
    };
    expect(model.lineage.codeVersion).toBe('9.8.7-bundle-test');
  }, 120_000);

  test('a source edited after the build: the notice on stderr, the sources through tsx, the same answer', async () => {
    const edited = join(root, 'shared/hash.ts');
    const later = new Date(Date.now() + 5_000);
    utimesSync(edited, later, later);
    expect(cliBundle(pathToFileURL(`${root}/`))).toEqual({
      fresh: false,
      reason: 'shared/hash.ts changed since the CLI bundle was built',
    });
    const run = await finml(root, ['help'], { forbidTsx: false });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'finml: shared/hash.ts changed since the CLI bundle was built: running the TypeScript sources through tsx (npm run build to rebuild)\n',
    );
    expect(run.stdout).toBe((await runCli(['help'])).stdout);
    // It did need tsx: with tsx forbidden it fails.
    expect((await finml(root, ['help'], { forbidTsx: true })).code).not.toBe(0);
    await buildCli(root);
    expect(cliBundle(pathToFileURL(`${root}/`)).fresh).toBe(true);
  }, 60_000);
});
