/**
 * Pipeline bronze → gold (issue 8): the `finml pipeline` command as a whole process, on one generated
 * bronze file with no existing silver, writing silver and gold partitions and the run record — the
 * same use cases as the deployed pipeline. Sizes keep 200 symbols and vary the days, so only the row
 * count changes between variants: time should grow linearly and memory stay flat.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedBronzeFile } from '../lib/inputs.ts';
import { defineCase } from '../lib/types.ts';

export type PipelineVariant = { symbols: number; days: number; seed: number };

export type PipelineParams = { file: string; rows: number; runDay: number; configDir: string };

// Set by issue 8 for the in-memory data pipeline without CSV output; kept as the bar for the command.
const source = 'issue 8';

/**
 * The Node flags `finml` runs with: those on its entry's `#!/usr/bin/env -S node …` line, which
 * `npx finml` (and any run of the bin) gets — so the child measures the process the user starts.
 */
export function finmlNodeFlags(): string[] {
  const shebang = readFileSync(new URL('../../bin/finml.mjs', import.meta.url), 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env(?: -S)? node((?: --?[\w-]+(?:=\S+)?)*)$/.exec(shebang);
  if (!m) throw new Error(`bin/finml.mjs: unexpected first line ${JSON.stringify(shebang)}`);
  return m[1]!.split(' ').filter(Boolean);
}

export const pipelineCase = defineCase<PipelineVariant, PipelineParams>({
  name: 'pipeline',
  title: 'finml pipeline bronze → silver + gold partitions (whole command, one file, 200 symbols)',
  measureModule: new URL('./pipeline.measure.ts', import.meta.url),
  nodeOptions: finmlNodeFlags(),
  variants: [
    { name: '100k', quick: true, params: { symbols: 200, days: 500, seed: 1 } },
    { name: '1M', quick: false, params: { symbols: 200, days: 5000, seed: 1 } },
    { name: '5M', quick: false, params: { symbols: 200, days: 25_000, seed: 1 } },
    { name: '10M', quick: false, params: { symbols: 200, days: 50_000, seed: 1 } },
  ],
  async prepare(variant, context) {
    const input = await generatedBronzeFile(variant, context);
    return {
      file: input.path,
      rows: input.rows,
      // The last generated day: every row is kept, whatever the date of the benchmark run.
      runDay: input.lastDay,
      configDir: fileURLToPath(new URL('../../config/', import.meta.url)),
    };
  },
  figures: [
    { key: 'rows', label: 'rows', unit: '', digits: 0 },
    { key: 'inputMiB', label: 'input', unit: 'MiB', digits: 0 },
    { key: 'wallSeconds', label: 'time', unit: 's', digits: 2 },
    {
      key: 'rowsPerSecond',
      label: 'rows/s',
      unit: '',
      digits: 0,
      target: { op: '>=', value: 600_000, source },
    },
    { key: 'cpuSeconds', label: 'CPU', unit: 's', digits: 2 },
    {
      key: 'peakRssMiB',
      label: 'peak RSS',
      unit: 'MiB',
      digits: 0,
      target: { op: '<=', value: 256, source },
    },
    { key: 'baselineRssMiB', label: 'idle RSS', unit: 'MiB', digits: 0 },
  ],
});
