import { describe, expect, test } from 'vitest';
import {
  createDynamoClient,
  createDynamoDocumentClient,
  createS3Client,
  createSnsClient,
  environmentEndpoint,
} from '#shared/aws/clients';
import { createTableInput } from '#shared/aws/provision';
import { OUTCOME_INDEX_NAME, PREDICTION_LOG_TABLE, REGISTRY_TABLE } from '#shared/aws/tables';

/** Resolves a client config value that the SDK may hold as a provider function. */
async function resolved<T>(value: T | (() => Promise<T>) | undefined): Promise<T | undefined> {
  return typeof value === 'function' ? (value as () => Promise<T>)() : value;
}

describe('environmentEndpoint', () => {
  test('prefers the service variable, then the global one', () => {
    expect(
      environmentEndpoint('S3', { AWS_ENDPOINT_URL_S3: 'http://s3', AWS_ENDPOINT_URL: 'http://all' }),
    ).toBe('http://s3');
    expect(environmentEndpoint('DYNAMODB', { AWS_ENDPOINT_URL: 'http://all' })).toBe('http://all');
    expect(environmentEndpoint('SNS', {})).toBeUndefined();
  });

  test('is ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true', () => {
    expect(
      environmentEndpoint('S3', {
        AWS_ENDPOINT_URL_S3: 'http://s3',
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
      }),
    ).toBeUndefined();
  });
});

describe('createS3Client', () => {
  test('computes and validates checksums only when required', async () => {
    const client = createS3Client({ region: 'eu-west-1', env: {} });
    expect(await resolved(client.config.requestChecksumCalculation)).toBe('WHEN_REQUIRED');
    expect(await resolved(client.config.responseChecksumValidation)).toBe('WHEN_REQUIRED');
    client.destroy();
  });

  test('uses virtual-hosted addressing on AWS and path style with a custom endpoint', () => {
    const aws = createS3Client({ region: 'eu-west-1', env: {} });
    const local = createS3Client({ endpoint: 'http://127.0.0.1:4569', env: {} });
    const fromEnv = createS3Client({ env: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569' } });
    expect(aws.config.forcePathStyle).toBeFalsy();
    expect(local.config.forcePathStyle).toBe(true);
    expect(fromEnv.config.forcePathStyle).toBe(true);
    for (const c of [aws, local, fromEnv]) c.destroy();
  });

  test('defaults the region to us-east-1 only for a custom endpoint without AWS_REGION', async () => {
    const local = createS3Client({ endpoint: 'http://127.0.0.1:4569', env: {} });
    const withRegion = createS3Client({
      env: { AWS_ENDPOINT_URL_S3: 'http://x', AWS_REGION: 'eu-central-1' },
    });
    expect(await resolved(local.config.region)).toBe('us-east-1');
    expect(await resolved(withRegion.config.region)).toBe('eu-central-1');
    for (const c of [local, withRegion]) c.destroy();
  });

  test('an explicit endpoint is used for requests', async () => {
    const client = createS3Client({ endpoint: 'http://127.0.0.1:4569', env: {} });
    const endpoint = await resolved(client.config.endpoint);
    expect(endpoint).toMatchObject({ hostname: '127.0.0.1', port: 4569, protocol: 'http:' });
    client.destroy();
  });
});

describe('DynamoDB and SNS clients', () => {
  test('take the region from AWS_REGION, or us-east-1 with a custom endpoint', async () => {
    const dynamo = createDynamoClient({ env: { AWS_REGION: 'ap-southeast-2' } });
    const sns = createSnsClient({ env: { AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:1' } });
    expect(await resolved(dynamo.config.region)).toBe('ap-southeast-2');
    expect(await resolved(sns.config.region)).toBe('us-east-1');
    for (const c of [dynamo, sns]) c.destroy();
  });

  test('the document client drops undefined values instead of failing', () => {
    const doc = createDynamoDocumentClient({ region: 'us-east-1', env: {} });
    expect(doc.config.translateConfig?.marshallOptions?.removeUndefinedValues).toBe(true);
    doc.destroy();
  });
});

describe('table definitions', () => {
  test('the registry table has string keys pk (HASH) and sk (RANGE)', () => {
    expect(createTableInput('r', REGISTRY_TABLE)).toEqual({
      TableName: 'r',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
  });

  test('the prediction log has the byOutcome index on outcomePk and sk, and a TTL on expiresAt', () => {
    const input = createTableInput('p', PREDICTION_LOG_TABLE);
    expect(input.AttributeDefinitions).toContainEqual({ AttributeName: 'outcomePk', AttributeType: 'S' });
    expect(input.AttributeDefinitions).toHaveLength(3);
    expect(input.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: OUTCOME_INDEX_NAME,
        KeySchema: [
          { AttributeName: 'outcomePk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(PREDICTION_LOG_TABLE.timeToLiveAttribute).toBe('expiresAt');
  });
});
