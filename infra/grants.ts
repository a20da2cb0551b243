/**
 * What each function of the stack may touch (infra/stack.ts binds them; FinmlFunction turns them into
 * IAM statements): the lake's buckets, the two tables, the alert topic. Kept apart from the stack so
 * that test/integration/usecases/grants.test.ts can run the functions' handlers on ports that refuse
 * anything these grants do not allow, as IAM would — the local runtime enforces no IAM.
 */

/** `read`: GetObject (and HeadObject); `write`: PutObject (a copy's destination too); both. */
export type Access = 'read' | 'write' | 'readWrite';

export interface Grants {
  bronze?: Access;
  silver?: Access;
  gold?: Access;
  artifacts?: Access;
  quarantine?: Access;
  registry?: Access;
  predictions?: Access;
  publish?: boolean;
  /** Registers models: legal holds on the gold versions they were trained on (decision 22). */
  holdGold?: boolean;
  /** Deletes what a run staged (DeleteObject under `staging/` of the silver and gold buckets). */
  deleteStaging?: boolean;
  /** Writes operators' retraining requests (PutObject under `requests/retraining/` of artifacts only). */
  requestRetraining?: boolean;
}

export const FUNCTION_GRANTS = {
  Claim: { registry: 'readWrite' },
  // The bronze quality report beside the run (gold runs/).
  ValidateBronze: { bronze: 'read', gold: 'write', registry: 'readWrite' },
  // Staged rows in silver; the file's source record beside the run (gold runs/).
  // Stages each symbol's cleaned rows, and deletes them again when the file fails the silver gate.
  CleanToSilver: {
    bronze: 'read',
    silver: 'readWrite',
    gold: 'readWrite',
    registry: 'readWrite',
    deleteStaging: true,
  },
  // Reads the silver and the staged rows; stages the merged silver and the gold; the symbol's lease.
  GoldForSymbol: { silver: 'readWrite', gold: 'readWrite', artifacts: 'read', registry: 'readWrite' },
  // The gold gate; publishes the staged silver and gold (copies, a merge again), deletes the staging.
  // (A merge again builds gold as GoldForSymbol does: under scoring.mode reference, from the model.)
  ValidateGold: {
    silver: 'readWrite',
    gold: 'readWrite',
    artifacts: 'read',
    registry: 'readWrite',
    deleteStaging: true,
  },
  // Records outcomes under a lease (registry).
  RecordOutcomes: { gold: 'read', predictions: 'readWrite', registry: 'readWrite' },
  // Reads the lake and the model; writes its report and per-symbol statistics (gold runs/).
  DriftCheck: {
    gold: 'readWrite',
    artifacts: 'read',
    registry: 'readWrite',
    predictions: 'read',
    publish: true,
  },
  // The production model's HMM is the warm start of the new one (registry pointer); a training lease.
  // A lake over trainMaxGoldRows raises a pipelineFailed alert.
  Train: { gold: 'read', artifacts: 'readWrite', registry: 'readWrite', publish: true },
  Register: { artifacts: 'read', registry: 'readWrite', publish: true, holdGold: true },
  // Re-diagnoses the rejection (its bronze report beside the run), copies the object to quarantine.
  Quarantine: {
    bronze: 'read',
    gold: 'write',
    quarantine: 'readWrite',
    registry: 'readWrite',
    publish: true,
  },
  // Whether the run published (its markers in gold runs/), whether Quarantine reported it.
  PipelineFailed: { gold: 'read', quarantine: 'read', registry: 'readWrite', publish: true },
  // Serves from the registry's serving models only: no bucket (decision 6).
  Predict: { registry: 'read', predictions: 'readWrite' },
  Read: { gold: 'read', artifacts: 'read', registry: 'read' },
  // POST /admin/retry copies an object onto itself (same bytes); /admin/reproduce reads recorded gold;
  // a promotion or rollback by hand raises an alert (SNS); /admin/retrain writes a request object.
  Admin: {
    bronze: 'readWrite',
    gold: 'read',
    artifacts: 'read',
    registry: 'readWrite',
    publish: true,
    requestRetraining: true,
  },
  ScheduledDrift: {
    gold: 'readWrite',
    artifacts: 'readWrite',
    registry: 'readWrite',
    predictions: 'read',
    publish: true,
    holdGold: true,
  },
  ScheduledAbEvaluation: { artifacts: 'read', registry: 'readWrite', predictions: 'read', publish: true },
  ScheduledRetraining: {
    gold: 'read',
    artifacts: 'readWrite',
    registry: 'readWrite',
    publish: true,
    holdGold: true,
  },
  // Reads the request object (artifacts), then trains as the weekly job does.
  RequestedRetraining: {
    gold: 'read',
    artifacts: 'readWrite',
    registry: 'readWrite',
    publish: true,
    holdGold: true,
  },
} as const satisfies Record<string, Grants>;

export type FunctionName = keyof typeof FUNCTION_GRANTS;
