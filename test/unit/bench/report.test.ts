/** The benchmark harness's pure parts: medians, targets, variant selection and the table. */
import { describe, expect, test } from 'vitest';
import {
  checkTargets,
  formatCaseTable,
  type MeasurementResult,
  medianFigures,
} from '../../../bench/lib/report.ts';
import { selectVariants } from '../../../bench/lib/select.ts';
import { type BenchCase, defineCase, type FigureSpec } from '../../../bench/lib/types.ts';

const specs: FigureSpec[] = [
  {
    key: 'rowsPerSecond',
    label: 'rows/s',
    unit: '',
    digits: 0,
    target: { op: '>=', value: 600, source: 'test' },
  },
  {
    key: 'peakRssMiB',
    label: 'peak RSS',
    unit: 'MiB',
    digits: 0,
    target: { op: '<=', value: 256, source: 'test' },
  },
  { key: 'wallSeconds', label: 'time', unit: 's', digits: 2 },
];

describe('medianFigures', () => {
  test('takes the middle value of an odd number of runs, per figure', () => {
    expect(
      medianFigures([
        { a: 3, b: 10 },
        { a: 1, b: 30 },
        { a: 2, b: 20 },
      ]),
    ).toEqual({ a: 2, b: 20 });
  });

  test('averages the two middle values of an even number of runs', () => {
    expect(medianFigures([{ a: 1 }, { a: 4 }, { a: 2 }, { a: 10 }])).toEqual({ a: 3 });
  });

  test('ignores runs that lack a figure', () => {
    expect(medianFigures([{ a: 1, b: 5 }, { a: 3 }])).toEqual({ a: 2, b: 5 });
  });
});

describe('checkTargets', () => {
  test('a figure equal to its target passes, on either side', () => {
    const results = checkTargets({ rowsPerSecond: 600, peakRssMiB: 256, wallSeconds: 1 }, specs);
    expect(results.map((t) => [t.figure, t.passed])).toEqual([
      ['rowsPerSecond', true],
      ['peakRssMiB', true],
    ]);
  });

  test('a figure on the wrong side of its target misses', () => {
    const results = checkTargets({ rowsPerSecond: 599, peakRssMiB: 257 }, specs);
    expect(results.every((t) => !t.passed)).toBe(true);
    expect(results[0]).toMatchObject({ op: '>=', value: 600, actual: 599, source: 'test' });
  });

  test('a figure the run did not measure is not checked', () => {
    expect(checkTargets({ wallSeconds: 1 }, specs)).toEqual([]);
  });
});

describe('selectVariants', () => {
  const c: BenchCase = defineCase({
    name: 'pipeline',
    title: 't',
    measureModule: new URL('file:///x.ts'),
    variants: [
      { name: '100k', quick: true, params: {} },
      { name: '1M', quick: false, params: {} },
    ],
    prepare: async () => ({}),
    figures: [],
  });
  const names = (quick: boolean, only: string[]) => selectVariants(c, quick, only).map((v) => v.name);

  test('--quick keeps only the quick variants', () => {
    expect(names(true, [])).toEqual(['100k']);
    expect(names(false, [])).toEqual(['100k', '1M']);
  });

  test('--only selects by case or by case/variant', () => {
    expect(names(false, ['pipeline'])).toEqual(['100k', '1M']);
    expect(names(false, ['pipeline/1M'])).toEqual(['1M']);
    expect(names(false, ['training'])).toEqual([]);
  });
});

describe('formatCaseTable', () => {
  test('marks each figure that has a target with ✓ or ✗ and lists the targets', () => {
    const result: MeasurementResult = {
      case: 'pipeline',
      variant: '1M',
      params: {},
      figures: { rowsPerSecond: 512.4, peakRssMiB: 120.4, wallSeconds: 5.5 },
      runs: [{}],
      targets: checkTargets({ rowsPerSecond: 512.4, peakRssMiB: 120.4 }, specs),
    };
    const table = formatCaseTable('Pipeline', specs, [result]);
    expect(table).toContain('512 ✗');
    expect(table).toContain('120 ✓');
    expect(table).toContain('5.50');
    expect(table).toContain('targets: rows/s ≥ 600 (test); peak RSS ≤ 256 MiB (test)');
  });

  test('a figure left empty (null: an anchor such as statsmodels not installed) is a dash, not a crash', () => {
    const figures = { rowsPerSecond: null, peakRssMiB: 120.4, wallSeconds: 5.5 } as unknown as Record<
      string,
      number
    >;
    const result: MeasurementResult = {
      case: 'pipeline',
      variant: '1M',
      params: {},
      figures,
      runs: [{}],
      targets: checkTargets({ peakRssMiB: 120.4 }, specs),
    };
    const table = formatCaseTable('Pipeline', specs, [result]);
    expect(table.split('\n')[3]).toMatch(/^1M\s+–\s+120 ✓\s+5\.50$/);
  });
});
