/**
 * Lambda cold start (issue 8): each handler bundle built exactly as the CDK builds it
 * (coldstart-bundle.ts), its size and source map size, and its module initialisation —
 * `await import(bundle)` timed inside a fresh Node process with the function's Lambda environment
 * — as the median over `runs` fresh processes. Each run also imports without NODE_OPTIONS
 * (`--enable-source-maps`, which FinmlFunction sets) to show what the source map costs at start.
 *
 * Not included: the Lambda runtime's own bootstrap, and the first request's work (config YAML
 * parse and validation, SDK clients' credential and endpoint resolution on the first call).
 */
import { join } from 'node:path';
import { defineCase } from '../lib/types.ts';
import {
  buildLambdaBundle,
  LAMBDA_ENTRIES,
  type LambdaBundleName,
  lambdaEnvironment,
} from './coldstart-bundle.ts';

export type ColdstartVariant = { bundle: LambdaBundleName; runs: number };

export type ColdstartParams = {
  bundle: LambdaBundleName;
  file: string;
  bytes: number;
  mapBytes: number;
  runs: number;
  env: Record<string, string>;
};

const variant = (bundle: LambdaBundleName, quick: boolean) => ({
  name: bundle,
  quick,
  params: { bundle, runs: 7 },
});

export const coldstartCase = defineCase<ColdstartVariant, ColdstartParams>({
  name: 'coldstart',
  title: 'Lambda cold start: bundle size and `await import(bundle)` in a fresh process (median)',
  measureModule: new URL('./coldstart.measure.ts', import.meta.url),
  variants: [variant('api', true), variant('pipeline', false), variant('scheduled', false)],
  async prepare(v, context) {
    const dir = join(context.cacheDir, 'coldstart', v.bundle);
    const built = await buildLambdaBundle(LAMBDA_ENTRIES[v.bundle], dir);
    const top = built.largest
      .slice(0, 6)
      .map((p) => `${p.name} ${(p.bytes / 1024).toFixed(0)} KiB`)
      .join(', ');
    context.log(`${v.bundle} bundle: ${(built.bytes / 1024).toFixed(0)} KiB — largest: ${top}`);
    return {
      bundle: v.bundle,
      file: built.file,
      bytes: built.bytes,
      mapBytes: built.mapBytes,
      runs: v.runs,
      env: lambdaEnvironment(v.bundle, dir),
    };
  },
  figures: [
    { key: 'bundleKiB', label: 'bundle', unit: 'KiB', digits: 0 },
    { key: 'sourceMapKiB', label: 'source map', unit: 'KiB', digits: 0 },
    { key: 'importMs', label: 'import', unit: 'ms', digits: 1 },
    {
      key: 'apiImportMs',
      label: 'import (API)',
      unit: 'ms',
      digits: 1,
      target: { op: '<=', value: 50, source: 'issue 8' },
    },
    { key: 'importCpuMs', label: 'import CPU', unit: 'ms', digits: 1 },
    { key: 'importNoSourceMapsMs', label: 'import w/o source maps', unit: 'ms', digits: 1 },
    { key: 'nodeStartMs', label: 'Node start', unit: 'ms', digits: 1 },
    { key: 'processMs', label: 'process', unit: 'ms', digits: 0 },
    { key: 'initRssMiB', label: 'RSS after import', unit: 'MiB', digits: 0 },
  ],
  timeoutSeconds: 300,
});
