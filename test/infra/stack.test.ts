/**
 * The synthesized stack: security and wiring that matter (Solutions-Constructs style), and cdk-nag
 * (AwsSolutions + Serverless) with zero unacknowledged findings. Synth runs offline with bundling
 * skipped (`aws:cdk:bundling-stacks: []`); `npx cdk synth` bundles for real.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { hashJson } from '#shared/hash';
import { buildApp } from '../../infra/app.ts';
import { LakeCatalog } from '../../infra/constructs/catalog.ts';
import { FinmlFunction } from '../../infra/constructs/finml-function.ts';
import { FinmlStack } from '../../infra/stack.ts';

const offline = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });
let template: Template;
let resources: Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;
const config = loadConfig().config.platform;

beforeAll(() => {
  const { app, stack } = buildApp(offline());
  app.synth(); // runs cdk-nag: throws on an unacknowledged finding
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
}, 120_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('data lake', () => {
  test('every bucket is encrypted, versioned and closed to the public', () => {
    const buckets = ofType('AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThanOrEqual(7);
    for (const [, b] of buckets) {
      expect(b.Properties?.BucketEncryption).toBeDefined();
      expect(b.Properties?.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(b.Properties?.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  test('every bucket policy denies requests without TLS', () => {
    const policies = ofType('AWS::S3::BucketPolicy');
    expect(policies.length).toBe(ofType('AWS::S3::Bucket').length);
    for (const [, p] of policies) {
      expect(JSON.stringify(p.Properties?.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  test('lifecycle: old versions and unfinished uploads expire; quarantine expires after the configured days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            NoncurrentVersionExpiration: { NoncurrentDays: config.lake.noncurrentVersionExpirationDays },
          }),
          Match.objectLike({ ExpirationInDays: config.lake.quarantineExpirationDays }),
        ]),
      },
    });
  });

  test('lifecycle: what a dead run staged in silver and gold expires; nothing else in those buckets does', () => {
    const staged = Object.values(template.findResources('AWS::S3::Bucket')).filter((b) =>
      JSON.stringify(b).includes('"Prefix":"staging/"'),
    );
    expect(staged).toHaveLength(2);
    for (const b of staged) {
      const rules = (
        b.Properties.LifecycleConfiguration.Rules as { Prefix?: string; ExpirationInDays?: number }[]
      ).filter((r) => r.ExpirationInDays !== undefined);
      expect(rules).toEqual([
        expect.objectContaining({ Prefix: 'staging/', ExpirationInDays: config.lake.stagingExpirationDays }),
      ]);
    }
  });

  test('lineage (decision 22): only gold has Object Lock, as an in-place configuration with no default retention', () => {
    const locked = ofType('AWS::S3::Bucket').filter(
      ([, b]) => b.Properties?.ObjectLockConfiguration !== undefined,
    );
    expect(locked.map(([id]) => id)).toEqual([expect.stringMatching(/^DataLakeGold[0-9A-F]+$/)]);
    const [, gold] = locked[0]!;
    // No Rule: nothing is retained by default, only the versions a registration holds.
    expect(gold.Properties?.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
    // Not the top-level ObjectLockEnabled: changing it replaces the bucket (an empty gold).
    expect(gold.Properties).not.toHaveProperty('ObjectLockEnabled');
    // The lifecycle still expires noncurrent gold versions; a held one it cannot delete.
    expect(JSON.stringify(gold.Properties?.LifecycleConfiguration)).toContain(
      `"NoncurrentVersionExpiration":{"NoncurrentDays":${config.lake.noncurrentVersionExpirationDays}}`,
    );
  });

  test('lineage: only the functions that register models may place legal holds, on gold partitions only', () => {
    const holders = ofType('AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties?.PolicyDocument).includes('s3:PutObjectLegalHold'),
    );
    expect(holders.map(([id]) => id.replace(/Role.*$/, '')).sort()).toEqual([
      'Register',
      'RequestedRetraining',
      'ScheduledDrift',
      'ScheduledRetraining',
    ]);
    for (const [id, p] of holders) {
      const statements = (
        p.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }
      ).Statement.filter((st) => [st.Action].flat().includes('s3:PutObjectLegalHold'));
      expect(statements, id).toHaveLength(1);
      expect([statements[0]!.Action].flat(), id).toEqual(['s3:PutObjectLegalHold']);
      const resource = JSON.stringify(statements[0]!.Resource);
      expect(resource, id).toMatch(/DataLakeGold[0-9A-F]+","Arn"\]\},"\/features\/\*"/);
    }
    const all = JSON.stringify(ofType('AWS::IAM::Policy').map(([, p]) => p.Properties?.PolicyDocument));
    expect(all).not.toContain('s3:BypassGovernanceRetention');
  });

  test('lineage: the admin function (POST /admin/reproduce) reads gold versions but cannot write gold', () => {
    const [, policy] = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('AdminRole'))!;
    const statements = (
      policy.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }
    ).Statement.filter((st) => JSON.stringify(st.Resource).includes('LakeGold'));
    const actions = statements.flatMap((st) => [st.Action].flat()).sort();
    expect(actions).toEqual(['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket']);
    // It trains: the train function's memory, and the admin timeout (at most API Gateway's 29 s).
    const [, fn] = ofType('AWS::Lambda::Function').find(([, f]) => f.Metadata?.['finml:export'] === 'admin')!;
    expect(fn.Properties).toMatchObject({
      Timeout: config.functions.timeoutSeconds.admin,
      MemorySize: config.functions.trainMemoryMb,
    });
  });

  test('POST /admin/retrain: the admin writes only request objects to artifacts; their events start RequestedRetraining', () => {
    const [, policy] = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('AdminRole'))!;
    const puts = (
      policy.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }
    ).Statement.filter(
      (st) =>
        [st.Action].flat().includes('s3:PutObject') && JSON.stringify(st.Resource).includes('LakeArtifacts'),
    );
    expect(puts).toHaveLength(1);
    expect([puts[0]!.Action].flat()).toEqual(['s3:PutObject']);
    expect(JSON.stringify(puts[0]!.Resource)).toMatch(
      /LakeArtifacts[0-9A-F]+","Arn"\]\},"\/requests\/retraining\/\*"/,
    );
    const [fnId] = ofType('AWS::Lambda::Function').find(
      ([, f]) => f.Metadata?.['finml:export'] === 'retrainingRequested',
    )!;
    const [artifactsId] = ofType('AWS::S3::Bucket').find(([id]) => id.startsWith('DataLakeArtifacts'))!;
    const [, rule] = ofType('AWS::Events::Rule').find(([id]) => id.includes('OnRetrainingRequest'))!;
    expect(rule.Properties?.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: [{ Ref: artifactsId }] },
        object: { key: [{ prefix: 'requests/retraining/' }] },
      },
    });
    expect(rule.Properties?.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        DeadLetterConfig: expect.anything(),
        RetryPolicy: { MaximumRetryAttempts: 0 },
      }),
    ]);
    // One attempt (the request's lease covers one training), a failed invocation to the queue.
    const invokeConfigs = ofType('AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => (c.Properties?.FunctionName as { Ref?: string })?.Ref === fnId,
    );
    expect(invokeConfigs).toHaveLength(1);
    expect(invokeConfigs[0]![1].Properties).toMatchObject({
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: expect.anything() } },
    });
  });

  test('bronze sends its events to EventBridge, and a rule starts the pipeline for .csv under the input prefixes', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { object: { key: config.lake.inputPrefixes.map((p) => ({ wildcard: `${p}*.csv` })) } },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
    });
  });
});

describe('catalog and Athena', () => {
  const data = loadConfig().config.data;
  const idOf = (type: string, prefix: string) => {
    const ids = ofType(type)
      .map(([id]) => id)
      .filter((id) => id.startsWith(prefix));
    expect(ids, prefix).toHaveLength(1);
    return ids[0]!;
  };
  const location = (bucketPrefix: string, path: string) => ({
    'Fn::Join': ['', ['s3://', { Ref: idOf('AWS::S3::Bucket', bucketPrefix) }, path]],
  });
  const database = () => idOf('AWS::Glue::Database', 'Catalog');
  const workGroup = () => idOf('AWS::Athena::WorkGroup', 'Catalog');

  test('four Parquet tables in one database: silver and gold, each for all symbols and per symbol', () => {
    template.hasResourceProperties('AWS::Glue::Database', {
      CatalogId: { Ref: 'AWS::AccountId' },
      DatabaseInput: { Name: 'finml' },
    });
    const tables = [
      ['silver', 'DataLakeSilver', '/market/'],
      ['silver_by_symbol', 'DataLakeSilver', '/market/'],
      ['gold', 'DataLakeGold', '/features/'],
      ['gold_by_symbol', 'DataLakeGold', '/features/'],
    ] as const;
    expect(ofType('AWS::Glue::Table')).toHaveLength(tables.length);
    for (const [name, bucket, path] of tables) {
      template.hasResourceProperties('AWS::Glue::Table', {
        DatabaseName: { Ref: database() },
        TableInput: Match.objectLike({
          Name: name,
          TableType: 'EXTERNAL_TABLE',
          StorageDescriptor: Match.objectLike({
            Location: location(bucket, path),
            InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            SerdeInfo: Match.objectLike({
              SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            }),
          }),
        }),
      });
    }
  });

  test('per-symbol tables project symbol_key (injected) onto symbol=<key>/; the all-symbol tables have no partitions', () => {
    const tables = Object.fromEntries(
      ofType('AWS::Glue::Table').map(([, t]) => {
        const input = t.Properties!.TableInput as {
          Name: string;
          Parameters: Record<string, unknown>;
          PartitionKeys: { Name: string; Type: string }[];
        };
        return [input.Name, input];
      }),
    );
    for (const [name, bucket, path] of [
      ['silver_by_symbol', 'DataLakeSilver', '/market/'],
      ['gold_by_symbol', 'DataLakeGold', '/features/'],
    ] as const) {
      expect(tables[name]!.PartitionKeys).toEqual([
        expect.objectContaining({ Name: 'symbol_key', Type: 'string' }),
      ]);
      expect(tables[name]!.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.symbol_key.type': 'injected',
        'storage.location.template': location(bucket, `${path}symbol=\${symbol_key}/`),
      });
    }
    for (const name of ['silver', 'gold']) {
      expect(tables[name]!.PartitionKeys).toEqual([]);
      expect(Object.keys(tables[name]!.Parameters).filter((k) => k.startsWith('projection.'))).toEqual([]);
    }
  });

  test("gold's columns follow the config: a score column per weighted feature; silver's are typed", () => {
    const columnsOf = (name: string) =>
      (
        ofType('AWS::Glue::Table')
          .map(
            ([, t]) => t.Properties!.TableInput as { Name: string; StorageDescriptor: { Columns: object[] } },
          )
          .find((t) => t.Name === name)!.StorageDescriptor.Columns as { Name: string; Type: string }[]
      ).map((c) => `${c.Name} ${c.Type}`);
    const scored = Object.entries(data.regimes.weights)
      .filter(([, w]) => w > 0)
      .map(([f]) => f);
    expect(scored.length).toBeGreaterThan(0);
    const gold = columnsOf('gold');
    for (const f of scored) expect(gold).toContain(`score_${f} double`);
    expect(gold.filter((c) => c.startsWith('score_'))).toHaveLength(scored.length);
    expect(gold).toEqual(
      expect.arrayContaining([
        'date date',
        'symbol string',
        'regime string',
        'markov_state int',
        'regime_age int',
      ]),
    );
    expect(columnsOf('silver')).toEqual([
      'date date',
      'symbol string',
      'open double',
      'high double',
      'low double',
      'close double',
      'adjclose double',
      'volume double',
      'close_filled boolean',
      'flags string',
    ]);
    expect(columnsOf('gold_by_symbol')).toEqual(gold);
  });

  test('the workgroup enforces its settings: engine 3, metrics, the scan cutoff from config, SSE-S3 results in its own bucket', () => {
    const results = idOf('AWS::S3::Bucket', 'CatalogResults');
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'finml',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: config.athena.bytesScannedCutoffPerQueryMB * 1_000_000,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: results }, '/results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
        },
      },
    });
    const bucket = resources[results]!.Properties!;
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.LoggingConfiguration).toMatchObject({
      DestinationBucketName: { Ref: idOf('AWS::S3::Bucket', 'DataLakeAccessLogs') },
    });
    expect((bucket.LifecycleConfiguration as { Rules: object[] }).Rules).toEqual([
      expect.objectContaining({
        ExpirationInDays: config.athena.resultExpirationDays,
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      }),
    ]);
  });

  test('the named queries live in the workgroup and default to the database', () => {
    const queries = ofType('AWS::Athena::NamedQuery').map(([, q]) => q.Properties!);
    expect(queries.map((q) => q.Name).sort()).toEqual([
      'FINML: High periods',
      'FINML: data quality flags per symbol',
      'FINML: latest regime per symbol',
      "FINML: one symbol's regime history",
      'FINML: regime counts per year',
    ]);
    for (const q of queries) {
      expect(q).toMatchObject({ WorkGroup: { Ref: workGroup() }, Database: { Ref: database() } });
      expect(q.QueryString).toMatch(/\bFROM (gold|silver|gold_by_symbol)\b/);
      expect(q.QueryString).not.toMatch(/\{\{/); // every placeholder filled at synth
    }
    const high = queries.find((q) => q.Name === 'FINML: High periods')!;
    expect(high.QueryString).toContain(`n.regime = '${data.regimes.labels.at(-1)}'`);
  });

  test('the analyst policy: queries in this workgroup only, the catalog, read under the layer prefixes, results', () => {
    const policies = ofType('AWS::IAM::ManagedPolicy').filter(([id]) =>
      id.startsWith('CatalogAnalystPolicy'),
    );
    expect(policies).toHaveLength(1);
    const statements = (
      policies[0]![1].Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }
    ).Statement;
    for (const st of statements)
      for (const action of [st.Action].flat() as string[]) expect(action).not.toContain('*');
    const grants = (action: string) =>
      statements.filter((s) => [s.Action].flat().includes(action)).map((s) => JSON.stringify(s.Resource));
    expect(grants('athena:StartQueryExecution')).toEqual([expect.stringContaining(':workgroup/finml"')]);
    expect(grants('glue:GetTable')[0]).toContain('table/finml/gold_by_symbol');
    const reads = grants('s3:GetObject').join(' ');
    expect(reads).toContain(`${idOf('AWS::S3::Bucket', 'DataLakeSilver')}","Arn"]},"/market/*"`);
    expect(reads).toContain(`${idOf('AWS::S3::Bucket', 'DataLakeGold')}","Arn"]},"/features/*"`);
    expect(reads).toContain(`${idOf('AWS::S3::Bucket', 'CatalogResults')}","Arn"]},"/results/*"`);
    expect(grants('s3:PutObject')).toEqual([expect.stringContaining('CatalogResults')]);
    const listings = statements.filter((s) => s.Action === 's3:ListBucket' && s.Condition);
    expect(listings.map((s) => s.Condition)).toEqual([
      { StringLike: { 's3:prefix': ['market/*'] } },
      { StringLike: { 's3:prefix': ['features/*'] } },
    ]);
  });

  test('LakeCatalog alone: the tables and queries follow the data config it is given, the names its props', () => {
    const full = loadConfig().config;
    const changed = {
      ...full.data,
      regimes: {
        ...full.data.regimes,
        weights: { log_return: 0.2, realized_vol_21d: 0.5, drawdown: 0 },
        labels: ['Calm', 'Tense', "Stormy 'red'"],
      },
    };
    const stack = new Stack(new App(), 'Alone');
    const bucket = (id: string) => new Bucket(stack, id);
    new LakeCatalog(stack, 'Catalog', {
      config: { bytesScannedCutoffPerQueryMB: 10, resultExpirationDays: 3 },
      data: changed,
      silver: bucket('Silver'),
      gold: bucket('Gold'),
      accessLogs: bucket('Logs'),
      name: 'lake_test',
    });
    const t = Template.fromStack(stack);
    const gold = Object.values(t.findResources('AWS::Glue::Table'))
      .map((r) => r.Properties.TableInput)
      .find((i) => i.Name === 'gold');
    const scores = (gold.StorageDescriptor.Columns as { Name: string }[])
      .map((c) => c.Name)
      .filter((n) => n.startsWith('score_'));
    expect(scores.sort()).toEqual(['score_log_return', 'score_realized_vol_21d']);
    t.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'lake_test',
      WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 10_000_000 }),
    });
    t.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'lake_test' } });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 3 })] },
    });
    const high = Object.values(t.findResources('AWS::Athena::NamedQuery')).find(
      (q) => q.Properties.Name === 'FINML: High periods',
    )!;
    expect(high.Properties.QueryString).toContain("WHERE n.regime = 'Stormy ''red'''");
  });

  test('outputs name the workgroup, the database and the analyst policy', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.AthenaWorkGroup?.Value).toEqual({ Ref: workGroup() });
    expect(outputs.GlueDatabase?.Value).toBe('finml');
    expect(outputs.AthenaAnalystPolicyArn?.Value).toEqual({
      Ref: idOf('AWS::IAM::ManagedPolicy', 'CatalogAnalystPolicy'),
    });
  });
});

describe('registry', () => {
  test('tables have point-in-time recovery and encryption; the prediction log has a TTL and the outcome index', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(2);
    for (const [, t] of tables) {
      expect(t.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(t.Properties?.SSESpecification).toEqual({ SSEEnabled: true });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byOutcome' })],
    });
  });
});

describe('pipeline state machine', () => {
  const definition = () => {
    const [, sm] = ofType('AWS::StepFunctions::StateMachine')[0]!;
    return JSON.stringify(sm.Properties?.DefinitionString);
  };

  interface StateJson {
    Type: string;
    Resource?: string;
    Parameters?: { FunctionName?: string };
    TimeoutSeconds?: number;
    ResultPath?: string | null;
    OutputPath?: string | null;
    ItemProcessor?: { States: Record<string, StateJson> };
  }
  /** Every state by name, the Map's iteration states included (GetAtt references as "<Id>.Arn"). */
  const states = (): Record<string, StateJson> => {
    const [, sm] = ofType('AWS::StepFunctions::StateMachine')[0]!;
    const join = (sm.Properties!.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const text = join
      .map((part) =>
        typeof part === 'string' ? part : `${(part as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]}.Arn`,
      )
      .join('');
    const out: Record<string, StateJson> = {};
    const collect = (s: Record<string, StateJson>) => {
      for (const [name, st] of Object.entries(s)) {
        out[name] = st;
        if (st.ItemProcessor) collect(st.ItemProcessor.States);
      }
    };
    collect(JSON.parse(text).States);
    return out;
  };

  test('is a Standard workflow with logging ALL and tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
  });

  test('retries transient errors with backoff and full jitter, and never retries a data error', () => {
    const def = definition();
    expect(def).toContain('TransientAwsError');
    expect(def).toContain('\\"JitterStrategy\\":\\"FULL\\"');
    expect(def).toContain(`\\"BackoffRate\\":${config.pipeline.retry.backoffRate}`);
    expect(def).not.toMatch(/ErrorEquals\\":\[[^\]]*DataRejectedError[^\]]*\][^}]*IntervalSeconds/);
  });

  test('catches a data error into the quarantine task, then fails', () => {
    const def = definition();
    expect(def).toMatch(
      /Catch\\":\[\{\\"ErrorEquals\\":\[\\"DataRejectedError\\"\],\\"ResultPath\\":\\"\$\.error\\",\\"Next\\":\\"Quarantine\\"/,
    );
    expect(def).toContain('\\"Type\\":\\"Fail\\",\\"Error\\":\\"DataRejectedError\\"');
  });

  test('builds gold as a Distributed Map over the touched symbols', () => {
    const def = definition();
    expect(def).toContain('\\"Mode\\":\\"DISTRIBUTED\\"');
    expect(def).toContain('\\"ItemsPath\\":\\"$.silver.symbols\\"');
    // Each iteration outputs {}: the gathered outputs must not grow with the symbols (256 KiB quota).
    expect(states().GoldForSymbol).toMatchObject({ ResultPath: null, OutputPath: null });
  });

  test('every task times out later than its Lambda function', () => {
    const timeouts = Object.fromEntries(
      ofType('AWS::Lambda::Function').map(([id, f]) => [`${id}.Arn`, f.Properties!.Timeout as number]),
    );
    const tasks = Object.values(states()).filter((st) => st.Type === 'Task');
    expect(tasks.length).toBe(10);
    for (const task of tasks) {
      const fnTimeout = timeouts[(task.Resource ?? task.Parameters?.FunctionName)!]!;
      expect(fnTimeout).toBeGreaterThan(0);
      expect(task.TimeoutSeconds).toBeGreaterThan(fnTimeout);
    }
  });
});

