/**
 * The local runtime's emulation rules, checked without servers: EventBridge patterns and input
 * transformers, schedule expressions, the request-model validator, intrinsic functions and the
 * deployment plan of a small template.
 */
import { describe, expect, test } from 'vitest';
import { planDeployment } from '../../../infra/local/deployment.ts';
import {
  type EventBridgeEvent,
  matchesPattern,
  s3EventToEventBridge,
  transformInput,
} from '../../../infra/local/events.ts';
import { resolve, UnresolvableError } from '../../../infra/local/intrinsics.ts';
import { schemaViolation } from '../../../infra/local/json-schema.ts';
import { parseSchedule, ScheduleExpressionError } from '../../../infra/local/schedule-expression.ts';
import type { CfnTemplate } from '../../../infra/local/template.ts';

const RULE = { name: 'Finml-Rule', arn: 'arn:aws:events:us-east-1:000000000000:rule/Finml-Rule' };

function s3Event(key: string, bucket = 'finml-bronze'): EventBridgeEvent {
  return s3EventToEventBridge(
    {
      eventName: 'ObjectCreated:Put',
      eventTime: '2024-03-01T10:00:00.123Z',
      s3: { bucket: { name: bucket }, object: { key, size: 10, eTag: 'abc123', sequencer: '1' } },
    },
    { account: '000000000000', region: 'us-east-1' },
  );
}

const BRONZE_PATTERN = {
  source: ['aws.s3'],
  'detail-type': ['Object Created'],
  detail: {
    bucket: { name: ['finml-bronze'] },
    object: { key: [{ wildcard: 'market_data/*.csv' }, { wildcard: 'risk_indicators/*.csv' }] },
  },
};

