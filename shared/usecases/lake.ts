/**
 * Where things live in the data lake (bucket names come from the environment; keys from here), and
 * the context every use case gets: the ports and the config.
 */
import type { FinmlConfig } from '#config/schema';
import type { AlertPublisher, LeaseStore, ModelRegistry, ObjectStore, PredictionLog } from '#shared/ports';

export interface Buckets {
  bronze: string;
  silver: string;
  gold: string;
  artifacts: string;
  quarantine: string;
}

export interface Context {
  store: ObjectStore;
  registry: ModelRegistry;
  predictions: PredictionLog;
  alerts: AlertPublisher;
  /** Per-symbol leases (./leases.ts). */
  leases: LeaseStore;
  buckets: Buckets;
  config: FinmlConfig;
  configHash: string;
  /** The dashboard's root URL, for links in e-mails (optional). */
  dashboardUrl?: string;
  now(): Date;
}

const part = (symbol: string) => encodeURIComponent(symbol);

/** Key layout of each bucket. */
export const keys = {
  /**
   * One silver partition per symbol, merging every accepted file: one Parquet file under a stable
   * key (its object versions are the partition's history).
   */
  silver: (symbol: string) => `market/symbol=${part(symbol)}/part-0000.parquet`,
  silverPrefix: 'market/',
  /** The risk-indicator table (silver bucket), merging every risk_indicators/ file (DOMAIN §1). */
  indicators: 'indicators/part-0000.parquet',
  /**
   * One gold partition per symbol, built from its silver history: one Parquet file under a stable
   * key (what a model's lineage names, with the object version it was trained on).
   */
  gold: (symbol: string) => `features/symbol=${part(symbol)}/part-0000.parquet`,
  goldPrefix: 'features/',
  /** A pipeline run's records (quality reports, metadata). */
  run: (runId: string, name: string) => `runs/${runId}/${name}`,
  /** The record of the run's index-th file (what metadata.json lists as its sources). */
  runSource: (runId: string, index: number) => `runs/${runId}/sources/${String(index).padStart(4, '0')}.json`,
  /**
   * What a run stages before its gates pass (silver and gold buckets alike): nothing under
   * `staging/` is a layer; a run that fails or dies leaves only this behind (expired by lifecycle).
   */
  staging: (runId: string) => `staging/${encodeURIComponent(runId)}/`,
  /**
   * One input file's cleaned rows of a symbol (index = the file's position in its run), as typed
   * arrays (shared/data/staged-rows.ts: scratch of the run, not Parquet).
   */
  stagedRows: (runId: string, symbol: string, index: number) =>
    `${keys.stagedRowsPrefix(runId, symbol)}rows-${String(index).padStart(4, '0')}.rows`,
  /**
   * A symbol's staged rows have a folder of their own (the gold step lists them per symbol: in one
   * folder for all symbols each listing would read every symbol's files); the rest of staging is flat.
   */
  stagedRowsPrefix: (runId: string, symbol: string) =>
    `staging/${encodeURIComponent(runId)}/market/symbol=${part(symbol)}/`,
  /** One risk-indicator file's table (index = the file's position in its run). */
  stagedIndicators: (runId: string, index: number) =>
    `staging/${encodeURIComponent(runId)}/indicators/table-${String(index).padStart(4, '0')}.parquet`,
  stagedIndicatorsPrefix: (runId: string) => `staging/${encodeURIComponent(runId)}/indicators/`,
  /**
   * A symbol's merged silver and its gold, staged by the gold step: flat, one folder per run and
   * kind (on a disk a folder per symbol is a mkdir and an rmdir more); "@" ends the URL-encoded
   * symbol (encodeURIComponent escapes "@"), so no symbol's key starts another's.
   */
  stagedSilver: (runId: string, symbol: string) =>
    `staging/${encodeURIComponent(runId)}/merged/market/${part(symbol)}@part-0000.parquet`,
  stagedGold: (runId: string, symbol: string) =>
    `staging/${encodeURIComponent(runId)}/merged/features/${part(symbol)}@part-0000.parquet`,
  model: (version: string) => `models/${version}/model.json`,
  /** A model's lineage manifest (shared/model/lineage.ts), beside its artifact. */
  lineage: (version: string) => `models/${version}/lineage.json`,
  /**
   * The exact bytes of a gold object read from a store without versions (artifacts bucket), named by
   * their SHA-256: written once however many models were trained on them (decision 22).
   */
  lineageSnapshot: (sha256: string) => `lineage/sha256/${sha256}`,
  /**
   * An operator's request to retrain now (POST /admin/retrain), artifacts bucket: its Object Created
   * event starts the retraining function (./retraining-requests.ts). Kept, as the request's record.
   */
  retrainingRequest: (at: string, id: string) => `${keys.retrainingRequestPrefix}${at}-${id}.json`,
  retrainingRequestPrefix: 'requests/retraining/',
  /** Written once a request's training ended (outside the request prefix: it starts nothing). */
  retrainingRequestHandled: (requestKey: string) =>
    `requests/handled/${requestKey.slice(keys.retrainingRequestPrefix.length)}`,
  quarantined: (runId: string, key: string) => `${runId}/${key}`,
  quarantineReport: (runId: string, key: string) => `${runId}/${key}.report.json`,
};

/** The symbol of a silver or gold partition key. */
export function symbolOfKey(key: string): string | undefined {
  const m = /symbol=([^/]+)\//.exec(key);
  return m ? decodeURIComponent(m[1]!) : undefined;
}
