/**
 * Targets that compare two measurements of the same run (issue 17): `finml pipeline` against the
 * anchors of bench/cases/pipeline-anchors.ts at the same size — no more CPU time than Polars
 * writing Parquet, and at least 3× faster (CPU) than pandas computing without writing.
 */
import type { MeasurementResult } from './report.ts';

export interface Comparison {
  label: string;
  finml: number;
  anchor: number;
  /** anchor / finml: how many times less CPU FINML used. */
  ratio: number;
  target: string;
  passed: boolean;
}

const RULES = [
  { engine: 'polars', minRatio: 1, what: 'FINML CPU ≤ Polars CPU' },
  { engine: 'duckdb', minRatio: null, what: 'beside DuckDB' },
  { engine: 'pandas', minRatio: 3, what: 'FINML ≥ 3× pandas' },
] as const;

/** The comparisons the run's results allow (both sides measured, at the same size). */
export function pipelineComparisons(results: readonly MeasurementResult[]): Comparison[] {
  const out: Comparison[] = [];
  for (const finml of results.filter((r) => r.case === 'pipeline')) {
    const cpu = finml.figures.cpuSeconds;
    if (cpu === undefined) continue;
    for (const rule of RULES) {
      const anchor = results.find(
        (r) => r.case === 'pipeline-anchors' && r.variant === `${rule.engine} ${finml.variant}`,
      );
      const anchorCpu = anchor?.figures.cpuSeconds;
      if (anchorCpu === undefined) continue;
      const ratio = anchorCpu / cpu;
      out.push({
        label: `pipeline/${finml.variant} vs ${rule.engine}`,
        finml: cpu,
        anchor: anchorCpu,
        ratio,
        target: rule.minRatio === null ? rule.what : `${rule.what} (issue 17)`,
        passed: rule.minRatio === null ? true : ratio >= rule.minRatio,
      });
    }
  }
  return out;
}

export function formatComparisons(comparisons: readonly Comparison[]): string {
  if (comparisons.length === 0) return '';
  const lines = comparisons.map(
    (c) =>
      `${c.label}: FINML ${c.finml.toFixed(2)} CPU-s, anchor ${c.anchor.toFixed(2)} CPU-s → anchor/FINML ${c.ratio.toFixed(2)}× — ${c.target}${c.target.startsWith('beside') ? '' : c.passed ? ' ✓' : ' ✗'}`,
  );
  return `same-run comparisons (CPU seconds of the whole processes)\n${lines.join('\n')}`;
}
