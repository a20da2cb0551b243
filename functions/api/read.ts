/** The dashboard's read endpoints (GET): each route validates its query with zod and calls one use case. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { awsContext } from '#composition/aws-context';
import { lazy } from '#composition/lazy';
import { parseIsoDay } from '#shared/data/values';
import { MODEL_VERSION_PATTERN, SYMBOL_MAX_LENGTH, SYMBOL_PATTERN } from '#shared/identifiers';
import type { Context } from '#shared/usecases/lake';
import {
  currentRegimes,
  driftHistory,
  history,
  listModels,
  modelDetails,
  NotFoundError,
  status,
  timeline,
} from '#shared/usecases/reads';
import { errorResponse, json } from '../lib/http.ts';
import { instrumented } from '../lib/observability.ts';

const isoDate = z.string().refine((d) => parseIsoDay(d) !== undefined, 'must be a calendar day YYYY-MM-DD');
const symbol = z
  .string()
  .min(1)
  .max(SYMBOL_MAX_LENGTH)
  .regex(SYMBOL_PATTERN, 'must have no control character, slash or edge space');
const version = z
  .string()
  .regex(MODEL_VERSION_PATTERN, 'must be a model version such as 20240102T030405-0a1b2c3d');
const limit = z.coerce.number().int().min(1).max(500).default(50);
const HISTORY = {
  '/alerts': 'alert',
  '/quality': 'quality',
  '/abtests': 'abtest',
  '/jobs': 'job',
  '/events': 'events',
} as const;

/** GET routes of the dashboard, on a context (the Lambda export uses the AWS one). */
export function createHandlers(context: () => Context) {
  return { read: instrumented(async (event: APIGatewayProxyEvent) => handle(context(), event)) };
}

export const { read } = createHandlers(lazy(() => awsContext()));

async function handle(ctx: Context, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    const q = event.queryStringParameters ?? {};
    // API Gateway keeps the last of a repeated parameter: ?symbol=A&symbol=B answered for B alone.
    const repeated = Object.entries(event.multiValueQueryStringParameters ?? {}).find(
      ([, values]) => (values?.length ?? 0) > 1,
    );
    if (repeated !== undefined) {
      return json(400, {
        message: 'invalid request',
        issues: [{ path: repeated[0], message: `given ${repeated[1]!.length} times: give it once` }],
      });
    }
    switch (event.resource) {
      case '/status':
        return json(200, await status(ctx));
      case '/regimes':
        return json(200, await currentRegimes(ctx));
      case '/timeline': {
        const p = z
          .object({ symbol, from: isoDate.optional(), to: isoDate.optional() })
          .refine((x) => x.from === undefined || x.to === undefined || x.from <= x.to, {
            message: 'from must not be after to',
            path: ['from'],
          })
          .parse(q);
        return json(200, await timeline(ctx, p.symbol, p.from, p.to));
      }
      case '/models':
        return json(200, await listModels(ctx));
      case '/models/{version}':
        return json(
          200,
          await modelDetails(ctx, z.object({ version }).parse(event.pathParameters ?? {}).version),
        );
      case '/config':
        return json(200, { config: ctx.config, configHash: ctx.configHash });
      case '/drift': {
        const p = z.object({ limit, symbol: symbol.optional() }).parse(q);
        return json(200, await driftHistory(ctx, p.limit, p.symbol));
      }
      default: {
        const kind = HISTORY[event.resource as keyof typeof HISTORY];
        if (kind === undefined) return json(404, { message: `no route ${event.resource}` });
        return json(200, await history(ctx, kind, z.object({ limit }).parse({ limit: q.limit }).limit));
      }
    }
  } catch (error) {
    return errorResponse(error, [NotFoundError]);
  }
}
