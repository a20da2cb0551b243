/** What a dead `finml pipeline` run left in staging/ expires like the lake's lifecycle rule. */
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { expireStaging } from '#shared/fs/staging-expiry';

const DAY = 86_400_000;

test('deletes staging run folders untouched for the expiry, keeps newer ones and everything outside staging/', () => {
  const root = mkdtempSync(join(tmpdir(), 'finml-expiry-'));
  const now = new Date(); // folders made below get this time, as in a real run
  const make = (rel: string, ageDays: number) => {
    const path = join(root, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'x');
    const t = new Date(now.getTime() - ageDays * DAY);
    utimesSync(path, t, t);
    return path;
  };
  make('staging/dead/market/symbol=A/rows-0000.rows', 8);
  make('staging/dead/merged/market/A@part-0000.parquet', 9);
  // One file written recently: the run is alive (or died less than the expiry ago).
  make('staging/recent/market/symbol=A/rows-0000.rows', 10);
  make('staging/recent/merged/features/A@part-0000.parquet', 0.5);
  make('market/symbol=A/part-0000.parquet', 100); // a layer, however old
  // Folder times are what the writes above left (now): age the dead run's folders too.
  for (const dir of [
    'staging/dead/market/symbol=A',
    'staging/dead/market',
    'staging/dead/merged/market',
    'staging/dead/merged',
    'staging/dead',
  ]) {
    const t = new Date(now.getTime() - 8 * DAY);
    utimesSync(join(root, dir), t, t);
  }
  const missing = join(root, 'no-such-root');
  expect(expireStaging([root, missing], 7, now)).toEqual([join(root, 'staging', 'dead')]);
  expect(readdirSync(join(root, 'staging'))).toEqual(['recent']);
  expect(readdirSync(join(root, 'market'))).toEqual(['symbol=A']);
  expect(expireStaging([root], 7, now)).toEqual([]);
  // A day later, the recent run's newest change is older than a quarter of a day.
  expect(expireStaging([root], 0.25, new Date(now.getTime() + DAY))).toEqual([
    join(root, 'staging', 'recent'),
  ]);
});