describe('EventBridge event patterns', () => {
  test('a bronze .csv under an input prefix matches the pipeline rule', () => {
    expect(matchesPattern(BRONZE_PATTERN, s3Event('market_data/SPX.csv'))).toBe(true);
    expect(matchesPattern(BRONZE_PATTERN, s3Event('risk_indicators/2024/vix.csv'))).toBe(true);
  });

  test('another prefix, another extension or another bucket does not match', () => {
    expect(matchesPattern(BRONZE_PATTERN, s3Event('other/SPX.csv'))).toBe(false);
    expect(matchesPattern(BRONZE_PATTERN, s3Event('market_data/SPX.csv.bak'))).toBe(false);
    expect(matchesPattern(BRONZE_PATTERN, s3Event('market_data/SPX.csv', 'finml-silver'))).toBe(false);
  });

  test('prefix, suffix, anything-but, exists and numeric operators', () => {
    const event = { detail: { key: 'a/b.csv', size: 10, tags: ['x', 'y'] } };
    expect(matchesPattern({ detail: { key: [{ prefix: 'a/' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { key: [{ suffix: '.json' }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { key: [{ 'anything-but': ['a/b.csv'] }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { size: [{ numeric: ['>', 5, '<=', 10] }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { tags: ['y'] } }, event)).toBe(true);
  });

  test('an escaped star in a wildcard matches only a star', () => {
    expect(matchesPattern({ k: [{ wildcard: 'a\\*b' }] }, { k: 'a*b' })).toBe(true);
    expect(matchesPattern({ k: [{ wildcard: 'a\\*b' }] }, { k: 'axb' })).toBe(false);
  });
});

describe('EventBridge input transformer', () => {
  const paths = {
    bucket: '$.detail.bucket.name',
    key: '$.detail.object.key',
    versionId: '$.detail.object.version-id',
    etag: '$.detail.object.etag',
    id: '$.id',
  };
  const template = '{"bucket":<bucket>,"key":<key>,"versionId":<versionId>,"etag":<etag>,"runId":<id>}';

  test('builds the pipeline input from the S3 event, leaving out the version id s3rver does not send', () => {
    const event = s3Event('market_data/SPX.csv');
    expect(transformInput(paths, template, event, RULE)).toEqual({
      bucket: 'finml-bronze',
      key: 'market_data/SPX.csv',
      etag: 'abc123',
      runId: event.id,
    });
  });

  test('inside a JSON string a variable is inserted as text', () => {
    const event = s3Event('market_data/"quoted".csv');
    expect(transformInput(paths, '{"message":"got <key> in <bucket>"}', event, RULE)).toEqual({
      message: 'got market_data/"quoted".csv in finml-bronze',
    });
  });

  test('the predefined rule-name variable is available', () => {
    expect(transformInput({}, '{"rule":<aws.events.rule-name>}', s3Event('a.csv'), RULE)).toEqual({
      rule: 'Finml-Rule',
    });
  });
});

describe('schedule expressions', () => {
  const t0 = Date.parse('2024-03-01T10:17:00Z');

  test('rate(1 hour) fires one hour later', () => {
    expect(parseSchedule('rate(1 hour)').next(t0)).toBe(t0 + 3_600_000);
    expect(parseSchedule('rate(7 days)').next(t0)).toBe(t0 + 7 * 86_400_000);
  });

  test('cron fires at the next matching minute in UTC', () => {
    expect(new Date(parseSchedule('cron(0 6 * * ? *)').next(t0)).toISOString()).toBe(
      '2024-03-02T06:00:00.000Z',
    );
    expect(new Date(parseSchedule('cron(*/15 * * * ? *)').next(t0)).toISOString()).toBe(
      '2024-03-01T10:30:00.000Z',
    );
    // 2024-03-01 is a Friday; MON = 2 in EventBridge (SUN = 1).
    expect(new Date(parseSchedule('cron(30 9 ? * MON *)').next(t0)).toISOString()).toBe(
      '2024-03-04T09:30:00.000Z',
    );
  });

  test('malformed expressions are refused', () => {
    expect(() => parseSchedule('rate(1 hours)')).toThrow(ScheduleExpressionError);
    expect(() => parseSchedule('rate(2 hour)')).toThrow(ScheduleExpressionError);
    expect(() => parseSchedule('cron(0 6 * *)')).toThrow(ScheduleExpressionError);
    expect(() => parseSchedule('every hour')).toThrow(ScheduleExpressionError);
  });
});

describe('request-model validation', () => {
  const schema = {
    type: 'object',
    required: ['symbol'],
    additionalProperties: false,
    properties: {
      symbol: { type: 'string', minLength: 1, maxLength: 64 },
      horizon: { type: 'integer', minimum: 1, maximum: 252 },
    },
  };

  test('a valid body passes', () => {
    expect(schemaViolation(schema, { symbol: 'SPX', horizon: 5 })).toBeUndefined();
  });

  test('missing, extra, mistyped and out-of-range properties are named', () => {
    expect(schemaViolation(schema, { horizon: 5 })).toContain('"symbol"');
    expect(schemaViolation(schema, { symbol: 'SPX', x: 1 })).toContain('"x" is not allowed');
    expect(schemaViolation(schema, { symbol: 'SPX', horizon: 1.5 })).toContain('expected integer');
    expect(schemaViolation(schema, { symbol: 'SPX', horizon: 300 })).toContain('above 252');
    expect(schemaViolation(schema, [])).toContain('expected object');
  });

  test('a property named like an Object.prototype member is an extra property, not a schema', () => {
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const body = JSON.parse(`{"symbol":"SPX",${JSON.stringify(key)}:{"type":"x"}}`);
      expect(schemaViolation(schema, body)).toContain(`"${key}" is not allowed`);
    }
  });

  test('lengths count code points, as JSON schema does (a surrogate pair is one)', () => {
    const short = { type: 'string', maxLength: 2 };
    expect(schemaViolation(short, '😀😀')).toBeUndefined();
    expect(schemaViolation(short, 'a😀b')).toContain('longer than 2');
    expect(schemaViolation({ type: 'string', minLength: 2 }, '😀')).toContain('shorter than 2');
  });
});

describe('intrinsic functions', () => {
  const scope = {
    region: 'us-east-1',
    account: '000000000000',
    stackName: 'Finml',
    resource: (id: string) =>
      id === 'Fn'
        ? { ref: 'Finml-Fn', attributes: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:Finml-Fn' } }
        : undefined,
  };

  test('Ref, GetAtt, Join, Sub, Select and Split resolve to local values', () => {
    expect(resolve({ Ref: 'Fn' }, scope)).toBe('Finml-Fn');
    expect(resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':x']] }, scope)).toBe('arn:aws:x');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax, not a JS template
    expect(resolve({ 'Fn::Sub': '${Fn.Arn}/${AWS::Region}' }, scope)).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:Finml-Fn/us-east-1',
    );
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] }, scope)).toBe('b');
  });

  test('a resource that is not emulated cannot be referenced', () => {
    expect(() => resolve({ 'Fn::GetAtt': ['Cdn', 'DomainName'] }, scope)).toThrow(UnresolvableError);
  });
});

