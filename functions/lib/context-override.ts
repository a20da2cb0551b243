/**
 * A use-case context put in place of the one a handler would build (the local runtime runs every
 * handler in one process on local servers; tests inject fakes). Its own tiny module, so that both
 * the full context (./context.ts) and the /predict function's lean one (./serving-context.ts)
 * honour it without importing each other.
 */
import type { Context } from '#shared/usecases/lake';

let override: Context | undefined;

/** Replaces the context of every handler in this process (undefined: back to the built ones). */
export function setContext(ctx: Context | undefined): void {
  override = ctx;
}

/** The context set by setContext, if any. */
export function contextOverride(): Context | undefined {
  return override;
}
