/**
 * The local deployment plan: what each resource of the synthesized template becomes on this machine.
 * Pure (no I/O): buckets and tables get local names derived from their logical ids, functions keep
 * their source entry and resolved environment, the state machine its definition with local ARNs,
 * the EventBridge rules their patterns, targets and schedules, the REST API its route table.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { ENTRY_METADATA, EXPORT_METADATA } from '../constructs/finml-function.ts';
import { type PhysicalResource, type ResolveScope, resolve, UnresolvableError } from './intrinsics.ts';
import { type CfnResource, type CfnTemplate, kebab, resourcesOfType, shortName } from './template.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

export interface LocalBucket {
  readonly logicalId: string;
  readonly name: string;
  /** Object events go to EventBridge (the bucket's notification configuration says so). */
  readonly eventBridge: boolean;
}

export interface LocalTable {
  readonly logicalId: string;
  readonly name: string;
  /** CreateTable from the template's key schema, attribute definitions and indexes. */
  readonly create: CreateTableCommandInput;
  /** TTL attribute in the template (dynalite has no TTL: the adapters skip expired items). */
  readonly timeToLiveAttribute?: string;
}

export interface LocalTopic {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
}

export interface LocalFunctionSpec {
  readonly logicalId: string;
  /** Logical id without its hash, e.g. `Claim`: the log file name. */
  readonly shortName: string;
  /** Function name, e.g. `Finml-Claim`. */
  readonly name: string;
  readonly arn: string;
  /** Handler module relative to the repository root, and its export. */
  readonly entry: string;
  readonly exportName: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The template environment with every reference resolved to its local value. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface LocalStateMachineSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The Amazon States Language definition, with local function ARNs. */
  readonly definition: Record<string, unknown>;
}

/** How a rule target builds its input from the event (EventBridge Input / InputPath / InputTransformer). */
export type TargetInput =
  | { readonly kind: 'event' }
  | { readonly kind: 'constant'; readonly json: string }
  | { readonly kind: 'path'; readonly path: string }
  | {
      readonly kind: 'transformer';
      readonly paths: Readonly<Record<string, string>>;
      readonly template: string;
    };

export interface RuleTarget {
  readonly arn: string;
  readonly input: TargetInput;
  readonly maximumRetryAttempts?: number;
}

export interface LocalEventRule {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly enabled: boolean;
  readonly pattern: Record<string, unknown>;
  readonly targets: readonly RuleTarget[];
}

export interface LocalScheduleRule {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly enabled: boolean;
  readonly expression: string;
  readonly targets: readonly RuleTarget[];
}

export type ApiIntegration =
  | { readonly type: 'AWS_PROXY'; readonly functionArn: string }
  | {
      readonly type: 'MOCK';
      readonly statusCode: number;
      readonly headers: Readonly<Record<string, string>>;
    };

export interface ApiRoute {
  readonly logicalId: string;
  /** Resource path, e.g. `/models/{version}`. */
  readonly resource: string;
  readonly method: string;
  readonly apiKeyRequired: boolean;
  readonly integration: ApiIntegration;
  /** JSON schema of the body, when the method's validator validates bodies. */
  readonly bodySchema?: Record<string, unknown>;
}

export interface LocalApi {
  readonly logicalId: string;
  readonly name: string;
  readonly stageName: string;
  readonly routes: readonly ApiRoute[];
  /** Usage-plan throttling (requests per second, burst), when set. */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

export interface LocalDeployment {
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly buckets: readonly LocalBucket[];
  readonly tables: readonly LocalTable[];
  readonly topics: readonly LocalTopic[];
  readonly functions: readonly LocalFunctionSpec[];
  readonly stateMachines: readonly LocalStateMachineSpec[];
  readonly eventRules: readonly LocalEventRule[];
  readonly scheduleRules: readonly LocalScheduleRule[];
  readonly api?: LocalApi;
  /** Resource types in the template that have no local counterpart (alarms, IAM, CDN, queues, …). */
  readonly notEmulated: readonly string[];
}

export interface PlanOptions {
  /** Environment values that replace the template's (e.g. the config folder, the dashboard URL). */
  readonly environmentOverrides?: Readonly<Record<string, string>>;
  /** Template environment variables that have no meaning in-process (e.g. NODE_OPTIONS). */
  readonly environmentDropped?: readonly string[];
  /** What a CloudFront distribution's DomainName is here: the local site's host:port. @default localhost */
  readonly siteDomain?: string;
}

/** A template the local runtime cannot deploy (it names the resource and the reason). */
export class LocalDeploymentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalDeploymentError';
  }
}

