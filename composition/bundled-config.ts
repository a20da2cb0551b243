/**
 * The config as the Lambda bundle carries it: FinmlFunction writes the validated config the stack was
 * given (config/load.ts) into the bundle as `config.json`, so a cold start reads JSON instead of
 * parsing YAML and validating it with zod again (and the /predict bundle holds neither library).
 * Unbundled runs (tests, the local runtime, the CLI) load the YAML and build their own context.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '#config/load';

/** File name of the bundled config in the function's config folder (FINML_CONFIG_DIR). */
export const BUNDLED_CONFIG_FILE = 'config.json';

export class BundledConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BundledConfigError';
  }
}

/** The bundled config's text: the validated config and its hash. */
export function bundledConfigText(loaded: LoadedConfig): string {
  return `${JSON.stringify({ config: loaded.config, hash: loaded.hash })}\n`;
}

/** The bundled config in `dir` (default FINML_CONFIG_DIR), or undefined when there is none. */
export function readBundledConfig(dir = process.env.FINML_CONFIG_DIR): LoadedConfig | undefined {
  if (dir === undefined) return undefined;
  const file = join(dir, BUNDLED_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BundledConfigError(`${file}: cannot read (${(error as Error).message})`, { cause: error });
  }
  try {
    return JSON.parse(text) as LoadedConfig;
  } catch (cause) {
    throw new BundledConfigError(`${file}: not JSON (${(cause as Error).message})`, { cause });
  }
}

/** The bundled config; fails (at cold start) when the function was not built by FinmlFunction. */
export function bundledConfig(dir = process.env.FINML_CONFIG_DIR): LoadedConfig {
  const loaded = readBundledConfig(dir);
  if (loaded === undefined) {
    throw new BundledConfigError(
      `no ${BUNDLED_CONFIG_FILE} in FINML_CONFIG_DIR (${dir ?? 'not set'}): the function's bundle is built by ` +
        'FinmlFunction (infra/constructs/finml-function.ts); unbundled runs (the local runtime, tests) pass their own context to createHandlers',
    );
  }
  return loaded;
}
