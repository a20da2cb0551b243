/**
 * The lineage manifest (decision 22): parsed strictly with errors naming the field, hashes computed
 * while streaming equal the hash of the whole, a changed byte is named by its key, and the artifact
 * comparison skips exactly the listed fields and names the first difference.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '#config/load';
import {
  compareArtifacts,
  LINEAGE_KIND,
  LINEAGE_SCHEMA_VERSION,
  LineageError,
  LineageIntegrityError,
  type LineageManifest,
  parseLineage,
  REPRODUCTION_IGNORED,
  readHashed,
  serializeLineage,
  verifyObject,
} from '#shared/model/lineage';
import { calibrationOptions } from '#shared/monitoring/drift-calibration';

const { config } = loadConfig();
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function manifest(): LineageManifest {
  const bytes = new TextEncoder().encode('date,x\n2020-01-02,1\n');
  return {
    kind: LINEAGE_KIND,
    schemaVersion: LINEAGE_SCHEMA_VERSION,
    modelVersion: '20260601T010000-0a1b2c3d',
    createdAt: '2026-06-01T01:00:00.000Z',
    configHash: 'c'.repeat(64),
    codeVersion: 'abc',
    training: {
      data: config.data,
      model: config.model,
      psiBins: config.monitoring.drift.psi.bins,
      driftCalibration: calibrationOptions(config.monitoring),
      previousHmmVersion: null,
    },
    gold: [
      {
        key: 'features/symbol=A/gold.csv',
        versionId: 'v1',
        etag: 'e',
        sha256: sha(bytes),
        bytes: bytes.length,
        rows: 1,
      },
      {
        key: 'features/symbol=B/gold.csv',
        etag: 'e2',
        sha256: sha(bytes),
        bytes: bytes.length,
        rows: 1,
        snapshot: 'lineage/sha256/x',
      },
    ],
  };
}

describe('the lineage manifest', () => {
  test('round-trips through its stored form, the full training config included', () => {
    const m = manifest();
    expect(parseLineage(serializeLineage(m), 'm.json')).toEqual(m);
  });

  test('a bad manifest fails naming the source and the field', () => {
    const m = manifest() as unknown as { gold: { sha256: string }[] };
    m.gold[1]!.sha256 = 'not-hex';
    expect(() => parseLineage(JSON.stringify(m), 'models/v/lineage.json')).toThrowError(
      new LineageError(
        'models/v/lineage.json: not a FINML lineage manifest: gold.1.sha256: must be 64 lowercase hex digits',
      ),
    );
    expect(() => parseLineage('{', 'x.json')).toThrowError(/^x\.json: not JSON/);
    const noModel = { ...manifest(), training: { ...manifest().training, model: undefined } };
    expect(() => parseLineage(JSON.stringify(noModel), 'x.json')).toThrowError(/training\.model/);
  });
});

describe('hashing while streaming', () => {
  test('readHashed gives the bytes and the SHA-256 of the whole, however the stream is cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), async (chunks) => {
        const { bytes, sha256 } = await readHashed(
          (async function* () {
            yield* chunks;
          })(),
        );
        const whole = Buffer.concat(chunks);
        expect(Buffer.from(bytes).equals(whole)).toBe(true);
        expect(sha256).toBe(sha(whole));
      }),
    );
  });

  test('verifyObject accepts the recorded bytes and names the key (and version) of changed ones', () => {
    const m = manifest();
    const good = new TextEncoder().encode('date,x\n2020-01-02,1\n');
    expect(() => verifyObject(m.gold[0]!, good, 's3://gold/a')).not.toThrow();
    const bad = good.slice();
    bad[bad.length - 2] = '2'.charCodeAt(0);
    const error = (() => {
      try {
        verifyObject(m.gold[0]!, bad, 's3://gold/a');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(LineageIntegrityError);
    expect((error as LineageIntegrityError).key).toBe('features/symbol=A/gold.csv');
    expect((error as Error).message).toMatch(
      /^features\/symbol=A\/gold\.csv \(version v1\): the bytes read from s3:\/\/gold\/a are not the bytes the model was trained on/,
    );
    expect(() => verifyObject(m.gold[0]!, good.subarray(1), 'f')).toThrowError(LineageIntegrityError);
  });
});

describe('comparing artifacts', () => {
  const artifact = {
    version: 'v1',
    createdAt: 't1',
    markov: {
      transitionMatrix: [
        [0.5, 0.5],
        [0.25, 0.75],
      ],
      sojourn: [Infinity, 2],
    },
    lineage: { codeVersion: 'a', rows: 10 },
  };

  test('the listed fields are ignored and nothing else; key order does not matter', () => {
    expect(REPRODUCTION_IGNORED).toEqual(['version', 'createdAt', 'lineage.codeVersion']);
    const other = {
      lineage: { rows: 10, codeVersion: 'b' },
      markov: {
        sojourn: [Infinity, 2],
        transitionMatrix: [
          [0.5, 0.5],
          [0.25, 0.75],
        ],
      },
      createdAt: 't2',
      version: 'v2',
    };
    expect(compareArtifacts(artifact, other)).toEqual({ equal: true });
  });

  test('the first difference is named by its path, to the last bit of a number', () => {
    const other = structuredClone(artifact);
    other.markov.transitionMatrix[1]![0] = 0.25 + 2 ** -54;
    expect(compareArtifacts(artifact, other)).toEqual({
      equal: false,
      path: 'markov.transitionMatrix[1][0]',
      registered: 0.25,
      reproduced: 0.25 + 2 ** -54,
    });
    expect(compareArtifacts(artifact, { ...artifact, extra: 1 })).toMatchObject({
      equal: false,
      path: 'extra',
    });
    const shorter = { ...artifact, markov: { ...artifact.markov, sojourn: [Infinity] } };
    expect(compareArtifacts(artifact, shorter)).toMatchObject({ equal: false, path: 'markov.sojourn[1]' });
    expect(compareArtifacts(artifact, { ...artifact, version: 'x' }, [])).toMatchObject({ path: 'version' });
  });
});
