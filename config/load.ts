/**
 * Loads config/*.yaml once and validates each file with its zod schema. A bad file fails with a
 * ConfigError that names the file and the key, e.g.
 * `config/data.yaml: regimes.thresholds.low: Too big: expected number to be <=1`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { hashJson } from '#shared/hash';
import { type ConfigName, configSchemas, type FinmlConfig } from './schema.ts';

export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** The folder that holds the YAML files: FINML_CONFIG_DIR (set in Lambda bundles) or this folder. */
export const defaultConfigDir = (): string =>
  process.env.FINML_CONFIG_DIR ?? fileURLToPath(new URL('.', import.meta.url));

/** Parses and validates one config document; `file` is only used in error messages. */
export function parseConfig<N extends ConfigName>(name: N, text: string, file: string): FinmlConfig[N] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new ConfigError(`${file}: not valid YAML: ${(cause as Error).message}`, { cause });
  }
  const result = configSchemas[name].safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(lines.join('\n'), { cause: result.error });
  }
  return result.data as FinmlConfig[N];
}

export interface LoadedConfig {
  config: FinmlConfig;
  /** sha256 of the validated config, so every output can say which config made it. */
  hash: string;
}

const cache = new Map<string, LoadedConfig>();

/** Loads every config file from `dir` (once per process). */
export function loadConfig(dir: string = defaultConfigDir()): LoadedConfig {
  const cached = cache.get(dir);
  if (cached) return cached;
  const config = {} as Record<ConfigName, unknown>;
  // Errors name the file: config/<name>.yaml for the repository's own, the path under --config else.
  const shown = (name: ConfigName) =>
    dir === defaultConfigDir() ? `config/${name}.yaml` : join(dir, `${name}.yaml`);
  for (const name of Object.keys(configSchemas) as ConfigName[]) {
    const file = join(dir, `${name}.yaml`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new ConfigError(`${file}: cannot read config file (${(cause as NodeJS.ErrnoException).code})`, {
        cause,
      });
    }
    config[name] = parseConfig(name, text, shown(name));
  }
  crossCheck(config as FinmlConfig, shown);
  const loaded = { config: config as FinmlConfig, hash: hashJson(config) };
  cache.set(dir, loaded);
  return loaded;
}

/** Loads config with some keys replaced (for experiments); the overrides are validated too. */
export function withOverrides(base: FinmlConfig, name: ConfigName, patch: unknown): FinmlConfig {
  const merged = deepMerge(base[name], patch);
  const result = configSchemas[name].safeParse(merged);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues
        .map((i) => `override of config/${name}.yaml: ${i.path.join('.')}: ${i.message}`)
        .join('\n'),
    );
  }
  return { ...base, [name]: result.data };
}

/** Rules that span two files. */
function crossCheck(c: FinmlConfig, shown: (name: ConfigName) => string): void {
  if (!c.data.regimes.labels.includes(c.model.markov.absorbingRegime)) {
    throw new ConfigError(
      `${shown('model')}: markov.absorbingRegime: "${c.model.markov.absorbingRegime}" is not one of ${shown('data')} regimes.labels (${c.data.regimes.labels.join(', ')})`,
    );
  }
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
    return out;
  }
  return b === undefined ? a : b;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
