/**
 * The /predict function's context: the registry (pointers and serving models) and the prediction
 * log on DynamoDB, the bundled config, a clock — no S3, no SNS, no YAML, so that its bundle and its
 * cold start stay small (docs/decisions/0006-predict-cold-start.md).
 */
import type { FinmlConfig } from '#config/schema';
import { createDynamoDocumentClient } from '#shared/aws/dynamo-client';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import type { ServingContext } from '#shared/usecases/serving';
import { bundledConfig } from './bundled-config.ts';
import { ENV, requiredEnv } from './env.ts';

/** What the /predict handler uses: serving's ports, and the config (the API limits). */
export interface PredictContext extends ServingContext {
  config: Pick<FinmlConfig, 'platform'>;
}

export function awsServingContext(env: NodeJS.ProcessEnv = process.env): PredictContext {
  const { config } = bundledConfig(env.FINML_CONFIG_DIR);
  const documentClient = createDynamoDocumentClient();
  return {
    registry: new DynamoModelRegistry(documentClient, requiredEnv(ENV.registryTable, env), {
      liveStateCacheSeconds: config.platform.api.liveStateCacheSeconds,
      liveStateRefreshAheadSeconds: config.platform.api.refreshAheadSeconds,
    }),
    predictions: new DynamoPredictionLog(documentClient, requiredEnv(ENV.predictionsTable, env)),
    config,
    now: () => new Date(),
  };
}
