/**
 * The local runtime end to end, against the real local servers (s3rver, dynalite) and the real
 * handlers: the synthesized stack deployed in-process on random ports with a temporary state folder.
 * The tests run in order and build on each other (the sample trains the first model, later tests use it).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TransientAwsError } from '#shared/aws/errors';
import { readOutbox } from '../../../infra/local/outbox.ts';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../../infra/local/runtime.ts';
import type { ScheduleRun } from '../../../infra/local/schedules.ts';
import type { ExecutionRecord } from '../../../infra/local/state-machine.ts';
import { resourcesOfType, type SynthesizedStack, synthesizeStack } from '../../../infra/local/template.ts';
import { shiftedSample } from '../../helpers/data.ts';

const SAMPLE_FILE = new URL('../../../data/samples/sp500-2000.csv', import.meta.url);
const SAMPLE_KEY = 'market_data/SPX.csv';

let stateDir: string;
let stack: SynthesizedStack;
let sample: Buffer;
let rt: LocalRuntime;

const options = (extra: Partial<LocalRuntimeOptions> = {}): LocalRuntimeOptions => ({
  stateDir,
  stack,
  ports: { api: 0, s3: 0, dynamodb: 0 },
  scheduleScale: 0,
  print: (line) => printed.push(line),
  ...extra,
});
/** What the runtime printed (the terminal of npm start). */
const printed: string[] = [];

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'finml-local-'));
  sample = await readFile(SAMPLE_FILE);
  stack = await synthesizeStack({ outdir: join(stateDir, 'cdk.out') });
  rt = await startLocalRuntime(options());
}, 60_000);

