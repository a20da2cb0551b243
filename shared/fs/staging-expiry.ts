/**
 * The local counterpart of the lake's lifecycle rule on `staging/` (infra/constructs/data-lake.ts):
 * what a `finml pipeline` run that died (kill -9, a crash, a power cut) left in a folder's
 * `staging/<run id>/` is deleted once it is older than `lake.stagingExpirationDays`, so repeated
 * crashes cannot fill the disk. A run deletes its own staging when it ends; a folder still written
 * to has a recent modification time, so a run in progress is never touched.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Deletes the run folders under `<root>/staging/` not modified for `days` days; returns their paths. */
export function expireStaging(roots: readonly string[], days: number, now: Date = new Date()): string[] {
  const cutoff = now.getTime() - days * 86_400_000;
  const expired: string[] = [];
  for (const root of roots) {
    const staging = join(root, 'staging');
    let runs: string[];
    try {
      runs = readdirSync(staging);
    } catch {
      continue; // no staging folder: nothing died here
    }
    for (const run of runs) {
      const path = join(staging, run);
      if (newestChange(path) < cutoff) {
        rmSync(path, { recursive: true, force: true });
        expired.push(path);
      }
    }
  }
  return expired;
}

/** The newest modification time (ms) of a folder and everything in it. */
function newestChange(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (s === undefined) return Number.POSITIVE_INFINITY; // gone meanwhile: leave it
  let newest = s.mtimeMs;
  if (s.isDirectory()) {
    for (const name of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, name)));
  }
  return newest;
}
