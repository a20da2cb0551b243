/** The benchmark report: the JSON record (see bench/results/README.md) and the terminal table. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CodeVersion, MachineInfo } from './machine.ts';
import type { FigureSpec, Figures, JsonObject, Target } from './types.ts';

export interface TargetResult {
  figure: string;
  op: Target['op'];
  value: number;
  unit: string;
  source: string;
  actual: number;
  passed: boolean;
}

export interface MeasurementResult {
  case: string;
  variant: string;
  /** The variant's parameters (e.g. symbols, days, seed). */
  params: JsonObject;
  /** Median over the runs of each figure (memory figures included). */
  figures: Figures;
  /** Every run's figures, in run order. */
  runs: Figures[];
  targets: TargetResult[];
  /** Set when a run failed; `figures` then holds what the earlier runs measured, if any. */
  error?: string;
}

import type { Comparison } from './comparisons.ts';

export interface BenchReport {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  mode: 'full' | 'quick';
  runtime: 'bundle' | 'tsx';
  repeat: number;
  /** Extra Node flags the children ran with (empty for a standard run). */
  nodeOptions: string[];
  machine: MachineInfo;
  loadAverageAtEnd: [number, number, number];
  code: CodeVersion;
  results: MeasurementResult[];
  summary: { measurements: number; targetsPassed: number; targetsMissed: number; errors: number };
  /** Targets between two measurements of the run (bench/lib/comparisons.ts), when both ran. */
  comparisons?: Comparison[];
}

/** Median of each figure over the runs (figures missing from a run are ignored for that run). */
export function medianFigures(runs: Figures[]): Figures {
  const keys = new Set(runs.flatMap((r) => Object.keys(r)));
  const out: Figures = {};
  for (const key of keys) {
    const values = runs
      .map((r) => r[key])
      .filter((v): v is number => v !== undefined)
      .sort((a, b) => a - b);
    const mid = values.length >> 1;
    out[key] = values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  }
  return out;
}

/** Checks every figure that has a target. */
export function checkTargets(figures: Figures, specs: readonly FigureSpec[]): TargetResult[] {
  const out: TargetResult[] = [];
  for (const spec of specs) {
    const actual = figures[spec.key];
    if (spec.target === undefined || actual === undefined) continue;
    const { op, value, source } = spec.target;
    out.push({
      figure: spec.key,
      op,
      value,
      unit: spec.unit,
      source,
      actual,
      passed: op === '>=' ? actual >= value : actual <= value,
    });
  }
  return out;
}

export function summarise(results: MeasurementResult[]): BenchReport['summary'] {
  const targets = results.flatMap((r) => r.targets);
  return {
    measurements: results.length,
    targetsPassed: targets.filter((t) => t.passed).length,
    targetsMissed: targets.filter((t) => !t.passed).length,
    errors: results.filter((r) => r.error !== undefined).length,
  };
}

/** Writes `latest.json` and a timestamped copy into `dir` (each through a temporary file). */
export async function writeReport(
  dir: string,
  report: BenchReport,
): Promise<{ latest: string; copy: string }> {
  await mkdir(dir, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const latest = join(dir, 'latest.json');
  const copy = join(dir, `bench-${stamp}.json`);
  for (const path of [copy, latest]) {
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, path);
  }
  return { latest, copy };
}

// ---------------------------------------------------------------------------------------------
// Terminal

export function formatNumber(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The header line: machine, load and code version. */
export function formatHeader(report: Pick<BenchReport, 'machine' | 'code' | 'mode' | 'runtime'>): string {
  const m = report.machine;
  const gib = (m.totalMemoryBytes / 2 ** 30).toFixed(1);
  const load = m.loadAverage.map((l) => l.toFixed(2)).join(' ');
  const code = report.code.commit
    ? `${report.code.commit.slice(0, 10)}${report.code.dirty ? ' (modified)' : ''}`
    : 'no git';
  return [
    `FINML bench (${report.mode}, ${report.runtime}) — ${code}`,
    `${m.cpuModel}, ${m.cores} cores, ${gib} GiB, Node ${m.node}, ${m.os.name ?? m.os.type} ${m.os.arch} — load ${load}`,
  ].join('\n');
}

/** One table per case: a row per variant, a column per figure; ✓ / ✗ beside figures with a target. */
export function formatCaseTable(
  title: string,
  specs: readonly FigureSpec[],
  results: MeasurementResult[],
): string {
  const head = ['variant', ...specs.map((s) => (s.unit ? `${s.label} (${s.unit})` : s.label))];
  const rows = results.map((r) => {
    if (r.error !== undefined && r.runs.length === 0) {
      return [r.variant, `error: ${r.error.split('\n')[0]}`, ...specs.slice(1).map(() => '')];
    }
    return [
      r.variant,
      ...specs.map((s) => {
        const v = r.figures[s.key];
        if (v === undefined || v === null) return '–'; // a figure left empty (an anchor not installed)
        const t = r.targets.find((x) => x.figure === s.key);
        return `${formatNumber(v, s.digits)}${t ? (t.passed ? ' ✓' : ' ✗') : ''}`;
      }),
    ];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const targets = specs
    .filter((s) => s.target !== undefined)
    .map(
      (s) =>
        `${s.label} ${s.target!.op === '>=' ? '≥' : '≤'} ${formatNumber(s.target!.value, 0)}${s.unit ? ` ${s.unit}` : ''} (${s.target!.source})`,
    );
  return [
    title,
    line(head),
    line(widths.map((w) => '─'.repeat(w))),
    ...rows.map(line),
    ...(targets.length > 0 ? [`targets: ${targets.join('; ')}`] : []),
  ].join('\n');
}
