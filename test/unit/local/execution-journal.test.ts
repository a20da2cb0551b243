/**
 * The local state machine's journal (executions.jsonl): bounded, whatever the number of executions —
 * it had one line per start and per end, forever (an execution of a 200-symbol file is ≈ 30 KB of
 * state records), and a restart read it whole. It is compacted to the kept executions.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { LocalLambda } from '../../../infra/local/lambda.ts';
import { LocalStateMachine } from '../../../infra/local/state-machine.ts';

const spec = {
  logicalId: 'Machine',
  name: 'machine',
  arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:machine',
  definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
};

test('the journal stays within four times `keep` lines, and a restart lists the newest kept executions', async () => {
  const historyFile = join(mkdtempSync(join(tmpdir(), 'finml-journal-')), 'executions.jsonl');
  const machine = new LocalStateMachine(spec, {} as LocalLambda, { historyFile, keep: 3 });
  const lines = () => readFileSync(historyFile, 'utf8').trim().split('\n').length;
  let most = 0;
  for (let i = 0; i < 40; i++) {
    await machine.wait(machine.start({ i }, `run-${String(i).padStart(2, '0')}`));
    most = Math.max(most, lines());
  }
  expect(most).toBeLessThanOrEqual(4 * 3 + 1);
  const again = new LocalStateMachine(spec, {} as LocalLambda, { historyFile, keep: 3 });
  expect(again.restore()).toEqual([]);
  expect(again.executions.map((e) => [e.name, e.status])).toEqual([
    ['run-37', 'SUCCEEDED'],
    ['run-38', 'SUCCEEDED'],
    ['run-39', 'SUCCEEDED'],
  ]);
  // The restart compacted it: one line per kept execution.
  expect(lines()).toBe(3);
});
