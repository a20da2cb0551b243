/**
 * An Amazon States Language interpreter for the local runtime (JSONPath query language): it runs the
 * synthesized state machine's definition as Step Functions would, with the states and fields the
 * FINML stack uses — Task, Choice, Map (inline and distributed, run in this process), Parallel, Pass,
 * Wait, Succeed, Fail; InputPath, Parameters / ItemSelector, ResultSelector, ResultPath, OutputPath
 * with reference paths and the context object; Retry (interval, backoff, max delay, full jitter),
 * Catch, task and execution timeouts, and abort; and the 256 KiB quota on what a task returns and
 * what a state passes on (States.DataLimitExceeded, which no Retry or Catch handles here, as
 * States.ALL covers it in neither place in Step Functions).
 *
 * Anything else (JSONata, intrinsic functions, ItemReader, tolerated failures, …) is refused when the
 * definition is loaded, naming the state and the field, so the local runtime never silently runs a
 * machine differently from AWS. The definition is first checked by asl-validator.
 */
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, unknown>;

/** A Step Functions error: its Error name and Cause string, as a Catch or the execution sees them. */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly causeText: string,
  ) {
    super(`${error}: ${causeText}`);
    this.name = 'StatesError';
  }
}

/** The execution failed (a Fail state, or an error no Catch handled). */
export class ExecutionFailedError extends StatesError {
  constructor(error: string, cause: string) {
    super(error, cause);
    this.name = 'ExecutionFailedError';
  }
}

export class ExecutionAbortedError extends Error {
  constructor() {
    super('the execution was aborted');
    this.name = 'ExecutionAbortedError';
  }
}

export class ExecutionTimedOutError extends Error {
  constructor(seconds: number) {
    super(`the execution ran longer than its TimeoutSeconds (${seconds} s)`);
    this.name = 'ExecutionTimedOutError';
  }
}

/** The definition uses something this interpreter does not run (or is not valid ASL). */
export class UnsupportedDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedDefinitionError';
  }
}

export interface AslEvent {
  readonly type: 'entered' | 'retried' | 'failed' | 'caught' | 'exited';
  readonly state: string;
  readonly stateType: string;
  /** The Map iteration the state runs in (the innermost one). */
  readonly index?: number;
  readonly error?: string;
  readonly at: number;
}

export interface RunOptions {
  /** Runs a Task state's resource with its effective input; an error's `name` is its Step Functions Error. */
  readonly task: (state: string, resource: string, input: unknown) => Promise<unknown>;
  readonly onEvent?: (event: AslEvent) => void;
  readonly signal?: AbortSignal;
  /** The context object's Execution and StateMachine fields. */
  readonly context?: { Execution?: Obj; StateMachine?: Obj };
  /** Waits (retries, Wait states); abortable. @default real timers */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter's random number in [0, 1). @default Math.random */
  readonly random?: () => number;
}

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}
interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}
interface State extends Obj {
  Type: string;
  Next?: string;
  End?: boolean;
  InputPath?: string | null;
  OutputPath?: string | null;
  ResultPath?: string | null;
  Parameters?: unknown;
  ResultSelector?: unknown;
  Retry?: Retrier[];
  Catch?: Catcher[];
}
interface Machine {
  StartAt: string;
  States: Record<string, State>;
  TimeoutSeconds?: number;
}

// ---------------------------------------------------------------------------------------------------
// Reference paths: $, $.a.b, $['a'], $.a[0]; $$ for the context object.

type Step = string | number;

