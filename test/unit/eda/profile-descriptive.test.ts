import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  averageRanks,
  excessKurtosis,
  featureStatistics,
  mean,
  pairwiseSum,
  pearson,
  skewness,
  spearman,
  standardDeviation,
} from '#shared/eda/descriptive';
import { GroupTestInputError, kruskalWallis, oneWayAnova } from '#shared/eda/group-tests';
import { type HistogramBins, HistogramInputError, histogram } from '#shared/eda/histogram';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';

interface Fixture {
  source: string;
  sums: { x: Num[]; sum: Num; mean: Num; std: Num }[];
  moments: { name: string; x: Num[]; skew: Num; kurtosis: Num; quantiles: Record<string, Num> }[];
  ranks: { x: number[]; ranks: Num[] }[];
  correlations: { columns: string[]; data: Record<string, Num[]>; pearson: Num[][]; spearman: Num[][] };
  histogramInputs: Record<string, Num[]>;
  histograms: { name: string; bins: HistogramBins; edges: Num[]; counts: number[] }[];
  groups: {
    name: string;
    groups: Num[][];
    kruskal: { statistic: Num; pValue: Num } | null;
    anova: { statistic: Num; pValue: Num };
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/eda/descriptive.json', import.meta.url), 'utf8'),
) as Fixture;

const num = (v: Num): number => (typeof v === 'number' ? v : Number(v));
const nums = (a: Num[]): number[] => a.map(num);

/** Relative closeness (NaN matches NaN, infinities match exactly). */
function expectClose(actual: number, expected: number, relative = 1e-9, absolute = 0): void {
  if (Number.isNaN(expected)) {
    expect(actual).toBeNaN();
    return;
  }
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  expect(Math.abs(actual - expected), `actual ${actual} vs expected ${expected}`).toBeLessThanOrEqual(
    relative * Math.abs(expected) + absolute,
  );
}

describe('pairwise sums, means and standard deviations against numpy', () => {
  it.each(fixture.sums.map((c) => [c.x.length, c] as const))(
    'n = %i: np.sum and np.mean bit for bit, np.std(ddof=1) to 1e-14',
    (_, c) => {
      const x = nums(c.x);

      expect(pairwiseSum(x)).toBe(num(c.sum));
      expect(mean(x)).toBe(num(c.mean));
      expectClose(standardDeviation(x, 1), num(c.std), 1e-14);
    },
  );

  it('sums a sub-range as numpy sums the slice', () => {
    const x = nums(fixture.sums.find((c) => c.x.length === 1000)!.x);

    expect(pairwiseSum(x, 100, 400)).toBe(pairwiseSum(x.slice(100, 400)));
  });

  it('gives NaN for the mean of nothing and the sd of one value', () => {
    expect(mean([])).toBeNaN();
    expect(standardDeviation([5], 1)).toBeNaN();
  });
});

describe('skewness, excess kurtosis and quantiles against scipy.stats and numpy', () => {
  it.each(fixture.moments.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const x = nums(c.x);

    expectClose(skewness(x), num(c.skew), 1e-9, 1e-15);
    expectClose(excessKurtosis(x), num(c.kurtosis), 1e-9, 1e-15);
    const stats = featureStatistics(x, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]);
    for (const [q, expected] of Object.entries(c.quantiles)) expect(stats.quantiles[q]).toBe(num(expected));
  });

  it('feature statistics leave out missing and infinite values and count them', () => {
    const stats = featureStatistics([1, Number.NaN, 2, Number.POSITIVE_INFINITY, 4], [0.5]);

    expect(stats).toMatchObject({ count: 3, missing: 2, min: 1, max: 4, quantiles: { '0.5': 2 } });
    expect(stats.mean).toBeCloseTo(7 / 3, 15);
  });

  it('feature statistics of an empty column are NaN, not an error', () => {
    const stats = featureStatistics([Number.NaN], [0.5]);

    expect(stats.count).toBe(0);
    expect(stats.mean).toBeNaN();
    expect(stats.quantiles['0.5']).toBeNaN();
    expect(stats.skewness).toBeNaN();
  });
});

