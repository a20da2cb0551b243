/**
 * The admin routes: POST /admin/promote {version, reason}, POST /admin/rollback {reason}, POST
 * /admin/retry {key, reason} (runs a bronze object again, ../../shared/usecases/failures.ts) and POST
 * /admin/reject {reason, version?} (ends the candidate's A/B test by hand, rejecting it: 200, 404
 * without a candidate, 409 when `version` is not the candidate), /admin/reproduce {version, reason} (trains a registered version again from its lineage and
 * compares, ../../shared/usecases/lineage.ts: 200 with the verdict, 404 for an unknown version, 422
 * when its lineage is missing or its bytes changed) and POST /admin/retrain {reason} (202: a forced
 * retraining starts, ../../shared/usecases/retraining-requests.ts; 409 while an earlier request
 * trains, while a candidate's A/B test runs, or while there is no gold). Before
 * the production pointer moves, the versions involved get their serving models (models registered
 * before serving models existed have none, and /predict reads nothing else).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { awsContext } from '#composition/aws-context';
import { codeVersion } from '#composition/env';
import { lazy } from '#composition/lazy';
import { MODEL_VERSION_PATTERN } from '#shared/identifiers';
import { LineageError } from '#shared/model/lineage';
import { NotRunnableKeyError, retryObject } from '#shared/usecases/failures';
import type { Context } from '#shared/usecases/lake';
import { reproduceModel } from '#shared/usecases/lineage';
import { ensureServingModel } from '#shared/usecases/models';
import { productionHistory } from '#shared/usecases/production';
import { NotFoundError, promote, rejectCandidate, rollback } from '#shared/usecases/reads';
import { RetrainingBlockedError, requestRetraining } from '#shared/usecases/retraining-requests';
import { forgetModelsInService } from '#shared/usecases/serving';
import { errorResponse, json, parseBody } from '../lib/http.ts';
import { instrumented } from '../lib/observability.ts';

/** Text that is not well-formed UTF-16 (a lone surrogate: it has no UTF-8 form, S3 and JSON clients refuse it). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why the operator did it: kept in records and alerts, so printable text only. */
const reason = z
  .string()
  .trim()
  .min(3)
  .max(500)
  .refine(
    (s) => !/\p{Cc}/u.test(s) && !LONE_SURROGATE.test(s),
    'must be printable text (no control characters)',
  );

const adminBody = z.strictObject({
  version: z
    .string()
    .regex(MODEL_VERSION_PATTERN, 'must be a model version such as 20240102T030405-0a1b2c3d')
    .optional(),
  reason,
  /** /admin/promote only: promote a version that was rejected. */
  force: z.boolean().optional(),
});
/** An S3 object key: at most 1,024 bytes of UTF-8, and no "." or ".." segment (a local store resolves them). */
const objectKey = z
  .string()
  .min(1)
  .refine((k) => !LONE_SURROGATE.test(k), 'must be well-formed text (a lone surrogate has no UTF-8 form)')
  .refine((k) => Buffer.byteLength(k, 'utf8') <= 1024, 'must be at most 1,024 bytes of UTF-8 (the S3 limit)')
  .refine((k) => !k.split('/').some((s) => s === '.' || s === '..'), 'must have no "." or ".." path segment');
const retryBody = z.strictObject({ key: objectKey, reason });

/** Serving models for the versions in service and the one about to be, where they are missing. */
async function ensureServingModels(ctx: Context, target: string | undefined) {
  const [production, candidate] = await Promise.all([
    ctx.registry.getPointer('production'),
    ctx.registry.getPointer('candidate'),
  ]);
  // The version a rollback would restore is the first of the production history.
  const versions = new Set([
    production?.version,
    productionHistory(production)[0],
    candidate?.version,
    target,
  ]);
  for (const version of versions) {
    if (version != null && (await ctx.registry.getVersion(version)) !== undefined) {
      await ensureServingModel(ctx, version);
    }
  }
}

/** POST /admin/promote, /admin/rollback, /admin/retry, /admin/reproduce and /admin/retrain (see the module comment). */
export function createHandlers(context: () => Context) {
  return { admin: instrumented(async (event: APIGatewayProxyEvent) => handle(context(), event)) };
}

export const { admin } = createHandlers(lazy(() => awsContext()));

async function handle(ctx: Context, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    const raw = parseBody(event, ctx.config.platform.api.maxBodyBytes);
    if (event.resource === '/admin/retry') {
      const { key, reason } = retryBody.parse(raw);
      return json(202, await retryObject(ctx, key, reason));
    }
    const body = adminBody.parse(raw);
    if (body.force !== undefined && event.resource !== '/admin/promote') {
      return json(400, {
        message: 'invalid request',
        issues: [{ path: 'force', message: 'only /admin/promote takes force' }],
      });
    }
    if (event.resource === '/admin/retrain') {
      if (body.version !== undefined) return json(400, { message: 'retrain takes only a reason' });
      return json(202, await requestRetraining(ctx, body.reason));
    }
    if (event.resource === '/admin/reproduce') {
      if (body.version === undefined) return json(400, { message: 'name the version to reproduce' });
      return json(200, await reproduceModel(ctx, body.version, codeVersion()));
    }
    forgetModelsInService(ctx);
    if (event.resource === '/admin/reject') {
      return json(200, await rejectCandidate(ctx, body.reason, body.version));
    }
    if (event.resource === '/admin/promote') {
      if (body.version === undefined) return json(400, { message: 'name the version to promote' });
      await ensureServingModels(ctx, body.version);
      return json(200, await promote(ctx, body.version, body.reason, { force: body.force === true }));
    }
    await ensureServingModels(ctx, undefined);
    return json(200, await rollback(ctx, body.reason));
  } catch (error) {
    if (error instanceof LineageError) return json(422, { message: error.message });
    if (error instanceof RetrainingBlockedError) return json(409, { message: error.message });
    if (error instanceof NotRunnableKeyError) {
      return json(400, { message: 'invalid request', issues: [{ path: 'key', message: error.message }] });
    }
    return errorResponse(error, [NotFoundError]);
  }
}
