/**
 * Changing what serves: the production pointer moves by one conditional write on the revision the
 * caller read (a concurrent change makes it throw PointerConflictError), then the stages and the
 * registry event follow. Used by A/B promotion, rollback and the admin routes alike.
 */
import { type ModelPointer, POINTER_HISTORY } from '#shared/ports';
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
  const earlier = productionHistory(from);
  // A promotion pushes the replaced version; a rollback goes back to the first and drops it.
  const history =
    kind === 'rolled-back' && earlier[0] === to
      ? earlier.slice(1)
      : from
        ? [from.version, ...earlier].slice(0, POINTER_HISTORY)
        : [];
  const moved = await ctx.registry.movePointer(
    'production',
    { version: to, reason, history, change: kind },
    from?.revision,
  );
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

/**
 * The versions in production before the pointer's, newest first (a pointer written before the
 * history was kept: its previousVersion only).
 */
export function productionHistory(pointer: ModelPointer | undefined): string[] {
  if (pointer === undefined) return [];
  if (pointer.history !== undefined) return pointer.history;
  // A pointer a rollback wrote before the history was kept: its previousVersion is the version rolled
  // back from, not one to go back to.
  if (/^(manual )?rollback/.test(pointer.reason)) return [];
  return pointer.previousVersion === null ? [] : [pointer.previousVersion];
}
