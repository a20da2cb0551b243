/**
 * The FINML stack deployed onto this machine: the synthesized template's buckets on s3rver, tables on
 * dynalite, topic as an outbox folder, functions imported in-process, the state machine run by a Step
 * Functions interpreter started by S3 object events that match the EventBridge rule, the REST API and
 * the dashboard on one HTTP port, the schedule rules as timers. State persists under `stateDir`.
 *
 * One process hosts every function, so the handlers share one use-case context, built here (the
 * composition root of the local deployment) and handed to each entry module's `createHandlers`: the
 * real adapters (S3ObjectStore, DynamoModelRegistry, DynamoPredictionLog) on the local servers, and
 * the outbox as the AlertPublisher. Run one runtime per process at a time.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { ENV } from '#composition/env';
import { loadConfig } from '#config/load';
import { createDynamoClient, createDynamoDocumentClient, createS3Client } from '#shared/aws/clients';
import { clearLeases, DynamoLeaseStore } from '#shared/aws/dynamo-leases';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { S3ObjectStore } from '#shared/aws/s3-store';
import type { Context } from '#shared/usecases/lake';
import { resumeInterruptedRequests } from '#shared/usecases/retraining-requests';
import { LocalApiGateway } from './api-gateway.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalDeployment, planDeployment } from './deployment.ts';
import {
  type EventBridgeEvent,
  executionStatusEvent,
  matchesPattern,
  s3EventToEventBridge,
  targetInputFor,
} from './events.ts';
import { type AdminHandler, startFrontDoor } from './http-server.ts';
import { LocalLambda, MAX_CONCURRENCY_ENV } from './lambda.ts';
import { FunctionLogs } from './logs.ts';
import { newestOutbox, OutboxAlertPublisher, pruneOutbox } from './outbox.ts';
import { REPO_ROOT } from './paths.ts';
import { LocalSchedules } from './schedules.ts';
import {
  closeServer,
  type LocalS3Server,
  provisionBuckets,
  provisionTables,
  type RunningServer,
  S3RVER_CREDENTIALS,
  startDynamo,
  startS3,
  sweepExpired,
} from './servers.ts';
import { type ExecutionRecord, LocalStateMachine } from './state-machine.ts';
import { type SynthesizedStack, shortName, synthesizeStack } from './template.ts';

export const DEFAULT_STATE_DIR = join(REPO_ROOT, '.finml');
export const DEFAULT_PORTS = { api: 3000, s3: 4569, dynamodb: 4567 } as const;

export interface LocalRuntimeOptions {
  /** Where buckets, tables, the outbox, logs and the API key live. @default <repo>/.finml */
  readonly stateDir?: string;
  /** Interface the servers listen on. @default 127.0.0.1 */
  readonly host?: string;
  /** Ports (0 = any free port). @default 3000 (app + API), 4569 (S3), 4567 (DynamoDB) */
  readonly ports?: { readonly api?: number; readonly s3?: number; readonly dynamodb?: number };
  /** A template synthesized before (tests reuse one); else the stack is synthesized now. */
  readonly stack?: SynthesizedStack;
  /** Schedule time scale: 1 = real time, 0.001 = 1000× faster, 0 = timers off. @default 1 */
  readonly scheduleScale?: number;
  /** The dashboard's static build. @default <repo>/dashboard/dist */
  readonly dashboardDir?: string;
  /** Why the dashboard cannot be served (its build failed): the site then says so. @default none */
  readonly dashboardUnavailable?: string;
  /** Progress lines (pipeline runs, schedules). @default none */
  readonly print?: (line: string) => void;
  /** The use cases' clock. @default the system clock */
  readonly now?: () => Date;
  /** The folder of the config YAML the functions run with (tests change a threshold). @default <repo>/config */
  readonly configDir?: string;
}

