/**
 * The dashboard build behind `npm start`: built when missing or stale (by content, not by time),
 * replaced only by a successful build, and never served when it failed. Runs the real Vite on a copy
 * of the dashboard's sources inside the repository (so Vite and uPlot resolve from its node_modules).
 */
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DASHBOARD_DIR,
  dashboardBuildIsStale,
  ensureDashboardBuilt,
} from '../../../infra/local/dashboard-build.ts';
import { startFrontDoor } from '../../../infra/local/http-server.ts';
import { REPO_ROOT } from '../../../infra/local/paths.ts';

let dir: string;

beforeAll(async () => {
  const parent = join(REPO_ROOT, 'test-output');
  await mkdir(parent, { recursive: true });
  dir = await mkdtemp(join(parent, 'dashboard-build-'));
  for (const source of ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json', 'package.json']) {
    await cp(join(DASHBOARD_DIR, source), join(dir, source), { recursive: true });
  }
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ensureDashboardBuilt', () => {
  test('builds a missing dashboard, then finds it current until a source changes', async () => {
    expect(dashboardBuildIsStale(dir)).toBe(true);
    const first = ensureDashboardBuilt(dir);
    expect(first.status).toBe('built');
    expect(existsSync(join(dir, 'dist', 'index.html'))).toBe(true);
    expect(ensureDashboardBuilt(dir).status).toBe('current');

    // A new modification time alone (a checkout, a clone) does not make it stale…
    const later = new Date(Date.now() + 60_000);
    await utimes(join(dir, 'src', 'main.ts'), later, later);
    expect(dashboardBuildIsStale(dir)).toBe(false);
    // …changed contents do.
    const style = join(dir, 'src', 'style.css');
    await writeFile(style, `${readFileSync(style, 'utf8')}\n/* changed */\n`);
    expect(dashboardBuildIsStale(dir)).toBe(true);
    expect(ensureDashboardBuilt(dir).status).toBe('built');
    expect(dashboardBuildIsStale(dir)).toBe(false);
    // `npm run build -w dashboard` (force) builds a current one again, with Vite's output, and
    // stamps it: the next `npm start` finds it current.
    const forced = ensureDashboardBuilt(dir, { force: true });
    expect(forced.status).toBe('built');
    expect(forced.status === 'built' && forced.output).toContain('index.html');
    expect(ensureDashboardBuilt(dir).status).toBe('current');
  });

  test('a failed build leaves the previous dist untouched, reports why, and stays stale', async () => {
    ensureDashboardBuilt(dir);
    const before = await readdir(join(dir, 'dist'), { recursive: true });
    const main = join(dir, 'src', 'main.ts');
    const good = readFileSync(main, 'utf8');
    await writeFile(main, `${good}\nimport { missing } from 'no-such-package-finml';\nmissing();\n`);
    try {
      const result = ensureDashboardBuilt(dir);
      expect(result.status).toBe('failed');
      if (result.status !== 'failed') return;
      expect(result.output).toContain('no-such-package-finml');
      expect(await readdir(join(dir, 'dist'), { recursive: true })).toEqual(before);
      expect(dashboardBuildIsStale(dir)).toBe(true);
      // No staging folder is left behind.
      expect((await readdir(dir)).filter((f) => f.startsWith('.dist-'))).toEqual([]);
    } finally {
      await writeFile(main, good);
    }
  });

  test('the front door serves no stale build: a failed build answers every page with what to run', async () => {
    const server = await startFrontDoor(
      {
        apiKey: 'k',
        dashboardDir: join(dir, 'dist'),
        dashboardUnavailable: 'The build failed: [UNRESOLVED_IMPORT] Could not resolve "uplot".',
        admin: async () => undefined,
      },
      0,
      '127.0.0.1',
    );
    try {
      const { port } = server.address() as AddressInfo;
      for (const path of ['/', '/index.html', '/#/models']) {
        const response = await fetch(`http://127.0.0.1:${port}${path}`);
        expect(response.status).toBe(503);
        const html = await response.text();
        expect(html).toContain('Could not resolve &quot;uplot&quot;');
        expect(html).toContain('npm run build -w dashboard');
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
