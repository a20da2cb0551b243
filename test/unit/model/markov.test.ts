import { describe, expect, it } from 'vitest';
import {
  absorbingChain,
  argmaxLowestTie,
  classifyStates,
  credibleIntervals,
  entropyRate,
  expectedSojourn,
  expectedStepsToReach,
  fitTransitionMatrix,
  forecast,
  gthSolve,
  MarkovInputError,
  meanFirstPassageTimes,
  meanRecurrenceTimes,
  mixingTime,
  observedMeanRunLength,
  reachProbabilities,
  spectrum,
  stationaryDistribution,
  transitionCounts,
} from '#shared/model/markov';
import {
  expectClose,
  expectMatrixClose,
  fitCases,
  inputs,
  pyReference,
  rReference,
} from './markov-fixtures.ts';

const INF = Number.POSITIVE_INFINITY;
const withRQuantities = fitCases.filter((c) => c.r.quantities !== undefined);

describe('transitionCounts', () => {
  it.each(Object.entries(inputs.cases))(
    'equals R createSequenceMatrix summed over symbols (%s)',
    (name, input) => {
      expect(transitionCounts(input.sequences, input.k)).toEqual(rReference.cases[name]!.counts);
    },
  );

  it('never counts a pair across two sequences', () => {
    expect(
      transitionCounts(
        [
          [0, 1],
          [2, 2],
        ],
        3,
      ),
    ).toEqual([
      [0, 1, 0],
      [0, 0, 0],
      [0, 0, 1],
    ]);
  });

  it('accepts typed arrays and empty or one-element sequences', () => {
    expect(transitionCounts([Int8Array.of(1, 0), [], [1]], 2)).toEqual([
      [0, 0],
      [1, 0],
    ]);
  });

  it.each([[[0, 3]], [[0, -1]], [[0, 0.5]], [[Number.NaN]]])(
    'rejects the out-of-range state in %j',
    (sequence) => {
      expect(() => transitionCounts([sequence], 3)).toThrow(MarkovInputError);
    },
  );

  it('rejects K < 2', () => {
    expect(() => transitionCounts([[0, 0]], 1)).toThrow(MarkovInputError);
  });
});

describe('fitTransitionMatrix', () => {
  const nonEmptyFits = fitCases.filter((c) => c.r.P.every((row) => row.some((v) => v > 0)));

  it.each(nonEmptyFits)('equals R markovchainFit ($label)', ({ input, alpha, r }) => {
    const fit = fitTransitionMatrix(transitionCounts(input.sequences, input.k), alpha);
    expectMatrixClose(fit.matrix, r.P);
    expect(fit.zeroRows).toEqual([]);
    expect(fit.warnings).toEqual([]);
  });

  it.each(['zeroRowUnseen', 'zeroRowAbsorbing'])(
    'fills an empty MLE row with the identity row and warns (%s)',
    (name) => {
      const fit = fitTransitionMatrix(rReference.cases[name]!.counts, 0);
      expectMatrixClose(fit.matrix, rReference.cases[name]!.mleAbsorbing.P);
      expect(fit.zeroRows).toEqual([2]);
      expect(fit.warnings).toHaveLength(1);
      expect(fit.warnings[0]).toContain('state 2');
    },
  );

  it.each(['zeroRowUnseen', 'zeroRowAbsorbing'])(
    "fills an empty MLE row with 1/K under 'uniform', like R sanitize = TRUE (%s)",
    (name) => {
      const fit = fitTransitionMatrix(rReference.cases[name]!.counts, 0, 'uniform');
      expectMatrixClose(fit.matrix, rReference.cases[name]!.mleSanitized.P);
      expect(fit.zeroRows).toEqual([2]);
    },
  );

  it('gives every row exactly the Laplace formula for α > 0, even an empty row', () => {
    const fit = fitTransitionMatrix(
      [
        [3, 1],
        [0, 0],
      ],
      0.5,
    );
    expect(fit.matrix).toEqual([
      [3.5 / 5, 1.5 / 5],
      [0.5, 0.5],
    ]);
    expect(fit.zeroRows).toEqual([]);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects α = %s', (alpha) => {
    expect(() =>
      fitTransitionMatrix(
        [
          [1, 0],
          [0, 1],
        ],
        alpha,
      ),
    ).toThrow(MarkovInputError);
  });

  it('rejects negative, non-finite and non-square counts', () => {
    expect(() =>
      fitTransitionMatrix(
        [
          [1, -1],
          [0, 1],
        ],
        1,
      ),
    ).toThrow(MarkovInputError);
    expect(() =>
      fitTransitionMatrix(
        [
          [1, Number.NaN],
          [0, 1],
        ],
        1,
      ),
    ).toThrow(MarkovInputError);
    expect(() =>
      fitTransitionMatrix(
        [
          [1, 0, 0],
          [0, 1, 0],
        ],
        1,
      ),
    ).toThrow(MarkovInputError);
  });
});

