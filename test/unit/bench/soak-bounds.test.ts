import { describe, expect, test } from 'vitest';
import {
  abTestsDecide,
  alertsBounded,
  forecastsFromNewestDay,
  itemsLinear,
  perWeek,
  retrainingsBounded,
} from '../../../bench/soak/bounds.ts';

const start = Date.parse('2003-01-06T21:00:00Z');
const t = (days: number) => new Date(start + days * 86_400_000).toISOString();

describe('the soak bounds', () => {
  test('counts per simulated week', () => {
    expect(perWeek([t(0), t(6.9), t(7), t(20)], start, 3)).toEqual([2, 1, 1]);
  });

  test('a forecast from an older day than the newest gold breaks the bound', () => {
    const r = forecastsFromNewestDay([
      { symbol: 'A', day: '2003-01-07', from: '2003-01-07', newestGold: '2003-01-07' },
      { symbol: 'B', day: '2003-01-07', from: '2003-01-06', newestGold: '2003-01-07' },
    ]);
    expect(r.ok).toBe(false);
    expect(r.violations[0]).toContain('B on 2003-01-07');
  });

  test('retrainings inside the cool-down or on the same fingerprint break the bound', () => {
    const options = { start, weeks: 4, cooldownHours: 24, scheduleIntervalDays: 7 };
    const ok = retrainingsBounded(
      [
        { version: 'v1', at: t(0), fingerprint: 'a', trigger: 'new data' },
        { version: 'v2', at: t(8), fingerprint: 'b', trigger: 'schedule: …' },
      ],
      options,
    );
    expect(ok.ok).toBe(true);
    const bad = retrainingsBounded(
      [
        { version: 'v1', at: t(0), fingerprint: 'a', trigger: 'new data' },
        { version: 'v2', at: t(0.5), fingerprint: 'a', trigger: 'drift check' },
      ],
      options,
    );
    expect(bad.violations).toEqual([
      'v2 trained 12.0 h after v1 (cool-down 24 h)',
      'v2 was trained on the same data fingerprint as v1',
    ]);
  });

  test('an A/B test past maxDurationDays + one evaluation, or replaced, breaks the bound', () => {
    const r = abTestsDecide(
      [
        { candidate: 'c1', startedAt: t(0), outcome: 'reject', decidedAt: t(43) },
        { candidate: 'c2', startedAt: t(0), outcome: 'reject', decidedAt: t(44) },
        { candidate: 'c3', startedAt: t(50), outcome: 'superseded', decidedAt: null },
        { candidate: 'c4', startedAt: t(60), outcome: 'running', decidedAt: null },
      ],
      { maxDurationDays: 42, evaluationPeriodDays: 1, end: Date.parse(t(80)) },
    );
    expect(r.violations).toEqual([
      'c2: reject after 44.0 days (limit 43)',
      'c3: replaced by a newer candidate mid-test',
    ]);
  });

  test('items per symbol-day that grow break the bound', () => {
    const points = [
      { at: 0.25, symbolDays: 100, registry: 300, predictions: 100 },
      { at: 0.5, symbolDays: 200, registry: 560, predictions: 200 },
      { at: 1, symbolDays: 400, registry: 1400, predictions: 400 },
    ];
    const r = itemsLinear(points);
    expect(r.ok).toBe(false);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toContain('registry: 3.500 items per symbol-day at 1');
  });

  test('the same fingerprint recorded twice within the cool-down breaks the alert bound', () => {
    const a = { fingerprint: 'f', severity: 'high', at: t(0) };
    const options = { start, weeks: 1, cooldownHours: 24, digestAbove: 10 };
    expect(alertsBounded([a, { ...a, at: t(1.5) }], [], options).ok).toBe(true);
    expect(alertsBounded([a, { ...a, at: t(0.5) }], [], options).ok).toBe(false);
    expect(alertsBounded([a, { ...a, at: t(0.5), severity: 'critical' }], [], options).ok).toBe(true);
  });

  test('the e-mail bound is per alert kind and UTC day: a storm of one kind leaves the others their own', () => {
    const options = { start, weeks: 1, cooldownHours: 24, digestAbove: 2 };
    const record = (i: number, kind: string) => ({
      fingerprint: `${kind}${i}`,
      severity: 'high',
      at: t(0),
      kind,
    });
    const drift = [0, 1, 2].map((i) => record(i, 'dataDrift'));
    const rejected = [0, 1, 2].map((i) => record(i, 'dataRejected'));
    const records = [...drift, ...rejected];
    // Three of each kind (digestAbove + 1 each): within the bound, six in the day.
    expect(alertsBounded(records, records, options).ok).toBe(true);
    const more = [...records, record(3, 'dataDrift')];
    expect(alertsBounded(more, more, options).violations).toEqual([
      `${t(0).slice(0, 10)} dataDrift: 4 non-critical alert e-mails`,
    ]);
  });
});
