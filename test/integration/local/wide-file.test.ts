/**
 * One daily file of many symbols (an index's constituents) through the local runtime: every state
 * of the pipeline keeps its input and output within Step Functions' 256 KiB quota, which the local
 * interpreter enforces as AWS does (States.DataLimitExceeded), however many symbols the file holds.
 * The run record on S3 still lists every symbol. (First, a file too short for gold: the run succeeds
 * without training, as there is nothing to train the first model on.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PAYLOAD_LIMIT_BYTES } from '../../../infra/local/asl.ts';
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts';
import { synthesizeStack } from '../../../infra/local/template.ts';

const SYMBOLS = 400;
/** Enough weekdays for gold (21 warm-up rows, 252 scored days), so the run trains its first model. */
const DAYS = 300;

let stateDir: string;
let rt: LocalRuntime;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'finml-wide-'));
  const stack = await synthesizeStack({ outdir: join(stateDir, 'cdk.out') });
  rt = await startLocalRuntime({ stateDir, stack, ports: { api: 0, s3: 0, dynamodb: 0 }, scheduleScale: 0 });
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** DAYS weekdays of SYMBOLS symbols, every symbol on every date (as a daily constituents file is). */
function wideFile(): string {
  const lines = ['symbol,date,close'];
  const day = new Date('2023-01-02T00:00:00Z');
  for (let d = 0; d < DAYS; ) {
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) {
      const date = day.toISOString().slice(0, 10);
      // A different path per symbol: a seeded sine-and-drift walk, never flat.
      for (let s = 0; s < SYMBOLS; s++) {
        const close = (100 + s) * Math.exp(0.02 * Math.sin((d + 1) * (0.05 + s / 4000)) + 0.0004 * d);
        lines.push(`S${String(s).padStart(4, '0')},${date},${close.toFixed(4)}`);
      }
      d++;
    }
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return `${lines.join('\n')}\n`;
}

test('a first file too short for any gold publishes its silver and succeeds without training', async () => {
  const lines = ['symbol,date,close'];
  for (let d = 2; d <= 12; d++)
    for (let s = 0; s < 50; s++) lines.push(`T${s},2024-01-${String(d).padStart(2, '0')},${100 + s + d}`);
  const before = new Set(rt.pipeline.executions);
  await rt.s3.send(
    new PutObjectCommand({
      Bucket: rt.names.bronze,
      Key: 'market_data/short.csv',
      Body: `${lines.join('\n')}\n`,
    }),
  );
  const [execution] = rt.pipeline.executions.filter((x) => !before.has(x));
  const run = await rt.pipeline.wait(execution!);
  expect(run.error ?? null).toBeNull();
  expect(
    run.states
      .filter((s) => s.index === undefined)
      .map((s) => s.name)
      .slice(-4),
  ).toEqual(['RecordOutcomes', 'DriftCheck', 'Retrain?', 'Done']);
  expect((run.output as { drift: unknown }).drift).toMatchObject({ verdict: 'wait', retrain: false });
  expect((run.output as { goldSummary: unknown }).goldSummary).toMatchObject({ symbols: 50, goldRows: 0 });
}, 120_000);

test(`a file of ${SYMBOLS} symbols runs through every state within the 256 KiB payload quota`, async () => {
  const before = new Set(rt.pipeline.executions);
  await rt.s3.send(
    new PutObjectCommand({ Bucket: rt.names.bronze, Key: 'market_data/constituents.csv', Body: wideFile() }),
  );
  const [execution] = rt.pipeline.executions.filter((x) => !before.has(x));
  const run = await rt.pipeline.wait(execution!);
  expect(run.error ?? null).toBeNull();
  expect(run.status).toBe('SUCCEEDED');
  expect(run.states.filter((s) => s.index === undefined).map((s) => s.name)).toContain('ValidateGold');
  // The whole execution's output (every task's result it kept) stays well inside the quota: the
  // gold gate's result is a summary, the bronze step's a count; only the clean step lists the
  // symbols, once, for the gold Map (≈ 8 bytes a symbol).
  const output = run.output as { bronze: unknown; goldSummary: object; silver: { symbols: string[] } };
  expect(output.bronze).toMatchObject({ symbols: SYMBOLS, rowsAccepted: SYMBOLS * DAYS });
  expect(output.goldSummary).toMatchObject({ symbols: SYMBOLS, mergedAgain: 0 });
  expect(JSON.stringify(output.goldSummary).length).toBeLessThan(1024);
  expect(output.silver.symbols).toHaveLength(SYMBOLS);
  expect(Buffer.byteLength(JSON.stringify(run.output))).toBeLessThan(PAYLOAD_LIMIT_BYTES / 16);

  // The run record on S3 holds what the state data no longer carries: one entry per symbol.
  const { metadataKey } = output.goldSummary as { metadataKey: string };
  const object = await rt.s3.send(
    new GetObjectCommand({ Bucket: rt.names.buckets.DataLakeGold!, Key: metadataKey }),
  );
  const metadata = JSON.parse(await object.Body!.transformToString()) as { gold: { symbols: unknown[] } };
  expect(metadata.gold.symbols).toHaveLength(SYMBOLS);
  expect(Buffer.byteLength(JSON.stringify(metadata))).toBeGreaterThan(PAYLOAD_LIMIT_BYTES);
}, 300_000);
