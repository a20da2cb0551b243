/**
 * The dashboard's read routes (functions/api/read.ts): a bad query parameter is a 400 that names the
 * parameter, as a bad body field is.
 */
import { expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import type { Context } from '#shared/usecases/lake';
import { createHandlers } from '../../../functions/api/read.ts';

const { config, hash } = loadConfig();
const ctx = {
  registry: { listRecords: async () => [] },
  config,
  configHash: hash,
  now: () => new Date(),
} as unknown as Context;
const { read } = createHandlers(() => ctx);
const lambda = { functionName: 'test', awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as never;
const get = async (resource: string, query: Record<string, string> | null) => {
  const r = (await read(
    { resource, path: resource, httpMethod: 'GET', queryStringParameters: query, headers: {} } as never,
    lambda,
  )) as { statusCode: number; body: string };
  return { status: r.statusCode, body: JSON.parse(r.body) };
};

test('a history route refuses a bad limit naming the parameter', async () => {
  expect(await get('/alerts', { limit: 'abc' })).toEqual({
    status: 400,
    body: { message: 'invalid request', issues: [{ path: 'limit', message: expect.any(String) }] },
  });
  expect((await get('/alerts', { limit: '0' })).body.issues[0].path).toBe('limit');
  expect(await get('/alerts', null)).toMatchObject({ status: 200, body: { items: [] } });
});

test('a repeated query parameter is a 400 naming it, not the last one silently', async () => {
  const r = (await read(
    {
      resource: '/alerts',
      path: '/alerts',
      httpMethod: 'GET',
      queryStringParameters: { limit: '5' },
      multiValueQueryStringParameters: { limit: ['3', '5'] },
      headers: {},
    } as never,
    lambda,
  )) as { statusCode: number; body: string };
  expect(r.statusCode).toBe(400);
  expect(JSON.parse(r.body)).toEqual({
    message: 'invalid request',
    issues: [{ path: 'limit', message: 'given 2 times: give it once' }],
  });
});
