/**
 * The JSON-schema (draft-04) subset API Gateway request models use here: type, required, properties,
 * additionalProperties, items, minLength/maxLength, minimum/maximum, minItems/maxItems, enum.
 * Returns the first problem found, like API Gateway's "Invalid request body" with its detail.
 */

type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === 'number' && actual === 'integer');
}

/** A string's length in code points (JSON schema's length), without splitting it. */
function codePoints(text: string): number {
  let surrogates = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point; a lone surrogate counts on its own.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        surrogates++;
        i++;
      }
    }
  }
  return text.length - surrogates;
}

/** The first violation of `schema` by `value` (a path and a reason), or undefined when it is valid. */
export function schemaViolation(schema: Schema, value: unknown, path = '$'): string | undefined {
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : (schema.type as string[]);
    if (types.length > 0 && !types.some((t) => typeMatches(t, actual))) {
      return `${path}: expected ${types.join(' or ')}, got ${actual}`;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return `${path}: not one of the allowed values`;
  }
  if (typeof value === 'string') {
    const length = codePoints(value);
    if (typeof schema.minLength === 'number' && length < schema.minLength)
      return `${path}: shorter than ${schema.minLength}`;
    if (typeof schema.maxLength === 'number' && length > schema.maxLength)
      return `${path}: longer than ${schema.maxLength}`;
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      return `${path}: below ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      return `${path}: above ${schema.maximum}`;
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      return `${path}: fewer than ${schema.minItems} items`;
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      return `${path}: more than ${schema.maxItems} items`;
    const items = schema.items as Schema | undefined;
    if (items) {
      for (const [i, item] of value.entries()) {
        const problem = schemaViolation(items, item, `${path}[${i}]`);
        if (problem) return problem;
      }
    }
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!Object.hasOwn(obj, key)) return `${path}: missing required property "${key}"`;
    }
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      const sub = Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (sub) {
        const problem = schemaViolation(sub, obj[key], `${path}.${key}`);
        if (problem) return problem;
      } else if (schema.additionalProperties === false) {
        return `${path}: property "${key}" is not allowed`;
      }
    }
  }
  return undefined;
}
