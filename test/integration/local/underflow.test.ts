/**
 * A whole file whose drift p-values underflow DynamoDB's number range (below 1e-130), through the
 * local runtime with its real S3 and DynamoDB servers: a calm series trains the first model, then a
 * violent one of the same symbol is checked against it. With a 400-row drift window (a config
 * folder of this test; the default window, 63 rows, cannot reach 1e-130 with a two-sample KS test:
 * its asymptotic p stays above ≈ 1e-55), the drawdown KS p is ≈ 8e-176. Every run must
 * succeed, the drift record must be stored with that p-value, and a later run must succeed too.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts';
import type { ExecutionRecord } from '../../../infra/local/state-machine.ts';
import { synthesizeStack } from '../../../infra/local/template.ts';

let stateDir: string;
let rt: LocalRuntime;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'finml-underflow-'));
  const configDir = join(stateDir, 'config');
  await cp(new URL('../../../config/', import.meta.url), configDir, { recursive: true });
  const monitoring = join(configDir, 'monitoring.yaml');
  const yaml = await readFile(monitoring, 'utf8');
  expect(yaml).toMatch(/^ {2}windowRows: 63$/m);
  await writeFile(monitoring, yaml.replace(/^ {2}windowRows: 63$/m, '  windowRows: 400'));
  const stack = await synthesizeStack({ outdir: join(stateDir, 'cdk.out') });
  rt = await startLocalRuntime({
    stateDir,
    stack,
    configDir,
    ports: { api: 0, s3: 0, dynamodb: 0 },
    scheduleScale: 0,
  });
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** A daily close series of `days` weekdays from `start`, log returns ~ N(0, sd²) from a seeded generator. */
function series(symbol: string, start: string, days: number, sd: number, seed: number, from = 100): string {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const rows = ['symbol,date,close'];
  let price = from;
  const day = new Date(`${start}T00:00:00Z`);
  while (rows.length <= days) {
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) {
      rows.push(`${symbol},${day.toISOString().slice(0, 10)},${price.toFixed(4)}`);
      price *= Math.exp(sd * normal());
    }
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return `${rows.join('\n')}\n`;
}

async function drop(key: string, body: string): Promise<ExecutionRecord> {
  const before = new Set(rt.pipeline.executions);
  await rt.s3.send(new PutObjectCommand({ Bucket: rt.names.bronze, Key: key, Body: body }));
  const started = rt.pipeline.executions.filter((x) => !before.has(x));
  expect(started).toHaveLength(1);
  const done = await rt.pipeline.wait(started[0]!);
  await rt.idle();
  return done;
}

async function driftRecords() {
  const response = await fetch(`${rt.urls.api}/drift?limit=50`, { headers: { 'x-api-key': rt.apiKey } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    items: { symbols: { symbol: string; features: { feature: string; ksP: number }[] }[] }[];
  };
  return body.items;
}

test('drift p-values below 1e-130 are stored and read back; every run succeeds, later runs too', async () => {
  // 1,200 calm days (daily sd 0.4 %) train the first model; then 400 violent days (sd 8 %).
  const calm = await drop('market_data/ulf-calm.csv', series('ULF', '2010-01-04', 1200, 0.004, 7));
  expect(calm.status).toBe('SUCCEEDED');
  const violent = await drop('market_data/ulf-violent.csv', series('ULF', '2014-08-04', 400, 0.08, 8, 120));
  expect(`${violent.status} ${violent.error ?? ''}`.trim()).toBe('SUCCEEDED');

  const ksP = (await driftRecords())
    .flatMap((r) => r.symbols.filter((s) => s.symbol === 'ULF'))
    .flatMap((s) => s.features.map((f) => f.ksP));
  // The check ran, and stored p-values DynamoDB cannot hold as numbers (they went through the record
  // codec): on this file realised volatility's D is 1 (p underflows to 0) and drawdown's p ≈ 8e-176.
  expect(ksP.length).toBeGreaterThan(0);
  expect(ksP.some((p) => p > 0 && p < 1e-130)).toBe(true);

  // Later runs are not poisoned by the stored record.
  const later = await drop('market_data/ulf-later.csv', series('ULF', '2016-02-01', 30, 0.01, 9, 200));
  expect(`${later.status} ${later.error ?? ''}`.trim()).toBe('SUCCEEDED');
}, 300_000);
