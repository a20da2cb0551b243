/** The config as Lambda bundles carry it: config/*.yaml validated at synth, written as JSON, read at cold start. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  BUNDLED_CONFIG_FILE,
  BundledConfigError,
  bundledConfig,
  bundledConfigText,
  readBundledConfig,
} from '#composition/bundled-config';
import { loadConfig } from '#config/load';

const dir = mkdtempSync(join(tmpdir(), 'finml-bundled-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundled config', () => {
  test('reads back as the validated config of the YAML, with its hash', () => {
    const loaded = loadConfig();
    writeFileSync(join(dir, BUNDLED_CONFIG_FILE), bundledConfigText(loaded));
    expect(readBundledConfig(dir)).toEqual(loaded);
    expect(bundledConfig(dir)).toEqual(loaded);
  });

  test('is absent where no bundle wrote one (unbundled runs load the YAML)', () => {
    expect(readBundledConfig(join(dir, 'nowhere'))).toBeUndefined();
    expect(readBundledConfig(undefined)).toBeUndefined();
  });

  test('a function without one fails at its cold start, saying how its bundle is built', () => {
    expect(() => bundledConfig(join(dir, 'nowhere'))).toThrowError(BundledConfigError);
    expect(() => bundledConfig(join(dir, 'nowhere'))).toThrowError(/built by FinmlFunction/);
  });

  test('a damaged one fails naming the file', () => {
    const bad = mkdtempSync(join(dir, 'bad-'));
    writeFileSync(join(bad, BUNDLED_CONFIG_FILE), '{"config":');
    expect(() => readBundledConfig(bad)).toThrowError(/config\.json: not JSON/);
  });
});
