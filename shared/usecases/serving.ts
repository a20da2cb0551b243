/**
 * Serving forecasts: the production model answers, or — for a deterministic share of requests —
 * the A/B candidate. The models in service are kept in memory and the pointers re-read at most
 * every `cacheSeconds`, so a promotion or rollback is picked up within that time. Every answer is
 * logged (with the other arm's one-day forecast for the same request: shadow scoring) for live
 * accuracy and the A/B test.
 *
 * A model is served from its serving model (shared/model/serving-model.ts: a few KiB, written by
 * registration into the registry table), never from the full artifact when there is one. Models
 * registered before serving models existed fall back to their artifact where the context has the
 * artifacts bucket (the local runtime, tests); the /predict Lambda has no S3 client at all (cold
 * start, docs/decisions/0006-predict-cold-start.md) and answers 503 for such a model until
 * registration or an admin action writes its serving model (`ensureServingModel`, ./models.ts).
 *
 * This module is on the /predict cold-start path: it imports no schema library and no SDK.
 */
import { createHash } from 'node:crypto';
import { ownEntry } from '#shared/identifiers';
import { matrixPower } from '#shared/model/linalg';
import { parseModelJson } from '#shared/model/model-json';
import { type LiveStart, PredictInputError, type Prediction, predict } from '#shared/model/predict';
import {
  checkServingModel,
  type ServingModel,
  ServingModelError,
  servingModelOf,
} from '#shared/model/serving-model';
import type { ModelPointer, ModelRegistry, ObjectStore, PredictionLog } from '#shared/ports';
import { type Buckets, keys } from './lake.ts';

export class NoModelError extends Error {
  constructor() {
    super('no model in production yet: drop a market CSV into the bronze bucket to train one');
    this.name = 'NoModelError';
  }
}

/** A model in service has no serving model, and this context cannot read its artifact. */
export class ServingModelMissingError extends Error {
  constructor(version: string) {
    super(
      `model ${version} has no serving model (it was registered by an older FINML): register a model ` +
        `again, or promote or roll back through /admin, to write it`,
    );
    this.name = 'ServingModelMissingError';
  }
}

/**
 * What serving needs: the pointers and serving models, the prediction log and a clock; `store` and
 * `buckets` are the fallback to the artifacts for models without a serving model. A use-case Context is a ServingContext.
 */
export interface ServingContext {
  registry: Pick<ModelRegistry, 'getPointer' | 'getServingModel' | 'getLive'>;
  predictions: Pick<PredictionLog, 'put'>;
  now(): Date;
  store?: Pick<ObjectStore, 'getText'>;
  buckets?: Pick<Buckets, 'artifacts'>;
}

/**
 * A version's serving model: from the registry's serving models, else projected from its artifact
 * (when the context can read artifacts), else ServingModelMissingError.
 */
export async function loadServingModel(ctx: ServingContext, version: string): Promise<ServingModel> {
  const stored = await ctx.registry.getServingModel(version);
  if (stored) return stored;
  if (ctx.store && ctx.buckets) {
    const key = keys.model(version);
    const text = await ctx.store.getText(ctx.buckets.artifacts, key);
    if (text === undefined) throw new Error(`model ${version} is registered but ${key} is missing`);
    return servingModelOfArtifactText(text, key);
  }
  throw new ServingModelMissingError(version);
}

/**
 * The serving projection of an artifact's JSON (the artifact was validated when it was registered;
 * the projection is checked again here). `source` is named in errors.
 */
export function servingModelOfArtifactText(text: string, source: string): ServingModel {
  let artifact: unknown;
  try {
    artifact = parseModelJson(text);
  } catch (cause) {
    throw new ServingModelError(`${source}: not JSON (${(cause as Error).message})`, { cause });
  }
  // ARTIFACT_KIND of shared/model/artifact.ts, whose zod schema this module does not load.
  if ((artifact as { kind?: unknown } | null)?.kind !== 'finml-regime-model') {
    throw new ServingModelError(`${source}: not a FINML model artifact`);
  }
  try {
    return checkServingModel(servingModelOf(artifact as ServingModel), source);
  } catch (error) {
    if (error instanceof ServingModelError) throw error;
    throw new ServingModelError(`${source}: not a servable model (${(error as Error).message})`, {
      cause: error,
    });
  }
}

export interface ServedPrediction extends Prediction {
  requestId: string;
  arm: 'production' | 'candidate';
}

interface Served {
  production: { pointer: ModelPointer; model: ServingModel };
  candidate?: { pointer: ModelPointer; model: ServingModel };
  checkedAt: number;
}

/**
 * The models in service of each context (keyed by its registry): a warm Lambda keeps its context,
 * so its models; a new context — another local runtime, a test — starts with none.
 */
const servedBy = new WeakMap<ServingContext['registry'], Served>();
/** The re-read of each context's pointers under way: the requests meanwhile wait for this one. */
const refreshing = new WeakMap<ServingContext['registry'], Promise<Served>>();

