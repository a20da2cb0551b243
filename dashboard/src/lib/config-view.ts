/**
 * Reading GET /config: the validated configuration in force (data, model, monitoring) and the
 * versions. The pages look thresholds up by path, tolerating the config either at the top level
 * or under a `config` (or `thresholds`) key, and show nothing rather than a guess when one is absent.
 */
import type { ConfigResponse } from './types.ts';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The config part of the answer ({ data, model, monitoring }). */
export function configRoot(response: ConfigResponse | null): Record<string, unknown> | null {
  if (response === null) return null;
  for (const key of ['config', 'thresholds']) {
    const inner = response[key];
    if (isObject(inner) && ('data' in inner || 'model' in inner || 'monitoring' in inner)) return inner;
  }
  return response;
}

/** The value at a dotted path ("monitoring.drift.ksThreshold"), or undefined. */
export function configValue(response: ConfigResponse | null, path: string): unknown {
  let node: unknown = configRoot(response);
  for (const part of path.split('.')) {
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** A finite number at a path, or null. */
export function configNumber(response: ConfigResponse | null, path: string): number | null {
  const value = configValue(response, path);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The versions reported beside the config, as label → text: the entries of a `versions` object and
 * any top-level text or number field (e.g. `configHash`).
 */
export function configVersions(response: ConfigResponse | null): [string, string][] {
  if (response === null) return [];
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(response)) {
    if (typeof value === 'string' || typeof value === 'number') out.push([key, String(value)]);
  }
  const versions = response.versions;
  if (isObject(versions)) {
    for (const [k, v] of Object.entries(versions))
      out.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
  }
  return out;
}

/** Flattens nested settings into dotted paths with display text, in document order. */
export function flattenConfig(value: unknown, prefix = ''): { path: string; value: string }[] {
  if (isObject(value)) {
    return Object.entries(value).flatMap(([k, v]) => flattenConfig(v, prefix ? `${prefix}.${k}` : k));
  }
  const text = Array.isArray(value)
    ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')
    : String(value);
  return [{ path: prefix, value: text }];
}
