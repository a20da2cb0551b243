// Module resolve hooks (registered by forbid-tsx.mjs): any import of tsx or of a .ts file fails.
export async function resolve(specifier, context, next) {
  if (/^tsx(\/|$)/.test(specifier)) throw new Error(`forbid-tsx: import of ${specifier}`);
  const resolved = await next(specifier, context);
  if (/\/node_modules\/tsx\//.test(resolved.url) || /\.[cm]?ts$/.test(new URL(resolved.url).pathname)) {
    throw new Error(`forbid-tsx: import of ${resolved.url}`);
  }
  return resolved;
}
