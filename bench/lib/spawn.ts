/**
 * Runs one measurement in a fresh Node process. By default the case's measure module is first
 * bundled with esbuild (as the Lambda functions are), so the child runs plain JavaScript: no
 * TypeScript loader in its memory (tsx adds ≈ 30 MiB of RSS) or its start-up. `--tsx` runs the
 * sources through tsx instead.
 */
import { fork } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BenchCase, ChildReport, JsonObject } from './types.ts';

export type Runtime = 'bundle' | 'tsx';

/** How a child is started: a bundle file, or the tsx entry with the module's URL. */
export type ChildProgram = { runtime: 'bundle'; file: string } | { runtime: 'tsx'; moduleUrl: string };

const runtimeFile = fileURLToPath(new URL('./child-runtime.ts', import.meta.url));
const tsxEntry = fileURLToPath(new URL('./child-entry.ts', import.meta.url));

/** Prepares the program a case's children run (bundles it, for the bundle runtime). */
export async function childProgram(c: BenchCase, runtime: Runtime, cacheDir: string): Promise<ChildProgram> {
  if (runtime === 'tsx') return { runtime, moduleUrl: c.measureModule.href };
  const dir = join(cacheDir, 'bundles');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${c.name}.mjs`);
  const measurePath = fileURLToPath(c.measureModule);
  await build({
    stdin: {
      contents: [
        `import { measure } from ${JSON.stringify(measurePath)};`,
        `import { runChild } from ${JSON.stringify(runtimeFile)};`,
        'await runChild(measure);',
      ].join('\n'),
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      sourcefile: `${c.name}-child.ts`,
      loader: 'ts',
    },
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked', // DevTools maps a --profile output back to the sources with it
    // CommonJS dependencies (yaml) call require() for built-ins: give the ESM bundle one.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return { runtime, file };
}

export interface ChildOptions {
  timeoutSeconds: number;
  /** Extra Node flags, e.g. `--max-semi-space-size=64`. */
  nodeOptions?: readonly string[];
  /** Write a V8 CPU profile of the child into this folder. */
  cpuProfile?: { dir: string; name: string };
}

export interface ChildOutcome {
  report: ChildReport;
  /** Wall time of the whole child process, start-up included. */
  processSeconds: number;
}

/** Starts the child with `params`, waits for its report and its exit. */
export function runInChild(
  program: ChildProgram,
  params: JsonObject,
  options: ChildOptions,
): Promise<ChildOutcome> {
  const execArgv: string[] = program.runtime === 'tsx' ? ['--import', 'tsx'] : [];
  execArgv.push(...(options.nodeOptions ?? []));
  if (options.cpuProfile) {
    execArgv.push(
      '--cpu-prof',
      `--cpu-prof-dir=${options.cpuProfile.dir}`,
      `--cpu-prof-name=${options.cpuProfile.name}.cpuprofile`,
    );
  }
  const [modulePath, args] =
    program.runtime === 'bundle'
      ? [program.file, [JSON.stringify(params)]]
      : [tsxEntry, [program.moduleUrl, JSON.stringify(params)]];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // execArgv is set explicitly: the child must not inherit the parent's tsx loader.
    const child = fork(modulePath, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report: ChildReport | undefined;
    const timer = setTimeout(() => {
      report = { ok: false, error: `timed out after ${options.timeoutSeconds} s` };
      child.kill('SIGKILL');
    }, options.timeoutSeconds * 1000);
    child.on('message', (message) => {
      report ??= message as ChildReport;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const processSeconds = (performance.now() - started) / 1000;
      resolve({
        report: report ?? {
          ok: false,
          error: `the child exited (${signal ?? `code ${code}`}) without a report (see its stderr above)`,
        },
        processSeconds,
      });
    });
  });
}
