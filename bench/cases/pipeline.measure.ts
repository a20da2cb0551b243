/** Child side of the pipeline case: times runDataPipeline on the file named in the params. */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { loadConfig } from '#config/load';
import { runDataPipeline } from '#shared/data/pipeline';
import type { Measure } from '../lib/types.ts';
import type { PipelineParams } from './pipeline.ts';

export const measure: Measure<PipelineParams> = async (params) => {
  const config = loadConfig(params.configDir).config.data;
  const input = {
    name: basename(params.file),
    chunks: createReadStream(params.file, { highWaterMark: 1 << 20 }),
  };
  let lastChunkAt = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await runDataPipeline([input], new Map(), {
    config,
    runDay: params.runDay,
    onProgress: () => {
      lastChunkAt = performance.now();
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time of the process (all threads, GC helpers included): less sensitive than wall time to
  // other work on a shared machine.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  const outcome = result.outcomes[0];
  if (outcome?.status !== 'accepted') {
    throw new Error(`the pipeline rejected the generated file: ${JSON.stringify(outcome)}`);
  }
  if (outcome.bronze.rowsAccepted !== params.rows) {
    throw new Error(
      `expected ${params.rows} accepted rows, the pipeline accepted ${outcome.bronze.rowsAccepted}`,
    );
  }
  return {
    rows: params.rows,
    inputMiB: outcome.bronze.bytes / 2 ** 20,
    wallSeconds: seconds,
    rowsPerSecond: params.rows / seconds,
    cpuSeconds,
    rowsPerCpuSecond: params.rows / cpuSeconds,
    /** From the call until the last chunk arrived: reading, hashing and parsing all but that chunk. */
    streamSeconds: (lastChunkAt - started) / 1000,
    goldRows: result.gold.series.reduce((sum, s) => sum + s.length, 0),
    symbols: result.histories.size,
  };
};