describe('functions', () => {
  test('Node.js 22 on ARM64 with tracing, a log group, and the config directory', () => {
    const fns = ofType('AWS::Lambda::Function').filter(([, f]) => f.Metadata?.['finml:entry']);
    expect(fns).toHaveLength(18);
    for (const [, f] of fns) {
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
      expect((f.Properties!.LoggingConfig as { LogGroup?: unknown }).LogGroup).toBeDefined();
      expect((f.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        FINML_CONFIG_DIR: '/var/task/config',
        REGISTRY_TABLE: expect.anything(),
        GOLD_BUCKET: expect.anything(),
      });
    }
  });

  test('source maps apply to stack traces at run time everywhere but in the /predict function', () => {
    const fns = ofType('AWS::Lambda::Function').filter(([, f]) => f.Metadata?.['finml:entry']);
    for (const [id, f] of fns) {
      const variables = (f.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      if (f.Metadata?.['finml:export'] === 'predict') expect(variables.NODE_OPTIONS, id).toBeUndefined();
      else expect(variables.NODE_OPTIONS, id).toBe('--enable-source-maps');
    }
  });

  test('the /predict function starts from its own entry and its role reaches no bucket', () => {
    const [, fn] = ofType('AWS::Lambda::Function').find(
      ([, f]) => f.Metadata?.['finml:export'] === 'predict',
    )!;
    expect(fn.Metadata?.['finml:entry']).toBe('functions/api/predict.ts');
    const [, policy] = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('PredictRole'))!;
    expect(JSON.stringify(policy.Properties?.PolicyDocument)).not.toMatch(/s3:/);
  });

  test('least privilege: no IAM statement grants a wildcard action', () => {
    for (const [id, p] of ofType('AWS::IAM::Policy')) {
      if (id.startsWith('BucketNotificationsHandler')) continue; // CDK's own custom resource
      for (const st of (p.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] })
        .Statement) {
        for (const action of [st.Action].flat()) expect(action, `${id}: ${action}`).not.toContain('*');
      }
    }
  });

  test('the serving function may read the registry and write the prediction log, but not write the registry', () => {
    const [, policy] = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('PredictRole'))!;
    const doc = JSON.stringify(policy.Properties?.PolicyDocument);
    expect(doc).toContain('dynamodb:PutItem');
    const statements = (
      policy.Properties!.PolicyDocument as { Statement: { Action: string[]; Resource: unknown }[] }
    ).Statement;
    const registryWrites = statements.filter(
      (s) =>
        JSON.stringify(s.Resource).includes('RegistryModels') &&
        [s.Action].flat().includes('dynamodb:PutItem'),
    );
    expect(registryWrites).toHaveLength(0);
  });
});

