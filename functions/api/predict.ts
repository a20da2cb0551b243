/**
 * POST /predict and POST /predict/batch: the forecast API, its own Lambda entry so that its bundle
 * holds only what a forecast needs — the serving use case, DynamoDB (pointers, serving models, the
 * prediction log), zod's mini build, Powertools — and its cold start stays short
 * (docs/decisions/0006-predict-cold-start.md). Validates the body, serves the production model or
 * the A/B candidate, logs the prediction.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { SYMBOL_MAX_LENGTH, SYMBOL_PATTERN } from '#shared/identifiers';
import { type PredictRequestBody, servePrediction } from '#shared/usecases/serving';
import { errorResponse, json, parseBody } from '../lib/http.ts';
import { instrumented, metrics } from '../lib/observability.ts';
import { servingContext } from '../lib/serving-context.ts';

// zod's mini build has no default locale: the same English messages as the classic build.
z.config(en());

const predictBody = z.strictObject({
  symbol: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(SYMBOL_MAX_LENGTH),
      z.regex(SYMBOL_PATTERN, 'must have no control character, slash or edge space'),
    ),
  regime: z.optional(z.string().check(z.minLength(1), z.maxLength(32))),
  horizon: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(252)), 1),
});

const batchBody = (maxBatch: number) =>
  z.strictObject({ requests: z.array(predictBody).check(z.minLength(1), z.maxLength(maxBatch)) });

function api() {
  return servingContext().config.platform.api;
}

async function predictOne(body: PredictRequestBody, requestId: string) {
  const started = performance.now();
  const served = await servePrediction(servingContext(), body, requestId, {
    cacheSeconds: api().modelCacheSeconds,
    ttlDays: api().predictionTtlDays,
  });
  metrics.addDimensions({ modelVersion: served.modelVersion, arm: served.arm });
  metrics.addMetric('PredictLatency', 'Milliseconds', performance.now() - started);
  metrics.addMetric('Predictions', 'Count', 1);
  return served;
}

/** POST /predict and POST /predict/batch (each batch item answered or failed on its own). */
export const predict = instrumented(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  try {
    const raw = parseBody(event, api().maxBodyBytes);
    const requestId = event.requestContext.requestId;
    if (event.resource === '/predict/batch') {
      const batch = batchBody(api().maxBatch).parse(raw);
      const results = [];
      for (const [i, request] of batch.requests.entries()) {
        try {
          results.push({ ok: true, ...(await predictOne(request, `${requestId}#${i}`)) });
        } catch (error) {
          const response = errorResponse(error);
          if (response.statusCode >= 500) throw error;
          results.push({ ok: false, index: i, status: response.statusCode, ...JSON.parse(response.body) });
        }
      }
      return json(200, { results });
    }
    return json(200, await predictOne(predictBody.parse(raw), requestId));
  } catch (error) {
    return errorResponse(error);
  }
});
