/**
 * A newcomer's first run, as the README gives it: a clean tree (the repository's files only — no
 * node_modules, no dashboard/dist, no state), `npm ci`, `npm start`; then every dashboard page in
 * headless Chromium must render its own text with no console error or uncaught exception, and the
 * `finml` command runs from the bundle `npm ci` built (no tsx).
 *
 * The tree is the working tree's files as git sees them (tracked and new, ignored ones left out), so
 * the test checks the code being changed, not the last commit. `npm ci` uses the machine's npm cache.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT } from '../../infra/local/paths.ts';
import { launchBrowser, openPage, PAGES, screenshot, visit } from './browser.ts';

let workDir: string;
let tree: string;
let server: ChildProcess | undefined;
let output = '';
let browser: BrowserContext;
let appUrl: string;

/** Copies the files git would commit (tracked, or new and not ignored) into `to`. */
async function copyWorkingTree(to: string): Promise<void> {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const files = listed.stdout.split('\0').filter(Boolean);
  for (const file of files) {
    await mkdir(dirname(join(to, file)), { recursive: true });
    await cp(join(REPO_ROOT, file), join(to, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // a tracked file deleted in the working tree
    });
  }
}

/** Resolves with the start command's output once it says it is running (or rejects if it exits). */
function startAndWait(cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    server = spawn('npm', ['start'], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ctrl-C stops FINML/.test(output)) resolve(output);
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    server.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'finml-fresh-'));
  tree = join(workDir, 'finml');
  await copyWorkingTree(tree);
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: tree,
    encoding: 'utf8',
  });
  expect(install.status, install.stderr).toBe(0);
  expect(`${install.stdout}${install.stderr}`).not.toContain('EBADENGINE');
  const env = {
    ...process.env,
    FINML_PORT: '0',
    FINML_S3_PORT: '0',
    FINML_DYNAMODB_PORT: '0',
    FINML_STATE_DIR: join(workDir, 'state'),
  };
  const [printed, context] = await Promise.all([
    startAndWait(tree, env),
    launchBrowser(join(workDir, 'chromium')),
  ]);
  browser = context;
  const dashboard = /Dashboard\s+(http:\/\/\S+?)\/?\s/.exec(printed);
  expect(dashboard, printed).not.toBeNull();
  appUrl = dashboard![1]!.replace('//localhost:', '//127.0.0.1:');
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    process.kill(-server.pid, 'SIGINT');
    await exited;
  }
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 60_000);

test('npm start on a clean tree builds the dashboard and loads the sample', () => {
  expect(output).toContain('Built the dashboard');
  expect(output).toMatch(/The sample's pipeline run took [\d.]+ s\./);
  expect(output).not.toMatch(/✘|could not be built/);
});

test('npm ci built the CLI bundle: finml runs without tsx', () => {
  const { NODE_OPTIONS: _, ...env } = process.env;
  const forbid = pathToFileURL(join(tree, 'test/helpers/forbid-tsx.mjs')).href;
  const run = spawnSync(process.execPath, ['--import', forbid, 'bin/finml.mjs', 'help'], {
    cwd: tree,
    env,
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^Usage: finml <command>/);
});

test.each(PAGES.map((p) => p.id))('the %s page renders its own text with no error', async (id) => {
  const watched = await openPage(browser);
  try {
    await visit(watched.page, appUrl, id);
    const main = await watched.page.locator('#main').innerText();
    const heading = (await watched.page.locator('#main h1').innerText()).trim();
    expect(heading.length).toBeGreaterThan(0);
    // Real text beyond the heading: the page rendered its content, not a blank shell.
    expect(main.replace(/\s+/g, ' ').trim().length).toBeGreaterThan(heading.length + 40);
    if (id === 'home' || id === 'timeline') expect(main).toContain('SPX'); // the sample's symbol
    await screenshot(watched.page, `fresh-${id}`);
  } finally {
    await watched.page.close();
  }
  expect(watched.errors).toEqual([]);
});

test("another site's page cannot read the API key or call the API", async () => {
  // Another origin on this machine (another port), as any web page the analyst opens would be.
  const evil = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html><script src="${appUrl}/config.js"></script><script src="${appUrl}/config.json"></script><script>
        window.key = fetch('${appUrl}/config.json', { headers: { 'x-finml-dashboard': '1' } })
          .then((r) => r.text(), (e) => 'blocked: ' + e.message);
        window.result = fetch('${appUrl}/api/status', { headers: { 'x-api-key': 'guess' } })
          .then((r) => 'status ' + r.status, (e) => 'blocked: ' + e.message);
      </script>`,
    );
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const config = await page.evaluate(() => (window as { FINML_CONFIG?: { apiKey?: string } }).FINML_CONFIG);
    expect(config?.apiKey).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as { key: Promise<string> }).key)).toMatch(
      /^blocked/,
    );
    expect(await page.evaluate(() => (window as unknown as { result: Promise<string> }).result)).toMatch(
      /^blocked/,
    );
  } finally {
    await page.close();
    evil.closeAllConnections();
    await new Promise((resolve) => evil.close(resolve));
  }
});