describe('forecast', () => {
  it.each(fitCases)('row i of P^h equals numpy matrix_power ($label)', ({ py }) => {
    for (const [h, power] of Object.entries(py.powers)) {
      power.forEach((row, i) => {
        const result = forecast(py.P, i, Number(h));
        result.distribution.forEach((v, j) => {
          expectClose(v, row[j]!, 1e-9, 1e-13);
        });
        expect(result.regime).toBe(argmaxLowestTie(row));
        expect(result.confidence).toBe(result.distribution[result.regime]);
      });
    }
  });

  it('sends ties to the lower state', () => {
    const p = [
      [0.4, 0.4, 0.2],
      [0.1, 0.45, 0.45],
      [0.5, 0, 0.5],
    ];
    expect(forecast(p, 0, 1).regime).toBe(0);
    expect(forecast(p, 1, 1).regime).toBe(1);
    expect(forecast(p, 2, 1).regime).toBe(0);
  });

  it('returns the current state with confidence 1 at horizon 0', () => {
    expect(
      forecast(
        [
          [0.9, 0.1],
          [0.2, 0.8],
        ],
        1,
        0,
      ),
    ).toEqual({ distribution: [0, 1], regime: 1, confidence: 1 });
  });

  it('rejects a bad origin, horizon or matrix', () => {
    const p = [
      [0.9, 0.1],
      [0.2, 0.8],
    ];
    expect(() => forecast(p, 2, 1)).toThrow(MarkovInputError);
    expect(() => forecast(p, 0, -1)).toThrow(MarkovInputError);
    expect(() => forecast(p, 0, 1.5)).toThrow(MarkovInputError);
    expect(() =>
      forecast(
        [
          [0.9, 0.2],
          [0.2, 0.8],
        ],
        0,
        1,
      ),
    ).toThrow(MarkovInputError);
  });
});

