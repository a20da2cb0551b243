/**
 * The local front door answers FINML's own pages only: the API key in /config.js must not be readable
 * by another site (a <script> tag, a rebound DNS name) and the API must refuse other origins' calls.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { refusal, startFrontDoor } from '../../../infra/local/http-server.ts';

let port: number;
let close: () => Promise<void>;

beforeAll(async () => {
  const server = await startFrontDoor(
    {
      apiKey: 'secret-key-0123456789',
      dashboardDir: '/nonexistent',
      admin: async () => ({ statusCode: 200, body: { ok: true } }),
    },
    0,
    '127.0.0.1',
  );
  port = (server.address() as AddressInfo).port;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => close?.());

/** A raw request (node:http lets a test set Host, Origin and Sec-Fetch-Site as a browser would). */
function get(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the local front door', () => {
  test('a request line over 16 KiB gets a 431 with a JSON reason, not an empty body', async () => {
    const r = await get(`/api/regimes?pad=${'x'.repeat(20_000)}`, { host: `localhost:${port}` });
    expect(r.status).toBe(431);
    expect(JSON.parse(r.body).message).toContain('over 16 KiB');
  });

  test("serves the key in /config.json to the dashboard's own fetch only; config.js holds no key", async () => {
    const own = await get('/config.json', { host: `localhost:${port}`, 'x-finml-dashboard': '1' });
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toEqual({ apiUrl: '/api', apiKey: 'secret-key-0123456789' });
    const script = await get('/config.js', { host: `localhost:${port}`, 'sec-fetch-site': 'cross-site' });
    expect(script.status).toBe(200);
    expect(script.body).not.toContain('secret-key');
  });

  test("refuses /config.json without the dashboard's header (another site's <script> tag, any browser)", async () => {
    for (const headers of [
      {},
      { 'sec-fetch-site': 'cross-site' },
      { referer: 'https://attacker.example/' },
    ]) {
      const r = await get('/config.json', {
        host: `localhost:${port}`,
        ...(headers as Record<string, string>),
      });
      expect(r.status).toBe(403);
      expect(r.body).not.toContain('secret-key');
    }
  });

  test('refuses a request addressed to another host name (DNS rebinding)', async () => {
    const r = await get('/config.json', { host: `attacker.example:${port}`, 'x-finml-dashboard': '1' });
    expect(r.status).toBe(403);
    expect(r.body).toContain('localhost only');
    expect(r.body).not.toContain('secret-key');
  });

  test("refuses another origin's calls to the API and the local admin routes, even with the key", async () => {
    const headers = {
      host: `localhost:${port}`,
      origin: 'https://attacker.example',
      'x-api-key': 'secret-key-0123456789',
    };
    for (const path of ['/api/status', '/local/executions']) {
      const r = await get(path, headers);
      expect(r.status).toBe(403);
      expect(r.body).toContain('cross-origin request from https://attacker.example refused');
    }
    const own = await get('/local/executions', { ...headers, origin: `http://localhost:${port}` });
    expect(own.status).toBe(200);
  });

  test('refusal() answers loopback clients only, whatever Host they claim', () => {
    expect(refusal({ host: 'localhost:3000' }, '/config.json', [], '192.168.1.20')).toMatch(
      /this machine only/,
    );
    expect(refusal({ host: 'localhost:3000' }, '/', [], '::ffff:10.0.0.2')).toMatch(/this machine only/);
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.8.9.10']) {
      expect(refusal({ host: 'localhost:3000' }, '/', [], address), address).toBeUndefined();
    }
  });

  test('refusal() accepts loopback names and the listening host, with or without a port', () => {
    for (const host of ['localhost', 'localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'LOCALHOST:1']) {
      expect(refusal({ host }, '/')).toBeUndefined();
    }
    expect(refusal({ host: 'finml.lan:3000' }, '/')).toMatch(/localhost only/);
    expect(refusal({ host: 'finml.lan:3000' }, '/', ['finml.lan'])).toBeUndefined();
  });
});
