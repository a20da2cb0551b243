/**
 * The lease port (LeaseStore) on a local folder, so that two `finml pipeline` processes writing into
 * one output folder merge a symbol one at a time, as Lambda functions do on DynamoDB leases
 * (docs/decisions/0012).
 *
 * A lease is a folder of numbered generations (`symbol%2FSPX/g000000000007.json`); the newest one
 * says who holds it (owner, expiry, host and pid). Every change is one atomic file-system step:
 * - taking the lease creates the next generation exclusively — its full text is written to a
 *   temporary file first and then hard-linked under the generation's name, which fails when that
 *   name exists. Of two processes that both found the lease free, exactly one creates the next
 *   generation; and nobody ever reads a half-written lease (what the earlier single file allowed:
 *   a reader that caught it empty took it as torn, hence free, and two processes merged one symbol
 *   at once and lost rows).
 * - renewing creates the next generation the same way (so of a renewal and a taker that found the
 *   lease expired, one wins); releasing rewrites the holder's generation by renaming a new file over it;
 * - old generations are deleted by whoever creates a later one (once a minute old: see prune).
 *
 * A lease is free when its newest generation is released, past its time, or held by a process on
 * this host that is gone (a `finml pipeline` killed with kill -9): then the next run does not wait for
 * the TTL. A pid reused by another process only keeps the TTL rule.
 *
 * One limit, as with any lease: a holder that stalls past its expiry may be overtaken while it
 * writes. The pipeline's `fence` renews at half the TTL before each write (shared/usecases/leases.ts).
 */

import { randomUUID } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { LeaseStore } from '#shared/ports';

interface Held {
  owner: string;
  expiresAtMs: number;
  /** The holder's host and process id. */
  host?: string;
  pid?: number;
}

interface Generation {
  gen: number;
  held: Held;
}

const GENERATION = /^g(\d{12})\.json$/;
/** How often a lease's newest generation is looked for again when it vanished while being read. */
const READ_ATTEMPTS = 5;
/** Generations older than this (and before the newest two) are deleted. */
const PRUNE_AFTER_MS = 60_000;

