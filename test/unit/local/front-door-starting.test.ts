/** While npm start is still deploying, the API says it is starting (503), not that there is none (404). */
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import { startFrontDoor } from '../../../infra/local/http-server.ts';

test('an API call before the gateway is up is a 503 "starting"; once deployed without an API, a 404', async () => {
  let starting = true;
  const server = await startFrontDoor(
    {
      apiKey: 'secret-key-0123456789',
      dashboardDir: '/nonexistent',
      admin: async () => undefined,
      get starting() {
        return starting;
      },
    },
    0,
    '127.0.0.1',
  );
  const { port } = server.address() as AddressInfo;
  try {
    const call = () =>
      fetch(`http://127.0.0.1:${port}/api/admin/retrain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'secret-key-0123456789' },
        body: '{"reason":"early"}',
      });
    const early = await call();
    expect(early.status).toBe(503);
    expect(((await early.json()) as { message: string }).message).toContain('starting');
    starting = false;
    expect((await call()).status).toBe(404);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
