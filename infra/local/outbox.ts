/**
 * The local stand-in for the SNS alert topic: each message becomes one JSON file in an outbox folder
 * (subject as SNS would accept it, body, severity, fingerprint, time), written atomically.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { snsSubject } from '#shared/aws/sns-publisher';
import type { AlertPublisher } from '#shared/ports';

export interface OutboxMessage {
  /** The topic the message was published to. */
  topicArn: string;
  subject: string;
  body: string;
  severity: string;
  fingerprint: string;
  /** When it was published (ISO 8601). */
  time: string;
}

export class OutboxAlertPublisher implements AlertPublisher {
  constructor(
    private readonly directory: string,
    private readonly topicArn: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Writes `<time>-<fingerprint prefix>-<random>.json`; file names sort by time. */
  async publish(message: {
    subject: string;
    body: string;
    severity: string;
    fingerprint: string;
  }): Promise<void> {
    const time = this.now().toISOString();
    const record: OutboxMessage = {
      topicArn: this.topicArn,
      subject: snsSubject(message.subject),
      body: message.body,
      severity: message.severity,
      fingerprint: message.fingerprint,
      time,
    };
    await mkdir(this.directory, { recursive: true });
    const name = `${time.replace(/[:.]/g, '-')}-${message.fingerprint.slice(0, 12) || 'alert'}-${randomBytes(3).toString('hex')}.json`;
    const temporary = join(this.directory, `.${name}.tmp`);
    await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
    await rename(temporary, join(this.directory, name));
  }
}

/** The message files of an outbox folder, oldest first (an absent folder has none). */
async function messageFiles(directory: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
}

/** The messages in an outbox folder, oldest first (an absent folder is an empty outbox). */
export async function readOutbox(directory: string): Promise<OutboxMessage[]> {
  return readMessages(directory, await messageFiles(directory));
}

/** The newest `limit` messages of an outbox folder, newest first, and how many it holds. */
export async function newestOutbox(
  directory: string,
  limit: number,
): Promise<{ total: number; items: OutboxMessage[] }> {
  const files = await messageFiles(directory);
  const items = await readMessages(directory, files.slice(Math.max(0, files.length - limit)));
  return { total: files.length, items: items.reverse() };
}

async function readMessages(directory: string, files: readonly string[]): Promise<OutboxMessage[]> {
  const messages: OutboxMessage[] = [];
  // One file at a time: a folder of thousands never holds thousands of descriptors open at once.
  for (const n of files) {
    try {
      messages.push(JSON.parse(await readFile(join(directory, n), 'utf8')) as OutboxMessage);
    } catch (error) {
      // Pruned between the listing and the read: it is no longer in the outbox.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return messages;
}

/**
 * Deletes all but the newest `keep` messages of an outbox folder (functions.localOutboxMaxMessages),
 * oldest first; returns how many it deleted.
 */
export async function pruneOutbox(directory: string, keep: number): Promise<number> {
  const files = await messageFiles(directory);
  const old = files.slice(0, Math.max(0, files.length - keep));
  for (const n of old) await rm(join(directory, n), { force: true });
  return old.length;
}
