/**
 * Options shared by the AWS client factories (./dynamo-client, ./s3-client, ./sns-client; ./clients
 * re-exports them all). One module per service, so that a Lambda bundle holds only the SDK clients
 * its handler uses (the /predict function uses DynamoDB alone).
 *
 * Endpoints: SDK v3 (@smithy/core `getEndpointFromConfig`) already honours `AWS_ENDPOINT_URL_S3`,
 * `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SNS` and `AWS_ENDPOINT_URL` (unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), so an endpoint from the environment is not passed again; it
 * is only looked at to choose path-style S3 addressing and a default region for local servers.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';

/** Options common to every client factory. Unset fields fall back to the environment / SDK defaults. */
export interface AwsClientOptions {
  /** Custom endpoint (a local server), e.g. `http://127.0.0.1:4569`. */
  readonly endpoint?: string;
  /** Region; defaults to `AWS_REGION`, or `us-east-1` when a custom endpoint is in use and no region is set. */
  readonly region?: string;
  /** Static credentials (local servers); default: the SDK's provider chain. */
  readonly credentials?: S3ClientConfig['credentials'];
  /** Attempts per request including the first (SDK default 3). */
  readonly maxAttempts?: number;
  /** Environment to read; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The env-var suffix the SDK uses for a service's endpoint (`AWS_ENDPOINT_URL_<suffix>`). */
export type EndpointServiceSuffix = 'S3' | 'DYNAMODB' | 'SNS';

/**
 * The endpoint the SDK will take from the environment for a service, or undefined:
 * `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
 * (Endpoints set in the shared config file are not looked at.)
 */
export function environmentEndpoint(
  service: EndpointServiceSuffix,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return undefined;
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

export interface ResolvedClientOptions {
  endpoint?: string;
  region?: string;
  credentials?: S3ClientConfig['credentials'];
  maxAttempts?: number;
  /** True when requests go to a custom endpoint (explicit or from the environment). */
  customEndpoint: boolean;
}

/** The options every factory passes to its client, with the region default for local servers. */
export function resolveClientOptions(
  service: EndpointServiceSuffix,
  options: AwsClientOptions,
): ResolvedClientOptions {
  const env = options.env ?? process.env;
  const customEndpoint = options.endpoint !== undefined || environmentEndpoint(service, env) !== undefined;
  const region =
    options.region ?? (env.AWS_REGION || undefined) ?? (customEndpoint ? 'us-east-1' : undefined);
  const resolved: ResolvedClientOptions = { customEndpoint };
  if (options.endpoint !== undefined) resolved.endpoint = options.endpoint;
  if (region !== undefined) resolved.region = region;
  if (options.credentials !== undefined) resolved.credentials = options.credentials;
  if (options.maxAttempts !== undefined) resolved.maxAttempts = options.maxAttempts;
  return resolved;
}
