/**
 * The use-case context of the pipeline, scheduled, read and admin handlers, built once per cold
 * start: the bundled config (./bundled-config.ts; the YAML when run unbundled), and the AWS
 * adapters on the buckets, tables and topic the stack passes in the environment. The /predict
 * function builds a leaner one (./serving-context.ts).
 */
import { loadConfig } from '#config/load';
import { createDynamoDocumentClient } from '#shared/aws/dynamo-client';
import { DynamoLeaseStore } from '#shared/aws/dynamo-leases';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { createS3Client } from '#shared/aws/s3-client';
import { S3ObjectStore } from '#shared/aws/s3-store';
import { createSnsClient } from '#shared/aws/sns-client';
import { SnsAlertPublisher } from '#shared/aws/sns-publisher';
import type { Context } from '#shared/usecases/lake';
import { readBundledConfig } from './bundled-config.ts';
import { contextOverride, setContext } from './context-override.ts';
import { codeVersion, ENV, requiredEnv } from './env.ts';

export { codeVersion, ENV, setContext };

/** SDK clients, built once per container from the environment. */
const s3Client = createS3Client();
const dynamoDocumentClient = createDynamoDocumentClient();
const snsClient = createSnsClient();

let cached: Context | undefined;

/** The context (the one set by setContext, else built on first use and kept for the warm Lambda). */
export function context(): Context {
  const injected = contextOverride();
  if (injected) return injected;
  if (cached) return cached;
  const { config, hash } = readBundledConfig() ?? loadConfig();
  const dashboardUrl = process.env[ENV.dashboardUrl];
  cached = {
    store: new S3ObjectStore(s3Client),
    registry: new DynamoModelRegistry(dynamoDocumentClient, requiredEnv(ENV.registryTable)),
    predictions: new DynamoPredictionLog(dynamoDocumentClient, requiredEnv(ENV.predictionsTable)),
    leases: new DynamoLeaseStore(dynamoDocumentClient, requiredEnv(ENV.registryTable)),
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