describe('stationaryDistribution', () => {
  it.each(withRQuantities)('equals R steadyStates ($label)', ({ r }) => {
    expect(r.quantities!.steadyStates).toHaveLength(1);
    const pi = stationaryDistribution(r.P);
    pi.forEach((v, i) => {
      expectClose(v, r.quantities!.steadyStates[0]![i]!);
    });
  });

  it('puts all mass on the absorbing state when the others are transient (zeroRowAbsorbing, MLE)', () => {
    const { P, quantities } = rReference.cases.zeroRowAbsorbing!.mleAbsorbing;
    expect(stationaryDistribution(P)).toEqual(quantities.steadyStates[0]);
  });

  it("matches R's stationary distribution of the observed class when an unseen state is absorbing", () => {
    const { counts, mleAbsorbing } = rReference.cases.zeroRowUnseen!;
    // R returns one distribution per closed class; weighting by observed transitions picks {0, 1}.
    const rowTotals = counts.map((row) => row.reduce((s, v) => s + v, 0));
    const pi = stationaryDistribution(mleAbsorbing.P, rowTotals);
    const rClass = mleAbsorbing.quantities.steadyStates.find((row) => row[2] === 0)!;
    pi.forEach((v, i) => {
      expectClose(v, rClass[i]!);
    });
  });

  it('weights several closed classes equally when no weights are given', () => {
    const p = [
      [1, 0, 0],
      [0, 0.5, 0.5],
      [0, 0.5, 0.5],
    ];
    expect(stationaryDistribution(p)).toEqual([0.5, 0.25, 0.25]);
  });

  it('is zero on transient states (zeroRowUnseen with R sanitize)', () => {
    const { P, quantities } = rReference.cases.zeroRowUnseen!.mleSanitized;
    stationaryDistribution(P).forEach((v, i) => {
      expectClose(v, quantities.steadyStates[0]![i]!);
    });
  });

  it('stays accurate for a nearly decomposable chain (GTH is subtraction-free)', () => {
    const e = 1e-12;
    const pi = gthSolve([
      [1 - e, e],
      [2 * e, 1 - 2 * e],
    ]);
    expectClose(pi[0]!, 2 / 3, 1e-12);
    expectClose(pi[1]!, 1 / 3, 1e-12);
  });

  it('rejects a matrix whose rows do not sum to 1', () => {
    expect(() =>
      stationaryDistribution([
        [0.5, 0.4],
        [0.5, 0.5],
      ]),
    ).toThrow(MarkovInputError);
  });
});

describe('classifyStates', () => {
  it('finds the closed classes and the transient states', () => {
    expect(
      classifyStates([
        [0.5, 0.5, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 0, 1],
        [0, 0.2, 0.8, 0],
      ]),
    ).toEqual({ closedClasses: [[1]], transientStates: [0, 2, 3] });
    expect(
      classifyStates([
        [0, 1, 0],
        [1, 0, 0],
        [0, 0, 1],
      ]),
    ).toEqual({ closedClasses: [[0, 1], [2]], transientStates: [] });
  });
});

describe('spectrum', () => {
  it.each(fitCases)('matches numpy eigvals and 1 − |λ₂| ($label)', ({ py }) => {
    const result = spectrum(py.P);
    result.eigenvalues.forEach((z, i) => {
      expectClose(
        Math.hypot(z.re, z.im),
        Math.hypot(py.eigenvalues[i]!.re, py.eigenvalues[i]!.im),
        1e-9,
        1e-12,
      );
    });
    expectClose(result.gap, Math.max(0, py.spectralGap), 1e-9, 1e-12);
  });

  it('is 0 for a periodic chain', () => {
    expect(
      spectrum([
        [0, 1],
        [1, 0],
      ]).gap,
    ).toBe(0);
  });

  it('is 1 for a chain that forgets its state in one step', () => {
    expect(
      spectrum([
        [0.3, 0.7],
        [0.3, 0.7],
      ]).gap,
    ).toBeCloseTo(1, 12);
  });
});

describe('sojourn and run lengths', () => {
  it.each(fitCases)('expected sojourn 1/(1 − P_ii) equals numpy ($label)', ({ py }) => {
    expectedSojourn(py.P).forEach((v, i) => {
      expectClose(v, py.sojourn[i] ?? INF);
    });
  });

  it.each(Object.entries(inputs.cases))(
    'observed mean run length equals itertools.groupby (%s)',
    (name, input) => {
      const expected = pyReference.cases[name]!.observedMeanRunLength;
      observedMeanRunLength(input.sequences, input.k).forEach((v, i) => {
        expectClose(v, expected[i]!);
      });
    },
  );

  it('counts runs within each sequence, not across them', () => {
    expect(
      observedMeanRunLength(
        [
          [1, 1],
          [1, 0],
        ],
        2,
      ),
    ).toEqual([1, 1.5]);
  });
});