/**
 * The models in service, re-reading the pointers at most every `cacheSeconds` — one re-read at a
 * time, which every request arriving meanwhile waits for (not one each: at thousands of requests a
 * second that would be a burst of reads). From `refreshAheadSeconds` before they expire, the re-read
 * starts in the background while requests are still answered by the models kept, so that steady
 * traffic never waits for it (its age counts from when it started). A version already in service is
 * not loaded again (serving models are immutable per version).
 */
export function modelsInService(
  ctx: ServingContext,
  cacheSeconds: number,
  refreshAheadSeconds = 0,
): Promise<Served> {
  const served = servedBy.get(ctx.registry);
  if (served) {
    const age = ctx.now().getTime() - served.checkedAt;
    if (age < cacheSeconds * 1000) {
      if (age >= (cacheSeconds - refreshAheadSeconds) * 1000 && !refreshing.has(ctx.registry)) {
        // A failed background re-read is dropped: the next one, or the one at expiry, tries again.
        refresh(ctx, served).catch(() => {});
      }
      return Promise.resolve(served);
    }
  }
  return refreshing.get(ctx.registry) ?? refresh(ctx, served);
}

/** Starts the re-read of the context's models in service (the one under way is `refreshing`'s). */
function refresh(ctx: ServingContext, served: Served | undefined): Promise<Served> {
  const registry = ctx.registry;
  const read: Promise<Served> = readModelsInService(ctx, served).then(
    (next) => {
      // Kept unless the context's models were forgotten meanwhile (forgetModelsInService).
      if (refreshing.get(registry) === read) {
        servedBy.set(registry, next);
        refreshing.delete(registry);
      }
      return next;
    },
    (error: unknown) => {
      if (refreshing.get(registry) === read) refreshing.delete(registry);
      throw error;
    },
  );
  refreshing.set(registry, read);
  return read;
}

async function readModelsInService(ctx: ServingContext, served: Served | undefined): Promise<Served> {
  const checkedAt = ctx.now().getTime();
  const [production, candidate] = await Promise.all([
    ctx.registry.getPointer('production'),
    ctx.registry.getPointer('candidate'),
  ]);
  if (production === undefined) throw new NoModelError();
  const inService = [served?.production.model, served?.candidate?.model];
  const load = (version: string) =>
    inService.find((m) => m?.version === version) ?? loadServingModel(ctx, version);
  const [productionModel, candidateModel] = await Promise.all([
    load(production.version),
    candidate ? load(candidate.version) : undefined,
  ]);
  const next: Served = {
    production: { pointer: production, model: productionModel },
    ...(candidate && candidateModel ? { candidate: { pointer: candidate, model: candidateModel } } : {}),
    checkedAt,
  };
  return next;
}

/** Forgets the context's models in service (after an admin change of the pointers, in the same process). */
export function forgetModelsInService(ctx: Pick<ServingContext, 'registry'>): void {
  servedBy.delete(ctx.registry);
  refreshing.delete(ctx.registry);
}

/** Deterministic A/B arm: the request id hashed to [0, 1) against the candidate's traffic share. */
export function armFor(requestId: string, candidateShare: number): 'production' | 'candidate' {
  const h = createHash('sha256').update(requestId).digest();
  const u = h.readUInt32BE(0) / 2 ** 32;
  return u < candidateShare ? 'candidate' : 'production';
}

export interface PredictRequestBody {
  symbol: string;
  regime?: string;
  horizon: number;
  /** Days already in `regime` (default 1); a symbol's own start uses its live regime age. */
  age?: number;
}

/**
 * Answers one request and logs it. Throws PredictInputError (→ 4xx), NoModelError or
 * ServingModelMissingError (→ 503).
 */
export async function servePrediction(
  ctx: ServingContext,
  request: PredictRequestBody,
  requestId: string,
  options: ServeOptions,
): Promise<ServedPrediction> {
  const answer = await serveForecast(ctx, request, requestId, options);
  return { ...answer.forecast, requestId: answer.requestId, arm: answer.arm };
}

export interface ServeOptions {
  cacheSeconds: number;
  ttlDays: number;
  refreshAheadSeconds?: number;
}

/**
 * An answer of {@link servePrediction} before it is made one object: the forecast — the same frozen
 * object for every answer of one symbol-day, model and horizon, so that a caller can keep what it
 * derives from it (the /predict handler: the answer's JSON) — the request id and the arm.
 */
export interface ServedForecast {
  forecast: Prediction;
  requestId: string;
  arm: ServedPrediction['arm'];
}

