/**
 * The alerts a drift check raises (shared/usecases/monitoring.ts driftAlerts): chain drift only for
 * a symbol the model was trained on (issue 14 a), and every alert judged by the rule the check
 * applied — the calibrated thresholds — not the fixed ones (a soak bug: a calibrated chain drift
 * with G-test p ≥ 0.01 made chainDriftAlert throw and failed the pipeline run).
 */
import { describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { chainDriftAlert, dataDriftAlert } from '#shared/monitoring/alerts';
import { driftAlerts } from '#shared/usecases/monitoring';

const { config } = loadConfig();
const cfg = config.monitoring;
const AT = '2026-06-01T21:00:00.000Z';

/** A drift report's symbol entry: chain drift (calibrated G² threshold), no data drift unless asked. */
function symbol(name: string, options: { chain?: boolean; threshold?: number | null; pValue?: number } = {}) {
  return {
    symbol: name,
    window: { rows: 63, from: '2026-03-01' },
    features: [] as never[],
    transitions: {
      drift: options.chain ?? true,
      statistic: 31.2,
      df: 6,
      pValue: options.pValue ?? 2e-5,
      threshold: options.threshold === undefined ? 14.2 : options.threshold,
    },
  };
}
const model = { version: 'v1', lineage: { symbols: ['SPX', 'QQQ'] } };
const report = (symbols: ReturnType<typeof symbol>[]) => ({ symbols }) as never;

describe('chain-drift alerts and the model lineage', () => {
  test('no chain-drift alert for a symbol the model was not trained on', () => {
    const alerts = driftAlerts(report([symbol('NEW')]), model, cfg, AT);
    expect(alerts.filter((a) => a.kind === 'chainDrift')).toEqual([]);
  });

  test('a chain-drift alert for a trained symbol with the same drift, and only for it', () => {
    const alerts = driftAlerts(
      report([symbol('NEW'), symbol('SPX'), symbol('QQQ', { chain: false })]),
      model,
      cfg,
      AT,
    );
    expect(alerts.map((a) => [a.kind, a.subject])).toEqual([['chainDrift', 'SPX']]);
  });
});

describe('drift alerts follow the calibrated rule', () => {
  test('a calibrated chain drift whose G-test p is above transitionAlpha is alerted, not thrown (soak bug)', () => {
    // The soak's case: G² above the symbol's calibrated threshold, p = 0.068 ≥ 0.01.
    const alerts = driftAlerts(report([symbol('SPX', { pValue: 0.06846 })]), model, cfg, AT);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.measures[0]).toMatchObject({ value: 31.2, threshold: 14.2, breachWhen: '>' });
  });

  test('without a calibration the p-value rule still decides', () => {
    const facts = {
      scope: 'SPX',
      modelVersion: 'v1',
      gTest: { statistic: 9, df: 6, pValue: 0.17 },
      windowRows: 63,
      since: AT,
    };
    expect(() => chainDriftAlert(facts, cfg, AT)).toThrow(/p = 0.17/);
    expect(() => chainDriftAlert({ ...facts, threshold: 14.2 }, cfg, AT)).toThrow(/calibrated/);
  });

  test('a data drift above a calibrated KS threshold below the fixed 0.15 is alerted', () => {
    const alert = dataDriftAlert(
      {
        symbol: 'SPX',
        feature: 'log_return',
        ks: { d: 0.12, pValue: 0.3 },
        psi: { psi: 0.05 },
        windowRows: 63,
        since: AT,
        thresholds: { ks: 0.1, psi: 0.4, strict: true },
      },
      cfg,
      AT,
    );
    expect(alert.kind).toBe('dataDrift');
    expect(alert.severity).toBe(cfg.alerts.severity.dataDrift.ksBreach);
  });
});