describe('passage times', () => {
  const withFirstPassage = withRQuantities.filter((c) => c.r.quantities!.meanFirstPassageTime !== null);

  it.each(withFirstPassage)('mean first passage times equal R meanFirstPassageTime ($label)', ({ r }) => {
    expectMatrixClose(meanFirstPassageTimes(r.P), r.quantities!.meanFirstPassageTime!);
  });

  it.each(withRQuantities)('mean recurrence times equal R meanRecurrenceTime ($label)', ({ r }) => {
    const recurrence = meanRecurrenceTimes(r.P);
    for (const [state, value] of Object.entries(r.quantities!.meanRecurrenceTime!)) {
      expectClose(recurrence[Number(state)]!, value);
    }
  });

  it.each(withRQuantities)('expected steps to High equal R meanAbsorptionTime ($label)', ({ r }) => {
    const steps = expectedStepsToReach(r.P, 2);
    expect(steps[2]).toBe(0);
    for (const [state, value] of Object.entries(r.quantities!.meanAbsorptionTime!)) {
      expectClose(steps[Number(state)]!, value);
    }
  });

  it('reaches an absorbing High that is entered from the other states (zeroRowAbsorbing, MLE)', () => {
    const { P, quantities } = rReference.cases.zeroRowAbsorbing!.mleAbsorbing;
    const steps = expectedStepsToReach(P, 2);
    expectClose(steps[0]!, quantities.meanAbsorptionTime!['0']!);
    expectClose(steps[1]!, quantities.meanAbsorptionTime!['1']!);
    const m = meanFirstPassageTimes(P);
    expect(m[2]![0]).toBe(INF);
    expect(m[2]![1]).toBe(INF);
    expect(meanRecurrenceTimes(P)).toEqual([INF, INF, 1]);
  });

  it('gives Infinity for a state that is never entered (zeroRowUnseen, MLE)', () => {
    const { P, quantities } = rReference.cases.zeroRowUnseen!.mleAbsorbing;
    expect(expectedStepsToReach(P, 2)).toEqual([INF, INF, 0]);
    const recurrence = meanRecurrenceTimes(P);
    for (const [state, value] of Object.entries(quantities.meanRecurrenceTime!)) {
      expectClose(recurrence[Number(state)]!, value);
    }
  });

  it('gives Infinity when the chain may get stuck elsewhere first', () => {
    // From 0: to 1 (absorbing) or to 2 with equal probability; 2 is the target.
    const p = [
      [0, 0.5, 0.5],
      [0, 1, 0],
      [0, 0, 1],
    ];
    expect(expectedStepsToReach(p, 2)).toEqual([INF, INF, 0]);
  });

  it('stays accurate for an exit probability below machine epsilon (subtraction-free diagonal)', () => {
    const p = [
      [1 - 1e-20, 0, 1e-20], // 1 − 1e-20 rounds to 1
      [0.5, 0.25, 0.25],
      [0.2, 0.3, 0.5],
    ];
    const steps = expectedStepsToReach(p, 2);
    expectClose(steps[0]!, 1e20);
    expectClose(steps[1]!, (1 + 0.5 * 1e20) / 0.75);
  });

  it('equals 1/π_i for mean recurrence on an irreducible chain', () => {
    const p = fitCases[0]!.py.P;
    const pi = stationaryDistribution(p);
    meanRecurrenceTimes(p).forEach((v, i) => {
      expectClose(v, 1 / pi[i]!);
    });
  });
});

describe('absorbing view', () => {
  it.each(fitCases)('P(reach High within h) equals numpy matrix_power(A, h)[:, High] ($label)', ({ py }) => {
    const reach = reachProbabilities(py.P, 2, 21);
    expectMatrixClose(reach, py.reachWithin, 1e-9, 1e-14);
  });

  it('replaces only the absorbing row by the unit vector', () => {
    expect(
      absorbingChain(
        [
          [0.5, 0.5],
          [0.3, 0.7],
        ],
        1,
      ),
    ).toEqual([
      [0.5, 0.5],
      [0, 1],
    ]);
  });

  it('returns an empty horizon list for H = 0', () => {
    expect(
      reachProbabilities(
        [
          [0.5, 0.5],
          [0.3, 0.7],
        ],
        1,
        0,
      ),
    ).toEqual([[], []]);
  });
});

