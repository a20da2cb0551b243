/**
 * Lambda on one machine: each function's handler module (its `finml:entry` / `finml:export`) imported
 * in-process and invoked the way Lambda does — JSON in and out, a Lambda context object, the
 * function's timeout, its own log file, and a failure reported as {errorType, errorMessage, trace}.
 *
 * Each function has one execution environment (one module instance, on this process's one thread)
 * that takes up to `maxConcurrency` invocations at once, as Lambda Managed Instances' Node.js runtime
 * does: the functions' environment says so (`AWS_LAMBDA_MAX_CONCURRENCY`, {@link LocalLambda.environment}),
 * every invocation runs in its own context of the runtime's InvokeStore (./invoke-store.ts), where
 * Powertools then keeps its per-invocation state, and invocations beyond the limit wait for a slot
 * (docs/decisions/0024-local-functions-run-concurrently.md).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context as LambdaContext } from 'aws-lambda';
import type { LocalFunctionSpec } from './deployment.ts';
import { installInvokeStore } from './invoke-store.ts';
import type { FunctionLogs } from './logs.ts';

export type Handler = (event: unknown, context: LambdaContext) => Promise<unknown>;

/** What every handler module exports beside its Lambda handlers: the handlers built on a given context. */
export const HANDLER_FACTORY = 'createHandlers';

/** What Lambda reports for a failed invocation (the Node.js runtime's error shape). */
export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

/** A failed invocation; `name` is the handler error's name (e.g. DataRejectedError, TransientAwsError). */
export class LambdaFunctionError extends Error {
  readonly payload: LambdaErrorPayload;
  readonly functionName: string;

  constructor(functionName: string, payload: LambdaErrorPayload, options?: ErrorOptions) {
    super(payload.errorMessage, options);
    this.name = payload.errorType;
    this.payload = payload;
    this.functionName = functionName;
  }
}

export class UnknownFunctionError extends Error {
  constructor(name: string) {
    super(`no local function ${name}`);
    this.name = 'ResourceNotFoundException';
  }
}

/** The Node.js runtime's serialisation of a thrown value. */
function errorPayload(error: unknown): LambdaErrorPayload {
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/** Lambda passes JSON: undefined fields vanish, non-finite numbers become null, dates become strings. */
export function viaJson(value: unknown): unknown {
  if (value === undefined) return null;
  const copy = plainCopy(value, 0);
  if (copy !== NOT_PLAIN) return copy;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

const NOT_PLAIN = Symbol('not plain JSON');
const MAX_PLAIN_DEPTH = 64;

/**
 * A copy of a value made only of strings, finite numbers, booleans, null, arrays and plain objects
 * with no undefined member — which the JSON round trip would copy unchanged, only slower (it escapes
 * and parses every string again: a proxy answer's body) — else NOT_PLAIN (the round trip decides).
 */
function plainCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : NOT_PLAIN;
    case 'object': {
      if (value === null) return null;
      if (depth >= MAX_PLAIN_DEPTH) return NOT_PLAIN;
      if (Array.isArray(value)) {
        const out: unknown[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = plainCopy(value[i], depth + 1);
          if (item === NOT_PLAIN) return NOT_PLAIN;
          out[i] = item;
        }
        return out;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (key === '__proto__') return NOT_PLAIN;
        const member = plainCopy((value as Record<string, unknown>)[key], depth + 1);
        if (member === NOT_PLAIN) return NOT_PLAIN;
        out[key] = member;
      }
      return out;
    }
    default:
      return NOT_PLAIN;
  }
}

export interface InvokeOptions {
  /**
   * The event is plain JSON data (strings, finite numbers, booleans, null, arrays and plain objects,
   * no undefined) built for this one call, as API Gateway's proxy events are: the handler gets it as
   * is, without the JSON round trip (the same value; the round trip of a 2 KiB event costs tens of
   * microseconds a request). The result still goes through JSON.
   */
  readonly eventIsJson?: boolean;
}

/**
 * The Lambda context object of one invocation. A class, so that an invocation creates one object and
 * no closures (the local API makes thousands of invocations a second).
 */
class InvocationContext implements LambdaContext {
  readonly callbackWaitsForEmptyEventLoop = true;
  readonly functionVersion = '$LATEST';
  readonly functionName: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  private readonly startedAt = new Date();

