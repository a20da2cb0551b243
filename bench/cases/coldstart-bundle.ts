/**
 * The Lambda bundles as the CDK builds them, for the coldstart case: the esbuild options of
 * `FinmlFunction` (infra/constructs/finml-function.ts, which NodejsFunction turns into
 * `esbuild --bundle <entry> --target=node22 --platform=node --format=esm --outfile=index.mjs
 * --minify --sourcemap --main-fields=module,main --banner:js=… --tsconfig=tsconfig.json
 * --alias:@aws-sdk/credential-provider-node=./shared/aws/lambda-credentials.ts`, no externals), the
 * config YAML copied into `config/` beside the bundle with its validated JSON (`config.json`), and
 * the environment the Lambda runtime and the stack give the function (dummy names and ARNs).
 */
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Metafile } from 'esbuild';
import { BUNDLED_CONFIG_FILE, bundledConfigText } from '#composition/bundled-config';
import { loadConfig } from '#config/load';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The handler modules, one bundle each (the stack points each function at one export): `api` holds
 * the three API handlers (the read and admin functions), `predict` the /predict function alone.
 */
export const LAMBDA_ENTRIES = {
  read: 'functions/api/read.ts',
  admin: 'functions/api/admin.ts',
  predict: 'functions/api/predict.ts',
  pipeline: 'functions/pipeline/handlers.ts',
  scheduled: 'functions/scheduled/handlers.ts',
} as const;

export type LambdaBundleName = keyof typeof LAMBDA_ENTRIES;

/** FinmlFunction's BUNDLE_ALIASES (keep in step with finml-function.ts). */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './shared/aws/lambda-credentials.ts',
};

/** FinmlFunction's RUNTIME_SOURCE_MAPS, which every function gets but /predict's (PredictionApi). */
export const RUNTIME_SOURCE_MAPS = '--enable-source-maps';

/** NODE_OPTIONS of a bundle's function in the stack. */
export const nodeOptions = (name: LambdaBundleName): string =>
  name === 'predict' ? '' : RUNTIME_SOURCE_MAPS;

/** FinmlFunction's `bundling` props as esbuild options (keep in step with finml-function.ts). */
export function lambdaBuildOptions(entry: string, outDir: string): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(REPO_ROOT, entry)],
    outfile: join(outDir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __finmlRequire } from 'node:module'; const require = __finmlRequire(import.meta.url);",
    },
    alias: { ...BUNDLE_ALIASES },
    tsconfig: join(REPO_ROOT, 'tsconfig.json'),
    metafile: true,
    logLevel: 'warning',
  };
}

export interface LambdaBundle {
  dir: string;
  file: string;
  bytes: number;
  mapBytes: number;
  /** Bytes of the bundle by npm package (or repository folder), largest first. */
  largest: { name: string; bytes: number }[];
}

/** Builds one handler bundle into `outDir` (emptied first) with config/*.yaml and config.json beside it. */
export async function buildLambdaBundle(entry: string, outDir: string): Promise<LambdaBundle> {
  const { build } = await import('esbuild');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'config'), { recursive: true });
  const result = await build(lambdaBuildOptions(entry, outDir));
  const configDir = join(REPO_ROOT, 'config');
  for (const name of await readdir(configDir)) {
    if (name.endsWith('.yaml')) await copyFile(join(configDir, name), join(outDir, 'config', name));
  }
  await writeFile(join(outDir, 'config', BUNDLED_CONFIG_FILE), bundledConfigText(loadConfig(configDir)));
  await writeFile(join(outDir, 'index.meta.json'), JSON.stringify(result.metafile));
  const file = join(outDir, 'index.mjs');
  return {
    dir: outDir,
    file,
    bytes: (await stat(file)).size,
    mapBytes: (await stat(`${file}.map`)).size,
    largest: bytesByPackage(result.metafile!),
  };
}

/** Output bytes per npm package (`@scope/name`), or per repository folder for our own code. */
export function bytesByPackage(metafile: Metafile): { name: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      const name = pkg ?? path.split('/').slice(0, -1).join('/');
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
}

/**
 * The environment of the function's process in Lambda: what the runtime sets (region, function
 * name, credentials, X-Ray daemon…; dummy values, the daemon on localhost), what FinmlFunction sets
 * (NODE_OPTIONS, POWERTOOLS_SERVICE_NAME, FINML_CONFIG_DIR pointing at the copied YAML) and the
 * stack's bucket, table and topic names. Nothing is inherited from the benchmark's own environment
 * but PATH.
 */
export function lambdaEnvironment(name: LambdaBundleName, bundleDir: string): Record<string, string> {
  const region = 'eu-west-1';
  const app: Record<string, string> = {
    BRONZE_BUCKET: 'finml-bronze-bench',
    SILVER_BUCKET: 'finml-silver-bench',
    GOLD_BUCKET: 'finml-gold-bench',
    ARTIFACTS_BUCKET: 'finml-artifacts-bench',
    QUARANTINE_BUCKET: 'finml-quarantine-bench',
    REGISTRY_TABLE: 'finml-registry-bench',
    PREDICTIONS_TABLE: 'finml-predictions-bench',
    ALERT_TOPIC_ARN: `arn:aws:sns:${region}:123456789012:finml-alerts-bench`,
    DASHBOARD_URL: 'https://d111111abcdef8.cloudfront.net',
    FINML_CODE_VERSION: 'benchmark',
  };
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    // The Lambda runtime
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: `finml-bench-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/finml-bench-${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]00000000000000000000000000000000',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: 'benchmark',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1',
    _AWS_XRAY_DAEMON_PORT: '2000',
    LAMBDA_TASK_ROOT: bundleDir,
    _HANDLER: 'index.handler',
    // FinmlFunction
    NODE_OPTIONS: nodeOptions(name),
    POWERTOOLS_SERVICE_NAME: 'finml',
    FINML_CONFIG_DIR: join(bundleDir, 'config'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The stack (infra/stack.ts)
    ...app,
  };
}
