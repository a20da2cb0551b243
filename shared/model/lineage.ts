/**
 * Reproducible lineage (decision 22): the manifest of what a model was trained on — each gold object's
 * key, version id (where the store keeps versions), ETag and the SHA-256 of the bytes read — and the
 * training settings, so the model can be trained again from exactly those bytes and compared with
 * the registered artifact.
 *
 * The manifest is an artifact object of its own (`models/<version>/lineage.json`; `lineage.json`
 * beside a `finml train` model.json): at 5,000 symbols it holds ≈ 1 MB, far past DynamoDB's 400 KB
 * item limit, so the registry keeps only its key, hash and object count.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { type DataConfig, dataConfigSchema, type ModelConfig, modelConfigSchema } from '#config/schema';
import type { DriftCalibrationOptions } from '#shared/monitoring/drift-calibration';
import { parseModelJson, stringifyModelJson } from './model-json.ts';

export const LINEAGE_KIND = 'finml-lineage';
export const LINEAGE_SCHEMA_VERSION = 1;

export class LineageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LineageError';
  }
}

/** A recorded object's bytes are not the bytes recorded (changed, truncated, or another version). */
export class LineageIntegrityError extends LineageError {
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
    this.name = 'LineageIntegrityError';
  }
}

/** One gold object a model was trained on. */
export interface LineageObject {
  /** The object's key in the gold bucket (for `finml train`: the gold file's path as given). */
  key: string;
  /** The version read, where the store keeps versions (S3 with versioning); absent otherwise. */
  versionId?: string;
  /** The ETag of the object read (no quotes). */
  etag: string;
  /** SHA-256 (hex) of the bytes read, computed while they streamed in. */
  sha256: string;
  bytes: number;
  rows: number;
  /**
   * Where a copy of those exact bytes is kept when the store has no versions (local S3 server, file
   * store, `finml train`): a key of the artifacts bucket, or a path relative to the model's folder.
   */
  snapshot?: string;
}

/** What training was given besides the gold: enough to run it again after the config changed. */
export interface TrainingSettings {
  data: DataConfig;
  model: ModelConfig;
  psiBins: number | null;
  driftCalibration: DriftCalibrationOptions | null;
  /** The production model whose HMM states the new fit was matched to (hmm-stability.ts), or null. */
  previousHmmVersion: string | null;
}

export interface LineageManifest {
  kind: typeof LINEAGE_KIND;
  schemaVersion: typeof LINEAGE_SCHEMA_VERSION;
  modelVersion: string;
  createdAt: string;
  configHash: string;
  codeVersion: string;
  training: TrainingSettings;
  gold: LineageObject[];
}

const objectSchema = z.strictObject({
  key: z.string().min(1),
  versionId: z.string().min(1).optional(),
  etag: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  bytes: z.number().int().min(0),
  rows: z.number().int().min(0),
  snapshot: z.string().min(1).optional(),
});

const manifestSchema = z.strictObject({
  kind: z.literal(LINEAGE_KIND),
  schemaVersion: z.literal(LINEAGE_SCHEMA_VERSION),
  modelVersion: z.string().min(1),
  createdAt: z.string().min(1),
  configHash: z.string(),
  codeVersion: z.string(),
  training: z.strictObject({
    data: dataConfigSchema,
    model: modelConfigSchema,
    psiBins: z.number().int().min(1).nullable(),
    driftCalibration: z
      .strictObject({
        windowRows: z.number(),
        quantile: z.number(),
        minChunks: z.number(),
        features: z.array(z.string()),
        psiBins: z.number(),
        psiFloor: z.number(),
      })
      .nullable(),
    previousHmmVersion: z.string().nullable(),
  }),
  gold: z.array(objectSchema),
});

/** The manifest as stored (the artifact's JSON conventions: ±Infinity as strings). */
export function serializeLineage(manifest: LineageManifest): string {
  return `${stringifyModelJson(manifest)}\n`;
}

/** Parses and checks a manifest; a bad one fails with LineageError naming the source and the field. */
export function parseLineage(text: string, source: string): LineageManifest {
  let raw: unknown;
  try {
    raw = parseModelJson(text);
  } catch (cause) {
    throw new LineageError(`${source}: not JSON (${(cause as Error).message})`, { cause });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LineageError(
      `${source}: not a FINML lineage manifest: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data as LineageManifest;
}

/** Reads a stream to the end, hashing each chunk as it arrives (one pass over the bytes). */
export async function readHashed(
  stream: AsyncIterable<Uint8Array>,
): Promise<{ bytes: Uint8Array; sha256: string }> {
  const hash = createHash('sha256');
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    chunks.push(chunk);
    length += chunk.length;
  }
  const bytes = chunks.length === 1 ? chunks[0]! : new Uint8Array(length);
  if (chunks.length !== 1) {
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.length;
    }
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Checks bytes fetched for a recorded object: the same length and SHA-256, or a LineageIntegrityError naming it. */
export function verifyObject(object: LineageObject, bytes: Uint8Array, from: string): void {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== object.sha256 || bytes.length !== object.bytes) {
    throw new LineageIntegrityError(
      `${object.key}${object.versionId === undefined ? '' : ` (version ${object.versionId})`}: the bytes read from ${from} are not the bytes the model was trained on (SHA-256 ${sha256}, ${bytes.length} bytes; recorded ${object.sha256}, ${object.bytes} bytes)`,
      object.key,
    );
  }
}

/**
 * The artifact fields a faithful re-training may change, and why:
 * - `version`: a hash over the counts, lineage (code version included) and the training time;
 * - `createdAt`: the time of the training;
 * - `lineage.codeVersion`: the code that ran the re-training (shown beside the verdict).
 * Everything else — every fitted number, evaluation, reference, note and the lineage of the data —
 * must be equal.
 */
export const REPRODUCTION_IGNORED: readonly string[] = ['version', 'createdAt', 'lineage.codeVersion'];

export type ArtifactComparison =
  | { equal: true }
  | { equal: false; path: string; registered: unknown; reproduced: unknown };

/**
 * Compares two artifacts as canonical JSON (both in their stored form: the same key order does not
 * matter, ±Infinity as strings), skipping the `ignored` paths; the first difference in key order.
 */
export function compareArtifacts(
  registered: unknown,
  reproduced: unknown,
  ignored: readonly string[] = REPRODUCTION_IGNORED,
): ArtifactComparison {
  const canonical = (v: unknown) => parseModelJson(stringifyModelJson(v)) as unknown;
  const skip = new Set(ignored);
  const walk = (a: unknown, b: unknown, path: string): ArtifactComparison => {
    if (skip.has(path)) return { equal: true };
    const differ = { equal: false as const, path: path || '(root)', registered: a, reproduced: b };
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b)) return differ;
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (i >= a.length || i >= b.length)
          return { ...differ, path: `${path}[${i}]`, registered: a[i], reproduced: b[i] };
        const r = walk(a[i], b[i], `${path}[${i}]`);
        if (!r.equal) return r;
      }
      return { equal: true };
    }
    if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      const names = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
      for (const name of names) {
        const p = path === '' ? name : `${path}.${name}`;
        if (!(name in ao) || !(name in bo)) {
          if (skip.has(p)) continue;
          return { equal: false, path: p, registered: ao[name], reproduced: bo[name] };
        }
        const r = walk(ao[name], bo[name], p);
        if (!r.equal) return r;
      }
      return { equal: true };
    }
    return Object.is(a, b) ? { equal: true } : differ;
  };
  return walk(canonical(registered), canonical(reproduced), '');
}
