/**
 * CloudFormation intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split) and
 * pseudo parameters, resolved against the local physical names of the deployed resources.
 */

/** The local physical id of a resource (what `Ref` returns) and its attributes (`Fn::GetAtt`). */
export interface PhysicalResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ResolveScope {
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  /** The local resource of a logical id, or undefined when it is not emulated on this machine. */
  resource(logicalId: string): PhysicalResource | undefined;
}

/** A value that cannot be resolved locally (an unknown intrinsic, or a resource not emulated here). */
export class UnresolvableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvableError';
  }
}

function pseudo(name: string, scope: ResolveScope): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return scope.region;
    case 'AWS::AccountId':
      return scope.account;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${scope.region}:${scope.account}:stack/${scope.stackName}/local`;
    case 'AWS::NoValue':
      return undefined;
    default:
      throw new UnresolvableError(`unknown pseudo parameter ${name}`);
  }
}

function ref(name: string, scope: ResolveScope): string | undefined {
  if (name.startsWith('AWS::')) return pseudo(name, scope);
  const r = scope.resource(name);
  if (r === undefined) throw new UnresolvableError(`Ref ${name}: the resource is not emulated locally`);
  return r.ref;
}

function getAtt(logicalId: string, attribute: string, scope: ResolveScope): string {
  const r = scope.resource(logicalId);
  const value = r?.attributes[attribute];
  if (value === undefined) {
    throw new UnresolvableError(
      `Fn::GetAtt ${logicalId}.${attribute}: ${r === undefined ? 'the resource is not emulated locally' : 'no such attribute locally'}`,
    );
  }
  return value;
}

function asString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UnresolvableError(`${where}: expected a string, got ${JSON.stringify(value)}`);
}

function sub(template: string, variables: Record<string, unknown>, scope: ResolveScope): string {
  return template.replace(/\$\{(!?)([^}]+)\}/g, (whole, bang: string, name: string) => {
    if (bang === '!') return `\${${name}}`;
    if (name in variables) return asString(variables[name], `Fn::Sub \${${name}}`);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return getAtt(name.slice(0, dot), name.slice(dot + 1), scope);
    const value = ref(name, scope);
    if (value === undefined) throw new UnresolvableError(`Fn::Sub ${whole}: no value`);
    return value;
  });
}

/**
 * Resolves every intrinsic function in `value` (deeply). Plain values are returned as they are; an
 * object with a single `Ref` / `Fn::*` key is replaced by its value. Throws UnresolvableError naming
 * what could not be resolved.
 */
export function resolve(value: unknown, scope: ResolveScope): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, scope)).filter((v) => v !== undefined);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, arg] = entries[0]!;
    switch (key) {
      case 'Ref':
        return ref(asString(arg, 'Ref'), scope);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg)
          ? [asString(arg[0], 'Fn::GetAtt'), asString(resolve(arg[1], scope), 'Fn::GetAtt')]
          : (asString(arg, 'Fn::GetAtt').split(/\.(.*)/s) as [string, string]);
        return getAtt(id, attr, scope);
      }
      case 'Fn::Join': {
        const [separator, list] = arg as [string, unknown[]];
        const parts = resolve(list, scope) as unknown[];
        return parts.map((p) => asString(p, 'Fn::Join')).join(separator);
      }
      case 'Fn::Sub': {
        if (typeof arg === 'string') return sub(arg, {}, scope);
        const [template, variables] = arg as [string, Record<string, unknown>];
        return sub(template, resolve(variables, scope) as Record<string, unknown>, scope);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = resolve(list, scope) as unknown[];
        return items[Number(resolve(index, scope))];
      }
      case 'Fn::Split': {
        const [separator, text] = arg as [string, unknown];
        return asString(resolve(text, scope), 'Fn::Split').split(separator);
      }
      default:
        if (key.startsWith('Fn::') || key === 'Condition') {
          throw new UnresolvableError(`${key} is not supported by the local runtime`);
        }
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const resolved = resolve(v, scope);
    if (resolved !== undefined) out[k] = resolved;
  }
  return out;
}
