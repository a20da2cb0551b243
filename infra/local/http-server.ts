/**
 * The one local HTTP server: the API under `/api/…` (API Gateway rules), the dashboard's static
 * build at `/` with a generated `/config.js`, and the local runtime's own admin routes under
 * `/local/…` (executions, schedules, outbox; they need the API key too).
 *
 * The dashboard gets the API key from `/config.json`, so the server answers only its own pages (see
 * {@link refusal}): a request must come from this machine (a loopback socket) and be addressed to it by
 * a loopback name or the host it listens on (no DNS rebinding); a browser request from another origin
 * is refused; and `/config.json` answers only a request that carries the `x-finml-dashboard` header —
 * which a `<script>` tag cannot send and another origin's fetch cannot send without a CORS preflight,
 * which this server never grants. `/config.js` (a classic script, readable by any page) holds only
 * the API's URL.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { type LocalApiGateway, MAX_PAYLOAD_BYTES, requestUrl } from './api-gateway.ts';

export const API_PREFIX = '/api';
export const ADMIN_PREFIX = '/local';

export type AdminHandler = (
  method: string,
  path: string,
  body: Buffer,
  query: URLSearchParams,
) => Promise<{ statusCode: number; body: unknown } | undefined>;

export interface FrontDoorOptions {
  /** Host names a request may be addressed to besides loopback ones (the host the server listens on). */
  readonly hostNames?: readonly string[];
  readonly gateway?: LocalApiGateway;
  /** True while the runtime is still deploying (the API is not up yet: 503, not 404). */
  readonly starting?: boolean;
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
/** The header /config.json requires (the dashboard's fetch sends it; see dashboard/src/main.ts). */
export const CONFIG_REQUEST_HEADER = 'x-finml-dashboard';

/** Whether a socket address is this machine's loopback (IPv4, IPv6, or IPv4-mapped IPv6). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Why a request is refused before any route answers, or undefined: a client that is not on this
 * machine, a Host that is not this machine (a rebound DNS name), an Origin other than the page's own
 * (another site's script), or a `/config.json` request without the dashboard's header.
 */
export function refusal(
  headers: IncomingMessage['headers'],
  pathname: string,
  hostNames: readonly string[] = [],
  remoteAddress: string | undefined = '127.0.0.1',
): string | undefined {
  if (!isLoopbackAddress(remoteAddress)) {
    return `FINML's local server answers this machine only, not ${remoteAddress ?? 'an unknown address'}`;
  }
  const host = headers.host ?? '';
  const hostName = host.replace(/:\d+$/, '').toLowerCase();
  if (!LOOPBACK_NAMES.has(hostName) && !hostNames.includes(hostName)) {
    return `FINML's local server answers requests to localhost only, not to "${host}"`;
  }
  const origin = headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return `cross-origin request from ${origin} refused: the local API serves its own dashboard only`;
  }
  if (pathname === '/config.json' && headers[CONFIG_REQUEST_HEADER] === undefined) {
    return `/config.json holds the API key and answers FINML's dashboard only (header ${CONFIG_REQUEST_HEADER})`;
  }
  return undefined;
}

/** The dashboard's config.js: where the API is (the key is in /config.json, see above). */
export function configScript(): string {
  return `// Written by the FINML local runtime (npm start); the API key is served by /config.json.\nwindow.FINML_CONFIG = ${JSON.stringify({ apiUrl: API_PREFIX })};\n`;
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
      const { pathname } = requestUrl(request.url ?? '/');
      try {
        const refused = refusal(request.headers, pathname, options.hostNames, request.socket.remoteAddress);
        if (refused !== undefined) return sendJson(response, 403, { message: refused });
        if (pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`)) {
          const { body, tooLarge } = await readBody(request, MAX_PAYLOAD_BYTES);
          if (options.gateway === undefined && options.starting === true) {
            return sendJson(response, 503, {
              message: 'FINML is starting: the API answers in a few seconds',
            });
          }
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
            new URL(request.url!, 'http://local').searchParams,
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
            configScript(),
          );
        }
        if (pathname === '/config.json')
          return sendJson(response, 200, { apiUrl: API_PREFIX, apiKey: options.apiKey });
        return await serveStatic(options.dashboardDir, options.dashboardUnavailable, pathname, response);
      } catch (error) {
        if (!response.headersSent)
          sendJson(response, 500, { message: `local runtime error: ${(error as Error).message}` });
        else response.destroy();
      }
    })();
  });
  // A request Node refuses before any handler (headers over its 16 KiB, e.g. a 20 KB query string)
  // still gets a JSON body saying why, as every other answer does, instead of an empty 431.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const [status, text] =
      error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
    const message =
      status === 431
        ? 'the request line and headers are over 16 KiB (a query string that long is not an API call)'
        : 'malformed HTTP request';
    const body = JSON.stringify({ message });
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
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
