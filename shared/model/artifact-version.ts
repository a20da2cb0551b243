/**
 * The model artifact's kind and schema versions, in a module without the schema library, so that
 * `finml predict` (which checks only the part of model.json a forecast reads) refuses the same
 * versions `finml report` does.
 */
export const ARTIFACT_KIND = 'finml-regime-model';
export const ARTIFACT_SCHEMA_VERSION = 2;
/** Version 1 (sorted reference samples) is still read: its samples become exact summaries. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

/** Why an artifact of this `schemaVersion` cannot be read (naming `source`), or undefined when it can. */
export function schemaVersionProblem(source: string, schemaVersion: unknown): string | undefined {
  return READABLE_SCHEMA_VERSIONS.includes(schemaVersion as number)
    ? undefined
    : `${source}: artifact schema version ${JSON.stringify(schemaVersion)} is not supported (this FINML reads versions ${READABLE_SCHEMA_VERSIONS.join(' and ')}); retrain the model with this version`;
}
