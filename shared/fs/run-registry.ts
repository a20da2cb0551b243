/**
 * The registry port for one `finml pipeline` process: the run's claims and records (quality reports,
 * alerts) kept in memory, for the command to summarise. It has no models: the pipeline's use cases
 * read the production pointer (none here, so regimes are scored as for a first model), and any
 * model-management call fails with a message naming the command that does it.
 */
import type { ServingModelRecord } from '#shared/model/serving-model';
import type {
  AlertState,
  LiveState,
  ModelPointer,
  ModelRegistry,
  ModelVersionRecord,
  PendingAlertQueue,
  RecordKind,
  RegistryEvent,
} from '#shared/ports';

type StoredRecord = { id: string; at: string } & Record<string, unknown>;

const noModels = (what: string) => (): never => {
  throw new Error(`${what}: the file-system pipeline keeps no model registry (train with "finml train")`);
};

export class RunRegistry implements ModelRegistry {
  readonly records = new Map<RecordKind, StoredRecord[]>();
  private readonly claims = new Map<string, Record<string, unknown>>();
  /** Each published symbol's newest gold row (the live state the cloud keeps for forecasts). */
  readonly live = new Map<string, LiveState>();

  async putLive(live: LiveState): Promise<void> {
    const current = this.live.get(live.symbol);
    if (current === undefined || current.date <= live.date) this.live.set(live.symbol, live);
  }
  async getLive(symbol: string): Promise<LiveState | undefined> {
    return this.live.get(symbol);
  }
  private readonly alertStates = new Map<string, AlertState>();
  async getAlertState(fingerprint: string): Promise<AlertState | undefined> {
    return this.alertStates.get(fingerprint);
  }
  async putAlertState(state: AlertState): Promise<void> {
    this.alertStates.set(state.fingerprint, state);
  }
  private readonly emailsPerDay = new Map<string, number>();
  async countAlertEmail(day: string): Promise<number> {
    const n = (this.emailsPerDay.get(day) ?? 0) + 1;
    this.emailsPerDay.set(day, n);
    return n;
  }
  private readonly pending = new Map<PendingAlertQueue, Map<string, StoredRecord>>();
  async putPendingAlert(queue: PendingAlertQueue, record: StoredRecord): Promise<void> {
    const q = this.pending.get(queue) ?? new Map<string, StoredRecord>();
    q.set(`${record.at}#${record.id}`, record);
    this.pending.set(queue, q);
  }
  async listPendingAlerts(queue: PendingAlertQueue): Promise<StoredRecord[]> {
    const q = this.pending.get(queue) ?? new Map<string, StoredRecord>();
    return [...q.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  }
  async deletePendingAlert(queue: PendingAlertQueue, record: { id: string; at: string }): Promise<void> {
    this.pending.get(queue)?.delete(`${record.at}#${record.id}`);
  }
  async listLive(): Promise<LiveState[]> {
    return [...this.live.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  async getPointer(): Promise<ModelPointer | undefined> {
    return undefined;
  }
  async getServingModel(): Promise<ServingModelRecord | undefined> {
    return undefined;
  }
  async getVersion(): Promise<ModelVersionRecord | undefined> {
    return undefined;
  }
  async listVersions(): Promise<ModelVersionRecord[]> {
    return [];
  }
  async listEvents(): Promise<RegistryEvent[]> {
    return [];
  }

  async claim(id: string, details: Record<string, unknown>): Promise<boolean> {
    const current = this.claims.get(id);
    if (current !== undefined && current.status !== 'failed') return false;
    this.claims.set(id, { ...details, status: 'claimed' });
    return true;
  }
  async failClaim(id: string, failure: Record<string, unknown>): Promise<boolean> {
    const current = this.claims.get(id);
    if (current === undefined) return false;
    this.claims.set(id, { ...current, ...failure, status: 'failed' });
    return true;
  }
  async getClaim(id: string): Promise<Record<string, unknown> | undefined> {
    return this.claims.get(id);
  }

  async putRecord(kind: RecordKind, record: StoredRecord): Promise<void> {
    const list = this.records.get(kind) ?? [];
    const at = list.findIndex((r) => r.id === record.id);
    if (at >= 0) list[at] = record;
    else list.push(record);
    this.records.set(kind, list);
  }
  async listRecords(kind: RecordKind, limit = 100): Promise<StoredRecord[]> {
    return [...(this.records.get(kind) ?? [])]
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
      .slice(0, limit);
  }

  putVersion = noModels('putVersion');
  setStage = noModels('setStage');
  putServingModel = noModels('putServingModel');
  movePointer = noModels('movePointer');
  clearPointer = noModels('clearPointer');
  appendEvent = noModels('appendEvent');
}
