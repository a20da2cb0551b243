import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createS3Client } from '#shared/aws/clients';
import { readAllBytes, S3ObjectStore } from '#shared/aws/s3-store';
import { FileLeaseStore } from '#shared/fs/file-leases';
import { symbolProblem } from '#shared/identifiers';
import { keys } from '#shared/usecases/lake';
import { symbolLease } from '#shared/usecases/leases';
import { type LocalS3, S3RVER_CREDENTIALS, startLocalS3 } from '../../helpers/local-aws.ts';

const BUCKET = 'finml-data';
const OTHER_BUCKET = 'finml-artifacts';

let s3: LocalS3;
let store: S3ObjectStore;

beforeAll(async () => {
  s3 = await startLocalS3([BUCKET, OTHER_BUCKET]);
  store = new S3ObjectStore(s3.client);
});

afterAll(async () => {
  await s3?.stop();
});

/** ~`lines` CSV lines with a non-ASCII symbol so multi-byte characters straddle part boundaries. */
function* csvChunks(lines: number): Generator<string> {
  yield 'date,symbol,close\n';
  for (let i = 0; i < lines; i++) {
    yield `2020-01-${String((i % 28) + 1).padStart(2, '0')},Ünïcødé€${i % 97},${(1000 + i * 0.01).toFixed(2)}\n`;
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('S3ObjectStore against s3rver', () => {
  test('a string written with put reads back with getText', async () => {
    await store.put(BUCKET, 'silver/SPX/2020.csv', 'date,close\n2020-01-02,3257.85\n', 'text/csv');
    expect(await store.getText(BUCKET, 'silver/SPX/2020.csv')).toBe('date,close\n2020-01-02,3257.85\n');
  });

  test('bytes written with put read back identical through the get stream', async () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256);
    await store.put(BUCKET, 'models/v1/model.bin', bytes);
    const stream = await store.get(BUCKET, 'models/v1/model.bin');
    expect(stream).toBeDefined();
    expect(Buffer.from(await readAllBytes(stream!)).equals(Buffer.from(bytes))).toBe(true);
  });

  test('read gives the bytes with the ETag head reports and no version id (s3rver keeps none)', async () => {
    const bytes = new TextEncoder().encode('date,close\n2020-01-02,3257.85\n');
    await store.put(BUCKET, 'features/symbol=SPX/gold.csv', bytes);
    const read = await store.read(BUCKET, 'features/symbol=SPX/gold.csv');
    expect(read).toBeDefined();
    expect(read).not.toHaveProperty('versionId');
    expect(read!.etag).toBe((await store.head(BUCKET, 'features/symbol=SPX/gold.csv'))!.etag);
    expect(sha256(await readAllBytes(read!.body))).toBe(sha256(bytes));
    expect(await store.read(BUCKET, 'features/symbol=NONE/gold.csv')).toBeUndefined();
  });

  test('a missing key reads as undefined from get and getText', async () => {
    expect(await store.get(BUCKET, 'no/such/key')).toBeUndefined();
    expect(await store.getText(BUCKET, 'no/such/key')).toBeUndefined();
  });

  test('a missing bucket is an error, not a missing object', async () => {
    await expect(store.get('no-such-bucket', 'k')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  test('a multi-megabyte streamed upload (3 parts of 5 MiB) reads back byte-identical', async () => {
    const lines = 340_000; // ≈ 11.6 MiB: two full parts and a shorter last one
    const expected = new TextEncoder().encode([...csvChunks(lines)].join(''));
    expect(expected.byteLength).toBeGreaterThan(10 * 1024 * 1024);

    const send = vi.spyOn(s3.client, 'send');

    await store.put(BUCKET, 'gold/big.csv', csvChunks(lines), 'text/csv');

    const sent = send.mock.calls.map(([command]) => command.constructor.name);
    send.mockRestore();
    expect(sent).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);

    const actual = await readAllBytes((await store.get(BUCKET, 'gold/big.csv'))!);
    expect(actual.byteLength).toBe(expected.byteLength);
    expect(sha256(actual)).toBe(sha256(expected));
  });

  test('string chunks smaller than one part are stored whole', async () => {
    await store.put(BUCKET, 'small/chunks.txt', ['a,', 'b,', 'ç\n']);
    expect(await store.getText(BUCKET, 'small/chunks.txt')).toBe('a,b,ç\n');
  });

  test('empty string chunks store an empty object', async () => {
    await store.put(BUCKET, 'small/empty.txt', []);
    expect(await store.getText(BUCKET, 'small/empty.txt')).toBe('');
  });

  test('copy duplicates an object across buckets and leaves the source unchanged', async () => {
    await store.put(BUCKET, 'models/2020-01-02T03:04:05Z-abc/model.json', '{"alpha":0.05}');
    await store.copy(
      { bucket: BUCKET, key: 'models/2020-01-02T03:04:05Z-abc/model.json' },
      { bucket: OTHER_BUCKET, key: 'production/model.json' },
    );
    expect(await store.getText(OTHER_BUCKET, 'production/model.json')).toBe('{"alpha":0.05}');
    expect(await store.getText(BUCKET, 'models/2020-01-02T03:04:05Z-abc/model.json')).toBe('{"alpha":0.05}');
  });

  test('copy of keys with URI-reserved and other characters (+ & # ? % space, unicode) reads the right source', async () => {
    // s3rver decoded the copy source with decodeURI: "a+b.csv" was looked up as "a%2Bb.csv" (NoSuchKey).
    const names = [
      'a+b.csv',
      'AT&T.csv',
      'x#1.csv',
      'why?.csv',
      '100%.csv',
      'my prices.csv',
      'ünï.csv',
      'p%2Bq.csv',
    ];
    for (const [i, name] of names.entries()) {
      const key = `market_data/${name}`;
      await store.put(BUCKET, key, `body ${i}`);
      await store.copy({ bucket: BUCKET, key }, { bucket: OTHER_BUCKET, key: `copies/${name}` });
      expect(await store.getText(OTHER_BUCKET, `copies/${name}`), name).toBe(`body ${i}`);
    }
  });

  test('list returns the keys under a prefix in key order, and nothing for an unknown prefix', async () => {
    const keys = ['list/b/2.csv', 'list/a/1.csv', 'list/b/10.csv', 'list/c.csv', 'listing/x.csv'];
    for (const key of keys) await store.put(BUCKET, key, key);
    expect(await store.list(BUCKET, 'list/')).toEqual([
      'list/a/1.csv',
      'list/b/10.csv',
      'list/b/2.csv',
      'list/c.csv',
    ]);
    expect(await store.list(BUCKET, 'nothing-here/')).toEqual([]);
  });

  test('list pages past 1,000 keys (s3rver patched: its DES continuation tokens fail on OpenSSL 3)', async () => {
    const keys = Array.from(
      { length: 1234 },
      (_, i) => `many/symbol=S${String(i).padStart(4, '0')}/part-0000.parquet`,
    );
    for (let i = 0; i < keys.length; i += 32) {
      await Promise.all(keys.slice(i, i + 32).map((key) => store.put(BUCKET, key, 'x')));
    }
    expect(await store.list(BUCKET, 'many/')).toEqual(keys);
  }, 60_000);

  test('the longest symbol symbolProblem accepts fits every key built on it, on s3rver (file names ≤ 255 bytes)', async () => {
    const leases = new FileLeaseStore(await mkdtemp(join(tmpdir(), 'finml-leases-')));
    // The first is exactly SYMBOL_MAX_ENCODED_BYTES (160) encoded; a dot is 3 bytes in a lease name.
    for (const symbol of [
      `${'日'.repeat(17)}AAAAAAA`,
      '.'.repeat(53),
      'A.'.repeat(32),
      `${'😀'.repeat(13)}X`,
    ]) {
      expect(symbolProblem(symbol), symbol).toBeUndefined();
      expect(await leases.acquire(symbolLease(symbol), 'me', 60_000), symbol).toBe(true);
      const run = '20261208T040000-0123abcd';
      for (const key of [
        keys.silver(symbol),
        keys.gold(symbol),
        keys.stagedRows(run, symbol, 0),
        keys.stagedSilver(run, symbol),
        keys.stagedGold(run, symbol),
        keys.run(run, `gold/${encodeURIComponent(symbol)}.json`),
      ]) {
        await store.put(BUCKET, key, 'x');
        expect(await store.getText(BUCKET, key), key).toBe('x');
      }
    }
  });

  test('deleteMany deletes past 1,000 keys in batches (DeleteObjects), keys with reserved characters too; absent keys are no error', async () => {
    const keys = Array.from(
      { length: 1100 },
      (_, i) => `gone/symbol=S${i}/part-${i % 3 === 0 ? 'a&b+c #?' : '0'}.parquet`,
    );
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => store.put(BUCKET, key, 'x')));
    }
    await store.put(BUCKET, 'gone-kept/k.csv', 'kept');
    await store.deleteMany(BUCKET, [...keys, 'gone/never-there.csv']);
    expect(await store.list(BUCKET, 'gone/')).toEqual([]);
    expect(await store.getText(BUCKET, 'gone-kept/k.csv')).toBe('kept');
    await store.deleteMany(BUCKET, []);
  }, 60_000);

  test('ListObjectsV2 pages: MaxKeys per page, the token names the next page, a foreign token is refused', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `paged/${String(i).padStart(2, '0')}.csv`);
    for (const key of keys) await store.put(BUCKET, key, key);
    const seen: string[] = [];
    const pages: { count: number; truncated: boolean }[] = [];
    let token: string | undefined;
    do {
      const page = await s3.client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'paged/', MaxKeys: 10, ContinuationToken: token }),
      );
      seen.push(...(page.Contents ?? []).map((o) => o.Key!));
      pages.push({ count: page.KeyCount!, truncated: page.IsTruncated! });
      if (token !== undefined) expect(page.ContinuationToken).toBe(token);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    expect(seen).toEqual(keys);
    expect(pages).toEqual([
      { count: 10, truncated: true },
      { count: 10, truncated: true },
      { count: 5, truncated: false },
    ]);
    const foreign = Buffer.from(`us-east-1/${OTHER_BUCKET}/paged/05.csv`).toString('base64');
    await expect(
      s3.client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'paged/', ContinuationToken: foreign }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
  });

  test('a client configured only by AWS_ENDPOINT_URL_S3 (as in the local runtime) reaches the server', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_S3', s3.endpoint);
    vi.stubEnv('AWS_REGION', '');
    try {
      const client = createS3Client({ credentials: S3RVER_CREDENTIALS, maxAttempts: 1 });
      await new S3ObjectStore(client).put(BUCKET, 'env/hello.txt', 'hello');
      client.destroy();
    } finally {
      vi.unstubAllEnvs();
    }
    expect(await store.getText(BUCKET, 'env/hello.txt')).toBe('hello');
  });

  test('a streamed PutObject through createS3Client is stored verbatim (no aws-chunked checksum framing)', async () => {
    // With the SDK default (requestChecksumCalculation WHEN_SUPPORTED) s3rver stores the aws-chunked body,
    // e.g. "c\r\nhello stream\r\n0\r\nx-amz-checksum-crc32:…", instead of the bytes sent.
    await s3.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'raw/stream.txt',
        Body: Readable.from([Buffer.from('hello stream')]),
        ContentLength: 12,
      }),
    );
    expect(await store.getText(BUCKET, 'raw/stream.txt')).toBe('hello stream');
  });
});