/** Whether a process with this id exists on this host (signal 0 checks without sending anything). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

export class FileLeaseStore implements LeaseStore {
  private readonly folders = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly nowMs: () => number = Date.now,
    /** This process (host, pid) as leases record it. */
    private readonly self: { host: string; pid: number } = { host: hostname(), pid: process.pid },
    private readonly alive: (pid: number) => boolean = processExists,
  ) {}

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const folder = this.folder(name);
    const newest = this.newest(folder);
    if (newest === null) return false; // changing under us: busy
    if (newest !== undefined && !this.free(newest.held)) return false;
    return this.next(folder, (newest?.gen ?? 0) + 1, this.body(owner, ttlMs));
  }

  /**
   * Renews by creating the next generation, as a taker would: of a renewal and a taker that found the
   * lease expired, exactly one creates it (rewriting the generation in place let both win).
   */
  async renew(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const folder = this.folder(name);
    const mine = this.newest(folder);
    if (!mine || mine.held.owner !== owner) return false;
    return this.next(folder, mine.gen + 1, this.body(owner, ttlMs));
  }

  /**
   * Creates generation `gen` and holds the lease if it is then the newest (a process that stalled
   * past the pruning of the generation it read could otherwise create one below the newest).
   */
  private next(folder: string, gen: number, body: string): boolean {
    if (!this.create(folder, gen, body)) return false; // another taker (or renewal) was first
    if (this.newestGeneration(folder) !== gen) {
      rmSync(join(folder, fileOf(gen)), { force: true });
      return false;
    }
    this.prune(folder, gen);
    return true;
  }

  async release(name: string, owner: string): Promise<void> {
    const folder = this.folder(name);
    const mine = this.newest(folder);
    if (!mine || mine.held.owner !== owner) return;
    this.replace(folder, mine.gen, JSON.stringify({ owner, expiresAtMs: 0, ...this.self } satisfies Held));
  }

  /** Whether a held lease is free: past its time (released ones are), or its process on this host is gone. */
  private free(held: Held): boolean {
    if (held.expiresAtMs < this.nowMs()) return true;
    return (
      held.host === this.self.host &&
      held.pid !== undefined &&
      held.pid !== this.self.pid &&
      !this.alive(held.pid)
    );
  }

  private body(owner: string, ttlMs: number): string {
    return JSON.stringify({ owner, expiresAtMs: this.nowMs() + ttlMs, ...this.self } satisfies Held);
  }

  /** The folder of a lease (made on first use). */
  private folder(name: string): string {
    const folder = join(this.dir, encodeURIComponent(name).replace(/\./g, '%2E'));
    if (!this.folders.has(folder)) {
      mkdirSync(folder, { recursive: true });
      this.folders.add(folder);
    }
    return folder;
  }

  /** The numbers of the generations in the folder. */
  private generations(folder: string): number[] {
    const out: number[] = [];
    for (const entry of readdirSync(folder)) {
      const m = GENERATION.exec(entry);
      if (m) out.push(Number(m[1]));
    }
    return out;
  }

  /** The number of the newest generation (0: none). */
  private newestGeneration(folder: string): number {
    return this.generations(folder).reduce((a, b) => Math.max(a, b), 0);
  }

  /**
   * Deletes the generations before `gen − 1` that are older than PRUNE_AFTER_MS. Never the two
   * newest, nor a recent one: a listing of the folder made while generations come and go is only
   * sure to return the files that exist throughout it, so the one before the newest must outlive any
   * listing under way (else a process could see no generation at all, and create the first again).
   */
  private prune(folder: string, gen: number): void {
    const now = Date.now();
    for (const entry of readdirSync(folder)) {
      const m = GENERATION.exec(entry);
      // Old generations, and temporary files a killed process left.
      if (m ? Number(m[1]) >= gen - 1 : !entry.endsWith('.tmp')) continue;
      const file = join(folder, entry);
      try {
        if (now - statSync(file).mtimeMs > PRUNE_AFTER_MS) rmSync(file);
      } catch (error) {
        if (code(error) !== 'ENOENT') throw error; // pruned meanwhile by another process
      }
    }
  }

  /** The newest generation; undefined when there is none; null when it kept vanishing as it was read. */
  private newest(folder: string): Generation | undefined | null {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const gen = this.newestGeneration(folder);
      if (gen === 0) return undefined;
      let text: string;
      try {
        text = readFileSync(join(folder, fileOf(gen)), 'utf8');
      } catch (error) {
        if (code(error) === 'ENOENT') continue; // a later generation was made and this one removed
        throw error;
      }
      try {
        return { gen, held: JSON.parse(text) as Held };
      } catch {
        return { gen, held: { owner: '', expiresAtMs: 0 } }; // not a lease FINML wrote: free
      }
    }
    return null;
  }

  /** Creates generation `gen` holding `body`, whole or not at all; false when it exists already. */
  private create(folder: string, gen: number, body: string): boolean {
    const tmp = this.tmp(folder, body);
    try {
      linkSync(tmp, join(folder, fileOf(gen)));
      return true;
    } catch (error) {
      if (code(error) === 'EEXIST') return false;
      throw error;
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** Rewrites generation `gen` with `body` in one step. */
  private replace(folder: string, gen: number, body: string): void {
    renameSync(this.tmp(folder, body), join(folder, fileOf(gen)));
  }

  private tmp(folder: string, body: string): string {
    const tmp = join(folder, `${randomUUID()}.tmp`);
    writeFileSync(tmp, body, { flag: 'wx' });
    return tmp;
  }
}

function fileOf(gen: number): string {
  return `g${String(gen).padStart(12, '0')}.json`;
}
