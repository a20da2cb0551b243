import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { ReliabilityTable } from '#shared/evaluation/calibration';
import type { ClassificationMetrics } from '#shared/evaluation/metrics';

/** Relative tolerance for closed-form results (PREAMBLE), with a tiny absolute floor for values near 0. */
export const REL_TOL = 1e-9;
const ABS_FLOOR = 1e-15;

export function expectClose(actual: number | null, expected: number | null, label = ''): void {
  if (expected === null || actual === null) {
    expect(actual, label).toBe(expected);
    return;
  }
  const tolerance = REL_TOL * Math.abs(expected) + ABS_FLOOR;
  if (!(Math.abs(actual - expected) <= tolerance)) {
    expect.fail(`${label}: ${actual} differs from ${expected} by more than ${tolerance}`);
  }
}

export function expectAllClose(
  actual: readonly (number | null)[],
  expected: readonly (number | null)[],
  label = '',
): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  actual.forEach((a, i) => {
    expectClose(a, expected[i]!, `${label}[${i}]`);
  });
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/evaluation/${name}`, import.meta.url), 'utf8')) as T;
}

/** Compares every field of our metrics with the scikit-learn reference. */
export function expectMetricsMatch(
  actual: ClassificationMetrics,
  expected: ClassificationMetrics,
  label: string,
): void {
  expect(actual.n, `${label} n`).toBe(expected.n);
  for (const key of ['accuracy', 'precisionMacro', 'recallMacro', 'f1Macro', 'logLoss', 'brier'] as const) {
    expectClose(actual[key], expected[key], `${label} ${key}`);
  }
  expectClose(actual.rocAucOvrMacro, expected.rocAucOvrMacro, `${label} rocAucOvrMacro`);
  expectAllClose(actual.rocAuc, expected.rocAuc, `${label} rocAuc`);
  expectAllClose(actual.precision, expected.precision, `${label} precision`);
  expectAllClose(actual.recall, expected.recall, `${label} recall`);
  expectAllClose(actual.f1, expected.f1, `${label} f1`);
  expect(actual.support, `${label} support`).toEqual(expected.support);
  expect(actual.confusionMatrix, `${label} confusion`).toEqual(expected.confusionMatrix);
}

/** Compares a reliability table with the scikit-learn calibration_curve reference. */
export function expectTableMatch(actual: ReliabilityTable, expected: ReliabilityTable, label: string): void {
  expect(actual.n, `${label} n`).toBe(expected.n);
  expect(actual.nBins, `${label} nBins`).toBe(expected.nBins);
  expectClose(actual.brier, expected.brier, `${label} brier`);
  expect(
    actual.bins.map((b) => [b.lower, b.upper, b.count]),
    `${label} bins`,
  ).toEqual(expected.bins.map((b) => [b.lower, b.upper, b.count]));
  actual.bins.forEach((bin, i) => {
    expectClose(bin.meanPredicted, expected.bins[i]!.meanPredicted, `${label} bin ${i} meanPredicted`);
    expectClose(bin.observedFrequency, expected.bins[i]!.observedFrequency, `${label} bin ${i} observed`);
  });
}
