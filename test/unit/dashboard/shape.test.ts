import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  abProgress,
  alertsPerDay,
  alignSeries,
  atLeastAnHour,
  bestForecasters,
  chainDriftSeries,
  chooseVersion,
  countBySeverity,
  currentCooldownEnd,
  dayAroundOneInstant,
  daysBehind,
  driftDimensions,
  driftingFirst,
  driftSeries,
  driftStreakText,
  droppedByReason,
  filterAlerts,
  foldRequestedJobs,
  heatColor,
  heldBack,
  isoDayToSeconds,
  latestAbTests,
  latestQualityByLayer,
  liveAccuracySeries,
  notableRuns,
  onePerRunAttempt,
  pickOption,
  productionPeriods,
  qualityScoreSeries,
  rangeWithLines,
  reasonLabel,
  regimeRuns,
  secondsToIsoDay,
  timelineSeries,
  unevaluatedTests,
} from '../../../dashboard/src/lib/shape.ts';
import type {
  AbTestRecord,
  AlertRecord,
  DriftRecord,
  Headline,
  ModelsResponse,
  QualityRecord,
  RegistryEvent,
  TimelineRow,
} from '../../../dashboard/src/lib/types.ts';

const day = (i: number) => secondsToIsoDay(isoDayToSeconds('2020-01-01') + i * 86_400);
const rowsOf = (states: number[]): TimelineRow[] =>
  states.map((state, i) => ({ date: day(i), price: 100 + i, riskScore: state / 2, state }));

describe('regime bands', () => {
  test('runs partition the rows into maximal blocks of one state', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 200 }), (states) => {
        const runs = regimeRuns(rowsOf(states));
        expect(runs.flatMap((r) => Array.from({ length: r.days }, () => r.state))).toEqual(states);
        for (let i = 1; i < runs.length; i++) expect(runs[i]!.state).not.toBe(runs[i - 1]!.state);
        for (const r of runs) expect(r.end - r.start + 1).toBe(r.days);
      }),
    );
  });

  test('rows out of date order are sorted first', () => {
    const rows = rowsOf([0, 0, 2, 2, 1]).reverse();
    expect(regimeRuns(rows).map((r) => [r.state, r.from, r.to])).toEqual([
      [0, day(0), day(1)],
      [2, day(2), day(3)],
      [1, day(4), day(4)],
    ]);
    expect(timelineSeries(rows).x).toEqual([0, 1, 2, 3, 4].map((i) => isoDayToSeconds(day(i))));
  });

  test('notable runs are the longest plus the latest, in date order', () => {
    const runs = regimeRuns(rowsOf([2, 2, 2, 0, 2, 2, 0, 2, 0, 2, 2, 2, 2, 0, 2]));
    expect(notableRuns(runs, 2, 2).map((r) => [r.from, r.days])).toEqual([
      [day(0), 3],
      [day(9), 4],
      [day(14), 1],
    ]);
    expect(notableRuns(runs, 1, 5)).toEqual([]);
  });

  test('days and epoch seconds convert both ways', () => {
    fc.assert(
      fc.property(fc.integer({ min: -20_000, max: 40_000 }), (n) => {
        const d = new Date(n * 86_400_000).toISOString().slice(0, 10);
        expect(secondsToIsoDay(isoDayToSeconds(d))).toBe(d);
      }),
    );
  });
});

describe('heat-map colours', () => {
  test('darker for larger probabilities, with white text once dark', () => {
    const lightness = (p: number) => Number(/(\d+)%\)$/.exec(heatColor(p).background)![1]);
    expect(lightness(0)).toBeGreaterThan(lightness(0.5));
    expect(lightness(0.5)).toBeGreaterThan(lightness(1));
    expect(heatColor(0.95).color).toBe('#ffffff');
    expect(heatColor(0.05).color).not.toBe('#ffffff');
    expect(heatColor(Number.NaN)).toEqual(heatColor(0));
  });
});

const headline = (accuracy: number, logLoss: number): Headline => ({
  n: 10,
  accuracy,
  macroF1: 0.5,
  rocAuc: 0.5,
  logLoss,
  brier: 0.3,
});

