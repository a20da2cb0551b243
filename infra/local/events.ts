/**
 * EventBridge on one machine: S3 object events in EventBridge's shape, rule event patterns, and the
 * target input (Input, InputPath, InputTransformer) — the parts of EventBridge the stack uses.
 */
import { randomUUID } from 'node:crypto';
import type { TargetInput } from './deployment.ts';

export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** The one record of an s3rver event (S3 notification format). */
export interface S3rverRecord {
  eventName: string;
  eventTime: string;
  requestParameters?: { sourceIPAddress?: string };
  responseElements?: Record<string, string>;
  s3: {
    bucket: { name: string };
    object: { key: string; size?: number; eTag?: string; sequencer?: string; versionId?: string };
  };
}

const REASONS: Record<string, string> = {
  'ObjectCreated:Put': 'PutObject',
  'ObjectCreated:Post': 'CompleteMultipartUpload',
  'ObjectCreated:Copy': 'CopyObject',
  'ObjectCreated:CompleteMultipartUpload': 'CompleteMultipartUpload',
  'ObjectRemoved:Delete': 'DeleteObject',
};

/**
 * The EventBridge event S3 sends for an s3rver notification record ("Object Created" / "Object
 * Deleted"). s3rver has no versioning, so `version-id` is present only if the record has one.
 */
export function s3EventToEventBridge(
  record: S3rverRecord,
  options: { account: string; region: string },
): EventBridgeEvent {
  const created = record.eventName.startsWith('ObjectCreated');
  const { bucket, object } = record.s3;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': created ? 'Object Created' : 'Object Deleted',
    source: 'aws.s3',
    account: options.account,
    time: new Date(record.eventTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: options.region,
    resources: [`arn:aws:s3:::${bucket.name}`],
    detail: {
      version: '0',
      bucket: { name: bucket.name },
      object: {
        key: object.key,
        ...(object.size === undefined ? {} : { size: Number(object.size) }),
        ...(object.eTag === undefined ? {} : { etag: object.eTag }),
        ...(object.versionId === undefined ? {} : { 'version-id': object.versionId }),
        ...(object.sequencer === undefined ? {} : { sequencer: object.sequencer }),
      },
      'request-id': record.responseElements?.['x-amz-request-id'] ?? randomUUID(),
      requester: options.account,
      'source-ip-address': record.requestParameters?.sourceIPAddress ?? '127.0.0.1',
      reason: REASONS[record.eventName] ?? record.eventName,
    },
  };
}

/** The "Step Functions Execution Status Change" event Step Functions sends for an execution. */
export function executionStatusEvent(
  x: {
    executionArn: string;
    name: string;
    status: string;
    startDate: string;
    stopDate?: string;
    input: unknown;
    output?: unknown;
    error?: string;
    cause?: string;
  },
  stateMachineArn: string,
  options: { account: string; region: string } = { account: '000000000000', region: 'us-east-1' },
): EventBridgeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: options.account,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: options.region,
    resources: [x.executionArn],
    detail: {
      executionArn: x.executionArn,
      stateMachineArn,
      name: x.name,
      status: x.status,
      startDate: Date.parse(x.startDate),
      stopDate: x.stopDate ? Date.parse(x.stopDate) : null,
      input: JSON.stringify(x.input),
      output: x.output === undefined ? null : JSON.stringify(x.output),
      error: x.error ?? null,
      cause: x.cause ?? null,
    },
  };
}

function wildcardRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '*') source += '.*';
    else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function matchesNumeric(value: unknown, conditions: unknown[]): boolean {
  if (typeof value !== 'number') return false;
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok =
      op === '<'
        ? value < bound
        : op === '<='
          ? value <= bound
          : op === '='
            ? value === bound
            : op === '>='
              ? value >= bound
              : op === '>'
                ? value > bound
                : false;
    if (!ok) return false;
  }
  return true;
}