describe('prediction API', () => {
  test("browsers may call the API from the dashboard's origin only (CORS preflight and the handlers' header)", () => {
    const cdn = ofType('AWS::CloudFront::Distribution').map(([id]) => id);
    expect(cdn).toHaveLength(1);
    const dashboardOrigin = {
      'Fn::Join': ['', ["'https://", { 'Fn::GetAtt': [cdn[0], 'DomainName'] }, "'"]],
    };
    const preflights = ofType('AWS::ApiGateway::Method').filter(
      ([, r]) => r.Properties?.HttpMethod === 'OPTIONS',
    );
    expect(preflights.length).toBeGreaterThan(0);
    for (const [, m] of preflights) {
      const response = (
        m.Properties!.Integration as { IntegrationResponses: { ResponseParameters: object }[] }
      ).IntegrationResponses[0]!;
      expect(response.ResponseParameters).toMatchObject({
        'method.response.header.Access-Control-Allow-Origin': dashboardOrigin,
      });
    }
    // The handlers put the same origin on every answer: they get the dashboard's URL.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          DASHBOARD_URL: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [cdn[0], 'DomainName'] }]] },
        }),
      },
    });
  });

  test('every method except CORS preflight requires an API key', () => {
    const methods = ofType('AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThan(10);
    for (const [, m] of methods) {
      if (m.Properties?.HttpMethod === 'OPTIONS') continue;
      expect(m.Properties?.ApiKeyRequired).toBe(true);
    }
  });

  test('POST bodies are validated against a JSON schema; the usage plan throttles and sets a quota', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestValidatorId: Match.anyValue(),
      RequestModels: { 'application/json': Match.anyValue() },
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: config.api.throttle.rateLimit, BurstLimit: config.api.throttle.burstLimit },
      Quota: { Limit: config.api.quotaPerDay, Period: 'DAY' },
    });
  });

  test('the stage logs access and traces', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });
});

