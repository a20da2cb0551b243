/**
 * The child side of a measurement: reads the params (JSON, last argument), runs the case's
 * measure function, adds the process's memory figures and sends everything to the parent over
 * the IPC channel, then exits (so a stray handle cannot keep the child alive).
 */
import type { ChildReport, JsonObject, Measure } from './types.ts';

const MiB = 2 ** 20;

export async function runChild(measure: Measure<JsonObject>): Promise<void> {
  let report: ChildReport;
  try {
    const params = JSON.parse(process.argv[process.argv.length - 1] ?? '{}') as JsonObject;
    const baselineRssMiB = process.memoryUsage.rss() / MiB;
    const figures = await measure(params);
    const end = process.memoryUsage();
    report = {
      ok: true,
      figures,
      memory: {
        // resourceUsage().maxRSS is in KiB: the high-water mark of the resident set (VmHWM).
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        baselineRssMiB,
        endHeapUsedMiB: end.heapUsed / MiB,
        endArrayBuffersMiB: end.arrayBuffers / MiB,
      },
    };
  } catch (error) {
    report = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  if (process.send === undefined) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(report.ok ? 0 : 1);
  }
  process.send(report, () => process.exit(report.ok ? 0 : 1));
}