describe('read-after-write on the local S3 (infra/local/s3rver-consistency.ts)', () => {
  /** An object of `size` bytes all equal to `fill`, so a read shows which write it came from. */
  const body = (size: number, fill: number) => new Uint8Array(size).fill(fill);

  test('a GET straight after each PUT reads the whole object just written', async () => {
    for (let i = 0; i < 40; i++) {
      const bytes = body(256 * 1024 + i, i);
      await store.put(BUCKET, 'raw/fresh.bin', bytes);
      const read = await readAllBytes((await store.get(BUCKET, 'raw/fresh.bin'))!);
      expect({ i, length: read.byteLength, sha: sha256(read) }).toEqual({
        i,
        length: bytes.byteLength,
        sha: sha256(bytes),
      });
    }
  });

  test('GETs during overwrites of one key read one whole version each, never a mix or a short file', async () => {
    const versions = Array.from({ length: 6 }, (_, i) => body((i + 1) * 300_000, 10 + i));
    await store.put(BUCKET, 'raw/contended.bin', versions[0]!);
    const digests = new Set(versions.map(sha256));
    const writes = Promise.all(
      Array.from({ length: 24 }, (_, i) => store.put(BUCKET, 'raw/contended.bin', versions[i % 6]!)),
    );
    const reads = Promise.all(
      Array.from({ length: 24 }, async () =>
        sha256(await readAllBytes((await store.get(BUCKET, 'raw/contended.bin'))!)),
      ),
    );
    const [, seen] = await Promise.all([writes, reads]);
    for (const digest of seen) expect(digests.has(digest)).toBe(true);
  }, 60_000);

  test('GETs during copies onto one key read one whole version each (a publish copies staged silver into place)', async () => {
    // Unpatched, s3rver copied over the destination in place: a GET meanwhile read a damaged file
    // (21 daily files uploaded at once to npm start failed a run with "not a Parquet file").
    const versions = Array.from({ length: 6 }, (_, i) => body((i + 1) * 300_000, 40 + i));
    for (const [i, v] of versions.entries()) await store.put(BUCKET, `staged/v${i}.bin`, v);
    await store.copy({ bucket: BUCKET, key: 'staged/v0.bin' }, { bucket: BUCKET, key: 'raw/copied.bin' });
    const digests = new Set(versions.map(sha256));
    const copies = Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        store.copy(
          { bucket: BUCKET, key: `staged/v${i % 6}.bin` },
          { bucket: BUCKET, key: 'raw/copied.bin' },
        ),
      ),
    );
    const reads = Promise.all(
      Array.from({ length: 24 }, async () =>
        sha256(await readAllBytes((await store.get(BUCKET, 'raw/copied.bin'))!)),
      ),
    );
    const [, seen] = await Promise.all([copies, reads]);
    for (const digest of seen) expect(digests.has(digest)).toBe(true);
    // The copy carries its source's ETag (the md5 file is copied with it).
    await store.copy({ bucket: BUCKET, key: 'staged/v3.bin' }, { bucket: BUCKET, key: 'raw/copied.bin' });
    expect((await store.head(BUCKET, 'raw/copied.bin'))!.etag).toBe(
      (await store.head(BUCKET, 'staged/v3.bin'))!.etag,
    );
  }, 60_000);
});
