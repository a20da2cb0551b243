/**
 * The pure helpers of the training, hmm, predict and coldstart cases, and the coldstart case's
 * guards against drifting from how the stack builds and configures the Lambda functions.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { describe, expect, test } from 'vitest';
import { ENV } from '#composition/env';
import {
  BUNDLE_ALIASES,
  bytesByPackage,
  LAMBDA_ENTRIES,
  lambdaBuildOptions,
  lambdaEnvironment,
  REPO_ROOT,
  RUNTIME_SOURCE_MAPS,
} from '../../../bench/cases/coldstart-bundle.ts';
import { scaledLogReturns } from '../../../bench/cases/hmm.measure.ts';
import { CASES } from '../../../bench/cases/index.ts';
import { pipelineCase } from '../../../bench/cases/pipeline.ts';
import { MemoryPredictionLog } from '../../../bench/cases/predict-ports.ts';
import type { PredictionLogEntry } from '../../../shared/ports.ts';

const finmlFunctionSource = readFileSync(
  new URL('../../../infra/constructs/finml-function.ts', import.meta.url),
  'utf8',
);

describe('coldstart bundles', () => {
  test('use the banner FinmlFunction gives its bundles, verbatim', () => {
    const banner = lambdaBuildOptions(LAMBDA_ENTRIES.read, '/tmp/out').banner?.js;
    expect(banner).toBeDefined();
    expect(finmlFunctionSource).toContain(JSON.stringify(banner).slice(1, -1).replaceAll('\\"', '"'));
  });

  test('target the runtime, format and main fields of FinmlFunction', () => {
    const options = lambdaBuildOptions(LAMBDA_ENTRIES.read, '/tmp/out');
    expect(finmlFunctionSource).toContain(`target: '${options.target}'`);
    expect(finmlFunctionSource).toContain('format: OutputFormat.ESM');
    expect(options.format).toBe('esm');
    expect(finmlFunctionSource).toContain(
      `mainFields: ${JSON.stringify(options.mainFields).replaceAll('"', "'").replace(',', ', ')}`,
    );
    expect(finmlFunctionSource).toContain('externalModules: []');
    expect(options.external).toBeUndefined();
    expect(options.minify && options.sourcemap && options.bundle).toBe(true);
  });

  test('bundle every handler module the stack deploys, and only existing modules', () => {
    const stack = readFileSync(new URL('../../../infra/stack.ts', import.meta.url), 'utf8');
    const deployed = [...stack.matchAll(/'(functions\/[^']+\.ts)'/g)].map((m) => m[1]);
    expect(deployed.length).toBeGreaterThan(0);
    for (const entry of deployed) expect(Object.values(LAMBDA_ENTRIES)).toContain(entry);
    for (const entry of Object.values(LAMBDA_ENTRIES)) {
      expect(() => readFileSync(`${REPO_ROOT}${entry}`)).not.toThrow();
    }
  });

  test('alias the modules FinmlFunction aliases, to the same files', () => {
    const options = lambdaBuildOptions(LAMBDA_ENTRIES.predict, '/tmp/out');
    expect(options.alias).toEqual(BUNDLE_ALIASES);
    for (const [from, to] of Object.entries(BUNDLE_ALIASES)) {
      expect(finmlFunctionSource).toContain(`'${from}': '${to}'`);
      expect(() => readFileSync(`${REPO_ROOT}${to}`)).not.toThrow();
    }
  });
});

describe('lambdaEnvironment', () => {
  const env = lambdaEnvironment('read', '/tmp/bundle');

  test('sets every application variable the handlers read', () => {
    for (const name of Object.values(ENV)) expect(env[name], name).toMatch(/\S/);
  });

  test('sets the environment FinmlFunction adds, with the config folder beside the bundle', () => {
    for (const name of ['POWERTOOLS_SERVICE_NAME', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']) {
      const value = new RegExp(`${name}: '([^']*)'`).exec(finmlFunctionSource)?.[1];
      expect(value, name).toBeDefined();
      expect(env[name]).toBe(value);
    }
    expect(env.FINML_CONFIG_DIR).toBe('/tmp/bundle/config');
  });

  test('applies source maps at run time as the stack does: everywhere but /predict', () => {
    expect(finmlFunctionSource).toContain(`RUNTIME_SOURCE_MAPS = '${RUNTIME_SOURCE_MAPS}'`);
    expect(env.NODE_OPTIONS).toBe(RUNTIME_SOURCE_MAPS);
    expect(lambdaEnvironment('pipeline', '/tmp/bundle').NODE_OPTIONS).toBe(RUNTIME_SOURCE_MAPS);
    expect(lambdaEnvironment('predict', '/tmp/bundle').NODE_OPTIONS).toBe('');
    const api = readFileSync(new URL('../../../infra/constructs/prediction-api.ts', import.meta.url), 'utf8');
    expect(api).toContain('props.predict.withoutRuntimeSourceMaps()');
  });

  test('inherits nothing from the benchmark process but PATH (no local AWS profile or endpoint)', () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_PROFILE = 'developer';
      process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
      const fresh = lambdaEnvironment('read', '/tmp/bundle');
      expect(fresh.AWS_PROFILE).toBeUndefined();
      expect(fresh.AWS_ENDPOINT_URL).toBeUndefined();
      expect(fresh.PATH).toBe(process.env.PATH);
    } finally {
      process.env = saved;
    }
  });
});

describe('bytesByPackage', () => {
  const input = (bytesInOutput: number) => ({ bytesInOutput });
  const metafile = {
    inputs: {},
    outputs: {
      'out/index.mjs': {
        bytes: 0,
        imports: [],
        exports: [],
        inputs: {
          'node_modules/zod/v4/core/schemas.js': input(300),
          'node_modules/zod/v4/locales/en.js': input(100),
          'node_modules/@aws-sdk/client-s3/dist-es/S3Client.js': input(250),
          'node_modules/@smithy/core/node_modules/@smithy/util/dist/index.js': input(50),
          'shared/model/predict.ts': input(20),
          'shared/model/markov.ts': input(30),
        },
      },
    },
  } as unknown as Metafile;

  test('sums the bytes per npm package (scoped or not) and per source folder, largest first', () => {
    expect(bytesByPackage(metafile)).toEqual([
      { name: 'zod', bytes: 400 },
      { name: '@aws-sdk/client-s3', bytes: 250 },
      { name: '@smithy/core', bytes: 50 },
      { name: 'shared/model', bytes: 50 },
    ]);
  });
});

describe('scaledLogReturns', () => {
  test('gives the scaled log returns of the adjclose column, whatever its position', () => {
    const csv = 'date,adjclose,close\n2020-01-02,100,1\n2020-01-03,110,1\n2020-01-06,99,1\n';
    const r = scaledLogReturns(csv, 100);
    expect(Array.from(r)).toEqual([100 * Math.log(1.1), 100 * Math.log(99 / 110)]);
  });

  test('refuses a file without adjclose, or with a non-positive price', () => {
    expect(() => scaledLogReturns('date,close\n2020-01-02,1\n', 1)).toThrow(/adjclose/);
    expect(() => scaledLogReturns('date,adjclose\n2020-01-02,1\n2020-01-03,0\n', 1)).toThrow(/non-positive/);
  });
});

describe('MemoryPredictionLog', () => {
  const entry = (i: number): PredictionLogEntry => ({
    requestId: `r${i}`,
    at: '2026-01-01T00:00:00.000Z',
    symbol: 'X',
    modelVersion: 'v1',
    arm: 'production',
    fromState: 0,
    fromDate: '2026-01-01',
    horizon: 1,
    nextDay: [0.5, 0.3, 0.2],
    expiresAt: 0,
  });

  test('counts every entry and keeps the latest one, past its capacity', async () => {
    const log = new MemoryPredictionLog(3);
    for (let i = 0; i < 7; i++) await log.put(entry(i));
    expect(log.count).toBe(7);
    expect(log.last()).toEqual(entry(6));
  });
});

describe('CASES', () => {
  test('have unique names, and unique variant names within a case, each with a quick variant', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    for (const c of CASES) {
      expect(new Set(c.variants.map((v) => v.name)).size, c.name).toBe(c.variants.length);
      expect(
        c.variants.some((v) => v.quick),
        c.name,
      ).toBe(true);
    }
  });
});

describe('pipeline case', () => {
  const bin = fileURLToPath(new URL('../../../bin/finml.mjs', import.meta.url));

  test("runs its children with the Node flags of finml's own entry line", () => {
    const first = readFileSync(bin, 'utf8').split('\n', 1)[0]!;
    expect(first.startsWith('#!/usr/bin/env -S node ')).toBe(true);
    const flags = first.slice('#!/usr/bin/env -S node '.length).split(' ');
    expect(flags.length).toBeGreaterThan(0);
    expect(pipelineCase.nodeOptions).toEqual(flags);
  });

  test('the entry runs as an executable, with those flags (env -S)', () => {
    const out = execFileSync(bin, ['--help'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(out).toMatch(/^ {2}pipeline +bronze CSVs/m);
  });
});
