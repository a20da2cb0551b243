/**
 * Per-symbol serialisation: the read–merge–write of a symbol's silver partition and the rebuild of its
 * gold run under the symbol's lease (ctx.leases: a DynamoDB item taken by a conditional write), so
 * concurrent files touching one symbol merge one at a time — in one process, across Lambda containers
 * and on AWS alike. A task waiting for a busy symbol polls with capped exponential backoff and full
 * jitter; past the configured wait it fails with LeaseBusyError, which the state machine retries.
 * The holder renews the lease just before it writes (`fence`), so a holder that stalled beyond the
 * expiry and lost the lease does not overwrite the newer partition.
 */
import { randomUUID } from 'node:crypto';
import type { LeaseStore } from '#shared/ports';
import type { Context } from './lake.ts';

/** The symbol stayed busy for the whole wait (retryable: the state machine retries it with backoff). */
export class LeaseBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseBusyError';
  }
}

/** The lease expired and someone else took it before this holder wrote (retryable: nothing was written). */
export class LeaseLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseBusyError';
  }
}

const FIRST_DELAY_MS = 25;
const MAX_DELAY_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lease name of a symbol (one lease covers its silver and its gold partition). */
export const symbolLease = (symbol: string) => `symbol/${symbol}`;

/**
 * Runs `work` holding the lease `name`. `work` must call `fence()` right before each write it makes
 * (once half the lease time is gone it renews the lease, or throws LeaseLostError). The lease is
 * released afterwards, also on error.
 */
export async function withLease<T>(
  ctx: Pick<Context, 'leases' | 'config'>,
  name: string,
  work: (fence: () => Promise<void>) => Promise<T>,
  random: () => number = Math.random,
): Promise<T> {
  const { ttlSeconds, waitSeconds } = ctx.config.platform.pipeline.symbolLease;
  const ttlMs = ttlSeconds * 1000;
  const owner = randomUUID();
  const deadline = Date.now() + waitSeconds * 1000;
  // The lease is ours for ttl from the moment we asked for it (or last renewed it): within the first
  // half of that, a fence needs no round trip; later it renews (and finds out if the lease was lost).
  let heldSince = Date.now();
  for (let attempt = 0; !(await ctx.leases.acquire(name, owner, ttlMs)); attempt++) {
    if (Date.now() >= deadline) {
      throw new LeaseBusyError(`"${name}" stayed busy for ${waitSeconds} s (another file is merging it)`);
    }
    await sleep(random() * Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt));
    heldSince = Date.now();
  }
  const fence = async () => {
    const askedAt = Date.now();
    if (askedAt - heldSince < ttlMs / 2) return;
    if (!(await ctx.leases.renew(name, owner, ttlMs))) {
      throw new LeaseLostError(`lost the lease of "${name}" (held past ${ttlSeconds} s); nothing written`);
    }
    heldSince = askedAt;
  };
  try {
    return await work(fence);
  } finally {
    await ctx.leases.release(name, owner);
  }
}

/**
 * A LeaseStore for one process with nothing shared (the benchmarks' in-memory ports, single-process
 * tools). Never the serialisation of the deployed pipeline: that is DynamoLeaseStore.
 */
export class ProcessLeaseStore implements LeaseStore {
  private readonly held = new Map<string, { owner: string; expiresAtMs: number }>();

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const current = this.held.get(name);
    if (current !== undefined && current.expiresAtMs >= Date.now()) return false;
    this.held.set(name, { owner, expiresAtMs: Date.now() + ttlMs });
    return true;
  }

  async renew(name: string, owner: string, ttlMs: number): Promise<boolean> {
    if (this.held.get(name)?.owner !== owner) return false;
    this.held.set(name, { owner, expiresAtMs: Date.now() + ttlMs });
    return true;
  }

  async release(name: string, owner: string): Promise<void> {
    if (this.held.get(name)?.owner === owner) this.held.delete(name);
  }
}
