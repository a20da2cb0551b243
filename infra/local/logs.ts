/**
 * Function logs on one machine: whatever a handler writes to stdout/stderr (Powertools' JSON lines,
 * console.*) while it runs goes to `<logs>/<function>.log`, like its CloudWatch log group, with
 * START / END / REPORT lines around each invocation. Everything else still reaches the terminal.
 *
 * Attribution uses AsyncLocalStorage, so concurrent invocations of different functions (the gold Map,
 * API requests during a pipeline run) each land in their own file.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

type Write = typeof process.stdout.write;

interface Invocation {
  readonly stream: WriteStream;
}

export class FunctionLogs {
  private readonly storage = new AsyncLocalStorage<Invocation>();
  private readonly streams = new Map<string, WriteStream>();
  private restore: (() => void) | undefined;
  private closed = false;

  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  /** Routes process.stdout/stderr writes made inside an invocation to its log file. */
  install(): void {
    if (this.restore) return;
    const patch = (target: NodeJS.WriteStream) => {
      const original = target.write;
      const storage = this.storage;
      target.write = function write(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
        const invocation = storage.getStore();
        if (invocation === undefined) return (original as Write).apply(this, [chunk, ...rest] as never);
        invocation.stream.write(chunk as string | Uint8Array);
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

  private stream(file: string): WriteStream {
    let s = this.streams.get(file);
    if (s === undefined) {
      s = createWriteStream(join(this.directory, `${file}.log`), { flags: 'a' });
      this.streams.set(file, s);
    }
    return s;
  }

  /** Runs `work` with its output going to `<file>.log`, framed by START / END / REPORT lines. */
  async run<T>(file: string, requestId: string, work: () => Promise<T>): Promise<T> {
    // Closed (the runtime is stopping): output goes where it would without the log files.
    if (this.closed) return work();
    const stream = this.stream(file);
    const started = performance.now();
    stream.write(`${new Date().toISOString()} START RequestId: ${requestId} Version: $LATEST\n`);
    let status = 'ok';
    try {
      return await this.storage.run({ stream }, work);
    } catch (error) {
      status = `error ${(error as Error)?.name ?? 'Error'}`;
      throw error;
    } finally {
      const ms = (performance.now() - started).toFixed(1);
      const at = new Date().toISOString();
      stream.write(
        `${at} END RequestId: ${requestId}\n${at} REPORT RequestId: ${requestId} Duration: ${ms} ms Status: ${status}\n`,
      );
    }
  }

  /** Restores stdout/stderr and closes the log files. */
  async close(): Promise<void> {
    this.closed = true;
    this.restore?.();
    this.restore = undefined;
    await Promise.all(
      [...this.streams.values()].map((s) => new Promise<void>((resolve) => s.end(() => resolve()))),
    );
    this.streams.clear();
  }
}
