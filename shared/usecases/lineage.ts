/**
 * Reproducible lineage (decision 22). Registration keeps what a model was trained on: a legal hold on
 * every gold object version its manifest names (S3 with Object Lock: a held version is never expired
 * by the lifecycle), or — where the store has no versions — the copy of the bytes training wrote to
 * the artifacts bucket. `reproduceModel` fetches those bytes, checks each one's SHA-256, trains again
 * with the recorded settings and compares the result with the registered artifact.
 */

import { sha256Hex } from '#shared/hash';
import { type ModelArtifact, parseArtifact, serializeArtifact } from '#shared/model/artifact';
import type { GaussianHmmParams } from '#shared/model/hmm';
import {
  type ArtifactComparison,
  compareArtifacts,
  LineageError,
  type LineageManifest,
  type LineageObject,
  parseLineage,
  REPRODUCTION_IGNORED,
  readHashed,
  verifyObject,
} from '#shared/model/lineage';
import { trainModel } from '#shared/model/train';
import { mapLimit } from './concurrency.ts';
import type { Context } from './lake.ts';
import { keys } from './lake.ts';
import { loadArtifact } from './models.ts';
import { NotFoundError } from './reads.ts';
import { goldTablesOf, trainingContext } from './training.ts';

/**
 * A model's manifest as stored, with the hash and object count the registry records of it; undefined
 * when the model has none (an artifact not written by trainFromLake, or one trained before lineage).
 */
export async function findManifest(
  ctx: Context,
  version: string,
): Promise<
  { manifest: LineageManifest; record: { key: string; sha256: string; objects: number } } | undefined
> {
  const key = keys.lineage(version);
  const text = await ctx.store.getText(ctx.buckets.artifacts, key);
  if (text === undefined) return undefined;
  const manifest = parseLineage(text, key);
  if (manifest.modelVersion !== version) {
    throw new LineageError(`${key} is the manifest of ${manifest.modelVersion}, not of ${version}`);
  }
  return { manifest, record: { key, sha256: sha256Hex(text), objects: manifest.gold.length } };
}

/**
 * Places a legal hold on every versioned gold object the manifest names, so the lifecycle's
 * noncurrent-version expiration never removes what a registered model was trained on. (Objects
 * without a version id were copied to the artifacts bucket when they were read; nothing to hold.)
 * Holding a version twice is harmless, so a retried registration is too.
 */
export async function retainLineage(ctx: Context, manifest: LineageManifest): Promise<number> {
  const versioned = manifest.gold.filter((o) => o.versionId !== undefined);
  // One request per version, several at once (5,000 symbols one by one would take minutes).
  await mapLimit(versioned, ctx.config.platform.pipeline.symbolConcurrency, (object) =>
    ctx.store.setLegalHold(ctx.buckets.gold, object.key, object.versionId!, true),
  );
  return versioned.length;
}

/** The outcome of a reproduction. */
export interface Reproduction {
  version: string;
  equal: boolean;
  /** The first difference in key order (absent when equal). */
  difference?: { path: string; registered: unknown; reproduced: unknown };
  /** The fields not compared (REPRODUCTION_IGNORED). */
  ignored: readonly string[];
  objects: number;
  rows: number;
  /** The recorded code version and the one that re-trained (a difference may explain a difference). */
  codeVersion: { recorded: string; reproduced: string };
  /** The version the re-training got (differs from `version` when the code version does). */
  reproducedVersion: string;
}

/**
 * Trains again from the manifest's objects and compares with the registered artifact. `fetch` gives
 * the bytes recorded for an object (by version id, or its snapshot) and says where it read them;
 * each is checked against its SHA-256 before it is used (LineageIntegrityError naming the key).
 */
