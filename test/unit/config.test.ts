import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig, parseConfig, withOverrides } from '#config/load';

const DATA = readFileSync(new URL('../../config/data.yaml', import.meta.url), 'utf8');

describe('config', () => {
  test('the shipped config files load and validate, with a stable hash', () => {
    const { config, hash } = loadConfig();
    expect(config.data.regimes.thresholds).toEqual({ low: 0.33, high: 0.67 });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a bad value fails naming the file and the key', () => {
    const bad = DATA.replace('low: 0.33', 'low: 1.5');
    expect(() => parseConfig('data', bad, 'config/data.yaml')).toThrowError(
      /config\/data\.yaml: regimes\.thresholds\.low: .*(<=|1)/,
    );
  });

  test('a missing key fails naming it: defaults are not duplicated in code', () => {
    const bad = DATA.replace(/ {2}volatilityWindow: 21\n/, '');
    expect(() => parseConfig('data', bad, 'config/data.yaml')).toThrowError(/features\.volatilityWindow/);
  });

  test('an unknown key is an error (catches typos)', () => {
    const bad = DATA.replace('maxForwardFill: 3', 'maxForwardFill: 3\n  maxForwardFil: 4');
    expect(() => parseConfig('data', bad, 'config/data.yaml')).toThrowError(/cleaning: .*maxForwardFil/);
  });

  test('broken YAML fails naming the file', () => {
    expect(() => parseConfig('data', 'input: [', 'config/data.yaml')).toThrowError(ConfigError);
  });

  test('a missing config file is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    expect(() => loadConfig(dir)).toThrowError(/data\.yaml: cannot read config file \(ENOENT\)/);
  });

  test('cross-field rules: the low threshold must not exceed the high one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'data.yaml'), DATA.replace('low: 0.33', 'low: 0.9'));
    expect(() => loadConfig(dir)).toThrowError(/regimes\.thresholds\.low: must be ≤ high/);
  });

  test('regime labels must differ (a gold file names each state by its label)', () => {
    expect(() =>
      parseConfig(
        'data',
        DATA.replace('labels: [Low, Medium, High]', 'labels: [Low, Low, High]'),
        'config/data.yaml',
      ),
    ).toThrowError('config/data.yaml: regimes.labels: the regime labels must differ');
  });

  test('an error in a --config folder names the file there, not config/', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    for (const name of ['model', 'monitoring', 'platform']) {
      writeFileSync(
        join(dir, `${name}.yaml`),
        readFileSync(new URL(`../../config/${name}.yaml`, import.meta.url)),
      );
    }
    writeFileSync(join(dir, 'data.yaml'), `${DATA}\nbogusKey: 1\n`);
    expect(() => loadConfig(dir)).toThrowError(
      `${join(dir, 'data.yaml')}: (root): Unrecognized key: "bogusKey"`,
    );
  });

  test('overrides (for experiments) are validated like the files', () => {
    const { config } = loadConfig();
    expect(
      withOverrides(config, 'data', { cleaning: { maxForwardFill: 5 } }).data.cleaning.maxForwardFill,
    ).toBe(5);
    expect(() => withOverrides(config, 'data', { cleaning: { maxForwardFill: -1 } })).toThrowError(
      /maxForwardFill/,
    );
  });
});

describe('config: semiMarkov and risk (DOMAIN §4.2, §4.4, §5)', () => {
  const MODEL = readFileSync(new URL('../../config/model.yaml', import.meta.url), 'utf8');

  test('ship the DOMAIN defaults', () => {
    const { semiMarkov, risk } = loadConfig().config.model;
    expect(semiMarkov).toMatchObject({ alpha: 1, minAtRisk: 20, hazardPrior: 10, intervalMass: 0.95 });
    expect(risk).toMatchObject({ levels: [0.95, 0.99], historicalWindow: 250 });
  });

  test('an unknown key or a bad value is an error naming it', () => {
    expect(() =>
      parseConfig('model', MODEL.replace('  hazardPrior: 10', '  hazardPrior: 10\n  hazardPrio: 3'), 'm'),
    ).toThrowError(/semiMarkov: .*hazardPrio/);
    expect(() =>
      parseConfig('model', MODEL.replace('  hazardPrior: 10', '  hazardPrior: 0'), 'm'),
    ).toThrowError(/semiMarkov\.hazardPrior/);
    expect(() =>
      parseConfig('model', MODEL.replace('levels: [0.95, 0.99]', 'levels: [0.95, 1]'), 'm'),
    ).toThrowError(/risk\.levels\.1/);
  });
});
