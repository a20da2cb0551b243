import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import { asTransientAwsError, isTransientAwsError, TransientAwsError } from '#shared/aws/errors';
import { PointerConflictError } from '#shared/ports';

const s3Error = (name: string, status?: number) =>
  new S3ServiceException({
    name,
    $fault: status !== undefined && status >= 500 ? 'server' : 'client',
    $metadata: status === undefined ? {} : { httpStatusCode: status },
  });

const socketError = (code: string) => Object.assign(new Error(`socket ${code}`), { code });

describe('isTransientAwsError', () => {
  test.each([
    [
      'ProvisionedThroughputExceeded',
      new ProvisionedThroughputExceededException({ message: 'x', $metadata: {} }),
    ],
    ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'x', $metadata: {} })],
    [
      'ThrottlingException',
      new DynamoDBServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: {} }),
    ],
    ['S3 SlowDown (503)', s3Error('SlowDown', 503)],
    ['an unnamed 500', s3Error('UnknownError', 500)],
    ['a 502 gateway error', s3Error('Unknown', 502)],
    ['HTTP 429', s3Error('TooMany', 429)],
    [
      'InternalServerError',
      new DynamoDBServiceException({ name: 'InternalServerError', $fault: 'server', $metadata: {} }),
    ],
    ['a smithy TimeoutError', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['ECONNRESET', socketError('ECONNRESET')],
    ['ETIMEDOUT', socketError('ETIMEDOUT')],
    ['an error marked $retryable', Object.assign(new Error('x'), { $retryable: { throttling: true } })],
    ['a TransientAwsError', new TransientAwsError('wrapped')],
    ['an error caused by throttling', new Error('outer', { cause: s3Error('SlowDown', 503) })],
  ])('%s is transient', (_label, error) => {
    expect(isTransientAwsError(error)).toBe(true);
  });

  test.each([
    [
      'ConditionalCheckFailed',
      new ConditionalCheckFailedException({ message: 'x', $metadata: { httpStatusCode: 400 } }),
    ],
    ['ResourceNotFound', new ResourceNotFoundException({ message: 'x', $metadata: { httpStatusCode: 400 } })],
    ['NoSuchKey (404)', new NoSuchKey({ message: 'x', $metadata: { httpStatusCode: 404 } })],
    ['AccessDenied (403)', s3Error('AccessDenied', 403)],
    [
      'ValidationException (400)',
      new DynamoDBServiceException({
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    ['a plain Error', new Error('bug')],
    ['a PointerConflictError', new PointerConflictError('lost')],
    ['a string', 'ECONNRESET'],
    ['null', null],
    ['undefined', undefined],
  ])('%s is not transient', (_label, error) => {
    expect(isTransientAwsError(error)).toBe(false);
  });

  test('an error that is its own cause does not loop', () => {
    const error = new Error('self');
    (error as { cause?: unknown }).cause = error;
    expect(isTransientAwsError(error)).toBe(false);
  });
});

describe('TransientAwsError and asTransientAwsError', () => {
  test('TransientAwsError has a stable name for the state machine Retry', () => {
    expect(new TransientAwsError('x').name).toBe('TransientAwsError');
  });

  test('a transient error is wrapped with the original as cause and its name in the message', () => {
    const original = s3Error('SlowDown', 503);
    const wrapped = asTransientAwsError(original);
    expect(wrapped).toBeInstanceOf(TransientAwsError);
    expect((wrapped as Error).cause).toBe(original);
    expect((wrapped as Error).message).toContain('SlowDown');
  });

  test('a permanent error is returned unchanged, and so is an already wrapped one', () => {
    const permanent = new ConditionalCheckFailedException({ message: 'x', $metadata: {} });
    expect(asTransientAwsError(permanent)).toBe(permanent);
    const wrapped = new TransientAwsError('x');
    expect(asTransientAwsError(wrapped)).toBe(wrapped);
  });
});