describe('metrics', () => {
  test('the best forecaster is the highest accuracy but the lowest log loss, ties all marked', () => {
    const overall = {
      n: 10,
      model: headline(0.8, 0.6),
      persistence: headline(0.85, 2.5),
      climatology: headline(0.5, 1.0),
      hmm: null,
    };
    expect(bestForecasters(overall, 'accuracy')).toEqual(['persistence']);
    expect(bestForecasters(overall, 'logLoss')).toEqual(['model']);
    expect(bestForecasters({ ...overall, model: headline(0.85, 0.6) }, 'accuracy')).toEqual([
      'model',
      'persistence',
    ]);
    const unscored = headline(Number.NaN, 1);
    expect(
      bestForecasters(
        { ...overall, model: unscored, persistence: unscored, climatology: unscored },
        'accuracy',
      ),
    ).toEqual([]);
  });

  test('a version is the one asked for when registered, else production, else the newest', () => {
    const models = (production: string | null): ModelsResponse => ({
      production,
      candidate: null,
      versions: ['20260101T000000-aa', '20260201T000000-bb'].map(
        (version) => ({ version }) as ModelsResponse['versions'][number],
      ),
    });
    expect(chooseVersion(models('20260101T000000-aa'), '20260201T000000-bb')).toBe('20260201T000000-bb');
    expect(chooseVersion(models('20260101T000000-aa'), 'unknown')).toBe('20260101T000000-aa');
    expect(chooseVersion(models(null), undefined)).toBe('20260201T000000-bb');
    expect(chooseVersion({ production: null, candidate: null, versions: [] }, undefined)).toBeNull();
  });

  test('pickOption falls back to the first option', () => {
    expect(pickOption(['A', 'B'], 'B')).toBe('B');
    expect(pickOption(['A', 'B'], 'C')).toBe('A');
    expect(pickOption([], 'C')).toBeNull();
  });
});

const alert = (severity: AlertRecord['severity'], raisedAt: string): AlertRecord => ({
  id: raisedAt,
  at: raisedAt,
  kind: 'dataDrift',
  subject: 'SPX:drawdown',
  fingerprint: 'f',
  severity,
  raisedAt,
  since: raisedAt,
  title: 't',
  whatHappened: 'w',
  measures: [],
  systemAction: 's',
  userActions: [],
});

describe('alerts', () => {
  const alerts = [
    alert('high', '2026-11-25T10:00:00Z'),
    alert('low', '2026-11-26T09:00:00Z'),
    alert('high', '2026-11-26T23:30:00Z'),
    alert('critical', '2026-11-24T01:00:00Z'),
  ];

  test('counted per severity, most severe first, zeros included', () => {
    expect(countBySeverity(alerts)).toEqual([
      { severity: 'critical', count: 1 },
      { severity: 'high', count: 2 },
      { severity: 'medium', count: 0 },
      { severity: 'low', count: 1 },
    ]);
  });

  test('filtered by severity and sorted newest first', () => {
    expect(filterAlerts(alerts, 'high').map((a) => a.raisedAt)).toEqual([
      '2026-11-26T23:30:00Z',
      '2026-11-25T10:00:00Z',
    ]);
    expect(filterAlerts(alerts).map((a) => a.severity)).toEqual(['high', 'low', 'high', 'critical']);
  });

  test('grouped per UTC day, oldest first', () => {
    expect(alertsPerDay(alerts)).toEqual([
      { day: '2026-11-24', counts: { critical: 1, high: 0, medium: 0, low: 0 } },
      { day: '2026-11-25', counts: { critical: 0, high: 1, medium: 0, low: 0 } },
      { day: '2026-11-26', counts: { critical: 0, high: 1, medium: 0, low: 1 } },
    ]);
  });
});

