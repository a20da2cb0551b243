/**
 * Child side of the pipeline case: times streamDataPipeline on the file named in the params, with
 * no existing silver and a sink that counts the gold rows (nothing is written: the figure is the
 * pipeline's own work; `finml pipeline` adds the CSV writing).
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { loadConfig } from '#config/load';
import { streamDataPipeline } from '#shared/data/pipeline';
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
  let goldRows = 0;
  let symbols = 0;
  const result = await streamDataPipeline(
    [input],
    { symbols: [], read: async () => undefined },
    {
      config,
      runDay: params.runDay,
      sink: {
        gold: (g) => {
          goldRows += g.length;
          symbols++;
        },
      },
      onProgress: () => {
        lastChunkAt = performance.now();
      },
    },
  );
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
    goldRows,
    symbols,
  };
};
