/**
 * Step Functions on one machine: the synthesized definition run by the ASL interpreter (./asl.ts), each
 * Lambda task calling the local handler. A handler error keeps its name, so the definition's Retry
 * (TransientAwsError, with its interval, backoff and jitter) and Catch (DataRejectedError) apply as in
 * AWS; the Cause is Lambda's JSON {errorType, errorMessage, trace}.
 *
 * The Distributed Map runs its ItemProcessor once per item in this process (as an inline Map: same
 * ItemSelector, MaxConcurrency and per-item retries; no child executions).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  type AslEvent,
  AslStateMachine,
  ExecutionAbortedError,
  ExecutionFailedError,
  ExecutionTimedOutError,
} from './asl.ts';
import type { LocalStateMachineSpec } from './deployment.ts';
import { LambdaFunctionError, type LocalLambda } from './lambda.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface StateRecord {
  name: string;
  type: string;
  /** Map iteration index for states inside a Map. */
  index?: number;
  status: 'running' | 'succeeded' | 'failed' | 'caught';
  /** Failed attempts that were retried. */
  retries: number;
  error?: string;
  enteredAt: string;
  exitedAt?: string;
}

export interface ExecutionRecord {
  executionArn: string;
  name: string;
  input: unknown;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  output?: unknown;
  error?: string;
  cause?: string;
  states: StateRecord[];
}

export type ExecutionListener = (event: ExecutionEvent) => void;

export type ExecutionEvent =
  | { type: 'started'; execution: ExecutionRecord }
  | { type: 'state'; execution: ExecutionRecord; state: StateRecord; retrying?: boolean }
  | { type: 'finished'; execution: ExecutionRecord };

interface AslState {
  Type?: string;
  Resource?: string;
  States?: Record<string, AslState>;
  ItemProcessor?: { States?: Record<string, AslState> };
  Iterator?: { States?: Record<string, AslState> };
  Branches?: { States?: Record<string, AslState> }[];
}

/** Every Task state (at any depth) with its Resource. */
function taskStates(states: Record<string, AslState> | undefined, out = new Map<string, string>()) {
  for (const [name, state] of Object.entries(states ?? {})) {
    if (state.Type === 'Task' && typeof state.Resource === 'string') {
      const known = out.get(name);
      if (known !== undefined && known !== state.Resource) {
        throw new Error(`two Task states named "${name}" call different resources`);
      }
      out.set(name, state.Resource);
    }
    taskStates(state.ItemProcessor?.States, out);
    taskStates(state.Iterator?.States, out);
    for (const b of state.Branches ?? []) taskStates(b.States, out);
  }
  return out;
}

const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke$/;

/** The error the interpreter sees: Step Functions' Error (its name) and Cause (Lambda's JSON). */
function taskError(error: unknown): Error {
  if (error instanceof LambdaFunctionError) {
    const e = new Error(JSON.stringify(error.payload));
    e.name = error.payload.errorType;
    return e;
  }
  const e = new Error(JSON.stringify({ errorMessage: String((error as Error)?.message ?? error) }));
  e.name = 'Lambda.ServiceException';
  return e;
}

export interface LocalStateMachineOptions {
  /**
   * The journal: one JSON line when an execution starts (status RUNNING, written synchronously, so it is
   * on disk before any task runs) and one when it finishes. An execution whose last line is RUNNING was
   * in flight when the process died (see restore()). Compacted to the kept executions' latest lines
   * when it holds four times as many lines, and at each restore: its size stays bounded by `keep`.
   */
  readonly historyFile?: string;
  /** How many finished executions to keep in memory. */
  readonly keep?: number;
}

/** The journal is compacted when it holds this many times `keep` lines. */
const JOURNAL_FACTOR = 4;

export class LocalStateMachine {
  private readonly machine: AslStateMachine;
  /** Each Task state's call: its Lambda function through the local Lambda service. */
  private readonly handlers = new Map<string, (input: unknown) => Promise<unknown>>();
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>();
  private readonly listeners = new Set<ExecutionListener>();
  readonly executions: ExecutionRecord[] = [];
  /** Lines in the journal now (compacted past JOURNAL_FACTOR × keep). */
  private journalLines = 0;