/** servePrediction's work (the same answer, logging and errors), its answer in parts. */
export async function serveForecast(
  ctx: ServingContext,
  request: PredictRequestBody,
  requestId: string,
  options: ServeOptions,
): Promise<ServedForecast> {
  const models = await modelsInService(ctx, options.cacheSeconds, options.refreshAheadSeconds);
  // Every symbol's forecast starts from its newest gold row (the live state), whichever model serves.
  const live = await ctx.registry.getLive(request.symbol);
  const share = models.candidate?.pointer.trafficShare ?? 0;
  // The arm is drawn per symbol-day (DOMAIN §6.2's unit), so one question asked again the same day
  // gets the same model's answer; a symbol without live state falls back to the request id.
  const unit = live === undefined ? requestId : `${request.symbol}\u0000${live.date}`;
  const arm = models.candidate && armFor(unit, share) === 'candidate' ? 'candidate' : 'production';
  const chosen = arm === 'candidate' ? models.candidate! : models.production;
  const other = arm === 'candidate' ? models.production : models.candidate;
  const prediction = forecast(chosen.model, request, live);
  const at = ctx.now();
  const from = prediction.from;
  const fromDate = from.date ?? at.toISOString().slice(0, 10);
  // One log entry per (symbol, origin day, model, horizon) (DOMAIN §6.1): a repeat this process has
  // logged already is not sent again; the log's conditional put keeps other processes' repeats out.
  const origin = `${request.symbol}\u0000${fromDate}\u0000${chosen.model.version}\u0000${request.horizon}`;
  const logged = loggedOrigins(ctx.predictions);
  if (logged.has(origin)) return { forecast: prediction, requestId, arm };
  // A repeat of an origin whose entry is being written answers at once, without a write of its own:
  // its answer does not depend on the write, which the first request of the origin waits for (and
  // which, if it fails, the next request of the origin makes again — the origin is not marked logged).
  if (inFlight.get(ctx.predictions)?.has(origin)) return { forecast: prediction, requestId, arm };
  // The other arm's one-day forecast goes into the log entry only (shadow scoring).
  const shadow =
    other && (live !== undefined || knows(other.model, request))
      ? forecast(other.model, { ...request, horizon: 1 }, live)
      : undefined;
  const writing = ctx.predictions.put({
    requestId,
    at: at.toISOString(),
    symbol: request.symbol,
    modelVersion: chosen.model.version,
    arm,
    fromState: from.state,
    fromDate,
    horizon: request.horizon,
    nextDay: oneDay(chosen.model, from.state),
    ...(shadow
      ? { shadow: { modelVersion: other!.model.version, nextDay: Object.values(shadow.probabilities) } }
      : {}),
    expiresAt: Math.floor(at.getTime() / 1000) + options.ttlDays * 86_400,
  });
  const writes = inFlight.get(ctx.predictions) ?? new Map<string, Promise<unknown>>();
  inFlight.set(ctx.predictions, writes);
  writes.set(origin, writing);
  try {
    await writing;
  } finally {
    writes.delete(origin);
  }
  logged.add(origin);
  return { forecast: prediction, requestId, arm };
}

/** Log entries being written, by origin, per prediction log. */
const inFlight = new WeakMap<ServingContext['predictions'], Map<string, Promise<unknown>>>();

/**
 * The forecasts a serving model has answered, by everything the answer depends on — the symbol, the
 * requested regime, the horizon and the start (the live state's day, state and regime; without live
 * state the model's own latest regime) — so that a symbol-day asked again is answered without
 * computing it again. Per model (a model no longer in service takes its forecasts with it); forgotten
 * wholesale past the cap. The forecasts are frozen: every answer shares them.
 */
const forecasts = new WeakMap<ServingModel, Map<string, Prediction>>();
const FORECASTS_CAP = 100_000;

export function forecast(model: ServingModel, request: PredictRequestBody, live?: LiveStart): Prediction {
  let byKey = forecasts.get(model);
  if (byKey === undefined || byKey.size >= FORECASTS_CAP) {
    byKey = new Map();
    forecasts.set(model, byKey);
  }
  // The start's regime age matters too (the semi-Markov answers depend on it).
  const start =
    live === undefined ? '' : `${live.date}\u0000${live.state}\u0000${live.regime}\u0000${live.regimeAge}`;
  const key = `${request.symbol}\u0000${request.regime ?? ''}\u0000${request.age ?? ''}\u0000${request.horizon}\u0000${start}`;
  let prediction = byKey.get(key);
  if (prediction === undefined) {
    prediction = frozen(predict(model, request, live));
    byKey.set(key, prediction);
  }
  return prediction;
}

function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

/** Origins this process has logged, per prediction log; forgotten wholesale past the cap. */
const logs = new WeakMap<ServingContext['predictions'], Set<string>>();
const LOGGED_ORIGINS_CAP = 100_000;

function loggedOrigins(log: ServingContext['predictions']): Set<string> {
  let set = logs.get(log);
  if (set === undefined || set.size >= LOGGED_ORIGINS_CAP) {
    set = new Set();
    logs.set(log, set);
  }
  return set;
}

function knows(model: ServingModel, request: PredictRequestBody): boolean {
  return request.regime !== undefined || ownEntry(model.latest, request.symbol) !== undefined;
}

function oneDay(model: ServingModel, state: number): number[] {
  return matrixPower(model.markov.transitionMatrix, 1)[state]!;
}

export { PredictInputError };
