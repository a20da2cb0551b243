/**
 * Child side of the drift case: runs the `finml drift` command itself (JSON output, captured and
 * counted, not printed) and reports the process's CPU time since it started, module loading included.
 */
import { driftCommand } from '../../bin/commands/drift.ts';
import type { Measure } from '../lib/types.ts';
import type { DriftParams } from './drift.ts';

export const measure: Measure<DriftParams> = async (params) => {
  process.env.FINML_CODE_VERSION ??= 'bench';
  const write = process.stdout.write;
  const out: string[] = [];
  const started = performance.now();
  let code: number;
  try {
    process.stdout.write = ((chunk: string | Uint8Array) => {
      out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    code = await driftCommand.run([
      '--model',
      params.model,
      '--current',
      params.file,
      '--json',
      '--config',
      params.configDir,
    ]);
  } finally {
    process.stdout.write = write;
  }
  if (code !== 0) throw new Error(`finml drift exited ${code}`);
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage();
  const report = JSON.parse(out.join('')) as { symbols: unknown[] };
  return {
    rows: params.rows,
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    symbols: report.symbols.length,
  };
};
