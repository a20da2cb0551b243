/**
 * Classification of AWS SDK errors into transient (worth retrying: throttling, 5xx, timeouts, dropped
 * connections) and permanent, plus the typed error handlers throw so Step Functions retries them.
 *
 * The lists follow @smithy/service-error-classification (the SDK's own retry classification).
 */

/** Error names (SDK v3 sets `error.name` to the service's error code) that mean "slow down and retry". */
const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
  'KMSThrottlingException',
]);

/** Error names of server-side faults and timeouts. */
const TRANSIENT_ERROR_NAMES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

/** Node.js socket error codes of dropped or refused connections. */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** HTTP statuses that are transient: 429 Too Many Requests and the 5xx family. */
function isTransientStatus(status: number | undefined): boolean {
  return status !== undefined && (status === 429 || (status >= 500 && status <= 599));
}

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * True when `error` is an AWS SDK (or socket) error that is worth retrying later: throttling
 * (ThrottlingException, ProvisionedThroughputExceededException, RequestLimitExceeded, SlowDown, HTTP 429),
 * server faults (HTTP 5xx, InternalServerError, ServiceUnavailable), timeouts (TimeoutError, RequestTimeout)
 * and dropped connections (ECONNRESET, ETIMEDOUT, …). A TransientAwsError is transient; so is an error whose
 * `cause` is. Everything else — validation errors, access denied, conditional-check failures, missing
 * resources — is not.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (error instanceof TransientAwsError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (
    typeof e.name === 'string' &&
    (THROTTLING_ERROR_NAMES.has(e.name) || TRANSIENT_ERROR_NAMES.has(e.name))
  ) {
    return true;
  }
  if (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  if (isTransientStatus(e.$metadata?.httpStatusCode)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isTransientAwsError(cause);
}

/**
 * A transient AWS failure, thrown by handlers so the state machine's Retry on `TransientAwsError` applies
 * (Lambda reports `error.name` as the error type, so the name is part of the contract).
 */
export class TransientAwsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientAwsError';
  }
}

/**
 * Wraps a transient error in TransientAwsError (keeping it as `cause`); returns any other error unchanged.
 * Typical use in a handler: `catch (e) { throw asTransientAwsError(e); }`.
 */
export function asTransientAwsError(error: unknown): unknown {
  if (error instanceof TransientAwsError || !isTransientAwsError(error)) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new TransientAwsError(`Transient AWS failure (${name}): ${message}`, { cause: error });
}
