/**
 * Child side of the hmm-anchor case: reads the gold (untimed), takes the scaled log returns of one
 * symbol or of all, times FINML's EM for a fixed number of E-steps (tolerance 0, one start; the
 * median of `repeats` runs after three warm-up runs), then runs the
 * statsmodels script on the same returns, also the median of `repeats` runs: on a shared 2-core
 * machine one run of either side varies by ±25 %.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '#config/load';
import { readGoldCsv } from '#shared/data/tables';
import { fitGaussianHmm } from '#shared/model/hmm';
import type { Measure } from '../lib/types.ts';
import type { AnchorParams } from './hmm-anchor.ts';

const PYTHON = '/usr/bin/python3';

export const measure: Measure<AnchorParams> = async (params) => {
  const { hmm } = loadConfig(params.configDir).config.model;
  const tables = await readGoldCsv(createReadStream(params.file, { highWaterMark: 1 << 20 }), params.file);
  const chosen = params.pooled ? tables : tables.filter((t) => t.symbol === 'S0001');
  const sequences = chosen.map((t) => t.log_return.map((r) => r * hmm.returnScale));
  const returns = sequences.reduce((n, s) => n + s.length, 0);

  const run = (): number => {
    const started = performance.now();
    const fit = fitGaussianHmm(sequences, {
      states: 3,
      starts: 1,
      maxIterations: params.finmlIterations,
      tolerance: 0,
      varianceFloorRatio: hmm.varianceFloorRatio,
    });
    return (performance.now() - started) / fit.iterations;
  };
  // Warm-up: V8 reaches its steady code for the E-step only after a few fits (the first is ~2.5×
  // slower, the second ~1.3×); statsmodels' compiled code needs none.
  for (let i = 0; i < 3; i++) run();
  const times = Array.from({ length: params.repeats }, run).sort((a, b) => a - b);
  const finmlMsPerIteration = times[Math.floor(params.repeats / 2)]!;

  let statsmodelsMsPerIteration = Number.NaN;
  if (existsSync(PYTHON) && hasStatsmodels()) {
    const dir = await mkdtemp(join(tmpdir(), 'finml-anchor-'));
    const file = join(dir, 'returns.txt');
    const lines: string[] = [];
    for (const s of sequences) for (let t = 0; t < s.length; t++) lines.push(String(s[t]));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out = execFileSync(
      PYTHON,
      [params.script, file, String(params.statsmodelsIterations), String(params.repeats)],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    );
    await rm(dir, { recursive: true, force: true });
    const result = JSON.parse(out) as { seconds: number; iterations: number };
    statsmodelsMsPerIteration = (result.seconds * 1000) / result.iterations;
  }
  return {
    returns,
    finmlMsPerIteration,
    statsmodelsMsPerIteration,
    speedup: statsmodelsMsPerIteration / finmlMsPerIteration,
  };
};

function hasStatsmodels(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import statsmodels'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
