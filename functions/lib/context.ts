/**
 * The use-case context of every handler, built once per cold start: config from the bundled YAML,
 * and the AWS adapters on the buckets, tables and topic the stack passes in the environment.
 */
import { loadConfig } from '#config/load';
import { dynamoDocumentClient, s3Client, snsClient } from '#shared/aws/clients';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { S3ObjectStore } from '#shared/aws/s3-store';
import { SnsAlertPublisher } from '#shared/aws/sns-publisher';
import type { Context } from '#shared/usecases/lake';
import { requiredEnv } from './env.ts';

/** Environment variable names the stack sets (infra/ uses the same constants). */
export const ENV = {
  bronzeBucket: 'BRONZE_BUCKET',
  silverBucket: 'SILVER_BUCKET',
  goldBucket: 'GOLD_BUCKET',
  artifactsBucket: 'ARTIFACTS_BUCKET',
  quarantineBucket: 'QUARANTINE_BUCKET',
  registryTable: 'REGISTRY_TABLE',
  predictionsTable: 'PREDICTIONS_TABLE',
  alertTopic: 'ALERT_TOPIC_ARN',
  dashboardUrl: 'DASHBOARD_URL',
  codeVersion: 'FINML_CODE_VERSION',
} as const;

let cached: Context | undefined;

/** The context, built on first use (module scope of the warm Lambda). */
export function context(): Context {
  if (cached) return cached;
  const { config, hash } = loadConfig();
  const dashboardUrl = process.env[ENV.dashboardUrl];
  cached = {
    store: new S3ObjectStore(s3Client),
    registry: new DynamoModelRegistry(dynamoDocumentClient, requiredEnv(ENV.registryTable)),
    predictions: new DynamoPredictionLog(dynamoDocumentClient, requiredEnv(ENV.predictionsTable)),
    alerts: new SnsAlertPublisher(snsClient, requiredEnv(ENV.alertTopic)),
    buckets: {
      bronze: requiredEnv(ENV.bronzeBucket),
      silver: requiredEnv(ENV.silverBucket),
      gold: requiredEnv(ENV.goldBucket),
      artifacts: requiredEnv(ENV.artifactsBucket),
      quarantine: requiredEnv(ENV.quarantineBucket),
    },
    config,
    configHash: hash,
    ...(dashboardUrl ? { dashboardUrl } : {}),
    now: () => new Date(),
  };
  return cached;
}

/** Replaces the context (the local runtime's tests inject clocks; unit tests inject fakes). */
export function setContext(ctx: Context | undefined): void {
  cached = ctx;
}

export const codeVersion = (): string => process.env[ENV.codeVersion] ?? 'unknown';
