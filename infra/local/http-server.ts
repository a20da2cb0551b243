/**
 * The one local HTTP server: the API under `/api/…` (API Gateway rules), the dashboard's static
 * build at `/` with a generated `/config.js`, and the local runtime's own admin routes under
 * `/local/…` (executions, schedules, outbox; they need the API key too).
 *
 * The API key is in `/config.js`, so the server answers only its own pages (see {@link refusal}): a
 * request must be addressed to this machine by a loopback name or the host it listens on (no DNS
 * rebinding), a browser request from another origin is refused, and `/config.js` is served only to
 * a same-origin page or a direct visit — another site cannot read the key with a `<script>` tag.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { type LocalApiGateway, MAX_PAYLOAD_BYTES } from './api-gateway.ts';

export const API_PREFIX = '/api';
export const ADMIN_PREFIX = '/local';

export type AdminHandler = (
  method: string,
  path: string,
  body: Buffer,
) => Promise<{ statusCode: number; body: unknown } | undefined>;

export interface FrontDoorOptions {
  /** Host names a request may be addressed to besides loopback ones (the host the server listens on). */
  readonly hostNames?: readonly string[];
  readonly gateway?: LocalApiGateway;
  readonly apiKey: string;
  /** Folder of the dashboard's static build (served when it has an index.html). */
  readonly dashboardDir: string;
  /** Why the dashboard cannot be served (a failed build): every page then says so and what to run. */
  readonly dashboardUnavailable?: string;
  readonly admin: AdminHandler;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Reads a request body, stopping at `limit` bytes (the rest is drained and reported as too large). */
function readBody(request: IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve({ body: Buffer.concat(chunks), tooLarge }));
    request.on('error', reject);
  });
}

function send(
  response: ServerResponse,
  statusCode: number,
  headers: Record<string, string>,
  body: Buffer | string,
) {
  response.writeHead(statusCode, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  response.end(body);
}

function sendJson(response: ServerResponse, statusCode: number, value: unknown) {
  send(
    response,
    statusCode,
    { 'content-type': 'application/json', 'cache-control': 'no-store' },
    JSON.stringify(value, null, 2),
  );
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why a request is refused before any route answers, or undefined: a Host that is not this machine
 * (a rebound DNS name), an Origin other than the page's own (another site's script), or a
 * cross-site fetch of `/config.js` (`Sec-Fetch-Site`, sent by every current browser).
 */
export function refusal(
  headers: IncomingMessage['headers'],
  pathname: string,
  hostNames: readonly string[] = [],
): string | undefined {
  const host = headers.host ?? '';
  const hostName = host.replace(/:\d+$/, '').toLowerCase();
  if (!LOOPBACK_NAMES.has(hostName) && !hostNames.includes(hostName)) {
    return `FINML's local server answers requests to localhost only, not to "${host}"`;
  }
  const origin = headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return `cross-origin request from ${origin} refused: the local API serves its own dashboard only`;
  }
  const site = headers['sec-fetch-site'];
  if (pathname === '/config.js' && site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `/config.js holds the API key and is served to FINML's own pages only (Sec-Fetch-Site: ${site})`;
  }
  return undefined;
}

export function configScript(apiKey: string): string {
  return `// Written by the FINML local runtime (npm start).\nwindow.FINML_CONFIG = ${JSON.stringify({ apiUrl: API_PREFIX, apiKey })};\n`;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The page served instead of the dashboard when there is no build to serve, saying what to run. */
export function dashboardUnavailablePage(reason: string): string {
  return [
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>FINML — dashboard not built</title>',
    '<main><h1>The dashboard is not built</h1>',
    `<p>${escapeHtml(reason)}</p>`,
    '<p>Run <code>npm ci</code>, then <code>npm run build -w dashboard</code> to see the whole error, and start again with <code>npm start</code>.</p>',
    '<p>The API runs meanwhile: <a href="/api/status">/api/status</a> (header <code>x-api-key</code>).</p></main></html>',
  ].join('');
}

async function serveStatic(
  dir: string,
  unavailable: string | undefined,
  pathname: string,
  response: ServerResponse,
): Promise<void> {
  const index = join(dir, 'index.html');
  const hasSite =
    unavailable === undefined &&
    (await stat(index).then(
      (s) => s.isFile(),
      () => false,
    ));
  if (!hasSite) {
    send(
      response,
      503,
      { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      dashboardUnavailablePage(unavailable ?? `There is no build in ${dir}.`),
    );
    return;
  }
  let file = normalize(join(dir, decodeURIComponent(pathname)));
  if (!file.startsWith(dir + sep) && file !== dir) file = index;
  const isFile = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  // Like the CloudFront distribution: an unknown path answers with index.html (client-side routes).
  const chosen = isFile ? file : index;
  const type = TYPES[extname(chosen)] ?? 'application/octet-stream';
  const { size } = await stat(chosen);
  response.writeHead(200, {
    'content-type': type,
    'content-length': String(size),
    'cache-control': chosen === index ? 'no-cache' : 'public, max-age=300',
  });
  createReadStream(chosen).pipe(response);
}

/** Starts the front door on host:port. */
export async function startFrontDoor(options: FrontDoorOptions, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://local');
      const { pathname } = url;
      try {
        const refused = refusal(request.headers, pathname, options.hostNames);
        if (refused !== undefined) return sendJson(response, 403, { message: refused });
        if (pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`)) {
          const { body, tooLarge } = await readBody(request, MAX_PAYLOAD_BYTES);
          if (options.gateway === undefined)
            return sendJson(response, 404, { message: 'the stack has no API' });
          if (tooLarge) return sendJson(response, 413, { message: 'Request Too Long' });
          const relative = request.url!.slice(API_PREFIX.length) || '/';
          const answer = await options.gateway.handle(request, relative, body);
          return send(response, answer.statusCode, answer.headers, answer.body);
        }
        if (pathname.startsWith(`${ADMIN_PREFIX}/`)) {
          const { body } = await readBody(request, MAX_PAYLOAD_BYTES);
          if (request.headers['x-api-key'] !== options.apiKey)
            return sendJson(response, 403, { message: 'Forbidden' });
          const answer = await options.admin(
            request.method ?? 'GET',
            pathname.slice(ADMIN_PREFIX.length),
            body,
          );
          if (answer === undefined) return sendJson(response, 404, { message: `no local route ${pathname}` });
          return sendJson(response, answer.statusCode, answer.body);
        }
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          return sendJson(response, 405, { message: 'method not allowed' });
        }
        if (pathname === '/config.js') {
          return send(
            response,
            200,
            { 'content-type': TYPES['.js']!, 'cache-control': 'no-store' },
            configScript(options.apiKey),
          );
        }
        return await serveStatic(options.dashboardDir, options.dashboardUnavailable, pathname, response);
      } catch (error) {
        if (!response.headersSent)
          sendJson(response, 500, { message: `local runtime error: ${(error as Error).message}` });
        else response.destroy();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