/** One element of a pattern's value list against one scalar event value. */
function matchesElement(element: unknown, value: unknown, present: boolean): boolean {
  if (element === null || typeof element !== 'object') return present && element === value;
  const [op, arg] = Object.entries(element)[0] ?? [];
  switch (op) {
    case 'exists':
      return arg === present;
    case 'prefix':
      return present && typeof value === 'string' && value.startsWith(String(arg));
    case 'suffix':
      return present && typeof value === 'string' && value.endsWith(String(arg));
    case 'wildcard':
      return present && typeof value === 'string' && wildcardRegExp(String(arg)).test(value);
    case 'equals-ignore-case':
      return present && typeof value === 'string' && value.toLowerCase() === String(arg).toLowerCase();
    case 'numeric':
      return present && matchesNumeric(value, arg as unknown[]);
    case 'anything-but': {
      if (!present) return false;
      if (Array.isArray(arg)) return !arg.includes(value);
      if (arg !== null && typeof arg === 'object') return !matchesElement(arg, value, present);
      return value !== arg;
    }
    default:
      throw new Error(`event pattern operator ${String(op)} is not supported by the local runtime`);
  }
}

/**
 * True when `event` matches the EventBridge `pattern`: every field of the pattern must match; a list
 * matches when any of its elements does (literal values, prefix, suffix, wildcard, anything-but,
 * exists, numeric, equals-ignore-case); an event array matches when any of its elements does.
 */
export function matchesPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  const obj = event !== null && typeof event === 'object' ? (event as Record<string, unknown>) : {};
  for (const [key, expected] of Object.entries(pattern)) {
    const present = Object.hasOwn(obj, key);
    const value = obj[key];
    if (Array.isArray(expected)) {
      const values = Array.isArray(value) ? value : [value];
      const ok = expected.some((element) =>
        element !== null && typeof element === 'object' && 'exists' in element
          ? matchesElement(element, value, present)
          : values.some((v) => matchesElement(element, v, present)),
      );
      if (!ok) return false;
    } else if (expected !== null && typeof expected === 'object') {
      if (!matchesPattern(expected as Record<string, unknown>, value)) return false;
    } else {
      throw new Error(`event pattern field ${key} must be a list or an object`);
    }
  }
  return true;
}

/** `$.a.b-c.0` on a JSON value; undefined when a step is missing. */
export function jsonPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  if (!path.startsWith('$.')) throw new Error(`unsupported JSON path ${path}`);
  let current: unknown = value;
  for (const step of path.slice(2).split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/** Marks a variable whose path was not in the event (its JSON key is then left out). */
const MISSING = '\u0000finml-missing\u0000';

function stripMissing(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === MISSING ? null : stripMissing(v)));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== MISSING) out[k] = stripMissing(v);
  return out;
}

/**
 * Fills an InputTransformer template: inside a JSON string a variable is inserted as text, outside
 * as JSON. A JSON template's result is parsed; a variable whose path is missing from the event leaves
 * its key out (locally only s3rver's missing `version-id` does this — see the README).
 */
export function transformInput(
  paths: Readonly<Record<string, string>>,
  template: string,
  event: EventBridgeEvent,
  rule: { name: string; arn: string },
): unknown {
  const values: Record<string, unknown> = {
    'aws.events.rule-name': rule.name,
    'aws.events.rule-arn': rule.arn,
    'aws.events.event': event,
    'aws.events.event.json': JSON.stringify(event),
    'aws.events.event.ingestion-time': event.time,
  };
  for (const [name, path] of Object.entries(paths)) values[name] = jsonPath(event, path);
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '\\' && inString) {
      out += c + (template[++i] ?? '');
      continue;
    }
    if (c === '"') inString = !inString;
    const m = c === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    if (m && Object.hasOwn(values, m[1]!)) {
      const v = values[m[1]!];
      if (inString)
        out +=
          v === undefined ? '' : JSON.stringify(typeof v === 'string' ? v : JSON.stringify(v)).slice(1, -1);
      else out += JSON.stringify(v === undefined ? MISSING : v);
      i += m[0].length - 1;
      continue;
    }
    out += c;
  }
  const trimmed = out.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return stripMissing(JSON.parse(trimmed));
  return out;
}

/** A rule target's input for an event. */
export function targetInputFor(
  input: TargetInput,
  event: EventBridgeEvent,
  rule: { name: string; arn: string },
) {
  switch (input.kind) {
    case 'event':
      return event;
    case 'constant':
      return JSON.parse(input.json) as unknown;
    case 'path':
      return jsonPath(event, input.path);
    case 'transformer':
      return transformInput(input.paths, input.template, event, rule);
  }
}
