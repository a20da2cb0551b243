/**
 * Child side of the pipeline case: runs the `finml pipeline` command itself on the generated bronze
 * file, into a temporary folder (the lake layout: silver and gold partitions, the run record), and
 * reports the process's CPU time since it started (module loading included), its wall time, and
 * what the run's record says it accepted.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineCommand } from '../../bin/commands/pipeline.ts';
import { formatIsoDay } from '../../shared/data/values.ts';
import type { Measure } from '../lib/types.ts';
import type { PipelineParams } from './pipeline.ts';

export const measure: Measure<PipelineParams> = async (params) => {
  const out = await mkdtemp(join(tmpdir(), 'finml-bench-pipeline-'));
  const write = process.stdout.write;
  const started = performance.now();
  try {
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const code = await pipelineCommand.run([
      params.file,
      '--out',
      out,
      '--run-date',
      formatIsoDay(params.runDay),
      '--config',
      params.configDir,
    ]);
    if (code !== 0) throw new Error(`finml pipeline exited ${code}`);
  } finally {
    process.stdout.write = write;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage();
  // CPU time of the process (all threads, GC helpers included): less sensitive than wall time to
  // other work on a shared machine.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const [run] = await readdir(join(out, 'gold', 'runs'));
  const metadata = JSON.parse(await readFile(join(out, 'gold', 'runs', run!, 'metadata.json'), 'utf8')) as {
    sources: { rowsAccepted: number; bytes: number }[];
    gold: { rows: number; symbols: unknown[] };
  };
  await rm(out, { recursive: true, force: true });
  const source = metadata.sources[0]!;
  if (source.rowsAccepted !== params.rows) {
    throw new Error(`expected ${params.rows} accepted rows, the pipeline accepted ${source.rowsAccepted}`);
  }
  return {
    rows: params.rows,
    inputMiB: source.bytes / 2 ** 20,
    wallSeconds: seconds,
    rowsPerSecond: params.rows / seconds,
    cpuSeconds,
    rowsPerCpuSecond: params.rows / cpuSeconds,
    goldRows: metadata.gold.rows,
    symbols: metadata.gold.symbols.length,
  };
};
