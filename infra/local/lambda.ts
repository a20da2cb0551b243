/**
 * Lambda on one machine: each function's handler module (its `finml:entry` / `finml:export`) imported
 * in-process and invoked the way Lambda does — JSON in and out, a Lambda context object, the
 * function's timeout, its own log file, and a failure reported as {errorType, errorMessage, trace}.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context as LambdaContext } from 'aws-lambda';
import type { LocalFunctionSpec } from './deployment.ts';
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

  constructor(
    readonly functions: readonly LocalFunctionSpec[],
    private readonly logs: FunctionLogs,
    private readonly repoRoot: string,
  ) {
    for (const f of functions) {
      for (const key of [f.name, f.arn, f.shortName, f.logicalId]) this.byKey.set(key, f);
    }
  }

  /**
   * Imports every handler module (the "cold start") and builds its handlers on `context` — each entry
   * module's `createHandlers(context)` (functions/*), the composition the Lambda exports make on the
   * AWS context; fails naming a missing factory or export.
   */
  async load(context: () => unknown): Promise<void> {
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
   * a LambdaFunctionError carrying the error's name (a timeout is `Sandbox.Timedout`).
   */
  invoke(key: string, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    const f = this.spec(key);
    const base = this.handlers.get(f.name);
    if (base === undefined) return Promise.reject(new Error(`${f.name} is not loaded`));
    const handler = this.wrappers.get(f.name)?.(base) ?? base;
    const requestId = randomUUID();
    const context = new InvocationContext(f, requestId, Date.now() + f.timeoutSeconds * 1000);
    const run = this.logs.run(f.shortName, requestId, async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new LambdaFunctionError(f.name, {
                errorType: 'Sandbox.Timedout',
                errorMessage: `Task timed out after ${f.timeoutSeconds.toFixed(2)} seconds`,
                trace: [],
              }),
            ),
          f.timeoutSeconds * 1000,
        );
        timer.unref();
      });
      try {
        const input = options.eventIsJson ? event : viaJson(event);
        const result = await Promise.race([handler(input, context), timeout]);
        return viaJson(result);
      } catch (error) {
        if (error instanceof LambdaFunctionError) throw error;
        throw new LambdaFunctionError(f.name, errorPayload(error), { cause: error });
      } finally {
        clearTimeout(timer);
      }
    });
    this.running.add(run);
    const forget = () => this.running.delete(run);
    run.then(forget, forget);
    return run;
  }
}
