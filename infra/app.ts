import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadConfig } from '#config/load';
import { codeVersion } from '#config/version';
import { FinmlStack } from './stack.ts';

export interface BuildOptions {
  /** Run cdk-nag's AwsSolutions and Serverless packs at synth. @default true */
  checks?: boolean;
}

export function buildApp(app: App = new App(), options: BuildOptions = {}): { app: App; stack: FinmlStack } {
  const { config } = loadConfig();
  const alertEmail = app.node.tryGetContext('alertEmail') as string | undefined;
  const stack = new FinmlStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'Finml', {
    config,
    ...(alertEmail ? { alertEmail } : {}),
    codeVersion: codeVersion(),
    description:
      'FINML: market-risk regimes — data lake, pipeline, model registry, prediction API, monitoring',
  });
  if (options.checks ?? true)
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
