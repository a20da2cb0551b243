/**
 * The file-system adapters of the ports: the ObjectStore contract the S3 adapter keeps (get / put /
 * copy / head / delete / list), keys that would leave a bucket's folder refused, and file leases
 * that serialise two holders as DynamoDB leases do.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { FileLeaseStore } from '#shared/fs/file-leases';
import { FileSystemObjectStore, UnsafeKeyError } from '#shared/fs/file-store';

const dir = () => mkdtempSync(join(tmpdir(), 'finml-fs-'));
async function text(chunks: AsyncIterable<Uint8Array> | undefined) {
  if (chunks === undefined) return undefined;
  let s = '';
  for await (const c of chunks) s += Buffer.from(c).toString('utf8');
  return s;
}

describe('FileSystemObjectStore', () => {
  test('put, get, getText, head, copy, delete and list behave as the S3 adapter does', async () => {
    const root = dir();
    const store = new FileSystemObjectStore({ a: join(root, 'a'), b: join(root, 'b') });
    expect(await store.get('a', 'x/y.csv')).toBeUndefined();
    expect(await store.head('a', 'x/y.csv')).toBeUndefined();
    await store.put('a', 'x/y.csv', ['h\n', '1\n', '2\n']);
    expect(await text(await store.get('a', 'x/y.csv'))).toBe('h\n1\n2\n');
    const first = await store.head('a', 'x/y.csv');
    await store.put('a', 'x/y.csv', 'h\n1\n2\n'); // the same bytes again: a new object, a new ETag
    const second = await store.head('a', 'x/y.csv');
    expect(second?.etag).not.toBe(first?.etag);
    await store.copy({ bucket: 'a', key: 'x/y.csv' }, { bucket: 'b', key: 'copied/y.csv' });
    await store.put('a', 'x/y.csv', 'changed');
    expect(await store.getText('b', 'copied/y.csv')).toBe('h\n1\n2\n'); // the copy keeps its bytes
    await store.put('a', 'x/z.csv', 'z');
    await store.put('a', 'w.csv', 'w');
    expect(await store.list('a', 'x/')).toEqual(['x/y.csv', 'x/z.csv']);
    expect(await store.list('a', '')).toEqual(['w.csv', 'x/y.csv', 'x/z.csv']);
    expect(await store.list('a', 'x/z')).toEqual(['x/z.csv']);
    expect(await store.list('a', 'nothing/')).toEqual([]);
    // Keys several folders deep, and a prefix that is not a folder.
    for (const k of ['p/q/r/s.csv', 'p/q/t.csv', 'p/u.csv', 'pq.csv', 'p/q/r/s2.csv'])
      await store.put('a', k, k);
    expect(await store.list('a', 'p/')).toEqual(['p/q/r/s.csv', 'p/q/r/s2.csv', 'p/q/t.csv', 'p/u.csv']);
    expect(await store.list('a', 'p/q/r/s')).toEqual(['p/q/r/s.csv', 'p/q/r/s2.csv']);
    expect(await store.list('a', 'p')).toEqual([
      'p/q/r/s.csv',
      'p/q/r/s2.csv',
      'p/q/t.csv',
      'p/u.csv',
      'pq.csv',
    ]);
    for (const k of ['p/q/r/s.csv', 'p/q/t.csv', 'p/u.csv', 'pq.csv', 'p/q/r/s2.csv'])
      await store.delete('a', k);
    await store.delete('a', 'x/y.csv');
    await store.delete('a', 'x/z.csv');
    await store.delete('a', 'x/z.csv'); // nothing there: no error
    expect(readdirSync(join(root, 'a'))).toEqual(['w.csv']); // the emptied folder is gone, as in S3
  });

  test('read gives the bytes of the file opened with that file’s ETag, even when a put replaces it meanwhile', async () => {
    const store = new FileSystemObjectStore({ a: join(dir(), 'a') });
    expect(await store.read('a', 'k.csv')).toBeUndefined();
    await store.put('a', 'k.csv', 'old\n');
    const before = await store.head('a', 'k.csv');
    const read = await store.read('a', 'k.csv');
    await store.put('a', 'k.csv', 'new\n'); // renamed into place while the old file is open
    expect(read).not.toHaveProperty('versionId');
    expect(read!.etag).toBe(before!.etag);
    expect(await text(read!.body)).toBe('old\n');
    expect((await store.head('a', 'k.csv'))!.etag).not.toBe(before!.etag);
    await expect(store.read('a', 'k.csv', 'v1')).rejects.toThrow('keeps no object versions');
    await expect(store.setLegalHold('a', 'k.csv', 'v1', true)).rejects.toThrow('keeps no object versions');
  });

  test('keys that would leave the bucket’s folder are refused', async () => {
    const store = new FileSystemObjectStore({ a: join(dir(), 'a') });
    for (const key of ['../x', 'a/../../x', 'a//b', './x', '/etc/passwd', 'a/\0b']) {
      await expect(store.put('a', key, 'no')).rejects.toBeInstanceOf(UnsafeKeyError);
    }
    // A symbol partition such as `symbol=..` is one segment, so it is a safe key.
    await store.put('a', 'market/symbol=../silver.csv', 'ok');
    expect(await store.getText('a', 'market/symbol=../silver.csv')).toBe('ok');
  });

  test('a half-written file is never listed or read (writes are renamed into place)', async () => {
    const root = join(dir(), 'a');
    const store = new FileSystemObjectStore({ a: root });
    await store.put('a', 'k/one.csv', 'one');
    writeFileSync(join(root, 'k', 'two.csv.123.1.finml-tmp'), 'half'); // what a killed writer leaves
    expect(await store.list('a', 'k/')).toEqual(['k/one.csv']);
    const failing = (function* () {
      yield 'partial';
      throw new Error('the writer failed');
    })();
    await expect(store.put('a', 'k/three.csv', failing)).rejects.toThrow('the writer failed');
    expect(await store.getText('a', 'k/three.csv')).toBeUndefined();
  });

  test('the bronze "bucket" may be the whole file system: keys are absolute paths without the "/"', async () => {
    const d = dir();
    writeFileSync(join(d, 'in.csv'), 'date,close\n');
    const store = new FileSystemObjectStore({ bronze: '/' });
    expect(await store.getText('bronze', join(d, 'in.csv').slice(1))).toBe('date,close\n');
  });
});

describe('FileLeaseStore', () => {
  test('one holder at a time; an expired lease can be taken; a lost lease cannot be renewed or released', async () => {
    let now = 1_000_000;
    const leases = new FileLeaseStore(dir(), () => now);
    expect(await leases.acquire('symbol/X', 'a', 1000)).toBe(true);
    expect(await leases.acquire('symbol/X', 'b', 1000)).toBe(false);
    expect(await leases.renew('symbol/X', 'b', 1000)).toBe(false);
    expect(await leases.renew('symbol/X', 'a', 1000)).toBe(true);
    now += 1001; // past a's expiry
    expect(await leases.acquire('symbol/X', 'b', 1000)).toBe(true);
    expect(await leases.renew('symbol/X', 'a', 1000)).toBe(false);
    await leases.release('symbol/X', 'a'); // not a's any more: b keeps it
    expect(await leases.acquire('symbol/X', 'c', 1000)).toBe(false);
    await leases.release('symbol/X', 'b');
    expect(await leases.acquire('symbol/X', 'c', 1000)).toBe(true);
  });

  test('a lease whose process on this host is gone (kill -9) is free at once; a live or remote holder keeps it', async () => {
    const d = dir();
    // A real process that has exited: its pid names no process now.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const deadPid = Number(child.stdout);
    const holder = (pid: number, host = hostname()) => new FileLeaseStore(d, Date.now, { host, pid });
    expect(await holder(deadPid).acquire('symbol/DEAD', 'killed', 3_600_000)).toBe(true);
    const held = JSON.parse(readFileSync(join(d, 'symbol%2FDEAD', 'g000000000001.json'), 'utf8'));
    expect(held).toMatchObject({ owner: 'killed', host: hostname(), pid: deadPid });
    // Taken long before its hour is up, and only once.
    const leases = new FileLeaseStore(d);
    expect(await leases.acquire('symbol/DEAD', 'next', 60_000)).toBe(true);
    expect(await leases.acquire('symbol/DEAD', 'third', 60_000)).toBe(false);
    // A holder that is alive (this test's parent), or on another host, keeps its lease until its TTL.
    expect(await holder(process.ppid).acquire('symbol/LIVE', 'alive', 3_600_000)).toBe(true);
    expect(await leases.acquire('symbol/LIVE', 'next', 60_000)).toBe(false);
    expect(await holder(deadPid, 'another-host').acquire('symbol/REMOTE', 'remote', 3_600_000)).toBe(true);
    expect(await leases.acquire('symbol/REMOTE', 'next', 60_000)).toBe(false);
  });

  test('six processes taking one lease 40 times each never hold it at once: no update is lost', async () => {
    // The lease of issue 17's review: 21 `finml pipeline` processes on one folder lost 122 silver rows,
    // because a lease file could be read empty (created, not yet written) and was then taken as torn.
    const d = dir();
    writeFileSync(join(d, 'counter'), '0');
    writeFileSync(join(d, 'log'), '');
    const worker = fileURLToPath(new URL('../../helpers/lease-worker.ts', import.meta.url));
    const codes = await Promise.all(
      Array.from(
        { length: 6 },
        (_, w) =>
          new Promise<number | null>((resolve, reject) => {
            const child = spawn(process.execPath, ['--import', 'tsx', worker, d, `w${w}`, '40'], {
              stdio: ['ignore', 'ignore', 'inherit'],
            });
            child.on('error', reject);
            child.on('exit', resolve);
          }),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    let holders = 0;
    let nested = 0;
    for (const line of readFileSync(join(d, 'log'), 'utf8').split('\n')) {
      if (line.startsWith('+') && ++holders > 1) nested++;
      if (line.startsWith('-')) holders--;
    }
    expect({ nested, counter: Number(readFileSync(join(d, 'counter'), 'utf8')) }).toEqual({
      nested: 0,
      counter: 240,
    });
    // Old generations are kept a minute (see prune), then deleted by later takers: bounded files.
    expect(readdirSync(join(d, 'leases', 'symbol%2FX')).every((f) => /^g\d{12}\.json$/.test(f))).toBe(true);
  }, 60_000);

  test('a renewal is a new generation: of a renewal and a taker of the expired lease, one wins', async () => {
    let now = 1_000_000;
    const d = dir();
    const [a, b] = [new FileLeaseStore(d, () => now), new FileLeaseStore(d, () => now)];
    expect(await a.acquire('symbol/R', 'a', 1000)).toBe(true);
    expect(await a.renew('symbol/R', 'a', 1000)).toBe(true);
    expect(readdirSync(join(d, 'symbol%2FR')).sort()).toEqual(['g000000000001.json', 'g000000000002.json']);
    now += 1001; // a stalled past its expiry
    expect(await b.acquire('symbol/R', 'b', 1000)).toBe(true);
    expect(await a.renew('symbol/R', 'a', 1000)).toBe(false); // lost: b holds generation 3
    expect(await Promise.all([a.acquire('symbol/R', 'a2', 1000), b.renew('symbol/R', 'b', 1000)])).toEqual([
      false,
      true,
    ]);
  });

  test('old generations are pruned once a minute old, never the newest two', async () => {
    const d = dir();
    const leases = new FileLeaseStore(d);
    for (let k = 0; k < 5; k++) {
      expect(await leases.acquire('symbol/Z', `o${k}`, 60_000)).toBe(true);
      await leases.release('symbol/Z', `o${k}`);
    }
    const folder = join(d, 'symbol%2FZ');
    expect(readdirSync(folder).sort()).toHaveLength(5); // all recent: kept
    const old = new Date(Date.now() - 120_000);
    for (const f of readdirSync(folder)) utimesSync(join(folder, f), old, old);
    expect(await leases.acquire('symbol/Z', 'o5', 60_000)).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(['g000000000005.json', 'g000000000006.json']);
  });

  test('two stores on one folder (two processes) never both hold a lease', async () => {
    const d = dir();
    const [p, q] = [new FileLeaseStore(d), new FileLeaseStore(d)];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? p : q).acquire('symbol/Y', `owner-${i}`, 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
