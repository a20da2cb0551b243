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
function viaJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
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
  invoke(key: string, event: unknown): Promise<unknown> {
    const f = this.spec(key);
    const base = this.handlers.get(f.name);
    if (base === undefined) return Promise.reject(new Error(`${f.name} is not loaded`));
    const handler = this.wrappers.get(f.name)?.(base) ?? base;
    const requestId = randomUUID();
    const deadline = Date.now() + f.timeoutSeconds * 1000;
    const context: LambdaContext = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: f.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: f.arn,
      memoryLimitInMB: String(f.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${f.name}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
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
        const result = await Promise.race([handler(viaJson(event), context), timeout]);
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
