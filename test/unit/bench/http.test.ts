/**
 * The pure helpers of the http case: the template change that lifts the usage plan's throttle, the
 * request bodies autocannon cycles through, and the figures read from an autocannon result.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type AutocannonResult,
  predictRequests,
  resultFigures,
  shuffledHorizons,
  withoutUsagePlanThrottle,
} from '../../../bench/cases/http.measure.ts';
import type { SynthesizedStack } from '../../../infra/local/template.ts';

describe('withoutUsagePlanThrottle', () => {
  const stack: SynthesizedStack = {
    stackName: 'Finml',
    template: {
      Resources: {
        Plan: {
          Type: 'AWS::ApiGateway::UsagePlan',
          Properties: {
            Quota: { Limit: 100000, Period: 'DAY' },
            Throttle: { BurstLimit: 100, RateLimit: 50 },
          },
        },
        Stage: {
          Type: 'AWS::ApiGateway::Stage',
          Properties: { MethodSettings: [{ ThrottlingRateLimit: 50 }] },
        },
        Table: { Type: 'AWS::DynamoDB::Table' },
      },
      Outputs: { Url: { Value: 'x' } },
    },
  };

  test('removes the throttle of the usage plan and keeps its quota and every other resource as it was', () => {
    const lifted = withoutUsagePlanThrottle(stack);

    expect(lifted.template.Resources.Plan).toEqual({
      Type: 'AWS::ApiGateway::UsagePlan',
      Properties: { Quota: { Limit: 100000, Period: 'DAY' } },
    });
    expect(lifted.template.Resources.Stage).toBe(stack.template.Resources.Stage);
    expect(lifted.template.Resources.Table).toBe(stack.template.Resources.Table);
    expect(lifted.template.Outputs).toBe(stack.template.Outputs);
    expect(lifted.stackName).toBe('Finml');
  });

  test('leaves the given stack unchanged', () => {
    const before = structuredClone(stack);
    withoutUsagePlanThrottle(stack);
    expect(stack).toEqual(before);
  });
});

describe('shuffledHorizons', () => {
  test('is a permutation of 1..maxHorizon', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (max, seed) => {
        const horizons = shuffledHorizons(max, seed);
        expect([...horizons].sort((a, b) => a - b)).toEqual(Array.from({ length: max }, (_, i) => i + 1));
      }),
    );
  });

  test('gives the same order for the same seed and another order for another seed', () => {
    expect(shuffledHorizons(252, 8)).toEqual(shuffledHorizons(252, 8));
    expect(shuffledHorizons(252, 8)).not.toEqual(shuffledHorizons(252, 9));
    expect(shuffledHorizons(252, 8)).not.toEqual(Array.from({ length: 252 }, (_, i) => i + 1));
  });
});

describe('predictRequests', () => {
  test('fixed: one POST with the body of the issue', () => {
    expect(predictRequests({ horizons: 'fixed', horizon: 5, maxHorizon: 252, seed: 8 })).toEqual([
      { method: 'POST', body: '{"symbol":"SPX","horizon":5}' },
    ]);
  });

  test('random: one POST per horizon, in the seeded order', () => {
    const requests = predictRequests({ horizons: 'random', horizon: 5, maxHorizon: 252, seed: 8 });
    expect(requests.map((r) => (JSON.parse(r.body) as { horizon: number }).horizon)).toEqual(
      shuffledHorizons(252, 8),
    );
    for (const r of requests) {
      expect(r.method).toBe('POST');
      expect(Object.keys(JSON.parse(r.body) as object)).toEqual(['symbol', 'horizon']);
    }
  });
});

describe('resultFigures', () => {
  const histogram = (average: number) => ({
    average,
    stddev: 1,
    min: average - 1,
    max: average + 1,
    total: 0,
    p50: average,
    p90: average + 0.5,
    p99: average + 0.9,
  });
  const result: AutocannonResult = {
    requests: { ...histogram(480), total: 4800, sent: 4850 },
    latency: histogram(100),
    duration: 10.02,
    errors: 2,
    timeouts: 1,
    mismatches: 0,
    non2xx: 7,
    statusCodeStats: {
      '200': { count: 4793 },
      '429': { count: 4 },
      '403': { count: 1 },
      '502': { count: 2 },
    },
  };

  test('reads requests/s, totals, latencies, non-2xx, errors and the 4xx/5xx split', () => {
    expect(resultFigures(result)).toMatchObject({
      requestsPerSecond: 480,
      totalRequests: 4800,
      sentRequests: 4850,
      latencyP50Ms: 100,
      latencyP99Ms: 100.9,
      latencyMeanMs: 100,
      non2xx: 7,
      status4xx: 5,
      status5xx: 2,
      errors: 2,
      timeouts: 1,
      runSeconds: 10.02,
    });
  });
});
