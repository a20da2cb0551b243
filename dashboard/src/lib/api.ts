/**
 * The only way the dashboard gets data: FINML's HTTP API, each request carrying `x-api-key`.
 * Errors are typed: ApiError for an answer with status 4xx/5xx (the API's `{ message }`), and
 * ApiUnreachableError when no answer came at all (wrong URL, API down, CORS).
 */
import type {
  AbTestRecord,
  AlertRecord,
  ConfigResponse,
  DriftRecord,
  ItemsResponse,
  JobRecord,
  ModelDetailsResponse,
  ModelsResponse,
  QualityRecord,
  RegimesResponse,
  RegistryEvent,
  StatusResponse,
  TimelineResponse,
} from './types.ts';

/** The API answered with an error status. */
export class ApiError extends Error {
  readonly status: number;
  readonly path: string;
  constructor(status: number, message: string, path: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.status = status;
    this.path = path;
  }
}

/** The API could not be reached (network error, wrong URL, CORS refusal). */
export class ApiUnreachableError extends Error {
  readonly url: string;
  constructor(url: string, options?: ErrorOptions) {
    super(`the API at ${url} could not be reached`, options);
    this.name = 'ApiUnreachableError';
    this.url = url;
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export type HistoryKind = 'alerts' | 'drift' | 'quality' | 'abtests' | 'jobs' | 'events';

/** The URL of an API path with its query (undefined and empty values are left out). */
export function apiUrl(
  base: string,
  path: string,
  query: Record<string, string | number | undefined> = {},
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return `${base.replace(/\/+$/, '')}${path}${qs ? `?${qs}` : ''}`;
}

/**
 * The message of an error body: the API's `{ message }` with its validation `issues` ("invalid
 * request: regime: unknown regime …"), else the status text.
 */
export function errorMessage(status: number, statusText: string, body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const { message, issues } = parsed as Record<string, unknown>;
      if (typeof message === 'string' && message !== '') {
        const details = Array.isArray(issues)
          ? issues
              .filter((i): i is { path?: unknown; message: string } => typeof i?.message === 'string')
              .map((i) =>
                typeof i.path === 'string' && i.path !== '' ? `${i.path}: ${i.message}` : i.message,
              )
          : [];
        return details.length === 0 ? message : `${message}: ${details.join('; ')}`;
      }
    }
  } catch {
    // Not JSON: fall through to the status.
  }
  return `${status} ${statusText || 'error'}`.trim();
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetchImpl: FetchLike;

  constructor(baseUrl: string, apiKey: string, fetchImpl: FetchLike = (input, init) => fetch(input, init)) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
    this.fetchImpl = fetchImpl;
  }

  /** GET or POST a path and parse its JSON answer. */
  async request<T>(
    path: string,
    options: {
      query?: Record<string, string | number | undefined>;
      body?: unknown;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    const url = apiUrl(this.baseUrl, path, options.query);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey !== '') headers['x-api-key'] = this.apiKey;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: options.body === undefined ? 'GET' : 'POST',
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiUnreachableError(this.baseUrl, { cause: error });
    }
    const text = await response.text();
    if (!response.ok)
      throw new ApiError(response.status, errorMessage(response.status, response.statusText, text), path);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new ApiError(response.status, `the API answered ${path} with something that is not JSON`, path, {
        cause: error,
      });
    }
  }

  status(): Promise<StatusResponse> {
    return this.request('/status');
  }

  regimes(): Promise<RegimesResponse> {
    return this.request('/regimes');
  }

  timeline(symbol: string, from?: string, to?: string): Promise<TimelineResponse> {
    return this.request('/timeline', { query: { symbol, from, to } });
  }

  models(): Promise<ModelsResponse> {
    return this.request('/models');
  }

  model(version: string): Promise<ModelDetailsResponse> {
    return this.request(`/models/${encodeURIComponent(version)}`);
  }

  alerts(limit: number): Promise<ItemsResponse<AlertRecord>> {
    return this.request('/alerts', { query: { limit } });
  }

  /** The drift checks (the newest with its per-symbol statistics), or one symbol's statistics at each. */
  drift(limit: number, symbol?: string): Promise<ItemsResponse<DriftRecord>> {
    return this.request('/drift', { query: { limit, symbol } });
  }

  quality(limit: number): Promise<ItemsResponse<QualityRecord>> {
    return this.request('/quality', { query: { limit } });
  }

  abtests(limit: number): Promise<ItemsResponse<AbTestRecord>> {
    return this.request('/abtests', { query: { limit } });
  }

  jobs(limit: number): Promise<ItemsResponse<JobRecord>> {
    return this.request('/jobs', { query: { limit } });
  }

  events(limit: number): Promise<ItemsResponse<RegistryEvent>> {
    return this.request('/events', { query: { limit } });
  }

  config(): Promise<ConfigResponse> {
    return this.request('/config');
  }
}

/** A reader's explanation of a failed request, with what to do about it. */
export function describeError(error: unknown): { title: string; detail: string; hint: string | null } {
  if (error instanceof ApiUnreachableError) {
    return {
      title: 'The API could not be reached',
      detail: error.message,
      hint: 'Check the API URL in Settings, and that the API is running (npm start serves it locally).',
    };
  }
  if (error instanceof ApiError) {
    const hint =
      error.status === 401 || error.status === 403
        ? 'The API refused the key: enter a valid API key in Settings.'
        : error.status === 404
          ? error.path === '/timeline' || error.path.startsWith('/models/')
            ? null
            : 'Check that the API URL in Settings points at the FINML API.'
          : error.status >= 500
            ? 'The API failed; its logs have the details. Try again shortly.'
            : null;
    return { title: `The API answered ${error.status}`, detail: error.message, hint };
  }
  return {
    title: 'Something went wrong',
    detail: error instanceof Error ? error.message : String(error),
    hint: null,
  };
}
