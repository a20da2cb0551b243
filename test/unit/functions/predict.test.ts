/**
 * The /predict handler on the context it has in Lambda — pointers, serving models and the
 * prediction log, no artifacts bucket — with in-memory ports: validation messages, batches, and a
 * model without a serving model.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import { type ServingModelRecord, servingModelOf } from '#shared/model/serving-model';
import type { ModelPointer, PredictionLogEntry } from '#shared/ports';
import type { Context } from '#shared/usecases/lake';
import { createHandlers } from '../../../functions/api/predict.ts';
import { json } from '../../../functions/lib/http.ts';
import { artifactLike } from '../../helpers/serving-model.ts';

const VERSION = '20260101T000000-aaaaaaaa';
const { config } = loadConfig();
const logged: PredictionLogEntry[] = [];
/** The context the handler is built on (each test sets a new one, with its own models in service). */
let current: Context;
const { predict } = createHandlers(() => current);
const serveWith = (ctx: Context) => {
  current = ctx;
};

/** The /predict function's context: no store, no buckets — as serving-context.ts builds it. */
function leanContext(serving: ServingModelRecord[]): Context {
  const models = new Map(serving.map((m) => [m.version, m]));
  const production: ModelPointer = {
    version: VERSION,
    revision: 1,
    previousVersion: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    reason: 'test',
  };
  return {
    registry: {
      getPointer: async (name: string) => (name === 'production' ? production : undefined),
      getServingModel: async (version: string) => models.get(version),
      putServingModel: async () => undefined,
      getLive: async () => undefined,
    },
    predictions: { put: async (entry: PredictionLogEntry) => void logged.push(entry) },
    config,
    now: () => new Date('2026-01-10T00:00:00.000Z'),
  } as unknown as Context;
}

const lambdaContext = {
  functionName: 'predict',
  awsRequestId: 'a',
  getRemainingTimeInMillis: () => 1e4,
} as never;
const call = async (body: unknown, resource = '/predict') => {
  const event = {
    body: JSON.stringify(body),
    resource,
    isBase64Encoded: false,
    requestContext: { requestId: 'r1' },
    headers: {},
  } as unknown as APIGatewayProxyEvent;
  const response = await predict(event, lambdaContext);
  return { status: response.statusCode, body: JSON.parse(response.body) };
};

afterEach(() => {
  logged.length = 0;
});

describe('POST /predict on the lean context', () => {
  test('answers from the serving model and logs the prediction', async () => {
    serveWith(leanContext([servingModelOf(artifactLike(VERSION))]));
    const r = await call({ symbol: 'SPX', horizon: 2 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ modelVersion: VERSION, arm: 'production', horizon: 2 });
    expect(logged).toHaveLength(1);
  });

  test('a symbol-day asked again gets the same JSON as json() writes, with its own request id', async () => {
    serveWith(leanContext([servingModelOf(artifactLike(VERSION))]));
    const ask = async (requestId: string) => {
      const event = {
        body: JSON.stringify({ symbol: 'SPX', horizon: 3 }),
        resource: '/predict',
        isBase64Encoded: false,
        requestContext: { requestId },
        headers: {},
      } as unknown as APIGatewayProxyEvent;
      return predict(event, lambdaContext);
    };

    const first = await ask('r-first');
    const again = await ask('r-again');

    for (const [response, requestId] of [
      [first, 'r-first'],
      [again, 'r-again'],
    ] as const) {
      const body = JSON.parse(response.body) as Record<string, unknown>;
      expect(body).toMatchObject({ requestId, arm: 'production', horizon: 3 });
      expect(response.body).toBe(json(200, body).body);
      expect(response.headers).toEqual(json(200, body).headers);
    }
    expect(again.body.replace('r-again', 'r-first')).toBe(first.body);
    expect(logged).toHaveLength(1);
  });

  test('a body sent as anything but JSON is a 415 naming its type; JSON types, any header case, pass', async () => {
    serveWith(leanContext([servingModelOf(artifactLike(VERSION))]));
    const withType = async (headers: Record<string, string>) => {
      const event = {
        body: JSON.stringify({ symbol: 'SPX', horizon: 2 }),
        resource: '/predict',
        isBase64Encoded: false,
        requestContext: { requestId: 'r-type' },
        headers,
      } as unknown as APIGatewayProxyEvent;
      const response = await predict(event, lambdaContext);
      return { status: response.statusCode, body: JSON.parse(response.body) as { message?: string } };
    };
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ]) {
      const r = await withType({ 'Content-Type': type });
      expect(r.status).toBe(415);
      expect(r.body.message).toBe(`the body must be JSON (Content-Type: application/json), not "${type}"`);
    }
    for (const headers of [
      {} as Record<string, string>,
      { 'content-type': 'application/json' },
      { 'CONTENT-TYPE': 'Application/JSON; charset=UTF-8' },
      { 'Content-Type': 'application/vnd.finml+json' },
    ]) {
      expect((await withType(headers)).status).toBe(200);
    }
  });

  test('the horizon defaults to one day', async () => {
    serveWith(leanContext([servingModelOf(artifactLike(VERSION))]));
    expect((await call({ symbol: 'SPX' })).body.horizon).toBe(1);
  });

  test.each([
    [{ symbol: 'SPX', horizon: 999 }, 'horizon', 'Too big: expected number to be <=252'],
    [{ symbol: 'SPX', horizon: 1.5 }, 'horizon', 'Invalid input: expected int, received number'],
    [{ symbol: '', horizon: 1 }, 'symbol', 'Too small: expected string to have >=1 characters'],
    [{ symbol: 'SPX', extra: 1 }, '', 'Unrecognized key: "extra"'],
    [
      { symbol: 'SPX', horizon: 5, age: 5 },
      'age',
      'age goes with regime (the days already spent in it); without regime the live age is used',
    ],
  ])('refuses %j with zod’s English message', async (body, path, message) => {
    serveWith(leanContext([servingModelOf(artifactLike(VERSION))]));
    const r = await call(body);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ message: 'invalid request', issues: [{ path, message }] });
  });

  test('a batch answers each request on its own', async () => {
    serveWith(leanContext([servingModelOf(artifactLike(VERSION))]));
    const r = await call({ requests: [{ symbol: 'SPX' }, { symbol: 'NOPE' }] }, '/predict/batch');
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { ok: boolean; status?: number }) => x.status ?? 200)).toEqual([200, 404]);
  });

  test('a batch larger than the configured maximum is refused', async () => {
    serveWith(leanContext([servingModelOf(artifactLike(VERSION))]));
    const requests = Array.from({ length: config.platform.api.maxBatch + 1 }, () => ({ symbol: 'SPX' }));
    expect((await call({ requests }, '/predict/batch')).status).toBe(400);
  });

  test('a model without a serving model is a 503 that says how to get one', async () => {
    serveWith(leanContext([]));
    const r = await call({ symbol: 'SPX', horizon: 1 });
    expect(r.status).toBe(503);
    expect(r.body.message).toMatch(new RegExp(`model ${VERSION} has no serving model`));
    expect(logged).toHaveLength(0);
  });
});
