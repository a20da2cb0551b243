import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, test } from 'vitest';
import { SNS_SUBJECT_MAX_CHARS, SnsAlertPublisher, snsSubject } from '#shared/aws/sns-publisher';

const snsMock = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:finml-alerts';
const publisher = () => new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC);

beforeEach(() => {
  snsMock.reset();
});

describe('SnsAlertPublisher', () => {
  test('publishes subject, body and the severity and fingerprint attributes to the topic', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm1' });
    await publisher().publish({
      subject: 'Drift on SPX',
      body: 'PSI 0.31 > 0.25',
      severity: 'warning',
      fingerprint: 'drift:SPX',
    });
    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: TOPIC,
      Subject: 'Drift on SPX',
      Message: 'PSI 0.31 > 0.25',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'warning' },
        fingerprint: { DataType: 'String', StringValue: 'drift:SPX' },
      },
    });
  });

  test('a subject with line breaks and 150 characters is flattened and cut below 100 characters', async () => {
    snsMock.on(PublishCommand).resolves({});
    await publisher().publish({
      subject: `Line one\r\nline two ${'x'.repeat(150)}`,
      body: 'b',
      severity: 's',
      fingerprint: 'f',
    });
    const subject = snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Subject ?? '';
    expect(subject.startsWith('Line one line two xxx')).toBe(true);
    expect(subject).toHaveLength(99);
    expect(subject.endsWith('...')).toBe(true);
  });

  test('empty subject and attributes are left out (SNS rejects empty values)', async () => {
    snsMock.on(PublishCommand).resolves({});
    await publisher().publish({ subject: ' \n ', body: 'b', severity: '', fingerprint: '' });
    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).not.toHaveProperty('Subject');
    expect(input?.MessageAttributes).toEqual({});
  });
});

describe('snsSubject', () => {
  test('a short clean subject is unchanged', () => {
    expect(snsSubject('Model v2 promoted')).toBe('Model v2 promoted');
  });

  test('any subject becomes one line of fewer than 100 code points, unchanged when already valid', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (input) => {
        const subject = snsSubject(input);
        expect(Array.from(subject).length).toBeLessThanOrEqual(SNS_SUBJECT_MAX_CHARS);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for control characters
        expect(subject).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
        expect(snsSubject(subject)).toBe(subject);
      }),
    );
  });

  test('a long subject is cut at a word, not inside a number', () => {
    const subject = snsSubject(
      '[FINML HIGH] Data drift on S0005 log_return: PSI 1.547 (above its calibrated threshold), KS D 0.4127 (above its threshold)',
    );
    expect(subject).toBe(
      '[FINML HIGH] Data drift on S0005 log_return: PSI 1.547 (above its calibrated threshold), KS D...',
    );
  });

  test('a cut never splits a surrogate pair', () => {
    const subject = snsSubject('😀'.repeat(120));
    expect(Array.from(subject)).toHaveLength(99);
    expect(subject.startsWith('😀'.repeat(96))).toBe(true);
  });
});