const driftRecord = (
  at: string,
  ksD: number,
  chainP: number,
  liveAccuracy: number | null = null,
): DriftRecord => ({
  id: 'v1',
  at,
  modelVersion: 'v1',
  verdict: 'ok',
  reasons: [],
  reportKey: 'k',
  liveAccuracy,
  liveOutcomes: liveAccuracy === null ? 0 : 120,
  symbols: [
    {
      symbol: 'SPX',
      window: { from: '2026-08-01', to: '2026-11-01', rows: 63 },
      features: [
        {
          feature: 'drawdown',
          ksD,
          ksP: 0.5,
          ksBootstrapP: 0.6,
          psi: ksD / 2,
          band: 'none',
          drift: ksD > 0.15,
        },
        {
          feature: 'log_return',
          ksD: 0.01,
          ksP: 0.9,
          ksBootstrapP: null,
          psi: 0.01,
          band: 'none',
          drift: false,
        },
      ],
      regimeMixP: 0.3,
      chainP,
      chainStatistic: 4,
      anomalies: 0,
    },
  ],
});

describe('drift over time', () => {
  const records = [
    driftRecord('2026-11-26T00:00:00Z', 0.3, 0.001, 0.7),
    driftRecord('2026-11-24T00:00:00Z', 0.1, 0.4),
  ];

  test('a feature’s statistics come out oldest first, one point per check', () => {
    const s = driftSeries(records, 'SPX', 'drawdown');
    expect(s.ksD).toEqual([0.1, 0.3]);
    expect(s.psi).toEqual([0.05, 0.15]);
    expect(s.drift).toEqual([false, true]);
    expect(s.x[0]).toBeLessThan(s.x[1]!);
    expect(driftSeries(records, 'NDX', 'drawdown').x).toEqual([]);
  });

  test('one check so far: its time axis is a day around it (uPlot alone made it 1,000 days)', () => {
    const t = Date.parse('2026-12-08T04:04:00Z') / 1000;
    expect(dayAroundOneInstant([t])).toEqual([t - 43_200, t + 43_200]);
    expect(dayAroundOneInstant([t, t])).toEqual([t - 43_200, t + 43_200]);
    expect(dayAroundOneInstant([t, t + 60])).toBeUndefined();
    expect(dayAroundOneInstant([])).toBeUndefined();
  });

  test('chain-drift p-values and the dimensions seen', () => {
    expect(chainDriftSeries(records, 'SPX').pValue).toEqual([0.4, 0.001]);
    expect(chainDriftSeries(records, 'SPX').threshold).toBeNull();
    expect(driftDimensions(records)).toEqual({ symbols: ['SPX'], features: ['drawdown', 'log_return'] });
  });

  test('a calibrated chain rule is G² against its threshold (the p-value line is not the rule then); ranges show the lines', () => {
    const calibrated = records.map((r, i) => ({
      ...r,
      symbols: r.symbols!.map((s) => ({ ...s, chainStatistic: 20 + i, chainThreshold: 28.6 - i })),
    }));
    const chain = chainDriftSeries(calibrated, 'SPX');
    expect(chain.statistic).toEqual([21, 20]);
    // Each check's own threshold, oldest first.
    expect(chain.thresholds).toEqual([27.6, 28.6]);
    // The newest check's threshold (records[0] is the newer one).
    expect(chain.threshold).toBe(28.6);
    expect(rangeWithLines([5.0, 5.37], [null, 7.854])).toEqual([0, 7.854 * 1.08]);
    expect(rangeWithLines([], [null])).toEqual([0, 1]);
  });

  test('the latest check’s tables list the symbols with drift first, at most the given number', () => {
    const base = driftRecord('2026-11-02T00:00:00Z', 0.1, 0.4).symbols![0]!;
    const entry = (symbol: string, drift: { feature?: boolean; chain?: boolean; mix?: boolean }) => ({
      ...base,
      symbol,
      features: base.features.map((f, i) => ({ ...f, drift: i === 0 && drift.feature === true })),
      chainDrift: drift.chain === true,
      regimeMixDrift: drift.mix === true,
    });
    const symbols = [
      entry('A', {}),
      entry('B', { chain: true }),
      entry('C', {}),
      entry('D', { feature: true }),
      entry('E', { mix: true }),
    ];
    expect(driftingFirst(symbols, 10).map((s) => s.symbol)).toEqual(['B', 'D', 'E', 'A', 'C']);
    expect(driftingFirst(symbols, 4).map((s) => s.symbol)).toEqual(['B', 'D', 'E', 'A']);
    expect(driftingFirst([], 4)).toEqual([]);
  });

  test('live accuracy keeps only the checks that had outcomes', () => {
    expect(liveAccuracySeries(records)).toMatchObject({ accuracy: [0.7], outcomes: [120], versions: ['v1'] });
  });
});

