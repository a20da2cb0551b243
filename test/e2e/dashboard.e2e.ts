/**
 * The dashboard end to end: the built site (dashboard/dist) served by the real local runtime
 * (infra/local/runtime.ts: s3rver, dynalite, the handlers, the state machine) on random ports with a
 * temporary state folder, driven by headless Chromium. Every number checked on screen is compared with
 * the API's own answer. Each page must render without a console error or an uncaught exception.
 * Screenshots go to test-output/screenshots/<page>.png.
 *
 * Two runtimes, one after the other (a runtime owns the process's handler context): one that never
 * sees a file (the empty states), and one seeded with the S&P 500 sample, later given a file with
 * shifted daily moves (the drift alert).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import type { ExecutionRecord } from '../../infra/local/state-machine.ts';
import { type SynthesizedStack, synthesizeStack } from '../../infra/local/template.ts';
import { shiftedSample } from '../helpers/data.ts';
import {
  launchBrowser,
  openPage,
  PAGES,
  type PageId,
  screenshot,
  visit,
  type WatchedPage,
  waitForPage,
} from './browser.ts';

const SAMPLE_FILE = new URL('../../data/samples/sp500-2000.csv', import.meta.url);
const SAMPLE_KEY = 'market_data/SPX.csv';
const SHIFTED_KEY = 'market_data/SPXSHIFT.csv';

let workDir: string;
let stack: SynthesizedStack;
let browser: BrowserContext;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'finml-e2e-'));
  [stack, browser] = await Promise.all([
    synthesizeStack({ outdir: join(workDir, 'cdk.out') }),
    launchBrowser(join(workDir, 'chromium')),
  ]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A runtime on random ports with its own state folder under the work folder; schedules off. */
function startRuntime(name: string): Promise<LocalRuntime> {
  return startLocalRuntime({
    stateDir: join(workDir, name),
    stack,
    ports: { api: 0, s3: 0, dynamodb: 0 },
    scheduleScale: 0,
  });
}

/** The site's address as the browser reaches it (it resolves no host name, 127.0.0.1 only). */
const siteOf = (rt: LocalRuntime) => rt.urls.app.replace('//localhost:', '//127.0.0.1:');

/** GET from the runtime's API with its key. */
async function api<T>(rt: LocalRuntime, path: string): Promise<T> {
  const response = await fetch(`${rt.urls.api}${path}`, { headers: { 'x-api-key': rt.apiKey } });
  expect(response.status, `GET ${path}`).toBe(200);
  return (await response.json()) as T;
}

/** Puts an object into bronze and waits for the pipeline execution its event started. */
async function drop(rt: LocalRuntime, key: string, body: Buffer | string): Promise<ExecutionRecord> {
  const before = new Set(rt.pipeline.executions);
  await rt.s3.send(new PutObjectCommand({ Bucket: rt.names.bronze, Key: key, Body: body }));
  const started = rt.pipeline.executions.filter((x) => !before.has(x));
  expect(started.map((x) => (x.input as { key: string }).key)).toEqual([key]);
  return rt.pipeline.wait(started[0]!);
}

/** Opens a tab, runs `body`, closes the tab, and expects no console error or uncaught exception. */
async function inTab(body: (watched: WatchedPage) => Promise<void>): Promise<void> {
  const watched = await openPage(browser);
  try {
    await body(watched);
  } finally {
    await watched.page.close();
  }
  expect(watched.errors).toEqual([]);
}

/** The texts of the cells of the table rows matched by `selector`, row by row. */
function tableCells(page: Page, selector: string): Promise<string[][]> {
  return page
    .locator(selector)
    .evaluateAll((rows) =>
      rows.map((r) => Array.from(r.querySelectorAll('th, td'), (c) => (c.textContent ?? '').trim())),
    );
}

/** "1,457" → 1457; "0.954" → 0.954. */
const numberOf = (text: string) => Number(text.replaceAll(',', ''));

/** formatPercent's text: one decimal and a no-break space before %. */
const percent = (p: number) => `${(p * 100).toFixed(1)}\u00a0%`;

interface Regimes {
  modelVersion: string | null;
  labels: string[];
  symbols: { symbol: string; regime: string; highWithin5: { probability: number }; leaveWithin5?: number }[];
}
interface Models {
  production: string | null;
  versions: { version: string; stage: string }[];
}
interface Items<T> {
  items: T[];
}

