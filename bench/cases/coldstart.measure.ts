/**
 * Child side of the coldstart case: starts `runs` pairs of fresh Node processes (with the
 * function's NODE_OPTIONS, and without), each of which times `await import(bundle)` and reports
 * it on stdout. The pairs alternate their order so that both modes share the machine's load.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { sortedQuantile } from '#shared/model/markov';
import type { Measure } from '../lib/types.ts';
import type { ColdstartParams } from './coldstart.ts';

/** Runs in the fresh process: process.argv[1] is the bundle's URL. */
const LOADER = `
const cpu = process.cpuUsage();
const started = performance.now();
await import(process.argv[1]);
const importMs = performance.now() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({
  nodeStartMs: started,
  importMs,
  importCpuMs: (used.user + used.system) / 1000,
  rssMiB: process.memoryUsage.rss() / 2 ** 20,
}));
process.exit(0);
`;

interface ImportRun {
  nodeStartMs: number;
  importMs: number;
  importCpuMs: number;
  rssMiB: number;
  processMs: number;
}

function freshImport(file: string, env: Record<string, string>): ImportRun {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', LOADER, pathToFileURL(file).href], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const processMs = performance.now() - started;
  if (child.status !== 0) {
    throw new Error(`importing ${file} failed (${child.signal ?? `exit ${child.status}`}):\n${child.stderr}`);
  }
  return { ...(JSON.parse(child.stdout) as Omit<ImportRun, 'processMs'>), processMs };
}

const median = (runs: readonly ImportRun[], key: keyof ImportRun): number =>
  sortedQuantile(
    runs.map((r) => r[key]).sort((a, b) => a - b),
    0.5,
  );

export const measure: Measure<ColdstartParams> = async (params) => {
  const withMaps: ImportRun[] = [];
  const withoutMaps: ImportRun[] = [];
  const noMapsEnv = { ...params.env, NODE_OPTIONS: '' };
  for (let run = 0; run < params.runs; run++) {
    const first = run % 2 === 0;
    if (first) withMaps.push(freshImport(params.file, params.env));
    withoutMaps.push(freshImport(params.file, noMapsEnv));
    if (!first) withMaps.push(freshImport(params.file, params.env));
  }
  const importMs = median(withMaps, 'importMs');
  return {
    bundleKiB: params.bytes / 1024,
    sourceMapKiB: params.mapBytes / 1024,
    importMs,
    ...(params.bundle === 'api' ? { apiImportMs: importMs } : {}),
    importCpuMs: median(withMaps, 'importCpuMs'),
    importMinMs: Math.min(...withMaps.map((r) => r.importMs)),
    importNoSourceMapsMs: median(withoutMaps, 'importMs'),
    importNoSourceMapsCpuMs: median(withoutMaps, 'importCpuMs'),
    nodeStartMs: median(withMaps, 'nodeStartMs'),
    processMs: median(withMaps, 'processMs'),
    initRssMiB: median(withMaps, 'rssMiB'),
    runs: withMaps.length,
  };
};