function parsePath(path: string): { context: boolean; steps: Step[] } {
  const context = path.startsWith('$$');
  let i = context ? 2 : 1;
  if (!path.startsWith('$')) throw new UnsupportedDefinitionError(`"${path}" is not a reference path`);
  const steps: Step[] = [];
  while (i < path.length) {
    if (path[i] === '.') {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!m) throw new UnsupportedDefinitionError(`"${path}" is not a reference path`);
      steps.push(m[0]);
      i += 1 + m[0].length;
    } else if (path[i] === '[') {
      const m = /^\[(?:(\d+)|'([^']*)'|"([^"]*)")\]/.exec(path.slice(i));
      if (!m)
        throw new UnsupportedDefinitionError(`"${path}" is not a reference path (only names and indexes)`);
      steps.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3])!);
      i += m[0].length;
    } else {
      throw new UnsupportedDefinitionError(`"${path}" is not a reference path`);
    }
  }
  return { context, steps };
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: unknown, key: Step) =>
  Array.isArray(o) ? typeof key === 'number' && key < o.length : isObj(o) && Object.hasOwn(o, key);

/** The value at `path`, or undefined when some step is absent. */
function lookup(path: string, input: unknown, context: unknown): { found: boolean; value: unknown } {
  const { context: fromContext, steps } = parsePath(path);
  let value: unknown = fromContext ? context : input;
  for (const step of steps) {
    if (!own(value, step)) return { found: false, value: undefined };
    value = (value as Record<Step, unknown>)[step];
  }
  return { found: true, value };
}

/** InputPath / OutputPath / ItemsPath: the value at the path; a missing one is States.Runtime. */
function select(path: string | null | undefined, input: unknown, context: unknown, field: string): unknown {
  if (path === null) return {};
  if (path === undefined || path === '$') return input;
  const { found, value } = lookup(path, input, context);
  if (!found)
    throw new StatesError('States.Runtime', `${field} "${path}" matched nothing in the state's input`);
  return value;
}

/** A Parameters / ItemSelector / ResultSelector template: keys ending in `.$` take the path's value. */
function render(template: unknown, input: unknown, context: unknown): unknown {
  if (Array.isArray(template)) return template.map((t) => render(t, input, context));
  if (!isObj(template)) return template;
  const out: Obj = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      const { found, value: v } = lookup(value as string, input, context);
      if (!found) throw new StatesError('States.Runtime', `"${key}": "${value}" matched nothing`);
      out[key.slice(0, -2)] = v;
    } else {
      out[key] = render(value, input, context);
    }
  }
  return out;
}

/**
 * ResultPath: where the result goes in (a copy of) the state's input. Missing objects on the path are
 * created; a path through a value that is not an object is States.ResultPathMatchFailure.
 */
function place(path: string | null | undefined, input: unknown, result: unknown): unknown {
  if (path === null) return input;
  if (path === undefined || path === '$') return result;
  const { context, steps } = parsePath(path);
  if (context)
    throw new StatesError('States.Runtime', `ResultPath "${path}" cannot write the context object`);
  const mismatch = () =>
    new StatesError('States.ResultPathMatchFailure', `ResultPath "${path}" does not fit the state's input`);
  if (!isObj(input)) throw mismatch();
  const root = structuredClone(input);
  let at: Obj = root;
  steps.forEach((step, n) => {
    if (n === steps.length - 1) {
      at[step] = result;
      return;
    }
    if (at[step] === undefined) at[step] = {};
    if (!isObj(at[step])) throw mismatch();
    at = at[step] as Obj;
  });
  return root;
}

// ---------------------------------------------------------------------------------------------------
// Choice rules

