/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy -c alertEmail=you@example.com`. cdk-nag's
 * AwsSolutions and Serverless packs check the stack; every acknowledgement sits beside its construct.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadConfig } from '#config/load';
import { FinmlStack } from './stack.ts';

export function buildApp(app: App = new App()): { app: App; stack: FinmlStack } {
  const { config } = loadConfig();
  const alertEmail = app.node.tryGetContext('alertEmail') as string | undefined;
  const stack = new FinmlStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'Finml', {
    config,
    ...(alertEmail ? { alertEmail } : {}),
    codeVersion: codeVersion(),
    description:
      'FINML: market-risk regimes — data lake, pipeline, model registry, prediction API, monitoring',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}

function codeVersion(): string {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    return `${version}+${commit}`;
  } catch {
    return version;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