const quality = (
  layer: QualityRecord['layer'],
  at: string,
  score: number,
  dropped?: Record<string, number>,
): QualityRecord => ({
  id: `${at}-${layer}`,
  at,
  runId: at,
  file: 'spx.csv',
  layer,
  rows: 100,
  score,
  gate: 90,
  passed: score >= 90,
  completeness: 1,
  validity: 1,
  uniqueness: 1,
  timeliness: 1,
  ...(dropped ? { dropped } : {}),
});

describe('data quality', () => {
  const records = [
    quality('bronze', '2026-11-25T00:00:00Z', 95, { invalid_date: 2, non_numeric_price: 0, future_date: 1 }),
    quality('bronze', '2026-11-26T00:00:00Z', 97, { invalid_date: 1, non_numeric_price: 3, future_date: 0 }),
    quality('gold', '2026-11-26T00:00:01Z', 99),
  ];

  test('the newest record per layer, undefined for a layer never measured', () => {
    const latest = latestQualityByLayer(records);
    expect(latest.bronze?.score).toBe(97);
    expect(latest.gold?.score).toBe(99);
    expect(latest.silver).toBeUndefined();
  });

  test('scores over time per layer, oldest first', () => {
    const s = qualityScoreSeries(records);
    expect(s.bronze.score).toEqual([95, 97]);
    expect(s.silver.x).toEqual([]);
  });

  test('dropped rows are summed per reason, most first, zero reasons kept', () => {
    expect(droppedByReason(records)).toEqual([
      { reason: 'invalid_date', rows: 3 },
      { reason: 'non_numeric_price', rows: 3 },
      { reason: 'future_date', rows: 1 },
    ]);
    expect(reasonLabel('non_positive_price')).toBe('non-positive price');
  });

  test('series with different x values share one axis with gaps', () => {
    expect(
      alignSeries([
        { x: [1, 3], y: [10, 30] },
        { x: [2, 3], y: [20, 31] },
      ]),
    ).toEqual({
      x: [1, 2, 3],
      ys: [
        [10, null, 30],
        [null, 20, 31],
      ],
    });
  });
});

const event = (at: string, kind: RegistryEvent['kind'], version: string): RegistryEvent => ({
  at,
  kind,
  version,
  previousVersion: null,
  reason: kind,
});

describe('what was live when', () => {
  test('promotions and rollbacks become production periods, newest first, the current one open', () => {
    const events = [
      event('2026-11-03T00:00:00Z', 'rolled-back', 'v1'),
      event('2026-11-01T00:00:00Z', 'registered', 'v1'),
      event('2026-11-01T00:00:01Z', 'promoted', 'v1'),
      event('2026-11-02T00:00:00Z', 'candidate-started', 'v2'),
      event('2026-11-02T12:00:00Z', 'promoted', 'v2'),
    ];
    expect(productionPeriods(events).map((p) => [p.version, p.from, p.to, p.how])).toEqual([
      ['v1', '2026-11-03T00:00:00Z', null, 'rolled-back'],
      ['v2', '2026-11-02T12:00:00Z', '2026-11-03T00:00:00Z', 'promoted'],
      ['v1', '2026-11-01T00:00:01Z', '2026-11-02T12:00:00Z', 'promoted'],
    ]);
    expect(productionPeriods([])).toEqual([]);
  });
});