type Rule = Obj & { Variable?: string; Next?: string; And?: Rule[]; Or?: Rule[]; Not?: Rule };

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const COMPARE: Record<string, (a: unknown, b: unknown) => boolean> = {
  StringEquals: (a, b) => typeof a === 'string' && a === b,
  StringLessThan: (a, b) => typeof a === 'string' && typeof b === 'string' && a < b,
  StringGreaterThan: (a, b) => typeof a === 'string' && typeof b === 'string' && a > b,
  StringLessThanEquals: (a, b) => typeof a === 'string' && typeof b === 'string' && a <= b,
  StringGreaterThanEquals: (a, b) => typeof a === 'string' && typeof b === 'string' && a >= b,
  NumericEquals: (a, b) => typeof a === 'number' && a === b,
  NumericLessThan: (a, b) => typeof a === 'number' && typeof b === 'number' && a < b,
  NumericGreaterThan: (a, b) => typeof a === 'number' && typeof b === 'number' && a > b,
  NumericLessThanEquals: (a, b) => typeof a === 'number' && typeof b === 'number' && a <= b,
  NumericGreaterThanEquals: (a, b) => typeof a === 'number' && typeof b === 'number' && a >= b,
  BooleanEquals: (a, b) => typeof a === 'boolean' && a === b,
  TimestampEquals: (a, b) => timestamps(a, b, (x, y) => x === y),
  TimestampLessThan: (a, b) => timestamps(a, b, (x, y) => x < y),
  TimestampGreaterThan: (a, b) => timestamps(a, b, (x, y) => x > y),
  TimestampLessThanEquals: (a, b) => timestamps(a, b, (x, y) => x <= y),
  TimestampGreaterThanEquals: (a, b) => timestamps(a, b, (x, y) => x >= y),
  StringMatches: (a, b) => typeof a === 'string' && typeof b === 'string' && wildcard(b).test(a),
};
/** StringMatches' pattern: `*` matches any run of characters, `\\*` a literal star, `\\\\` a backslash. */
function wildcard(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) source += `\\${pattern[++i]}`;
    else if (c === '*') source += '.*';
    else source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function timestamps(a: unknown, b: unknown, cmp: (x: number, y: number) => boolean): boolean {
  return (
    typeof a === 'string' &&
    typeof b === 'string' &&
    TIMESTAMP.test(a) &&
    TIMESTAMP.test(b) &&
    cmp(Date.parse(a), Date.parse(b))
  );
}
const TYPE_TESTS: Record<string, (found: boolean, v: unknown) => boolean> = {
  IsPresent: (found) => found,
  IsNull: (found, v) => found && v === null,
  IsNumeric: (found, v) => found && typeof v === 'number',
  IsString: (found, v) => found && typeof v === 'string',
  IsBoolean: (found, v) => found && typeof v === 'boolean',
  IsTimestamp: (found, v) => found && typeof v === 'string' && TIMESTAMP.test(v),
};

function operatorOf(rule: Rule): string | undefined {
  return Object.keys(rule).find((k) => k !== 'Variable' && k !== 'Next' && k !== 'Comment');
}

function matches(rule: Rule, input: unknown, context: unknown): boolean {
  if (rule.And) return rule.And.every((r) => matches(r, input, context));
  if (rule.Or) return rule.Or.some((r) => matches(r, input, context));
  if (rule.Not) return !matches(rule.Not, input, context);
  const op = operatorOf(rule)!;
  const { found, value } = lookup(rule.Variable!, input, context);
  const typeTest = TYPE_TESTS[op];
  if (typeTest) return typeTest(found, value) === rule[op];
  if (!found) throw new StatesError('States.Runtime', `Choice Variable "${rule.Variable}" matched nothing`);
  const isPath = op.endsWith('Path');
  const compare = COMPARE[isPath ? op.slice(0, -4) : op]!;
  const other = isPath ? lookup(rule[op] as string, input, context).value : rule[op];
  return compare(value, other);
}

// ---------------------------------------------------------------------------------------------------
// Checking a definition before it runs

