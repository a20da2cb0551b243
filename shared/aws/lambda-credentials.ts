/**
 * The SDK's default credential provider as it is in Lambda: the function role's credentials from
 * the environment the runtime sets (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`), which is the first link of the SDK's own chain and the one that always
 * answers there.
 *
 * Lambda bundles only: FinmlFunction's esbuild `--alias` puts this module in place of
 * `@aws-sdk/credential-provider-node`, whose chain (shared config files, SSO, web identity, process,
 * container and instance metadata) drags STS/SSO clients into every bundle and costs ~18 ms of each
 * cold start for links that never run in Lambda (docs/decisions/0006-predict-cold-start.md). Tests,
 * the CLI and the local runtime run unbundled and keep the SDK's full chain.
 */

export const ACCESS_KEY_ENV = 'AWS_ACCESS_KEY_ID';
export const SECRET_KEY_ENV = 'AWS_SECRET_ACCESS_KEY';
export const SESSION_TOKEN_ENV = 'AWS_SESSION_TOKEN';
export const EXPIRATION_ENV = 'AWS_CREDENTIAL_EXPIRATION';
export const ACCOUNT_ID_ENV = 'AWS_ACCOUNT_ID';

export class LambdaCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LambdaCredentialsError';
  }
}

export interface EnvironmentCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  accountId?: string;
}

/** The credentials in `env`; throws LambdaCredentialsError when the key pair is not there. */
export function credentialsFromEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): EnvironmentCredentials {
  const accessKeyId = env[ACCESS_KEY_ENV];
  const secretAccessKey = env[SECRET_KEY_ENV];
  if (!accessKeyId || !secretAccessKey) {
    throw new LambdaCredentialsError(
      `${ACCESS_KEY_ENV} and ${SECRET_KEY_ENV} are not set: this bundle reads credentials from the ` +
        'environment only (as Lambda provides them); run it in Lambda, or unbundled for the full SDK chain',
    );
  }
  const sessionToken = env[SESSION_TOKEN_ENV];
  const expiration = env[EXPIRATION_ENV];
  const accountId = env[ACCOUNT_ID_ENV];
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration ? { expiration: new Date(expiration) } : {}),
    ...(accountId ? { accountId } : {}),
  };
}

/**
 * Same signature as `@aws-sdk/credential-provider-node`'s `defaultProvider` (the only name the
 * clients import from it): a provider that reads the environment on each call (the SDK memoises it).
 */
export const defaultProvider =
  (_init?: unknown): (() => Promise<EnvironmentCredentials>) =>
  async () =>
    credentialsFromEnvironment();
