/**
 * The composition root of the deployed functions: the use-case context from the AWS adapters on the
 * buckets, tables and topic the stack names in the environment, and the config bundled with the
 * function (./bundled-config.ts). Handlers receive a context provider (functions/*: each entry module
 * exports `createHandlers(context)`, and its Lambda exports are `createHandlers(lazy(awsContext))`);
 * the local runtime and the tests pass their own. The /predict function builds a leaner one
 * (./aws-serving-context.ts).
 */
import { createDynamoDocumentClient } from '#shared/aws/dynamo-client';
import { DynamoLeaseStore } from '#shared/aws/dynamo-leases';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { createS3Client } from '#shared/aws/s3-client';
import { S3ObjectStore } from '#shared/aws/s3-store';
import { createSnsClient } from '#shared/aws/sns-client';
import { SnsAlertPublisher } from '#shared/aws/sns-publisher';
import type { Context } from '#shared/usecases/lake';
import { bundledConfig } from './bundled-config.ts';
import { ENV, requiredEnv } from './env.ts';

/** The context of a deployed function: SDK clients and adapters from its environment and bundle. */
export function awsContext(env: NodeJS.ProcessEnv = process.env): Context {
  const { config, hash } = bundledConfig(env.FINML_CONFIG_DIR);
  const documentClient = createDynamoDocumentClient();
  const dashboardUrl = env[ENV.dashboardUrl];
  const required = (name: string) => requiredEnv(name, env);
  return {
    store: new S3ObjectStore(createS3Client()),
    registry: new DynamoModelRegistry(documentClient, required(ENV.registryTable)),
    predictions: new DynamoPredictionLog(documentClient, required(ENV.predictionsTable)),
    leases: new DynamoLeaseStore(documentClient, required(ENV.registryTable)),
    alerts: new SnsAlertPublisher(createSnsClient(), required(ENV.alertTopic)),
    buckets: {
      bronze: required(ENV.bronzeBucket),
      silver: required(ENV.silverBucket),
      gold: required(ENV.goldBucket),
      artifacts: required(ENV.artifactsBucket),
      quarantine: required(ENV.quarantineBucket),
    },
    config,
    configHash: hash,
    ...(dashboardUrl ? { dashboardUrl } : {}),
    now: () => new Date(),
  };
}
