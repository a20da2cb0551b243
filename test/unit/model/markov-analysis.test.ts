import { describe, expect, it } from 'vitest';
import {
  analyseChain,
  credibleIntervals,
  MarkovInputError,
  meanFirstPassageTimes,
  posteriorSummary,
  transitionCounts,
} from '#shared/model/markov';
import { firstOrderTest, homogeneityTest } from '#shared/model/markov-tests';
import { expectClose, expectMatrixClose, inputs, pyReference, rReference } from './markov-fixtures.ts';

const FAST = { posterior: { samples: 200, seed: 11 } };
const handMade = inputs.cases.handMade!;
const handMadeCounts = transitionCounts(handMade.sequences, handMade.k);

/** Every number in a nested plain object, with its path. */
function numbersIn(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbersIn(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => numbersIn(v, `${path}.${k}`));
  }
  return [];
}

describe('analyseChain', () => {
  it('reproduces the R and numpy references for the default α = 1 (handMade)', () => {
    const result = analyseChain(handMadeCounts, handMade.sequences, FAST);
    const r = rReference.cases.handMade!.fits.find((f) => f.alpha === 1)!;
    const py = pyReference.cases.handMade!.fits.find((f) => f.alpha === 1)!;
    expect(result.alpha).toBe(1);
    expectMatrixClose(result.transitionMatrix, r.P);
    result.stationary.forEach((v, i) => {
      expectClose(v, r.quantities!.steadyStates[0]![i]!);
    });
    expectMatrixClose(result.meanFirstPassageTimes, r.quantities!.meanFirstPassageTime!);
    result.meanRecurrenceTimes.forEach((v, i) => {
      expectClose(v, r.quantities!.meanRecurrenceTime![String(i)]!);
    });
    expectClose(result.absorbing.expectedSteps[0]!, r.quantities!.meanAbsorptionTime!['0']!);
    expectMatrixClose(result.absorbing.reachWithin, py.reachWithin, 1e-9, 1e-14);
    expectClose(result.spectralGap, py.spectralGap);
    expectClose(result.entropyRate, py.entropyRate!);
    expect(result.mixingTime).toBe(py.mixingTime);
    expect(result.warnings).toEqual([]);
  });

  it('uses the documented defaults (absorbing High = K − 1, H = 21, 2000 draws, 95 %)', () => {
    const result = analyseChain(handMadeCounts, handMade.sequences);
    expect(result.absorbing.state).toBe(2);
    expect(result.absorbing.maxHorizon).toBe(21);
    expect(result.absorbing.reachWithin[0]).toHaveLength(21);
    expect(result.posterior.samples).toBe(2000);
    expect(result.credibleIntervals.mass).toBe(0.95);
    expect(result.mixingEpsilon).toBe(0.25);
    expect(result.zeroRowPolicy).toBe('absorbing');
  });

  it('embeds the same intervals, posterior and tests as the individual functions', () => {
    const result = analyseChain(handMadeCounts, handMade.sequences, {
      ...FAST,
      alpha: 0.5,
      significanceLevel: 0.1,
    });
    const { lower, upper } = credibleIntervals(handMadeCounts, 0.5);
    expect(result.credibleIntervals).toEqual({ lower, upper, mass: 0.95 });
    expect(result.posterior).toEqual(
      posteriorSummary(handMadeCounts, { alpha: 0.5, samples: 200, seed: 11 }),
    );
    expect(result.tests.order).toEqual(firstOrderTest(handMade.sequences, 3, { significanceLevel: 0.1 }));
    expect(result.tests.homogeneity).toEqual(
      homogeneityTest(handMade.sequences, 3, { significanceLevel: 0.1 }),
    );
  });

  it('round-trips through JSON when every quantity is finite', () => {
    const result = analyseChain(handMadeCounts, handMade.sequences, FAST);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('takes another absorbing state when asked', () => {
    const result = analyseChain(handMadeCounts, handMade.sequences, { ...FAST, absorbingState: 0 });
    const m = meanFirstPassageTimes(result.transitionMatrix);
    expect(result.absorbing.expectedSteps).toEqual([0, m[1]![0], m[2]![0]]);
    expect(result.absorbing.reachWithin[0]!.every((v) => v === 1)).toBe(true);
    expect(result.posterior.absorbingState).toBe(0);
  });

  it('flags an unseen High with α = 0 and returns no NaN (zeroRowUnseen)', () => {
    const input = inputs.cases.zeroRowUnseen!;
    const result = analyseChain(transitionCounts(input.sequences, 3), input.sequences, { ...FAST, alpha: 0 });
    expect(result.zeroRows).toEqual([2]);
    expect(result.transitionMatrix[2]).toEqual([0, 0, 1]);
    expect(result.closedClasses).toEqual([[0, 1], [2]]);
    expect(result.warnings.join('\n')).toMatch(/state 2 was never left/);
    expect(result.warnings.join('\n')).toMatch(/2 closed classes/);
    expect(result.warnings.join('\n')).toMatch(/may never be reached/);
    expect(result.absorbing.expectedSteps).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0]);
    expect(result.stationary[2]).toBe(0);
    expect(result.observedMeanRunLength[2]).toBe(0);
    expect(numbersIn(result).filter(([, v]) => Number.isNaN(v))).toEqual([]);
  });

  it('treats a High seen only at the end as absorbing (zeroRowAbsorbing, α = 0)', () => {
    const input = inputs.cases.zeroRowAbsorbing!;
    const reference = rReference.cases.zeroRowAbsorbing!.mleAbsorbing.quantities;
    const result = analyseChain(transitionCounts(input.sequences, 3), input.sequences, { ...FAST, alpha: 0 });
    expect(result.stationary).toEqual([0, 0, 1]);
    expect(result.transientStates).toEqual([0, 1]);
    expectClose(result.absorbing.expectedSteps[0]!, reference.meanAbsorptionTime!['0']!);
    expect(result.expectedSojourn[2]).toBe(Number.POSITIVE_INFINITY);
    expect(numbersIn(result).filter(([, v]) => Number.isNaN(v))).toEqual([]);
  });

  it('warns when the counts are not the sequences’ own transition counts', () => {
    const shifted = handMadeCounts.map((row) => row.map((v) => v + 1));
    const result = analyseChain(shifted, handMade.sequences, FAST);
    expect(result.warnings).toContain('counts differ from the transition counts of the given sequences');
  });

  it('rejects an absorbing state outside 0..K−1', () => {
    expect(() => analyseChain(handMadeCounts, handMade.sequences, { absorbingState: 3 })).toThrow(
      MarkovInputError,
    );
  });
});
