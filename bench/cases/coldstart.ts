/**
 * Lambda cold start (issue 8): each handler bundle built exactly as the CDK builds it
 * (coldstart-bundle.ts), its size and source map size, and its module initialisation —
 * `await import(bundle)` timed inside a fresh Node process with the function's Lambda environment
 * — as the median over `runs` fresh processes. Each run imports with `--enable-source-maps` and
 * without; `import` is the mode the function is deployed with (all but /predict apply source maps
 * at run time, docs/decisions/0006-predict-cold-start.md).
 *
 * The `predict` bundle (the /predict function) is also invoked: `runs` more fresh processes import
 * it and answer a POST /predict twice against a DynamoDB stand-in on localhost holding a serving
 * model of `symbols` symbols (coldstart-fakes.ts, coldstart-model.ts). `first request` is what the cold start adds to
 * the first caller's wait beyond the import — config, clients' first calls (credentials, endpoint,
 * signing, connection), X-Ray, the pointers and the serving model read, forecast, log write; `cold
 * start` is import + first request. Not included: the Lambda runtime's own bootstrap, TLS and the
 * network round trips to DynamoDB in AWS (4 calls, the pointers' two in parallel).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineCase } from '../lib/types.ts';
import {
  buildLambdaBundle,
  LAMBDA_ENTRIES,
  type LambdaBundleName,
  lambdaEnvironment,
  REPO_ROOT,
} from './coldstart-bundle.ts';

export type ColdstartVariant = { bundle: LambdaBundleName; runs: number; symbols: number };

export type ColdstartParams = {
  bundle: LambdaBundleName;
  file: string;
  bytes: number;
  mapBytes: number;
  runs: number;
  env: Record<string, string>;
  /** For the /predict bundle: invoke it against the DynamoDB stand-in with this serving model. */
  firstRequest?: { exportName: string; servingModelFile: string; servingModelBytes: number; symbol: string };
};

const variant = (bundle: LambdaBundleName, quick: boolean) => ({
  name: bundle,
  quick,
  params: { bundle, runs: 7, symbols: 200 },
});

/** The serving model the /predict runs read, written as JSON into the bundle's cache folder. */
async function servingModelFile(dir: string, symbols: number) {
  const { loadConfig } = await import('#config/load');
  const { benchServingModel, fakeSymbol } = await import('./coldstart-model.ts');
  const { servingModelItem } = await import('./coldstart-fakes.ts');
  const { config } = loadConfig(join(REPO_ROOT, 'config'));
  const model = benchServingModel(config.model, config.data.regimes.labels, symbols);
  const file = join(dir, 'serving-model.json');
  await mkdir(dir, { recursive: true });
  await writeFile(file, JSON.stringify(model));
  const stored = (await servingModelItem(model)).model as Uint8Array;
  return { file, bytes: stored.byteLength, symbol: fakeSymbol(0) };
}

export const coldstartCase = defineCase<ColdstartVariant, ColdstartParams>({
  name: 'coldstart',
  title:
    'Lambda cold start: bundle size, `await import(bundle)` in a fresh process, /predict first request (median)',
  measureModule: new URL('./coldstart.measure.ts', import.meta.url),
  variants: [
    variant('predict', true),
    variant('read', false),
    variant('admin', false),
    variant('pipeline', false),
    variant('scheduled', false),
  ],
  async prepare(v, context) {
    const dir = join(context.cacheDir, 'coldstart', v.bundle);
    const built = await buildLambdaBundle(LAMBDA_ENTRIES[v.bundle], dir);
    const top = built.largest
      .slice(0, 6)
      .map((p) => `${p.name} ${(p.bytes / 1024).toFixed(0)} KiB`)
      .join(', ');
    context.log(`${v.bundle} bundle: ${(built.bytes / 1024).toFixed(0)} KiB — largest: ${top}`);
    const serving =
      v.bundle === 'predict' ? await servingModelFile(join(dir, 'fakes'), v.symbols) : undefined;
    return {
      bundle: v.bundle,
      file: built.file,
      bytes: built.bytes,
      mapBytes: built.mapBytes,
      runs: v.runs,
      env: lambdaEnvironment(v.bundle, dir),
      ...(serving
        ? {
            firstRequest: {
              exportName: 'predict',
              servingModelFile: serving.file,
              servingModelBytes: serving.bytes,
              symbol: serving.symbol,
            },
          }
        : {}),
    };
  },
  figures: [
    { key: 'bundleKiB', label: 'bundle', unit: 'KiB', digits: 0 },
    { key: 'sourceMapKiB', label: 'source map', unit: 'KiB', digits: 0 },
    { key: 'importMs', label: 'import', unit: 'ms', digits: 1 },
    {
      key: 'predictImportMs',
      label: 'import (/predict)',
      unit: 'ms',
      digits: 1,
      target: { op: '<=', value: 50, source: 'issue 8' },
    },
    { key: 'importCpuMs', label: 'import CPU', unit: 'ms', digits: 1 },
    { key: 'importSourceMapsMs', label: 'import w/ source maps', unit: 'ms', digits: 1 },
    { key: 'importNoSourceMapsMs', label: 'import w/o source maps', unit: 'ms', digits: 1 },
    { key: 'firstRequestMs', label: 'first request', unit: 'ms', digits: 1 },
    { key: 'coldStartMs', label: 'cold start', unit: 'ms', digits: 1 },
    { key: 'secondRequestMs', label: 'warm request', unit: 'ms', digits: 1 },
    { key: 'servingModelKiB', label: 'serving model', unit: 'KiB', digits: 1 },
    { key: 'nodeStartMs', label: 'Node start', unit: 'ms', digits: 1 },
    { key: 'initRssMiB', label: 'RSS after import', unit: 'MiB', digits: 0 },
  ],
  timeoutSeconds: 300,
});