const abRecord = (
  at: string,
  candidateVersion: string,
  observed: number,
  required: number | null,
): AbTestRecord => ({
  id: candidateVersion,
  at,
  productionVersion: 'v1',
  candidateVersion,
  design: 'paired',
  outcome: 'keep-collecting',
  reasons: [],
  primaryMetric: 'logLoss',
  production: { outcomes: observed * 9, accuracy: 0.8, logLoss: 0.5 },
  candidate: { outcomes: observed, accuracy: 0.81, logLoss: 0.49 },
  logLossDifference: null,
  accuracyDifference: null,
  mcnemar: null,
  sampleSize: {
    plan: null,
    required: required === null ? null : { production: required * 9, candidate: required },
    observed: { production: observed * 9, candidate: observed },
    remaining: null,
    sufficient: false,
    dailyOutcomes: null,
    daysRemaining: null,
  },
  elapsedDays: 3,
  maxDurationDays: 42,
  evaluatedAt: at,
});

describe('A/B tests', () => {
  test('only the newest evaluation of each candidate is shown', () => {
    const tests = latestAbTests([
      abRecord('2026-11-01T00:00:00Z', 'v2', 10, 200),
      abRecord('2026-11-02T00:00:00Z', 'v2', 50, 200),
      abRecord('2026-10-01T00:00:00Z', 'v0', 300, 200),
    ]);
    expect(tests.map((t) => [t.candidateVersion, t.candidate.outcomes])).toEqual([
      ['v2', 50],
      ['v0', 300],
    ]);
  });

  test('a test ended by hand before its first evaluation is listed from its events; evaluated and running ones are not', () => {
    const event = (at: string, kind: RegistryEvent['kind'], version: string, reason = ''): RegistryEvent => ({
      at,
      kind,
      version,
      previousVersion: null,
      reason,
    });
    const events = [
      event('2026-11-01T00:00:00Z', 'candidate-started', 'v1'),
      event('2026-11-01T02:00:00Z', 'candidate-rejected', 'v1', 'manual: wrong data'),
      event('2026-11-02T00:00:00Z', 'candidate-started', 'v2'), // evaluated, then rejected
      event('2026-11-05T00:00:00Z', 'candidate-rejected', 'v2', 'A/B test lost'),
      event('2026-11-06T00:00:00Z', 'candidate-started', 'v3'),
      event('2026-11-06T01:00:00Z', 'promoted', 'v3', 'manual: ship it'),
      event('2026-11-07T00:00:00Z', 'candidate-started', 'v4'), // running
    ];
    const evaluated = [abRecord('2026-11-03T00:00:00Z', 'v2', 10, 200)];
    expect(unevaluatedTests([...events].reverse(), evaluated, 'v4')).toEqual([
      {
        candidateVersion: 'v3',
        startedAt: '2026-11-06T00:00:00Z',
        endedAt: '2026-11-06T01:00:00Z',
        how: 'promoted',
        reason: 'manual: ship it',
      },
      {
        candidateVersion: 'v1',
        startedAt: '2026-11-01T00:00:00Z',
        endedAt: '2026-11-01T02:00:00Z',
        how: 'rejected',
        reason: 'manual: wrong data',
      },
    ]);
  });

  test('with only the newest A/B records read, a test started before the oldest of them is not listed as unevaluated', () => {
    const event = (at: string, kind: RegistryEvent['kind'], version: string): RegistryEvent => ({
      at,
      kind,
      version,
      previousVersion: null,
      reason: 'manual: x',
    });
    const events = [
      event('2026-09-01T00:00:00Z', 'candidate-started', 'v0'), // evaluated for weeks: its records fell off the page
      event('2026-10-10T00:00:00Z', 'promoted', 'v0'),
      event('2026-11-01T00:00:00Z', 'candidate-started', 'v1'),
      event('2026-11-01T02:00:00Z', 'candidate-rejected', 'v1'),
    ];
    const page = [abRecord('2026-10-09T00:00:00Z', 'vX', 10, 200)];
    expect(unevaluatedTests(events, page, null, true).map((t) => t.candidateVersion)).toEqual(['v1']);
    expect(unevaluatedTests(events, page, null, false).map((t) => t.candidateVersion)).toEqual(['v1', 'v0']);
  });

  test('progress is observed over required per arm, capped at 1, unknown without a plan', () => {
    expect(abProgress(abRecord('2026-11-02T00:00:00Z', 'v2', 50, 200))).toEqual([
      { arm: 'production', observed: 450, required: 1800, share: 0.25 },
      { arm: 'candidate', observed: 50, required: 200, share: 0.25 },
    ]);
    expect(abProgress(abRecord('2026-11-02T00:00:00Z', 'v2', 300, 200))[1]!.share).toBe(1);
    expect(abProgress(abRecord('2026-11-02T00:00:00Z', 'v2', 5, null))[1]).toEqual({
      arm: 'candidate',
      observed: 5,
      required: null,
      share: null,
    });
  });
});

