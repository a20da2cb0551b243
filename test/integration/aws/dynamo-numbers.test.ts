/**
 * The record codec at DynamoDB's number limits, on dynalite through the real adapters: a number
 * DynamoDB cannot store fails a plain write, and goes through the registry and the prediction log
 * as a tagged string that reads back as the same double.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DYNAMO_MIN_MAGNITUDE,
  decodeNumbers,
  encodeNumbers,
  isStorableNumber,
  needsTag,
} from '#shared/aws/dynamo-numbers';
import { DynamoPredictionLog } from '#shared/aws/dynamo-predictions';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { type LocalDynamo, startLocalDynamo } from '../../helpers/local-aws.ts';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

/** The doubles next to each limit (the literal 9.999999999999999e125 would round up to 1e126). */
const next = (x: number, step: bigint) => {
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0]! += step;
  return new Float64Array(bits.buffer)[0]!;
};
const SMALLEST_ABOVE_1E_130 = next(1e-130, 1n);
const LARGEST_BELOW_1E126 = next(1e126, -1n);
const LARGEST_BELOW_1E_130 = next(1e-130, -1n);
/** Numbers at and beyond each limit, with whether DynamoDB stores them as numbers. */
const LIMITS: [number, boolean][] = [
  [0, true],
  [-0, true],
  [DYNAMO_MIN_MAGNITUDE, true],
  [-DYNAMO_MIN_MAGNITUDE, true],
  [SMALLEST_ABOVE_1E_130, true],
  [LARGEST_BELOW_1E_130, false],
  [-LARGEST_BELOW_1E_130, false],
  [9.99e-131, false],
  [-9.99e-131, false],
  [1e-200, false],
  [Number.MIN_VALUE, false],
  [LARGEST_BELOW_1E126, true],
  [-LARGEST_BELOW_1E126, true],
  [1e126, false],
  [-1e126, false],
  [Number.MAX_VALUE, false],
  [Number.POSITIVE_INFINITY, false],
  [Number.NEGATIVE_INFINITY, false],
  [Number.NaN, false],
  [0.1 + 0.2, true],
];

describe('DynamoDB number limits', () => {
  test('isStorableNumber matches what dynalite accepts, at each limit', async () => {
    for (const [x, storable] of LIMITS) {
      expect(isStorableNumber(x), String(x)).toBe(storable);
      if (!Number.isFinite(x)) continue; // a number attribute cannot even spell NaN/±∞
      const write = dynamo.client.send(
        new PutItemCommand({
          TableName: dynamo.tables.registry,
          Item: { pk: { S: 'LIMIT' }, sk: { S: String(x) }, x: { N: String(x) } },
        }),
      );
      if (storable) await expect(write, String(x)).resolves.toBeDefined();
      else await expect(write, String(x)).rejects.toThrow(/Number (underflow|overflow)/);
    }
  });

  test('encode → decode gives back every number (NaN as NaN, −0 as 0), deep in arrays and maps', () => {
    const record = { values: LIMITS.map(([x]) => x), nested: { p: 1e-300, q: [Number.NaN, { r: -1e200 }] } };
    const encoded = encodeNumbers(record);
    expect(encoded.nested.p).toEqual({ $number: '1e-300' });
    // Tagged: what DynamoDB refuses, and the magnitudes the document client refuses (> 2^53 − 1).
    expect(encoded.values.map((v) => typeof v === 'object')).toEqual(LIMITS.map(([x]) => needsTag(x)));
    expect(LIMITS.filter(([x, storable]) => storable && needsTag(x)).map(([x]) => x)).toEqual([
      LARGEST_BELOW_1E126,
      -LARGEST_BELOW_1E126,
    ]);
    const decoded = decodeNumbers(encoded);
    expect(decoded.values).toEqual(LIMITS.map(([x]) => x));
    expect(decoded.nested).toEqual(record.nested);
    const bytes = new Uint8Array([1, 2, 3]);
    expect(encodeNumbers({ bytes }).bytes).toBe(bytes);
  });

  test('registry records, events, claims and prediction entries store and read back any number', async () => {
    const registry = new DynamoModelRegistry(dynamo.documentClient, dynamo.tables.registry);
    const values = LIMITS.map(([x]) => x);
    await registry.putRecord('drift', { id: 'v1', at: '2026-01-01T00:00:00.000Z', ksP: 1e-200, values });
    const [record] = await registry.listRecords('drift');
    expect(record).toMatchObject({ ksP: 1e-200 });
    expect(record!.values).toEqual(values.map((x) => (Object.is(x, -0) ? 0 : x)));

    await registry.appendEvent({
      at: '2026-01-01T00:00:00.000Z',
      kind: 'registered',
      version: 'v1',
      previousVersion: null,
      reason: 'limits',
      details: { p: 5e-324, statistic: Number.POSITIVE_INFINITY },
    });
    expect((await registry.listEvents(1))[0]!.details).toEqual({
      p: 5e-324,
      statistic: Number.POSITIVE_INFINITY,
    });
    expect(await registry.claim('limits', { score: Number.NaN })).toBe(true);

    const log = new DynamoPredictionLog(dynamo.documentClient, dynamo.tables.predictions);
    const entry = {
      requestId: 'r1',
      at: '2026-01-01T00:00:00.000Z',
      symbol: 'X',
      modelVersion: 'v1',
      arm: 'production' as const,
      fromState: 0,
      fromDate: '2025-12-31',
      horizon: 1,
      nextDay: [1 - 1e-140, 1e-140, 0],
      outcome: { state: 0, date: '2026-01-02' },
      expiresAt: 4_000_000_000,
    };
    await log.put(entry);
    expect(await log.withOutcomes(1)).toEqual([entry]);
  });
});
