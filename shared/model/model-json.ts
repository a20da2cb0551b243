/**
 * The JSON form of model files (artifacts and serving models): standard JSON, except that ±Infinity
 * (a mean first passage to an unreachable state, for one) is written as the string "Infinity" /
 * "-Infinity" and read back as the number. No dependencies, so the /predict bundle can use it.
 */

/** JSON text of a model value, non-finite numbers as strings. */
export function stringifyModelJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/**
 * Parses model JSON, "Infinity" / "-Infinity" back to numbers. Throws the JSON parser's
 * SyntaxError; callers name the file in their own error.
 */
export function parseModelJson(text: string): unknown {
  return JSON.parse(text, (_key, v) =>
    v === 'Infinity' ? Number.POSITIVE_INFINITY : v === '-Infinity' ? Number.NEGATIVE_INFINITY : v,
  );
}