describe('the retraining loop', () => {
  const now = new Date('2026-12-07T13:30:00Z');
  test('the run of breached checks reads right below, at and past persistChecks', () => {
    expect(driftStreakText({ breached: true, driftStreak: 2, persistChecks: 3 })).toBe(
      'breached on 2 of the 3 consecutive checks drift needs to retrain',
    );
    expect(driftStreakText({ breached: true, driftStreak: 4, persistChecks: 3 })).toBe(
      'breached on 4 consecutive checks: enough for drift to retrain (it needs 3 in a row)',
    );
    expect(driftStreakText({ breached: false, driftStreak: 0, persistChecks: 3 })).toBe(
      'no threshold breached on the newest check',
    );
  });

  test('held back by: no stale candidate, and the cool-down when it is what stopped a retraining', () => {
    const running = 'candidate v8 is in its A/B test: one candidate at a time';
    const drift = { verdict: 'retrain' as const, retrain: false, blockedBy: [running], cooldownEndsAt: null };
    expect(heldBack(drift, undefined, 'v8', now)).toEqual([running]);
    // v8 was promoted since: nothing holds it back any more.
    expect(heldBack(drift, undefined, null, now)).toEqual([]);
    // v9 became the candidate after the newest check (an operator's request): it holds retraining back.
    expect(heldBack({ ...drift, blockedBy: [] }, undefined, 'v9', now)).toEqual([
      'candidate v9 is in its A/B test: one candidate at a time',
    ]);
    const cooling = {
      verdict: 'retrain' as const,
      retrain: false,
      blockedBy: [],
      cooldownEndsAt: '2026-12-08T13:11:00.000Z',
    };
    expect(heldBack(cooling, undefined, null, now)).toEqual([
      'the cool-down after the last training, until 2026-12-08 13:11 UTC',
    ]);
    // Over, or nothing asked for a retraining: not a reason.
    expect(
      heldBack({ ...cooling, cooldownEndsAt: '2026-12-07T10:00:00.000Z' }, undefined, null, now),
    ).toEqual([]);
    expect(heldBack({ ...cooling, verdict: 'ok' as const }, undefined, null, now)).toEqual([]);
    // A newer check that found no cool-down (cooldownHours set to 0) is not overruled by an older
    // job's (the walk: "Cool-down until …" after cooldownHours: 0).
    const job = { heldByCooldown: true, cooldownEndsAt: '2026-12-08T13:11:00.000Z' };
    expect(heldBack({ ...cooling, cooldownEndsAt: null }, job, null, now)).toEqual([]);
    expect(currentCooldownEnd({ cooldownEndsAt: null }, job)).toBeNull();
    expect(currentCooldownEnd({}, job)).toBe(job.cooldownEndsAt);
    // A training after the newest check (an operator's request) starts a new cool-down: its job's.
    const check = { at: '2026-12-07T23:00:00.000Z', cooldownEndsAt: '2026-12-08T23:00:00.000Z' };
    const trained = { at: '2026-12-08T00:02:35.000Z', cooldownEndsAt: '2026-12-09T00:02:35.000Z' };
    expect(currentCooldownEnd(check, trained)).toBe('2026-12-09T00:02:35.000Z');
    expect(currentCooldownEnd({ ...check, at: '2026-12-08T01:00:00.000Z' }, trained)).toBe(
      check.cooldownEndsAt,
    );
    // The job's blockers join the check's, once each.
    expect(heldBack(drift, { blockedBy: [running, 'the gold is unchanged'] }, 'v8', now)).toEqual([
      running,
      'the gold is unchanged',
    ]);
  });
});

