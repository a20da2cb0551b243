import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, test } from 'vitest';
import {
  copySource,
  encodeIntoParts,
  MultipartUploadError,
  readAllBytes,
  S3ObjectStore,
} from '#shared/aws/s3-store';

const s3Mock = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });

beforeEach(() => {
  s3Mock.reset();
});

/** A GetObject body as the SDK gives it in Node: a Readable of Buffers. */
const body = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c, 'utf8')));

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('read and setLegalHold (lineage)', () => {
  test('read gives the body with the ETag and VersionId of the same response', async () => {
    s3Mock
      .on(GetObjectCommand, { Bucket: 'b', Key: 'k', VersionId: 'v1' })
      .resolves({ Body: body('ab', 'c') as never, ETag: '"e1"', VersionId: 'v1' });
    const read = await new S3ObjectStore(client).read('b', 'k', 'v1');
    expect(read).toMatchObject({ etag: 'e1', versionId: 'v1' });
    expect(text(await readAllBytes(read!.body))).toBe('abc');
  });

  test('an unversioned object ("null" version) reads without a version id; a missing one as undefined', async () => {
    s3Mock
      .on(GetObjectCommand, { Key: 'k' })
      .resolves({ Body: body('x') as never, ETag: '"e"', VersionId: 'null' });
    s3Mock
      .on(GetObjectCommand, { Key: 'gone' })
      .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    const store = new S3ObjectStore(client);
    expect(await store.read('b', 'k')).not.toHaveProperty('versionId');
    expect(await store.read('b', 'gone')).toBeUndefined();
  });

  test('setLegalHold puts ON or OFF on the one version named', async () => {
    s3Mock.on(PutObjectLegalHoldCommand).resolves({});
    const store = new S3ObjectStore(client);
    await store.setLegalHold('gold', 'features/symbol=SPX/gold.csv', 'v7', true);
    await store.setLegalHold('gold', 'features/symbol=SPX/gold.csv', 'v7', false);
    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'gold', Key: 'features/symbol=SPX/gold.csv', VersionId: 'v7', LegalHold: { Status: 'ON' } },
      { Bucket: 'gold', Key: 'features/symbol=SPX/gold.csv', VersionId: 'v7', LegalHold: { Status: 'OFF' } },
    ]);
  });
});

describe('get and getText', () => {
  test('get returns the object body as a byte stream', async () => {
    s3Mock.on(GetObjectCommand, { Bucket: 'b', Key: 'k' }).resolves({ Body: body('ab', 'c') as never });
    const stream = await new S3ObjectStore(client).get('b', 'k');
    expect(text(await readAllBytes(stream!))).toBe('abc');
  });

  test('get passes the version id', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body('x') as never });
    await new S3ObjectStore(client).get('b', 'k', 'v123');
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'b',
      Key: 'k',
      VersionId: 'v123',
    });
  });

  test('NoSuchKey reads as undefined', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    const store = new S3ObjectStore(client);
    expect(await store.get('b', 'missing')).toBeUndefined();
    expect(await store.getText('b', 'missing')).toBeUndefined();
  });

  test('a missing version (NoSuchVersion) reads as undefined', async () => {
    s3Mock.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'NoSuchVersion',
        $fault: 'client',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    expect(await new S3ObjectStore(client).get('b', 'k', 'gone')).toBeUndefined();
  });

  test('NoSuchBucket is rethrown', async () => {
    s3Mock.on(GetObjectCommand).rejects(new NoSuchBucket({ message: 'no bucket', $metadata: {} }));
    await expect(new S3ObjectStore(client).get('nope', 'k')).rejects.toBeInstanceOf(NoSuchBucket);
  });

  test('getText decodes UTF-8 split across chunks', async () => {
    const euro = Buffer.from('€', 'utf8');
    s3Mock
      .on(GetObjectCommand)
      .resolves({ Body: Readable.from([euro.subarray(0, 1), euro.subarray(1)]) as never });
    expect(await new S3ObjectStore(client).getText('b', 'k')).toBe('€');
  });
});

