/**
 * The local Lambda runs overlapping invocations of a function in one module instance, as Lambda
 * Managed Instances' Node.js runtime does: it says so (AWS_LAMBDA_MAX_CONCURRENCY), gives each
 * invocation its own context in the runtime's InvokeStore (which Powertools scopes its
 * per-invocation state to), and never runs more than that many at once.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LocalFunctionSpec } from '../../../infra/local/deployment.ts';
import { LocalLambda } from '../../../infra/local/lambda.ts';
import { FunctionLogs } from '../../../infra/local/logs.ts';
import type { OverlapContext } from '../../fixtures/local/overlap-handler.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

const SPEC: LocalFunctionSpec = {
  logicalId: 'OverlapFn1234',
  shortName: 'Overlap',
  name: 'Finml-Overlap',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:Finml-Overlap',
  entry: 'test/fixtures/local/overlap-handler.ts',
  exportName: 'handler',
  timeoutSeconds: 10,
  memoryMb: 128,
  environment: {},
};

/** Gates the test opens by tag; `started` lists the tags whose handler reached its gate. */
function gates(): OverlapContext & { started: string[]; open(tag: string): void } {
  const waiting = new Map<string, () => void>();
  const opened = new Set<string>();
  const started: string[] = [];
  return {
    started,
    gate(tag) {
      started.push(tag);
      if (opened.has(tag)) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.set(tag, resolve));
    },
    open(tag) {
      opened.add(tag);
      waiting.get(tag)?.();
    },
  };
}

const saved: Record<string, string | undefined> = {};
const ENV = { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_DEV: 'false' };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'finml-lambda-concurrency-'));
  // The handlers' logger and metrics read these when their module loads (at the first load below).
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await rm(dir, { recursive: true, force: true });
});

async function started(maxConcurrency: number, context: OverlapContext, name: string) {
  const logs = new FunctionLogs(join(dir, name));
  logs.install();
  const lambda = new LocalLambda([SPEC], logs, REPO_ROOT, { maxConcurrency });
  const restore = Object.fromEntries(Object.keys(lambda.environment).map((k) => [k, process.env[k]]));
  Object.assign(process.env, lambda.environment);
  await lambda.load(() => context);
  const lines = async () => {
    await logs.close();
    return (await readFile(join(dir, name, 'Overlap.log'), 'utf8')).split('\n').filter((l) => l !== '');
  };
  const stop = () => {
    for (const [k, v] of Object.entries(restore)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  return { lambda, lines, stop };
}

const startIds = (lines: string[]) =>
  lines.map((l) => /START RequestId: (\S+)/.exec(l)?.[1]).filter((id) => id !== undefined);
const jsonLines = (lines: string[]) =>
  lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('overlapping invocations of one function', () => {
  test('each keeps its own Powertools state: log keys, request id, metrics', async () => {
    const context = gates();
    const { lambda, lines, stop } = await started(8, context, 'state');
    try {
      const a = lambda.invoke(SPEC.name, { tag: 'a' });
      const b = lambda.invoke(SPEC.name, { tag: 'b' });
      await expect.poll(() => context.started.length).toBe(2);
      context.open('a');
      context.open('b');
      const answers = await Promise.all([a, b]);

      const text = await lines();
      const [idA, idB] = startIds(text);
      expect(answers).toStrictEqual([
        { tag: 'a', requestId: idA },
        { tag: 'b', requestId: idB },
      ]);
      const json = jsonLines(text);
      const released = json.filter((l) => l.message === 'released');
      expect(released.map((l) => [l.tag, l.function_request_id]).sort()).toStrictEqual([
        ['a', idA],
        ['b', idB],
      ]);
      // One embedded-metric-format blob per invocation, each with its own dimension and count.
      const emf = json.filter((l) => l._aws !== undefined);
      expect(emf.map((l) => [l.tag, l.Released]).sort()).toStrictEqual([
        ['a', 1],
        ['b', 1],
      ]);
    } finally {
      stop();
    }
  });

  test('no more run at once than AWS_LAMBDA_MAX_CONCURRENCY; the others wait for a slot', async () => {
    const context = gates();
    const { lambda, lines, stop } = await started(2, context, 'cap');
    try {
      expect(lambda.environment).toStrictEqual({ AWS_LAMBDA_MAX_CONCURRENCY: '2' });
      const calls = ['a', 'b', 'c'].map((tag) => lambda.invoke(SPEC.name, { tag }));
      await expect.poll(() => context.started.length).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(context.started).toStrictEqual(['a', 'b']);
      expect(lambda.inFlight).toBe(3);
      context.open('b');
      await expect.poll(() => context.started).toStrictEqual(['a', 'b', 'c']);
      context.open('a');
      context.open('c');
      expect((await Promise.all(calls)).map((r) => (r as { tag: string }).tag)).toStrictEqual([
        'a',
        'b',
        'c',
      ]);
      expect(startIds(await lines())).toHaveLength(3);
    } finally {
      stop();
    }
  });

  test('an invocation past its timeout fails as Sandbox.Timedout soon after its timeout (checked every 50 ms) and frees its slot', async () => {
    const context = gates();
    const logs = new FunctionLogs(join(dir, 'timeout'));
    const quick = { ...SPEC, exportName: 'bare', timeoutSeconds: 1 };
    const lambda = new LocalLambda([quick], logs, REPO_ROOT, { maxConcurrency: 1 });
    const restore = process.env.AWS_LAMBDA_MAX_CONCURRENCY;
    Object.assign(process.env, lambda.environment);
    try {
      await lambda.load(() => context);
      const started = performance.now();
      const stuck = lambda.invoke(quick.name, { tag: 'stuck' });
      const next = lambda.invoke(quick.name, { tag: 'next' });
      await expect(stuck).rejects.toMatchObject({
        name: 'Sandbox.Timedout',
        message: 'Task timed out after 1.00 seconds',
      });
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(999);
      expect(elapsed).toBeLessThan(1_200);
      // The slot is free: the next invocation starts and answers.
      await expect.poll(() => context.started).toStrictEqual(['stuck', 'next']);
      context.open('next');
      expect(await next).toMatchObject({ tag: 'next' });
    } finally {
      if (restore === undefined) delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
      else process.env.AWS_LAMBDA_MAX_CONCURRENCY = restore;
      await logs.close();
    }
  });

  test('the functions must be told their concurrency', async () => {
    const logs = new FunctionLogs(join(dir, 'untold'));
    const lambda = new LocalLambda([SPEC], logs, REPO_ROOT, { maxConcurrency: 3 });
    await expect(lambda.load(() => gates())).rejects.toThrow(/AWS_LAMBDA_MAX_CONCURRENCY=3/);
    await logs.close();
  });
});
