/**
 * The prediction API's Lambda handlers: forecasts (with A/B routing and logging), the dashboard's
 * read endpoints, and the admin routes. Each route validates its input with zod and calls one use case.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import {
  currentRegimes,
  history,
  listModels,
  modelDetails,
  promote,
  rollback,
  status,
  timeline,
} from '#shared/usecases/reads';
import { resetServingCache, servePrediction } from '#shared/usecases/serving';
import { context } from '../lib/context.ts';
import { errorResponse, json, parseBody } from '../lib/http.ts';
import { instrumented, metrics } from '../lib/observability.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const predictBody = z.strictObject({
  symbol: z.string().min(1).max(64),
  regime: z.string().min(1).max(32).optional(),
  horizon: z.number().int().min(1).max(252).default(1),
});

function platform() {
  return context().config.platform.api;
}

async function predictOne(body: z.infer<typeof predictBody>, requestId: string) {
  const started = performance.now();
  const served = await servePrediction(context(), body, requestId, {
    cacheSeconds: platform().modelCacheSeconds,
    ttlDays: platform().predictionTtlDays,
  });
  metrics.addDimensions({ modelVersion: served.modelVersion, arm: served.arm });
  metrics.addMetric('PredictLatency', 'Milliseconds', performance.now() - started);
  metrics.addMetric('Predictions', 'Count', 1);
  return served;
}

/** POST /predict and POST /predict/batch. */
export const predict = instrumented(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  try {
    const raw = parseBody(event, platform().maxBodyBytes);
    const requestId = event.requestContext.requestId;
    if (event.resource === '/predict/batch') {
      const batch = z
        .strictObject({ requests: z.array(predictBody).min(1).max(platform().maxBatch) })
        .parse(raw);
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

const limit = z.coerce.number().int().min(1).max(500).default(50);
const HISTORY = {
  '/alerts': 'alert',
  '/drift': 'drift',
  '/quality': 'quality',
  '/abtests': 'abtest',
  '/jobs': 'job',
  '/events': 'events',
} as const;

/** GET routes of the dashboard. */
export const read = instrumented(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  try {
    const ctx = context();
    const q = event.queryStringParameters ?? {};
    switch (event.resource) {
      case '/status':
        return json(200, await status(ctx));
      case '/regimes':
        return json(200, await currentRegimes(ctx));
      case '/timeline': {
        const p = z
          .object({ symbol: z.string().min(1), from: isoDate.optional(), to: isoDate.optional() })
          .parse(q);
        return json(200, await timeline(ctx, p.symbol, p.from, p.to));
      }
      case '/models':
        return json(200, await listModels(ctx));
      case '/models/{version}':
        return json(200, await modelDetails(ctx, z.string().min(1).parse(event.pathParameters?.version)));
      case '/config':
        return json(200, { config: ctx.config, configHash: ctx.configHash });
      default: {
        const kind = HISTORY[event.resource as keyof typeof HISTORY];
        if (kind === undefined) return json(404, { message: `no route ${event.resource}` });
        return json(200, await history(ctx, kind, limit.parse(q.limit)));
      }
    }
  } catch (error) {
    return errorResponse(error);
  }
});

const adminBody = z.strictObject({
  version: z.string().min(1).optional(),
  reason: z.string().min(3).max(500),
});

/** POST /admin/promote {version, reason} and POST /admin/rollback {reason}. */
export const admin = instrumented(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  try {
    const body = adminBody.parse(parseBody(event, platform().maxBodyBytes));
    const ctx = context();
    resetServingCache();
    if (event.resource === '/admin/promote') {
      if (body.version === undefined) return json(400, { message: 'name the version to promote' });
      return json(200, await promote(ctx, body.version, body.reason));
    }
    return json(200, await rollback(ctx, body.reason));
  } catch (error) {
    return errorResponse(error);
  }
});