describe('monitoring', () => {
  test('three schedules from config, each target with a dead-letter queue', () => {
    for (const expression of [
      config.schedules.drift,
      config.schedules.abEvaluation,
      config.schedules.retraining,
    ]) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: expression,
        Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue() })],
      });
    }
  });

  test('the alert topic is KMS-encrypted and SSL-only; alarms publish to it', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(3);
    // The API alarms publish; pipeline failures alert once per run through the status-change rule instead.
    for (const [id, a] of alarms) {
      expect(a.Properties?.AlarmActions ?? [], id).toHaveLength(id.includes('PipelineFailures') ? 0 : 1);
    }
  });

  test('every failed, timed-out or aborted execution goes to the PipelineFailed function (one alert, claim marked failed)', () => {
    const rules = ofType('AWS::Events::Rule').filter(
      ([, r]) => (r.Properties?.EventPattern as { source?: string[] })?.source?.[0] === 'aws.states',
    );
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    const machine = ofType('AWS::StepFunctions::StateMachine')[0]![0];
    expect(rule.Properties?.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ Ref: machine }], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    const targets = rule.Properties?.Targets as {
      Arn: { 'Fn::GetAtt': string[] };
      DeadLetterConfig?: unknown;
    }[];
    expect(targets).toHaveLength(1);
    expect(targets[0]!.DeadLetterConfig).toBeDefined();
    const target = resources[targets[0]!.Arn['Fn::GetAtt'][0]!]!;
    expect(target.Metadata).toMatchObject({
      'finml:entry': 'functions/pipeline/handlers.ts',
      'finml:export': 'failed',
    });
  });

  test('an e-mail subscription exists only when alertEmail is given', () => {
    expect(ofType('AWS::SNS::Subscription')).toHaveLength(0);
    const app = offline();
    app.node.setContext('alertEmail', 'risk@example.com');
    const { stack } = buildApp(app);
    app.synth(); // still nag-clean
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'risk@example.com',
      RedrivePolicy: Match.anyValue(),
    });
  }, 60_000);
});

test('cdk-nag reports an unacknowledged finding (the check is live)', () => {
  const { app, stack } = buildApp(offline());
  new Bucket(stack as Stack, 'Careless'); // no SSL policy, no access logs
  expect(() => app.synth()).toThrow(/AwsSolutions-S(1|10)/);
}, 60_000);

test('each function bundles the config the stack was given, not the YAML on disk', () => {
  const full = loadConfig().config;
  const changed = { ...full, platform: { ...full.platform, api: { ...full.platform.api, maxBatch: 7 } } };
  const stack = new FinmlStack(offline(), 'Changed', { config: changed, codeVersion: 'test' });
  const functions = stack.node.findAll().filter((c): c is FinmlFunction => c instanceof FinmlFunction);
  expect(functions.length).toBeGreaterThan(5);
  for (const f of functions) {
    const bundled = JSON.parse(f.bundledConfig) as { config: typeof full; hash: string };
    expect(bundled.config.platform.api.maxBatch).toBe(7);
    expect(bundled.hash).toBe(hashJson(changed));
  }
});
