/**
 * The local stand-in for the SNS alert topic: each message becomes one JSON file in an outbox folder
 * (subject as SNS would accept it, body, severity, fingerprint, time), written atomically.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
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

/** The messages in an outbox folder, oldest first (an absent folder is an empty outbox). */
export async function readOutbox(directory: string): Promise<OutboxMessage[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  return Promise.all(
    files.map(async (n) => JSON.parse(await readFile(join(directory, n), 'utf8')) as OutboxMessage),
  );
}
