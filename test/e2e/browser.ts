/**
 * Headless Chromium for the end-to-end tests (playwright-core, the system's Chromium): a persistent
 * context in a fresh profile that can reach 127.0.0.1 only, pages that record console errors and
 * uncaught exceptions, and a wait for the dashboard to finish rendering a page.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

/** The dashboard's pages: route id (the URL hash), document title and navigation label. */
export const PAGES = [
  { id: 'home', title: 'Home' },
  { id: 'timeline', title: 'Regime timeline' },
  { id: 'models', title: 'Markov chain' },
  { id: 'drift', title: 'Alerts & drift' },
  { id: 'monitoring', title: 'Metrics & performance' },
  { id: 'data', title: 'Data quality' },
  { id: 'ab-tests', title: 'Retraining & A/B' },
  { id: 'settings', title: 'Settings' },
  { id: 'glossary', title: 'Glossary' },
] as const;

export type PageId = (typeof PAGES)[number]['id'];

/** The browser: $CHROMIUM_PATH, else the first system Chromium / Chrome found. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (!path) {
    throw new Error(`no Chromium found (looked at ${CHROMIUM_CANDIDATES.join(', ')}); set CHROMIUM_PATH`);
  }
  return path;
}

/** A headless Chromium with a fresh profile in `profile` (a new folder), 1280×800, only 127.0.0.1 reachable. */
export async function launchBrowser(profile: string): Promise<BrowserContext> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

/** A page, and the console errors and uncaught exceptions it has shown so far. */
export interface WatchedPage {
  readonly page: Page;
  readonly errors: string[];
}

/** Opens a tab that records every console error and uncaught exception. */
export async function openPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.name}: ${error.message}`));
  return { page, errors };
}

/**
 * Waits until the dashboard shows `id` completely: the document title is the page's, the main area is
 * no longer busy and has its h1. The shell sets the title and `aria-busy` together when it starts
 * rendering, so the old page can never satisfy this after a navigation.
 */
export async function waitForPage(page: Page, id: PageId): Promise<void> {
  const title = `${PAGES.find((p) => p.id === id)!.title} · FINML`;
  await page.waitForFunction(
    (expected) => {
      const main = document.querySelector('#main');
      return (
        document.title === expected &&
        main !== null &&
        !main.hasAttribute('aria-busy') &&
        main.querySelector('h1') !== null
      );
    },
    title,
    { polling: 50 },
  );
}

/**
 * Loads the dashboard at `#/<id>?<query>` afresh and waits for the page. The blank page in between
 * makes it a full load even when only the hash differs from the current URL.
 */
export async function visit(page: Page, appUrl: string, id: PageId, query = ''): Promise<void> {
  const hash = `#/${id === 'home' ? '' : id}${query ? `?${query}` : ''}`;
  await page.goto('about:blank');
  await page.goto(`${appUrl}/${hash}`);
  await waitForPage(page, id);
}

/** Saves a full-page PNG as test-output/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