describe('atLeastAnHour: the span of a time axis', () => {
  test('points seconds apart get an hour around their middle (no millisecond ticks); longer spans stay', () => {
    expect(atLeastAnHour(1000, 1002)).toEqual([1001 - 1800, 1001 + 1800]);
    expect(atLeastAnHour(5000, 5000)).toEqual([3200, 6800]);
    expect(atLeastAnHour(0, 86_400)).toEqual([0, 86_400]);
  });
});

describe('a gold record of a run without gold rows (scored: false)', () => {
  test('is not the latest gold score, nor a point of the score chart', () => {
    const base = {
      runId: 'r',
      file: 'f',
      rows: 10,
      gate: 98,
      passed: true,
      completeness: 1,
      validity: 1,
      uniqueness: 1,
      timeliness: 1,
    };
    const scored = { ...base, id: 'a', at: '2026-01-01T00:00:00Z', layer: 'gold' as const, score: 100 };
    const young = {
      ...base,
      id: 'b',
      at: '2026-01-02T00:00:00Z',
      layer: 'gold' as const,
      score: 0,
      rows: 0,
      passed: false,
      scored: false as const,
    };
    expect(latestQualityByLayer([scored, young]).gold).toBe(scored);
    expect(qualityScoreSeries([scored, young]).gold.score).toEqual([100]);
  });
});

describe('daysBehind: a symbol a daily file left out', () => {
  test('counts the calendar days to the newest day of all symbols; the newest is not behind', () => {
    const dates = ['2019-03-18', '2019-03-15', '2019-03-18'];
    expect(daysBehind('2019-03-15', dates)).toBe(3);
    expect(daysBehind('2019-03-18', dates)).toBeNull();
    expect(daysBehind('2019-03-18', [])).toBeNull();
  });

  test('against the day most symbols reached: one symbol further ahead puts no one behind', () => {
    // The walk: the sample's SPX (to 2020-04-17) badged all 200 symbols of a 2019 universe "409 days behind".
    const dates = [...Array(200).fill('2019-03-04'), '2020-04-17'];
    expect(daysBehind('2019-03-04', dates)).toBeNull();
    expect(daysBehind('2020-04-17', dates)).toBeNull();
    expect(daysBehind('2019-03-01', [...dates, '2019-03-01'])).toBe(3);
  });
});

describe('foldRequestedJobs', () => {
  const job = (id: string, status: string, request?: string) => ({
    id,
    at: '2026-12-07T00:00:00.000Z',
    trigger: 'operator request: x',
    status,
    ...(request ? { request } : {}),
  });
  test('a request shows as requested until a job answers it, then only that job', () => {
    const pending = [job('r1', 'requested', 'requests/retraining/a.json'), job('v0', 'trained')];
    expect(foldRequestedJobs(pending).map((j) => j.id)).toEqual(['r1', 'v0']);
    const answered = [job('v1', 'trained', 'requests/retraining/a.json'), ...pending];
    expect(foldRequestedJobs(answered).map((j) => j.id)).toEqual(['v1', 'v0']);
    const failed = [
      job('f', 'failed', 'requests/retraining/b.json'),
      job('r2', 'requested', 'requests/retraining/b.json'),
    ];
    expect(foldRequestedJobs(failed).map((j) => j.status)).toEqual(['failed']);
  });
});

describe('onePerRunAttempt', () => {
  test('an interrupted run and its re-run (same run id) count a file once; a new upload of it counts again', () => {
    const rec = (runId: string, at: string, score: number) =>
      ({
        id: at,
        at,
        runId,
        file: 'market_data/day.csv',
        layer: 'bronze',
        score,
      }) as unknown as QualityRecord;
    const kept = onePerRunAttempt([
      rec('run-1', '2026-12-08T00:00:00.000Z', 90),
      rec('run-1', '2026-12-08T00:01:00.000Z', 91), // the re-run after a kill
      rec('run-2', '2026-12-08T00:05:00.000Z', 92), // the same file uploaded again
    ]);
    expect(kept.map((r) => [r.runId, r.score])).toEqual([
      ['run-2', 92],
      ['run-1', 91],
    ]);
  });
});
