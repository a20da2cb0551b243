/**
 * The Lambda Node.js runtime's InvokeStore on one machine: the per-invocation context (request id,
 * trace id, and whatever libraries keep per invocation) that the runtime exposes as
 * `globalThis.awslambda.InvokeStore`. When a function's environment says invocations may overlap
 * (`AWS_LAMBDA_MAX_CONCURRENCY`, as on Lambda Managed Instances), Powertools keeps its
 * per-invocation state there — log keys, the Lambda context on log lines, metrics and their
 * dimensions — instead of on its shared instances; the local runtime runs overlapping invocations in
 * one module instance, so it sets that variable and runs every invocation in a context of this store
 * (docs/decisions/0024-local-functions-run-concurrently.md).
 *
 * The same interface as `@aws/lambda-invoke-store`'s multi-concurrency store (AsyncLocalStorage),
 * written here so that the runtime's own bookkeeping (the function's log file, see ./logs.ts) rides
 * in the same context: one AsyncLocalStorage for both, not two — each one costs every promise of the
 * process a copy.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The keys only the runtime sets (the package's PROTECTED_KEYS: global symbols, shared with it). */
const PROTECTED_KEYS = {
  REQUEST_ID: Symbol.for('_AWS_LAMBDA_REQUEST_ID'),
  X_RAY_TRACE_ID: Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID'),
  TENANT_ID: Symbol.for('_AWS_LAMBDA_TENANT_ID'),
  TRACEPARENT: Symbol.for('_AWS_LAMBDA_TRACEPARENT'),
  TRACESTATE: Symbol.for('_AWS_LAMBDA_TRACESTATE'),
  BAGGAGE: Symbol.for('_AWS_LAMBDA_BAGGAGE'),
} as const;
const PROTECTED = new Set<PropertyKey>(Object.values(PROTECTED_KEYS));

export type InvocationContext = Record<PropertyKey, unknown>;

export class LocalInvokeStore {
  static readonly PROTECTED_KEYS = PROTECTED_KEYS;
  readonly #storage = new AsyncLocalStorage<InvocationContext>();

  /** A new invocation's context: its request id, and runtime-private entries. */
  static context(requestId: string, entries: InvocationContext = {}): InvocationContext {
    entries[PROTECTED_KEYS.REQUEST_ID] = requestId;
    return entries;
  }

  run<T>(context: InvocationContext, fn: () => T): T {
    return this.#storage.run(context, fn);
  }

  getContext(): InvocationContext | undefined {
    return this.#storage.getStore();
  }

  hasContext(): boolean {
    return this.#storage.getStore() !== undefined;
  }

  get<T = unknown>(key: PropertyKey): T | undefined {
    return this.#storage.getStore()?.[key] as T | undefined;
  }

  set(key: PropertyKey, value: unknown): void {
    if (PROTECTED.has(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    const context = this.#storage.getStore();
    if (context === undefined) throw new Error('No context available');
    context[key] = value;
  }

  isProtectedKey(key: PropertyKey): boolean {
    return PROTECTED.has(key);
  }

  getRequestId(): string {
    return this.get<string>(PROTECTED_KEYS.REQUEST_ID) ?? '-';
  }

  getXRayTraceId(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.X_RAY_TRACE_ID);
  }

  getTenantId(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.TENANT_ID);
  }

  getTraceparent(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.TRACEPARENT);
  }

  getTracestate(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.TRACESTATE);
  }

  getBaggage(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.BAGGAGE);
  }
}

/** The process's one store (every local runtime and function of the process shares it). */
export const invokeStore = new LocalInvokeStore();

/**
 * Makes {@link invokeStore} the runtime's `globalThis.awslambda.InvokeStore`, in place of one the
 * AWS SDK may have created already outside any invocation (a single-invocation store, holding no
 * context). Idempotent.
 */
export function installInvokeStore(): void {
  const global = globalThis as { awslambda?: { InvokeStore?: unknown } };
  global.awslambda ??= {};
  global.awslambda.InvokeStore = invokeStore;
}
