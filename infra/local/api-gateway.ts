/**
 * API Gateway (REST, Lambda proxy) on one machine: the template's resources and methods become a
 * route table; a request is checked like API Gateway checks it (route, API key, usage-plan throttle,
 * payload limit, request-model validation) and handed to the function as an APIGatewayProxyEvent.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ApiRoute, LocalApi } from './deployment.ts';
import { schemaViolation } from './json-schema.ts';
import { LambdaFunctionError, type LocalLambda } from './lambda.ts';

/** API Gateway's largest request payload (10 MB). */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** The body: text (sent as UTF-8) or bytes. */
  body: Buffer | string;
}

/** A request URL's path and query, as `new URL(path, base)` reads them. */
export interface RequestUrl {
  readonly pathname: string;
  /** Undefined when there is no query. */
  readonly searchParams: URLSearchParams | undefined;
}

/**
 * A path `new URL` keeps as it is: `/`, or segments of URL-safe characters (no dot: no dot segment),
 * no empty segment but a trailing `/`, no query or fragment.
 */
const PLAIN_PATH = /^\/$|^(?:\/[A-Za-z0-9_~-]+)+\/?$/;

/** The path and query of a request's URL (relative to a host); plain paths skip the URL parser. */
export function requestUrl(relativeUrl: string): RequestUrl {
  if (PLAIN_PATH.test(relativeUrl)) return { pathname: relativeUrl, searchParams: undefined };
  const url = new URL(relativeUrl, 'http://local');
  return { pathname: url.pathname, searchParams: url.search === '' ? undefined : url.searchParams };
}

function gatewayJson(statusCode: number, message: string, requestId: string): GatewayResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': statusCode === 403 ? 'ForbiddenException' : 'GatewayException',
    },
    body: JSON.stringify({ message }),
  };
}

interface Resolved {
  resource: string;
  pathParameters: Record<string, string> | null;
}

/** Distinct paths whose resolution a gateway keeps (past it, it starts again empty). */
const RESOLVED_CAP = 10_000;

interface Match {
  route: ApiRoute;
  pathParameters: Record<string, string> | null;
}

/** Splits `/a/{b}/c` into parts; `{x+}` is a greedy proxy parameter. */
function parts(path: string): string[] {
  return path.split('/').filter((p) => p !== '');
}

/** Token bucket of the usage plan (rate per second, burst). */
class Throttle {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One part of a resource path, parsed once. */
type ResourcePart =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string }
  | { kind: 'greedy'; name: string };

function resourcePart(part: string): ResourcePart {
  const greedy = /^\{(.+)\+\}$/.exec(part);
  if (greedy) return { kind: 'greedy', name: greedy[1]! };
  const param = /^\{(.+)\}$/.exec(part);
  if (param) return { kind: 'param', name: param[1]! };
  return { kind: 'literal', text: part };
}

export class LocalApiGateway {
  private readonly throttle: Throttle | undefined;
  /** The route table parsed once: each resource's parts, and its routes by method (the first of each). */
  private readonly resources: { resource: string; parts: ResourcePart[] }[];
  private readonly methods = new Map<string, Map<string, ApiRoute>>();

  constructor(
    readonly api: LocalApi,
    private readonly lambda: LocalLambda,
    private readonly apiKey: string,
    private readonly options: { accountId: string; domainName: () => string },
  ) {
    this.throttle = api.throttle ? new Throttle(api.throttle.rateLimit, api.throttle.burstLimit) : undefined;
    for (const r of api.routes) {
      if (r.integration.type === 'AWS_PROXY') lambda.spec(r.integration.functionArn);
      const byMethod = this.methods.get(r.resource) ?? new Map<string, ApiRoute>();
      this.methods.set(r.resource, byMethod);
      if (!byMethod.has(r.method)) byMethod.set(r.method, r);
    }
    this.resources = [...this.methods.keys()].map((resource) => ({
      resource,
      parts: parts(resource).map(resourcePart),
    }));
  }

  /** Paths resolved already (a path's resource and parameters never change): at most RESOLVED_CAP. */
  private readonly resolved = new Map<string, Resolved | undefined>();

  /** {@link resolveUncached}, once per path (the parameters are copied for each request). */
  private resolve(path: string): Resolved | undefined {
    let found = this.resolved.get(path);
    if (found === undefined && !this.resolved.has(path)) {
      found = this.resolveUncached(path);
      if (this.resolved.size >= RESOLVED_CAP) this.resolved.clear();
      this.resolved.set(path, found);
    }
    if (found === undefined || found.pathParameters === null) return found;
    return { resource: found.resource, pathParameters: { ...found.pathParameters } };
  }

  /** The resource a path matches: literal parts win over `{param}`, which win over `{proxy+}`. */
  private resolveUncached(path: string): Resolved | undefined {
    const want = parts(path);
    let best: { resource: string; params: Record<string, string>; score: number } | undefined;
    for (const { resource, parts: have } of this.resources) {
      const params: Record<string, string> = {};
      let score = 0;
      let consumed = 0;
      let ok = true;
      for (const p of have) {
        if (consumed >= want.length) ok = false;
        else if (p.kind === 'greedy') {
          params[p.name] = want.slice(consumed).map(decodeURIComponent).join('/');
          score += 1;
          consumed = want.length;
        } else if (p.kind === 'param') {
          params[p.name] = decodeURIComponent(want[consumed++]!);
          score += 10;
        } else if (p.text === want[consumed]) {
          consumed++;
          score += 100;
        } else ok = false;
        if (!ok) break;
      }
      if (!ok || consumed !== want.length) continue;
      if (best === undefined || score > best.score) best = { resource, params, score };
    }
    if (best === undefined) return undefined;
    return { resource: best.resource, pathParameters: Object.keys(best.params).length ? best.params : null };
  }