describe('put', () => {
  test('a string is sent in one PutObject with its content type', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    await new S3ObjectStore(client).put('b', 'k.csv', 'a,b\n', 'text/csv');
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'b',
      Key: 'k.csv',
      Body: 'a,b\n',
      ContentType: 'text/csv',
    });
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  test('string chunks below one part are sent in one PutObject', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    await new S3ObjectStore(client, { partSizeBytes: 100 }).put('b', 'k', ['ab', 'cd']);
    const sent = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input.Body as Uint8Array;
    expect(text(sent)).toBe('abcd');
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  test('string chunks above one part are sent as a multipart upload with parts in order', async () => {
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    const parts: string[] = [];
    s3Mock.on(UploadPartCommand).callsFake((input: { Body: Uint8Array; PartNumber: number }) => {
      parts.push(text(input.Body));
      return { ETag: `"etag${input.PartNumber}"` };
    });
    s3Mock.on(CompleteMultipartUploadCommand).resolves({});

    await new S3ObjectStore(client, { partSizeBytes: 4 }).put('b', 'k', ['abc', 'defgh', 'ij'], 'text/plain');

    expect(parts).toEqual(['abcd', 'efgh', 'ij']);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'b',
      Key: 'k',
      ContentType: 'text/plain',
    });
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'b',
      Key: 'k',
      UploadId: 'u1',
      MultipartUpload: {
        Parts: [
          { ETag: '"etag1"', PartNumber: 1 },
          { ETag: '"etag2"', PartNumber: 2 },
          { ETag: '"etag3"', PartNumber: 3 },
        ],
      },
    });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('string chunks are consumed lazily, one part ahead at most', async () => {
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    let produced = 0;
    const uploadedWhenProduced: number[] = [];
    s3Mock.on(UploadPartCommand).callsFake(() => {
      uploadedWhenProduced.push(produced);
      return { ETag: 'e' };
    });
    s3Mock.on(CompleteMultipartUploadCommand).resolves({});
    function* chunks() {
      for (let i = 0; i < 6; i++) {
        produced++;
        yield '1234';
      }
    }
    await new S3ObjectStore(client, { partSizeBytes: 4 }).put('b', 'k', chunks());
    // Part n is uploaded when at most n + 1 chunks (one part ahead) have been produced.
    expect(uploadedWhenProduced).toEqual([2, 2, 3, 4, 5, 6]);
  });

  test('a failed part aborts the upload and throws MultipartUploadError with the cause', async () => {
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    const failure = new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: {} });
    s3Mock.on(UploadPartCommand).resolvesOnce({ ETag: 'e1' }).rejects(failure);
    s3Mock.on(AbortMultipartUploadCommand).resolves({});

    const error = await new S3ObjectStore(client, { partSizeBytes: 2 })
      .put('b', 'k', ['aabbcc'])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MultipartUploadError);
    expect((error as Error).cause).toBe(failure);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'b',
      Key: 'k',
      UploadId: 'u1',
    });
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  test('a part size that is not a positive integer is rejected', () => {
    expect(() => new S3ObjectStore(client, { partSizeBytes: 0 })).toThrow(RangeError);
  });
});

describe('encodeIntoParts', () => {
  test('parts concatenate to the UTF-8 encoding; all but the last are partSize..partSize+3 bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 16 }),
        (chunks, partSize) => {
          const parts = [...encodeIntoParts(chunks, partSize)];
          const joined = Buffer.concat(parts.map((p) => Buffer.from(p)));
          expect(joined.equals(Buffer.from(new TextEncoder().encode(chunks.join(''))))).toBe(true);
          parts.forEach((part, i) => {
            expect(part.byteLength).toBeGreaterThan(0);
            if (i < parts.length - 1) {
              expect(part.byteLength).toBeGreaterThanOrEqual(partSize);
              expect(part.byteLength).toBeLessThanOrEqual(partSize + 3);
            }
          });
        },
      ),
    );
  });

  test('a multi-byte character is never split between parts', () => {
    const parts = [...encodeIntoParts(['a€€'], 2)];
    expect(parts.map((p) => text(p))).toEqual(['a€', '€']);
  });

  test('no chunks give no parts', () => {
    expect([...encodeIntoParts(['', ''], 4)]).toEqual([]);
  });
});

describe('copy', () => {
  test('copies with the source version id', async () => {
    s3Mock.on(CopyObjectCommand).resolves({});
    await new S3ObjectStore(client).copy(
      { bucket: 'src', key: 'models/v1/m.json', versionId: 'abc' },
      { bucket: 'dst', key: 'p/m.json' },
    );
    expect(s3Mock.commandCalls(CopyObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'dst',
      Key: 'p/m.json',
      CopySource: 'src/models/v1/m.json?versionId=abc',
    });
  });

  test('copySource escapes characters that would break the header but keeps slashes and colons', () => {
    expect(copySource('b', 'a b/2020-01-02T03:04:05Z/x+y?#&ü.csv')).toBe(
      'b/a%20b/2020-01-02T03:04:05Z/x%2By%3F%23%26%C3%BC.csv',
    );
  });
});

describe('list', () => {
  test('follows continuation tokens over every page', async () => {
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({
        Contents: [{ Key: 'p/a' }, { Key: 'p/b' }],
        IsTruncated: true,
        NextContinuationToken: 't1',
      })
      .resolvesOnce({ Contents: [{ Key: 'p/c' }], IsTruncated: false });
    expect(await new S3ObjectStore(client).list('b', 'p/')).toEqual(['p/a', 'p/b', 'p/c']);
    const inputs = s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'b', Prefix: 'p/' },
      { Bucket: 'b', Prefix: 'p/', ContinuationToken: 't1' },
    ]);
  });

  test('an empty prefix listing is an empty array', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0, IsTruncated: false });
    expect(await new S3ObjectStore(client).list('b', 'none/')).toEqual([]);
  });
});
