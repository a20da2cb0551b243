/**
 * One process of the lease test (test/unit/fs/file-store.test.ts): `rounds` times, takes the lease
 * `symbol/X` in FOLDER/leases (polling while it is busy), and under it reads FOLDER/counter, yields
 * to the event loop, renews the lease, writes the counter plus one, and logs `+owner` / `-owner` around the update.
 * With a working lease, N processes leave the counter at N × rounds and the log never nests.
 *
 *   node --import tsx test/helpers/lease-worker.ts FOLDER WORKER ROUNDS
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileLeaseStore } from '#shared/fs/file-leases';

const [folder, worker, rounds] = [process.argv[2]!, process.argv[3]!, Number(process.argv[4])];
const leases = new FileLeaseStore(join(folder, 'leases'));
const counter = join(folder, 'counter');
const log = join(folder, 'log');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (let k = 0; k < rounds; k++) {
  const owner = `${worker}-${k}`;
  while (!(await leases.acquire('symbol/X', owner, 60_000))) await pause(Math.random() * 3);
  appendFileSync(log, `+${owner}\n`);
  const n = Number(readFileSync(counter, 'utf8'));
  await pause(1);
  // The holder's fence renews (a new generation, raced by no taker: the lease is not expired).
  if (!(await leases.renew('symbol/X', owner, 60_000))) throw new Error(`${owner}: renewal refused`);
  writeFileSync(counter, String(n + 1));
  appendFileSync(log, `-${owner}\n`);
  await leases.release('symbol/X', owner);
}
