/**
 * Changing what serves: the production pointer moves by one conditional write on the revision the
 * caller read (a concurrent change makes it throw PointerConflictError), then the stages and the
 * registry event follow. Used by A/B promotion, rollback and the admin routes alike.
 */
import type { ModelPointer } from '#shared/ports';
import type { Context } from './lake.ts';

export async function switchProduction(
  ctx: Context,
  change: {
    /** The production pointer as read (undefined when there is none yet). */
    from: ModelPointer | undefined;
    to: string;
    kind: 'promoted' | 'rolled-back';
    reason: string;
  },
): Promise<ModelPointer> {
  const { from, to, kind, reason } = change;
  const moved = await ctx.registry.movePointer('production', { version: to, reason }, from?.revision);
  const candidate = await ctx.registry.getPointer('candidate');
  if (candidate?.version === to) await ctx.registry.clearPointer('candidate', candidate.revision);
  // `to` is production because the pointer says so (derivedStage); the replaced version is archived.
  if (from && from.version !== to) await ctx.registry.setStage(from.version, 'archived');
  await ctx.registry.appendEvent({
    at: ctx.now().toISOString(),
    kind,
    version: to,
    previousVersion: from?.version ?? null,
    reason,
  });
  return moved;
}
