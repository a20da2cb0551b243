import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PriceSeries } from '#shared/data/series';
import { cleanSeries } from '#shared/data/silver';
import {
  closeRuns,
  missingValues,
  regimeSummary,
  rollingTrend,
  seasonality,
  weekdayOf,
} from '#shared/eda/sections';
import { dataConfig } from '../../helpers/data.ts';

const DAY0 = 18_262; // 2020-01-01
const cell = fc.oneof(fc.constant(Number.NaN), fc.double({ min: 1, max: 100, noNaN: true }));

describe('missing values', () => {
  it('counts every NaN cell once, and the combinations cover every row with a missing cell', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell, cell), { maxLength: 60 }), (rows) => {
        const columns = {
          a: rows.map((r) => r[0]),
          b: rows.map((r) => r[1]),
          c: rows.map((r) => r[2]),
        };
        const m = missingValues(columns, Number.POSITIVE_INFINITY);
        const nanCells = rows.flat().filter(Number.isNaN).length;
        expect(Object.values(m.columns).reduce((s, n) => s + n, 0)).toBe(nanCells);
        expect(m.patterns.reduce((s, p) => s + p.rows, 0)).toBe(m.rowsWithMissing);
        expect(m.rowsWithMissing).toBe(rows.filter((r) => r.some(Number.isNaN)).length);
        for (let k = 1; k < m.patterns.length; k++) {
          expect(m.patterns[k]!.rows).toBeLessThanOrEqual(m.patterns[k - 1]!.rows);
        }
      }),
    );
  });
});

describe('runs of missing closes', () => {
  it('predict exactly what the silver cleaning fills and drops', () => {
    const config = dataConfig();
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(Number.NaN), fc.constant(10), fc.constant(11)), { maxLength: 80 }),
        (closes) => {
          const n = closes.length;
          const raw: PriceSeries = {
            symbol: 'X',
            length: n,
            day: Int32Array.from({ length: n }, (_, i) => DAY0 + i),
            line: new Int32Array(n),
            open: new Float64Array(n).fill(Number.NaN),
            high: new Float64Array(n).fill(Number.NaN),
            low: new Float64Array(n).fill(Number.NaN),
            close: Float64Array.from(closes),
            adjclose: new Float64Array(n).fill(Number.NaN),
            volume: new Float64Array(n).fill(Number.NaN),
          };
          const { stats } = cleanSeries(raw, config);
          const runs = closeRuns(
            raw.day,
            closes.map((c) => (Number.isNaN(c) ? 1 : 0)),
            config.cleaning.maxForwardFill,
            0,
          );
          expect(runs.outcomes).toEqual({
            'forward-filled': stats.forwardFilled,
            'dropped: long gap': stats.droppedLongGap,
            'dropped: no earlier close': stats.droppedNoEarlierClose,
          });
          expect(runs.rows).toBe(closes.filter(Number.isNaN).length);
        },
      ),
    );
  });
});

describe('regimes', () => {
  it('count one transition per consecutive pair of valid states, with row frequencies summing to 1', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 30 }), { maxLength: 5 }),
        (sequences) => {
          const r = regimeSummary(sequences, ['Low', 'Medium', 'High']);
          const pairs = sequences.reduce((s, q) => s + Math.max(0, q.length - 1), 0);
          expect(r.transitions.counts.flat().reduce((a, b) => a + b, 0)).toBe(pairs);
          expect(Object.values(r.counts).reduce((a, b) => a + b, 0)).toBe(sequences.flat().length);
          for (const row of r.transitions.frequencies) {
            if (row.every(Number.isNaN)) continue;
            expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          }
        },
      ),
    );
  });
});

describe('calendar sections', () => {
  it('weekdayOf agrees with the UTC weekday of the date (Monday = 0)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 100_000 }), (day) => {
        expect(weekdayOf(day)).toBe((new Date(day * 86_400_000).getUTCDay() + 6) % 7);
      }),
    );
  });

  it('group every finite return once, by weekday and by month', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(cell, fc.double({ min: -0.1, max: 0.1, noNaN: true })), { maxLength: 120 }),
        (r) => {
          const day = Int32Array.from(r, (_, i) => DAY0 + i * 3);
          const s = seasonality(r, day);
          const finite = r.filter(Number.isFinite).length;
          expect(s.dayOfWeek.groups.reduce((n, g) => n + g.count, 0)).toBe(finite);
          expect(s.month.groups.reduce((n, g) => n + g.count, 0)).toBe(finite);
        },
      ),
    );
  });

  it('the rolling trend has one full window per finite return from the window-th on', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(cell, fc.double({ min: -0.1, max: 0.1, noNaN: true })), { maxLength: 400 }),
        fc.integer({ min: 2, max: 30 }),
        (r, window) => {
          const day = Int32Array.from(r, (_, i) => DAY0 + i * 2);
          const t = rollingTrend(r, day, window, 252);
          const finite = r.filter(Number.isFinite).length;
          expect(t.years.reduce((n, y) => n + y.returns, 0)).toBe(finite);
          expect(t.years.reduce((n, y) => n + (y.rollingMean?.windows ?? 0), 0)).toBe(
            Math.max(0, finite - window + 1),
          );
        },
      ),
    );
  });
});