export interface LocalRuntime {
  readonly stack: SynthesizedStack;
  readonly deployment: LocalDeployment;
  readonly stateDir: string;
  readonly apiKey: string;
  readonly urls: {
    readonly app: string;
    readonly api: string;
    readonly s3: string;
    readonly dynamodb: string;
  };
  /** Local names: buckets and tables by short logical id, the bronze bucket, the topic. */
  readonly names: {
    readonly bronze: string;
    readonly buckets: Readonly<Record<string, string>>;
    readonly tables: Readonly<Record<string, string>>;
    readonly topicArn: string;
  };
  /** An S3 client on the local S3 server (s3rver credentials). */
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly lambda: LocalLambda;
  readonly pipeline: LocalStateMachine;
  readonly schedules: LocalSchedules;
  readonly outboxDir: string;
  readonly logsDir: string;
  /** Executions an earlier process left in flight (now ABORTED, reported) and their re-runs. */
  readonly recovered: { readonly interrupted: ExecutionRecord[]; readonly reruns: ExecutionRecord[] };
  /** Resolves when no execution, invocation or scheduled run is in progress. */
  idle(): Promise<void>;
  /** Stops timers and servers (waiting up to `graceMs` for running work, then aborting it). */
  stop(graceMs?: number): Promise<void>;
}

/** Values every function's environment gets locally in place of the template's. */
function overrides(apiUrl: string, configDir: string): Record<string, string> {
  return {
    FINML_CONFIG_DIR: configDir,
    [ENV.dashboardUrl]: apiUrl,
  };
}

/** The functions' environments merged (they must agree: one process has one environment). */
function mergedEnvironment(deployment: LocalDeployment): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const f of deployment.functions) {
    for (const [k, v] of Object.entries(f.environment)) {
      if (merged[k] !== undefined && merged[k] !== v) {
        throw new Error(`functions disagree on ${k} (${merged[k]} vs ${v}); one process has one environment`);
      }
      merged[k] = v;
    }
  }
  return merged;
}

async function apiKeyOf(stateDir: string): Promise<string> {
  const file = join(stateDir, 'api-key');
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (key.length >= 20) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(30).toString('base64url');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

function required(env: Record<string, string>, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`the stack sets no ${name} in the functions' environment`);
  return v;
}

/** The readable message of a Step Functions Cause (Lambda's JSON, or plain text). */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

