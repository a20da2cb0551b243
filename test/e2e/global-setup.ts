/**
 * Vitest global setup of the end-to-end tests: builds the dashboard (dashboard/dist) when the build is
 * missing or older than its sources, so the browser tests the code in the working tree. Installs the
 * dashboard's locked dependencies first when they are missing (a fresh CI checkout).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DASHBOARD = fileURLToPath(new URL('../../dashboard/', import.meta.url));
const BUILT = join(DASHBOARD, 'dist', 'index.html');
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'];

/** The newest modification time (ms) of a file or of every file below a folder. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((newest, entry) => Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0);
}

function npm(args: string[]): void {
  const result = spawnSync('npm', ['--prefix', DASHBOARD, ...args], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} (in dashboard/) failed`);
}

/** True when dashboard/dist is missing or a source file changed after it was built. */
export function dashboardBuildIsStale(): boolean {
  if (!existsSync(BUILT)) return true;
  const built = statSync(BUILT).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(DASHBOARD, s)) > built);
}

export default function setup(): void {
  if (!dashboardBuildIsStale()) return;
  if (!existsSync(join(DASHBOARD, 'node_modules'))) npm(['ci', '--no-audit', '--no-fund']);
  npm(['run', 'build']);
}