describe('before any file has arrived', () => {
  let rt: LocalRuntime;

  beforeAll(async () => {
    rt = await startRuntime('empty');
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
  });

  test('home says there is no model yet and how to get one', async () => {
    await inTab(async ({ page }) => {
      await visit(page, siteOf(rt), 'home');

      const main = page.locator('#main');
      await expect(main.locator('.notice-empty').textContent()).resolves.toMatch(
        /No model yet — drop a market CSV into the bronze bucket/,
      );
      expect(await main.locator('#section-regimes').count()).toBe(0);
      expect(await main.locator('.notice-error').count()).toBe(0);
      await screenshot(page, 'empty-home');
    });
  });

  test.for(PAGES.filter((p) => p.id !== 'home'))(
    'the $title page shows an empty state, not an error',
    async ({ id }) => {
      await inTab(async ({ page }) => {
        await visit(page, siteOf(rt), id);

        expect(await page.locator('#main .notice-error').count()).toBe(0);
        if (id !== 'settings' && id !== 'glossary') {
          expect(await page.locator('#main .notice-empty').count()).toBeGreaterThan(0);
        }
      });
    },
  );
});

describe('with the S&P 500 sample', () => {
  let rt: LocalRuntime;
  let sample: string;

  beforeAll(async () => {
    sample = await readFile(SAMPLE_FILE, 'utf8');
    rt = await startRuntime('sample');
    const run = await drop(rt, SAMPLE_KEY, sample);
    expect(run.status).toBe('SUCCEEDED');
    expect((await api<Models>(rt, '/models')).production).not.toBeNull();
  }, 90_000);

  afterAll(async () => {
    await rt?.stop();
  });

  /** What each page must show from the API, checked against the API's own answer. */
  const realData: Record<PageId, { query?: string; check: (page: Page) => Promise<void> }> = {
    home: {
      check: async (page) => {
        const regimes = await api<Regimes>(rt, '/regimes');
        const spx = regimes.symbols.find((s) => s.symbol === 'SPX')!;
        const row = page.locator('#section-regimes tbody tr', {
          has: page.locator('th', { hasText: /^SPX$/ }),
        });
        expect(await row.locator('[data-regime]').getAttribute('data-regime')).toBe(spx.regime);
        // A symbol already in High shows its way out (P(leave High within 5 days)), not "100 %".
        const shown = spx.regime === 'High' ? spx.leaveWithin5! : spx.highWithin5.probability;
        expect(await row.textContent()).toContain(percent(shown as number));
        if (spx.regime === 'High') expect(await row.textContent()).toContain('more days expected');
        expect(await page.locator('h1 + *').textContent()).toContain(regimes.modelVersion!);
      },
    },
    timeline: {
      query: 'symbol=SPX',
      check: async (page) => {
        const timeline = await api<{ labels: string[]; rows: { state: number }[] }>(
          rt,
          '/timeline?symbol=SPX',
        );
        const counts = timeline.labels.map((_, k) => timeline.rows.filter((r) => r.state === k).length);
        const shown = await tableCells(page, '#section-mix tbody tr');
        expect(shown.map((cells) => [cells[0], numberOf(cells[1]!)])).toEqual(
          timeline.labels.map((label, k) => [label, counts[k]]),
        );
        expect(await page.locator('#main canvas').count()).toBeGreaterThanOrEqual(2);
        // The Risk section: today's regime's VaR by horizon, as the production model's report has it.
        const regimes = await api<{ modelVersion: string; symbols: { symbol: string; regime: string }[] }>(
          rt,
          '/regimes',
        );
        const spx = regimes.symbols.find((x) => x.symbol === 'SPX')!;
        const details = await api<{
          report: {
            labels: string[];
            risk: { horizons: { table: { horizon: number; byRegime: { valueAtRisk: number[] }[] }[] } };
          };
        }>(rt, `/models/${regimes.modelVersion}`);
        const state = details.report.labels.indexOf(spx.regime);
        const riskRows = await tableCells(page, '#section-risk .risk-horizons tbody tr');
        expect(riskRows.map((r) => r[1])).toEqual(
          details.report.risk.horizons.table.map(
            (t) => `${(100 * t.byRegime[state]!.valueAtRisk[0]!).toFixed(2)}\u00a0%`,
          ),
        );
        expect(await page.locator('#section-risk').textContent()).toContain('historical simulation');
      },
    },
    models: {
      check: async (page) => {
        const { production } = await api<Models>(rt, '/models');
        const details = await api<{ report: { chain: { transitionMatrix: number[][] } } }>(
          rt,
          `/models/${production}`,
        );
        const shown = await page.locator('table.heatmap .cell-p').allInnerTexts();
        expect(shown).toEqual(details.report.chain.transitionMatrix.flat().map((p) => p.toFixed(3)));
      },
    },
    drift: {
      check: async (page) => {
        const alerts = await api<Items<{ kind: string }>>(rt, '/alerts?limit=200');
        expect(alerts.items.length).toBeGreaterThan(0);
        const kinds = await page
          .locator('#section-alerts [data-alert-kind]')
          .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-alert-kind')));
        expect(kinds.sort()).toEqual(alerts.items.map((a) => a.kind).sort());
      },
    },
    monitoring: {
      check: async (page) => {
        const rows = await tableCells(page, '#section-overall tbody tr');
        expect(rows.map((r) => r[0]?.replace(' ★', ''))).toContain('Markov model');
        const model = rows.find((r) => r[0] === 'Markov model')!;
        const scores = model.slice(1).map((c) => numberOf(c.replace(' ★', '')));
        expect(scores).toHaveLength(5);
        for (const s of scores) expect(s).toBeGreaterThanOrEqual(0);
        // The horizon backtest: 5 forecasters at each of the 4 horizons, the served one starred,
        // and where the chain loses in words.
        const names = [
          'Markov chain',
          'Semi-Markov chain',
          'Direct h-step table',
          'Climatology',
          'Fitted persistence',
        ];
        const horizons = (await tableCells(page, '#section-horizons tbody tr')).filter((r) =>
          names.includes(r[0]?.replace(' ★', '') ?? ''),
        );
        expect(horizons).toHaveLength(20);
        expect(horizons.filter((r) => r[0]?.endsWith('★'))).toHaveLength(4);
        expect(await page.locator('#section-horizons').textContent()).toContain('Where the chain loses');
      },
    },
    data: {
      check: async (page) => {
        const quality = await api<Items<{ layer: string; passed: boolean }>>(rt, '/quality?limit=200');
        const rows = await tableCells(page, '#section-history tbody tr');
        expect(rows.map((r) => r[1]).sort()).toEqual(quality.items.map((q) => q.layer).sort());
        for (const r of rows) expect(r).toContain('passed');
      },
    },
    'ab-tests': {
      check: async (page) => {
        const { production } = await api<Models>(rt, '/models');
        expect(await page.locator('#section-current').textContent()).toContain(production!);
      },
    },
    settings: {
      check: async (page) => {
        const { configHash } = await api<{ configHash: string }>(rt, '/config');
        expect(await page.locator('#section-versions').textContent()).toContain(configHash);
      },
    },
    glossary: {
      check: async (page) => {
        expect(await page.locator('#main dt').count()).toBeGreaterThan(10);
      },
    },
  };

  test.for(PAGES)('the $title page shows the API’s data', async ({ id }) => {
    const { query, check } = realData[id];
    await inTab(async ({ page }) => {
      await visit(page, siteOf(rt), id, query);

      expect(await page.locator('#main .notice-error').count()).toBe(0);
      await check(page);
      await screenshot(page, id);
    });
  });

  test('the SPX timeline shows 2008–2009 and March 2020 as High periods', async () => {
    await inTab(async ({ page }) => {
      await visit(page, siteOf(rt), 'timeline', 'symbol=SPX');

      const periods = (await tableCells(page, '#section-high-periods .high-periods tbody tr')).map(
        ([from, to]) => ({ from: from!, to: to! }),
      );
      const covers = (from: string, to: string) => periods.some((p) => p.from <= from && p.to >= to);
      expect(covers('2008-10-01', '2009-03-31')).toBe(true);
      expect(covers('2020-03-02', '2020-03-31')).toBe(true);
    });
  });

  test('a timeline link to a symbol without gold shows an empty state with the symbol picker, not an error', async () => {
    await inTab(async ({ page }) => {
      await visit(page, siteOf(rt), 'timeline', 'symbol=NOSUCH');
      const main = page.locator('#main');
      expect(await main.locator('.notice-error').count()).toBe(0);
      expect(await main.locator('.notice-empty').textContent()).toContain('No gold for NOSUCH');
      expect(await main.locator('select').count()).toBeGreaterThan(0);
    });
  });

  test('a model link to a version the registry lacks says so, and shows the production model', async () => {
    await inTab(async ({ page }) => {
      await visit(page, siteOf(rt), 'models', 'version=20991231T000000-00000000');
      const main = page.locator('#main');
      expect(await main.locator('.notice-warning').textContent()).toContain(
        'The registry has no model version "20991231T000000-00000000"',
      );
      expect(await main.locator('.notice-error').count()).toBe(0);
    });
  });

  test('Tab reaches the navigation links, and the focused link has a visible outline', async () => {
    await inTab(async ({ page }) => {
      await visit(page, siteOf(rt), 'home');

      let focused: string | null = null;
      for (let presses = 0; presses < 20 && focused === null; presses++) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate(() => document.activeElement?.getAttribute('data-page') ?? null);
      }
      expect(focused).toBe('home');
      const outline = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement!);
        return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) };
      });
      expect(outline.style).not.toBe('none');
      expect(outline.width).toBeGreaterThanOrEqual(2);
      await screenshot(page, 'keyboard-focus');
    });
  });

  test('a file with shifted daily moves and a drift check put a data-drift alert on the alerts page', async () => {
    await inTab(async ({ page }) => {
      await visit(page, siteOf(rt), 'drift');
      const driftCards = page.locator('#section-alerts [data-alert-kind="dataDrift"]');
      expect(await driftCards.count()).toBe(0);

      const run = await drop(rt, SHIFTED_KEY, shiftedSample(sample, 400, 150, 4));
      expect(run.status).toBe('SUCCEEDED');
      const check = await rt.schedules.run('MonitoringDriftCheck');
      expect(check?.results.every((r) => r.ok)).toBe(true);
      await page.reload();
      await waitForPage(page, 'drift');

      expect(await driftCards.filter({ hasText: 'SPXSHIFT' }).count()).toBeGreaterThan(0);
      await screenshot(page, 'drift-after-shift');
      // Drift v2: SPX is judged against thresholds calibrated on its own quarters, the new SPXSHIFT
      // (too few rows before its window to calibrate) against the fixed fallback.
      const latest = (await page.locator('#section-latest-drift').textContent()) ?? '';
      expect(latest).toMatch(/calibrated on 7\d quarters/);
      expect(latest).toContain('fallback');
      expect(await page.locator('#drift-streak').count()).toBe(1);
      // The check's record counts the symbols; the over-time charts read the chosen symbol's own
      // history (GET /drift?symbol=), one point per check of new data.
      expect(await page.locator('#drift-coverage').textContent()).toMatch(
        /^\d+ symbol\(s\) checked, \d+ with drift/,
      );
      const overTime = (await page.locator('#section-drift-history').textContent()) ?? '';
      expect(overTime).toContain('Kolmogorov–Smirnov D');
      expect(overTime).not.toMatch(/recorded no symbol|\b0 drift check\(s\) so far/);

      // The Retraining page says where the loop stands: the run of breaches against persistChecks.
      await visit(page, siteOf(rt), 'ab-tests');
      const loop = (await page.locator('#section-loop').textContent()) ?? '';
      expect(loop).toContain('Retraining loop');
      expect(loop).toMatch(/breached on \d of the 3 consecutive checks drift needs to retrain/);
      await screenshot(page, 'retraining-loop');
    });
  }, 60_000);
  test("an operator's retraining request (POST /admin/retrain) is on the Retraining page once answered — skipped, saying why, when it would make the same model again", async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${rt.urls.api}${path}`, {
        method: 'POST',
        headers: { 'x-api-key': rt.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const models = await api<{ candidate: string | null }>(rt, '/models');
    if (models.candidate !== null) {
      expect(
        (await post('/admin/promote', { version: models.candidate, reason: 'clear the A/B test' })).status,
      ).toBe(200);
    }
    type Job = { status: string; request?: string; version?: string };
    /** The job that answered a request, once the function has run. */
    const answerOf = async (request: string) => {
      for (let i = 0; i < 600; i++) {
        await rt.lambda.idle();
        const { items } = await api<{ items: Job[] }>(rt, '/jobs');
        const job = items.find((j) => j.request === request && j.status !== 'requested');
        if (job !== undefined) return job;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no job answered ${request}`);
    };
    const ask = async (reason: string) => {
      const answer = await post('/admin/retrain', { reason });
      expect(answer.status).toBe(202);
      return answerOf(((await answer.json()) as { request: string }).request);
    };
    // A new symbol: gold no model was trained on, so the first request trains.
    const lines = sample.trim().split('\n');
    const copy = `${[lines[0], ...lines.slice(-300)].join('\n')}\n`;
    expect((await drop(rt, 'market_data/SPXCOPY.csv', copy)).status).toBe('SUCCEEDED');
    const first = await ask('e2e: the vendor restated its prices');
    expect(first.status).toBe('trained');
    expect((await post('/admin/reject', { reason: 'e2e: clear the A/B test' })).status).toBe(200);
    // Asked again on the gold, config and code that model was trained on: the same model — skipped.
    const again = await ask('e2e: once more');
    expect(again.status).toBe('skipped');
    await inTab(async ({ page }) => {
      await visit(page, siteOf(rt), 'ab-tests');
      const rowsOf = async (reason: string) =>
        (await tableCells(page, '#section-jobs tbody tr')).filter((r) =>
          r.some((c) => c.includes(`operator request: ${reason}`)),
        );
      // Listed as requested while it trained; now only the job that answered it.
      const trained = await rowsOf('e2e: the vendor restated its prices');
      expect(trained.map((r) => r[2])).toEqual(['trained']);
      expect(trained[0]![4]).toContain('forced');
      // Registered as the candidate, rejected since: the row says both.
      expect(trained[0]![3]).toBe(`${first.version} (registered as candidate; now rejected)`);
      const skipped = await rowsOf('e2e: once more');
      expect(skipped.map((r) => r[2])).toEqual(['skipped']);
      expect(skipped[0]![4]).toContain(`held back: ${first.version} was trained on this very gold`);
      // Its candidate was rejected before any daily evaluation: its test is listed, saying so.
      const tests = (await page.locator('#section-ab-tests').textContent()) ?? '';
      expect(tests).toContain(`Candidate ${first.version} ended before its first evaluation`);
      expect(tests).toContain('Rejected on');
      expect(tests).toContain('manual: e2e: clear the A/B test');
      await screenshot(page, 'retraining-requested');
    });
  }, 180_000);

  test('on a phone (390 × 844) no page is wider than the screen', async () => {
    await inTab(async ({ page }) => {
      await page.setViewportSize({ width: 390, height: 844 });
      const wide: string[] = [];
      for (const { id } of PAGES) {
        await visit(page, siteOf(rt), id, id === 'timeline' ? 'symbol=SPX' : '');
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width > 390) {
          // The outermost elements past the screen's edge, to say what to fix.
          const past = await page.evaluate(() =>
            Array.from(document.querySelectorAll('body *'))
              .filter((e) => e.getBoundingClientRect().right > 390.5)
              .filter((e) => !(e.parentElement && e.parentElement.getBoundingClientRect().right > 390.5))
              .slice(0, 3)
              .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
          );
          wide.push(`${id}: ${width} px (${past.join(', ')})`);
        }
      }
      await screenshot(page, 'phone-glossary');
      expect(wide).toEqual([]);
    });
  }, 90_000);

  test("a symbol whose price never moves is warned about on the Data quality page (every day High), from the run's record", async () => {
    const days: string[] = [];
    for (let d = Date.UTC(2018, 0, 1); days.length < 400; d += 86_400_000) {
      const day = new Date(d);
      if (day.getUTCDay() % 6 !== 0) days.push(day.toISOString().slice(0, 10));
    }
    const run = await drop(
      rt,
      'market_data/FLAT.csv',
      `date,close\n${days.map((d) => `${d},100`).join('\n')}\n`,
    );
    expect(run.status).toBe('SUCCEEDED');
    await inTab(async ({ page }) => {
      await visit(page, siteOf(rt), 'data');
      const warnings = (await page.locator('#section-warnings').textContent()) ?? '';
      expect(warnings).toContain('Warnings of the newest gold run');
      expect(warnings).toMatch(/FLAT: on all \d+ of its gold rows realized_vol_21d is 0 and drawdown is 0/);
      await screenshot(page, 'data-warnings');
    });
  }, 60_000);
});