afterAll(async () => {
  await rt?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** Puts an object into bronze and waits for the execution its event started. */
async function drop(key: string, body: Buffer | string): Promise<ExecutionRecord> {
  const before = new Set(rt.pipeline.executions);
  await rt.s3.send(new PutObjectCommand({ Bucket: rt.names.bronze, Key: key, Body: body }));
  const started = rt.pipeline.executions.filter((x) => !before.has(x));
  expect(started.map((x) => (x.input as { key: string }).key)).toEqual([key]);
  return rt.pipeline.wait(started[0]!);
}

async function api(path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = init.key === undefined ? rt.apiKey : init.key;
  if (key !== null) headers['x-api-key'] = key;
  const response = await fetch(`${rt.urls.api}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function keys(bucket: string, prefix = ''): Promise<string[]> {
  const page = await rt.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

interface ModelList {
  production: string | null;
  candidate: string | null;
  versions: { version: string; stage: string }[];
}

describe('the local runtime', () => {
  test('deploys every function of the template with its source entry, and the tables with their keys', () => {
    const template = stack.template;
    const withEntry = resourcesOfType(template, 'AWS::Lambda::Function').filter(
      ([, r]) => r.Metadata?.['finml:entry'],
    );
    expect(rt.deployment.functions.map((f) => f.logicalId).sort()).toEqual(
      withEntry.map(([id]) => id).sort(),
    );
    for (const t of rt.deployment.tables) {
      const p = template.Resources[t.logicalId]!.Properties!;
      expect(t.create.KeySchema).toEqual(p.KeySchema);
      expect(t.create.AttributeDefinitions).toEqual(p.AttributeDefinitions);
      expect(t.create.GlobalSecondaryIndexes).toEqual(p.GlobalSecondaryIndexes);
    }
  });

  test('the Glue catalog and the Athena workgroup are listed as not emulated; their result bucket exists locally', async () => {
    expect(rt.deployment.notEmulated).toEqual(
      expect.arrayContaining([
        'AWS::Athena::NamedQuery',
        'AWS::Athena::WorkGroup',
        'AWS::Glue::Database',
        'AWS::Glue::Table',
        'AWS::IAM::ManagedPolicy',
      ]),
    );
    expect(await keys(rt.names.buckets.CatalogResults!)).toEqual([]);
  });

  test('the sample dropped into bronze runs the pipeline, registers a production model, and /predict answers', async () => {
    const run = await drop(SAMPLE_KEY, sample);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.filter((s) => s.index === undefined).map((s) => s.name)).toEqual([
      'Claim',
      'FirstTime?',
      'ValidateBronze',
      'CleanToSilver',
      'BuildGold',
      'ValidateGold',
      'RecordOutcomes',
      'DriftCheck',
      'Retrain?',
      'Train',
      'Register',
      'Done',
    ]);
    const models = (await api('/models')).body as unknown as ModelList;
    expect(models.production).not.toBeNull();
    expect(models.versions).toEqual([
      expect.objectContaining({ version: models.production, stage: 'production' }),
    ]);
    const forecast = await api('/predict', { body: { symbol: 'SPX', horizon: 5 } });
    expect(forecast.status).toBe(200);
    expect(forecast.body.modelVersion).toBe(models.production);
    const p = forecast.body.probabilities as Record<string, number>;
    expect(Object.keys(p)).toEqual(['Low', 'Medium', 'High']);
    expect(p.Low! + p.Medium! + p.High!).toBeCloseTo(1, 12);
    // The pipeline's training is a retraining job like the scheduled ones, with the rule that fired.
    const jobs = (await api('/jobs')).body.items as {
      trigger: string;
      version: string;
      reasons: { rule: string }[];
    }[];
    expect(jobs).toEqual([
      expect.objectContaining({
        trigger: `pipeline run of ${SAMPLE_KEY}`,
        status: 'trained',
        version: models.production,
        reasons: [expect.objectContaining({ rule: 'no-model' })],
      }),
    ]);
  }, 60_000);

  test('the API refuses a request without the API key and a body that breaks the request model', async () => {
    expect(await api('/predict', { body: { symbol: 'SPX' }, key: null })).toEqual({
      status: 403,
      body: { message: 'Forbidden' },
    });
    const extra = await api('/predict', { body: { symbol: 'SPX', colour: 'red' } });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body.issues)).toContain('colour');
    expect((await api('/predict', { body: [1, 2] })).body).toEqual({ message: 'Invalid request body' });
    // A body sent as another type (curl -d alone sends a form type, fetch a string as text/plain)
    // passes API Gateway's model unvalidated: the function refuses it, naming the type.
    for (const [type, body] of [
      ['text/plain;charset=UTF-8', '{"symbol":"SPX"}'],
      ['application/x-www-form-urlencoded', 'symbol=SPX'],
    ] as const) {
      const response = await fetch(`${rt.urls.api}/predict`, {
        method: 'POST',
        headers: { 'content-type': type, 'x-api-key': rt.apiKey },
        body,
      });
      expect(response.status).toBe(415);
      expect(((await response.json()) as { message: string }).message).toContain(`not "${type}"`);
    }
  });

  test('hostile identifiers are 400s naming the field or 404s, never a 500', async () => {
    // Prototype keys are symbols the model does not know, not properties of an object.
    for (const symbol of ['constructor', '__proto__', 'hasOwnProperty', 'toString']) {
      const r = await api('/predict', { body: { symbol, horizon: 5 } });
      expect(r.status, symbol).toBe(404);
      expect(r.body.message).toMatch(/unknown symbol/);
    }
    const long = await api('/predict', { body: { symbol: 'X'.repeat(300) } });
    expect(long.status).toBe(400);
    expect(long.body.issues).toEqual([expect.objectContaining({ path: 'symbol' })]);
    const timeline = await api(`/timeline?symbol=${'Y'.repeat(300)}`);
    expect(timeline.status).toBe(400);
    expect(timeline.body.issues).toEqual([expect.objectContaining({ path: 'symbol' })]);
    const version = await api(`/models/${'v'.repeat(1100)}`);
    expect(version.status).toBe(400);
    expect(version.body.issues).toEqual([expect.objectContaining({ path: 'version' })]);
    expect((await api('/models/20240102T030405-0a1b2c3d')).status).toBe(404); // well-formed, unknown
    const badDate = await api('/timeline?symbol=SPX&from=2020-02-30');
    expect(badDate.status).toBe(400);
    expect(badDate.body.issues).toEqual([expect.objectContaining({ path: 'from' })]);
    const reversed = await api('/timeline?symbol=SPX&from=2020-03-01&to=2020-02-01');
    expect(reversed.status).toBe(400);
    // Admin keys and reasons (a user walk: these were 500s, and "a/../b.csv" was another real object).
    for (const key of [
      'market_data/\ud800.csv',
      `market_data/${'日'.repeat(400)}.csv`,
      'risk_indicators/../market_data/SPX.csv',
      'market_data/./SPX.csv',
    ]) {
      const r = await api('/admin/retry', { body: { key, reason: 'hostile key' } });
      expect(r.status, key).toBe(400);
      expect(r.body.issues).toEqual([expect.objectContaining({ path: 'key' })]);
    }
    const controls = await api('/admin/reject', { body: { reason: '\u0000\u001b[31m red' } });
    expect(controls.status).toBe(400);
    expect(controls.body.issues).toEqual([expect.objectContaining({ path: 'reason' })]);
    // A missing horizon is the documented default, one day.
    const noHorizon = await api('/predict', { body: { symbol: 'SPX' } });
    expect(noHorizon.status).toBe(200);
    expect(noHorizon.body.horizon).toBe(1);
  });

  test('a semicolon-separated file is quarantined with its report and an alert, and nothing reaches silver', async () => {
    const silverBefore = await keys(rt.names.buckets.DataLakeSilver!);
    const outboxBefore = (await readOutbox(rt.outboxDir)).length;

    const run = await drop(
      'market_data/semicolons.csv',
      'date;close\n2020-01-02;3257.85\n2020-01-03;3234.85\n',
    );

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DataRejectedError');
    expect(run.states.map((s) => s.name)).toEqual([
      'Claim',
      'FirstTime?',
      'ValidateBronze',
      'Quarantine',
      'DataRejected',
    ]);
    const quarantined = await keys(rt.names.buckets.DataLakeQuarantine!, `${run.name}/`);
    expect(quarantined).toEqual([
      `${run.name}/market_data/semicolons.csv`,
      `${run.name}/market_data/semicolons.csv.report.json`,
    ]);
    const report = JSON.parse(
      await (
        await rt.s3.send(
          new GetObjectCommand({ Bucket: rt.names.buckets.DataLakeQuarantine!, Key: quarantined[1]! }),
        )
      ).Body!.transformToString(),
    ) as Record<string, unknown>;
    expect(report).toMatchObject({
      file: 'market_data/semicolons.csv',
      runId: run.name,
      name: 'DataRejectedError',
    });
    expect(String(report.message)).toContain('separated by ";"');
    const outbox = await readOutbox(rt.outboxDir);
    expect(outbox).toHaveLength(outboxBefore + 1);
    expect(outbox.at(-1)).toMatchObject({ severity: 'high', topicArn: rt.names.topicArn });
    expect(outbox.at(-1)!.subject).toContain('market_data/semicolons.csv');
    expect(await keys(rt.names.buckets.DataLakeSilver!)).toEqual(silverBefore);
  }, 30_000);

  test('the same file dropped twice is processed once', async () => {
    const run = await drop(SAMPLE_KEY, sample);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.map((s) => s.name)).toEqual(['Claim', 'FirstTime?', 'AlreadyProcessed']);
  }, 30_000);

  test('GET /local/executions lists the newest runs with their steps folded; /local/executions/<name> has one whole', async () => {
    const local = async (path: string) => {
      const r = await fetch(`${rt.urls.app}/local${path}`, { headers: { 'x-api-key': rt.apiKey } });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const list = await local('/executions?limit=2');
    expect(list.status).toBe(200);
    const items = list.body.items as {
      name: string;
      states?: unknown;
      steps: { name: string; runs: number }[];
    }[];
    expect(items).toHaveLength(2);
    expect(list.body.total).toBe(rt.pipeline.executions.length);
    expect(items[0]!.name).toBe(rt.pipeline.executions.at(-1)!.name); // newest first
    expect(items[0]!.states).toBeUndefined();
    const whole = rt.pipeline.executions.find((x) => x.states.some((s) => s.index !== undefined))!;
    const summary = (await local(`/executions?limit=500`)).body.items as typeof items;
    const folded = summary.find((x) => x.name === whole.name)!.steps;
    // Every state record is counted once, under its name (a Map's iterations too).
    expect(folded.reduce((n, s) => n + s.runs, 0)).toBe(whole.states.length);
    expect(new Set(folded.map((s) => s.name)).size).toBe(folded.length);
    const one = await local(`/executions/${encodeURIComponent(whole.name)}`);
    expect(one.status).toBe(200);
    expect((one.body.states as unknown[]).length).toBe(whole.states.length);
    expect((await local('/executions/nope')).status).toBe(404);
    const bad = await local('/executions?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('limit must be an integer from 1 to 500, got "0"');
  });

  test('an upload under a key no rule runs on starts nothing and says so on the terminal', async () => {
    const before = rt.pipeline.executions.length;
    for (const key of ['notes/readme.txt', 'market_data/spx.CSV']) {
      await rt.s3.send(new PutObjectCommand({ Bucket: rt.names.bronze, Key: key, Body: 'date,close\n' }));
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(rt.pipeline.executions.length).toBe(before);
    const said = printed.filter((l) => l.includes('nothing runs on this key'));
    expect(said).toEqual([
      `· ${rt.names.bronze}/notes/readme.txt: nothing runs on this key (the pipeline runs on market_data/*.csv or risk_indicators/*.csv)`,
      `· ${rt.names.bronze}/market_data/spx.CSV: nothing runs on this key (the pipeline runs on market_data/*.csv or risk_indicators/*.csv)`,
    ]);
    // The sample's own uploads matched the rule: no such line for them.
    expect(printed.some((l) => l.includes(SAMPLE_KEY) && l.includes('nothing runs'))).toBe(false);
  });

  test('a task that fails with TransientAwsError twice is retried to success by the state machine', async () => {
    let failures = 0;
    const unwrap = rt.lambda.wrap('Claim', (handler) => async (event, context) => {
      if (failures < 2) {
        failures++;
        throw new TransientAwsError('throttled (injected by the test)');
      }
      return handler(event, context);
    });
    try {
      const run = await drop(SAMPLE_KEY, sample);

      expect(run.status).toBe('SUCCEEDED');
      expect(failures).toBe(2);
      expect(run.states[0]).toMatchObject({ name: 'Claim', status: 'succeeded', retries: 2 });
    } finally {
      unwrap();
    }
  }, 30_000);

  test('a file whose daily moves are shifted raises a drift alert that is e-mailed to the outbox', async () => {
    const run = await drop('market_data/SPXSHIFT.csv', shiftedSample(sample.toString('utf8'), 400, 150, 4));

    expect(run.status).toBe('SUCCEEDED');
    const alerts = (await api('/alerts?limit=500')).body.items as {
      kind: string;
      subject: string;
      notified: boolean;
    }[];
    const drift = alerts.filter((a) => a.kind === 'dataDrift' && a.subject.startsWith('SPXSHIFT:'));
    expect(drift.length).toBeGreaterThan(0);
    expect(drift.some((a) => a.notified)).toBe(true);
    const outbox = await readOutbox(rt.outboxDir);
    expect(outbox.some((m) => m.subject.includes('Data drift on SPXSHIFT'))).toBe(true);
    // GET /local/outbox: the newest messages first, a page of them, and how many there are.
    const page = await fetch(`${rt.urls.app}/local/outbox?limit=1`, { headers: { 'x-api-key': rt.apiKey } });
    const body = (await page.json()) as { total: number; items: { subject: string }[] };
    expect(body.total).toBe(outbox.length);
    expect(body.items.map((m) => m.subject)).toEqual([outbox.at(-1)!.subject]);
    const refused = await fetch(`${rt.urls.app}/local/outbox?limit=0`, {
      headers: { 'x-api-key': rt.apiKey },
    });
    expect(refused.status).toBe(400);
  }, 30_000);

  test('POST /admin/reproduce trains the first model again from its lineage (s3rver: a snapshot of its gold) and finds it equal', async () => {
    const models = (await api('/models')).body as unknown as ModelList;
    const first = models.versions.at(-1)!.version; // newest first: the sample's model is the last
    const r = await api('/admin/reproduce', { body: { version: first, reason: 'lineage check' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ version: first, equal: true, objects: 1 });
    const unknown = await api('/admin/reproduce', {
      body: { version: '20000101T000000-00000000', reason: 'lineage check' },
    });
    expect(unknown.status).toBe(404);
  }, 60_000);

  test('POST /admin/retrain: a request object whose S3 event trains a candidate at once — not the same model again; 409 beside a running candidate', async () => {
    // Self-contained when run alone: a lake with gold and a production model.
    if ((await api('/models')).body.production === null)
      expect((await drop(SAMPLE_KEY, sample)).status).toBe('SUCCEEDED');
    const before = (await api('/models')).body as unknown as ModelList;
    if (before.candidate !== null) {
      expect((await api('/admin/retrain', { body: { reason: 'vendor restatement' } })).status).toBe(409);
      await api('/admin/promote', { body: { version: before.candidate, reason: 'clear the A/B test' } });
    }
    type Job = { trigger: string; status: string; request?: string; version?: string; blockedBy?: string[] };
    /** The job that answered a request (trained, skipped or failed), once the function has run. */
    const answerOf = async (request: string) => {
      for (let i = 0; i < 600; i++) {
        await rt.lambda.idle();
        const job = ((await api('/jobs')).body.items as Job[]).find(
          (j) => j.request === request && j.status !== 'requested',
        );
        if (job !== undefined) return job;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no job answered ${request}`);
    };
    // The newest model trained on this very gold, config and code (the first request makes sure of
    // it, whatever the earlier tests left): a request would train that model again — skipped.
    const first = await api('/admin/retrain', { body: { reason: 'a first look' } });
    expect(first.status).toBe(202);
    if ((await answerOf(first.body.request as string)).status === 'trained') {
      expect((await api('/admin/reject', { body: { reason: 'clear the A/B test' } })).status).toBe(200);
    }
    const same = await api('/admin/retrain', { body: { reason: 'the same again' } });
    expect(same.status).toBe(202);
    const skipped = await answerOf(same.body.request as string);
    expect(skipped.status).toBe('skipped');
    expect(skipped.blockedBy).toEqual([expect.stringContaining('was trained on this very gold')]);
    const unchanged = (await api('/models')).body as unknown as ModelList;
    expect(unchanged.candidate).toBeNull();

    // New gold (a new symbol): now a request trains.
    const lines = sample.toString('utf8').trim().split('\n');
    const copy = `${[lines[0], ...lines.slice(-300)].join('\n')}\n`;
    expect((await drop('market_data/SPXCOPY.csv', copy)).status).toBe('SUCCEEDED');
    expect(((await api('/models')).body as unknown as ModelList).candidate).toBeNull();
    const requests = await keys(rt.names.buckets.DataLakeArtifacts!, 'requests/retraining/');
    // A burst: one request is taken, the others are told one is still running (each would train).
    const answers = await Promise.all(
      [1, 2, 3].map((i) => api('/admin/retrain', { body: { reason: `vendor restatement ${i}` } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409]);
    const r = answers.find((a) => a.status === 202)!;
    const request = r.body.request as string;
    expect(await keys(rt.names.buckets.DataLakeArtifacts!, 'requests/retraining/')).toContain(request);
    // The artifacts bucket's Object Created event → OnRetrainingRequest → RequestedRetraining.
    const job = await answerOf(request);
    expect(job).toMatchObject({
      status: 'trained',
      trigger: expect.stringMatching(/^operator request: vendor restatement \d$/),
    });
    const after = (await api('/models')).body as unknown as ModelList;
    expect(after.candidate).toBe(job.version);
    expect(printed.some((l) => /OnRetrainingRequest.* → RequestedRetraining ✓/.test(l))).toBe(true);
    // One candidate at a time: a second request is refused, and writes nothing.
    const second = await api('/admin/retrain', { body: { reason: 'again' } });
    expect(second.status).toBe(409);
    expect(second.body.message).toContain(`candidate ${after.candidate} is in its A/B test`);
    expect(await keys(rt.names.buckets.DataLakeArtifacts!, 'requests/retraining/')).toHaveLength(
      requests.length + 1,
    );
    // The operator ends that A/B test by hand: the candidate is rejected, production unchanged.
    const wrong = await api('/admin/reject', {
      body: { reason: 'trained on the restated prices', version: before.production },
    });
    expect(wrong.status).toBe(409);
    const rejected = await api('/admin/reject', { body: { reason: 'trained on the restated prices' } });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ rejected: after.candidate, production: after.production });
    const end = (await api('/models')).body as unknown as ModelList;
    expect(end.candidate).toBeNull();
    expect(end.versions.find((v) => v.version === after.candidate)?.stage).toBe('rejected');
    expect((await api('/admin/reject', { body: { reason: 'again' } })).status).toBe(404);

    // A request whose function died with the runtime (kill -9 while it trained; here it returns at
    // once, having done nothing): the next start runs it again, and the route is closed meanwhile.
    const undo = rt.lambda.wrap('RequestedRetraining', () => async () => ({ died: true }));
    const lost = await api('/admin/retrain', { body: { reason: 'interrupted by a kill' } });
    expect(lost.status).toBe(202);
    await rt.lambda.idle();
    undo();
    await rt.stop();
    printed.length = 0;
    rt = await startLocalRuntime(options());
    expect(printed.some((l) => l.includes(`↻ ${lost.body.request as string}: interrupted`))).toBe(true);
    expect((await api('/admin/retrain', { body: { reason: 'meanwhile' } })).status).toBe(409);
    // Its answer: the rejected candidate was trained on this gold — the same model, so skipped.
    expect(await answerOf(lost.body.request as string)).toMatchObject({
      trigger: 'operator request: interrupted by a kill',
      status: 'skipped',
      blockedBy: [expect.stringContaining(`${after.candidate} was trained on this very gold`)],
    });

    // A rejected version goes into production only when the operator says they mean it.
    const refused = await api('/admin/promote', {
      body: { version: after.candidate, reason: 'second thoughts' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain(`version ${after.candidate} was rejected`);
    expect(((await api('/models')).body as unknown as ModelList).production).toBe(after.production);
    expect((await api('/admin/rollback', { body: { reason: 'second thoughts', force: true } })).status).toBe(
      400,
    );
    const forced = await api('/admin/promote', {
      body: { version: after.candidate, reason: 'second thoughts', force: true },
    });
    expect(forced.status).toBe(200);
    expect(((await api('/models')).body as unknown as ModelList).production).toBe(after.candidate);
    const [event] = (await api('/events?limit=1')).body.items as { kind: string; reason: string }[];
    expect(event).toMatchObject({
      kind: 'promoted',
      reason: 'manual: second thoughts (forced: the version had been rejected)',
    });
  }, 180_000);

  test('two promotions at once leave exactly one production version', async () => {
    const train = async () => {
      const { version } = (await rt.lambda.invoke('Train', {
        bucket: rt.names.bronze,
        key: SAMPLE_KEY,
        runId: 'test-train',
      })) as { version: string };
      await rt.lambda.invoke('Register', {
        bucket: rt.names.bronze,
        key: SAMPLE_KEY,
        runId: 'test-train',
        trained: { version },
      });
      return version;
    };
    const a = await train();
    const b = await train();
    expect(a).not.toBe(b);

    const answers = await Promise.all(
      [a, b].map((version) => api('/admin/promote', { body: { version, reason: 'race test' } })),
    );

    expect(answers.some((r) => r.status === 200)).toBe(true);
    for (const r of answers) expect([200, 409]).toContain(r.status);
    const models = (await api('/models')).body as unknown as ModelList;
    expect([a, b]).toContain(models.production);
    expect(models.versions.filter((v) => v.stage === 'production').map((v) => v.version)).toEqual([
      models.production,
    ]);
  }, 60_000);

  test('a restart keeps the registry, the alerts and the outbox', async () => {
    const models = (await api('/models')).body;
    const alerts = (await api('/alerts?limit=500')).body;
    const outbox = await readOutbox(rt.outboxDir);
    const apiKey = rt.apiKey;
    await rt.stop();

    rt = await startLocalRuntime(options());

    expect(rt.apiKey).toBe(apiKey);
    expect((await api('/models')).body).toEqual(models);
    expect((await api('/alerts?limit=500')).body).toEqual(alerts);
    expect(await readOutbox(rt.outboxDir)).toEqual(outbox);
  }, 60_000);

  test('the hourly drift schedule fires and records a drift report', async () => {
    // Self-contained when run alone: the drift check needs a production model.
    if ((await api('/models')).body.production === null)
      expect((await drop(SAMPLE_KEY, sample)).status).toBe('SUCCEEDED');
    const before = ((await api('/drift?limit=500')).body.items as unknown[]).length;
    // Wait for the drift rule's first timer run to finish (an event, not a wall-clock deadline).
    const fired = new Promise<ScheduleRun>((resolve) => {
      const off = rt.schedules.onRun((run, phase) => {
        if (phase === 'finished' && run.rule.endsWith('MonitoringDriftCheck') && run.trigger === 'timer') {
          off();
          resolve(run);
        }
      });
    });
    rt.schedules.start(0.0005); // 2000× faster: the hourly drift check after 1.8 s (the daily rule after 43 s)
    const run = await fired;
    rt.schedules.stop();
    await rt.schedules.idle();

    expect(run).toMatchObject({ trigger: 'timer', results: [expect.objectContaining({ ok: true })] });
    const after = ((await api('/drift?limit=500')).body.items as unknown[]).length;
    expect(after).toBeGreaterThan(before);
  }, 60_000);
});
