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

/** The first violation of `schema` by `value` (a path and a reason), or undefined when it is valid. */
export function schemaViolation(schema: Schema, value: unknown, path = '$'): string | undefined {
  const types = schema.type === undefined ? [] : ([] as string[]).concat(schema.type as string | string[]);
  const actual = typeOf(value);
  if (types.length > 0 && !types.some((t) => typeMatches(t, actual))) {
    return `${path}: expected ${types.join(' or ')}, got ${actual}`;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return `${path}: not one of the allowed values`;
  }
  if (typeof value === 'string') {
    const length = Array.from(value).length;
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
    for (const [key, v] of Object.entries(obj)) {
      const sub = properties[key];
      if (sub) {
        const problem = schemaViolation(sub, v, `${path}.${key}`);
        if (problem) return problem;
      } else if (schema.additionalProperties === false) {
        return `${path}: property "${key}" is not allowed`;
      }
    }
  }
  return undefined;
}
