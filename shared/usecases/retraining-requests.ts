/**
 * An operator's "retrain now" (POST /admin/retrain): the one way to train before the cool-down ends
 * or on gold the newest model was already trained on (DOMAIN §6: "an operator's force overrides").
 *
 * The API cannot train in its own request (a user-size lake trains in longer than API Gateway's 29 s),
 * so the request is an object: the admin route writes `requests/retraining/<at>-<id>.json` to the
 * artifacts bucket, and its Object Created event starts the RequestedRetraining function, which
 * trains with `force` (retrainIfNeeded) and records the job under the request's key
 * (docs/decisions/0029-retraining-requests-are-objects.md).
 *
 * What force does not override: the same model again — when the newest model was trained on this
 * very gold, config and code, the job is skipped (an A/B test of two equal models could never decide);
 * one candidate at a time — while a candidate's A/B test runs the route
 * answers 409, and a request that meets a candidate registered meanwhile is recorded as skipped with
 * that reason. One request at a time: from the route's answer to the end of its training the request
 * holds a lease (at most the function's timeout: a single attempt, no retries), and the route answers
 * 409 meanwhile. A second delivery of the same event trains nothing: the request is claimed before
 * training and marked handled after.
 */
import { randomUUID } from 'node:crypto';
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

/** Held from a request's acceptance to the end of its training (owner: the request's key). */
const REQUEST_LEASE = 'retraining/request';
/** One delivery of a request trains it (owner: that invocation). */
const claimLease = (key: string) => `retraining/claim/${key}`;

/** The longest a request's training can run: the retraining function's timeout. */
const leaseMs = (ctx: Context) => ctx.config.platform.functions.timeoutSeconds.scheduled * 1000;

const RetrainingRequest = z.strictObject({
  reason: z.string().min(3).max(500),
  requestedAt: z.iso.datetime(),
});
export type RetrainingRequest = z.infer<typeof RetrainingRequest>;

/**
 * Writes the request that starts a forced retraining (and its `requested` job record); refuses
 * (RetrainingBlockedError) while another request is training, while a candidate is under A/B test,
 * or while there is no gold to train on.
 */
export async function requestRetraining(ctx: Context, reason: string) {
  const requestedAt = ctx.now().toISOString();
  const id = randomUUID().slice(0, 8);
  const key = keys.retrainingRequest(requestedAt.replace(/[:.]/g, ''), id);
  // The lease first, then the checks: a request that finished between them cannot let a second in.
  if (!(await ctx.leases.acquire(REQUEST_LEASE, key, leaseMs(ctx)))) {
    throw new RetrainingBlockedError(
      'a retraining asked for earlier is still running: its job appears under GET /jobs when it ends; ask again then',
    );
  }
  try {
    await settleLostRequests(ctx, requestedAt);
    const gold = await ctx.store.list(ctx.buckets.gold, keys.goldPrefix);
    if (!gold.some((k) => symbolOfKey(k) !== undefined)) {
      const prefixes = ctx.config.platform.lake.inputPrefixes.join(' or ');
      throw new RetrainingBlockedError(
        `there is no gold to train on yet: drop a market CSV into the bronze bucket (under ${prefixes}) and let its run finish`,
      );
    }
    const candidate = await ctx.registry.getPointer('candidate');
    if (candidate !== undefined) {
      throw new RetrainingBlockedError(
        `candidate ${candidate.version} is in its A/B test: one candidate at a time. ` +
          'Reject it (POST /admin/reject {reason}) or promote it (POST /admin/promote), then ask again — ' +
          'or wait for the daily A/B evaluation to decide (up to abTest.maxDurationDays)',
      );
    }
    const request: RetrainingRequest = { reason, requestedAt };
    await ctx.registry.putRecord('job', {
      id: key,
      at: requestedAt,
      trigger: `operator request: ${reason}`,
      status: 'requested',
      request: key,
    });
    try {
      await ctx.store.put(ctx.buckets.artifacts, key, JSON.stringify(request), 'application/json');
    } catch (error) {
      // No request object, so no function will answer: the job says so at once.
      await ctx.registry.putRecord('job', {
        id: `${key}#failed`,
        at: ctx.now().toISOString(),
        trigger: `operator request: ${reason}`,
        status: 'failed',
        request: key,
        error: `the request could not be written (${error instanceof Error ? error.message : String(error)}); ask again`,
      });
      throw error;
    }
  } catch (error) {
    await ctx.leases.release(REQUEST_LEASE, key);
    throw error;
  }
  return {
    status: 'requested' as const,
    request: key,
    requestedAt,
    message:
      'the retraining function trains now (the cool-down and unchanged gold do not hold it back — ' +
      'unless the newest model was trained on this very gold, config and code: that would be the same ' +
      'model again, and the job is skipped, saying so); its job appears under GET /jobs (the dashboard: Retraining)',
  };
}

/**
 * Earlier requests no job answered although their lease has run out: their invocation died (a
 * timeout or out of memory — one attempt, the event goes to the dead-letter queue — or a stop of
 * `npm start`) before it could record one. Each gets a `failed` job saying so, else the Retraining
 * page would list it `requested` for ever. Runs with the request lease held: no earlier request is
 * training then.
 */