  constructor(
    f: LocalFunctionSpec,
    readonly awsRequestId: string,
    private readonly deadline: number,
  ) {
    this.functionName = f.name;
    this.invokedFunctionArn = f.arn;
    this.memoryLimitInMB = String(f.memoryMb);
    this.logGroupName = `/aws/lambda/${f.name}`;
  }

  get logStreamName(): string {
    const day = this.startedAt.toISOString().slice(0, 10).replace(/-/g, '/');
    return `${day}/[$LATEST]${this.awsRequestId.replace(/-/g, '')}`;
  }

  getRemainingTimeInMillis(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  done(): void {}
  fail(): void {}
  succeed(): void {}
}

export interface LocalLambdaOptions {
  /**
   * Invocations one function runs at once (its environment's AWS_LAMBDA_MAX_CONCURRENCY, from
   * config `functions.localMaxConcurrency`); more wait, in order, for one to finish.
   */
  readonly maxConcurrency: number;
}

/** The environment variable that tells a function (and Powertools) how many invocations may overlap. */
export const MAX_CONCURRENCY_ENV = 'AWS_LAMBDA_MAX_CONCURRENCY';

/** One function's execution environment: invocations running, and those waiting for a slot. */
class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  /** Undefined when a slot is free (taken at once), else a promise of the next free one. */
  take(): Promise<void> | undefined {
    if (this.running < this.max) {
      this.running++;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Frees a slot: the first waiting invocation takes it. */
  release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.running--;
    else next();
  }
}

export interface InvocationRecord {
  readonly function: string;
  readonly requestId: string;
  readonly startedAt: number;
}

export class LocalLambda {
  private readonly byKey = new Map<string, LocalFunctionSpec>();
  private readonly handlers = new Map<string, Handler>();
  private readonly wrappers = new Map<string, (h: Handler) => Handler>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly slots = new Map<string, Slots>();
  private readonly maxConcurrency: number;

  constructor(
    readonly functions: readonly LocalFunctionSpec[],
    private readonly logs: FunctionLogs,
    private readonly repoRoot: string,
    options: LocalLambdaOptions,
  ) {
    if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1) {
      throw new Error(`maxConcurrency must be a whole number ≥ 1, not ${options.maxConcurrency}`);
    }
    this.maxConcurrency = options.maxConcurrency;
    for (const f of functions) {
      for (const key of [f.name, f.arn, f.shortName, f.logicalId]) this.byKey.set(key, f);
      this.slots.set(f.name, new Slots(options.maxConcurrency));
    }
  }

  /** What the functions' (the process's) environment must hold: how many invocations may overlap. */
  get environment(): Readonly<Record<string, string>> {
    return { [MAX_CONCURRENCY_ENV]: String(this.maxConcurrency) };
  }

  /**
   * Imports every handler module (the "cold start") and builds its handlers on `context` — each entry
   * module's `createHandlers(context)` (functions/*), the composition the Lambda exports make on the
   * AWS context; fails naming a missing factory or export.
   */
  async load(context: () => unknown): Promise<void> {
    // Without it Powertools keeps one invocation's state (log keys, request id, metrics) for all.
    if (process.env[MAX_CONCURRENCY_ENV] !== String(this.maxConcurrency)) {
      throw new Error(
        `the local functions run up to ${this.maxConcurrency} invocations at once in one module instance: ` +
          `their environment must say ${MAX_CONCURRENCY_ENV}=${this.maxConcurrency} (LocalLambda.environment), ` +
          `not ${process.env[MAX_CONCURRENCY_ENV] ?? 'nothing'}`,
      );
    }
    installInvokeStore();
    for (const f of this.functions) {
      const module = (await import(pathToFileURL(join(this.repoRoot, f.entry)).href)) as Record<
        string,
        unknown
      >;
      const create = module[HANDLER_FACTORY];
      if (typeof create !== 'function') {
        throw new Error(`${f.logicalId}: ${f.entry} exports no ${HANDLER_FACTORY}(context)`);
      }
      const handler = (create as (c: () => unknown) => Record<string, unknown>)(context)[f.exportName];
      if (typeof handler !== 'function') {
        throw new Error(`${f.logicalId}: ${f.entry} has no exported function "${f.exportName}"`);
      }
      this.handlers.set(f.name, handler as Handler);
    }
  }

