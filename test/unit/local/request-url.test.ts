/** The local gateway's and front door's URL reading: the same path and query as `new URL`, faster. */
import { describe, expect, test } from 'vitest';
import { requestUrl } from '../../../infra/local/api-gateway.ts';

const CASES = [
  '/',
  '/predict',
  '/predict/',
  '/predict/batch',
  '/models/20260101T000000-aaaaaaaa',
  '/x~y_z-1',
  '//evil/x',
  '/a//b',
  '/a/./b',
  '/a/../b',
  '/a/%2e%2E/b',
  '/%41',
  '/a?x=1&x=2&y=',
  '/a?',
  '/a#f',
  '/a b',
  '/é',
  '/a.json',
];

describe('requestUrl', () => {
  test.each(CASES)('%s reads as new URL reads it', (path) => {
    const url = new URL(path, 'http://local');
    const read = requestUrl(path);
    expect(read.pathname).toBe(url.pathname);
    expect([...(read.searchParams ?? [])]).toStrictEqual([...url.searchParams]);
  });

  test('a long path that is not plain is not slow to refuse (no backtracking)', () => {
    const path = `/${'a'.repeat(100_000)}!`;
    const started = performance.now();
    expect(requestUrl(path).pathname).toBe(new URL(path, 'http://local').pathname);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
