/**
 * Where the dashboard finds the API: the URL and key saved in Settings (localStorage) win; else the
 * values the server injected as `window.FINML_CONFIG` (config.js); else the same origin's `/api`
 * with no key. Pure functions — the browser storage is read and written by the caller.
 */

export interface Settings {
  apiUrl: string;
  apiKey: string;
  /** Auto-refresh period in seconds; 0 = off. */
  refreshSeconds: number;
}

export type SettingSource = 'settings' | 'server' | 'default';

export interface ResolvedSettings extends Settings {
  sources: { apiUrl: SettingSource; apiKey: SettingSource };
}

/** The auto-refresh choices offered in the header, in seconds (0 = off). */
export const REFRESH_CHOICES: readonly number[] = [0, 30, 60, 300];

export const STORAGE_KEY = 'finml.dashboard.settings';

/** An API base URL without trailing slashes ("https://x/api/" → "https://x/api"). */
export function normaliseApiUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** Whether text is an absolute http(s) URL the dashboard can call. */
export function isValidApiUrl(url: string): boolean {
  try {
    const u = new URL(url.trim());
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = (value as Record<string, unknown>)[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Settings saved in localStorage (JSON), tolerating absence and damage (→ nothing saved). */
export function parseStoredSettings(json: string | null): Partial<Settings> {
  if (json === null) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return {};
  }
  const out: Partial<Settings> = {};
  const apiUrl = stringField(value, 'apiUrl');
  if (apiUrl !== undefined && isValidApiUrl(apiUrl)) out.apiUrl = normaliseApiUrl(apiUrl);
  const apiKey = stringField(value, 'apiKey');
  if (apiKey !== undefined) out.apiKey = apiKey;
  const refresh = (value as Record<string, unknown>).refreshSeconds;
  if (typeof refresh === 'number' && REFRESH_CHOICES.includes(refresh)) out.refreshSeconds = refresh;
  return out;
}

/** The settings in force, and where each came from. */
export function resolveSettings(
  stored: Partial<Settings>,
  injected: unknown,
  origin: string,
): ResolvedSettings {
  const serverUrl = stringField(injected, 'apiUrl');
  const serverKey = stringField(injected, 'apiKey');
  const apiUrl =
    stored.apiUrl ??
    (serverUrl !== undefined && isValidApiUrl(serverUrl) ? normaliseApiUrl(serverUrl) : undefined);
  const apiKey = stored.apiKey ?? serverKey;
  return {
    apiUrl: apiUrl ?? `${normaliseApiUrl(origin)}/api`,
    apiKey: apiKey ?? '',
    refreshSeconds: stored.refreshSeconds ?? 0,
    sources: {
      apiUrl: stored.apiUrl !== undefined ? 'settings' : apiUrl !== undefined ? 'server' : 'default',
      apiKey: stored.apiKey !== undefined ? 'settings' : apiKey !== undefined ? 'server' : 'default',
    },
  };
}

/** The JSON to store for settings (only what the user chose; empty fields fall back). */
export function serialiseSettings(settings: Partial<Settings>): string {
  const out: Partial<Settings> = {};
  if (settings.apiUrl && isValidApiUrl(settings.apiUrl)) out.apiUrl = normaliseApiUrl(settings.apiUrl);
  if (settings.apiKey?.trim()) out.apiKey = settings.apiKey.trim();
  if (settings.refreshSeconds !== undefined && REFRESH_CHOICES.includes(settings.refreshSeconds)) {
    out.refreshSeconds = settings.refreshSeconds;
  }
  return JSON.stringify(out);
}

/** "30 s", "1 min", "Off" — the label of an auto-refresh choice. */
export function refreshLabel(seconds: number): string {
  if (seconds <= 0) return 'Off';
  if (seconds < 60) return `${seconds}\u00a0s`;
  return `${seconds / 60}\u00a0min`;
}
