import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { buildApp } from '../../infra/app.ts';

test('the OpenAPI document describes exactly the routes the stack deploys', () => {
  const doc = parse(readFileSync(new URL('../../docs/api/openapi.yaml', import.meta.url), 'utf8')) as {
    paths: Record<string, object>;
  };
  const { stack } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
  const resources = Template.fromStack(stack).toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const byId = new Map(Object.entries(resources));
  const pathOf = (ref: unknown): string => {
    const id = (ref as { Ref?: string }).Ref;
    if (id === undefined) return '';
    const r = byId.get(id);
    if (r?.Type !== 'AWS::ApiGateway::Resource') return '';
    return `${pathOf(r.Properties.ParentId)}/${r.Properties.PathPart as string}`;
  };
  const deployed = new Set<string>();
  for (const r of byId.values()) {
    if (r.Type !== 'AWS::ApiGateway::Method' || r.Properties.HttpMethod === 'OPTIONS') continue;
    deployed.add(`${(r.Properties.HttpMethod as string).toLowerCase()} ${pathOf(r.Properties.ResourceId)}`);
  }
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)),
  );
  expect([...documented].sort()).toEqual([...deployed].sort());
}, 60_000);
