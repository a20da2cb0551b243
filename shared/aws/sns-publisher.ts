/**
 * AlertPublisher on an SNS topic (the e-mail subscription gets Subject + Message).
 */
import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertPublisher } from '#shared/ports';

/** SNS: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 characters long." */
export const SNS_SUBJECT_MAX_CHARS = 99;

const ELLIPSIS = '...';

/** C0 and C1 control characters (line breaks included) and the Unicode line/paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * A subject SNS accepts: control characters and line breaks become spaces, runs of white space collapse,
 * ends are trimmed, and a longer subject is cut to 99 characters (code points) ending in "..." — at
 * the last space when there is one in its second half, so a number is not cut ("KS D 0....").
 */
export function snsSubject(subject: string): string {
  const flat = subject.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  const codePoints = Array.from(flat);
  if (codePoints.length <= SNS_SUBJECT_MAX_CHARS) return flat;
  const room = SNS_SUBJECT_MAX_CHARS - ELLIPSIS.length;
  let cut = codePoints.slice(0, room);
  const space = cut.lastIndexOf(' ');
  if (codePoints[room] !== ' ' && space >= room / 2) cut = cut.slice(0, space);
  return (
    cut
      .join('')
      .trimEnd()
      .replace(/[,;:]$/, '') + ELLIPSIS
  );
}

function stringAttribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** Publishes alerts to one SNS topic with `severity` and `fingerprint` message attributes (for filter policies). */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  /** Publish: Subject sanitised by snsSubject (omitted when empty); empty attributes are left out (SNS rejects them). */
  async publish(message: {
    subject: string;
    body: string;
    severity: string;
    fingerprint: string;
  }): Promise<void> {
    const subject = snsSubject(message.subject);
    const attributes: Record<string, MessageAttributeValue> = {};
    if (message.severity !== '') attributes.severity = stringAttribute(message.severity);
    if (message.fingerprint !== '') attributes.fingerprint = stringAttribute(message.fingerprint);
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: message.body,
        ...(subject === '' ? {} : { Subject: subject }),
        MessageAttributes: attributes,
      }),
    );
  }
}
