/**
 * The fault suite: what happens to files when things go wrong, on the local runtime with its real S3
 * (s3rver) and DynamoDB (dynalite) servers and the real handlers. Concurrent files of one symbol,
 * numbers DynamoDB cannot store, a failed run (one alert, a working retry), injected transient S3 and
 * DynamoDB faults, and a kill -9 of the runtime in the middle of a run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createS3Client } from '#shared/aws/clients';
import { isParquet } from '#shared/data/parquet-tables';
import { keys } from '#shared/usecases/lake';
import { bronzeCsvChunks } from '../../../bench/generate.ts';
import { readOutbox } from '../../../infra/local/outbox.ts';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../../infra/local/runtime.ts';
import { S3RVER_CREDENTIALS } from '../../../infra/local/servers.ts';
import type { ExecutionRecord } from '../../../infra/local/state-machine.ts';
import { type SynthesizedStack, synthesizeStack } from '../../../infra/local/template.ts';
import { parquetAsCsv } from '../../helpers/parquet.ts';

const SAMPLE_LINES = (
  await readFile(new URL('../../../data/samples/sp500-2000.csv', import.meta.url), 'utf8')
)
  .trimEnd()
  .split('\n');

let stateDir: string;
let stack: SynthesizedStack;
let rt: LocalRuntime;

const options = (extra: Partial<LocalRuntimeOptions> = {}): LocalRuntimeOptions => ({
  stateDir,
  stack,
  ports: { api: 0, s3: 0, dynamodb: 0 },
  scheduleScale: 0,
  ...extra,
});

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'finml-faults-'));
  stack = await synthesizeStack({ outdir: join(stateDir, 'cdk.out') });
  rt = await startLocalRuntime(options());
  // A production model first (the sample), so later runs do not each train one.
  const first = await drop('market_data/SPX.csv', SAMPLE_LINES.join('\n'));
  expect(first.status).toBe('SUCCEEDED');
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** Puts objects into bronze at once and waits for the executions their events started. */
async function dropAll(files: [key: string, body: string][]): Promise<ExecutionRecord[]> {
  const before = new Set(rt.pipeline.executions);
  await Promise.all(
    files.map(([key, body]) =>
      rt.s3.send(new PutObjectCommand({ Bucket: rt.names.bronze, Key: key, Body: body })),
    ),
  );
  const started = rt.pipeline.executions.filter((x) => !before.has(x));
  expect(started).toHaveLength(files.length);
  const done = await Promise.all(started.map((x) => rt.pipeline.wait(x)));
  await rt.idle(); // the failure rule's function, if an execution failed
  return done;
}

const drop = async (key: string, body: string) => (await dropAll([[key, body]]))[0]!;

/** An object as text; a Parquet one as the CSV of its rows (test/helpers/parquet.ts parquetAsCsv). */
async function text(bucket: string, key: string): Promise<string | undefined> {
  let bytes: Uint8Array;
  try {
    const r = await rt.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    bytes = await r.Body!.transformToByteArray();
  } catch {
    return undefined;
  }
  return isParquet(bytes) ? parquetAsCsv(bytes, key) : new TextDecoder().decode(bytes);
}

const silverBucket = () => rt.names.buckets.DataLakeSilver!;
const goldBucket = () => rt.names.buckets.DataLakeGold!;
const silverKey = keys.silver;
const goldKey = keys.gold;

/**
 * After a restart: the run of `market_data/<symbol>.csv` was listed ABORTED (RuntimeInterrupted),
 * alerted once and re-run to SUCCEEDED, and its silver and gold equal those of a clean run of the
 * same rows as `C<symbol>`.
 */
async function expectRecovered(symbol: string) {
  expect(rt.recovered.interrupted.map((x) => [(x.input as { key: string }).key, x.status, x.error])).toEqual([
    [`market_data/${symbol}.csv`, 'ABORTED', 'RuntimeInterrupted'],
  ]);
  const [interrupted] = rt.recovered.interrupted;
  const rerun = await rt.pipeline.wait(rt.recovered.reruns[0]!);
  await rt.idle();
  expect(rerun.status).toBe('SUCCEEDED');
  const alerts = (await api('/alerts?limit=500')).body.items as {
    kind: string;
    subject: string;
    severity: string;
    notified: boolean;
    systemAction: string;
  }[];
  const mine = alerts.filter((a) => a.subject.endsWith(interrupted!.name));
  expect(mine).toHaveLength(1);
  // Nothing was lost (it is re-run by itself): shown on the dashboard, not e-mailed.
  expect(mine[0]).toMatchObject({
    severity: 'medium',
    notified: false,
    systemAction: expect.stringContaining('At its start it runs the file again by itself: nothing to do'),
  });
  const same = (t: string | undefined) => t?.replaceAll(`,C${symbol},`, `,${symbol},`);
  expect(await text(silverBucket(), silverKey(symbol))).toBe(
    same(await text(silverBucket(), silverKey(`C${symbol}`))),
  );
  expect(await text(goldBucket(), goldKey(symbol))).toBe(
    same(await text(goldBucket(), goldKey(`C${symbol}`))),
  );
  return { interrupted: interrupted!, rerun };
}