describe('entropy rate and mixing time', () => {
  const withStationary = fitCases.filter((c) => c.py.stationary !== null);

  it.each(withStationary)('entropy rate equals numpy −Σ π_i P_ij ln P_ij ($label)', ({ py }) => {
    expectClose(entropyRate(py.P, stationaryDistribution(py.P)), py.entropyRate!, 1e-9, 1e-15);
  });

  it.each(withStationary)('mixing time (ε = 0.25) equals a brute-force numpy search ($label)', ({ py }) => {
    expect(mixingTime(py.P, stationaryDistribution(py.P))).toBe(py.mixingTime);
  });

  it('is 0 for a deterministic chain', () => {
    expect(
      entropyRate(
        [
          [0, 1],
          [1, 0],
        ],
        [0.5, 0.5],
      ),
    ).toBe(0);
  });

  it('is ln K for the uniform chain', () => {
    const p = [
      [1 / 3, 1 / 3, 1 / 3],
      [1 / 3, 1 / 3, 1 / 3],
      [1 / 3, 1 / 3, 1 / 3],
    ];
    expectClose(entropyRate(p, [1 / 3, 1 / 3, 1 / 3]), Math.log(3));
  });

  it('is Infinity for a periodic chain that never mixes', () => {
    expect(
      mixingTime(
        [
          [0, 1],
          [1, 0],
        ],
        [0.5, 0.5],
        0.25,
        100,
      ),
    ).toBe(INF);
  });

  it('rejects ε outside (0, 1)', () => {
    expect(() =>
      mixingTime(
        [
          [0.5, 0.5],
          [0.5, 0.5],
        ],
        [0.5, 0.5],
        0,
      ),
    ).toThrow(MarkovInputError);
  });
});

describe('credibleIntervals', () => {
  it.each(fitCases)('equal scipy beta.ppf 0.025 / 0.975 ($label)', ({ name, alpha, py }) => {
    const interval = credibleIntervals(rReference.cases[name]!.counts, alpha);
    py.credible.lower.forEach((row, i) => {
      row.forEach((expected, j) => {
        if (expected === null) return;
        expectClose(interval.lower[i]![j]!, expected, 1e-6, 1e-15);
        expectClose(interval.upper[i]![j]!, py.credible.upper[i]![j]!, 1e-6, 1e-15);
      });
    });
  });

  it('gives point intervals for never-observed cells and [0, 1] for an empty row when α = 0', () => {
    const interval = credibleIntervals(
      [
        [3, 0, 1],
        [2, 2, 0],
        [0, 0, 0],
      ],
      0,
    );
    expect(interval.lower[0]![1]).toBe(0);
    expect(interval.upper[0]![1]).toBe(0);
    expect(interval.lower[2]).toEqual([0, 0, 0]);
    expect(interval.upper[2]).toEqual([1, 1, 1]);
  });

  it('gives [1, 1] when every departure went to one state (α = 0)', () => {
    const interval = credibleIntervals(
      [
        [0, 5],
        [1, 1],
      ],
      0,
    );
    expect([interval.lower[0]![1], interval.upper[0]![1]]).toEqual([1, 1]);
  });

  it('narrows as the counts grow', () => {
    const small = credibleIntervals(
      [
        [2, 2],
        [2, 2],
      ],
      1,
    );
    const large = credibleIntervals(
      [
        [200, 200],
        [200, 200],
      ],
      1,
    );
    const width = (x: typeof small) => x.upper[0]![0]! - x.lower[0]![0]!;
    expect(width(large)).toBeLessThan(width(small) / 5);
  });
});
