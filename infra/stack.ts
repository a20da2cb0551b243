/**
 * The FINML stack: composes the constructs. Config comes from config/*.yaml (validated; a bad file
 * fails synth naming the file and key); the alert e-mail from the context value `alertEmail`.
 */
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '#composition/env';
import type { FinmlConfig } from '#config/schema';
import { OUTCOME_INDEX_NAME } from '#shared/aws/tables';
import { keys } from '#shared/usecases/lake';
import { AlertTopic } from './constructs/alerts.ts';
import { LakeCatalog } from './constructs/catalog.ts';
import { DashboardSite } from './constructs/dashboard-site.ts';
import { DataLake } from './constructs/data-lake.ts';
import { FinmlFunction, seconds } from './constructs/finml-function.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Pipeline } from './constructs/pipeline.ts';
import { PredictionApi } from './constructs/prediction-api.ts';
import { Registry } from './constructs/registry.ts';
import { FUNCTION_GRANTS, type Grants } from './grants.ts';

export interface FinmlStackProps extends StackProps {
  readonly config: FinmlConfig;
  readonly alertEmail?: string;
  /** Written into every function's environment (package version + commit). */
  readonly codeVersion: string;
}

export class FinmlStack extends Stack {
  constructor(scope: Construct, id: string, props: FinmlStackProps) {
    super(scope, id, props);
    const { config } = props;
    const p = config.platform;
    const logRetention = retention(p.functions.logRetentionDays);

    const lake = new DataLake(this, 'DataLake', { config: p.lake });
    const registry = new Registry(this, 'Registry');
    const alerts = new AlertTopic(this, 'Alerts', props.alertEmail ? { email: props.alertEmail } : {});
    const site = new DashboardSite(this, 'Dashboard', { accessLogs: lake.accessLogs });
    const catalog = new LakeCatalog(this, 'Catalog', {
      config: p.athena,
      data: config.data,
      silver: lake.silver,
      gold: lake.gold,
      accessLogs: lake.accessLogs,
    });

    const fn = (
      id: string,
      entry: string,
      exported: string,
      description: string,
      timeout: number,
      grants: Grants,
      memoryMb = p.functions.memoryMb,
    ) => {
      const f = new FinmlFunction(this, id, {
        entry,
        export: exported,
        description,
        timeout: seconds(timeout),
        memorySize: memoryMb,
        logRetention,
        config,
        environment: {
          [ENV.codeVersion]: props.codeVersion,
          [ENV.dashboardUrl]: `https://${site.distribution.distributionDomainName}`,
        },
      });
      f.bindBucket(ENV.bronzeBucket, lake.bronze, grants.bronze)
        .bindBucket(ENV.silverBucket, lake.silver, grants.silver)
        .bindBucket(ENV.goldBucket, lake.gold, grants.gold)
        .bindBucket(ENV.artifactsBucket, lake.artifacts, grants.artifacts)
        .bindBucket(ENV.quarantineBucket, lake.quarantine, grants.quarantine)
        .bindTable(ENV.registryTable, registry.models, grants.registry)
        .bindTable(ENV.predictionsTable, registry.predictions, grants.predictions, [OUTCOME_INDEX_NAME])
        .bindTopic(ENV.alertTopic, alerts.topic, grants.publish ?? false, alerts.key.keyArn);
      if (grants.holdGold) f.grantLegalHold(lake.gold, keys.goldPrefix);
      if (grants.requestRetraining) f.grantPut(lake.artifacts, keys.retrainingRequestPrefix);
      if (grants.deleteStaging) {
        f.grantDelete(lake.silver, 'staging/');
        f.grantDelete(lake.gold, 'staging/');
      }
      return f;
    };
    const t = p.functions.timeoutSeconds;
    const PIPE = 'functions/pipeline/handlers.ts';
    const tasks = {
      claim: fn('Claim', PIPE, 'claim', 'Claims a bronze object version once', t.task, FUNCTION_GRANTS.Claim),
      validate: fn(
        'ValidateBronze',
        PIPE,
        'validate',
        'Bronze rules and gate',
        t.task,
        FUNCTION_GRANTS.ValidateBronze,
      ),
      clean: fn(
        'CleanToSilver',
        PIPE,
        'clean',
        'Silver cleaning and merge',
        t.task,
        FUNCTION_GRANTS.CleanToSilver,
      ),
      gold: fn(
        'GoldForSymbol',
        PIPE,
        'gold',
        'Gold features and regimes of one symbol',
        t.task,
        FUNCTION_GRANTS.GoldForSymbol,
      ),
      finish: fn(
        'ValidateGold',
        PIPE,
        'finish',
        'Gold gate, publishing the staged gold, run metadata',
        t.publish,
        FUNCTION_GRANTS.ValidateGold,
      ),
      outcomes: fn(
        'RecordOutcomes',
        PIPE,
        'outcomes',
        'Realised outcomes of logged predictions',
        t.task,
        FUNCTION_GRANTS.RecordOutcomes,
      ),
      drift: fn('DriftCheck', PIPE, 'drift', 'Drift against production', t.task, FUNCTION_GRANTS.DriftCheck),
      // Training holds the gold in memory: its own memory size (platform functions.trainMemoryMb).
      train: fn(
        'Train',
        PIPE,
        'train',
        'Fits and evaluates the regime model',
        t.train,
        FUNCTION_GRANTS.Train,
        p.functions.trainMemoryMb,
      ),
      register: fn(
        'Register',
        PIPE,
        'register',
        'Registers a model: production or A/B candidate',
        t.task,
        FUNCTION_GRANTS.Register,
      ),
      quarantine: fn(
        'Quarantine',
        PIPE,
        'quarantine',
        'Quarantines rejected input with its report',
        t.task,
        FUNCTION_GRANTS.Quarantine,
      ),
    };
    const onFailure = fn(
      'PipelineFailed',
      PIPE,
      'failed',
      'A failed, timed-out or aborted execution: one alert, claim marked failed',
      t.task,
      FUNCTION_GRANTS.PipelineFailed,
    );
    // One entry per API function: /predict's bundle holds only what a forecast needs (decision 6).
    const predict = fn(
      'Predict',
      'functions/api/predict.ts',
      'predict',
      'POST /predict and /predict/batch',
      t.api,
      FUNCTION_GRANTS.Predict,
    );
    const read = fn('Read', 'functions/api/read.ts', 'read', 'Dashboard reads', t.api, FUNCTION_GRANTS.Read);
    // POST /admin/reproduce trains a model again: the train function's memory, the longest API timeout.
    const admin = fn(
      'Admin',
      'functions/api/admin.ts',
      'admin',
      'Promote, roll back, retry, reproduce, request a retraining',
      t.admin,
      FUNCTION_GRANTS.Admin,
      p.functions.trainMemoryMb,
    );
    const SCHED = 'functions/scheduled/handlers.ts';
    const scheduled = {
      drift: fn(
        'ScheduledDrift',
        SCHED,
        'drift',
        'Hourly drift check (retrains when the rules say so)',
        t.scheduled,
        FUNCTION_GRANTS.ScheduledDrift,
        p.functions.trainMemoryMb, // retrains when the rules say so
      ),
      abEvaluation: fn(
        'ScheduledAbEvaluation',
        SCHED,
        'abEvaluation',
        'Daily A/B decision and rollback check',
        t.scheduled,
        FUNCTION_GRANTS.ScheduledAbEvaluation,
      ),
      retraining: fn(
        'ScheduledRetraining',
        SCHED,
        'retraining',
        'Weekly retraining',
        t.scheduled,
        FUNCTION_GRANTS.ScheduledRetraining,
        p.functions.trainMemoryMb,
      ),
      retrainingRequested: fn(
        'RequestedRetraining',
        SCHED,
        'retrainingRequested',
        "An operator's retraining request (POST /admin/retrain): trains at once, with force",
        t.scheduled,
        FUNCTION_GRANTS.RequestedRetraining,
        p.functions.trainMemoryMb,
      ),
    };

    const deadLetters = new Queue(this, 'EventDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the bronze-event rule target.',
    });
    Validations.of(deadLetters).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'A dead-letter queue has no further redrive target; failed events wait here for inspection.',
    });
    const pipeline = new Pipeline(this, 'Pipeline', {
      config: p,
      bronze: lake.bronze,
      tasks,
      logRetention,
      deadLetters,
      onFailure,
    });
    const api = new PredictionApi(this, 'PredictionApi', {
      config: p.api,
      allowOrigins: [`https://${site.distribution.distributionDomainName}`],
      predict,
      read,
      admin,
      logRetention,
    });
    new Monitoring(this, 'Monitoring', {
      config: p,
      topic: alerts.topic,
      ...scheduled,
      api: api.api,
      stateMachine: pipeline.stateMachine,
      artifacts: lake.artifacts,
    });

    // S3 → EventBridge notifications are configured by a CDK-provided custom resource.
    const notifications = this.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
    if (notifications) {
      Validations.of(notifications).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'CDK’s own S3-notification custom resource (it turns on EventBridge for the bronze and artifacts buckets) uses this managed policy.',
      });
      Validations.of(notifications).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'CDK’s own S3-notification custom resource needs s3:PutBucketNotification, which it scopes itself.',
      });
    }

    new CfnOutput(this, 'BronzeBucket', {
      value: lake.bronze.bucketName,
      description: `Drop CSVs under ${p.lake.inputPrefixes.join(' or ')}`,
    });
    new CfnOutput(this, 'ApiUrl', { value: api.api.url });
    new CfnOutput(this, 'ApiKeyCommand', {
      value: `aws apigateway get-api-key --api-key ${api.apiKeyId} --include-value --query value --output text`,
      description: 'Prints the API key',
    });
    new CfnOutput(this, 'DashboardUrl', { value: `https://${site.distribution.distributionDomainName}` });
    new CfnOutput(this, 'DashboardBucket', { value: site.bucket.bucketName });
    new CfnOutput(this, 'StateMachineArn', { value: pipeline.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlertTopicArn', { value: alerts.topic.topicArn });
    new CfnOutput(this, 'AthenaWorkGroup', {
      value: catalog.workGroup.ref,
      description: 'Run queries here (aws athena start-query-execution --work-group …)',
    });
    new CfnOutput(this, 'GlueDatabase', {
      value: catalog.databaseName,
      description:
        'Tables silver, gold (all symbols) and silver_by_symbol, gold_by_symbol (name the symbol_key)',
    });
    new CfnOutput(this, 'AthenaAnalystPolicyArn', {
      value: catalog.analystPolicy.managedPolicyArn,
      description: "Attach to a user, group or role to run the workgroup's queries",
    });
  }
}

const RETENTIONS = Object.values(RetentionDays)
  .filter((v): v is number => typeof v === 'number')
  .sort((a, b) => a - b);

/** The smallest CloudWatch retention at least as long as `days`. */
function retention(days: number): RetentionDays {
  return (RETENTIONS.find((r) => r >= days) ?? RetentionDays.INFINITE) as RetentionDays;
}
