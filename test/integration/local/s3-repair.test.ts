/**
 * A killed `npm start` must be able to start again. s3rver wrote each object's metadata file in place,
 * so a kill mid-write left it empty, every listing of that bucket failed (HTTP 500) and the next start
 * died in provisionBuckets with a misleading BucketAlreadyExists (a walk: 3 of 5 stops). Now the
 * metadata is written whole (temporary file + rename) and startS3 repairs what an older run left.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, expect, test, vi } from 'vitest';
import { createS3Client } from '#shared/aws/s3-client';
import { LOCAL_REGION } from '../../../infra/local/deployment.ts';
import { provisionBuckets, S3RVER_CREDENTIALS, startS3 } from '../../../infra/local/servers.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function serve(directory: string) {
  const server = await startS3(directory, 0, '127.0.0.1');
  const client = createS3Client({
    endpoint: server.endpoint,
    region: LOCAL_REGION,
    credentials: S3RVER_CREDENTIALS,
    maxAttempts: 1,
  });
  return { server, client };
}

test('a torn metadata file left by a killed run is repaired at start; the bucket lists and the object reads back', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'finml-s3-repair-'));
  dirs.push(directory);
  const first = await serve(directory);
  await provisionBuckets(first.client, [{ name: 'lake' } as never]);
  const body = 'date,close\n2020-01-02,1\n';
  await first.client.send(new PutObjectCommand({ Bucket: 'lake', Key: 'silver/a.csv', Body: body }));
  await first.server.stop();
  // Written whole: no temporary file is left beside the object.
  const names = await readdir(join(directory, 'lake', 'silver'));
  expect(names.filter((n) => n.endsWith('.partial'))).toEqual([]);
  // What a kill during s3rver's writeFile left behind: an empty metadata file, a stray temporary.
  const metadata = join(directory, 'lake', 'silver', 'a.csv._S3rver_metadata.json');
  expect(JSON.parse(await readFile(metadata, 'utf8'))).toMatchObject({ 'content-type': expect.any(String) });
  await writeFile(metadata, '');
  await writeFile(join(directory, 'lake', 'silver', 'b.csv._S3rver_object.1234.partial'), 'half');

  const lines: string[] = [];
  const said = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    lines.push(String(s));
    return true;
  });
  const second = await serve(directory).finally(() => said.mockRestore());
  try {
    expect(lines).toEqual([
      "local S3: repaired lake/silver/a.csv: its metadata was empty (a killed write); reset, the object's bytes kept\n",
    ]);
    await provisionBuckets(second.client, [{ name: 'lake' } as never]);
    const listed = await second.client.send(new ListObjectsV2Command({ Bucket: 'lake' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['silver/a.csv']);
    const got = await second.client.send(new GetObjectCommand({ Bucket: 'lake', Key: 'silver/a.csv' }));
    expect(await got.Body!.transformToString()).toBe(body);
    // The md5 was computed again from the bytes.
    expect(got.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
  } finally {
    await second.server.stop();
  }
});

test('a bucket the server cannot read is reported as such, not created again', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'finml-s3-repair-'));
  dirs.push(directory);
  const { server, client } = await serve(directory);
  try {
    await provisionBuckets(client, [{ name: 'lake' } as never]);
    await client.send(new PutObjectCommand({ Bucket: 'lake', Key: 'x', Body: 'x' }));
    // Damage it while the server runs (as an older, unpatched run could): HeadBucket lists the bucket.
    await writeFile(join(directory, 'lake', 'x._S3rver_metadata.json'), '');
    await expect(provisionBuckets(client, [{ name: 'lake' } as never])).rejects.toThrow(
      /the local S3 server cannot read bucket lake \(HTTP 500/,
    );
  } finally {
    await server.stop();
  }
});
