import type { BenchCase, JsonObject, Variant } from './types.ts';

/**
 * The variants of a case that a run measures: the quick ones with `--quick`, and with `--only`
 * those named by case (`pipeline`) or by case and variant (`pipeline/1M`).
 */
export function selectVariants(c: BenchCase, quick: boolean, only: readonly string[]): Variant<JsonObject>[] {
  return c.variants.filter((v) => {
    if (quick && !v.quick) return false;
    if (only.length === 0) return true;
    return only.some((o) => o === c.name || o === `${c.name}/${v.name}`);
  });
}
