/** Where the local runtime keeps things (light module: no AWS or CDK imports). */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The state folder: FINML_STATE_DIR, else `.finml/` in the repository. */
export function stateDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.FINML_STATE_DIR;
  if (!dir) return join(REPO_ROOT, '.finml');
  return isAbsolute(dir) ? dir : resolve(process.cwd(), dir);
}

/** The pid file of a running `npm start` (so `npm run reset` does not pull the floor from under it). */
export const pidFile = (stateDir: string): string => join(stateDir, 'runtime.pid');

/** The pid in the state folder's pid file if that process is alive. */
export async function runningPid(stateDir: string): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  let pid: number;
  try {
    pid = Number((await readFile(pidFile(stateDir), 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  // A runtime just killed (kill -9) can linger a moment, or stay a zombie until its shell reaps it:
  // neither is running. Up to a second for it to go.
  for (let waited = 0; ; waited += 100) {
    if (!(await alive(pid))) return undefined;
    if (waited >= 1000) return pid;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether the process exists and is not a zombie (Linux: its /proc state is not Z or X). */
async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): kill(pid, 0) is all there is
  }
}

/** A folder as a user would type it: relative to the current folder when inside it, else absolute. */
export function displayPath(dir: string): string {
  const r = relative(process.cwd(), dir);
  return r === '' ? '.' : r.startsWith('..') ? dir : r;
}
