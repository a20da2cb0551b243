/**
 * Function logs on one machine: whatever a handler writes to stdout/stderr (Powertools' JSON lines,
 * console.*) while it runs goes to `<logs>/<function>.log`, like its CloudWatch log group, with
 * START / END / REPORT lines around each invocation. Everything else still reaches the terminal.
 *
 * Attribution uses the invocation's context in the runtime's InvokeStore (./invoke-store.ts, an
 * AsyncLocalStorage), so concurrent invocations of different functions (the gold Map, API requests
 * during a pipeline run) each land in their own file. A file's lines are gathered during one turn of
 * the event loop and written together (in their order): at thousands of invocations a second, one
 * write a turn instead of three an invocation.
 */
import { createWriteStream, fstatSync, mkdirSync, openSync, renameSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { invokeStore, LocalInvokeStore } from './invoke-store.ts';

type Write = typeof process.stdout.write;

/** Where the log file of an invocation is kept in its context (private to the local runtime). */
const LOG_FILE = Symbol('finml.local.logFile');

/** Text a log file gathers at most before it writes it (characters). */
const FLUSH_AT_CHARS = 16_384;

/**
 * One function's log file: text appended during a turn of the event loop, written at its end. Past
 * `maxBytes` the file is renamed to `<name>.log.1` (replacing the one before) and a new one begun, as
 * a log group's retention bounds CloudWatch: two files at most, whatever the invocations.
 */
class LogFile {
  private pending = '';
  private scheduled = false;
  private ended = false;
  private readonly flushNow = () => this.flush();
  private stream: WriteStream;
  private bytes: number;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
  ) {
    const fd = openSync(path, 'a');
    this.bytes = fstatSync(fd).size;
    this.stream = createWriteStream(path, { fd });
  }

  /** A stream on the file, opened now (so the file exists before the first write). */
  private static open(path: string): WriteStream {
    return createWriteStream(path, { fd: openSync(path, 'a') });
  }

  write(chunk: string | Uint8Array): void {
    // An invocation that outlived the runtime's stop has nowhere to write.
    if (this.ended) return;
    if (typeof chunk !== 'string') {
      // Bytes go out as they are, after the text before them.
      this.flush();
      this.stream.write(chunk);
      return;
    }
    this.pending += chunk;
    // A long turn (a burst of invocations) writes as it goes: a long rope is slow to encode.
    if (this.pending.length >= FLUSH_AT_CHARS) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    const size = Buffer.byteLength(text);
    if (this.bytes > 0 && this.bytes + size > this.maxBytes) this.rotate();
    this.stream.write(text);
    this.bytes += size;
  }

  /** The full file becomes `.1` (its stream finishes writing into it there); a new file begins. */
  private rotate(): void {
    this.stream.end();
    renameSync(this.path, `${this.path}.1`);
    this.stream = LogFile.open(this.path);
    this.bytes = 0;
  }

  /** Writes what is pending and closes the file. */
  end(): Promise<void> {
    this.flush();
    this.ended = true;
    return new Promise<void>((resolve) => this.stream.end(() => resolve()));
  }
}

/** An ISO timestamp, formatted once per millisecond (every line of an invocation has one). */
let isoAt = 0;
let iso = new Date(0).toISOString();
function nowIso(): string {
  const now = Date.now();
  if (now !== isoAt) {
    isoAt = now;
    iso = new Date(now).toISOString();
  }
  return iso;
}

export class FunctionLogs {
  private readonly files = new Map<string, LogFile>();
  private restore: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly directory: string,
    /** A function's log file is rotated past this many bytes (config functions.localLogMaxMiB). */
    private readonly maxBytes = 64 * 2 ** 20,
  ) {
    mkdirSync(directory, { recursive: true });
  }

  /** Routes process.stdout/stderr writes made inside an invocation to its log file. */
  install(): void {
    if (this.restore) return;
    const patch = (target: NodeJS.WriteStream) => {
      const original = target.write;
      target.write = function write(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
        const file = invokeStore.get<LogFile>(LOG_FILE);
        if (file === undefined) return (original as Write).apply(this, [chunk, ...rest] as never);
        file.write(chunk as string | Uint8Array);
        const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      } as Write;
      return () => {
        target.write = original;
      };
    };
    const undo = [patch(process.stdout), patch(process.stderr)];
    this.restore = () => {
      for (const u of undo) u();
    };
  }

  private file(name: string): LogFile {
    let f = this.files.get(name);
    if (f === undefined) {
      f = new LogFile(join(this.directory, `${name}.log`), this.maxBytes);
      this.files.set(name, f);
    }
    return f;
  }

  /**
   * Runs `work` as invocation `requestId` — in its own InvokeStore context — with its output going to
   * `<file>.log`, framed by START / END / REPORT lines.
   */
  async run<T>(file: string, requestId: string, work: () => Promise<T>): Promise<T> {
    // Closed (the runtime is stopping): output goes where it would without the log files.
    if (this.closed) return invokeStore.run(LocalInvokeStore.context(requestId), work);
    const log = this.file(file);
    const started = performance.now();
    log.write(`${nowIso()} START RequestId: ${requestId} Version: $LATEST\n`);
    let status = 'ok';
    try {
      return await invokeStore.run(LocalInvokeStore.context(requestId, { [LOG_FILE]: log }), work);
    } catch (error) {
      status = `error ${(error as Error)?.name ?? 'Error'}`;
      throw error;
    } finally {
      const ms = (performance.now() - started).toFixed(1);
      const at = nowIso();
      log.write(
        `${at} END RequestId: ${requestId}\n${at} REPORT RequestId: ${requestId} Duration: ${ms} ms Status: ${status}\n`,
      );
    }
  }

  /** Restores stdout/stderr and closes the log files (after writing what they hold). */
  async close(): Promise<void> {
    this.closed = true;
    this.restore?.();
    this.restore = undefined;
    await Promise.all([...this.files.values()].map((f) => f.end()));
    this.files.clear();
  }
}