const COMMON = ['Type', 'Comment', 'QueryLanguage', 'Next', 'End', 'InputPath', 'OutputPath'];
const FIELDS: Record<string, string[]> = {
  Task: [
    ...COMMON,
    'Resource',
    'Parameters',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
    'TimeoutSeconds',
  ],
  Map: [
    ...COMMON,
    'ItemsPath',
    'ItemSelector',
    'Parameters',
    'ItemProcessor',
    'Iterator',
    'MaxConcurrency',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
  ],
  Parallel: [...COMMON, 'Branches', 'Parameters', 'ResultSelector', 'ResultPath', 'Retry', 'Catch'],
  Pass: [...COMMON, 'Result', 'Parameters', 'ResultPath'],
  Wait: [...COMMON, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'],
  Choice: ['Type', 'Comment', 'QueryLanguage', 'InputPath', 'OutputPath', 'Choices', 'Default'],
  Succeed: ['Type', 'Comment', 'QueryLanguage', 'InputPath', 'OutputPath'],
  Fail: ['Type', 'Comment', 'QueryLanguage', 'Error', 'Cause', 'ErrorPath', 'CausePath'],
};

const RETRIER_FIELDS = [
  'ErrorEquals',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'MaxDelaySeconds',
  'JitterStrategy',
  'Comment',
];
const CATCHER_FIELDS = ['ErrorEquals', 'Next', 'ResultPath', 'Comment'];

function checkTemplate(template: unknown, where: string): void {
  if (Array.isArray(template)) {
    for (const t of template) checkTemplate(t, where);
    return;
  }
  if (!isObj(template)) return;
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string' || !value.startsWith('$')) {
        throw new UnsupportedDefinitionError(
          `${where}: "${key}": intrinsic functions are not supported locally`,
        );
      }
      parsePath(value);
    } else checkTemplate(value, where);
  }
}

function checkRule(rule: Rule, where: string): void {
  for (const r of [...(rule.And ?? []), ...(rule.Or ?? []), ...(rule.Not ? [rule.Not] : [])])
    checkRule(r, where);
  if (rule.And || rule.Or || rule.Not) return;
  const op = operatorOf(rule);
  const base = op?.endsWith('Path') ? op.slice(0, -4) : op;
  if (!op || !(base! in COMPARE || op in TYPE_TESTS)) {
    throw new UnsupportedDefinitionError(
      `${where}: Choice operator ${op ?? '(none)'} is not supported locally`,
    );
  }
  parsePath(rule.Variable ?? '');
  if (op.endsWith('Path')) parsePath(rule[op] as string);
}

function checkMachine(machine: Machine, where: string): void {
  for (const [name, state] of Object.entries(machine.States)) {
    const at = `${where}${name}`;
    if (state.QueryLanguage !== undefined && state.QueryLanguage !== 'JSONPath') {
      throw new UnsupportedDefinitionError(
        `${at}: the ${String(state.QueryLanguage)} query language is not supported locally`,
      );
    }
    for (const r of (state.Retry ?? []) as unknown as Obj[]) {
      for (const field of Object.keys(r)) {
        if (!RETRIER_FIELDS.includes(field)) {
          throw new UnsupportedDefinitionError(`${at}.Retry: ${field} is not supported locally`);
        }
      }
    }
    for (const c of (state.Catch ?? []) as unknown as Obj[]) {
      for (const field of Object.keys(c)) {
        if (!CATCHER_FIELDS.includes(field)) {
          throw new UnsupportedDefinitionError(`${at}.Catch: ${field} is not supported locally`);
        }
      }
    }
    if (
      state.Type === 'Task' &&
      typeof state.Resource === 'string' &&
      /\.(waitForTaskToken|sync)(:\d+)?$/.test(state.Resource)
    ) {
      throw new UnsupportedDefinitionError(
        `${at}: the ${state.Resource} integration pattern is not supported locally`,
      );
    }
    const allowed = FIELDS[state.Type];
    if (!allowed)
      throw new UnsupportedDefinitionError(`${at}: state type ${state.Type} is not supported locally`);
    for (const field of Object.keys(state)) {
      if (!allowed.includes(field)) {
        throw new UnsupportedDefinitionError(
          `${at}: ${field} is not supported locally in a ${state.Type} state`,
        );
      }
    }
    for (const field of [
      'InputPath',
      'OutputPath',
      'ResultPath',
      'ItemsPath',
      'SecondsPath',
      'TimestampPath',
      'ErrorPath',
      'CausePath',
    ]) {
      const path = state[field];
      if (typeof path === 'string') parsePath(path);
    }
    for (const field of ['Parameters', 'ItemSelector', 'ResultSelector'])
      checkTemplate(state[field], `${at}.${field}`);
    if (state.Type === 'Choice') for (const rule of state.Choices as Rule[]) checkRule(rule, at);
    if (state.Type === 'Map') {
      const processor = (state.ItemProcessor ?? state.Iterator) as Machine & { ProcessorConfig?: Obj };
      for (const field of Object.keys(processor)) {
        if (!['StartAt', 'States', 'ProcessorConfig', 'Comment'].includes(field)) {
          throw new UnsupportedDefinitionError(`${at}.ItemProcessor: ${field} is not supported locally`);
        }
      }
      checkMachine(processor, `${at}/`);
    }
    if (state.Type === 'Parallel') for (const b of state.Branches as Machine[]) checkMachine(b, `${at}/`);
  }
}