export async function reproduceFromManifest(
  manifest: LineageManifest,
  registered: ModelArtifact,
  fetch: (object: LineageObject) => Promise<{ bytes: Uint8Array; from: string }>,
  options: {
    codeVersion: string;
    now: Date;
    previousHmm: { version: string; params: GaussianHmmParams } | null;
  },
): Promise<Reproduction> {
  const tables = [];
  const sources = [];
  for (const object of manifest.gold) {
    const { bytes, from } = await fetch(object);
    verifyObject(object, bytes, from);
    const read = await goldTablesOf(bytes, object.key);
    for (const t of read) tables.push(t);
    sources.push({ file: object.key, sha256: object.sha256, rows: object.rows });
  }
  const reproduced = trainModel(
    { tables, sources },
    trainingContext(manifest.training, options.previousHmm, {
      configHash: manifest.configHash,
      codeVersion: options.codeVersion,
      now: options.now,
    }),
  );
  // Both in their stored form: the registered artifact as read, the new one as it would be written.
  const comparison: ArtifactComparison = compareArtifacts(
    registered,
    parseArtifact(serializeArtifact(reproduced), 'the reproduced artifact'),
  );
  return {
    version: registered.version,
    equal: comparison.equal,
    ...(comparison.equal
      ? {}
      : {
          difference: {
            path: comparison.path,
            registered: comparison.registered,
            reproduced: comparison.reproduced,
          },
        }),
    ignored: REPRODUCTION_IGNORED,
    objects: manifest.gold.length,
    rows: tables.reduce((n, t) => n + t.length, 0),
    codeVersion: { recorded: manifest.codeVersion, reproduced: options.codeVersion },
    reproducedVersion: reproduced.version,
  };
}

/**
 * Reproduces a registered version from its lineage: the registry record must name the manifest and
 * its hash must match (a manifest changed after registration is refused); versioned objects are read
 * at their version from the gold bucket, the others from their snapshot in the artifacts bucket.
 */
export async function reproduceModel(
  ctx: Context,
  version: string,
  codeVersion: string,
): Promise<Reproduction> {
  const record = await ctx.registry.getVersion(version);
  if (record === undefined) throw new NotFoundError(`no model version ${version}`);
  if (record.lineage.manifest === undefined) {
    throw new LineageError(
      `model ${version} was registered without a lineage manifest (trained before lineage was recorded, or not by the pipeline): it cannot be reproduced`,
    );
  }
  const found = await findManifest(ctx, version);
  if (found === undefined) {
    throw new LineageError(`model ${version}: its lineage manifest ${record.lineage.manifest.key} is gone`);
  }
  const { manifest, record: stored } = found;
  if (stored.sha256 !== record.lineage.manifest.sha256) {
    throw new LineageError(
      `${stored.key} changed after model ${version} was registered (SHA-256 ${stored.sha256}, registered ${record.lineage.manifest.sha256})`,
    );
  }
  const registered = await loadArtifact(ctx, version);
  const previousHmm = await previousHmmOf(ctx, manifest);
  return reproduceFromManifest(
    manifest,
    registered,
    async (object) => {
      const bucket = object.versionId === undefined ? ctx.buckets.artifacts : ctx.buckets.gold;
      const key = object.versionId === undefined ? object.snapshot : object.key;
      if (key === undefined) {
        throw new LineageError(
          `${object.key}: recorded with neither a version id nor a snapshot of its bytes`,
        );
      }
      const from = `s3://${bucket}/${key}${object.versionId === undefined ? '' : `?versionId=${object.versionId}`}`;
      const read = await ctx.store.read(bucket, key, object.versionId);
      if (read === undefined) throw new LineageError(`${object.key}: ${from} is gone`);
      return { bytes: (await readHashed(read.body)).bytes, from };
    },
    { codeVersion, now: ctx.now(), previousHmm },
  );
}

/** The HMM the recorded training matched its states to (that model's artifact), or null. */
async function previousHmmOf(ctx: Context, manifest: LineageManifest) {
  const version = manifest.training.previousHmmVersion;
  if (version === null) return null;
  const previous = await loadArtifact(ctx, version);
  if (previous.hmm === null) throw new LineageError(`model ${version}, whose HMM training matched, has none`);
  return { version, params: previous.hmm.params };
}
