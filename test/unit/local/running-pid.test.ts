/** `npm start` refuses a second runtime on one state folder — but not because of a dead one. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { pidFile, runningPid } from '../../../infra/local/paths.ts';

test('a killed runtime left as a zombie (its shell has not reaped it yet) is not running; a live one is', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'finml-pid-'));
  // The subshell exits and stays a zombie: its parent became `sleep`, which never reaps it.
  const parent = spawn('/bin/sh', ['-c', '(sleep 0.2; exit 0) & echo $!; exec sleep 5'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const zombie = Number(
      await new Promise<string>((resolve) =>
        parent.stdout.once('data', (d: Buffer) => resolve(d.toString())),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await writeFile(pidFile(dir), String(zombie));
    expect(await runningPid(dir)).toBeUndefined();
    await writeFile(pidFile(dir), String(parent.pid));
    expect(await runningPid(dir)).toBe(parent.pid);
  } finally {
    parent.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}, 20_000);
