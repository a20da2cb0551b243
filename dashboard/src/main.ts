/**
 * The shell: header with system status and auto-refresh, navigation, and the router that renders
 * the page named by the URL hash. Pages render from the API only.
 */
import './style.css';
import { ApiClient } from './lib/api.ts';
import { formatAgo, formatDateTime } from './lib/format.ts';
import {
  formatHash,
  PAGE_TITLES,
  PAGES,
  type PageId,
  parseHash,
  type Route,
  routeFromLocationPath,
} from './lib/route.ts';
import {
  parseStoredSettings,
  REFRESH_CHOICES,
  type ResolvedSettings,
  refreshLabel,
  resolveSettings,
  STORAGE_KEY,
  serialiseSettings,
} from './lib/settings.ts';
import type { StatusResponse } from './lib/types.ts';
import { chainPage } from './pages/chain.ts';
import type { Page, PageContext } from './pages/context.ts';
import { dataPage } from './pages/data.ts';
import { driftPage } from './pages/drift.ts';
import { glossaryPage } from './pages/glossary.ts';
import { homePage } from './pages/home.ts';
import { metricsPage } from './pages/metrics.ts';
import { retrainingPage } from './pages/retraining.ts';
import { settingsPage } from './pages/settings.ts';
import { timelinePage } from './pages/timeline.ts';
import { destroyChartsIn, setContentWidth } from './ui/charts.ts';
import { errorBox, h, loading, notice, pageHeading } from './ui/dom.ts';

declare global {
  interface Window {
    /** Injected by the server's config.js (where the API is) and, locally, /config.json (its key). */
    FINML_CONFIG?: { apiUrl?: string; apiKey?: string } | null;
  }
}

const PAGE_RENDERERS: Record<PageId, Page> = {
  home: homePage,
  timeline: timelinePage,
  models: chainPage,
  drift: driftPage,
  monitoring: metricsPage,
  data: dataPage,
  'ab-tests': retrainingPage,
  settings: settingsPage,
  glossary: glossaryPage,
};

const notFoundPage: Page = async (ctx) =>
  h(
    'div',
    null,
    pageHeading('Page not found'),
    notice(
      'info',
      `There is no page “${ctx.route.params.path ?? ''}”.`,
      h('a', { href: '#/' }, 'Go to Home'),
    ),
  );

