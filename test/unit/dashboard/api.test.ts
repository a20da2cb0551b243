import { describe, expect, test } from 'vitest';
import {
  ApiClient,
  ApiError,
  ApiUnreachableError,
  apiUrl,
  describeError,
  errorMessage,
  type FetchLike,
} from '../../../dashboard/src/lib/api.ts';

function recordingFetch(status: number, body: string) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetchImpl: FetchLike = async (url, init) => {
    calls.push({ url, init });
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  };
  return { calls, fetchImpl };
}

describe('API requests', () => {
  test('every request carries the x-api-key header', async () => {
    const { calls, fetchImpl } = recordingFetch(200, '{"items":[]}');
    await new ApiClient('https://x.test/api', 'secret', fetchImpl).alerts(20);
    expect(calls[0]!.url).toBe('https://x.test/api/alerts?limit=20');
    expect((calls[0]!.init!.headers as Record<string, string>)['x-api-key']).toBe('secret');
  });

  test('without a key no x-api-key header is sent', async () => {
    const { calls, fetchImpl } = recordingFetch(200, '{}');
    await new ApiClient('/api', '', fetchImpl).status();
    expect(calls[0]!.init!.headers as Record<string, string>).not.toHaveProperty('x-api-key');
  });

  test('the timeline query leaves out missing dates and encodes the symbol', async () => {
    const { calls, fetchImpl } = recordingFetch(200, '{}');
    await new ApiClient('https://x.test/api/', 'k', fetchImpl).timeline('BRK B', '2008-01-01');
    expect(calls[0]!.url).toBe('https://x.test/api/timeline?symbol=BRK+B&from=2008-01-01');
  });

  test('a model version is a path segment', async () => {
    const { calls, fetchImpl } = recordingFetch(200, '{}');
    await new ApiClient('https://x.test/api', 'k', fetchImpl).model('v1/../x');
    expect(calls[0]!.url).toBe('https://x.test/api/models/v1%2F..%2Fx');
  });

  test('an error status becomes an ApiError with the API’s message', async () => {
    const { fetchImpl } = recordingFetch(404, '{"message":"no gold data for symbol \\"XYZ\\""}');
    const error = await new ApiClient('https://x.test/api', 'k', fetchImpl)
      .timeline('XYZ')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, message: 'no gold data for symbol "XYZ"', path: '/timeline' });
  });

  test('a network failure becomes ApiUnreachableError naming the URL', async () => {
    const failing: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    const error = await new ApiClient('https://down.test/api', 'k', failing)
      .status()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect((error as Error).message).toContain('https://down.test/api');
  });

  test('an answer that is not JSON is an error, not data', async () => {
    const { fetchImpl } = recordingFetch(200, '<html>login</html>');
    await expect(new ApiClient('https://x.test/api', 'k', fetchImpl).status()).rejects.toBeInstanceOf(
      ApiError,
    );
  });
});

describe('error text', () => {
  test('the message comes from the body, else from the status', () => {
    expect(errorMessage(503, 'Service Unavailable', '{"message":"no model in production yet"}')).toBe(
      'no model in production yet',
    );
    expect(errorMessage(502, 'Bad Gateway', 'upstream down')).toBe('502 Bad Gateway');
    const invalid = {
      message: 'invalid request',
      issues: [
        { path: 'regime', message: 'unknown regime "Calm": use one of Low, Medium, High' },
        { path: '', message: 'age goes with regime' },
      ],
    };
    expect(errorMessage(400, 'Bad Request', JSON.stringify(invalid))).toBe(
      'invalid request: regime: unknown regime "Calm": use one of Low, Medium, High; age goes with regime',
    );
  });

  test('a refused key points to Settings', () => {
    expect(describeError(new ApiError(403, 'Forbidden', '/status')).hint).toContain('API key in Settings');
    expect(describeError(new ApiUnreachableError('https://x.test')).hint).toContain('API URL in Settings');
  });

  test('apiUrl drops empty query values', () => {
    expect(apiUrl('https://x.test/api', '/drift', { limit: 5, from: undefined, to: '' })).toBe(
      'https://x.test/api/drift?limit=5',
    );
  });
});

describe('hints for a 404', () => {
  test('a missing list route suggests checking the API URL; a missing symbol or version does not', () => {
    expect(describeError(new ApiError(404, 'Not Found', '/status')).hint).toContain('API URL in Settings');
    expect(describeError(new ApiError(404, 'no gold data for symbol "X"', '/timeline')).hint).toBeNull();
    expect(describeError(new ApiError(404, 'no model version "v9"', '/models/v9')).hint).toBeNull();
  });
});
