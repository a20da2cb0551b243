/** Model JSON keeps ±Infinity (written as strings) and every finite number exactly. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseModelJson, stringifyModelJson } from '#shared/model/model-json';

describe('model JSON', () => {
  test('round-trips any non-NaN double, infinities included', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true })), (values) => {
        const back = parseModelJson(stringifyModelJson({ values })) as { values: number[] };
        expect(back.values).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
      }),
    );
    expect(stringifyModelJson({ steps: [1, Number.POSITIVE_INFINITY] })).toBe('{"steps":[1,"Infinity"]}');
  });

  test('bad text throws the parser error for the caller to name the file', () => {
    expect(() => parseModelJson('{"a":')).toThrow(SyntaxError);
  });
});
