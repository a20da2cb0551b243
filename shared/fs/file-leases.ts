/**
 * The lease port (LeaseStore) on a local folder: a lease is a file created exclusively (O_EXCL),
 * holding its owner and expiry. So two `finml pipeline` processes writing into one output folder
 * merge a symbol one at a time, as Lambda functions do on DynamoDB leases (docs/decisions/0012).
 *
 * A lease also names the process holding it (host and pid): a lease whose process on this host is
 * gone (a `finml pipeline` killed with kill -9) is free at once, instead of after its time to live —
 * the next run on the folder does not wait. A pid reused by another process only keeps the TTL rule.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { LeaseStore } from '#shared/ports';

interface Held {
  owner: string;
  expiresAtMs: number;
  /** The holder's host and process id (absent in leases written before they were recorded). */
  host?: string;
  pid?: number;
}

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

export class FileLeaseStore implements LeaseStore {
  private made = false;

  constructor(
    private readonly dir: string,
    private readonly nowMs: () => number = Date.now,
    /** This process (host, pid) as leases record it. */
    private readonly self: { host: string; pid: number } = { host: hostname(), pid: process.pid },
    private readonly alive: (pid: number) => boolean = processExists,
  ) {}

  /** Whether a held lease is free: past its time, or its process on this host is gone. */
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

  private file(name: string): string {
    return join(this.dir, `${encodeURIComponent(name).replace(/\./g, '%2E')}.lease`);
  }

  private async read(name: string): Promise<Held | undefined> {
    try {
      return JSON.parse(await readFile(this.file(name), 'utf8')) as Held;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (error instanceof SyntaxError) return { owner: '', expiresAtMs: 0 }; // torn by a crash: expired
      throw error;
    }
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    if (!this.made) {
      await mkdir(this.dir, { recursive: true });
      this.made = true;
    }
    const body = this.body(owner, ttlMs);
    try {
      await writeFile(this.file(name), body, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await this.read(name);
    if (held !== undefined && !this.free(held)) return false;
    // Expired, or its holder died: taken over by renaming it away first, so only one taker wins.
    const grave = `${this.file(name)}.${encodeURIComponent(owner)}.expired`;
    try {
      await rename(this.file(name), grave);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false; // another taker was first
      throw error;
    }
    await rm(grave, { force: true });
    try {
      await writeFile(this.file(name), body, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async renew(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = await this.read(name);
    if (held?.owner !== owner) return false;
    const tmp = `${this.file(name)}.${encodeURIComponent(owner)}.tmp`;
    await writeFile(tmp, this.body(owner, ttlMs));
    await rename(tmp, this.file(name));
    return true;
  }

  async release(name: string, owner: string): Promise<void> {
    if ((await this.read(name))?.owner === owner) await rm(this.file(name), { force: true });
  }
}
