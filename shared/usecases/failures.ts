/**
 * When an execution does not succeed: every failed, timed-out or aborted pipeline execution (an
 * EventBridge rule on the state machine's status changes in AWS; the local runtime sends the same
 * event) marks the claim of its object failed — so the same bytes can run again — and raises one
 * alert. A data rejection that Quarantine handled (its report is there) already raised its alert:
 * its claim is marked, no second alert.
 * And the retry of an object on request (POST /admin/retry).
 */
import { pipelineFailedAlert } from '#shared/monitoring/alerts';
import { raiseAlert } from './alerting.ts';
import { runPublished } from './gold.ts';
import { type BronzeObject, claimId } from './ingest.ts';
import { type Context, keys } from './lake.ts';
import { NotFoundError } from './reads.ts';

export type FailedStatus = 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface FailedExecution {
  executionName: string;
  status: FailedStatus;
  error?: string;
  cause?: string;
  /** The execution's input (the bronze object and run id), when it had one. */
  input?: Partial<BronzeObject> & { runId?: string };
}

/** Error name of a data rejection (shared/data/errors.ts DataRejectedError): quarantined and alerted already, if its report is there. */
const DATA_REJECTED = 'DataRejectedError';

/** The readable message of a Step Functions Cause (Lambda's JSON, or plain text). */
function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

export async function executionFailed(ctx: Context, e: FailedExecution) {
  const at = ctx.now().toISOString();
  const { input } = e;
  const object =
    input?.bucket !== undefined && input.key !== undefined
      ? ({ ...input, bucket: input.bucket, key: input.key } as BronzeObject)
      : undefined;
  const claimReleased = object
    ? await ctx.registry.failClaim(claimId(object), {
        execution: e.executionName,
        status: e.status,
        error: e.error ?? null,
        at,
      })
    : false;
  // A rejection is quarantined (and alerted) by the states that catch it. One raised elsewhere (a
  // partition that cannot be read while building gold) left no report: it is alerted here.
  if (e.error === DATA_REJECTED && object && input?.runId !== undefined) {
    const report = keys.quarantineReport(input.runId, object.key);
    if ((await ctx.store.head(ctx.buckets.quarantine, report)) !== undefined) {
      return { alerted: false, claimReleased, reason: 'quarantined and alerted' };
    }
  }
  const message = causeMessage(e.cause);
  const alert = await raiseAlert(
    ctx,
    pipelineFailedAlert(
      {
        status: e.status,
        error: `${e.error ?? e.status}${message ? `: ${message}` : ''}`,
        ...(object ? { input: object.key } : {}),
        executionId: e.executionName,
        ...(input?.runId === undefined ? {} : { published: await runPublished(ctx, input.runId) }),
        since: at,
      },
      ctx.config.monitoring,
      at,
    ),
  );
  return { alerted: alert.recorded, claimReleased, reason: alert.reason };
}

/**
 * Runs a bronze object again: the claim of its current version is marked failed and the object is
 * copied onto itself (same bytes, a `finml-retry` metadata stamp), so S3 sends a new "Object Created"
 * event and the pipeline starts for it as for an upload. The earlier claim's status is returned.
 */
export async function retryObject(ctx: Context, key: string, reason: string) {
  // Only a key the pipeline's rule matches would start a run: say so instead of "retried".
  const prefixes = ctx.config.platform.lake.inputPrefixes;
  if (!prefixes.some((p) => key.startsWith(p)) || !key.endsWith('.csv')) {
    throw new NotRunnableKeyError(
      `${key} does not start the pipeline: a bronze key runs when it starts with ${prefixes.join(' or ')} and ends in .csv (lower-case)`,
    );
  }
  const bucket = ctx.buckets.bronze;
  const head = await ctx.store.head(bucket, key);
  if (head === undefined) throw new NotFoundError(`no object ${key} in the bronze bucket`);
  const object: BronzeObject = {
    bucket,
    key,
    ...(head.versionId === undefined ? {} : { versionId: head.versionId }),
    etag: head.etag,
  };
  const id = claimId(object);
  const claim = await ctx.registry.getClaim(id);
  if (claim !== undefined && claim.status !== 'failed') {
    await ctx.registry.failClaim(id, { retry: reason, at: ctx.now().toISOString() });
  }
  await ctx.store.copy(object, { bucket, key }, { 'finml-retry': ctx.now().toISOString() });
  return { key, previousClaim: claim?.status ?? null, retried: true, reason };
}

/** POST /admin/retry of a key the pipeline's EventBridge rule does not match (→ 400). */
export class NotRunnableKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotRunnableKeyError';
  }
}