type AslValidator = (
  definition: unknown,
  options: { checkPaths: boolean; checkArn: boolean },
) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

// ---------------------------------------------------------------------------------------------------
// Running

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new ExecutionAbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ExecutionAbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Does a Retry / Catch's ErrorEquals cover this error? */
function covers(errorEquals: readonly string[], error: string, fromTask: boolean): boolean {
  return errorEquals.some(
    (e) =>
      e === error ||
      e === 'States.ALL' ||
      (e === 'States.TaskFailed' && fromTask && error !== 'States.Timeout'),
  );
}

function asStatesError(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  const e = error as Error;
  return new StatesError(
    e?.name && e.name !== 'Error' ? e.name : 'States.TaskFailed',
    String(e?.message ?? error),
  );
}

/**
 * Step Functions' quota on a task's result, a state's input and output, and an execution's input:
 * 256 KiB of JSON as UTF-8 ("Quotas related to state machine executions"). Past it the execution
 * fails with States.DataLimitExceeded, so a result that grows with the data (one entry per symbol)
 * fails here as it would in AWS.
 */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** `value`, or States.DataLimitExceeded when its JSON is over PAYLOAD_LIMIT_BYTES. */
function withinQuota<T>(value: T, what: string): T {
  const json = value === undefined ? '' : JSON.stringify(value);
  // A JSON string holds at most 3 UTF-8 bytes per UTF-16 unit: count bytes only near the limit.
  if (json.length * 3 <= PAYLOAD_LIMIT_BYTES) return value;
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new StatesError(
      'States.DataLimitExceeded',
      `${what} is ${bytes} bytes of JSON, over the ${PAYLOAD_LIMIT_BYTES}-byte (256 KiB) quota`,
    );
  }
  return value;
}

/** A loaded state machine definition, ready to run any number of executions. */
export class AslStateMachine {
  private readonly machine: Machine;

  constructor(definition: unknown) {
    const validation = aslValidator(definition, { checkPaths: true, checkArn: true });
    if (!validation.isValid) {
      throw new UnsupportedDefinitionError(
        `invalid state machine definition: ${validation.errorsText('; ')}`,
      );
    }
    this.machine = structuredClone(definition) as Machine;
    const language = (definition as Obj).QueryLanguage;
    if (language !== undefined && language !== 'JSONPath') {
      throw new UnsupportedDefinitionError(`the ${String(language)} query language is not supported locally`);
    }
    checkMachine(this.machine, '');
  }

