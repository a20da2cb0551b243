/**
 * Loading registered models, and their serving models. Artifacts are immutable per version, so they
 * are cached by version.
 */
import { type ModelArtifact, parseArtifact } from '#shared/model/artifact';
import { servingModelOf } from '#shared/model/serving-model';
import type { ModelPointer, ModelStage, ModelVersionRecord, PointerName } from '#shared/ports';
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

/**
 * Writes the serving model of a registered version (its artifact's projection) into the registry,
 * when the registry keeps serving models. Registration calls it for every new version.
 */
export async function writeServingModel(ctx: Context, model: ModelArtifact): Promise<void> {
  await ctx.registry.putServingModel(servingModelOf(model));
}

/**
 * Writes a version's serving model unless the registry has it already (versions registered before
 * serving models existed). True when it wrote one.
 */
export async function ensureServingModel(ctx: Context, version: string): Promise<boolean> {
  if ((await ctx.registry.getServingModel(version)) !== undefined) return false;
  await writeServingModel(ctx, await loadArtifact(ctx, version));
  return true;
}

/**
 * A version's stage, derived: production or candidate when a pointer names it (the pointers alone
 * say so), else rejected when it was rejected, else archived (replaced, or registered and never served).
 */
export function derivedStage(
  record: Pick<ModelVersionRecord, 'version' | 'stage'>,
  production: ModelPointer | undefined,
  candidate: ModelPointer | undefined,
): ModelStage {
  if (production?.version === record.version) return 'production';
  if (candidate?.version === record.version) return 'candidate';
  return record.stage === 'rejected' ? 'rejected' : 'archived';
}