const EMULATED = new Set([
  'AWS::S3::Bucket',
  'AWS::DynamoDB::Table',
  'AWS::SNS::Topic',
  'AWS::Lambda::Function',
  'AWS::StepFunctions::StateMachine',
  'AWS::Events::Rule',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Model',
  'AWS::ApiGateway::RequestValidator',
  'AWS::ApiGateway::UsagePlan',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::ApiKey',
]);

function props(resource: CfnResource): Record<string, unknown> {
  return resource.Properties ?? {};
}

/** Unique names per kind: `<stack>-<kebab short name>`, falling back to the full logical id on a clash. */
function uniqueNames(ids: string[], make: (base: string) => string): Map<string, string> {
  const bases = ids.map((id) => make(shortName(id)));
  const out = new Map<string, string>();
  ids.forEach((id, i) => {
    const clash = bases.filter((b) => b === bases[i]).length > 1;
    out.set(id, clash ? make(id) : bases[i]!);
  });
  return out;
}

/** Physical ids of the emulated resources (Ref and GetAtt values). */
function physicalResources(
  template: CfnTemplate,
  stackName: string,
  siteDomain: string,
): Map<string, PhysicalResource> {
  const region = LOCAL_REGION;
  const account = LOCAL_ACCOUNT;
  const stack = stackName.toLowerCase();
  const out = new Map<string, PhysicalResource>();
  const ids = (type: string) => resourcesOfType(template, type).map(([id]) => id);

  for (const [id, name] of uniqueNames(ids('AWS::S3::Bucket'), (b) => `${stack}-${kebab(b)}`.slice(0, 63))) {
    out.set(id, {
      ref: name,
      attributes: {
        Arn: `arn:aws:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
      },
    });
  }
  for (const [id, name] of uniqueNames(ids('AWS::DynamoDB::Table'), (b) => `${stack}-${kebab(b)}`)) {
    out.set(id, { ref: name, attributes: { Arn: `arn:aws:dynamodb:${region}:${account}:table/${name}` } });
  }
  for (const [id, name] of uniqueNames(ids('AWS::SNS::Topic'), (b) => `${stack}-${kebab(b)}`)) {
    const arn = `arn:aws:sns:${region}:${account}:${name}`;
    out.set(id, { ref: arn, attributes: { TopicArn: arn, TopicName: name } });
  }
  for (const [id, name] of uniqueNames(ids('AWS::Lambda::Function'), (b) => `${stackName}-${b}`)) {
    out.set(id, { ref: name, attributes: { Arn: `arn:aws:lambda:${region}:${account}:function:${name}` } });
  }
  for (const [id, name] of uniqueNames(ids('AWS::StepFunctions::StateMachine'), (b) => `${stackName}-${b}`)) {
    const arn = `arn:aws:states:${region}:${account}:stateMachine:${name}`;
    out.set(id, { ref: arn, attributes: { Arn: arn, Name: name } });
  }
  for (const [id, name] of uniqueNames(ids('AWS::Events::Rule'), (b) => `${stackName}-${b}`)) {
    out.set(id, { ref: name, attributes: { Arn: `arn:aws:events:${region}:${account}:rule/${name}` } });
  }
  // The dashboard's CDN is the local front door (e.g. the API's CORS origin names it).
  for (const id of ids('AWS::CloudFront::Distribution')) {
    out.set(id, { ref: id, attributes: { DomainName: siteDomain } });
  }
  for (const id of ids('AWS::ApiGateway::RestApi')) {
    out.set(id, { ref: id, attributes: { RootResourceId: `${id}/` } });
  }
  for (const type of [
    'AWS::ApiGateway::Resource',
    'AWS::ApiGateway::Model',
    'AWS::ApiGateway::RequestValidator',
    'AWS::ApiGateway::Stage',
    'AWS::ApiGateway::Method',
    'AWS::ApiGateway::ApiKey',
  ]) {
    for (const id of ids(type)) out.set(id, { ref: id, attributes: {} });
  }
  return out;
}

/**
 * Resources that are referenced but have no local counterpart resolve to a placeholder ARN where the
 * runtime never uses the value (roles, dead-letter queues, keys); `strict` scopes refuse them.
 */
function scopes(template: CfnTemplate, stackName: string, physical: Map<string, PhysicalResource>) {
  const base = { region: LOCAL_REGION, account: LOCAL_ACCOUNT, stackName };
  const strict: ResolveScope = { ...base, resource: (id) => physical.get(id) };
  const lenient: ResolveScope = {
    ...base,
    resource: (id) => {
      const known = physical.get(id);
      if (known !== undefined) return known;
      if (template.Resources[id] === undefined) return undefined;
      const placeholder = `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:not-emulated/${id}`;
      return {
        ref: placeholder,
        attributes: new Proxy({} as Record<string, string>, { get: () => placeholder }),
      };
    },
  };
  return { strict, lenient };
}

function tableInput(name: string, p: Record<string, unknown>): CreateTableCommandInput {
  const input: Record<string, unknown> = {
    TableName: name,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: p.BillingMode ?? 'PROVISIONED',
  };
  if (p.ProvisionedThroughput) input.ProvisionedThroughput = p.ProvisionedThroughput;
  for (const key of ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes'] as const) {
    const indexes = p[key] as Record<string, unknown>[] | undefined;
    if (indexes?.length) input[key] = indexes;
  }
  return input as unknown as CreateTableCommandInput;
}

function targetInput(t: Record<string, unknown>): TargetInput {
  if (typeof t.Input === 'string') return { kind: 'constant', json: t.Input };
  if (typeof t.InputPath === 'string') return { kind: 'path', path: t.InputPath };
  const transformer = t.InputTransformer as
    | { InputPathsMap?: Record<string, string>; InputTemplate: string }
    | undefined;
  if (transformer) {
    return {
      kind: 'transformer',
      paths: transformer.InputPathsMap ?? {},
      template: transformer.InputTemplate,
    };
  }
  return { kind: 'event' };
}

function ruleTargets(p: Record<string, unknown>): RuleTarget[] {
  return ((p.Targets as Record<string, unknown>[] | undefined) ?? []).map((t) => {
    const retry = (t.RetryPolicy as { MaximumRetryAttempts?: number } | undefined)?.MaximumRetryAttempts;
    return {
      arn: String(t.Arn),
      input: targetInput(t),
      ...(retry === undefined ? {} : { maximumRetryAttempts: retry }),
    };
  });
}

function lambdaArnOfIntegrationUri(uri: string): string | undefined {
  return /:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/.exec(uri)?.[1];
}

function planApi(template: CfnTemplate, strict: ResolveScope, lenient: ResolveScope): LocalApi | undefined {
  const apis = resourcesOfType(template, 'AWS::ApiGateway::RestApi');
  if (apis.length === 0) return undefined;
  if (apis.length > 1)
    throw new LocalDeploymentError('the local runtime serves one REST API; the stack has more');
  const [apiId, apiResource] = apis[0]!;
  const paths = new Map<string, string>([[`${apiId}/`, '/']]);
  const resources = resourcesOfType(template, 'AWS::ApiGateway::Resource');
  const pathOf = (id: string, seen = new Set<string>()): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const r = template.Resources[id];
    if (r === undefined || seen.has(id)) throw new LocalDeploymentError(`API resource ${id} has no path`);
    seen.add(id);
    const p = props(r);
    const parent = String(resolve(p.ParentId, strict));
    const parentPath = pathOf(parent, seen);
    const path = `${parentPath === '/' ? '' : parentPath}/${String(p.PathPart)}`;
    paths.set(id, path);
    return path;
  };
  for (const [id] of resources) pathOf(id);

  const validators = new Map(
    resourcesOfType(template, 'AWS::ApiGateway::RequestValidator').map(([id, r]) => [
      id,
      props(r).ValidateRequestBody === true,
    ]),
  );
  const models = new Map(
    resourcesOfType(template, 'AWS::ApiGateway::Model').map(([id, r]) => [
      id,
      props(r).Schema as Record<string, unknown>,
    ]),
  );
  const routes: ApiRoute[] = [];
  for (const [id, r] of resourcesOfType(template, 'AWS::ApiGateway::Method')) {
    const p = props(r);
    const resourceId = String(resolve(p.ResourceId, strict));
    const integration = p.Integration as Record<string, unknown>;
    let planned: ApiIntegration;
    if (integration.Type === 'AWS_PROXY') {
      const uri = String(resolve(integration.Uri, strict));
      const functionArn = lambdaArnOfIntegrationUri(uri);
      if (functionArn === undefined) {
        throw new LocalDeploymentError(`${id}: integration URI ${uri} is not a Lambda function`);
      }
      planned = { type: 'AWS_PROXY', functionArn };
    } else if (integration.Type === 'MOCK') {
      const response = ((integration.IntegrationResponses as Record<string, unknown>[] | undefined) ?? [])[0];
      const headers: Record<string, string> = {};
      const parameters = (response?.ResponseParameters as Record<string, unknown> | undefined) ?? {};
      for (const [k, v] of Object.entries(parameters)) {
        const header = /^method\.response\.header\.(.+)$/.exec(k)?.[1];
        if (header) headers[header] = String(resolve(v, lenient)).replace(/^'(.*)'$/s, '$1');
      }
      planned = { type: 'MOCK', statusCode: Number(response?.StatusCode ?? 200), headers };
    } else {
      throw new LocalDeploymentError(`${id}: integration type ${String(integration.Type)} is not emulated`);
    }
    const validatorId = p.RequestValidatorId ? String(resolve(p.RequestValidatorId, strict)) : undefined;
    const modelRef = (p.RequestModels as Record<string, unknown> | undefined)?.['application/json'];
    const schema =
      validatorId !== undefined && validators.get(validatorId) && modelRef !== undefined
        ? models.get(String(resolve(modelRef, strict)))
        : undefined;
    routes.push({
      logicalId: id,
      resource: pathOf(resourceId),
      method: String(p.HttpMethod).toUpperCase(),
      apiKeyRequired: p.ApiKeyRequired === true,
      integration: planned,
      ...(schema ? { bodySchema: schema } : {}),
    });
  }
  const stage = resourcesOfType(template, 'AWS::ApiGateway::Stage')[0];
  const plan = resourcesOfType(template, 'AWS::ApiGateway::UsagePlan')[0];
  const throttle = plan ? (resolve(props(plan[1]).Throttle, lenient) as Record<string, number>) : undefined;
  return {
    logicalId: apiId,
    name: String(props(apiResource).Name ?? apiId),
    stageName: String(stage ? props(stage[1]).StageName : 'local'),
    routes,
    ...(throttle?.RateLimit !== undefined && throttle.BurstLimit !== undefined
      ? { throttle: { rateLimit: throttle.RateLimit, burstLimit: throttle.BurstLimit } }
      : {}),
  };
}

function withContext<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof UnresolvableError) {
      throw new LocalDeploymentError(`${what}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Plans the local deployment of a synthesized template. Throws LocalDeploymentError on what it cannot run. */
export function planDeployment(
  template: CfnTemplate,
  stackName: string,
  options: PlanOptions = {},
): LocalDeployment {
  const physical = physicalResources(template, stackName, options.siteDomain ?? 'localhost');
  const { strict, lenient } = scopes(template, stackName, physical);
  const ref = (id: string) => physical.get(id)!;

  const eventBridgeBuckets = new Set<string>();
  for (const [, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'Custom::S3BucketNotifications') continue;
    const p = props(r);
    const config = p.NotificationConfiguration as Record<string, unknown> | undefined;
    if (config?.EventBridgeConfiguration !== undefined)
      eventBridgeBuckets.add(String(resolve(p.BucketName, strict)));
  }
  const buckets = resourcesOfType(template, 'AWS::S3::Bucket').map(([id]) => ({
    logicalId: id,
    name: ref(id).ref,
    eventBridge: eventBridgeBuckets.has(ref(id).ref),
  }));

  const tables = resourcesOfType(template, 'AWS::DynamoDB::Table').map(([id, r]) => {
    const p = props(r);
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    return {
      logicalId: id,
      name: ref(id).ref,
      create: tableInput(ref(id).ref, p),
      ...(ttl?.Enabled && ttl.AttributeName ? { timeToLiveAttribute: ttl.AttributeName } : {}),
    };
  });

  const topics = resourcesOfType(template, 'AWS::SNS::Topic').map(([id]) => ({
    logicalId: id,
    name: ref(id).attributes.TopicName!,
    arn: ref(id).ref,
  }));

  const overrides = options.environmentOverrides ?? {};
  const dropped = new Set(options.environmentDropped ?? []);
  const functions: LocalFunctionSpec[] = [];
  for (const [id, r] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const entry = r.Metadata?.[ENTRY_METADATA];
    const exportName = r.Metadata?.[EXPORT_METADATA];
    if (typeof entry !== 'string' || typeof exportName !== 'string') continue; // CDK's own helpers
    const p = props(r);
    const variables = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
      {}) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(variables)) {
      if (dropped.has(key)) continue;
      environment[key] =
        overrides[key] ?? withContext(`${id} environment ${key}`, () => String(resolve(value, strict)));
    }
    functions.push({
      logicalId: id,
      shortName: shortName(id),
      name: ref(id).ref,
      arn: ref(id).attributes.Arn!,
      entry,
      exportName,
      timeoutSeconds: Number(p.Timeout ?? 3),
      memoryMb: Number(p.MemorySize ?? 128),
      environment,
    });
  }

  const stateMachines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([id, r]) => {
    const p = props(r);
    let text = withContext(`${id} DefinitionString`, () => String(resolve(p.DefinitionString, strict)));
    const substitutions = resolve(p.DefinitionSubstitutions ?? {}, strict) as Record<string, string>;
    for (const [k, v] of Object.entries(substitutions)) text = text.split(`\${${k}}`).join(v);
    return {
      logicalId: id,
      name: ref(id).attributes.Name!,
      arn: ref(id).ref,
      definition: JSON.parse(text) as Record<string, unknown>,
    };
  });

  const eventRules: LocalEventRule[] = [];
  const scheduleRules: LocalScheduleRule[] = [];
  for (const [id, r] of resourcesOfType(template, 'AWS::Events::Rule')) {
    const p = props(r);
    const base = {
      logicalId: id,
      name: ref(id).ref,
      arn: ref(id).attributes.Arn!,
      enabled: (p.State ?? 'ENABLED') === 'ENABLED',
      targets: withContext(`${id} Targets`, () =>
        ruleTargets(resolve(p, lenient) as Record<string, unknown>),
      ),
    };
    if (typeof p.ScheduleExpression === 'string') {
      scheduleRules.push({ ...base, expression: p.ScheduleExpression });
    }
    if (p.EventPattern !== undefined) {
      const pattern = withContext(`${id} EventPattern`, () => resolve(p.EventPattern, strict));
      eventRules.push({ ...base, pattern: pattern as Record<string, unknown> });
    }
  }

  const api = withContext('REST API', () => planApi(template, strict, lenient));
  const notEmulated = [
    ...new Set(
      Object.values(template.Resources)
        .map((r) => r.Type)
        .filter((t) => !EMULATED.has(t)),
    ),
  ].sort();

  return {
    stackName,
    region: LOCAL_REGION,
    account: LOCAL_ACCOUNT,
    buckets,
    tables,
    topics,
    functions,
    stateMachines,
    eventRules,
    scheduleRules,
    ...(api ? { api } : {}),
    notEmulated,
  };
}
