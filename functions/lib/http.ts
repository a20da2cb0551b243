/**
 * HTTP helpers of the API handlers: JSON responses, and typed errors mapped to status codes by
 * class (never by message text). A client never sees a stack trace. Lean on purpose (the /predict
 * function imports it): zod's core error class only, no use-case modules beyond serving.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { $ZodError } from 'zod/v4/core';
import { ENV } from '#composition/env';
import { PredictInputError } from '#shared/model/predict';
import { PointerConflictError } from '#shared/ports';
import { NoModelError, ServingModelMissingError } from '#shared/usecases/serving';
import { logger } from './observability.ts';

/**
 * The one origin browsers may call the API from: the dashboard's (the stack's DASHBOARD_URL). Without
 * it no cross-origin page may read an answer. Read once at cold start.
 */
const DASHBOARD_ORIGIN = (() => {
  const url = process.env[ENV.dashboardUrl];
  try {
    return url ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
})();

export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** A request body over the route's limit (413). */
export class PayloadTooLargeError extends BadRequestError {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}

/** A body sent as something other than JSON (415): e.g. text/plain, or curl -d's form encoding. */
export class UnsupportedMediaTypeError extends BadRequestError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    // The dashboard calls the API from its own (CloudFront) origin, and only it may read the answers.
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...(DASHBOARD_ORIGIN === undefined
        ? {}
        : { 'access-control-allow-origin': DASHBOARD_ORIGIN, vary: 'Origin' }),
    },
    body: hasNonFinite(body)
      ? JSON.stringify(body, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))
      : JSON.stringify(body),
  };
}

/**
 * Whether a JSON-bound value holds a non-finite number (JSON has none: `json` writes them as
 * "Infinity", "-Infinity", "NaN"). A walk is much cheaper than a replacer, which takes
 * JSON.stringify off its fast path for every value of every answer.
 */
function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasNonFinite(item)) return true;
    return false;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return hasNonFinite(toJSON.call(value));
  for (const key in value) {
    if (Object.hasOwn(value, key) && hasNonFinite((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** A request's Content-Type (header names keep their case in a proxy event). */
function contentTypeOf(headers: APIGatewayProxyEvent['headers'] | null | undefined): string | undefined {
  if (headers == null) return undefined;
  const direct = headers['content-type'] ?? headers['Content-Type'];
  if (direct !== undefined) return direct;
  for (const name in headers) if (name.toLowerCase() === 'content-type') return headers[name];
  return undefined;
}

/**
 * JSON or no Content-Type at all (API Gateway reads that as JSON): application/json, or a
 * `+json` type, in UTF-8. API Gateway validates a body against the route's model only when it is sent
 * as JSON; anything else would reach the function unvalidated.
 */
function isJsonMediaType(value: string): boolean {
  const [type = '', ...parameters] = value.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) return false;
  return parameters.every((p) => !p.startsWith('charset=') || /^charset="?utf-?8"?$/.test(p));
}

/** Parses a JSON body, refusing oversize (413), non-JSON (415) and malformed bodies (400). */
export function parseBody(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'> & {
    headers?: APIGatewayProxyEvent['headers'] | null;
  },
  maxBytes: number,
): unknown {
  const contentType = contentTypeOf(event.headers);
  if (contentType !== undefined && contentType.trim() !== '' && !isJsonMediaType(contentType)) {
    throw new UnsupportedMediaTypeError(
      `the body must be JSON (Content-Type: application/json), not ${JSON.stringify(contentType.slice(0, 100))}`,
    );
  }
  if (event.body == null || event.body === '') throw new BadRequestError('the request needs a JSON body');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > maxBytes)
    throw new PayloadTooLargeError(`the body is larger than ${maxBytes} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('the body is not valid JSON');
  }
}

/** An error class, for the handler-specific mappings of errorResponse. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Maps an error to its response: 4xx for the caller's mistakes (a zod validation error — classic or
 * mini — is a 400), 404 for the classes in `notFound` (e.g. the reads' NotFoundError), 409 for a
 * lost pointer race, 503 without a servable model, else 500 (logged).
 */
export function errorResponse(error: unknown, notFound: readonly ErrorClass[] = []): APIGatewayProxyResult {
  if (error instanceof $ZodError) {
    return json(400, {
      message: 'invalid request',
      issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  if (error instanceof PayloadTooLargeError) return json(413, { message: error.message });
  if (error instanceof UnsupportedMediaTypeError) return json(415, { message: error.message });
  if (error instanceof PredictInputError) {
    // An unknown symbol is a resource not found; the other fields are the caller's mistake, reported
    // as one validation issue like the request model's.
    if (error.message.startsWith('unknown symbol')) return json(404, { message: error.message });
    return json(400, {
      message: 'invalid request',
      issues: [{ path: error.field, message: error.message }],
    });
  }
  if (error instanceof BadRequestError) return json(400, { message: error.message });
  if (notFound.some((c) => error instanceof c)) return json(404, { message: (error as Error).message });
  if (error instanceof PointerConflictError) return json(409, { message: error.message });
  if (error instanceof NoModelError || error instanceof ServingModelMissingError) {
    return json(503, { message: error.message });
  }
  logger.error('unhandled error', { error: error as Error });
  return json(500, { message: 'internal error' });
}
