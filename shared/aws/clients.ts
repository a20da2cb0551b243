/**
 * AWS SDK clients. The `create…` factories build a client from explicit options (tests, the local
 * runtime); the module-scope instances below are built once per Lambda container (Powertools style) from
 * the environment.
 *
 * Endpoints: SDK v3 (@smithy/core `getEndpointFromConfig`) already honours `AWS_ENDPOINT_URL_S3`,
 * `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SNS` and `AWS_ENDPOINT_URL` (unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), so an endpoint from the environment is not passed again; it
 * is only looked at to choose path-style S3 addressing and a default region for local servers.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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

interface ResolvedCommon {
  endpoint?: string;
  region?: string;
  credentials?: S3ClientConfig['credentials'];
  maxAttempts?: number;
  /** True when requests go to a custom endpoint (explicit or from the environment). */
  customEndpoint: boolean;
}

function resolveCommon(service: EndpointServiceSuffix, options: AwsClientOptions): ResolvedCommon {
  const env = options.env ?? process.env;
  const customEndpoint = options.endpoint !== undefined || environmentEndpoint(service, env) !== undefined;
  const region =
    options.region ?? (env.AWS_REGION || undefined) ?? (customEndpoint ? 'us-east-1' : undefined);
  const resolved: ResolvedCommon = { customEndpoint };
  if (options.endpoint !== undefined) resolved.endpoint = options.endpoint;
  if (region !== undefined) resolved.region = region;
  if (options.credentials !== undefined) resolved.credentials = options.credentials;
  if (options.maxAttempts !== undefined) resolved.maxAttempts = options.maxAttempts;
  return resolved;
}

/**
 * An S3 client. Checksums are computed/validated only when an operation requires them
 * (`WHEN_REQUIRED`): the default (`WHEN_SUPPORTED`) sends aws-chunked bodies with trailing CRC32 checksums,
 * which the local s3rver stores verbatim. With a custom endpoint, path-style addressing is used
 * (`http://host:port/bucket/key`) because local servers have no per-bucket DNS names.
 */
export function createS3Client(options: AwsClientOptions = {}): S3Client {
  const { customEndpoint, ...common } = resolveCommon('S3', options);
  const config: S3ClientConfig = {
    ...common,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (customEndpoint) config.forcePathStyle = true;
  return new S3Client(config);
}

/** A low-level DynamoDB client (table administration; adapters use the document client). */
export function createDynamoClient(options: AwsClientOptions = {}): DynamoDBClient {
  const { customEndpoint: _custom, ...common } = resolveCommon('DYNAMODB', options);
  const config: DynamoDBClientConfig = common;
  return new DynamoDBClient(config);
}

/**
 * A DynamoDB document client (plain JS values in and out). `removeUndefinedValues` drops undefined
 * optional fields instead of failing on them.
 */
export function createDynamoDocumentClient(
  options: AwsClientOptions | { readonly client: DynamoDBClient } = {},
): DynamoDBDocumentClient {
  const client = 'client' in options ? options.client : createDynamoClient(options);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** An SNS client. */
export function createSnsClient(options: AwsClientOptions = {}): SNSClient {
  const { customEndpoint: _custom, ...common } = resolveCommon('SNS', options);
  const config: SNSClientConfig = common;
  return new SNSClient(config);
}

/** Module-scope clients for the Lambda handlers, configured from the environment once per container. */
export const s3Client: S3Client = createS3Client();
export const dynamoDocumentClient: DynamoDBDocumentClient = createDynamoDocumentClient();
export const snsClient: SNSClient = createSnsClient();
