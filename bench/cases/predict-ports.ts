/**
 * In-memory ports for the predict case: just enough of the object store, the registry and the
 * prediction log for `servePrediction`. The log serialises every entry to JSON (the work a
 * DynamoDB put does before the network) and keeps the last few, so memory stays flat.
 */
import type { FinmlConfig } from '#config/schema';
import type { ServingModelRecord } from '#shared/model/serving-model';
import type {
  AlertPublisher,
  ModelPointer,
  ModelRegistry,
  ObjectStore,
  PointerName,
  PredictionLog,
  PredictionLogEntry,
} from '#shared/ports';
import { type Context, keys } from '#shared/usecases/lake';
import { ProcessLeaseStore } from '#shared/usecases/leases';

const notUsed = (what: string) => (): never => {
  throw new Error(`${what} is not used by the predict benchmark`);
};

/** Objects as strings in a map (getText is all serving needs). */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, string>();
  async get(bucket: string, key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const text = this.objects.get(`${bucket}/${key}`);
    if (text === undefined) return undefined;
    const bytes = new TextEncoder().encode(text);
    return (async function* () {
      yield bytes;
    })();
  }
  async getText(bucket: string, key: string): Promise<string | undefined> {
    return this.objects.get(`${bucket}/${key}`);
  }
  async put(bucket: string, key: string, body: string | Uint8Array | Iterable<string>): Promise<void> {
    const text =
      typeof body === 'string'
        ? body
        : body instanceof Uint8Array
          ? new TextDecoder().decode(body)
          : [...body].join('');
    this.objects.set(`${bucket}/${key}`, text);
  }
  read = notUsed('ObjectStore.read');
  setLegalHold = notUsed('ObjectStore.setLegalHold');
  copy = notUsed('ObjectStore.copy');
  head = notUsed('ObjectStore.head');
  delete = notUsed('ObjectStore.delete');
  deleteMany = notUsed('ObjectStore.deleteMany');
  list = notUsed('ObjectStore.list');
  listEtags = notUsed('ObjectStore.listEtags');
}

/** Pointers and serving models only. */
export class MemoryRegistry implements ModelRegistry {
  readonly pointers = new Map<PointerName, ModelPointer>();
  readonly servingModels = new Map<string, ServingModelRecord>();
  async getPointer(name: PointerName): Promise<ModelPointer | undefined> {
    return this.pointers.get(name);
  }
  async getServingModel(version: string): Promise<ServingModelRecord | undefined> {
    return this.servingModels.get(version);
  }
  async putServingModel(model: ServingModelRecord): Promise<void> {
    this.servingModels.set(model.version, model);
  }
  /** No live state: forecasts start from the model's latest regimes (as for older models). */
  async getLive(): Promise<undefined> {
    return undefined;
  }
  putLive = notUsed('ModelRegistry.putLive');
  listLive = notUsed('ModelRegistry.listLive');
  putPendingAlert = notUsed('ModelRegistry.putPendingAlert');
  listPendingAlerts = notUsed('ModelRegistry.listPendingAlerts');
  deletePendingAlert = notUsed('ModelRegistry.deletePendingAlert');
  getAlertState = notUsed('ModelRegistry.getAlertState');
  putAlertState = notUsed('ModelRegistry.putAlertState');
  countAlertEmail = notUsed('ModelRegistry.countAlertEmail');
  putVersion = notUsed('ModelRegistry.putVersion');
  getVersion = notUsed('ModelRegistry.getVersion');
  listVersions = notUsed('ModelRegistry.listVersions');
  setStage = notUsed('ModelRegistry.setStage');
  movePointer = notUsed('ModelRegistry.movePointer');
  clearPointer = notUsed('ModelRegistry.clearPointer');
  appendEvent = notUsed('ModelRegistry.appendEvent');
  listEvents = notUsed('ModelRegistry.listEvents');
  claim = notUsed('ModelRegistry.claim');
  failClaim = notUsed('ModelRegistry.failClaim');
  getClaim = notUsed('ModelRegistry.getClaim');
  putRecord = notUsed('ModelRegistry.putRecord');
  listRecords = notUsed('ModelRegistry.listRecords');
}

/** Serialises each entry and keeps the last `capacity` of them. */
export class MemoryPredictionLog implements PredictionLog {
  private readonly items: string[];
  private next = 0;
  count = 0;
  constructor(capacity = 1024) {
    this.items = new Array<string>(capacity);
  }
  async put(entry: PredictionLogEntry): Promise<boolean> {
    this.items[this.next] = JSON.stringify(entry);
    this.next = (this.next + 1) % this.items.length;
    this.count++;
    return true;
  }
  /** The most recent entry, parsed. */
  last(): PredictionLogEntry | undefined {
    const text = this.items[(this.next - 1 + this.items.length) % this.items.length];
    return text === undefined ? undefined : (JSON.parse(text) as PredictionLogEntry);
  }
  pendingOutcomes = notUsed('PredictionLog.pendingOutcomes');
  setOutcome = notUsed('PredictionLog.setOutcome');
  withOutcomes = notUsed('PredictionLog.withOutcomes');
}

const noAlerts: AlertPublisher = { publish: notUsed('AlertPublisher.publish') };

export interface ServedModel {
  version: string;
  /** The artifact's JSON text (as stored in the artifacts bucket). */
  text: string;
}

/**
 * A use-case context whose registry points production (and optionally the candidate, with its
 * traffic share) at the given artifacts.
 */
export function memoryContext(
  config: FinmlConfig,
  production: ServedModel,
  candidate?: ServedModel & { trafficShare: number },
): { ctx: Context; log: MemoryPredictionLog } {
  const store = new MemoryObjectStore();
  const registry = new MemoryRegistry();
  const log = new MemoryPredictionLog();
  const buckets = {
    bronze: 'bronze',
    silver: 'silver',
    gold: 'gold',
    artifacts: 'artifacts',
    quarantine: 'quarantine',
  };
  const pointer = (version: string, trafficShare?: number): ModelPointer => ({
    version,
    revision: 1,
    previousVersion: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    reason: 'benchmark',
    ...(trafficShare === undefined ? {} : { trafficShare }),
  });
  for (const m of [production, ...(candidate ? [candidate] : [])]) {
    store.objects.set(`${buckets.artifacts}/${keys.model(m.version)}`, m.text);
  }
  registry.pointers.set('production', pointer(production.version));
  if (candidate) registry.pointers.set('candidate', pointer(candidate.version, candidate.trafficShare));
  const ctx: Context = {
    store,
    registry,
    predictions: log,
    alerts: noAlerts,
    leases: new ProcessLeaseStore(),
    buckets,
    config,
    configHash: 'benchmark',
    now: () => new Date(),
  };
  return { ctx, log };
}
