/**
 * The model the predict case serves: the data pipeline and `trainModel` on the bundled S&P 500
 * sample with the config of `config/` (HMM included), as `finml pipeline` then `finml train` would
 * make it. Built once per benchmark run in the parent (the code may have changed since the last
 * run) and written to the cache folder as the artifact JSON the API loads.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { LoadedConfig } from '#config/load';
import type { ModelArtifact } from '#shared/model/artifact';
import type { PrepareContext } from '../lib/types.ts';

/** Pipeline and training on one market CSV (its last date is the run day, so no row is dropped). */
export async function trainOnFile(file: string, loaded: LoadedConfig): Promise<ModelArtifact> {
  const { runDataPipeline } = await import('#shared/data/pipeline');
  const { parseIsoDay } = await import('#shared/data/values');
  const { trainModel } = await import('#shared/model/train');
  const bytes = readFileSync(file);
  const lastDate = /(\d{4}-\d{2}-\d{2})[^\n]*\s*$/.exec(bytes.toString('utf8'))?.[1];
  const runDay = lastDate === undefined ? undefined : parseIsoDay(lastDate);
  if (runDay === undefined) throw new Error(`${file}: no date on its last line`);
  const chunks = (async function* () {
    yield new Uint8Array(bytes);
  })();
  const result = await runDataPipeline([{ name: basename(file), chunks }], new Map(), {
    config: loaded.config.data,
    runDay,
  });
  const tables = result.gold.series;
  const rows = tables.reduce((n, t) => n + t.length, 0);
  return trainModel(
    { tables, sources: [{ file, sha256: createHash('sha256').update(bytes).digest('hex'), rows }] },
    {
      data: loaded.config.data,
      model: loaded.config.model,
      configHash: loaded.hash,
      codeVersion: 'benchmark',
      now: new Date(),
    },
  );
}

let built: Promise<string> | undefined;

/** Path of the sample's model.json in the cache folder, trained on the first call of this run. */
export function sampleModelFile(file: string, configDir: string, context: PrepareContext): Promise<string> {
  built ??= (async () => {
    const { loadConfig } = await import('#config/load');
    const { serializeArtifact } = await import('#shared/model/artifact');
    const started = performance.now();
    const artifact = await trainOnFile(file, loadConfig(configDir));
    const path = join(context.cacheDir, 'predict', 'model.json');
    await mkdir(join(context.cacheDir, 'predict'), { recursive: true });
    await writeFile(`${path}.${process.pid}.tmp`, serializeArtifact(artifact));
    await rename(`${path}.${process.pid}.tmp`, path);
    context.log(
      `trained the predict model on ${basename(file)} in ${((performance.now() - started) / 1000).toFixed(1)} s → ${path}`,
    );
    return path;
  })();
  return built;
}