  constructor(
    readonly spec: LocalStateMachineSpec,
    lambda: LocalLambda,
    private readonly options: LocalStateMachineOptions = {},
  ) {
    this.machine = new AslStateMachine(spec.definition);
    for (const [state, resource] of taskStates(spec.definition.States as Record<string, AslState>)) {
      if (LAMBDA_INVOKE.test(resource)) {
        // LambdaInvoke without payloadResponseOnly: Parameters name the function, the result is wrapped.
        this.handlers.set(state, async (input) => {
          const { FunctionName, Payload } = input as { FunctionName: string; Payload?: unknown };
          try {
            const result = await lambda.invoke(FunctionName, Payload ?? {});
            return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
          } catch (error) {
            throw taskError(error);
          }
        });
      } else {
        lambda.spec(resource); // fails now, at deploy time, for a Task the runtime cannot run
        this.handlers.set(state, async (input) => {
          try {
            return await lambda.invoke(resource, input);
          } catch (error) {
            throw taskError(error);
          }
        });
      }
    }
  }

  /** Subscribes to execution progress; returns the unsubscribe. */
  onEvent(listener: ExecutionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ExecutionEvent): void {
    for (const l of this.listeners) l(event);
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves when no execution is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /**
   * Aborts every running execution. With `interrupted` (the runtime is stopping: Ctrl-C past the
   * grace time) they are left as a kill leaves them — their RUNNING line stays the journal's last, no
   * status change is sent — so the next start lists them ABORTED (`RuntimeInterrupted`), reports each
   * once and runs it again. (Ended here, their PipelineFailed ran while the servers closed: no alert,
   * no failed claim, no re-run, and a run stopped in its publish stayed half published.)
   */
  abortAll(options: { interrupted?: boolean } = {}): void {
    for (const [name, r] of this.running) {
      if (options.interrupted) this.interrupted.add(name);
      r.abort();
    }
  }

  /** Executions abortAll({ interrupted: true }) stopped: not journaled as ended, not reported. */
  private readonly interrupted = new Set<string>();

  /** Starts an execution (StartExecution); the record is updated as it runs. */
  start(input: unknown, name: string = randomUUID()): ExecutionRecord {
    const record: ExecutionRecord = {
      executionArn: `${this.spec.arn.replace(':stateMachine:', ':execution:')}:${name}`,
      name,
      input,
      status: 'RUNNING',
      startDate: new Date().toISOString(),
      states: [],
    };
    this.executions.push(record);
    const keep = this.options.keep ?? 500;
    if (this.executions.length > keep) this.executions.splice(0, this.executions.length - keep);
    const controller = new AbortController();
    const open = new Map<string, StateRecord>();
    // Journaled before any task runs, so a kill at any point leaves the execution's RUNNING line.
    this.journal(record);
    this.emit({ type: 'started', execution: record });
    const done = this.machine
      .run(input, {
        task: (state, _resource, taskInput) => this.handlers.get(state)!(taskInput),
        onEvent: (event) => this.track(record, open, event),
        signal: controller.signal,
        context: {
          Execution: { Id: record.executionArn, Name: name, StartTime: record.startDate },
          StateMachine: { Id: this.spec.arn, Name: this.spec.name },
        },
      })
      .then(
        (output: unknown) => {
          record.status = 'SUCCEEDED';
          record.output = output;
        },
        (error: unknown) => {
          record.status =
            error instanceof ExecutionAbortedError
              ? 'ABORTED'
              : error instanceof ExecutionTimedOutError
                ? 'TIMED_OUT'
                : 'FAILED';
          record.error = error instanceof ExecutionFailedError ? error.error : (error as Error).name;
          record.cause = error instanceof ExecutionFailedError ? error.causeText : (error as Error).message;
        },
      );
    const finished = done.then(async () => {
      for (const s of open.values()) {
        if (s.status !== 'running') continue;
        s.status = 'failed';
        s.exitedAt = new Date().toISOString();
        this.emit({ type: 'state', execution: record, state: s });
      }
      this.running.delete(name);
      if (this.interrupted.delete(name)) {
        // Left RUNNING in the journal for the next start (see abortAll); shown as interrupted here.
        record.status = 'ABORTED';
        record.error = 'RuntimeInterrupted';
        return;
      }
      record.stopDate = new Date().toISOString();
      try {
        this.journal(record);
      } catch {
        // A journal that cannot be written loses the history, not the execution.
      }
      this.emit({ type: 'finished', execution: record });
    });
    this.running.set(name, { abort: () => controller.abort(), done: finished });
    return record;
  }

  /**
   * Reads the journal of an earlier process: its finished executions join the list (oldest first), and
   * the ones still RUNNING — in flight when that process died — are marked ABORTED (`RuntimeInterrupted`),
   * journaled as such, listed, and returned so the caller can report and re-run them.
   */
  restore(): ExecutionRecord[] {
    const file = this.options.historyFile;
    if (file === undefined || !existsSync(file)) return [];
    const latest = new Map<string, ExecutionRecord>();
    const keep = this.options.keep ?? 500;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const r = JSON.parse(line) as ExecutionRecord;
        latest.delete(r.name); // keep the order of the last line
        latest.set(r.name, r);
      } catch {
        // A line cut short by the kill itself: the started line before it (if any) still counts.
      }
    }
    const interrupted: ExecutionRecord[] = [];
    const stoppedAt = new Date().toISOString();
    for (const r of latest.values()) {
      if (r.status === 'RUNNING') {
        r.status = 'ABORTED';
        r.error = 'RuntimeInterrupted';
        r.cause = 'the local runtime stopped (killed) while this execution was running';
        r.stopDate = stoppedAt;
        for (const s of r.states) if (s.status === 'running') s.status = 'failed';
        interrupted.push(r);
      }
      this.executions.push(r);
    }
    if (this.executions.length > keep) this.executions.splice(0, this.executions.length - keep);
    // An interrupted execution older than the kept ones is still reported (and re-run) once.
    for (const r of interrupted) if (!this.executions.includes(r)) this.executions.unshift(r);
    this.compact();
    return interrupted;
  }

  /** Appends an execution's line (synchronously: a compaction never races an append). */
  private journal(record: ExecutionRecord): void {
    const file = this.options.historyFile;
    if (file === undefined) return;
    appendFileSync(file, `${JSON.stringify(record)}\n`);
    this.journalLines++;
    if (this.journalLines > JOURNAL_FACTOR * (this.options.keep ?? 500)) this.compact();
  }

  /** Rewrites the journal as the kept executions' latest lines (a new file renamed into place). */
  private compact(): void {
    const file = this.options.historyFile;
    if (file === undefined) return;
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, this.executions.map((r) => `${JSON.stringify(r)}\n`).join(''));
    renameSync(tmp, file);
    this.journalLines = this.executions.length;
  }

  /** Waits for an execution to finish. */
  async wait(record: ExecutionRecord): Promise<ExecutionRecord> {
    await this.running.get(record.name)?.done;
    return record;
  }

  /** Mirrors the interpreter's events into the record's state list. */
  private track(record: ExecutionRecord, open: Map<string, StateRecord>, e: AslEvent): void {
    const key = `${e.state}#${e.index ?? ''}`;
    const at = new Date(e.at).toISOString();
    switch (e.type) {
      case 'entered': {
        const s: StateRecord = {
          name: e.state,
          type: e.stateType,
          ...(e.index === undefined ? {} : { index: e.index }),
          status: 'running',
          retries: 0,
          enteredAt: at,
        };
        open.set(key, s);
        record.states.push(s);
        this.emit({ type: 'state', execution: record, state: s });
        break;
      }
      case 'retried': {
        const s = open.get(key);
        if (s) {
          s.retries++;
          if (e.error !== undefined) s.error = e.error;
          this.emit({ type: 'state', execution: record, state: s, retrying: true });
        }
        break;
      }
      case 'failed': {
        const s = open.get(key);
        if (s && s.status === 'running') {
          s.status = 'failed';
          s.exitedAt = at;
          if (e.error !== undefined) s.error = e.error;
          this.emit({ type: 'state', execution: record, state: s });
        }
        break;
      }
      case 'caught':
      case 'exited': {
        const s = open.get(key);
        if (s && s.status === 'running') {
          s.status = e.type === 'caught' ? 'caught' : 'succeeded';
          s.exitedAt = at;
          if (s.status === 'succeeded') delete s.error;
          else if (e.error !== undefined) s.error = e.error;
          this.emit({ type: 'state', execution: record, state: s });
        }
        break;
      }
    }
  }
}