  private match(method: string, path: string): Match | 'no-resource' | 'no-method' {
    const found = this.resolve(path);
    if (found === undefined) return 'no-resource';
    const methods = this.methods.get(found.resource);
    const route = methods?.get(method) ?? methods?.get('ANY');
    if (route === undefined) return 'no-method';
    return { route, pathParameters: found.pathParameters };
  }

  /**
   * Handles one request whose path is relative to the API root (e.g. `/predict?x=1`). API Gateway's
   * own answers: 403 "Missing Authentication Token" (no such route), 403 "Forbidden" (API key), 429,
   * 413, 400 "Invalid request body", 502 (the function failed or answered badly).
   */
  async handle(request: IncomingMessage, relativeUrl: string, body: Buffer): Promise<GatewayResponse> {
    const requestId = randomUUID();
    const method = (request.method ?? 'GET').toUpperCase();
    const url = requestUrl(relativeUrl);
    const matched = this.match(method, url.pathname);
    if (typeof matched === 'string') return gatewayJson(403, 'Missing Authentication Token', requestId);
    const { route } = matched;
    if (route.apiKeyRequired && request.headers['x-api-key'] !== this.apiKey) {
      return gatewayJson(403, 'Forbidden', requestId);
    }
    if (route.integration.type === 'MOCK') {
      return {
        statusCode: route.integration.statusCode,
        headers: { ...route.integration.headers, 'x-amzn-requestid': requestId },
        body: Buffer.alloc(0),
      };
    }
    if (this.throttle && !this.throttle.take()) return gatewayJson(429, 'Too Many Requests', requestId);
    if (body.length > MAX_PAYLOAD_BYTES) return gatewayJson(413, 'Request Too Long', requestId);
    const text = body.toString('utf8');
    // API Gateway validates a body against the route's model for the content type the model is
    // mapped to (application/json; no Content-Type counts as JSON): any other type passes unvalidated.
    if (route.bodySchema && sentAsJson(request.headers['content-type'])) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return gatewayJson(400, 'Invalid request body', requestId);
      }
      if (schemaViolation(route.bodySchema, parsed) !== undefined) {
        return gatewayJson(400, 'Invalid request body', requestId);
      }
    }
    const event = this.event(request, url, route, matched.pathParameters, text, requestId);
    let result: unknown;
    try {
      result = await this.lambda.invoke(route.integration.functionArn, event, { eventIsJson: true });
    } catch (error) {
      if (!(error instanceof LambdaFunctionError)) throw error;
      return gatewayJson(502, 'Internal server error', requestId);
    }
    return this.response(result, requestId);
  }

  private event(
    request: IncomingMessage,
    url: RequestUrl,
    route: ApiRoute,
    pathParameters: Record<string, string> | null,
    body: string,
    requestId: string,
  ): APIGatewayProxyEvent {
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    const raw = request.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      const value = raw[i + 1]!;
      headers[name] = value;
      const values = multiValueHeaders[name];
      if (values === undefined) multiValueHeaders[name] = [value];
      else values.push(value);
    }
    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    let hasQuery = false;
    if (url.searchParams !== undefined) {
      for (const [k, v] of url.searchParams) {
        hasQuery = true;
        query[k] = v;
        const values = multiQuery[k];
        if (values === undefined) multiQuery[k] = [v];
        else values.push(v);
      }
    }
    const now = new Date();
    return {
      resource: route.resource,
      path: url.pathname,
      httpMethod: route.method === 'ANY' ? (request.method ?? 'GET').toUpperCase() : route.method,
      headers,
      multiValueHeaders,
      queryStringParameters: hasQuery ? query : null,
      multiValueQueryStringParameters: hasQuery ? multiQuery : null,
      pathParameters,
      stageVariables: null,
      body: body === '' ? null : body,
      isBase64Encoded: false,
      requestContext: {
        accountId: this.options.accountId,
        apiId: this.api.logicalId,
        domainName: this.options.domainName(),
        httpMethod: (request.method ?? 'GET').toUpperCase(),
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: route.apiKeyRequired ? this.apiKey : null,
          apiKeyId: route.apiKeyRequired ? 'local' : null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          user: null,
          userAgent: request.headers['user-agent'] ?? null,
          userArn: null,
        },
        path: `/${this.api.stageName}${url.pathname}`,
        protocol: `HTTP/${request.httpVersion}`,
        requestId,
        requestTimeEpoch: now.getTime(),
        resourceId: route.logicalId,
        resourcePath: route.resource,
        stage: this.api.stageName,
      },
    } as APIGatewayProxyEvent;
  }

  /** A Lambda proxy result → HTTP; anything else is API Gateway's 502. */
  private response(result: unknown, requestId: string): GatewayResponse {
    const r = result as {
      statusCode?: unknown;
      headers?: Record<string, unknown>;
      multiValueHeaders?: Record<string, unknown[]>;
      body?: unknown;
      isBase64Encoded?: boolean;
    } | null;
    if (r === null || typeof r !== 'object' || typeof r.statusCode !== 'number') {
      return gatewayJson(502, 'Internal server error', requestId);
    }
    const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
    for (const [k, v] of Object.entries(r.multiValueHeaders ?? {}))
      headers[k.toLowerCase()] = v.map(String).join(', ');
    headers['content-type'] ??= 'application/json';
    const text = typeof r.body === 'string' ? r.body : '';
    return {
      statusCode: r.statusCode,
      headers,
      body: r.isBase64Encoded ? Buffer.from(text, 'base64') : text,
    };
  }
}

/** Whether a request's Content-Type selects the routes' application/json request model. */
function sentAsJson(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return true;
  return contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
}