  /** Runs one execution; resolves with its output, rejects with ExecutionFailed/Aborted/TimedOutError. */
  async run(input: unknown, options: RunOptions): Promise<unknown> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) controller.abort();
    const runner = new Runner(options, {
      Execution: { Input: input, StartTime: new Date().toISOString(), ...options.context?.Execution },
      StateMachine: { ...options.context?.StateMachine },
    });
    const seconds = this.machine.TimeoutSeconds;
    let timer: NodeJS.Timeout | undefined;
    const timeout =
      seconds === undefined
        ? undefined
        : new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              controller.abort();
              reject(new ExecutionTimedOutError(seconds));
            }, seconds * 1000);
          });
    try {
      const run = runner.machine(this.machine, input, controller.signal);
      const output = await (timeout ? Promise.race([run, timeout]) : run);
      if (controller.signal.aborted) throw new ExecutionAbortedError();
      return output;
    } catch (error) {
      if (error instanceof ExecutionTimedOutError || error instanceof ExecutionAbortedError) throw error;
      if (controller.signal.aborted) throw new ExecutionAbortedError();
      const e = asStatesError(error);
      throw new ExecutionFailedError(e.error, e.causeText);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Rejects when `signal` aborts: a task, wait or branch stops at once when its scope is cancelled. */
function untilAborted(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let onAbort = () => undefined as void;
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(new ExecutionAbortedError());
    onAbort = () => reject(new ExecutionAbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined); // raced, never awaited alone
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** A cancellation scope inside `parent`: aborted with it, or on its own (a failed sibling). */
function childScope(parent: AbortSignal): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (parent.aborted) controller.abort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}

/** Runs `work` for each item with at most `limit` at once; the first failure cancels the rest. */
async function forEachCancellable<T>(
  items: readonly T[],
  limit: number,
  parent: AbortSignal,
  work: (item: T, index: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const { controller, dispose } = childScope(parent);
  const workers = Math.max(1, Math.min(limit, items.length));
  // Each running item listens on the scope's signal (its task's untilAborted, a nested scope) and
  // removes the listener when it ends: the count is bounded by the workers, not a leak — raise
  // Node's warning threshold (10) to that bound so a real leak past it still warns.
  setMaxListeners(10 + 2 * workers, controller.signal);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !controller.signal.aborted) {
      const index = next++;
      try {
        await work(items[index]!, index, controller.signal);
      } catch (error) {
        // The first error that is not the cancellation it caused ends the scope.
        if (failure === undefined && !(error instanceof ExecutionAbortedError && controller.signal.aborted)) {
          failure = { error };
        }
        controller.abort();
      }
    }
  };
  try {
    await Promise.allSettled(Array.from({ length: workers }, worker));
  } finally {
    dispose();
  }
  if (failure !== undefined) throw failure.error;
  if (parent.aborted) throw new ExecutionAbortedError();
}

/**
 * One execution's interpreter: the options and the context object it runs with. Every method takes
 * the cancellation signal of its scope — the execution's, or a Map's or Parallel's, which a failed
 * iteration or branch aborts so its siblings stop (as Step Functions stops them).
 */
class Runner {
  private readonly sleep: NonNullable<RunOptions['sleep']>;
  private readonly random: () => number;

