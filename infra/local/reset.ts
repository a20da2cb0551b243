/**
 * `npm run reset`: deletes the local runtime's state folder (buckets, tables, models, alerts, logs,
 * the API key). Refuses while `npm start` runs on it, and refuses a folder that is not a FINML state
 * folder.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { displayPath, REPO_ROOT, runningPid, stateDirFromEnv } from './paths.ts';

const MARKERS = ['api-key', 's3', 'dynamodb', 'outbox', 'logs', 'cdk.out', 'executions.jsonl'];

async function main(): Promise<number> {
  const dir = stateDirFromEnv();
  const shown = displayPath(dir);
  if (!existsSync(dir)) {
    console.log(`Nothing to reset: ${shown}/ does not exist.`);
    return 0;
  }
  if (dir === REPO_ROOT || dir === join(REPO_ROOT, '') || !MARKERS.some((m) => existsSync(join(dir, m)))) {
    console.error(`${shown} does not look like a FINML state folder; not deleting it.`);
    return 1;
  }
  const pid = await runningPid(dir);
  if (pid !== undefined) {
    console.error(`FINML is running on ${shown}/ (pid ${pid}): stop it (Ctrl-C) first.`);
    return 1;
  }
  await rm(dir, { recursive: true, force: true });
  console.log(
    `Deleted ${shown}/ (buckets, tables, models, alerts, logs, API key). \`npm start\` begins afresh.`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
);
