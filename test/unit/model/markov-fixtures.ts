/** Loads the Markov-chain reference fixtures (R markovchain and numpy / scipy) for the tests. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface RQuantities {
  steadyStates: number[][];
  meanFirstPassageTime: number[][] | null;
  meanRecurrenceTime: Record<string, number> | null;
  meanAbsorptionTime: Record<string, number> | null;
  absorptionProbabilities: number[] | number[][] | null;
}

export interface RFit {
  alpha: number;
  call: string;
  P: number[][];
  quantities?: RQuantities;
}

export interface RCase {
  counts: number[][];
  fits: RFit[];
  mleSanitized: { P: number[][]; quantities: RQuantities };
  mleAbsorbing: { P: number[][]; quantities: RQuantities };
}

export interface PyFit {
  alpha: number;
  P: number[][];
  credible: { lower: (number | null)[][]; upper: (number | null)[][] };
  eigenvalues: { re: number; im: number }[];
  spectralGap: number;
  powers: Record<string, number[][]>;
  reachWithin: number[][];
  sojourn: (number | null)[];
  stationary: number[] | null;
  entropyRate: number | null;
  mixingTime: number | null;
}

export interface TestReference {
  statistic: number;
  df: number;
  pValue: number | null;
}

export interface PyCase {
  counts: number[][];
  fits: PyFit[];
  observedMeanRunLength: number[];
  orderTest: TestReference;
  homogeneityTest: TestReference;
}

export interface InputCase {
  k: number;
  sequences: number[][];
  alphas: number[];
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/model/${name}`, import.meta.url), 'utf8')) as T;
}

export const inputs = load<{ source: string; cases: Record<string, InputCase> }>('markov_inputs.json');
export const rReference = load<{ source: string; cases: Record<string, RCase> }>('markov_r.json');
export const pyReference = load<{ source: string; cases: Record<string, PyCase> }>('markov_py.json');

export const caseNames = Object.keys(inputs.cases);

/** Every (case, alpha) pair with the inputs and both references. */
export const fitCases = caseNames.flatMap((name) => {
  const input = inputs.cases[name]!;
  return input.alphas.map((alpha, index) => ({
    label: `${name}, α = ${alpha}`,
    name,
    alpha,
    input,
    r: rReference.cases[name]!.fits[index]!,
    py: pyReference.cases[name]!.fits[index]!,
  }));
});

/** Closeness with a relative tolerance and an absolute floor for values near 0. */
export function expectClose(actual: number, expected: number, relative = 1e-9, absolute = 1e-12): void {
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  const tolerance = Math.max(absolute, relative * Math.abs(expected));
  expect(Math.abs(actual - expected), `actual ${actual} vs expected ${expected}`).toBeLessThanOrEqual(
    tolerance,
  );
}

export function expectMatrixClose(
  actual: ArrayLike<number>[],
  expected: number[][],
  relative = 1e-9,
  absolute = 1e-12,
): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((row, i) => {
    expect(actual[i]!.length).toBe(row.length);
    row.forEach((v, j) => {
      expectClose(actual[i]![j]!, v, relative, absolute);
    });
  });
}
