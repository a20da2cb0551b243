/**
 * Child side of the pipeline-anchors case: runs one anchor script as its own process (its CPU time,
 * wall time and peak RSS are the script's own, reported by it) and checks it kept every input row.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figures, Measure } from '../lib/types.ts';
import type { PipelineAnchorParams } from './pipeline-anchors.ts';

const PYTHON = '/usr/bin/python3';

interface AnchorOutput {
  engine: string;
  cpuSeconds: number;
  wallSeconds: number;
  peakRssMiB: number;
  silverRows: number;
  goldRows: number;
}

/** Why an anchor cannot run here, or undefined when it can. */
function missing(params: PipelineAnchorParams): string | undefined {
  if (params.engine === 'pandas') {
    if (!existsSync(PYTHON)) return `${PYTHON} not found`;
    try {
      execFileSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'pandas not installed (apt-get install -y python3-pandas)';
    }
  }
  const pkg = params.engine === 'polars' ? 'nodejs-polars' : '@duckdb/node-api';
  return existsSync(join(params.anchorsDir, 'node_modules', pkg))
    ? undefined
    : `${pkg} not installed (npm ci --prefix bench/anchors)`;
}

export const measure: Measure<PipelineAnchorParams> = async (params): Promise<Figures> => {
  const why = missing(params);
  if (why !== undefined) {
    process.stderr.write(`pipeline-anchors/${params.engine}: skipped — ${why}\n`);
    return {};
  }
  const out = await mkdtemp(join(tmpdir(), `finml-bench-${params.engine}-`));
  try {
    const [command, args] =
      params.engine === 'pandas'
        ? [PYTHON, [join(params.anchorsDir, 'pandas_pipeline.py'), params.file, params.runDate]]
        : [
            process.execPath,
            [join(params.anchorsDir, `${params.engine}.mjs`), params.file, out, params.runDate],
          ];
    const stdout = execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as AnchorOutput;
    if (result.silverRows !== params.rows) {
      throw new Error(`${result.engine} kept ${result.silverRows} of ${params.rows} silver rows`);
    }
    process.stderr.write(`pipeline-anchors/${params.engine}: ${result.engine}\n`);
    return {
      rows: params.rows,
      wallSeconds: result.wallSeconds,
      cpuSeconds: result.cpuSeconds,
      anchorPeakRssMiB: result.peakRssMiB,
      goldRows: result.goldRows,
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
};
