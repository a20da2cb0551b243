/** The local Lambda passes events and results as JSON does, whichever way it copies them. */
import { describe, expect, test } from 'vitest';
import { viaJson } from '../../../infra/local/lambda.ts';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const roundTrip = (value: unknown) => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

describe('viaJson', () => {
  test('plain data comes back equal and as a copy', () => {
    const result = {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quote: '"', probabilities: [0.2, 0.3, 0.5] }),
      nested: { list: [1, 'a', true, null, { deep: [] }] },
    };

    const copy = viaJson(result) as typeof result;

    expect(copy).toStrictEqual(roundTrip(result));
    expect(copy).not.toBe(result);
    expect(copy.nested).not.toBe(result.nested);
    expect(copy.nested.list).not.toBe(result.nested.list);
  });

  test('what JSON changes is changed the same way', () => {
    const values: unknown[] = [
      undefined,
      { a: undefined, b: 1 },
      [undefined, () => 1, Number.NaN],
      { n: Number.POSITIVE_INFINITY, at: new Date(0) },
      { point: new Point(1, 2), map: new Map([[1, 2]]) },
      JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'),
      Object.assign(Object.create(null), { bare: 'object' }),
      { toJSON: () => ({ replaced: true }) },
    ];

    for (const value of values) expect(viaJson(value)).toStrictEqual(roundTrip(value));
  });
});
