/** What every page gets from the shell: the API client, its route, the latest status, navigation. */
import type { ApiClient } from '../lib/api.ts';
import type { Route } from '../lib/route.ts';
import type { ResolvedSettings } from '../lib/settings.ts';
import type { StatusResponse } from '../lib/types.ts';

export interface PageContext {
  api: ApiClient;
  route: Route;
  /** The header's latest /status answer (null when it failed or is still loading). */
  status: StatusResponse | null;
  settings: ResolvedSettings;
  /** Milliseconds since the epoch at render time. */
  now: number;
  /** Opens a route (a new history entry unless replace). */
  navigate(route: Route, options?: { replace?: boolean }): void;
  /** Saves settings and rebuilds the API client (Settings page). */
  saveSettings(settings: { apiUrl: string; apiKey: string; refreshSeconds: number }): void;
  /** Forgets the saved settings (back to the server's or the default). */
  resetSettings(): void;
}

/** A page renders from the API only: it fetches, then returns its content (throws on failure). */
export type Page = (ctx: PageContext) => Promise<Node>;