describe('the deployment plan', () => {
  const template: CfnTemplate = {
    Resources: {
      BronzeAAAAAAAA: { Type: 'AWS::S3::Bucket' },
      BronzeNotes: {
        Type: 'Custom::S3BucketNotifications',
        Properties: {
          BucketName: { Ref: 'BronzeAAAAAAAA' },
          NotificationConfiguration: { EventBridgeConfiguration: {} },
        },
      },
      TableBBBBBBBB: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        },
      },
      WorkCCCCCCCC: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Timeout: 30,
          Environment: {
            Variables: {
              BUCKET: { Ref: 'BronzeAAAAAAAA' },
              URL: { 'Fn::GetAtt': ['Cache', 'RedisEndpoint.Address'] },
            },
          },
        },
        Metadata: { 'finml:entry': 'functions/x.ts', 'finml:export': 'work' },
      },
      Cache: { Type: 'AWS::ElastiCache::CacheCluster' },
      HourlyDDDDDDDD: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: 'rate(1 hour)',
          Targets: [{ Arn: { 'Fn::GetAtt': ['WorkCCCCCCCC', 'Arn'] }, Id: 'T' }],
        },
      },
    },
  };

  test('names resources after their logical ids and resolves function environments to them', () => {
    const plan = planDeployment(template, 'Finml', {
      environmentOverrides: { URL: 'http://localhost:3000' },
    });

    expect(plan.buckets).toEqual([{ logicalId: 'BronzeAAAAAAAA', name: 'finml-bronze', eventBridge: true }]);
    expect(plan.tables[0]).toMatchObject({ name: 'finml-table', timeToLiveAttribute: 'ttl' });
    expect(plan.functions[0]).toMatchObject({
      name: 'Finml-Work',
      shortName: 'Work',
      entry: 'functions/x.ts',
      exportName: 'work',
      timeoutSeconds: 30,
      environment: { BUCKET: 'finml-bronze', URL: 'http://localhost:3000' },
    });
    expect(plan.scheduleRules[0]).toMatchObject({
      expression: 'rate(1 hour)',
      targets: [{ arn: plan.functions[0]!.arn, input: { kind: 'event' } }],
    });
    expect(plan.notEmulated).toEqual(['AWS::ElastiCache::CacheCluster', 'Custom::S3BucketNotifications']);
  });

  test('an environment value that needs a resource not emulated here fails, naming it', () => {
    expect(() => planDeployment(template, 'Finml')).toThrow(/WorkCCCCCCCC environment URL: .*Cache/);
  });

  test("a CloudFront distribution's domain is the local site's (the API's CORS origin names it)", () => {
    const withCdn: CfnTemplate = {
      Resources: {
        ...template.Resources,
        Cdn: { Type: 'AWS::CloudFront::Distribution' },
        WorkCCCCCCCC: {
          ...template.Resources.WorkCCCCCCCC!,
          Properties: {
            ...template.Resources.WorkCCCCCCCC!.Properties,
            Environment: {
              Variables: { URL: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Cdn', 'DomainName'] }]] } },
            },
          },
        },
      },
    };
    const planned = planDeployment(withCdn, 'Finml', { siteDomain: 'localhost:3000' });
    expect(planned.functions.find((f) => f.logicalId === 'WorkCCCCCCCC')?.environment.URL).toBe(
      'https://localhost:3000',
    );
  });
});
