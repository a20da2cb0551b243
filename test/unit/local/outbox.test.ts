/**
 * The local alert outbox (the SNS topic's stand-in): messages as files, the newest of them read
 * for GET /local/outbox, and the retention that keeps a long-running runtime's folder bounded
 * (functions.localOutboxMaxMessages).
 */
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { newestOutbox, OutboxAlertPublisher, pruneOutbox, readOutbox } from '../../../infra/local/outbox.ts';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:finml-alerts';

/** An outbox with `n` messages published one second apart, subjects "alert 0" … "alert n-1". */
async function outboxWith(n: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'finml-outbox-'));
  let t = Date.parse('2026-12-01T00:00:00Z');
  const publisher = new OutboxAlertPublisher(dir, TOPIC, () => new Date(t));
  for (let i = 0; i < n; i++) {
    await publisher.publish({ subject: `alert ${i}`, body: 'b', severity: 'low', fingerprint: `fp${i}` });
    t += 1000;
  }
  return dir;
}

describe('the local outbox', () => {
  test('reads its messages oldest first, and an absent folder as empty', async () => {
    const dir = await outboxWith(3);
    expect((await readOutbox(dir)).map((m) => m.subject)).toEqual(['alert 0', 'alert 1', 'alert 2']);
    expect(await readOutbox(join(dir, 'missing'))).toEqual([]);
  });

  test('the newest page comes newest first with the total, whatever else lies in the folder', async () => {
    const dir = await outboxWith(5);
    await writeFile(join(dir, '.half-written.json.tmp'), '{');
    await writeFile(join(dir, 'notes.txt'), 'not a message');
    const page = await newestOutbox(dir, 2);
    expect(page.total).toBe(5);
    expect(page.items.map((m) => m.subject)).toEqual(['alert 4', 'alert 3']);
    expect((await newestOutbox(dir, 50)).items).toHaveLength(5);
  });

  test('pruning keeps the newest messages and deletes the oldest', async () => {
    const dir = await outboxWith(6);
    expect(await pruneOutbox(dir, 4)).toBe(2);
    expect((await readOutbox(dir)).map((m) => m.subject)).toEqual([
      'alert 2',
      'alert 3',
      'alert 4',
      'alert 5',
    ]);
    expect(await pruneOutbox(dir, 4)).toBe(0);
    expect(await readdir(dir)).toHaveLength(4);
    expect(await pruneOutbox(join(dir, 'missing'), 4)).toBe(0);
  });
});
