import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Complex,
  eigenvalues,
  identity,
  MatrixShapeError,
  matrixPower,
  matrixTimesVector,
  multiply,
  SingularMatrixError,
  solve,
  vectorTimesMatrix,
} from '#shared/model/linalg';

interface PyFixture {
  source: string;
  eigenvalueMatrices: Record<string, { matrix: number[][]; eigenvalues: Complex[] }>;
  linearSystems: Record<string, { a: number[][]; b: number[]; x: number[] }>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/model/markov_py.json', import.meta.url), 'utf8'),
) as PyFixture;

/** Closeness with a relative tolerance and an absolute floor for values near 0. */
function expectClose(actual: number, expected: number, relative: number, absolute = 1e-12): void {
  const tolerance = Math.max(absolute, relative * Math.abs(expected));
  expect(Math.abs(actual - expected), `actual ${actual} vs expected ${expected}`).toBeLessThanOrEqual(
    tolerance,
  );
}

/** Matches two multisets of complex numbers greedily by nearest neighbour. */
function expectSameSpectrum(actual: Complex[], expected: Complex[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  const remaining = [...actual];
  for (const e of expected) {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    remaining.forEach((a, i) => {
      const distance = Math.hypot(a.re - e.re, a.im - e.im);
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    });
    expect(bestDistance, `eigenvalue ${e.re}+${e.im}i`).toBeLessThanOrEqual(
      tolerance * Math.max(1, Math.hypot(e.re, e.im)),
    );
    remaining.splice(best, 1);
  }
}

/** Determinant by cofactor expansion along the first row (tiny matrices only). */
function determinant(a: number[][]): number {
  if (a.length === 1) return a[0]![0]!;
  return a[0]!.reduce((sum, v, j) => {
    const minor = a.slice(1).map((row) => row.filter((_, c) => c !== j));
    return sum + (j % 2 === 0 ? 1 : -1) * v * determinant(minor);
  }, 0);
}

const smallMatrix = (n: number) =>
  fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n }), {
    minLength: n,
    maxLength: n,
  });

describe('multiply and matrixPower', () => {
  it('multiplies rectangular matrices', () => {
    expect(
      multiply(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [
          [7, 8],
          [9, 10],
          [11, 12],
        ],
      ),
    ).toEqual([
      [58, 64],
      [139, 154],
    ]);
  });

  it('rejects mismatched shapes', () => {
    expect(() => multiply([[1, 2]], [[1, 2]])).toThrow(MatrixShapeError);
  });

  it('accepts Float64Array rows', () => {
    expect(multiply([Float64Array.of(1, 0), Float64Array.of(0, 2)], [[3], [4]])).toEqual([[3], [8]]);
  });

  it('multiplies vectors on either side', () => {
    const a = [
      [1, 2],
      [3, 4],
    ];
    expect(vectorTimesMatrix([1, 1], a)).toEqual([4, 6]);
    expect(matrixTimesVector(a, [1, 1])).toEqual([3, 7]);
  });

  it('gives the identity for the power 0', () => {
    expect(
      matrixPower(
        [
          [2, 1],
          [0, 3],
        ],
        0,
      ),
    ).toEqual(identity(2));
  });

  it('agrees with repeated multiplication', () => {
    fc.assert(
      fc.property(smallMatrix(3), fc.integer({ min: 1, max: 9 }), (a, p) => {
        let expected = identity(3);
        for (let i = 0; i < p; i++) expected = multiply(expected, a);
        const actual = matrixPower(a, p);
        actual.forEach((row, i) => {
          row.forEach((v, j) => {
            expectClose(v, expected[i]![j]!, 1e-9, 1e-9 * 10 ** p);
          });
        });
      }),
    );
  });

  it('rejects negative and fractional powers', () => {
    expect(() => matrixPower([[1]], -1)).toThrow(RangeError);
    expect(() => matrixPower([[1]], 1.5)).toThrow(RangeError);
  });
});

describe('solve', () => {
  it.each(Object.entries(fixture.linearSystems))('matches numpy.linalg.solve (%s)', (_name, system) => {
    const x = solve(system.a, system.b);
    x.forEach((v, i) => {
      expectClose(v, system.x[i]!, 1e-9);
    });
  });

  it('throws SingularMatrixError for a singular matrix', () => {
    expect(() =>
      solve(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
      ),
    ).toThrow(SingularMatrixError);
  });

  it('throws SingularMatrixError when rounding makes the matrix exactly singular', () => {
    expect(() =>
      solve(
        [
          [1, 1],
          [1, 1 + 1e-17],
        ],
        [1, 2],
      ),
    ).toThrow(SingularMatrixError);
  });

  it('rejects a non-square matrix', () => {
    expect(() => solve([[1, 2]], [1])).toThrow(MatrixShapeError);
  });

  it('solves A x = b for random well-conditioned systems', () => {
    fc.assert(
      fc.property(
        smallMatrix(4),
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (m, b) => {
          // Diagonally dominant: non-singular and well conditioned.
          const a = m.map((row, i) => row.map((v, j) => (i === j ? v + 50 * Math.sign(v || 1) : v)));
          const x = solve(a, b);
          matrixTimesVector(a, x).forEach((v, i) => {
            expectClose(v, b[i]!, 1e-9, 1e-9);
          });
        },
      ),
    );
  });
});

describe('eigenvalues', () => {
  it.each(Object.entries(fixture.eigenvalueMatrices))('matches numpy.linalg.eigvals (%s)', (name, entry) => {
    // A defective (Jordan) eigenvalue is only determined to about sqrt(eps).
    const tolerance = name === 'defective' ? 1e-5 : 1e-9;
    expectSameSpectrum(eigenvalues(entry.matrix), entry.eigenvalues, tolerance);
  });

  it('returns conjugate pairs for a rotation', () => {
    const values = eigenvalues([
      [0, -1],
      [1, 0],
    ]);
    expectSameSpectrum(
      values,
      [
        { re: 0, im: 1 },
        { re: 0, im: -1 },
      ],
      1e-12,
    );
  });

  it('has trace = Σλ and det = Πλ for random matrices', () => {
    fc.assert(
      fc.property(smallMatrix(4), (a) => {
        const values = eigenvalues(a);
        const trace = a.reduce((s, row, i) => s + row[i]!, 0);
        const sumRe = values.reduce((s, z) => s + z.re, 0);
        const sumIm = values.reduce((s, z) => s + z.im, 0);
        const scale = Math.max(1, ...a.flat().map(Math.abs));
        expect(Math.abs(sumRe - trace)).toBeLessThanOrEqual(1e-9 * scale * 4);
        expect(Math.abs(sumIm)).toBeLessThanOrEqual(1e-9 * scale * 4);
        const product = values.reduce(
          (acc, z) => ({ re: acc.re * z.re - acc.im * z.im, im: acc.re * z.im + acc.im * z.re }),
          {
            re: 1,
            im: 0,
          },
        );
        expect(Math.abs(product.re - determinant(a))).toBeLessThanOrEqual(1e-8 * scale ** 4);
        expect(Math.abs(product.im)).toBeLessThanOrEqual(1e-8 * scale ** 4);
      }),
    );
  });

  it('returns an empty list for an empty matrix and the entry for a 1×1 matrix', () => {
    expect(eigenvalues([])).toEqual([]);
    expect(eigenvalues([[3.5]])).toEqual([{ re: 3.5, im: 0 }]);
  });
});