function readStoredSettings(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

class Shell {
  private settings: ResolvedSettings;
  private api: ApiClient;
  private status: StatusResponse | null = null;
  private statusError: unknown = null;
  private renderToken = 0;
  private timer: number | undefined;
  private firstRender = true;
  private readonly main: HTMLElement;
  private readonly statusBox: HTMLElement;
  private readonly nav: HTMLElement;
  private readonly refreshSelect: HTMLSelectElement;
  private readonly updated: HTMLElement;

  constructor(root: HTMLElement) {
    this.settings = this.loadSettings();
    this.api = new ApiClient(this.settings.apiUrl, this.settings.apiKey);
    this.main = h('main', { id: 'main', tabindex: -1 });
    this.statusBox = h(
      'div',
      { class: 'status-box', role: 'status', 'aria-live': 'polite' },
      'Checking the system…',
    );
    this.updated = h('span', { class: 'updated muted' });
    this.refreshSelect = h(
      'select',
      { id: 'auto-refresh', name: 'auto-refresh' },
      REFRESH_CHOICES.map((c) => h('option', { value: String(c) }, refreshLabel(c))),
    );
    this.refreshSelect.value = String(this.settings.refreshSeconds);
    this.refreshSelect.addEventListener('change', () => {
      this.persist({ refreshSeconds: Number(this.refreshSelect.value) });
      this.startTimer();
    });
    this.nav = h(
      'nav',
      { class: 'site-nav', 'aria-label': 'Pages' },
      h(
        'ul',
        null,
        PAGES.map((p) =>
          h(
            'li',
            null,
            h('a', { href: formatHash({ page: p, params: {} }), 'data-page': p }, PAGE_TITLES[p]),
          ),
        ),
      ),
    );
    root.replaceChildren(
      h(
        'a',
        {
          class: 'skip-link',
          href: '#main',
          onclick: (e: Event) => {
            e.preventDefault();
            this.main.focus();
          },
        },
        'Skip to content',
      ),
      h(
        'header',
        { class: 'site-header' },
        h(
          'div',
          { class: 'brand' },
          h('a', { href: '#/' }, 'FINML'),
          h('span', { class: 'muted' }, ' market-risk regimes'),
        ),
        this.statusBox,
        h(
          'div',
          { class: 'refresh' },
          h('label', { for: 'auto-refresh' }, 'Auto-refresh'),
          this.refreshSelect,
          this.updated,
        ),
      ),
      this.nav,
      this.main,
      h(
        'footer',
        { class: 'site-footer muted' },
        'Data from the FINML API at ',
        h('code', { class: 'api-url' }, this.settings.apiUrl),
      ),
    );
  }

  start(): void {
    const fromPath = routeFromLocationPath(location.pathname, location.search);
    if (fromPath) {
      const base = location.pathname.replace(/[^/]*$/, '');
      history.replaceState(null, '', `${base}${formatHash(fromPath)}`);
    }
    window.addEventListener('hashchange', () => void this.render(true));
    const observer = new ResizeObserver(() => setContentWidth(this.main.clientWidth, this.main));
    observer.observe(this.main);
    setContentWidth(this.main.clientWidth || 1200);
    void this.refreshStatus().then(() => this.render(true));
    this.startTimer();
  }

  private loadSettings(): ResolvedSettings {
    return resolveSettings(
      parseStoredSettings(readStoredSettings()),
      window.FINML_CONFIG ?? null,
      location.origin,
    );
  }

  private persist(changes: Partial<{ apiUrl: string; apiKey: string; refreshSeconds: number }>): void {
    const stored = { ...parseStoredSettings(readStoredSettings()), ...changes };
    try {
      localStorage.setItem(STORAGE_KEY, serialiseSettings(stored));
    } catch {
      // Storage disabled (private mode): the choice lasts for this page only.
    }
    this.settings = {
      ...this.loadSettings(),
      ...('refreshSeconds' in changes ? { refreshSeconds: changes.refreshSeconds! } : {}),
    };
  }

  private reconnect(): void {
    this.api = new ApiClient(this.settings.apiUrl, this.settings.apiKey);
    const url = document.querySelector('.api-url');
    if (url) url.textContent = this.settings.apiUrl;
    this.refreshSelect.value = String(this.settings.refreshSeconds);
    this.startTimer();
    void this.refreshStatus().then(() => this.render(false));
  }

  private startTimer(): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
    const seconds = this.settings.refreshSeconds;
    if (seconds > 0) this.timer = window.setInterval(() => void this.tick(), seconds * 1000);
  }

  /** Auto-refresh: reload the status and the page, unless the reader is typing in a form. */
  private async tick(): Promise<void> {
    if (document.hidden) return;
    const active = document.activeElement;
    if (active && this.main.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return;
    await this.refreshStatus();
    await this.render(false);
  }

  private async refreshStatus(): Promise<void> {
    try {
      this.status = await this.api.status();
      this.statusError = null;
    } catch (error) {
      this.status = null;
      this.statusError = error;
    }
    this.showStatus();
  }

  private showStatus(): void {
    const s = this.status;
    if (s === null) {
      this.statusBox.replaceChildren(
        h('span', { class: 'dot dot-bad', 'aria-hidden': 'true' }),
        h('span', null, 'API unreachable or refused — ', h('a', { href: '#/settings' }, 'check Settings')),
      );
      this.statusBox.title = this.statusError instanceof Error ? this.statusError.message : '';
      return;
    }
    const worst = s.latestAlerts.find((a) => a.severity === 'critical' || a.severity === 'high');
    const state = s.production === null || worst ? 'warn' : 'ok';
    const link = (route: Route, text: string) => h('a', { href: formatHash(route) }, text);
    const items: HTMLElement[] = [
      s.production === null
        ? h('li', null, 'No model yet')
        : h(
            'li',
            null,
            'Production ',
            link({ page: 'models', params: { version: s.production.version } }, s.production.version),
          ),
    ];
    if (s.candidate) {
      items.push(
        h(
          'li',
          null,
          'A/B candidate ',
          link({ page: 'ab-tests', params: { candidate: s.candidate.version } }, s.candidate.version),
        ),
      );
    }
    items.push(h('li', null, `${s.symbols} symbol${s.symbols === 1 ? '' : 's'}`));
    if (worst) {
      items.push(
        h(
          'li',
          null,
          link(
            { page: 'drift', params: {} },
            `${worst.severity} alert ${formatAgo(worst.raisedAt, Date.now())}`,
          ),
        ),
      );
    }
    this.statusBox.title = '';
    this.statusBox.replaceChildren(
      h('span', { class: `dot dot-${state}`, 'aria-hidden': 'true' }),
      h('ul', { class: 'status-items', 'aria-label': 'System status' }, items),
    );
  }

  private context(route: Route): PageContext {
    return {
      api: this.api,
      route,
      status: this.status,
      settings: this.settings,
      now: Date.now(),
      navigate: (next, options) => {
        const hash = formatHash(next);
        if (options?.replace || hash === location.hash) {
          history.replaceState(null, '', hash);
          void this.render(false);
        } else {
          location.hash = hash;
        }
      },
      saveSettings: (settings) => {
        this.persist(settings);
        this.reconnect();
      },
      resetSettings: () => {
        try {
          localStorage.removeItem(STORAGE_KEY);
        } catch {
          // Nothing saved.
        }
        this.settings = this.loadSettings();
        this.reconnect();
      },
    };
  }

  /** Renders the page of the current hash; `navigation` shows a loading state and moves focus. */
  private async render(navigation: boolean): Promise<void> {
    const token = ++this.renderToken;
    const route = parseHash(location.hash);
    const page = route.page === 'not-found' ? notFoundPage : PAGE_RENDERERS[route.page];
    const title = route.page === 'not-found' ? 'Not found' : PAGE_TITLES[route.page];
    document.title = `${title} · FINML`;
    for (const link of this.nav.querySelectorAll('a')) {
      if (link.dataset.page === route.page) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (navigation) {
      this.main.setAttribute('aria-busy', 'true');
      destroyChartsIn(this.main);
      this.main.replaceChildren(loading());
    }
    let content: Node;
    try {
      content = await page(this.context(route));
    } catch (error) {
      if (token !== this.renderToken) return;
      content = h(
        'div',
        null,
        pageHeading(title),
        errorBox(error, () => void this.render(true)),
      );
    }
    if (token !== this.renderToken) {
      if (content instanceof Element) destroyChartsIn(content);
      return;
    }
    destroyChartsIn(this.main);
    this.main.replaceChildren(content);
    this.main.removeAttribute('aria-busy');
    this.updated.textContent = `updated ${formatDateTime(new Date().toISOString())}`;
    if (navigation) {
      const view = route.params.view;
      const target = view ? document.getElementById(`section-${view}`) : null;
      if (target) target.scrollIntoView();
      if (!this.firstRender) this.main.querySelector<HTMLElement>('h1')?.focus();
      else if (!target) window.scrollTo(0, 0);
    }
    this.firstRender = false;
  }
}

/** The header the local server's /config.json requires: a page of another origin cannot send it
 * without a CORS preflight, which the server refuses, and a <script> tag cannot send it at all. */
const CONFIG_REQUEST_HEADER = 'x-finml-dashboard';

/**
 * The local runtime's API key (`npm start`), read from the same origin's /config.json. Elsewhere (a
 * deployed site) there is none: the answer is not FINML's JSON, and the key comes from Settings.
 */
async function loadServerKey(): Promise<void> {
  try {
    const response = await fetch('./config.json', {
      headers: { [CONFIG_REQUEST_HEADER]: '1' },
      cache: 'no-store',
    });
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('application/json')) return;
    const body = (await response.json()) as { apiKey?: unknown; apiUrl?: unknown };
    if (typeof body.apiKey !== 'string') return;
    window.FINML_CONFIG = {
      ...(window.FINML_CONFIG ?? {}),
      apiKey: body.apiKey,
      ...(typeof body.apiUrl === 'string' ? { apiUrl: body.apiUrl } : {}),
    };
  } catch {
    // No local server behind this page: nothing to read.
  }
}

const root = document.getElementById('app');
if (root) void loadServerKey().then(() => new Shell(root).start());
