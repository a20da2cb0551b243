/**
 * The lease port (LeaseStore) on a local folder: a lease is a file created exclusively (O_EXCL),
 * holding its owner and expiry. So two `finml pipeline` processes writing into one output folder
 * merge a symbol one at a time, as Lambda functions do on DynamoDB leases (docs/decisions/0012).
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LeaseStore } from '#shared/ports';

interface Held {
  owner: string;
  expiresAtMs: number;
}

export class FileLeaseStore implements LeaseStore {
  private made = false;

  constructor(
    private readonly dir: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

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
    const body = JSON.stringify({ owner, expiresAtMs: this.nowMs() + ttlMs } satisfies Held);
    try {
      await writeFile(this.file(name), body, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await this.read(name);
    if (held !== undefined && held.expiresAtMs >= this.nowMs()) return false;
    // Expired (its holder died): taken over by renaming it away first, so only one taker wins.
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
    await writeFile(tmp, JSON.stringify({ owner, expiresAtMs: this.nowMs() + ttlMs } satisfies Held));
    await rename(tmp, this.file(name));
    return true;
  }

  async release(name: string, owner: string): Promise<void> {
    if ((await this.read(name))?.owner === owner) await rm(this.file(name), { force: true });
  }
}
