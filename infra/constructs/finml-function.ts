/**
 * FinmlFunction: NodejsFunction with the team's defaults — Node.js 22 on ARM64, X-Ray tracing, an
 * explicit log group with retention, ESM + minified bundles with source maps (applied to stack
 * traces at run time unless a function opts out), the config the stack was given bundled as
 * validated JSON, the SDK's credential chain reduced to Lambda's environment credentials
 * — and helpers that add an environment variable and its IAM grant together. Each function records
 * its source entry and export as template metadata, so the local runtime can run the very same
 * handler without bundling.
 */
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { BUNDLED_CONFIG_FILE, bundledConfigText } from '#composition/bundled-config';
import type { FinmlConfig } from '#config/schema';
import { hashJson } from '#shared/hash';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** NODE_OPTIONS of a function that applies its source map to stack traces at run time. */
export const RUNTIME_SOURCE_MAPS = '--enable-source-maps';

/**
 * esbuild aliases of every bundle: the SDK's default credential provider becomes Lambda's
 * environment credentials (shared/aws/lambda-credentials.ts; docs/decisions/0006-predict-cold-start.md).
 * Paths are relative to the project root, esbuild's working directory.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './shared/aws/lambda-credentials.ts',
};

/** Template metadata keys read by the local runtime (infra/local). */
export const ENTRY_METADATA = 'finml:entry';
export const EXPORT_METADATA = 'finml:export';

export interface FinmlFunctionProps {
  /** Handler module, relative to the repository root (e.g. `functions/api/predict.ts`). */
  readonly entry: string;
  /** The exported handler in that module. */
  readonly export: string;
  readonly description: string;
  readonly timeout: Duration;
  /** @default 1024 */
  readonly memorySize?: number;
  readonly logRetention: RetentionDays;
  readonly environment?: Record<string, string>;
  /** The validated config the stack was built with: bundled as the function's config.json. */
  readonly config: FinmlConfig;
}

export type { Access } from '../grants.ts';

import type { Access } from '../grants.ts';

export class FinmlFunction extends NodejsFunction {
  private runtimeSourceMaps = true;
  /** The config.json this function's bundle carries (the config the stack was given). */
  readonly bundledConfig: string;

  constructor(scope: Construct, id: string, props: FinmlFunctionProps) {
    // The config the stack was given, written into the bundle as JSON (composition/bundled-config.ts).
    const configText = bundledConfigText({ config: props.config, hash: hashJson(props.config) });
    const bundledConfig = Buffer.from(configText).toString('base64');
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
        esbuildArgs: {
          '--alias': Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`),
        },
        tsconfig: join(REPO_ROOT, 'tsconfig.json'),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `mkdir -p "${outputDir}/config"`,
            `node -e "require('node:fs').writeFileSync(process.argv[1], Buffer.from(process.argv[2], 'base64'))" "${outputDir}/config/${BUNDLED_CONFIG_FILE}" ${bundledConfig}`,
          ],
        },
      },
    });
    this.bundledConfig = configText;
    // Decided at synthesis, so that a construct wiring the function can still opt out.
    this.addEnvironment(
      'NODE_OPTIONS',
      Lazy.string({ produce: () => (this.runtimeSourceMaps ? RUNTIME_SOURCE_MAPS : undefined) }),
    );
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
      'Invoked synchronously (Step Functions retries and catches; API Gateway returns the error) or by EventBridge rules whose targets have a dead-letter queue (for delivery; a failed run raises its own pipelineFailed alert); RequestedRetraining also sends failed invocations to that queue (on-failure destination).',
    );
  }

  /**
   * Stack traces stay minified at run time (no `--enable-source-maps`): for a function whose cold
   * start matters more than readable traces in its logs. The source map still ships in the asset,
   * to map a logged frame offline (docs/decisions/0006-predict-cold-start.md).
   */
  withoutRuntimeSourceMaps(): this {
    this.runtimeSourceMaps = false;
    return this;
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

  /** Grants writing objects under `prefix` of a bucket (and nothing else of it). */
  grantPut(bucket: IBucket, prefix: string): this {
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${prefix}*`)] }),
    );
    this.acknowledgeOnRole(
      `AwsSolutions-IAM5[Resource::<${logicalId(bucket)}.Arn>/${prefix}*]`,
      `Writes under ${prefix} only (request objects named by their time; object keys are data).`,
    );
    return this;
  }

  /** Grants deleting the objects under `prefix` of a bucket (a run's staging), and nothing else. */
  grantDelete(bucket: IBucket, prefix: string): this {
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:DeleteObject'], resources: [bucket.arnForObjects(`${prefix}*`)] }),
    );
    this.acknowledgeOnRole(
      `AwsSolutions-IAM5[Resource::<${logicalId(bucket)}.Arn>/${prefix}*]`,
      `Deletes under ${prefix} only (what a run staged; object keys are data).`,
    );
    return this;
  }

  /**
   * Grants placing (and removing) Object Lock legal holds on the objects under `prefix` of a bucket —
   * what registration does to the gold versions a model was trained on (decision 22). Nothing else:
   * no read, no write, no bypass of a lock.
   */
  grantLegalHold(bucket: IBucket, prefix: string): this {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObjectLegalHold'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    this.acknowledgeOnRole(
      `AwsSolutions-IAM5[Resource::<${logicalId(bucket)}.Arn>/${prefix}*]`,
      `Legal holds on the objects under ${prefix} only (the gold partitions; object keys are data).`,
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