async function settleLostRequests(ctx: Context, now: string) {
  const jobs = await ctx.registry.listRecords('job', JOBS_READ);
  const answered = answeredRequests(jobs);
  const lostBefore = Date.parse(now) - leaseMs(ctx);
  for (const job of jobs) {
    const request = job.request;
    if (job.status !== 'requested' || typeof request !== 'string' || answered.has(request)) continue;
    if (Date.parse(String(job.at)) > lostBefore) continue;
    // A function that started late may still be training it: it holds the request's claim.
    const settler = randomUUID();
    if (!(await ctx.leases.acquire(claimLease(request), settler, leaseMs(ctx)))) continue;
    try {
      // Answered: a later delivery (a re-driven dead-letter event, a restart of npm start) finds it so.
      await ctx.registry.putRecord('job', {
        id: `${request}#lost`,
        at: now,
        trigger: job.trigger,
        status: 'failed',
        request,
        error:
          `no answer within the retraining function's timeout (${leaseMs(ctx) / 1000} s): its invocation ` +
          'died before it recorded one (a timeout or out of memory: see its logs and the dead-letter queue; ' +
          'locally, a stop of npm start) — see GET /models for anything it registered; ask again',
      });
    } finally {
      await ctx.leases.release(claimLease(request), settler);
    }
  }
}

/** How many of the newest job records are read to find a request's answer. */
const JOBS_READ = 50;

/** The requests a job answered (trained, skipped, failed or lost) among `jobs`. */
function answeredRequests(jobs: readonly Record<string, unknown>[]): Set<unknown> {
  return new Set(jobs.filter((j) => j.status !== 'requested').map((j) => j.request));
}

/**
 * The RequestedRetraining function on a request's Object Created event: trains with force, once per
 * request (EventBridge delivers at least once: a claimed or handled request is not trained again),
 * and releases the request's lease when done — also when training failed (a `failed` job, and the
 * error thrown on for the alert), so the operator can ask again at once.
 */
export async function retrainOnRequest(ctx: Context, key: string, codeVersion: string) {
  if (!key.startsWith(keys.retrainingRequestPrefix)) {
    throw new Error(`${key} is not a retraining request (${keys.retrainingRequestPrefix}…)`);
  }
  const handled = keys.retrainingRequestHandled(key);
  if ((await ctx.store.getText(ctx.buckets.artifacts, handled)) !== undefined) {
    return { retrained: false, alreadyHandled: true };
  }
  const claimer = randomUUID();
  if (!(await ctx.leases.acquire(claimLease(key), claimer, leaseMs(ctx)))) {
    return { retrained: false, alreadyHandled: true };
  }
  try {
    // Settled as lost by a later request (its first invocation died): answered, not trained now.
    if (answeredRequests(await ctx.registry.listRecords('job', JOBS_READ)).has(key)) {
      return { retrained: false, alreadyHandled: true };
    }
    const text = await ctx.store.getText(ctx.buckets.artifacts, key);
    if (text === undefined) throw new Error(`retraining request ${key} does not exist`);
    const request = RetrainingRequest.parse(JSON.parse(text));
    try {
      const result = await retrainIfNeeded(ctx, {
        force: true,
        trigger: `operator request: ${request.reason}`,
        codeVersion,
        request: key,
      });
      await ctx.store.put(
        ctx.buckets.artifacts,
        handled,
        JSON.stringify({ at: ctx.now().toISOString(), retrained: result.retrained }),
        'application/json',
      );
      return result;
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await ctx.store.put(
        ctx.buckets.artifacts,
        handled,
        JSON.stringify({ at: ctx.now().toISOString(), retrained: false, error: message }),
        'application/json',
      );
      await ctx.registry.putRecord('job', {
        id: `${key}#failed`,
        at: ctx.now().toISOString(),
        trigger: `operator request: ${request.reason}`,
        status: 'failed',
        request: key,
        error: message,
      });
      throw error;
    }
  } finally {
    await ctx.leases.release(claimLease(key), claimer);
    await ctx.leases.release(REQUEST_LEASE, key);
  }
}

/**
 * The requests no function finished (no `requests/handled/` marker): on `npm start`, those a killed
 * runtime was training. Each one's lease is taken again for it (the runtime clears every lease when it
 * starts), so the route stays closed while it is trained again.
 */
export async function resumeInterruptedRequests(ctx: Context): Promise<string[]> {
  const [requests, handled] = await Promise.all([
    ctx.store.list(ctx.buckets.artifacts, keys.retrainingRequestPrefix),
    ctx.store.list(ctx.buckets.artifacts, keys.retrainingRequestHandled(keys.retrainingRequestPrefix)),
  ]);
  const done = new Set(handled);
  const answered = answeredRequests(await ctx.registry.listRecords('job', JOBS_READ));
  const open = requests.filter((key) => !done.has(keys.retrainingRequestHandled(key)) && !answered.has(key));
  const resumed: string[] = [];
  // One request in flight at a time: the newest is the one a killed runtime was training.
  for (const key of open.slice(-1)) {
    if (await ctx.leases.acquire(REQUEST_LEASE, key, leaseMs(ctx))) resumed.push(key);
  }
  return resumed;
}
