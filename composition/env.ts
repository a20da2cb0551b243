/** The environment the stack gives every function (infra/ uses the same names), read once per cold start. */

/** Environment variable names the stack sets. */
export const ENV = {
  bronzeBucket: 'BRONZE_BUCKET',
  silverBucket: 'SILVER_BUCKET',
  goldBucket: 'GOLD_BUCKET',
  artifactsBucket: 'ARTIFACTS_BUCKET',
  quarantineBucket: 'QUARANTINE_BUCKET',
  registryTable: 'REGISTRY_TABLE',
  predictionsTable: 'PREDICTIONS_TABLE',
  alertTopic: 'ALERT_TOPIC_ARN',
  dashboardUrl: 'DASHBOARD_URL',
  codeVersion: 'FINML_CODE_VERSION',
} as const;

/** Required environment, read once at cold start: a missing variable fails the init, not a request. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

export const codeVersion = (env: NodeJS.ProcessEnv = process.env): string =>
  env[ENV.codeVersion] ?? 'unknown';
