/**
 * The /predict function's context: the registry (pointers and serving models) and the prediction
 * log on DynamoDB, the bundled config, a clock — no S3, no SNS, no YAML, so that its bundle and its
 * cold start stay small (docs/decisions/0006-predict-cold-start.md). The DynamoDB client is built at
 * module scope (once per container); the adapters on the first request, as the other handlers'
 * context is. A context set by setContext (local runtime, tests) takes its place.
 */
import type { FinmlConfig } from '#config/schema';
import { createDynamoDocumentClient } from '#shared/aws/dynamo-client';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import type { ServingContext } from '#shared/usecases/serving';
import { bundledConfig } from './bundled-config.ts';
import { contextOverride } from './context-override.ts';
import { ENV, requiredEnv } from './env.ts';

/** What the /predict handler uses: serving's ports, and the config (the API limits). */
export interface PredictContext extends ServingContext {
  config: Pick<FinmlConfig, 'platform'>;
}

const documentClient = createDynamoDocumentClient();

let cached: PredictContext | undefined;

/** The /predict context (the one set by setContext, else built on first use). */
export function servingContext(): PredictContext {
  const injected = contextOverride();
  if (injected) return injected;
  if (cached) return cached;
  const { config } = bundledConfig();
  cached = {
    registry: new DynamoModelRegistry(documentClient, requiredEnv(ENV.registryTable)),
    predictions: new DynamoPredictionLog(documentClient, requiredEnv(ENV.predictionsTable)),
    config,
    now: () => new Date(),
  };
  return cached;
}
