/**
 * An operator's "retrain now" (POST /admin/retrain): the one way to train before the cool-down ends
 * or on gold the newest model was already trained on (DOMAIN §6: "an operator's force overrides").
 *
 * The API cannot train in its own request (a user-size lake trains in longer than API Gateway's 29 s),
 * so the request is an object: the admin route writes `requests/retraining/<at>-<id>.json` to the
 * artifacts bucket, and its Object Created event starts the retraining function, which trains with
 * `force` (retrainIfNeeded) and records the job under the request's key. What force does not
 * override: one candidate at a time — while a candidate's A/B test runs the route answers 409, and a
 * request that meets a candidate registered meanwhile is recorded as skipped with that reason. One
 * request at a time: while one is being trained, the route answers 409 too.
 */
import * as z from 'zod';
import { type Context, keys, symbolOfKey } from './lake.ts';
import { retrainIfNeeded } from './monitoring.ts';

/** Why the route refuses a request (409): what the operator can do instead is in the message. */
export class RetrainingBlockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetrainingBlockedError';
  }
}

/** Held from a request's write to the end of its training (owner: the request's key). */
const REQUEST_LEASE = 'retraining/request';

const leaseMs = (ctx: Context) => ctx.config.monitoring.retraining.requestLeaseSeconds * 1000;

const RetrainingRequest = z.strictObject({
  reason: z.string().min(3).max(500),
  requestedAt: z.iso.datetime(),
});
export type RetrainingRequest = z.infer<typeof RetrainingRequest>;

/**
 * Writes the request that starts a forced retraining; refuses (RetrainingBlockedError) while a
 * candidate is under A/B test or while there is no gold to train on.
 */
export async function requestRetraining(ctx: Context, reason: string) {
  const gold = await ctx.store.list(ctx.buckets.gold, keys.goldPrefix);
  if (!gold.some((key) => symbolOfKey(key) !== undefined)) {
    throw new RetrainingBlockedError(
      'there is no gold to train on yet: drop a market CSV into the bronze bucket (market_data/…) and let its run finish',
    );
  }
  const candidate = await ctx.registry.getPointer('candidate');
  if (candidate !== undefined) {
    throw new RetrainingBlockedError(
      `candidate ${candidate.version} is in its A/B test: one candidate at a time. ` +
        'Promote it (POST /admin/promote) or wait for the daily A/B evaluation to decide, then ask again',
    );
  }
  const requestedAt = ctx.now().toISOString();
  const id = Math.random().toString(16).slice(2, 10).padEnd(8, '0');
  const key = keys.retrainingRequest(requestedAt.replace(/[:.]/g, ''), id);
  // One request in flight: a burst of requests would each train (the registry keeps one candidate
  // and rejects the rest, after the work). The request's lease is renewed while its training runs
  // and released when it ends; it lapses if the process died.
  if (!(await ctx.leases.acquire(REQUEST_LEASE, key, leaseMs(ctx)))) {
    throw new RetrainingBlockedError(
      'a retraining asked for earlier is still running: its job appears under GET /jobs when it ends; ask again then',
    );
  }
  const request: RetrainingRequest = { reason, requestedAt };
  try {
    await ctx.store.put(ctx.buckets.artifacts, key, JSON.stringify(request), 'application/json');
  } catch (error) {
    await ctx.leases.release(REQUEST_LEASE, key);
    throw error;
  }
  return {
    status: 'requested' as const,
    request: key,
    requestedAt,
    message:
      'the retraining function trains now (the cool-down and unchanged gold do not hold it back); ' +
      'its job appears under GET /jobs (the dashboard: Retraining)',
  };
}

/**
 * The retraining function on a request's Object Created event: trains with force, once per request
 * (EventBridge may deliver an event twice; a request with a job record is not trained again).
 */
export async function retrainOnRequest(ctx: Context, key: string, codeVersion: string) {
  if (!key.startsWith(keys.retrainingRequestPrefix)) {
    throw new Error(`${key} is not a retraining request (${keys.retrainingRequestPrefix}…)`);
  }
  const ttlMs = leaseMs(ctx);
  const renew = setInterval(() => {
    ctx.leases.renew(REQUEST_LEASE, key, ttlMs).catch(() => undefined);
  }, ttlMs / 3);
  try {
    const done = (await ctx.registry.listRecords('job', 20)).find((j) => j.request === key);
    if (done !== undefined) return { retrained: false, alreadyHandled: done.id };
    const text = await ctx.store.getText(ctx.buckets.artifacts, key);
    if (text === undefined) throw new Error(`retraining request ${key} does not exist`);
    const request = RetrainingRequest.parse(JSON.parse(text));
    return await retrainIfNeeded(ctx, {
      force: true,
      trigger: `operator request: ${request.reason}`,
      codeVersion,
      request: key,
    });
  } finally {
    clearInterval(renew);
    await ctx.leases.release(REQUEST_LEASE, key);
  }
}
