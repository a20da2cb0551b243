/**
 * The dashboard's state lives in the URL hash — `#/timeline?symbol=SPX&from=2008-01-01` — so a link
 * shows the same page to anyone who opens it. The page names match the `dashboardPath`s that alerts
 * carry (shared/monitoring/alerts.ts: `/drift?symbol=…`, `/models?version=…`, `/ab-tests?…`), so an
 * alert's link is its path behind a `#`; the few other paths alerts use are aliases.
 */

export const PAGES = [
  'home',
  'timeline',
  'models',
  'drift',
  'monitoring',
  'data',
  'ab-tests',
  'settings',
  'glossary',
] as const;

export type PageId = (typeof PAGES)[number];

export interface Route {
  page: PageId | 'not-found';
  /** Query parameters (empty values are dropped). */
  params: Record<string, string>;
}

/** Navigation labels, in menu order. */
export const PAGE_TITLES: Record<PageId, string> = {
  home: 'Home',
  timeline: 'Regime timeline',
  models: 'Markov chain',
  drift: 'Alerts & drift',
  monitoring: 'Metrics & performance',
  data: 'Data quality',
  'ab-tests': 'Retraining & A/B',
  settings: 'Settings',
  glossary: 'Glossary',
};

/** Other names for pages: paths used in alerts and e-mails, and obvious synonyms. */
const ALIASES: Record<string, PageId> = {
  '': 'home',
  home: 'home',
  model: 'models',
  chain: 'models',
  forecasts: 'timeline',
  alerts: 'drift',
  metrics: 'monitoring',
  pipeline: 'data',
  quality: 'data',
  retraining: 'ab-tests',
  abtests: 'ab-tests',
};

function pageOf(name: string): PageId | undefined {
  const clean = name.replace(/^\/+|\/+$/g, '').toLowerCase();
  if ((PAGES as readonly string[]).includes(clean)) return clean as PageId;
  return ALIASES[clean];
}

function paramsOf(query: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    // "__proto__" would set the object's prototype instead of a parameter.
    if (value !== '' && key !== '__proto__') params[key] = value;
  }
  return params;
}

/** A path with a query, e.g. "/drift?symbol=SPX" (an alert's dashboardPath), as a route. */
export function parsePath(pathAndQuery: string): Route {
  const q = pathAndQuery.indexOf('?');
  const path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q === -1 ? '' : pathAndQuery.slice(q + 1);
  const page = pageOf(path);
  if (page === undefined) return { page: 'not-found', params: { path } };
  return { page, params: paramsOf(query) };
}

/** The route of a location hash ("#/timeline?symbol=SPX"; "" and "#/" are Home). */
export function parseHash(hash: string): Route {
  return parsePath(hash.replace(/^#/, ''));
}

/** The canonical hash of a route: parameters in alphabetical order, empty ones left out. */
export function formatHash(route: Route): string {
  const page = route.page === 'home' || route.page === 'not-found' ? '' : route.page;
  const entries = Object.entries(route.params)
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = new URLSearchParams(entries).toString();
  return `#/${page}${query ? `?${query}` : ''}`;
}

/** The same page with some parameters changed (null or "" removes one). */
export function withParams(route: Route, changes: Record<string, string | null | undefined>): Route {
  const params = { ...route.params };
  for (const [key, value] of Object.entries(changes)) {
    if (key === '__proto__') continue;
    if (value === null || value === undefined || value === '') delete params[key];
    else params[key] = value;
  }
  return { page: route.page, params };
}

/** A link to a page: `href('timeline', { symbol: 'SPX' })` → "#/timeline?symbol=SPX". */
export function href(page: PageId, params: Record<string, string | null | undefined> = {}): string {
  return formatHash(withParams({ page, params: {} }, params));
}

/** An alert's dashboardPath as a link inside the dashboard ("/drift?symbol=X" → "#/drift?symbol=X"). */
export function alertHref(dashboardPath: string): string {
  return formatHash(parsePath(dashboardPath));
}

/**
 * A location opened by path rather than hash (an e-mailed link such as https://site/drift?symbol=X,
 * served index.html by the SPA fallback) → the hash route it means, or undefined when the path is
 * the site root itself (or a file such as index.html).
 */
export function routeFromLocationPath(pathname: string, search: string): Route | undefined {
  const last = pathname.replace(/\/+$/, '').split('/').pop() ?? '';
  if (last === '' || last.includes('.')) return undefined;
  const route = parsePath(`${last}${search}`);
  return route.page === 'not-found' ? undefined : route;
}

/** A strict YYYY-MM-DD that is a real calendar day. */
export function isIsoDay(value: string | undefined): value is string {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === value;
}

/** The timeline page's state: which symbol, which date range, log price axis. */
export interface TimelineState {
  symbol: string | null;
  from: string | null;
  to: string | null;
  log: boolean;
}

/** Reads the timeline state from route parameters (invalid dates are ignored, and a reversed range is swapped). */
export function timelineState(params: Record<string, string>): TimelineState {
  let from = isIsoDay(params.from) ? params.from : null;
  let to = isIsoDay(params.to) ? params.to : null;
  if (from !== null && to !== null && from > to) [from, to] = [to, from];
  return { symbol: params.symbol ?? null, from, to, log: params.log === '1' };
}

/** The route parameters of a timeline state (the inverse of {@link timelineState}). */
export function timelineParams(state: TimelineState): Record<string, string> {
  const params: Record<string, string> = {};
  if (state.symbol) params.symbol = state.symbol;
  if (state.from) params.from = state.from;
  if (state.to) params.to = state.to;
  if (state.log) params.log = '1';
  return params;
}
