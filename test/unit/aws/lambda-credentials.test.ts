/**
 * Lambda's environment credentials, which replace the SDK's default provider chain in the bundles
 * (FinmlFunction's esbuild alias) — and a guard that the SDK clients still import nothing else from
 * the aliased module.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  credentialsFromEnvironment,
  defaultProvider,
  LambdaCredentialsError,
} from '#shared/aws/lambda-credentials';

const LAMBDA_ENV = {
  AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_SESSION_TOKEN: 'token',
};

describe('credentialsFromEnvironment', () => {
  test('reads the key pair and the session token Lambda sets', () => {
    expect(credentialsFromEnvironment(LAMBDA_ENV)).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  test('reads an expiration and an account id when set', () => {
    const credentials = credentialsFromEnvironment({
      ...LAMBDA_ENV,
      AWS_CREDENTIAL_EXPIRATION: '2026-01-01T12:00:00Z',
      AWS_ACCOUNT_ID: '123456789012',
    });
    expect(credentials.expiration).toEqual(new Date('2026-01-01T12:00:00Z'));
    expect(credentials.accountId).toBe('123456789012');
  });

  test('without the key pair it fails saying where credentials come from', () => {
    expect(() => credentialsFromEnvironment({ AWS_ACCESS_KEY_ID: 'x' })).toThrowError(LambdaCredentialsError);
    expect(() => credentialsFromEnvironment({})).toThrowError(/environment only/);
  });
});

describe('defaultProvider', () => {
  test('is a provider factory, as the SDK clients call it', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, LAMBDA_ENV);
      expect(await defaultProvider({ profile: 'ignored' })()).toMatchObject({ accessKeyId: 'ASIAEXAMPLE' });
    } finally {
      process.env = saved;
    }
  });

  test('stands in for every name the installed SDK clients import from the aliased module', () => {
    const root = new URL('../../../node_modules/@aws-sdk/', import.meta.url);
    const imported = new Set<string>();
    for (const pkg of readdirSync(root).filter((p) => p.startsWith('client-'))) {
      const source = readFileSync(new URL(`${pkg}/dist-es/runtimeConfig.js`, root), 'utf8');
      const m = /import \{([^}]*)\} from "@aws-sdk\/credential-provider-node"/.exec(source);
      for (const name of m?.[1]?.split(',') ?? []) imported.add(name.trim().split(/\s+as\s+/)[0]!);
    }
    expect([...imported]).toEqual(['defaultProvider']);
  });
});
