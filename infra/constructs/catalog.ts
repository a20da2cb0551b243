/**
 * LakeCatalog: the lake as a data engineer queries it — a Glue database with tables over the
 * silver and gold Parquet layers (no crawler: the per-symbol tables use partition projection), an
 * Athena workgroup whose settings are enforced (its own encrypted result bucket, a per-query scan
 * cutoff, engine version 3, CloudWatch metrics), the named queries a user starts from, and a
 * managed policy that lets an analyst run them. Tables and queries are defined in
 * infra/athena/lake-tables.ts (docs/decisions/0021-athena-tables-over-the-lake.md).
 */
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { DataConfig, PlatformConfig } from '#config/schema';
import { keys } from '#shared/usecases/lake';
import { type LakeTable, lakeTables, namedQueries, SYMBOL_KEY } from '../athena/lake-tables.ts';
import { logicalId } from './finml-function.ts';

export interface LakeCatalogProps {
  readonly config: PlatformConfig['athena'];
  /** The data config the stack bundles: gold's score columns and the High label come from it. */
  readonly data: DataConfig;
  readonly silver: IBucket;
  readonly gold: IBucket;
  /** Where the result bucket's server access logs go. */
  readonly accessLogs: IBucket;
  /**
   * The Glue database's and the workgroup's name (both are unique per account and region).
   * @default the stack name, lower-cased, with every character other than a-z, 0-9 and _ as _
   */
  readonly name?: string;
  /** @default RemovalPolicy.RETAIN — results may hold copies of lake data */
  readonly removalPolicy?: RemovalPolicy;
}

/** The Parquet SerDe and formats Athena and Glue use for `STORED AS PARQUET`. */
export const PARQUET = {
  serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  input: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  output: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
} as const;

/** Where the workgroup writes query results, in the result bucket. */
export const RESULTS_PREFIX = 'results/';

export class LakeCatalog extends Construct {
  readonly databaseName: string;
  readonly database: CfnDatabase;
  readonly tables: Readonly<Record<string, CfnTable>>;
  readonly workGroup: CfnWorkGroup;
  readonly results: Bucket;
  readonly namedQueries: readonly CfnNamedQuery[];
  /** Attach to a user, group or role to let it run the workgroup's queries over the lake. */
  readonly analystPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const name = props.name ?? stack.stackName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    this.databaseName = name;
    const bucketOf = (t: LakeTable) => (t.layer === 'silver' ? props.silver : props.gold);

    this.database = new CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name,
        description: 'FINML data lake: silver and gold layers (Parquet, one file per symbol)',
      },
    });

    const tables: Record<string, CfnTable> = {};
    for (const t of lakeTables(props.data)) {
      const location = `s3://${bucketOf(t).bucketName}/${t.prefix}`;
      const table = new CfnTable(this, `Table-${t.name}`, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: this.database.ref,
        tableInput: {
          name: t.name,
          description: t.description,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            EXTERNAL: 'TRUE',
            classification: 'parquet',
            ...(t.bySymbol
              ? {
                  'projection.enabled': 'true',
                  [`projection.${SYMBOL_KEY}.type`]: 'injected',
                  'storage.location.template': `${location}symbol=\${${SYMBOL_KEY}}/`,
                }
              : {}),
          },
          partitionKeys: t.bySymbol
            ? [
                {
                  name: SYMBOL_KEY,
                  type: 'string',
                  comment: 'the symbol as in the keys: URL-encoded (encodeURIComponent)',
                },
              ]
            : [],
          storageDescriptor: {
            location,
            inputFormat: PARQUET.input,
            outputFormat: PARQUET.output,
            serdeInfo: { serializationLibrary: PARQUET.serde, parameters: { 'serialization.format': '1' } },
            columns: t.columns.map((c) => ({
              name: c.name,
              type: c.type,
              ...(c.comment ? { comment: c.comment } : {}),
            })),
          },
        },
      });
      tables[t.name] = table;
    }
    this.tables = tables;

    // Query results: their own bucket, encrypted like the lake's (SSE-S3), SSL-only, versioned,
    // expiring; failed queries can leave multipart uploads behind (Athena's data-usage-control docs).
    this.results = new Bucket(this, 'Results', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        {
          expiration: Duration.days(props.config.resultExpirationDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name,
      description: 'FINML: queries over the silver and gold layers (settings enforced)',
      state: 'ENABLED',
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.config.bytesScannedCutoffPerQueryMB * 1_000_000,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.results.bucketName}/${RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          expectedBucketOwner: Aws.ACCOUNT_ID,
        },
      },
    });

    this.namedQueries = namedQueries(props.data).map(
      (q) =>
        new CfnNamedQuery(this, `Query-${q.file}`, {
          name: q.name,
          description: q.description,
          database: this.database.ref,
          workGroup: this.workGroup.ref,
          queryString: q.sql,
        }),
    );

    this.analystPolicy = this.analyst(stack, name, props);
  }

  private analyst(stack: Stack, name: string, props: LakeCatalogProps): ManagedPolicy {
    const arn = (service: string, resource: string, resourceName?: string) =>
      stack.formatArn({ service, resource, ...(resourceName === undefined ? {} : { resourceName }) });
    const layers = [
      { bucket: props.silver, prefix: keys.silverPrefix, what: 'the silver partitions' },
      { bucket: props.gold, prefix: keys.goldPrefix, what: 'the gold partitions' },
    ];
    const policy = new ManagedPolicy(this, 'AnalystPolicy', {
      description: `FINML: run queries in the ${name} Athena workgroup over the lake's silver and gold`,
      statements: [
        new PolicyStatement({
          sid: 'RunQueriesInTheWorkgroup',
          actions: [
            'athena:StartQueryExecution',
            'athena:StopQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:GetQueryRuntimeStatistics',
            'athena:BatchGetQueryExecution',
            'athena:ListQueryExecutions',
            'athena:GetWorkGroup',
            'athena:GetNamedQuery',
            'athena:BatchGetNamedQuery',
            'athena:ListNamedQueries',
          ],
          resources: [arn('athena', 'workgroup', name)],
        }),
        new PolicyStatement({
          sid: 'ReadTheCatalog',
          actions: [
            'glue:GetDatabase',
            'glue:GetTable',
            'glue:GetTables',
            'glue:GetPartition',
            'glue:GetPartitions',
          ],
          resources: [
            arn('glue', 'catalog'),
            arn('glue', 'database', name),
            ...Object.keys(this.tables).map((t) => arn('glue', 'table', `${name}/${t}`)),
          ],
        }),
        // Read the layers' partitions, and list only under their prefixes (not staging/ or runs/).
        ...layers.flatMap(({ bucket, prefix }) => [
          new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${prefix}*`)] }),
          new PolicyStatement({
            actions: ['s3:ListBucket'],
            resources: [bucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
          }),
        ]),
        // The result location's permissions, as in Athena's own AmazonAthenaFullAccess policy.
        new PolicyStatement({
          sid: 'WriteQueryResults',
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: [this.results.arnForObjects(`${RESULTS_PREFIX}*`)],
        }),
        new PolicyStatement({
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [this.results.bucketArn],
        }),
      ],
    });
    for (const { bucket, prefix, what } of [
      ...layers,
      {
        bucket: this.results,
        prefix: RESULTS_PREFIX,
        what: 'query results (Athena names each by its query id)',
      },
    ]) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId(bucket)}.Arn>/${prefix}*]`,
        reason: `Object access under one prefix of one bucket: ${what} (object keys are data).`,
      });
    }
    return policy;
  }
}