  /** The function named by its name, ARN, short name or logical id. */
  spec(key: string): LocalFunctionSpec {
    const f = this.byKey.get(key);
    if (f === undefined) throw new UnknownFunctionError(key);
    return f;
  }

  /**
   * Wraps a function's handler (tests inject failures this way); returns the undo. The wrapper gets
   * the real handler and returns the one to run.
   */
  wrap(key: string, wrapper: (handler: Handler) => Handler): () => void {
    const { name } = this.spec(key);
    this.wrappers.set(name, wrapper);
    return () => {
      if (this.wrappers.get(name) === wrapper) this.wrappers.delete(name);
    };
  }

  /** Invocations still running. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves when no invocation is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * Invokes a function synchronously (RequestResponse): resolves with its JSON result, or rejects with
   * a LambdaFunctionError carrying the error's name (a timeout is `Sandbox.Timedout`). Waits for a
   * slot of the function's environment first when `maxConcurrency` invocations are running.
   */
  invoke(key: string, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    const f = this.spec(key);
    const base = this.handlers.get(f.name);
    if (base === undefined) return Promise.reject(new Error(`${f.name} is not loaded`));
    const handler = this.wrappers.get(f.name)?.(base) ?? base;
    const slots = this.slots.get(f.name)!;
    const free = slots.take();
    const run =
      free === undefined
        ? this.start(f, handler, event, options, slots)
        : free.then(() => this.start(f, handler, event, options, slots));
    this.running.add(run);
    const forget = () => this.running.delete(run);
    run.then(forget, forget);
    return run;
  }

  /** Runs one invocation in a slot it holds (freed when it ends). */
  private start(
    f: LocalFunctionSpec,
    handler: Handler,
    event: unknown,
    options: InvokeOptions,
    slots: Slots,
  ): Promise<unknown> {
    const requestId = randomUUID();
    const deadline = Date.now() + f.timeoutSeconds * 1000;
    const context = new InvocationContext(f, requestId, deadline);
    const run = this.logs.run(f.shortName, requestId, () =>
      call(f, handler, event, options, context, deadline),
    );
    const release = () => slots.release();
    run.then(release, release);
    return run;
  }
}

/**
 * The deadlines of the invocations running, checked every DEADLINE_CHECK_MS by one timer (which
 * runs only while an invocation does): at thousands of invocations a second, a timer each costs
 * more than the rest of the emulation. A timeout is reported within DEADLINE_CHECK_MS of it.
 */
const DEADLINE_CHECK_MS = 50;

interface Deadline {
  readonly at: number;
  readonly expire: () => void;
}

class Deadlines {
  private readonly pending = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;

  add(deadline: Deadline): void {
    this.pending.add(deadline);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.check(), DEADLINE_CHECK_MS);
      this.timer.unref();
    }
  }

  delete(deadline: Deadline): void {
    this.pending.delete(deadline);
    if (this.pending.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private check(): void {
    const now = Date.now();
    for (const d of this.pending) {
      if (d.at <= now) {
        this.delete(d);
        d.expire();
      }
    }
  }
}

const deadlines = new Deadlines();

/** The handler's call, its result through JSON, its error as Lambda reports it, and the timeout. */
function call(
  f: LocalFunctionSpec,
  handler: Handler,
  event: unknown,
  options: InvokeOptions,
  context: InvocationContext,
  at: number,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const deadline: Deadline = {
      at,
      expire: () =>
        reject(
          new LambdaFunctionError(f.name, {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${f.timeoutSeconds.toFixed(2)} seconds`,
            trace: [],
          }),
        ),
    };
    deadlines.add(deadline);
    const failed = (error: unknown) => {
      deadlines.delete(deadline);
      reject(
        error instanceof LambdaFunctionError
          ? error
          : new LambdaFunctionError(f.name, errorPayload(error), { cause: error }),
      );
    };
    let answer: Promise<unknown>;
    try {
      answer = handler(options.eventIsJson ? event : viaJson(event), context);
    } catch (error) {
      failed(error);
      return;
    }
    Promise.resolve(answer).then((result) => {
      deadlines.delete(deadline);
      try {
        resolve(viaJson(result));
      } catch (error) {
        failed(error);
      }
    }, failed);
  });
}
