/**
 * Child side of the train case: runs the `finml train` command itself on the gold CSV, writing
 * into a temporary folder (its terminal output discarded), and reports the process's CPU time
 * since it started (module loading included) and the size of model.json.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainCommand } from '../../bin/commands/model.ts';
import type { Measure } from '../lib/types.ts';
import type { TrainParams } from './train.ts';

export const measure: Measure<TrainParams> = async (params) => {
  // The bundle has no package.json beside it to read the version from.
  process.env.FINML_CODE_VERSION ??= 'bench';
  const out = await mkdtemp(join(tmpdir(), 'finml-bench-train-'));
  const write = process.stdout.write;
  const started = performance.now();
  try {
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const code = await trainCommand.run([params.file, '--out', out, '--config', params.configDir]);
    if (code !== 0) throw new Error(`finml train exited ${code}`);
  } finally {
    process.stdout.write = write;
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage();
  const modelPath = join(out, 'model.json');
  const bytes = (await stat(modelPath)).size;
  const model = JSON.parse(await readFile(modelPath, 'utf8')) as { hmm: { logLikelihood: number } | null };
  await rm(out, { recursive: true, force: true });
  return {
    rows: params.rows,
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    modelKiB: bytes / 1024,
    hmmLogLikelihood: model.hmm?.logLikelihood ?? Number.NaN,
  };
};
