/**
 * FinmlFunction: NodejsFunction with the team's defaults — Node.js 22 on ARM64, X-Ray tracing, an
 * explicit log group with retention, ESM + minified bundles with source maps, the config YAML
 * copied into the bundle — and helpers that add an environment variable and its IAM grant together.
 * Each function records its source entry and export as template metadata, so the local runtime
 * can run the very same handler without bundling.
 */
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Template metadata keys read by the local runtime (infra/local). */
export const ENTRY_METADATA = 'finml:entry';
export const EXPORT_METADATA = 'finml:export';

export interface FinmlFunctionProps {
  /** Handler module, relative to the repository root (e.g. `functions/api/handlers.ts`). */
  readonly entry: string;
  /** The exported handler in that module. */
  readonly export: string;
  readonly description: string;
  readonly timeout: Duration;
  /** @default 1024 */
  readonly memorySize?: number;
  readonly logRetention: RetentionDays;
  readonly environment?: Record<string, string>;
}

export type Access = 'read' | 'write' | 'readWrite';

export class FinmlFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: FinmlFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role, with exactly the statements added below (no AWS-managed policies).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `FINML ${props.description}`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${logGroup.logGroupArn}:log-stream:*`, logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      role,
      entry: join(REPO_ROOT, props.entry),
      handler: props.export,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 1024,
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'finml',
        FINML_CONFIG_DIR: '/var/task/config',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // ESM bundles of CommonJS dependencies still call require().
        banner:
          "import { createRequire as __finmlRequire } from 'node:module'; const require = __finmlRequire(import.meta.url);",
        // Bundle our pinned SDK version (the S3 checksum options need it) instead of the runtime's.
        externalModules: [],
        tsconfig: join(REPO_ROOT, 'tsconfig.json'),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `mkdir -p "${outputDir}/config"`,
            `cp "${inputDir}"/config/*.yaml "${outputDir}/config/"`,
          ],
        },
      },
    });
    const cfn = this.node.defaultChild as CfnFunction;
    cfn.addMetadata(ENTRY_METADATA, relative(REPO_ROOT, join(REPO_ROOT, props.entry)));
    cfn.addMetadata(EXPORT_METADATA, props.export);
    this.acknowledgeOnRole(
      `AwsSolutions-IAM5[Resource::<${logicalId(logGroup)}.Arn>:log-stream:*]`,
      'Writes only the log streams of its own log group (stream names are created by Lambda).',
    );
    this.acknowledgeOnRole(
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.',
    );
    this.acknowledge(
      'AwsSolutions-L1',
      'Pinned to nodejs22.x, the runtime the bundles are built (esbuild target node22) and tested for.',
    );
    this.acknowledge(
      'Serverless-LambdaLatestVersion',
      'Pinned to nodejs22.x, the runtime the bundles are built and tested for.',
    );
    this.acknowledge(
      'Serverless-LambdaDLQ',
      'Invoked synchronously (Step Functions retries and catches; API Gateway returns the error) or by schedules whose targets have a dead-letter queue.',
    );
  }

  /** Sets `envName` to the bucket's name and grants object access (no wildcard actions). */
  bindBucket(envName: string, bucket: IBucket, access?: Access): this {
    this.addEnvironment(envName, bucket.bucketName);
    if (access === undefined) return this;
    const actions: string[] = [];
    if (access !== 'write') actions.push('s3:GetObject', 's3:GetObjectVersion');
    if (access !== 'read') actions.push('s3:PutObject', 's3:AbortMultipartUpload');
    this.addToRolePolicy(new PolicyStatement({ actions, resources: [bucket.arnForObjects('*')] }));
    this.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    this.acknowledgeOnRole(
      `AwsSolutions-IAM5[Resource::<${logicalId(bucket)}.Arn>/*]`,
      `Object-level ${access} access to the objects of this one bucket (object keys are data).`,
    );
    return this;
  }

  /** Sets `envName` to the table's name and grants item access (no wildcard actions). */
  bindTable(envName: string, table: ITable, access?: Access, indexes: readonly string[] = []): this {
    this.addEnvironment(envName, table.tableName);
    if (access === undefined) return this;
    const actions: string[] = [];
    if (access !== 'write')
      actions.push(
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
      );
    if (access !== 'read') actions.push('dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    const resources = [table.tableArn, ...indexes.map((i) => `${table.tableArn}/index/${i}`)];
    this.addToRolePolicy(new PolicyStatement({ actions, resources }));
    return this;
  }

  /** Sets `envName` to the topic's ARN, with publish rights (and its KMS key's use) when `publish`. */
  bindTopic(envName: string, topic: ITopic, publish: boolean, keyArn?: string): this {
    this.addEnvironment(envName, topic.topicArn);
    if (!publish) return this;
    this.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    if (keyArn)
      this.addToRolePolicy(
        new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [keyArn] }),
      );
    return this;
  }

  private acknowledge(id: string, reason: string): void {
    Validations.of(this).acknowledge({ id, reason });
  }

  private acknowledgeOnRole(id: string, reason: string): void {
    Validations.of(this.role!).acknowledge({ id, reason });
  }
}

/** The CloudFormation logical id of a construct's resource (as cdk-nag names it in findings). */
export function logicalId(construct: Construct): string {
  const child = (construct.node.defaultChild ?? construct) as Construct;
  return Stack.of(construct).getLogicalId(child as never);
}

export const seconds = (s: number): Duration => Duration.seconds(s);
