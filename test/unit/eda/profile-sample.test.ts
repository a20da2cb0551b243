/**
 * The EDA sections on the S&P 500 sample against numpy / scipy / pandas / statsmodels
 * (test/fixtures/eda/make_profile.py): as silver (the sample is clean, so its silver rows are its
 * rows), as bronze (same rows after the bronze and silver rules), and on its gold table.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDataPipeline } from '#shared/data/pipeline';
import { goldCsv, silverCsv } from '#shared/data/tables';
import {
  type EdaReport,
  profileBronze,
  profileGold,
  profileSilver,
  type SymbolProfile,
} from '#shared/eda/profile';
import { bronze, dataConfig, RUN_DAY } from '../../helpers/data.ts';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
const num = (v: Num): number => (typeof v === 'number' ? v : Number(v));

interface SectionFixture {
  rows: number;
  first: string;
  last: string;
  statistics: Record<
    string,
    {
      count: number;
      mean: number;
      sd: number;
      min: number;
      max: number;
      quantiles: Record<string, number>;
      skewness: number;
      excessKurtosis: number;
    }
  >;
  outliers: Record<
    string,
    {
      q1: number;
      q3: number;
      lower: number;
      upper: number;
      below: number;
      above: number;
      zOutliers: number;
      maxAbsZ: number;
    }
  >;
  correlations: { columns: string[]; pearson: Num[][]; spearman: Num[][] };
  distributions: Record<string, { edges: number[]; counts: number[] }>;
  rolling: {
    year: number;
    returns: number;
    meanReturn: number;
    volatility: number;
    rollingMean: Record<string, number> | null;
    rollingVolatility: Record<string, number> | null;
  }[];
  seasonality: Record<
    'dayOfWeek' | 'month',
    {
      groups: { group: string; count: number; mean: number; sd: number }[];
      kruskal: { statistic: number; pValue: number; df: number };
      anova: { statistic: number; pValue: number; dfBetween: number; dfWithin: number };
    }
  >;
  stationarity: Record<
    'logPrice' | 'logReturn',
    {
      n: number;
      statistic: number;
      pValue: number;
      usedLag: number;
      nobs: number;
      criticalValues: Record<string, number>;
      icBest: number;
    }
  >;
  regimes?: { counts: Record<string, number>; transitions: number[][]; frequencies: Num[][] };
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/eda/profile_sample.json', import.meta.url), 'utf8'),
) as { source: string; silver: SectionFixture; gold: SectionFixture };

const SAMPLE = 'data/samples/sp500-2000.csv';

function expectClose(actual: number, expected: number, relative = 1e-9, absolute = 1e-15): void {
  if (Number.isNaN(expected)) {
    expect(actual).toBeNaN();
    return;
  }
  expect(Math.abs(actual - expected), `actual ${actual} vs expected ${expected}`).toBeLessThanOrEqual(
    relative * Math.abs(expected) + absolute,
  );
}

async function* once(text: string): AsyncIterable<Uint8Array> {
  yield new TextEncoder().encode(text);
}

let bronzeReport: EdaReport;
let silverReport: EdaReport;
let goldReport: EdaReport;

beforeAll(async () => {
  const config = dataConfig();
  const context = { config, runDay: RUN_DAY };
  bronzeReport = await profileBronze({ name: SAMPLE, chunks: createReadStream(SAMPLE) }, context);
  const { histories, gold } = await runDataPipeline([bronze(SAMPLE, readFileSync(SAMPLE))], new Map(), {
    config,
    runDay: RUN_DAY,
  });
  const silverText = [...silverCsv(histories.get('SP500-2000')!)].join('');
  silverReport = await profileSilver(once(silverText), 'SP500-2000.csv', context);
  const goldText = [...goldCsv(gold.series[0]!, config.regimes.labels)].join('');
  goldReport = await profileGold(once(goldText), 'features_final.csv', context);
});

function checkSections(profile: () => SymbolProfile, expected: SectionFixture): void {
  it('has the rows and date range', () => {
    expect(profile()).toMatchObject({ rows: expected.rows, first: expected.first, last: expected.last });
  });

  it('feature statistics match numpy (mean, sd, quantiles) and scipy (skew, kurtosis)', () => {
    const stats = profile().statistics;
    expect(Object.keys(stats)).toEqual(Object.keys(expected.statistics));
    for (const [column, e] of Object.entries(expected.statistics)) {
      const a = stats[column]!;
      expect(a.count, column).toBe(e.count);
      for (const k of ['mean', 'sd', 'min', 'max', 'skewness', 'excessKurtosis'] as const)
        expectClose(a[k], e[k]);
      // Not bit for bit: V8's Math.log and numpy's log may differ in the last bit of a return.
      for (const [q, v] of Object.entries(e.quantiles)) expectClose(a.quantiles[q]!, v, 1e-12);
    }
  });

  it('outliers by the IQR rule and |z| > 3 match numpy', () => {
    for (const [series, e] of Object.entries(expected.outliers)) {
      const a = profile().outliers[series]!;
      expectClose(a.iqr.q1, e.q1, 1e-12);
      expectClose(a.iqr.q3, e.q3, 1e-12);
      expectClose(a.iqr.lower, e.lower);
      expectClose(a.iqr.upper, e.upper);
      expect({ below: a.iqr.below, above: a.iqr.above, z: a.z.outliers }).toEqual({
        below: e.below,
        above: e.above,
        z: e.zOutliers,
      });
      if (a.extremes.length > 0) expectClose(Math.abs(a.extremes[0]!.z), e.maxAbsZ);
    }
  });

  it('Pearson and Spearman correlations match pandas DataFrame.corr', () => {
    const c = profile().correlations;
    expect(c.columns).toEqual(expected.correlations.columns);
    c.columns.forEach((_, i) =>
      c.columns.forEach((__, j) => {
        expectClose(c.pearson[i]![j]!, num(expected.correlations.pearson[i]![j]!), 1e-12);
        expectClose(c.spearman[i]![j]!, num(expected.correlations.spearman[i]![j]!), 1e-12);
      }),
    );
  });

  it("histograms have np.histogram(x, bins='auto') edges and counts", () => {
    for (const [series, e] of Object.entries(expected.distributions)) {
      const h = profile().distributions[series]!;
      expect(h.edges, series).toEqual(e.edges);
      expect(h.counts, series).toEqual(e.counts);
    }
  });

  it('the rolling 63-day trend per year matches pandas rolling mean / std', () => {
    const years = profile().rolling.years;
    expect(years.map((y) => y.year)).toEqual(expected.rolling.map((y) => y.year));
    years.forEach((a, k) => {
      const e = expected.rolling[k]!;
      expect(a.returns).toBe(e.returns);
      expectClose(a.meanReturn, e.meanReturn);
      expectClose(a.volatility, e.volatility);
      for (const key of ['rollingMean', 'rollingVolatility'] as const) {
        if (e[key] === null) {
          expect(a[key]).toBeNull();
          continue;
        }
        expect(a[key]!.windows).toBe(e[key]!.windows);
        for (const stat of ['mean', 'min', 'max', 'last'] as const)
          expectClose(a[key]![stat], e[key]![stat]!, 1e-9, 1e-17);
      }
    });
  });

  it('day-of-week and month effects match pandas groupby and scipy kruskal / f_oneway', () => {
    for (const effect of ['dayOfWeek', 'month'] as const) {
      const a = profile().seasonality[effect];
      const e = expected.seasonality[effect];
      expect(a.groups.map((g) => [g.group, g.count])).toEqual(e.groups.map((g) => [g.group, g.count]));
      a.groups.forEach((g, k) => {
        expectClose(g.mean, e.groups[k]!.mean, 1e-9, 1e-17);
        expectClose(g.sd, e.groups[k]!.sd);
      });
      expectClose(a.kruskal!.statistic, e.kruskal.statistic);
      expectClose(a.kruskal!.pValue, e.kruskal.pValue, 1e-6);
      expect(a.kruskal!.df).toBe(e.kruskal.df);
      expectClose(a.anova!.statistic, e.anova.statistic);
      expectClose(a.anova!.pValue, e.anova.pValue, 1e-6);
      expect([a.anova!.dfBetween, a.anova!.dfWithin]).toEqual([e.anova.dfBetween, e.anova.dfWithin]);
    }
  });

  it('ADF on log prices and log returns matches statsmodels adfuller(regression="c", autolag="AIC")', () => {
    for (const series of ['logPrice', 'logReturn'] as const) {
      const a = profile().stationarity[series];
      const e = expected.stationarity[series];
      if ('error' in a) throw new Error(a.error);
      expect([a.n, a.usedLag, a.nobs]).toEqual([e.n, e.usedLag, e.nobs]);
      expectClose(a.statistic, e.statistic);
      expectClose(a.pValue, e.pValue, 1e-6, 1e-300);
      expectClose(a.icBest!, e.icBest);
      for (const level of ['1%', '5%', '10%'] as const)
        expectClose(a.criticalValues[level], e.criticalValues[level]!);
      expect(a.stationary).toBe(e.pValue < 0.05);
    }
  });
}

describe('silver profile of the sample', () => {
  checkSections(() => silverReport.symbols[0]!, fixture.silver);

  it('reports no missing values and no forward-filled closes', () => {
    const s = silverReport.symbols[0]!;
    expect(s.missing.rowsWithMissing).toBe(0);
    expect(s.closeRuns!.runs).toBe(0);
    expect(silverReport.silver).toMatchObject({
      forwardFilled: 0,
      flaggedRows: 0,
      quality: { passed: true },
    });
  });
});

describe('bronze profile of the sample', () => {
  it('profiles the rows the silver rules keep: every section equals the silver profile', () => {
    const { missing: _m, closeRuns: _c, ...fromBronze } = bronzeReport.symbols[0]!;
    const { missing: _m2, closeRuns: _c2, ...fromSilver } = silverReport.symbols[0]!;
    expect(fromBronze).toEqual(fromSilver);
  });

  it('reports the bronze read: 5105 rows in, none dropped, both layers above their gates', () => {
    expect(bronzeReport.bronze).toMatchObject({
      rowsIn: 5105,
      rowsAccepted: 5105,
      header: { symbolFrom: 'file name', ignored: [] },
      cleaning: { rowsOut: 5105, duplicatesDropped: 0, forwardFilled: 0 },
      quality: { bronze: { score: 100, passed: true }, silver: { passed: true } },
    });
    expect(Object.values(bronzeReport.bronze!.dropped).every((n) => n === 0)).toBe(true);
  });
});

describe('gold profile of the sample', () => {
  checkSections(() => goldReport.symbols[0]!, fixture.gold);

  it('counts regimes and transitions as the pandas recount of the gold table', () => {
    const e = fixture.gold.regimes!;
    for (const regimes of [goldReport.symbols[0]!.regimes!, goldReport.gold!.regimes]) {
      expect(regimes.counts).toEqual(e.counts);
      expect(regimes.transitions.counts).toEqual(e.transitions);
      regimes.transitions.frequencies.forEach((row, i) =>
        row.forEach((f, j) => expectClose(f, num(e.frequencies[i]![j]!), 1e-15)),
      );
    }
  });

  it('passes every model-input check', () => {
    expect(goldReport.gold!.checks).toMatchObject({
      passed: true,
      noMissing: { passed: true, cells: 0 },
      statesValid: { passed: true },
      labelsMatchStates: { passed: true },
      datesIncreasing: { passed: true },
      enoughPairs: { passed: true, pairs: 4832, required: 6 },
    });
  });
});
