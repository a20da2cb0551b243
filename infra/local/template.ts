/**
 * The synthesized CloudFormation template of the FINML stack, built in-process without bundling:
 * the same `buildApp()` as `cdk synth`, so the local runtime deploys exactly what AWS would get.
 */
import { rm } from 'node:fs/promises';

/** A CloudFormation resource as it appears in the synthesized template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** The parts of a CloudFormation template the local runtime reads. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, unknown>;
}

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

export interface SynthOptions {
  /** Cloud assembly folder (emptied first). */
  readonly outdir: string;
  /** Extra CDK context (e.g. `stackName`). */
  readonly context?: Record<string, unknown>;
}

/**
 * Synthesizes the FINML stack with asset bundling switched off (`aws:cdk:bundling-stacks: []`: the
 * handlers run from source here) and returns its template.
 *
 * cdk-nag is not run (`checks: false`): it checks the AWS deployment (`test/infra` and `cdk synth`
 * run it), and the local runtime only needs the template.
 */
export async function synthesizeStack(options: SynthOptions): Promise<SynthesizedStack> {
  const [{ App }, { buildApp }] = await Promise.all([import('aws-cdk-lib'), import('../app.ts')]);
  await rm(options.outdir, { recursive: true, force: true });
  const app = new App({
    outdir: options.outdir,
    context: { ...options.context, 'aws:cdk:bundling-stacks': [] },
  });
  const { stack } = buildApp(app, { checks: false });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  return { stackName: stack.stackName, template: artifact.template as CfnTemplate };
}

/** The resources of one CloudFormation type, as [logicalId, resource] pairs in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** A logical id without the 8-hex-digit hash CDK appends: `DataLakeBronzeCE09A7C5` → `DataLakeBronze`. */
export function shortName(logicalId: string): string {
  const m = /^(.+?)[0-9A-F]{8}$/.exec(logicalId);
  return m ? m[1]! : logicalId;
}

/** `DataLakeBronze` → `data-lake-bronze` (a name S3 and DynamoDB accept). */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .toLowerCase()
    .replace(/^-+|-+$/g, '');
}
