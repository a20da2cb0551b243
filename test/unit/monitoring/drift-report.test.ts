import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { FEATURES } from '#shared/data/gold';
import type { GoldTable } from '#shared/data/tables';
import type { ModelArtifact } from '#shared/model/artifact';
import { featureReference, type ModelReferences } from '#shared/model/reference';
import { ksDistanceToSorted } from '#shared/monitoring/drift-calibration';
import { driftReport } from '#shared/monitoring/drift-report';
import { above, ksTwoSample, psi } from '#shared/monitoring/drift-stats';
import { formatDriftReport } from '../../../bin/views/drift-report.ts';
import { sampleModel } from '../../helpers/model.ts';

const { config } = loadConfig();
let model: ModelArtifact;
let gold: GoldTable[];
beforeAll(async () => {
  ({ model, gold } = await sampleModel({ hmm: false }));
}, 60_000);

const run = (tables: GoldTable[], now = new Date('2026-12-31T00:00:00Z'), monitoring = config.monitoring) =>
  driftReport({ model, tables, monitoring, data: config.data, now });

/** The first version's rules (drift.thresholds: fixed), with the block bootstrap on. */
const fixed = {
  ...config.monitoring,
  drift: {
    ...config.monitoring.drift,
    thresholds: 'fixed' as const,
    bootstrap: { ...config.monitoring.drift.bootstrap, enabled: true },
  },
};

const calibrationFixture = JSON.parse(
  readFileSync(new URL('../../fixtures/monitoring/calibration_sample.json', import.meta.url), 'utf8'),
) as {
  rows: number;
  chunks: number;
  ks: Record<string, number>;
  psi: Record<string, number>;
  chunkKs: Record<string, number[]>;
  shares: number[];
  regimeMix: number;
  chain: number;
};

function slice(t: GoldTable, from: number, to: number): GoldTable {
  return {
    symbol: t.symbol,
    length: to - from,
    day: t.day.slice(from, to),
    price: t.price.slice(from, to),
    log_return: t.log_return.slice(from, to),
    realized_vol_21d: t.realized_vol_21d.slice(from, to),
    drawdown: t.drawdown.slice(from, to),
    risk_score: t.risk_score.slice(from, to),
    regime_age: t.regime_age.slice(from, to),
    markov_state: t.markov_state.slice(from, to),
  };
}

