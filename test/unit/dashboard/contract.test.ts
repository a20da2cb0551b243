/**
 * The dashboard's wire types against the real shapes: the shared types must be assignable to the
 * dashboard's (checked by tsc), and the shaping functions run on a real model report and real gold
 * rows built from the bundled S&P 500 sample.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { LayerQuality } from '#shared/data/quality';
import { formatIsoDay } from '#shared/data/values';
import type { ModelArtifact } from '#shared/model/artifact';
import { modelReport } from '#shared/model/report';
import type { AbTestResult } from '#shared/monitoring/ab';
import type { Alert } from '#shared/monitoring/alerts';
import type { ModelPointer, RegistryEvent, ServedVersionRecord } from '#shared/ports';
import {
  calibrationSeries,
  chainLosses,
  foldSeries,
  notableRuns,
  reachTable,
  regimeCounts,
  regimeRuns,
  transitionCells,
} from '../../../dashboard/src/lib/shape.ts';
import type * as Wire from '../../../dashboard/src/lib/types.ts';
import { sampleModel } from '../../helpers/model.ts';

/** Compile-time only: the real shape must fit the dashboard's wire type. */
function fits<Target>(_value: Target): void {}

type Expect<T extends true> = T;
type Fits<Source, Target> = Source extends Target ? true : false;
type WireContract = [
  Expect<Fits<ReturnType<typeof modelReport>, Wire.ModelReport>>,
  Expect<Fits<AbTestResult, Omit<Wire.AbTestRecord, 'id' | 'at'>>>,
  Expect<Fits<Alert, Omit<Wire.AlertRecord, 'id' | 'at' | 'notified' | 'delivery'>>>,
  Expect<Fits<LayerQuality, Omit<Wire.QualityRecord, 'id' | 'at' | 'runId' | 'file'>>>,
  Expect<Fits<RegistryEvent, Wire.RegistryEvent>>,
  Expect<Fits<ServedVersionRecord, Wire.ModelVersionRecord>>,
  Expect<Fits<ModelPointer, Wire.ModelPointer>>,
];

let model: ModelArtifact;
let rows: Wire.TimelineRow[];
let report: Wire.ModelReport;

beforeAll(async () => {
  const sample = await sampleModel({ hmm: false });
  model = sample.model;
  const gold = sample.gold[0]!;
  rows = Array.from({ length: gold.length }, (_, i) => ({
    date: formatIsoDay(gold.day[i]!),
    price: gold.price[i]!,
    riskScore: gold.risk_score[i]!,
    state: gold.markov_state[i]!,
  }));
  const real = modelReport(model);
  fits<Wire.ModelReport>(real);
  report = JSON.parse(JSON.stringify(real)) as Wire.ModelReport;
});

test('the real report, A/B result, alert, quality, event, version and pointer shapes fit the wire types', () => {
  // Checked by tsc (npm run lint): a renamed or retyped field makes WireContract fail to compile.
  const checks: WireContract = [true, true, true, true, true, true, true];
  expect(checks).not.toContain(false);
});

describe('the Markov chain page on a real model report', () => {
  test('heat-map cells carry P, its credible interval and the counts, each row summing to 1', () => {
    const cells = transitionCells(report);
    expect(cells).toHaveLength(3);
    for (const [i, row] of cells.entries()) {
      expect(row.map((c) => c.p)).toEqual(model.markov.transitionMatrix[i]);
      expect(row.reduce((s, c) => s + c.p, 0)).toBeCloseTo(1, 12);
      for (const c of row) expect(c.lower <= c.p && c.p <= c.upper).toBe(true);
      expect(row.map((c) => c.count)).toEqual(model.markov.counts[i]);
    }
    expect(cells[2]![0]).toMatchObject({ from: 'High', to: 'Low' });
  });

  test('hitting probabilities by horizon grow with the horizon, and are 1 from High', () => {
    const reach = reachTable(report);
    expect(reach.horizons).toEqual([1, 5, 21, 63]);
    for (const row of reach.rows) {
      const values = row.cells.map((c) => c.value);
      expect([...values].sort((a, b) => a - b)).toEqual(values);
    }
    expect(reach.rows[2]!.cells.every((c) => c.value === 1)).toBe(true);
  });

  test('the metrics page gets one value per fold for the model and both baselines, and no HMM series without an HMM', () => {
    const s = foldSeries(report, 'accuracy');
    expect(s.folds).toEqual([1, 2, 3, 4, 5]);
    expect(s.model).toEqual(report.evaluation.folds.map((f) => f.model.accuracy));
    expect(s.persistence.every((v) => v !== null && v >= 0 && v <= 1)).toBe(true);
    expect(s.hmm).toBeNull();
  });

  test('the horizon section says where the chain loses, from the report’s own scores', () => {
    const losses = chainLosses(report);
    const table = model.evaluation.horizons!;
    const lost = table.results.filter((r) => r.winner.name !== 'markov').map((r) => r.horizon);
    expect(lost).toEqual([1, 5, 21, 63]);
    // On the sample the duration-aware chain wins the next day, the direct table the longer horizons.
    expect(losses.some((l) => l.startsWith('h = 1: Semi-Markov chain log loss'))).toBe(true);
    for (const h of [5, 21, 63])
      expect(losses.some((l) => l.startsWith(`h = ${h}: Direct h-step table log loss`))).toBe(true);
    expect(report.horizons!.served.map((s) => s.forecaster)).toEqual([
      'semi-markov',
      'direct',
      'direct',
      'direct',
    ]);
    const older = { ...report, horizons: null };
    expect(chainLosses(older)).toEqual([]);
  });

  test('calibration points are the non-empty bins in forecast order', () => {
    const c = calibrationSeries(report);
    expect(c.predicted.length).toBe(report.evaluation.calibration.bins.length);
    expect(c.counts.reduce((a, b) => a + b, 0)).toBe(report.evaluation.calibration.n);
  });
});

describe('the timeline on the S&P 500 sample', () => {
  test('regime bands cover every row once, and neighbouring bands differ', () => {
    const runs = regimeRuns(rows);
    expect(runs.reduce((n, r) => n + r.days, 0)).toBe(rows.length);
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]!.state).not.toBe(runs[i - 1]!.state);
      expect(runs[i]!.start).toBe(runs[i - 1]!.end + 1);
    }
  });

  test('the High periods listed include the autumn of 2008 and March 2020', () => {
    const high = notableRuns(regimeRuns(rows), 2, 10);
    const covers = (day: string) => high.some((r) => r.from <= day && day <= r.to);
    expect(covers('2008-10-10')).toBe(true);
    expect(covers('2020-03-16')).toBe(true);
  });

  test('days per regime add up to the rows', () => {
    const counts = regimeCounts(rows, 3);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(rows.length);
    expect(counts.every((c) => c > 0)).toBe(true);
  });
});
