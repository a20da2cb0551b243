/** The API's error mapping: by class, never by message text; a client never sees a stack trace. */
import { describe, expect, test, vi } from 'vitest';
import * as zc from 'zod';
import * as zm from 'zod/mini';
import { PointerConflictError } from '#shared/ports';
import { NoModelError, ServingModelMissingError } from '#shared/usecases/serving';
import { BadRequestError, errorResponse, json } from '../../../functions/lib/http.ts';

const body = (r: { body: string }) => JSON.parse(r.body) as { message: string; issues?: unknown[] };

class GoneError extends Error {}

describe('errorResponse', () => {
  test('a validation error of classic or mini zod is a 400 listing the issues', () => {
    for (const schema of [zc.object({ n: zc.number() }), zm.object({ n: zm.number() })]) {
      const error = schema.safeParse({ n: 'x' }).error;
      const response = errorResponse(error);
      expect(response.statusCode).toBe(400);
      expect(body(response)).toMatchObject({ message: 'invalid request', issues: [{ path: 'n' }] });
    }
  });

  test('a bad request is a 400', () => {
    expect(errorResponse(new BadRequestError('no body')).statusCode).toBe(400);
  });

  test('the handler’s own not-found classes are 404s; others are not', () => {
    expect(errorResponse(new GoneError('gone'), [GoneError]).statusCode).toBe(404);
    expect(errorResponse(new GoneError('gone')).statusCode).toBe(500);
  });

  test('a lost pointer race is a 409', () => {
    expect(errorResponse(new PointerConflictError('moved')).statusCode).toBe(409);
  });

  test('no model, or a model without its serving model, is a 503 saying why', () => {
    expect(errorResponse(new NoModelError()).statusCode).toBe(503);
    const missing = errorResponse(new ServingModelMissingError('v1'));
    expect(missing.statusCode).toBe(503);
    expect(body(missing).message).toMatch(/model v1 has no serving model/);
  });

  test('anything else is a 500 without details', () => {
    const response = errorResponse(new Error('secret detail'));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
  });
});

describe('json', () => {
  test("answers carry the dashboard's origin as the only CORS origin, and none without a dashboard", async () => {
    const previous = process.env.DASHBOARD_URL;
    try {
      process.env.DASHBOARD_URL = 'https://d111.cloudfront.net/';
      vi.resetModules();
      const withSite = await import('../../../functions/lib/http.ts');
      expect(withSite.json(200, {}).headers).toMatchObject({
        'access-control-allow-origin': 'https://d111.cloudfront.net',
        vary: 'Origin',
      });
      delete process.env.DASHBOARD_URL;
      vi.resetModules();
      const without = await import('../../../functions/lib/http.ts');
      expect(without.json(200, {}).headers).not.toHaveProperty('access-control-allow-origin');
    } finally {
      if (previous === undefined) delete process.env.DASHBOARD_URL;
      else process.env.DASHBOARD_URL = previous;
      vi.resetModules();
    }
  });

  test('non-finite numbers anywhere in the body are written as strings, finite ones as numbers', () => {
    const answer = {
      leave: { expectedRemainingDays: Number.POSITIVE_INFINITY, probability: 0.25 },
      rows: [[1, Number.NaN], { at: new Date(0) }],
      n: Number.NEGATIVE_INFINITY,
      none: null,
    };

    expect(JSON.parse(json(200, answer).body)).toEqual({
      leave: { expectedRemainingDays: 'Infinity', probability: 0.25 },
      rows: [[1, 'NaN'], { at: '1970-01-01T00:00:00.000Z' }],
      n: '-Infinity',
      none: null,
    });
    const finite = { a: 1.5, b: [0, -2], c: { d: 'x', e: true, f: null } };
    expect(json(200, finite).body).toBe(JSON.stringify(finite));
  });
});
