/** Loading registered models. Artifacts are immutable per version, so they are cached by version. */
import { type ModelArtifact, parseArtifact } from '#shared/model/artifact';
import type { ModelPointer, PointerName } from '#shared/ports';
import { type Context, keys } from './lake.ts';

const cache = new Map<string, ModelArtifact>();

export async function loadArtifact(ctx: Context, version: string): Promise<ModelArtifact> {
  const hit = cache.get(version);
  if (hit) return hit;
  const key = keys.model(version);
  const text = await ctx.store.getText(ctx.buckets.artifacts, key);
  if (text === undefined) throw new Error(`model ${version} is registered but ${key} is missing`);
  const artifact = parseArtifact(text, key);
  cache.set(version, artifact);
  return artifact;
}

/** The model a pointer names, or undefined when the pointer is not set. */
export async function pointedModel(
  ctx: Context,
  name: PointerName,
): Promise<{ pointer: ModelPointer; model: ModelArtifact } | undefined> {
  const pointer = await ctx.registry.getPointer(name);
  if (pointer === undefined) return undefined;
  return { pointer, model: await loadArtifact(ctx, pointer.version) };
}
