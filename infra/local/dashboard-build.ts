/**
 * The dashboard's static build for the local runtime (`npm start`) and the end-to-end tests.
 *
 * A build is current when the stamp inside it (`dist/.finml-build.json`) holds the hash of today's
 * sources. Otherwise Vite builds into a fresh temporary folder that replaces `dist/` only when the
 * build succeeded, so a failed build never leaves a half-written `dist/` behind, and a stale or
 * failed one is never served. Content hashes, not modification times: a `git checkout` or a fresh
 * clone gives every file a new time.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from './paths.ts';

export const DASHBOARD_DIR = join(REPO_ROOT, 'dashboard');
export const DASHBOARD_DIST = join(DASHBOARD_DIR, 'dist');
const STAMP = '.finml-build.json';
/** What a build is made from: a change to any of these makes the build stale. */
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json', 'package.json'];

export type DashboardBuild =
  | { readonly status: 'current'; readonly dir: string; readonly hash: string }
  | { readonly status: 'built'; readonly dir: string; readonly hash: string; readonly output: string }
  | { readonly status: 'failed'; readonly reason: string; readonly output: string };

/** `path` itself when it is a file, else every file below it; paths relative to `root`, sorted. */
function filesOf(root: string, path: string): string[] {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

/**
 * SHA-256 over the dashboard's source files (names and contents) and the workspace's lock file (the
 * Vite and uPlot that build it: an `npm ci` with a new lock file makes the build stale).
 */
export function dashboardSourceHash(dir: string = DASHBOARD_DIR): string {
  const hash = createHash('sha256');
  for (const file of [
    ...SOURCES.flatMap((source) => filesOf(dir, source)),
    ...filesOf(dir, '../package-lock.json'),
  ]) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(dir, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** The hash recorded by the build in `dist`, if it is a complete FINML build. */
function stampedHash(dist: string): string | undefined {
  try {
    const stamp = JSON.parse(readFileSync(join(dist, STAMP), 'utf8')) as { sourceHash?: unknown };
    return existsSync(join(dist, 'index.html')) && typeof stamp.sourceHash === 'string'
      ? stamp.sourceHash
      : undefined;
  } catch {
    return undefined;
  }
}

/** True when `dist` is missing, incomplete, or built from other sources than today's. */
export function dashboardBuildIsStale(dir: string = DASHBOARD_DIR): boolean {
  return stampedHash(join(dir, 'dist')) !== dashboardSourceHash(dir);
}

/** Vite's command-line entry, resolved from the dashboard's own dependencies. */
function viteBin(dir: string): string | undefined {
  try {
    const manifest = createRequire(join(dir, 'package.json')).resolve('vite/package.json');
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { vite: string } };
    return join(dirname(manifest), bin.vite);
  } catch {
    return undefined;
  }
}

/**
 * Builds the dashboard when its build is missing or stale (or always, with `force`: `npm run build
 * -w dashboard`, scripts/build-dashboard.ts). Never throws for a failed build: the result says why,
 * and `dist/` is then left as it was (a stale build the caller must not serve).
 */
export function ensureDashboardBuilt(
  dir: string = DASHBOARD_DIR,
  options: { force?: boolean } = {},
): DashboardBuild {
  const dist = join(dir, 'dist');
  const hash = dashboardSourceHash(dir);
  if (!options.force && stampedHash(dist) === hash) return { status: 'current', dir: dist, hash };
  const vite = viteBin(dir);
  if (vite === undefined) {
    return {
      status: 'failed',
      reason: 'Vite is not installed (run `npm ci` in the repository root)',
      output: '',
    };
  }
  const staging = join(dir, `.dist-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [vite, 'build', '--outDir', staging, '--emptyOutDir'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.status !== 0 || !existsSync(join(staging, 'index.html'))) {
    rmSync(staging, { recursive: true, force: true });
    const firstError = output
      .split('\n')
      .find((line) => /error/i.test(line))
      ?.trim();
    return {
      status: 'failed',
      reason: firstError ?? `vite build exited with ${run.status ?? run.signal}`,
      output,
    };
  }
  writeFileSync(
    join(staging, STAMP),
    `${JSON.stringify({ sourceHash: hash, builtAt: new Date().toISOString() })}\n`,
  );
  try {
    rmSync(dist, { recursive: true, force: true });
    renameSync(staging, dist);
  } catch (error) {
    // Another process published a build between the two calls: report, never throw.
    rmSync(staging, { recursive: true, force: true });
    return { status: 'failed', reason: `could not replace dist/: ${(error as Error).message}`, output };
  }
  return { status: 'built', dir: dist, hash, output };
}
