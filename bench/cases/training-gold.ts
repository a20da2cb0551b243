/**
 * Gold inputs of the training case: the generated bronze file (lib/inputs.ts) run through
 * `runDataPipeline` and written as one gold CSV (the `features_final.csv` layout `finml train`
 * reads), cached beside the bronze file. The cache name carries a hash of the data-layer sources
 * and config/data.yaml, so a change to either rebuilds the gold instead of reusing stale labels.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedBronzeFile } from '../lib/inputs.ts';
import type { PrepareContext } from '../lib/types.ts';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Hash of what determines the gold rows: the data layer's code and config/data.yaml. */
function goldCodeHash(configDir: string): string {
  const hash = createHash('sha256');
  const dataDir = repo('shared/data/');
  for (const name of readdirSync(dataDir)
    .filter((n) => n.endsWith('.ts'))
    .sort()) {
    hash.update(name).update(readFileSync(join(dataDir, name)));
  }
  hash.update(readFileSync(join(configDir, 'data.yaml')));
  return hash.digest('hex').slice(0, 12);
}

export interface GoldFile {
  path: string;
  /** Gold rows (bronze rows less each symbol's warm-up rows). */
  rows: number;
  symbols: number;
}

/** The gold CSV of the generated bronze file with these parameters: from the cache, or built now. */
export async function generatedGoldFile(
  params: { symbols: number; days: number; seed: number },
  configDir: string,
  context: PrepareContext,
): Promise<GoldFile> {
  const bronze = await generatedBronzeFile(params, context);
  const stem = basename(bronze.path, '.csv').replace(/^bronze-/, '');
  const path = join(context.cacheDir, `gold-${stem}-${goldCodeHash(configDir)}.csv`);
  const cached = await readFile(`${path}.json`, 'utf8').catch(() => undefined);
  if (cached !== undefined && (await stat(path).catch(() => undefined))?.isFile()) {
    return { path, ...(JSON.parse(cached) as Omit<GoldFile, 'path'>) };
  }
  await removeStaleGold(context, stem, basename(path));
  const { loadConfig } = await import('#config/load');
  const { runDataPipeline } = await import('#shared/data/pipeline');
  const { goldCsv } = await import('#shared/data/tables');
  const data = loadConfig(configDir).config.data;
  context.log(`building gold from ${basename(bronze.path)} → ${path}`);
  const started = performance.now();
  const result = await runDataPipeline(
    [{ name: basename(bronze.path), chunks: createReadStream(bronze.path, { highWaterMark: 1 << 20 }) }],
    new Map(),
    { config: data, runDay: bronze.lastDay },
  );
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  let rows = 0;
  for (const [i, series] of result.gold.series.entries()) {
    rows += series.length;
    for (const chunk of goldCsv(series, data.regimes.labels, i === 0)) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  await rename(tmp, path);
  const file = { rows, symbols: result.gold.series.length };
  await writeFile(`${path}.json`, `${JSON.stringify(file)}\n`);
  context.log(
    `  ${rows.toLocaleString('en-US')} gold rows in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { path, ...file };
}

/** Deletes gold files of the same bronze input built by other code (they are large). */
async function removeStaleGold(context: PrepareContext, stem: string, keep: string): Promise<void> {
  const names = readdirSync(context.cacheDir).filter(
    (n) => n.startsWith(`gold-${stem}-`) && n !== keep && n !== `${keep}.json`,
  );
  for (const name of names) {
    await rm(join(context.cacheDir, name), { force: true });
    context.log(`removed ${name} (built by other code or config)`);
  }
}