describe('ranks and correlations against scipy and pandas', () => {
  it.each(fixture.ranks.map((c) => [JSON.stringify(c.x), c] as const))(
    'averageRanks(%s) = scipy.stats.rankdata',
    (_, c) => {
      expect(Array.from(averageRanks(c.x))).toEqual(nums(c.ranks));
    },
  );

  const { columns, data } = fixture.correlations;
  const pairs = columns.flatMap((a, i) => columns.map((b, j) => [`${a}~${b}`, i, j] as const));

  it.each(pairs)('%s: Pearson and Spearman as DataFrame.corr on pairwise-complete rows', (_, i, j) => {
    const x = nums(data[columns[i]!]!);
    const y = nums(data[columns[j]!]!);

    expectClose(pearson(x, y).value, num(fixture.correlations.pearson[i]![j]!), 1e-12);
    expectClose(spearman(x, y).value, num(fixture.correlations.spearman[i]![j]!), 1e-12);
  });

  it('counts the complete pairs it used', () => {
    expect(pearson([1, Number.NaN, 3, 4], [2, 3, Number.NaN, 5]).pairs).toBe(2);
  });

  it('is symmetric, within [-1, 1], and ±1 for a column against itself or its negation', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -1e3, max: 1e3, noNaN: true }),
            fc.double({ min: -1e3, max: 1e3, noNaN: true }),
          ),
          {
            minLength: 3,
            maxLength: 40,
          },
        ),
        (rows) => {
          const x = rows.map((r) => r[0]);
          const y = rows.map((r) => r[1]);
          const p = pearson(x, y).value;
          const s = spearman(x, y).value;
          if (!Number.isNaN(p)) {
            expect(Math.abs(p)).toBeLessThanOrEqual(1 + 1e-12);
            expect(pearson(y, x).value).toBeCloseTo(p, 12);
          }
          if (!Number.isNaN(s)) expect(Math.abs(s)).toBeLessThanOrEqual(1 + 1e-12);
          if (new Set(x).size > 1) {
            expect(spearman(x, x).value).toBeCloseTo(1, 12);
            expect(
              spearman(
                x,
                x.map((v) => -v),
              ).value,
            ).toBeCloseTo(-1, 12);
          }
        },
      ),
    );
  });
});

describe('histogram against np.histogram', () => {
  it.each(fixture.histograms.map((c) => [c.name, String(c.bins), c] as const))(
    '%s, bins=%s: same edges bit for bit and same counts',
    (_, __, c) => {
      const x = nums(fixture.histogramInputs[c.name]!);

      const h = histogram(x, c.bins);

      expect(h.edges).toEqual(nums(c.edges));
      expect(h.counts).toEqual(c.counts);
    },
  );

  it('counts every value once (the last bin holds the maximum)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.constantFrom<HistogramBins>('auto', 'fd', 'sturges', 1, 5, 33),
        (x, bins) => {
          const h = histogram(x, bins);
          expect(h.counts.reduce((a, b) => a + b, 0)).toBe(x.length);
          expect(h.edges).toHaveLength(h.counts.length + 1);
          expect(h.edges[0]).toBeLessThanOrEqual(Math.min(...x));
          expect(h.edges.at(-1)).toBeGreaterThanOrEqual(Math.max(...x));
        },
      ),
    );
  });

  it('caps an estimator that asks for more than maxBins bins, and says so', () => {
    const x = [...Array.from({ length: 50 }, (_, i) => i * 1e-9), 1];

    const h = histogram(x, 'fd', 100);

    expect(h.capped).toBe(true);
    expect(h.counts).toHaveLength(100);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(51);
    expect(histogram(x, 500, 100).counts).toHaveLength(500);
  });

  it('refuses a non-finite value and a bin count that is not a positive integer', () => {
    expect(() => histogram([1, Number.NaN])).toThrow(HistogramInputError);
    expect(() => histogram([1, 2], 0)).toThrow(HistogramInputError);
    expect(() => histogram([1, 2], 2.5)).toThrow(HistogramInputError);
  });
});

describe('Kruskal–Wallis and one-way ANOVA against scipy.stats.kruskal and f_oneway', () => {
  it.each(fixture.groups.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const groups = c.groups.map(nums);

    const anova = oneWayAnova(groups);
    expectClose(anova.statistic, num(c.anova.statistic), 1e-9);
    expectClose(anova.pValue, num(c.anova.pValue), 1e-6, 1e-12);
    if (c.kruskal !== null) {
      const kw = kruskalWallis(groups);
      expectClose(kw.statistic, num(c.kruskal.statistic), 1e-9);
      expectClose(kw.pValue, num(c.kruskal.pValue), 1e-6, 1e-12);
      expect(kw.df).toBe(groups.length - 1);
    }
  });

  it('refuses identical values, an empty group and a single group', () => {
    expect(() => kruskalWallis([[1, 1], [1]])).toThrow(GroupTestInputError);
    expect(() => kruskalWallis([[1, 2], []])).toThrow(GroupTestInputError);
    expect(() => oneWayAnova([[1, 2]])).toThrow(GroupTestInputError);
  });

  it('gives NaN when every value is the same (as scipy)', () => {
    const r = oneWayAnova([
      [2, 2],
      [2, 2, 2],
    ]);

    expect(r.statistic).toBeNaN();
    expect(r.pValue).toBeNaN();
  });
});
