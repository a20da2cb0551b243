/**
 * Serving forecasts: the production model answers, or — for a deterministic share of requests —
 * the A/B candidate. The models are cached in memory and the pointers re-read at most every
 * `cacheSeconds`, so a promotion or rollback is picked up within that time. Every answer is logged
 * (with the other arm's one-day forecast for the same request: shadow scoring) for live accuracy
 * and the A/B test.
 */
import { createHash } from 'node:crypto';
import { parseIsoDay } from '#shared/data/values';
import type { ModelArtifact } from '#shared/model/artifact';
import { matrixPower } from '#shared/model/linalg';
import { PredictInputError, type Prediction, predict } from '#shared/model/predict';
import type { ModelPointer } from '#shared/ports';
import type { Context } from './lake.ts';
import { loadArtifact } from './models.ts';

export class NoModelError extends Error {
  constructor() {
    super('no model in production yet: drop a market CSV into the bronze bucket to train one');
    this.name = 'NoModelError';
  }
}

export interface ServedPrediction extends Prediction {
  requestId: string;
  arm: 'production' | 'candidate';
}

interface Served {
  production: { pointer: ModelPointer; model: ModelArtifact };
  candidate?: { pointer: ModelPointer; model: ModelArtifact };
  checkedAt: number;
}

let served: Served | undefined;

/** The models in service, re-reading the pointers at most every `cacheSeconds`. */
export async function modelsInService(ctx: Context, cacheSeconds: number): Promise<Served> {
  const now = ctx.now().getTime();
  if (served && now - served.checkedAt < cacheSeconds * 1000) return served;
  const [production, candidate] = await Promise.all([
    ctx.registry.getPointer('production'),
    ctx.registry.getPointer('candidate'),
  ]);
  if (production === undefined) throw new NoModelError();
  served = {
    production: { pointer: production, model: await loadArtifact(ctx, production.version) },
    ...(candidate
      ? { candidate: { pointer: candidate, model: await loadArtifact(ctx, candidate.version) } }
      : {}),
    checkedAt: now,
  };
  return served;
}

/** Forgets the cached pointers (tests, and after an admin change in the same process). */
export function resetServingCache(): void {
  served = undefined;
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
}

/** Answers one request and logs it. Throws PredictInputError (→ 4xx) or NoModelError (→ 503). */
export async function servePrediction(
  ctx: Context,
  request: PredictRequestBody,
  requestId: string,
  options: { cacheSeconds: number; ttlDays: number },
): Promise<ServedPrediction> {
  const models = await modelsInService(ctx, options.cacheSeconds);
  const share = models.candidate?.pointer.trafficShare ?? 0;
  const arm = models.candidate && armFor(requestId, share) === 'candidate' ? 'candidate' : 'production';
  const chosen = arm === 'candidate' ? models.candidate! : models.production;
  const other = arm === 'candidate' ? models.production : models.candidate;
  const prediction = predict(chosen.model, request);
  const shadow =
    other && knows(other.model, request) ? predict(other.model, { ...request, horizon: 1 }) : undefined;
  const at = ctx.now();
  const from = prediction.from;
  await ctx.predictions.put({
    requestId,
    at: at.toISOString(),
    symbol: request.symbol,
    modelVersion: chosen.model.version,
    arm,
    fromState: from.state,
    fromDate: from.date ?? at.toISOString().slice(0, 10),
    horizon: request.horizon,
    nextDay: oneDay(chosen.model, from.state),
    ...(shadow
      ? { shadow: { modelVersion: other!.model.version, nextDay: Object.values(shadow.probabilities) } }
      : {}),
    expiresAt: Math.floor(at.getTime() / 1000) + options.ttlDays * 86_400,
  });
  return { ...prediction, requestId, arm };
}

function knows(model: ModelArtifact, request: PredictRequestBody): boolean {
  return request.regime !== undefined || model.latest[request.symbol] !== undefined;
}

function oneDay(model: ModelArtifact, state: number): number[] {
  return matrixPower(model.markov.transitionMatrix, 1)[state]!;
}

export { PredictInputError, parseIsoDay };