describe('drift report', () => {
  test('fixed rule (v1): the March 2020 window drifts from the training rows, with the statistics of drift-stats', () => {
    const r = run(gold, undefined, fixed);
    const s = r.symbols[0]!;
    expect(s.window).toEqual({ from: '2020-01-17', to: '2020-04-17', rows: 63 });
    expect(s.reference).toEqual({ source: 'training rows', rows: 4833 - 63 });
    const t = gold[0]!;
    const vol = s.features.find((f) => f.feature === 'realized_vol_21d')!;
    expect(vol.ks.d).toBe(
      ksTwoSample(t.realized_vol_21d.subarray(0, 4770), t.realized_vol_21d.subarray(4770)).d,
    );
    expect(vol.psi.value).toBe(
      psi(t.realized_vol_21d.subarray(0, 4770), t.realized_vol_21d.subarray(4770)).psi,
    );
    expect(vol.drift).toBe(true);
    expect(vol.ks.bootstrapPValue).toBeGreaterThan(vol.ks.pValue); // autocorrelation: the asymptotic p is too small
    expect(s.anomalies.extremeReturns.map((e) => e.date)).toContain('2020-03-16');
    expect(r.verdict).toBe('retrain');
    // One check breaches: pending until retraining.persistChecks checks in a row did.
    expect(r.retraining.pending.map((x) => x.rule)).toEqual(
      expect.arrayContaining(['data-drift-ks', 'data-drift-psi']),
    );
    const third = driftReport({
      model,
      tables: gold,
      monitoring: fixed,
      data: config.data,
      now: new Date('2026-12-31T00:00:00Z'),
      previousBreaches: config.monitoring.retraining.persistChecks - 1,
    });
    expect(third.retraining.reasons.map((x) => x.rule)).toEqual(
      expect.arrayContaining(['data-drift-ks', 'data-drift-psi']),
    );
  });

  test('calibrated (v2): the thresholds are the 0.99 quantile of the reference quarters (scipy / numpy)', () => {
    const c = model.scoring.calibration![gold[0]!.symbol]!;
    expect(gold[0]!.length).toBe(calibrationFixture.rows);
    expect(c.chunks).toBe(calibrationFixture.chunks);
    for (const f of FEATURES) {
      expect(c.ks[f]).toBeCloseTo(calibrationFixture.ks[f]!, 12);
      expect(c.psi[f]).toBeCloseTo(calibrationFixture.psi[f]!, 10);
    }
    expect(c.regimeMix).toBeCloseTo(calibrationFixture.regimeMix, 12);
    expect(c.chain).toBeCloseTo(calibrationFixture.chain, 10);
    c.shares.forEach((x, k) => expect(x).toBeCloseTo(calibrationFixture.shares[k]!, 14));
  });

  test('calibrated (v2): March 2020 is within what the reference’s own quarters reach; a shifted window is not', () => {
    const r = run(gold);
    const s = r.symbols[0]!;
    expect(s.calibrationChunks).toBe(calibrationFixture.chunks);
    const vol = s.features.find((f) => f.feature === 'realized_vol_21d')!;
    expect(vol.thresholds.source).toBe('calibrated');
    // D = 0.47 against a threshold of 0.91: the 2008 quarters were further from the whole.
    expect(vol.ks.d).toBeGreaterThan(0.4);
    expect(vol.ks.d).toBeLessThan(vol.thresholds.ks);
    expect(s.features.every((f) => !f.drift)).toBe(true);
    expect(r.breached).toBe(false);
    expect(vol.ks.bootstrapPValue).toBeNull(); // drift.bootstrap.enabled: false
    // Every value of the window 10 sd away: further than any quarter ever was.
    const t = gold[0]!;
    const shifted = slice(t, 0, t.length);
    for (let i = t.length - 63; i < t.length; i++) shifted.log_return[i] = 0.5 + i * 1e-6;
    const moved = run([shifted]);
    const lr = moved.symbols[0]!.features.find((f) => f.feature === 'log_return')!;
    expect(lr.drift).toBe(true);
    expect(moved.breached).toBe(true);
    expect(moved.retraining.pending.map((x) => x.rule)).toContain('data-drift-ks');
  });

  test('ksDistanceToSorted equals ks_2samp’s D (the calibration’s per-chunk KS), ties included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 2, maxLength: 80 }),
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 30 }),
        (ref, sample) => {
          const sorted = Float64Array.from(ref).sort();
          expect(ksDistanceToSorted(sorted, sample)).toBeCloseTo(ksTwoSample(ref, sample).d, 12);
        },
      ),
      { numRuns: 300 },
    );
    const t = gold[0]!;
    const sorted = Float64Array.from(t.log_return).sort();
    const first = Array.from(t.log_return.subarray(0, 63));
    expect(ksDistanceToSorted(sorted, first)).toBeCloseTo(calibrationFixture.chunkKs.log_return![0]!, 12);
  });

  test('a window that follows the training distribution raises no feature drift', () => {
    // Window = evenly spaced order statistics of the reference, so the two distributions agree.
    const t = gold[0]!;
    const n = 4770;
    const window = 63;
    const table = slice(t, 0, n + window);
    for (const f of ['log_return', 'realized_vol_21d', 'drawdown'] as const) {
      const sorted = t[f].slice(0, n).sort();
      for (let i = 0; i < window; i++) table[f][n + i] = sorted[Math.floor(((i + 0.5) / window) * n)]!;
    }
    const s = run([table]).symbols[0]!;
    for (const f of s.features) {
      expect(f.ks.d).toBeLessThan(0.05);
      expect(f.drift).toBe(false);
    }
  });

  test('the isolation forest is fitted on the newest referenceRows reference rows only', () => {
    const forest = config.monitoring.anomalies.isolationForest;
    const monitoring = {
      ...config.monitoring,
      anomalies: { ...config.monitoring.anomalies, isolationForest: { ...forest, contamination: 0.1 } },
    };
    const t = gold[0]!;
    const flagged = (table: GoldTable) =>
      run([table], undefined, monitoring).symbols[0]!.anomalies.isolationForest;
    const base = flagged(t);
    expect(base.length).toBeGreaterThan(0);
    // Rows older than the newest referenceRows of the reference (the rows before the window)
    // scaled tenfold: the forest never sees them, so every flagged day and score is the same.
    const older = slice(t, 0, t.length);
    const cut = t.length - 63 - forest.referenceRows;
    for (const f of FEATURES) for (let i = 0; i < cut; i++) older[f][i] = older[f][i]! * 10;
    expect(flagged(older)).toEqual(base);
    // The same change inside those rows moves the scores.
    const inside = slice(t, 0, t.length);
    for (const f of FEATURES) for (let i = cut; i < cut + 100; i++) inside[f][i] = inside[f][i]! * 10;
    expect(flagged(inside)).not.toEqual(base);
  });

  test('with new data only, the model’s stored reference sample is used, and the bootstrap is skipped', () => {
    const t = gold[0]!;
    const recent = slice(t, t.length - 80, t.length);
    const s = driftReport({
      model,
      tables: [recent],
      monitoring: config.monitoring,
      data: config.data,
      now: new Date(),
      referenceFrom: 'model',
    }).symbols[0]!;
    expect(s.reference.source).toBe('model reference sample');
    expect(s.features.every((f) => f.ks.bootstrapPValue === null)).toBe(true);
    expect(s.notes.join(' ')).toContain('no bootstrap p-value');
  });

  test('a symbol the model does not know is compared with its own earlier rows; too short a series is skipped', () => {
    const t = gold[0]!;
    const other = { ...slice(t, 0, 400), symbol: 'NEW' };
    const tiny = { ...slice(t, 0, 10), symbol: 'TINY' };
    const r = run([other, tiny]);
    expect(r.symbols[0]!.reference.source).toBe('rows before the window');
    expect(r.skipped).toEqual([{ symbol: 'TINY', reason: 'only 10 gold rows; the window needs 63' }]);
  });

  test('a feature whose reference windows each fill one PSI bin has its PSI threshold at the ceiling: PSI is no evidence, KS decides', () => {
    // The walk: drawdown (persistent) sat at PSI's maximum in the reference's own quarters, so the
    // calibrated threshold was that maximum and a window equal to it "breached" by 1.8e-15.
    const t = gold[0]!;
    const blocks = { ...slice(t, 0, 21 * 63), symbol: 'BLOCKS' };
    for (let i = 0; i < blocks.length; i++) blocks.drawdown[i] = 0.01 * Math.floor(i / 63);
    const s = run([blocks]).symbols[0]!;
    expect(s.reference.source).toBe('rows before the window');
    const dd = s.features.find((f) => f.feature === 'drawdown')!;
    expect(dd.thresholds.source).toBe('calibrated');
    expect(dd.thresholds.psiAtCeiling).toBe(true);
    // The window (one block) reaches the ceiling and does not pass it: only KS can make it drift.
    expect(dd.psi.value).toBeCloseTo(dd.thresholds.psi, 9);
    expect(dd.drift).toBe(above(dd.ks.d, dd.thresholds.ks));
    // A feature with room below its ceiling keeps its calibrated threshold.
    const vol = s.features.find((f) => f.feature === 'realized_vol_21d')!;
    expect(vol.thresholds.psiAtCeiling).toBeUndefined();
  });

  test('a price that never moved is skipped with that reason, not an internal error', () => {
    const t = gold[0]!;
    const flat = { ...slice(t, 0, 400), symbol: 'FLAT' };
    flat.price.fill(100);
    flat.log_return.fill(0);
    flat.realized_vol_21d.fill(0);
    flat.drawdown.fill(0);
    flat.risk_score.fill(1);
    flat.markov_state.fill(2);
    flat.regime_age.forEach((_, i) => {
      flat.regime_age[i] = i + 1;
    });
    const r = run([flat]);
    expect(r.symbols).toEqual([]);
    expect(r.skipped).toEqual([
      {
        symbol: 'FLAT',
        reason:
          'its 337 reference log returns are all 0 (a price that does not move?): no return can be measured against them — check the source (a stale feed or a placeholder price)',
      },
    ]);
    // The CLI's verdict says that it judged nothing.
    expect(formatDriftReport(r)).toContain(
      '(on the 0 symbols checked; 1 skipped above: nothing was checked)',
    );
    const fine = { ...slice(t, 0, 400), symbol: 'FINE' };
    expect(formatDriftReport(run([flat, fine]))).toMatch(
      /Verdict: \w+ \(on the 1 symbol checked; 1 skipped above\)/,
    );
  });

  test('one symbol whose statistics fail is skipped with the reason; the other symbols are reported', () => {
    const t = gold[0]!;
    const broken = { ...slice(t, 0, 400), symbol: 'BROKEN' };
    broken.markov_state[399] = 7; // not a regime of the model: the transition counts refuse it
    const fine = { ...slice(t, 0, 400), symbol: 'FINE' };
    const r = run([broken, fine]);
    expect(r.symbols.map((s) => s.symbol)).toEqual(['FINE']);
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]!.symbol).toBe('BROKEN');
    expect(r.skipped[0]!.reason).toMatch(/^the drift statistics failed: \w*Error: /);
  });

  test('fixed rule (v1): a quiet window drifts in regime mix (all Low) against the model’s long-run shares', () => {
    const t = gold[0]!;
    // 2017 was the calmest year of the sample: its last 63 rows are almost all Low.
    const end = Array.from(t.day).findIndex((d) => d >= 17532); // 2018-01-01
    const s = run([slice(t, 0, end)], undefined, fixed).symbols[0]!;
    expect(s.regimeMix.observed[0]).toBeGreaterThan(50);
    expect(s.regimeMix.drift).toBe(true);
  });
});

