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
import { awsServingContext, type PredictContext } from '#composition/aws-serving-context';
import { lazy } from '#composition/lazy';
import { SYMBOL_MAX_LENGTH, SYMBOL_PATTERN } from '#shared/identifiers';
import { type PredictRequestBody, type ServedForecast, serveForecast } from '#shared/usecases/serving';
import { errorResponse, json, parseBody } from '../lib/http.ts';
import { instrumented, metrics } from '../lib/observability.ts';

// zod's mini build has no default locale: the same English messages as the classic build.
z.config(en());

const predictBody = z
  .strictObject({
    symbol: z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(SYMBOL_MAX_LENGTH),
        z.regex(SYMBOL_PATTERN, 'must have no control character, slash or edge space'),
      ),
    regime: z.optional(z.string().check(z.minLength(1), z.maxLength(32))),
    horizon: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(252)), 1),
    // Days already in `regime` (with `regime` only; a symbol's start has its live age).
    age: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(100_000))),
  })
  .check(
    z.refine((b) => b.age === undefined || b.regime !== undefined, {
      message: 'age goes with regime (the days already spent in it); without regime the live age is used',
      path: ['age'],
    }),
  );

const batchBody = (maxBatch: number) =>
  z.strictObject({ requests: z.array(predictBody).check(z.minLength(1), z.maxLength(maxBatch)) });

async function predictOne(
  ctx: PredictContext,
  body: PredictRequestBody,
  requestId: string,
): Promise<ServedForecast> {
  const api = ctx.config.platform.api;
  const started = performance.now();
  const served = await serveForecast(ctx, body, requestId, {
    cacheSeconds: api.modelCacheSeconds,
    refreshAheadSeconds: api.refreshAheadSeconds,
    ttlDays: api.predictionTtlDays,
  });
  metrics.addDimensions({ modelVersion: served.forecast.modelVersion, arm: served.arm });
  metrics.addMetric('PredictLatency', 'Milliseconds', performance.now() - started);
  metrics.addMetric('Predictions', 'Count', 1);
  return served;
}

/** POST /predict and POST /predict/batch on a context (the Lambda export uses the AWS one). */
export function createHandlers(context: () => PredictContext) {
  return { predict: instrumented(async (event: APIGatewayProxyEvent) => handle(context(), event)) };
}

export const { predict } = createHandlers(lazy(() => awsServingContext()));

/** Each batch item is answered or failed on its own. */
async function handle(ctx: PredictContext, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const api = ctx.config.platform.api;
  try {
    const raw = parseBody(event, api.maxBodyBytes);
    const requestId = event.requestContext.requestId;
    if (event.resource === '/predict/batch') {
      const batch = batchBody(api.maxBatch).parse(raw);
      const results = [];
      for (const [i, request] of batch.requests.entries()) {
        try {
          const served = await predictOne(ctx, request, `${requestId}#${i}`);
          results.push({ ok: true, ...served.forecast, requestId: served.requestId, arm: served.arm });
        } catch (error) {
          const response = errorResponse(error);
          if (response.statusCode >= 500) throw error;
          results.push({ ok: false, index: i, status: response.statusCode, ...JSON.parse(response.body) });
        }
      }
      return json(200, { results });
    }
    return answer(await predictOne(ctx, predictBody.parse(raw), requestId));
  } catch (error) {
    return errorResponse(error);
  }
}

/** The JSON of each forecast answered (every answer of a symbol-day shares its forecast). */
const forecastJson = new WeakMap<object, string>();

/**
 * `json(200, { ...forecast, requestId, arm })`, with the forecast's part written once: the answer is
 * the forecast's JSON with the request's id and arm appended (the same text: they are its last keys
 * and plain strings).
 */
function answer(served: ServedForecast): APIGatewayProxyResult {
  const { forecast } = served;
  let text = forecastJson.get(forecast);
  if (text === undefined) {
    text = json(200, forecast).body;
    forecastJson.set(forecast, text);
  }
  const tail = `,"requestId":${JSON.stringify(served.requestId)},"arm":${JSON.stringify(served.arm)}}`;
  return { ...json(200, null), body: text.slice(0, -1) + tail };
}
