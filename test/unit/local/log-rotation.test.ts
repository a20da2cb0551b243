/**
 * The local runtime's function logs are bounded (config functions.localLogMaxMiB): past the limit a
 * log becomes `<name>.log.1` and a new one begins — two files at most, whatever the invocations.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { FunctionLogs } from '../../../infra/local/logs.ts';

test('a function log is rotated past its limit: two files, each near the limit, the newest lines in .log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finml-logs-'));
  const logs = new FunctionLogs(dir, 4096);
  logs.install();
  try {
    for (let i = 0; i < 300; i++) {
      await logs.run('Fn', `req-${i}`, async () => {
        process.stdout.write(`line ${i} ${'x'.repeat(40)}\n`);
      });
    }
  } finally {
    await logs.close();
  }
  expect(readdirSync(dir).sort()).toEqual(['Fn.log', 'Fn.log.1']);
  // Each at most the limit plus one write (a turn of the event loop writes up to 16 KiB at once).
  for (const f of ['Fn.log', 'Fn.log.1']) expect(statSync(join(dir, f)).size).toBeLessThan(4096 + 16_384);
  const newest = readFileSync(join(dir, 'Fn.log'), 'utf8');
  expect(newest).toContain('REPORT RequestId: req-299');
  expect(newest).not.toContain('RequestId: req-0 ');
});