/** A line with its control characters (C0 but tab, DEL, C1) written as \u escapes. */
export function terminalSafe(line: string): string {
  return line.replace(/(?!\t)\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const seconds = (from: string, to?: string) =>
  `${((Date.parse(to ?? new Date().toISOString()) - Date.parse(from)) / 1000).toFixed(1)}s`;

/** Compact terminal lines for pipeline executions. */
function reportExecutions(pipeline: LocalStateMachine, print: (line: string) => void): void {
  const quiet = new Set(['Choice', 'Succeed', 'Fail', 'Pass']);
  pipeline.onEvent((e) => {
    const id = e.execution.name.slice(0, 8);
    const input = e.execution.input as { key?: string };
    if (e.type === 'started') print(`▶ ${id}  ${input.key ?? ''}`);
    else if (e.type === 'state') {
      const s = e.state;
      if (s.index !== undefined || quiet.has(s.type)) return;
      if (e.retrying) print(`  ${id}  ↻ ${s.name}: ${s.error ?? 'error'}, retrying`);
      else if (s.status === 'succeeded') print(`  ${id}  ✓ ${s.name} ${seconds(s.enteredAt, s.exitedAt)}`);
      else if (s.status === 'caught') print(`  ${id}  ✗ ${s.name}: ${s.error ?? 'error'} (caught)`);
      else if (s.status === 'failed') print(`  ${id}  ✗ ${s.name}: ${s.error ?? 'error'}`);
    } else {
      const x = e.execution;
      const end = x.states.at(-1)?.name ?? '';
      if (x.status === 'SUCCEEDED')
        print(`✔ ${id}  succeeded in ${seconds(x.startDate, x.stopDate)} (${end})`);
      else
        print(
          `✘ ${id}  ${x.status.toLowerCase()} in ${seconds(x.startDate, x.stopDate)}: ${x.error} — ${causeMessage(x.cause)}`,
        );
    }
  });
}

/** Invokes a function, retrying a failure up to `retries` times (backoff doubling from 100 ms). */
async function invokeWithRetries(lambda: LocalLambda, arn: string, input: unknown, retries: number) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await lambda.invoke(arn, input);
    } catch (error) {
      if (attempt >= retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

/** Deploys the stack onto this machine and starts everything. */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const host = options.host ?? '127.0.0.1';
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const printLine = options.print ?? (() => undefined);
  // Object keys are the user's: a key holding ESC sequences would clear or recolour the terminal.
  const print = (line: string) => printLine(terminalSafe(line));
  const outboxDir = join(stateDir, 'outbox');
  const logsDir = join(stateDir, 'logs');
  await mkdir(stateDir, { recursive: true });
  await mkdir(outboxDir, { recursive: true });

  const stack = options.stack ?? (await synthesizeStack({ outdir: join(stateDir, 'cdk.out') }));
  const cleanup: (() => Promise<void> | void)[] = [];
  const undo = async () => {
    for (const c of cleanup.reverse()) await c();
  };
  try {
    // The app's URL is known only once it listens; the environment needs it, so listen first.
    const apiKey = await apiKeyOf(stateDir);
    let admin: AdminHandler = async () => undefined;
    let gatewayRef: LocalApiGateway | undefined;
    let deployed = false;
    const frontDoor = await startFrontDoor(
      {
        get gateway() {
          return gatewayRef;
        },
        get starting() {
          return !deployed;
        },
        apiKey,
        hostNames: [host.includes(':') ? `[${host.toLowerCase()}]` : host.toLowerCase()],
        dashboardDir: options.dashboardDir ?? join(REPO_ROOT, 'dashboard', 'dist'),
        ...(options.dashboardUnavailable === undefined
          ? {}
          : { dashboardUnavailable: options.dashboardUnavailable }),
        admin: (...args) => admin(...args),
      },
      ports.api,
      host,
    );
    cleanup.push(() => closeServer(frontDoor));
    const appPort = (frontDoor.address() as AddressInfo).port;
    const hostName =
      host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
    const app = `http://${hostName}:${appPort}`;

    const deployment = planDeployment(stack.template, stack.stackName, {
      environmentOverrides: overrides(app, options.configDir ?? join(REPO_ROOT, 'config')),
      environmentDropped: ['NODE_OPTIONS'],
      siteDomain: new URL(app).host,
    });
    const env = mergedEnvironment(deployment);

    const dynamo: RunningServer = await startDynamo(join(stateDir, 'dynamodb'), ports.dynamodb, host);
    cleanup.push(() => dynamo.stop());
    const s3server: LocalS3Server = await startS3(join(stateDir, 's3'), ports.s3, host);
    cleanup.push(() => s3server.stop());

    const s3 = createS3Client({
      endpoint: s3server.endpoint,
      region: LOCAL_REGION,
      credentials: S3RVER_CREDENTIALS,
    });
    const dynamodb = createDynamoClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: S3RVER_CREDENTIALS,
    });
    cleanup.push(() => {
      s3.destroy();
      dynamodb.destroy();
    });
    await provisionBuckets(s3, deployment.buckets);
    await provisionTables(dynamodb, deployment.tables);

    const { config, hash } = loadConfig(env.FINML_CONFIG_DIR);
    // DynamoDB's TTL, which dynalite lacks: expired items (the prediction log's) are deleted at start
    // and every functions.localTtlSweepMinutes; so are the outbox's messages past
    // functions.localOutboxMaxMessages (the oldest).
    const sweep = async () => {
      for (const t of deployment.tables) {
        await sweepExpired(dynamodb, t, Math.floor(Date.now() / 1000)).catch(() => undefined);
      }
      await pruneOutbox(outboxDir, config.platform.functions.localOutboxMaxMessages).catch(() => undefined);
    };
    await sweep();
    const sweeper = setInterval(() => void sweep(), config.platform.functions.localTtlSweepMinutes * 60_000);
    sweeper.unref();
    cleanup.push(() => clearInterval(sweeper));
    // The environment of a Lambda function, for anything that reads it (handlers read it at cold start).
    // Each function takes overlapping invocations in one module instance: AWS_LAMBDA_MAX_CONCURRENCY
    // says so (Powertools then keeps its per-invocation state per invocation; see lambda.ts).
    const processEnv: Record<string, string> = {
      ...env,
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3server.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      [MAX_CONCURRENCY_ENV]: String(config.platform.functions.localMaxConcurrency),
    };
    const previousEnv = Object.fromEntries(Object.keys(processEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, processEnv);
    cleanup.push(() => {
      for (const [k, v] of Object.entries(previousEnv)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    const documentClient = createDynamoDocumentClient({ client: dynamodb });
    const clock = options.now ? { now: options.now } : {};
    const topicArn = required(env, ENV.alertTopic);
    const context: Context = {
      store: new S3ObjectStore(s3),
      // Serving keeps live states for api.liveStateCacheSeconds; the pipeline's putLive through this
      // same registry forgets a symbol's at once, so /predict follows every publish.
      registry: new DynamoModelRegistry(documentClient, required(env, ENV.registryTable), {
        ...clock,
        liveStateCacheSeconds: config.platform.api.liveStateCacheSeconds,
        liveStateRefreshAheadSeconds: config.platform.api.refreshAheadSeconds,
      }),
      predictions: new DynamoPredictionLog(documentClient, required(env, ENV.predictionsTable), clock),
      leases: new DynamoLeaseStore(documentClient, required(env, ENV.registryTable)),
      alerts: new OutboxAlertPublisher(outboxDir, topicArn, options.now),
      buckets: {
        bronze: required(env, ENV.bronzeBucket),
        silver: required(env, ENV.silverBucket),
        gold: required(env, ENV.goldBucket),
        artifacts: required(env, ENV.artifactsBucket),
        quarantine: required(env, ENV.quarantineBucket),
      },
      config,
      configHash: hash,
      dashboardUrl: app,
      now: options.now ?? (() => new Date()),
    };

    const logs = new FunctionLogs(logsDir, config.platform.functions.localLogMaxMiB * 2 ** 20);
    logs.install();
    cleanup.push(() => logs.close());
    const lambda = new LocalLambda(deployment.functions, logs, REPO_ROOT, {
      maxConcurrency: config.platform.functions.localMaxConcurrency,
    });
    await lambda.load(() => context);

    const machines = deployment.stateMachines.map(
      (spec) => new LocalStateMachine(spec, lambda, { historyFile: join(stateDir, 'executions.jsonl') }),
    );
    if (machines.length !== 1)
      throw new Error(`the local runtime runs one state machine; the stack has ${machines.length}`);
    const pipeline = machines[0]!;
    reportExecutions(pipeline, print);

    const schedules = new LocalSchedules(deployment.scheduleRules, lambda, {
      account: LOCAL_ACCOUNT,
      region: LOCAL_REGION,
      scale: options.scheduleScale ?? 1,
    });
    const short = (name: string) => name.replace(`${stack.stackName}-`, '');
    schedules.onRun((run, phase) => {
      if (phase === 'skipped') print(`⏰ ${short(run.rule)}: skipped, the previous run is still going`);
      if (phase !== 'finished') return;
      for (const r of run.results) {
        const outcome = r.ok ? '✓' : `✗ ${r.error}`;
        print(
          `⏰ ${short(run.rule)} → ${short(r.function)} ${outcome} ${seconds(run.startedAt, run.finishedAt)}`,
        );
      }
    });

    // EventBridge: events matched against the rules; a state machine target starts an execution, a
    // function target is invoked (retried with backoff up to its RetryPolicy's attempts, as EventBridge does).
    let accepting = true;
    const route = (event: EventBridgeEvent): Promise<void> => {
      const invocations: Promise<void>[] = [];
      for (const rule of deployment.eventRules) {
        if (!rule.enabled || !matchesPattern(rule.pattern, event)) continue;
        for (const target of rule.targets) {
          const input = targetInputFor(target.input, event, rule);
          const machine = machines.find((m) => m.spec.arn === target.arn);
          if (machine) {
            const taken = machine.executions.some((x) => x.name === event.id);
            machine.start(input, taken ? `${event.id}-${rule.logicalId}` : event.id);
          } else {
            const started = new Date().toISOString();
            const fn = short(lambda.spec(target.arn).name);
            invocations.push(
              invokeWithRetries(lambda, target.arn, input, target.maximumRetryAttempts ?? 2).then(
                () => print(`↪ ${short(rule.name)} → ${fn} ✓ ${seconds(started)}`),
                (error: Error) => print(`✘ ${rule.name}: ${error.name} ${error.message}`),
              ),
            );
          }
        }
      }
      return Promise.all(invocations).then(() => undefined);
    };
    const bronzeBucket = required(env, ENV.bronzeBucket);
    const eventBuckets = new Set(deployment.buckets.filter((b) => b.eventBridge).map((b) => b.name));
    const runsOn = config.platform.lake.inputPrefixes.map((p) => `${p}*.csv`).join(' or ');
    s3server.onRecord((record) => {
      if (!accepting || !eventBuckets.has(record.s3.bucket.name)) return;
      const event = s3EventToEventBridge(record, { account: LOCAL_ACCOUNT, region: LOCAL_REGION });
      // An upload no rule runs on would otherwise pass in silence (as it does on AWS): bronze's,
      // where the user's files go (the artifacts bucket's models start nothing, as they should).
      if (
        event['detail-type'] === 'Object Created' &&
        record.s3.bucket.name === bronzeBucket &&
        !deployment.eventRules.some((r) => r.enabled && matchesPattern(r.pattern, event))
      )
        print(
          `· ${record.s3.bucket.name}/${record.s3.object.key}: nothing runs on this key (the pipeline runs on ${runsOn})`,
        );
      void route(event);
    });
    // Step Functions sends every execution's status change to EventBridge; the stack's rule picks the failed ones.
    pipeline.onEvent((e) => {
      if (e.type === 'finished' && e.execution.status !== 'SUCCEEDED') {
        void route(executionStatusEvent(e.execution, pipeline.spec.arn));
      }
    });

    // Executions in flight when an earlier process died: reported like any failed execution (one alert,
    // claim marked failed), then run again from their input.
    await clearLeases(documentClient, required(env, ENV.registryTable));
    const interrupted = pipeline.restore();
    const reruns: ExecutionRecord[] = [];
    for (const x of interrupted) {
      await route(executionStatusEvent(x, pipeline.spec.arn));
      reruns.push(pipeline.start(x.input, `${x.name}-rerun`));
      print(`↻ ${x.name.slice(0, 8)}  interrupted by a stop of the runtime: reported and re-run`);
    }
    // A retraining request (POST /admin/retrain) a killed runtime was training: its event again.
    for (const key of await resumeInterruptedRequests(context)) {
      const record = { eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString() };
      const s3 = { bucket: { name: context.buckets.artifacts }, object: { key } };
      void route(s3EventToEventBridge({ ...record, s3 }, { account: LOCAL_ACCOUNT, region: LOCAL_REGION }));
      print(`↻ ${key}: interrupted by a stop of the runtime: run again`);
    }

    gatewayRef = deployment.api
      ? new LocalApiGateway(deployment.api, lambda, apiKey, {
          accountId: LOCAL_ACCOUNT,
          domainName: () => `localhost:${appPort}`,
        })
      : undefined;
    deployed = true;
    admin = async (method, path, _body, query) => {
      if (method === 'GET' && path === '/executions') {
        const limit = listLimit(query.get('limit'));
        if (typeof limit === 'string') return { statusCode: 400, body: { message: limit } };
        const newest = pipeline.executions.slice(-limit).reverse();
        return {
          statusCode: 200,
          body: { total: pipeline.executions.length, items: newest.map(executionSummary) },
        };
      }
      const one = /^\/executions\/([^/]+)$/.exec(path);
      if (method === 'GET' && one) {
        const name = decodeURIComponent(one[1]!);
        const found = pipeline.executions.find((x) => x.name === name);
        return found
          ? { statusCode: 200, body: found }
          : { statusCode: 404, body: { message: `no execution ${name} (GET /local/executions lists them)` } };
      }
      if (method === 'GET' && path === '/schedules')
        return { statusCode: 200, body: { items: schedules.list() } };
      if (method === 'GET' && path === '/outbox') {
        const limit = listLimit(query.get('limit'));
        if (typeof limit === 'string') return { statusCode: 400, body: { message: limit } };
        return { statusCode: 200, body: await newestOutbox(outboxDir, limit) };
      }
      const m = /^\/schedules\/([^/]+)\/run$/.exec(path);
      if (method === 'POST' && m) {
        const run = schedules.run(decodeURIComponent(m[1]!));
        if (run === undefined) return { statusCode: 404, body: { message: `no schedule ${m[1]}` } };
        const done = await run;
        return { statusCode: done.results.every((r) => r.ok) ? 200 : 500, body: done };
      }
      return undefined;
    };
    schedules.start();

    const tables = Object.fromEntries(deployment.tables.map((t) => [shortName(t.logicalId), t.name]));
    const buckets = Object.fromEntries(deployment.buckets.map((b) => [shortName(b.logicalId), b.name]));
    const idle = async () => {
      while (pipeline.inFlight + lambda.inFlight > 0) {
        await pipeline.idle();
        await schedules.idle();
        await lambda.idle();
      }
    };
    let stopped = false;
    return {
      stack,
      deployment,
      stateDir,
      apiKey,
      urls: { app, api: `${app}/api`, s3: s3server.endpoint, dynamodb: dynamo.endpoint },
      names: { bronze: env[ENV.bronzeBucket]!, buckets, tables, topicArn },
      s3,
      dynamodb,
      lambda,
      pipeline,
      schedules,
      outboxDir,
      logsDir,
      recovered: { interrupted, reruns },
      idle,
      async stop(graceMs = 30_000) {
        if (stopped) return;
        stopped = true;
        accepting = false;
        schedules.stop();
        // No new requests first (a request still arriving would start an invocation after the logs close).
        await closeServer(frontDoor);
        let timer: NodeJS.Timeout | undefined;
        const settled = await Promise.race([
          idle().then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), graceMs);
          }),
        ]);
        clearTimeout(timer);
        if (!settled) {
          pipeline.abortAll({ interrupted: true });
          await Promise.race([pipeline.idle(), new Promise((r) => setTimeout(r, 1000))]);
        }
        await undo();
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}

export type { ExecutionRecord };

/** `?limit=` of GET /local/executions: 1–500, default 20 (a message when it is not one). */
function listLimit(raw: string | null): number | string {
  if (raw === null) return 20;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 500
    ? n
    : `limit must be an integer from 1 to 500, got "${raw}"`;
}

/**
 * One execution as GET /local/executions lists it (as Step Functions' ListExecutions does, its
 * history is another call): the states folded by name — a Map's iterations counted, not listed —
 * so 100 runs of 200 symbols are kilobytes, not megabytes. GET /local/executions/<name> has it whole.
 */
export function executionSummary(x: ExecutionRecord) {
  const steps = new Map<
    string,
    { name: string; runs: number; failed: number; retries: number; error?: string }
  >();
  for (const s of x.states) {
    const step = steps.get(s.name) ?? { name: s.name, runs: 0, failed: 0, retries: 0 };
    step.runs++;
    step.retries += s.retries;
    if (s.status === 'failed' || s.status === 'caught') {
      step.failed++;
      step.error ??= s.error;
    }
    steps.set(s.name, step);
  }
  const { states: _states, ...rest } = x;
  return { ...rest, steps: [...steps.values()] };
}