  constructor(
    private readonly options: RunOptions,
    private readonly context: Obj,
  ) {
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  private emit(event: Omit<AslEvent, 'at'>): void {
    this.options.onEvent?.({ ...event, at: Date.now() });
  }

  /**
   * Runs a machine (the top level, a Map iteration or a Parallel branch) from StartAt to its end.
   * `mapItem` is the context object's $$.Map.Item; `index` the iteration events are marked with.
   */
  async machine(
    machine: Machine,
    input: unknown,
    signal: AbortSignal,
    mapItem?: { Index: number; Value: unknown },
    index: number | undefined = mapItem?.Index,
  ): Promise<unknown> {
    let name: string | undefined = machine.StartAt;
    let data = input;
    while (name !== undefined) {
      if (signal.aborted) throw new ExecutionAbortedError();
      const state: State = machine.States[name]!;
      const context = {
        ...this.context,
        State: { Name: name, EnteredTime: new Date().toISOString(), RetryCount: 0 },
        ...(mapItem ? { Map: { Item: mapItem } } : {}),
      };
      const base = { state: name, stateType: state.Type, ...(index === undefined ? {} : { index }) };
      this.emit({ type: 'entered', ...base });
      let next: string | undefined;
      try {
        ({ output: data, next } = await this.withRetryAndCatch(state, data, context, base, signal, index));
        withinQuota(data, `the output of state ${name}`);
      } catch (error) {
        this.emit({ type: 'failed', ...base, error: asStatesError(error).error });
        throw error;
      }
      this.emit({ type: 'exited', ...base });
      if (state.Type === 'Succeed' || state.End) return data;
      name = next;
    }
    return data;
  }

  private async withRetryAndCatch(
    state: State,
    input: unknown,
    context: Obj,
    base: Omit<AslEvent, 'at' | 'type'>,
    signal: AbortSignal,
    index: number | undefined,
  ): Promise<{ output: unknown; next: string | undefined }> {
    const attempts = new Map<Retrier, number>();
    for (;;) {
      try {
        const done = await this.execute(state, input, context, signal, index);
        if (signal.aborted) throw new ExecutionAbortedError(); // a result that came after an abort
        return { output: done.output, next: done.next ?? state.Next };
      } catch (thrown) {
        if (thrown instanceof ExecutionAbortedError || signal.aborted) throw new ExecutionAbortedError();
        const error = asStatesError(thrown);
        // States.Runtime and States.DataLimitExceeded are neither retried nor caught here (States.ALL
        // covers neither in Step Functions).
        if (error.error === 'States.Runtime' || error.error === 'States.DataLimitExceeded') throw error;
        const fromTask = state.Type === 'Task';
        const retrier = state.Retry?.find((r) => covers(r.ErrorEquals, error.error, fromTask));
        const made = retrier ? (attempts.get(retrier) ?? 0) : 0;
        if (retrier && made < (retrier.MaxAttempts ?? 3)) {
          attempts.set(retrier, made + 1);
          let delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** made;
          if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
          if (retrier.JitterStrategy === 'FULL') delay *= this.random();
          this.emit({ type: 'retried', ...base, error: error.error });
          (context.State as Obj).RetryCount = made + 1;
          await this.sleep(delay * 1000, signal);
          continue;
        }
        const catcher = state.Catch?.find((c) => covers(c.ErrorEquals, error.error, fromTask));
        if (!catcher) throw error;
        this.emit({ type: 'caught', ...base, error: error.error });
        return {
          output: place(catcher.ResultPath, input, { Error: error.error, Cause: error.causeText }),
          next: catcher.Next,
        };
      }
    }
  }

  /** One attempt at a state: its input and output processing around the state's own work. */
  private async execute(
    state: State,
    raw: unknown,
    context: Obj,
    signal: AbortSignal,
    index: number | undefined,
  ): Promise<{ output: unknown; next?: string }> {
    const input = select(state.InputPath, raw, context, 'InputPath');
    const out = (value: unknown) => ({ output: select(state.OutputPath, value, context, 'OutputPath') });
    const finish = (result: unknown) => {
      const selected =
        state.ResultSelector === undefined ? result : render(state.ResultSelector, result, context);
      return out(place(state.ResultPath, raw, selected));
    };
    const parameters = (value: unknown) =>
      state.Parameters === undefined ? value : render(state.Parameters, value, context);
    switch (state.Type) {
      case 'Pass':
        return out(place(state.ResultPath, raw, 'Result' in state ? state.Result : parameters(input)));
      case 'Succeed':
        return out(input);
      case 'Fail': {
        const text = (path: unknown, fixed: unknown) =>
          typeof path === 'string' ? String(lookup(path, raw, context).value ?? '') : String(fixed ?? '');
        throw new ExecutionFailedError(
          text(state.ErrorPath, state.Error),
          text(state.CausePath, state.Cause),
        );
      }
      case 'Choice': {
        const rule = (state.Choices as Rule[]).find((r) => matches(r, input, context));
        const next = rule?.Next ?? (state.Default as string | undefined);
        if (next === undefined) {
          throw new StatesError('States.NoChoiceMatched', 'no Choice rule matched and there is no Default');
        }
        return { ...out(input), next };
      }
      case 'Wait': {
        await this.sleep(Math.max(0, waitSeconds(state, input, context)) * 1000, signal);
        return out(input);
      }
      case 'Task':
        return finish(
          withinQuota(await this.task(state, parameters(input), context, signal), 'the result of the task'),
        );
      case 'Parallel': {
        const branchInput = parameters(input);
        const branches = state.Branches as Machine[];
        const results = new Array<unknown>(branches.length);
        await forEachCancellable(branches, branches.length, signal, async (branch, b, scope) => {
          results[b] = await this.machine(branch, branchInput, scope, undefined, index);
        });
        return finish(results);
      }
      case 'Map': {
        const items = select(state.ItemsPath as string | undefined, input, context, 'ItemsPath');
        if (!Array.isArray(items))
          throw new StatesError('States.Runtime', 'ItemsPath did not select an array');
        const selector = (state.ItemSelector ?? state.Parameters) as unknown;
        const processor = (state.ItemProcessor ?? state.Iterator) as Machine;
        const limit = Number(state.MaxConcurrency ?? 0) || items.length;
        const results = new Array<unknown>(items.length);
        await forEachCancellable(items, limit, signal, async (value, i, scope) => {
          const item = { Index: i, Value: value };
          const itemInput =
            selector === undefined ? value : render(selector, input, { ...context, Map: { Item: item } });
          results[i] = await this.machine(processor, itemInput, scope, item);
        });
        // The iterations' outputs, gathered into one array before ResultPath, are held to the quota.
        return finish(withinQuota(results, `the ${results.length} iteration results of the Map`));
      }
      default:
        throw new StatesError('States.Runtime', `state type ${state.Type} is not supported locally`);
    }
  }

  /** A Task: its resource, raced against TimeoutSeconds and the scope's cancellation. */
  private async task(state: State, input: unknown, context: Obj, signal: AbortSignal): Promise<unknown> {
    const name = (context.State as Obj).Name as string;
    const aborted = untilAborted(signal);
    const seconds = state.TimeoutSeconds as number | undefined;
    let timer: NodeJS.Timeout | undefined;
    const racers: Promise<unknown>[] = [
      this.options.task(name, state.Resource as string, input),
      aborted.promise,
    ];
    if (seconds !== undefined) {
      racers.push(
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new StatesError('States.Timeout', `the task ran longer than ${seconds} s`)),
            seconds * 1000,
          );
        }),
      );
    }
    try {
      return await Promise.race(racers);
    } finally {
      clearTimeout(timer);
      aborted.dispose();
    }
  }
}

/** A Wait state's seconds (Seconds, SecondsPath, Timestamp or TimestampPath); States.Runtime if unusable. */
function waitSeconds(state: State, input: unknown, context: Obj): number {
  if (typeof state.Seconds === 'number') return state.Seconds;
  if (typeof state.SecondsPath === 'string') {
    const value = lookup(state.SecondsPath, input, context).value;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new StatesError(
        'States.Runtime',
        `SecondsPath "${state.SecondsPath}" is not a non-negative integer`,
      );
    }
    return value;
  }
  const stamp =
    typeof state.TimestampPath === 'string'
      ? lookup(state.TimestampPath, input, context).value
      : state.Timestamp;
  if (typeof stamp !== 'string' || !TIMESTAMP.test(stamp)) {
    throw new StatesError(
      'States.Runtime',
      `the Wait timestamp ${JSON.stringify(stamp)} is not an ISO 8601 time`,
    );
  }
  return (Date.parse(stamp) - Date.now()) / 1000;
}
