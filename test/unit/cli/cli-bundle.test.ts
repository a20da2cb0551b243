/** bin/cli-bundle.mjs: when bin/finml.mjs may run the built bundle, and why not otherwise. */
import { mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { cliBundle } from '../../../bin/cli-bundle.mjs';
import { tempDir } from '../../helpers/cli.ts';

let root: string;
const url = () => pathToFileURL(`${root}/`);

/** A tree with two sources and a bundle whose manifest records them as they are now. */
beforeEach(() => {
  root = tempDir('finml-clibundle-unit-');
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist/cli'), { recursive: true });
  writeFileSync(join(root, 'bin/cli.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'package.json'), '{}\n');
  writeFileSync(join(root, 'dist/cli/finml.mjs'), 'export {};\n');
  const inputs = Object.fromEntries(
    ['bin/cli.ts', 'package.json'].map((f) => {
      const s = statSync(join(root, f));
      return [f, { size: s.size, mtimeMs: s.mtimeMs }];
    }),
  );
  writeFileSync(join(root, 'dist/cli/manifest.json'), JSON.stringify({ version: 1, inputs }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('fresh when every source is as recorded: the entry URL', () => {
  expect(cliBundle(url())).toEqual({
    fresh: true,
    url: pathToFileURL(join(root, 'dist/cli/finml.mjs')).href,
  });
});

test('no bundle (an install with --ignore-scripts, or before the first build)', () => {
  rmSync(join(root, 'dist'), { recursive: true });
  expect(cliBundle(url())).toEqual({ fresh: false, reason: 'no CLI bundle (dist/cli/)' });
});

test('a source touched, rewritten with another size, or removed', () => {
  const file = join(root, 'bin/cli.ts');
  const { mtime } = statSync(file);
  utimesSync(file, mtime, new Date(mtime.getTime() + 1));
  expect(cliBundle(url())).toEqual({
    fresh: false,
    reason: 'bin/cli.ts changed since the CLI bundle was built',
  });
  writeFileSync(file, 'export const a = 12;\n');
  utimesSync(file, mtime, mtime);
  expect(cliBundle(url())).toEqual({
    fresh: false,
    reason: 'bin/cli.ts changed since the CLI bundle was built',
  });
  rmSync(file);
  expect(cliBundle(url())).toEqual({
    fresh: false,
    reason: 'bin/cli.ts was removed since the CLI bundle was built',
  });
});

test('a manifest of another format version, or not JSON', () => {
  writeFileSync(join(root, 'dist/cli/manifest.json'), JSON.stringify({ version: 0, inputs: {} }));
  expect(cliBundle(url())).toEqual({
    fresh: false,
    reason: 'dist/cli/manifest.json is from another build version',
  });
  writeFileSync(join(root, 'dist/cli/manifest.json'), '{');
  const state = cliBundle(url());
  expect(state.fresh).toBe(false);
  expect(!state.fresh && state.reason).toMatch(/^unreadable dist\/cli\/manifest\.json \(/);
});
