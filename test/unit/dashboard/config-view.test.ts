import { describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import {
  configNumber,
  configRoot,
  configValue,
  configVersions,
  flattenConfig,
} from '../../../dashboard/src/lib/config-view.ts';

const { config } = loadConfig();

describe('reading GET /config', () => {
  test('thresholds are found whether the config is at the top level or under "config"', () => {
    for (const body of [
      { ...config, versions: {} },
      { config, versions: {} },
    ]) {
      expect(configNumber(body, 'monitoring.drift.ksThreshold')).toBe(config.monitoring.drift.ksThreshold);
      expect(configNumber(body, 'data.regimes.thresholds.high')).toBe(config.data.regimes.thresholds.high);
    }
  });

  test('a missing or non-numeric setting gives null, not a default', () => {
    expect(configNumber({ config }, 'monitoring.drift.nothing')).toBeNull();
    expect(configNumber({ config }, 'data.regimes.labels')).toBeNull();
    expect(configNumber(null, 'monitoring.drift.ksThreshold')).toBeNull();
    expect(configValue({ config }, 'data.regimes.labels')).toEqual(config.data.regimes.labels);
  });

  test('versions and top-level hashes are listed as text', () => {
    expect(
      configVersions({ config, configHash: 'ff', versions: { code: 'abc123', node: { major: 20 } } }),
    ).toEqual([
      ['configHash', 'ff'],
      ['code', 'abc123'],
      ['node', '{"major":20}'],
    ]);
    expect(configVersions({ config })).toEqual([]);
  });

  test('nested settings flatten to dotted paths, lists joined', () => {
    const rows = flattenConfig(configRoot({ config })!.monitoring);
    expect(rows).toContainEqual({
      path: 'drift.psi.significant',
      value: String(config.monitoring.drift.psi.significant),
    });
    expect(rows).toContainEqual({
      path: 'drift.features',
      value: config.monitoring.drift.features.join(', '),
    });
  });
});