/** A bronze file of `symbol` holding sample rows. */
const file = (symbol: string, rows: readonly string[]) =>
  `${[`symbol,${SAMPLE_LINES[0]}`, ...rows.map((r) => `${symbol},${r}`)].join('\n')}\n`;

async function api(path: string, body?: unknown) {
  const response = await fetch(`${rt.urls.api}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': rt.apiKey },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the fault suite', () => {
  test('10 concurrent uploads of one symbol: every run succeeds and no row is lost', async () => {
    const rows = SAMPLE_LINES.slice(-1860);
    const runs = await dropAll(
      Array.from({ length: 10 }, (_, i) => [
        `market_data/ten-${i}.csv`,
        file('TEN', rows.slice(i * 186, (i + 1) * 186)),
      ]),
    );

    expect(runs.map((r) => `${r.status} ${r.error ?? ''} ${r.cause ?? ''}`.trim())).toEqual(
      Array(10).fill('SUCCEEDED'),
    );
    const union = await drop('market_data/ten-union.csv', file('UNION', rows));
    expect(union.status).toBe('SUCCEEDED');
    const silver = await text(silverBucket(), silverKey('TEN'));
    expect(silver?.trimEnd().split('\n')).toHaveLength(1 + 1860);
    expect(silver).toBe((await text(silverBucket(), silverKey('UNION')))?.replaceAll(',UNION,', ',TEN,'));
    expect(await text(goldBucket(), goldKey('TEN'))).toBe(
      (await text(goldBucket(), goldKey('UNION')))?.replaceAll(',UNION,', ',TEN,'),
    );
  }, 120_000);

  test('point in time: a continuation of a history leaves every earlier gold row as it was', async () => {
    const rows = SAMPLE_LINES.slice(-900);
    expect((await drop('market_data/pit-a.csv', file('PIT', rows.slice(0, 500)))).status).toBe('SUCCEEDED');
    const before = (await text(goldBucket(), goldKey('PIT')))!;
    expect(before.trimEnd().split('\n')).toHaveLength(1 + 500 - 21 - 251);
    expect((await drop('market_data/pit-b.csv', file('PIT', rows.slice(500)))).status).toBe('SUCCEEDED');
    const after = (await text(goldBucket(), goldKey('PIT')))!;
    expect(after.trimEnd().split('\n')).toHaveLength(1 + 900 - 21 - 251);
    expect(after.startsWith(before)).toBe(true);
  }, 120_000);

  test('live state: forecasts start from the newest gold day, for any symbol with gold', async () => {
    // 30 more weekdays of SPX after the sample's last day (2020-04-17), rising 0.1 % a day.
    const rows: string[] = [];
    let close = 2874.560059;
    for (let d = Date.UTC(2020, 3, 20); rows.length < 30; d += 86_400_000) {
      const day = new Date(d);
      if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
      close *= 1.001;
      const c = close.toFixed(6);
      rows.push(`${day.toISOString().slice(0, 10)},${c},${c},${c},${c},${c},1000`);
    }
    expect((await drop('market_data/SPX-more.csv', file('SPX', rows))).status).toBe('SUCCEEDED');
    const gold = (await text(goldBucket(), goldKey('SPX')))!.trimEnd().split('\n');
    const last = gold.at(-1)!.split(',');
    const forecast = await api('/predict', { symbol: 'SPX', horizon: 5 });
    expect(forecast.status).toBe(200);
    expect(forecast.body.from).toMatchObject({
      source: 'live gold',
      date: rows.at(-1)!.slice(0, 10),
      state: Number(last[10]),
    });
    // A symbol no model has seen: its gold makes it forecastable at once (the chain is pooled).
    expect((await drop('market_data/fresh.csv', file('FRESH', SAMPLE_LINES.slice(-400)))).status).toBe(
      'SUCCEEDED',
    );
    const fresh = await api('/predict', { symbol: 'FRESH', horizon: 1 });
    expect(fresh.status).toBe(200);
    expect(fresh.body.from).toMatchObject({ source: 'live gold', symbol: 'FRESH', date: '2020-04-17' });
    expect((await api('/predict', { symbol: 'NOGOLD', horizon: 1 })).status).toBe(404);
    const regimes = await api('/regimes');
    const spx = (regimes.body.symbols as { symbol: string; date: string; source: string }[]).find(
      (r) => r.symbol === 'SPX',
    );
    expect(spx).toMatchObject({ date: rows.at(-1)!.slice(0, 10), source: 'live gold' });
  }, 120_000);

  test('a 10-symbol regime-switching file in four slices: every run succeeds, later runs too', async () => {
    const lines = [...bronzeCsvChunks({ symbols: 10, days: 400, seed: 13 })].join('').trimEnd().split('\n');
    const [header, ...rows] = lines;
    const runs: ExecutionRecord[] = [];
    for (let slice = 0; slice < 4; slice++) {
      const part = rows.slice(slice * 1000, (slice + 1) * 1000); // 100 days × 10 symbols
      runs.push(await drop(`market_data/regimes-${slice}.csv`, `${[header, ...part].join('\n')}\n`));
    }
    runs.push(await drop('market_data/SPX-later.csv', file('LATER', SAMPLE_LINES.slice(-300))));

    expect(runs.map((r) => `${r.status} ${r.error ?? ''}`.trim())).toEqual(Array(5).fill('SUCCEEDED'));
    type Checked = {
      symbols: { symbol: string; regimeMixP: number; chainP: number; features: { ksP: number }[] }[];
    };
    // The newest check lists every symbol; each symbol's history has its statistics at every check.
    const [newest] = (await api('/drift?limit=500')).body.items as Checked[];
    const checks: Checked[] = [];
    for (const { symbol } of newest!.symbols) {
      checks.push(
        ...((await api(`/drift?limit=500&symbol=${encodeURIComponent(symbol)}`)).body.items as Checked[]),
      );
    }
    const pValues = checks.flatMap((d) =>
      d.symbols.flatMap((s) => [s.regimeMixP, s.chainP, ...s.features.map((f) => f.ksP)]),
    );
    // Every statistic of every symbol was recorded (the smallest p-value of this file is ≈ 4.8e-85; values
    // below DynamoDB's 1e-130 go through the record codec: test/integration/aws/dynamo-numbers.test.ts).
    expect(pValues.length).toBeGreaterThan(0);
    expect(pValues.every((p) => p >= 0 && p <= 1)).toBe(true);
  }, 180_000);

  test('a risk_indicators/ file is merged into silver and joined to every symbol’s gold by date, forward-filled', async () => {
    const run = await drop('risk_indicators/vix.csv', 'date,vix\n2000-01-03,24.2\n2020-03-16,82.7\n');

    expect(run.status).toBe('SUCCEEDED');
    expect(await text(silverBucket(), keys.indicators)).toBe('date,vix\n2000-01-03,24.2\n2020-03-16,82.7\n');
    const gold = (await text(goldBucket(), goldKey('SPX')))!.trimEnd().split('\n');
    const header = gold[0]!.split(',');
    const vix = header.indexOf('vix');
    expect(vix).toBe(header.length - 1);
    const cell = (date: string) => gold.find((l) => l.startsWith(`${date},`))?.split(',')[vix];
    expect([cell('2020-03-13'), cell('2020-03-16'), cell('2020-03-17'), cell('2020-04-17')]).toEqual([
      '24.2',
      '82.7',
      '82.7',
      '82.7',
    ]);
  }, 60_000);

  test('a failed run raises exactly one alert, marks its claim failed, and runs again on a re-upload and on POST /admin/retry', async () => {
    const key = 'market_data/fail.csv';
    const body = file('FAIL', SAMPLE_LINES.slice(-300));
    const outboxBefore = (await readOutbox(rt.outboxDir)).length;
    const unwrap = rt.lambda.wrap('GoldForSymbol', () => async () => {
      throw new Error('the gold disk is on fire (injected by the test)');
    });
    let failed: ExecutionRecord;
    try {
      failed = await drop(key, body);
    } finally {
      unwrap();
    }

    expect(failed.status).toBe('FAILED');
    const alerts = (await api('/alerts?limit=500')).body.items as {
      kind: string;
      subject: string;
      title: string;
      systemAction: string;
    }[];
    const mine = alerts.filter((a) => a.kind === 'pipelineFailed' && a.subject.endsWith(failed.name));
    expect(mine).toHaveLength(1);
    // The run failed before its publish, and the alert says so (the error is not called a step).
    expect(mine[0]!.title).toBe(`Pipeline run failed on ${key}`);
    expect(mine[0]!.systemAction).toMatch(/^The run stopped before publishing anything/);
    const outbox = (await readOutbox(rt.outboxDir)).slice(outboxBefore);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.subject).toContain(key);

    // The same bytes again: the claim says the run failed, so it runs (no AlreadyProcessed).
    const again = await drop(key, body);
    expect(again.status).toBe('SUCCEEDED');
    expect(again.states.map((s) => s.name)).not.toContain('AlreadyProcessed');
    expect((await text(silverBucket(), silverKey('FAIL')))?.trimEnd().split('\n')).toHaveLength(301);

    // POST /admin/retry: the object is copied onto itself and its pipeline runs again.
    const before = new Set(rt.pipeline.executions);
    const retry = await api('/admin/retry', { key, reason: 'fault suite retry' });
    expect(retry).toEqual({
      status: 202,
      body: { key, previousClaim: 'claimed', retried: true, reason: 'fault suite retry' },
    });
    let started = rt.pipeline.executions.filter((x) => !before.has(x));
    for (let i = 0; i < 50 && started.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      started = rt.pipeline.executions.filter((x) => !before.has(x));
    }
    expect(started).toHaveLength(1);
    const retried = await rt.pipeline.wait(started[0]!);
    expect(retried.status).toBe('SUCCEEDED');
    expect(retried.states.map((s) => s.name)).toContain('CleanToSilver');
    expect((await api('/admin/retry', { key: 'market_data/none.csv', reason: 'missing' })).status).toBe(404);
    // A key the pipeline's rule does not match would not run: refused, naming the rule (it said "retried").
    for (const other of ['other/yahoo.csv', 'market_data/yahoo.txt', 'market_data/UPPER.CSV']) {
      const refused = await api('/admin/retry', { key: other, reason: 'not runnable' });
      expect(refused.status, other).toBe(400);
      expect((refused.body.issues as { message: string }[])[0]!.message).toContain(
        'does not start the pipeline',
      );
    }
  }, 120_000);

  test('a run that fails after its publish (at DriftCheck) says its silver and gold are published', async () => {
    const key = 'market_data/late.csv';
    const unwrap = rt.lambda.wrap('DriftCheck', () => async () => {
      throw new Error('the drift disk is on fire (injected by the test)');
    });
    let failed: ExecutionRecord;
    try {
      failed = await drop(key, file('LATE', SAMPLE_LINES.slice(-300)));
    } finally {
      unwrap();
    }
    expect(failed.status).toBe('FAILED');
    expect(failed.states.find((x) => x.name === 'ValidateGold')?.status).toBe('succeeded');
    expect((await text(silverBucket(), silverKey('LATE')))?.trimEnd().split('\n')).toHaveLength(301);
    const alerts = (await api('/alerts?limit=500')).body.items as {
      kind: string;
      subject: string;
      systemAction: string;
    }[];
    const [alert] = alerts.filter((a) => a.kind === 'pipelineFailed' && a.subject.endsWith(failed.name));
    expect(alert!.systemAction).toMatch(
      /^The run had passed the gold gate and published its silver and gold/,
    );
  }, 60_000);

  test('injected transient S3 and DynamoDB faults are retried to success', async () => {
    const faults = { s3: 2, dynamo: 2 };
    const inject =
      (kind: 's3' | 'dynamo', command: RegExp, name: string) =>
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        if (faults[kind] > 0 && command.test(context.commandName ?? '')) {
          faults[kind]--;
          throw Object.assign(new Error(`${name} (injected by the test)`), {
            name,
            $metadata: { httpStatusCode: 503 },
          });
        }
        return next(args);
      };
    rt.s3.middlewareStack.add(inject('s3', /^GetObject/, 'SlowDown') as never, {
      step: 'initialize',
      name: 'faultSuiteS3',
    });
    rt.dynamodb.middlewareStack.add(
      inject('dynamo', /^Put/, 'ProvisionedThroughputExceededException') as never,
      {
        step: 'initialize',
        name: 'faultSuiteDynamo',
      },
    );
    let run: ExecutionRecord;
    try {
      run = await drop('market_data/flaky.csv', file('FLAKY', SAMPLE_LINES.slice(-300)));
    } finally {
      rt.s3.middlewareStack.remove('faultSuiteS3');
      rt.dynamodb.middlewareStack.remove('faultSuiteDynamo');
    }

    expect(faults).toEqual({ s3: 0, dynamo: 0 });
    expect(run.status).toBe('SUCCEEDED');
    const retries = run.states.reduce((n, s) => n + s.retries, 0);
    expect(retries).toBeGreaterThanOrEqual(2);
    expect((await text(silverBucket(), silverKey('FLAKY')))?.trimEnd().split('\n')).toHaveLength(301);
  }, 120_000);

  test('two concurrent trainings: one candidate, and every stage agrees with the pointers', async () => {
    const input = { bucket: rt.names.bronze, key: 'market_data/SPX.csv', runId: 'fault-train' };
    const versions = await Promise.all(
      [0, 1].map(async () => {
        const { version } = (await rt.lambda.invoke('Train', input)) as { version: string };
        return version;
      }),
    );
    const registered = (await Promise.all(
      versions.map((version) => rt.lambda.invoke('Register', { ...input, trained: { version } })),
    )) as { stage: string; version: string }[];

    expect(registered.map((r) => r.stage).sort()).toEqual(['candidate', 'rejected']);
    const models = (await api('/models')).body as {
      production: string;
      candidate: string;
      versions: { version: string; stage: string }[];
    };
    expect(versions).toContain(models.candidate);
    const byStage = (stage: string) => models.versions.filter((v) => v.stage === stage).map((v) => v.version);
    expect(byStage('candidate')).toEqual([models.candidate]);
    expect(byStage('production')).toEqual([models.production]);
    const loser = versions.find((v) => v !== models.candidate)!;
    expect(models.versions.find((v) => v.version === loser)?.stage).toBe('rejected');
  }, 120_000);

  test.each(['CleanToSilver', 'ValidateGold'])(
    'kill -9 of the runtime after %s, then a restart: the run is reported, re-run, listed, and the lake equals a clean run’s',
    async (step) => {
      const symbol = `KILL${step.length}`;
      const rows = SAMPLE_LINES.slice(-400);
      const clean = await drop(`market_data/clean-${symbol}.csv`, file(`C${symbol}`, rows));
      expect(clean.status).toBe('SUCCEEDED');
      await rt.stop();
      const stackFile = join(stateDir, 'stack.json');
      await writeFile(stackFile, JSON.stringify(stack));

      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/helpers/runtime-child.ts', stateDir, stackFile],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      let out = '';
      const seen = (pattern: RegExp) =>
        new Promise<RegExpExecArray>((resolve, reject) => {
          const check = () => {
            const m = pattern.exec(out);
            if (m) resolve(m);
          };
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString('utf8');
            check();
          });
          child.once('exit', () => reject(new Error(`the runtime child exited; its output:\n${out}`)));
          check();
        });
      try {
        const ready = JSON.parse((await seen(/READY (.+)\n/))[1]!) as { s3: string; bronze: string };
        const s3 = createS3Client({
          endpoint: ready.s3,
          region: 'us-east-1',
          credentials: S3RVER_CREDENTIALS,
        });
        await s3.send(
          new PutObjectCommand({
            Bucket: ready.bronze,
            Key: `market_data/${symbol}.csv`,
            Body: file(symbol, rows),
          }),
        );
        s3.destroy();
        await seen(new RegExp(`✓ ${step} `));
      } finally {
        child.kill('SIGKILL');
        await exited;
      }

      rt = await startLocalRuntime(options());
      const { interrupted, rerun } = await expectRecovered(symbol);
      const listed = (
        (await fetch(`${rt.urls.app}/local/executions`, { headers: { 'x-api-key': rt.apiKey } }).then((r) =>
          r.json(),
        )) as {
          items: { name: string; status: string }[];
        }
      ).items;
      expect(listed.find((x) => x.name === interrupted!.name)?.status).toBe('ABORTED');
      expect(listed.find((x) => x.name === rerun.name)?.status).toBe('SUCCEEDED');
    },
    120_000,
  );

  test('a stop (Ctrl-C) past the grace time leaves a run as a kill does: reported once, re-run at the next start, the lake equal to a clean run’s', async () => {
    const symbol = 'STOPPED';
    const rows = SAMPLE_LINES.slice(-400);
    const clean = await drop(`market_data/clean-${symbol}.csv`, file(`C${symbol}`, rows));
    expect(clean.status).toBe('SUCCEEDED');
    // Stop once the run has cleaned its file (before the gold and the publish): the grace time is 0.
    const cleaned = new Promise<void>((resolve) => {
      rt.pipeline.onEvent((e) => {
        if (e.type === 'state' && e.state.name === 'CleanToSilver' && e.state.status === 'succeeded')
          resolve();
      });
    });
    await rt.s3.send(
      new PutObjectCommand({
        Bucket: rt.names.bronze,
        Key: `market_data/${symbol}.csv`,
        Body: file(symbol, rows),
      }),
    );
    await cleaned;
    await rt.stop(0);

    rt = await startLocalRuntime(options());
    await expectRecovered(symbol);
  }, 120_000);
});
