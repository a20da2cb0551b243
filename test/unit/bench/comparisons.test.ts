/** Same-run comparisons of `npm run bench` (issue 17): FINML's pipeline against the anchors. */
import { describe, expect, test } from 'vitest';
import { formatComparisons, pipelineComparisons } from '../../../bench/lib/comparisons.ts';
import type { MeasurementResult } from '../../../bench/lib/report.ts';

const result = (c: string, variant: string, cpuSeconds?: number): MeasurementResult => ({
  case: c,
  variant,
  params: {},
  figures: cpuSeconds === undefined ? {} : { cpuSeconds },
  runs: [],
  targets: [],
});

describe('pipeline comparisons', () => {
  test('FINML passes against Polars with less CPU and fails against pandas when less than 3× faster', () => {
    const comparisons = pipelineComparisons([
      result('pipeline', '1M', 2),
      result('pipeline-anchors', 'polars 1M', 3),
      result('pipeline-anchors', 'duckdb 1M', 7),
      result('pipeline-anchors', 'pandas 1M', 5),
    ]);
    expect(comparisons.map((c) => [c.label, c.ratio, c.passed])).toEqual([
      ['pipeline/1M vs polars', 1.5, true],
      ['pipeline/1M vs duckdb', 3.5, true],
      ['pipeline/1M vs pandas', 2.5, false],
    ]);
    expect(formatComparisons(comparisons)).toContain(
      'pipeline/1M vs pandas: FINML 2.00 CPU-s, anchor 5.00 CPU-s',
    );
  });

  test('compares only the same size, and only anchors that ran', () => {
    const comparisons = pipelineComparisons([
      result('pipeline', '1M', 4),
      result('pipeline-anchors', 'polars 5M', 3),
      result('pipeline-anchors', 'pandas 1M'), // skipped: not installed
    ]);
    expect(comparisons).toEqual([]);
    expect(formatComparisons(comparisons)).toBe('');
  });

  test('more CPU than Polars misses the target', () => {
    const [polars] = pipelineComparisons([
      result('pipeline', '1M', 3.2),
      result('pipeline-anchors', 'polars 1M', 3),
    ]);
    expect(polars!.passed).toBe(false);
  });
});