describe('the model’s reference summary against the full training sample (new data)', () => {
  /** The same model with every training value kept (M = n): the references before issue 19. */
  function exactModel(): ModelArtifact {
    const references: ModelReferences = {};
    for (const t of gold) {
      references[t.symbol] = Object.fromEntries(
        FEATURES.map((f) => [
          f,
          featureReference(t[f], { quantiles: t.length, psiBins: config.monitoring.drift.psi.bins }),
        ]),
      );
    }
    return { ...model, scoring: { ...model.scoring, references } };
  }

  test('gives the same verdicts on every quarter of the sample, KS D within 1/M and PSI exact', () => {
    const exact = exactModel();
    const M = config.model.reference.quantiles;
    const t = gold[0]!;
    let windows = 0;
    for (let end = 126; end <= t.length; end += 63) {
      const recent = slice(t, end - 63, end);
      const check = (m: ModelArtifact) =>
        driftReport({
          model: m,
          tables: [recent],
          monitoring: config.monitoring,
          data: config.data,
          now: new Date('2026-12-31T00:00:00Z'),
          referenceFrom: 'model',
        });
      const a = check(model);
      const b = check(exact);
      expect(a.verdict).toBe(b.verdict);
      const sa = a.symbols[0]!;
      const sb = b.symbols[0]!;
      expect(sa.reference.source).toBe('model reference sample');
      sa.features.forEach((f, i) => {
        const g = sb.features[i]!;
        expect(f.drift).toBe(g.drift);
        expect(Math.abs(f.ks.d - g.ks.d)).toBeLessThanOrEqual(1 / M);
        expect(f.psi.value).toBeCloseTo(g.psi.value, 12);
        expect(f.referenceSize).toBe(g.referenceSize);
      });
      expect(sa.anomalies.extremeReturns).toEqual(sb.anomalies.extremeReturns);
      windows++;
    }
    expect(windows).toBe(75);
  });
});
