/** What the dashboard reads through the API: current regimes, timelines, models, history records. */
import { collectBytes, readGoldParquet } from '#shared/data/parquet-tables';
import { formatIsoDay, parseIsoDay } from '#shared/data/values';
import { type LiveStart, predict } from '#shared/model/predict';
import { modelReport } from '#shared/model/report';
import { productionChangedByHandAlert } from '#shared/monitoring/alerts';
import { type ModelPointer, PointerConflictError, type RecordKind } from '#shared/ports';
import { raiseAlert } from './alerting.ts';
import { type Context, keys } from './lake.ts';
import { derivedStage, loadArtifact, pointedModel } from './models.ts';
import { productionHistory, switchProduction } from './production.ts';

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** System status: the pointers, how many symbols and models, the newest records. */
export async function status(ctx: Context) {
  // Symbols with gold rows are those with a live state (one registry query): a listing of the gold
  // bucket on every call was the slowest route under load, and counted a partition without rows.
  const [production, candidate, versions, runs, alerts, live] = await Promise.all([
    ctx.registry.getPointer('production'),
    ctx.registry.getPointer('candidate'),
    ctx.registry.listVersions(100),
    ctx.registry.listRecords('quality', 1),
    ctx.registry.listRecords('alert', 5),
    ctx.registry.listLive(),
  ]);
  return {
    production: production ?? null,
    candidate: candidate ?? null,
    models: versions.length,
    symbols: live.length,
    lastQualityRecord: runs[0] ?? null,
    latestAlerts: alerts,
    emptyState:
      production === undefined
        ? 'No model yet — drop a market CSV into the bronze bucket (e.g. aws s3 cp prices.csv s3://<bronze>/market_data/) and the pipeline trains one.'
        : null,
  };
}

/**
 * The current regime of each symbol — its newest gold row (live state), or for a symbol without one
 * the model's training day — and P(High within 5 and 21 days) from there, by the production model.
 */
export async function currentRegimes(ctx: Context) {
  const production = await pointedModel(ctx, 'production');
  if (production === undefined) return { modelVersion: null, symbols: [] };
  const { model } = production;
  const live = new Map((await ctx.registry.listLive()).map((l) => [l.symbol, l]));
  const starts = new Map<string, LiveStart>(
    Object.entries(model.latest).map(([symbol, l]) => [
      symbol,
      {
        date: l.date,
        state: l.state,
        regime: l.regime,
        ...(l.age === undefined ? {} : { regimeAge: l.age }),
      },
    ]),
  );
  for (const [symbol, l] of live) starts.set(symbol, l);
  const forecast = (symbol: string, h: number) =>
    predict(model, { symbol, horizon: Math.min(h, model.markov.absorbing.maxHorizon) }, starts.get(symbol)!);
  const highIn = (symbol: string, h: number) => {
    const r = forecast(symbol, h).reachWithin;
    return { probability: r.probability, lower: r.lower, upper: r.upper };
  };
  return {
    modelVersion: model.version,
    labels: model.labels,
    symbols: [...starts]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([symbol, start]) => ({
        symbol,
        date: start.date,
        regime: start.regime,
        regimeAge: start.regimeAge ?? null,
        source: live.has(symbol) ? ('live gold' as const) : ('model training day' as const),
        highWithin5: highIn(symbol, 5),
        highWithin21: highIn(symbol, 21),
        // For a symbol already in High, "P(High within h)" is 1: the way out is what to show.
        leaveWithin5: forecast(symbol, 5).leave.probability,
        leaveWithin21: forecast(symbol, 21).leave.probability,
        expectedRemainingDays: forecast(symbol, 1).leave.expectedRemainingDays,
        // Today's regime's 1-day VaR/ES at each level (null for a model without regime risk).
        risk: forecast(symbol, 1).risk?.levels.map((l) => ({ level: l.level, ...l.oneDay })) ?? null,
      })),
  };
}

/** A symbol's gold rows between two dates (inclusive): price, risk score and regime. */
export async function timeline(ctx: Context, symbol: string, from?: string, to?: string) {
  const key = keys.gold(symbol);
  const body = await ctx.store.get(ctx.buckets.gold, key);
  if (body === undefined) throw new NotFoundError(`no gold data for symbol "${symbol}"`);
  const [t] = await readGoldParquet(await collectBytes(body), key);
  const lo = from ? (parseIsoDay(from) ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY;
  const hi = to ? (parseIsoDay(to) ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  const rows: { date: string; price: number; riskScore: number; state: number }[] = [];
  if (t) {
    for (let i = 0; i < t.length; i++) {
      if (t.day[i]! < lo || t.day[i]! > hi) continue;
      rows.push({
        date: formatIsoDay(t.day[i]!),
        price: t.price[i]!,
        riskScore: t.risk_score[i]!,
        state: t.markov_state[i]!,
      });
    }
  }
  return { symbol, labels: ctx.config.data.regimes.labels, rows };
}

export async function listModels(ctx: Context) {
  const [versions, production, candidate] = await Promise.all([
    ctx.registry.listVersions(100),
    ctx.registry.getPointer('production'),
    ctx.registry.getPointer('candidate'),
  ]);
  return {
    production: production?.version ?? null,
    candidate: candidate?.version ?? null,
    versions: versions.map((v) => ({ ...v, stage: derivedStage(v, production, candidate) })),
  };
}

export async function modelDetails(ctx: Context, version: string) {
  const [stored, production, candidate] = await Promise.all([
    ctx.registry.getVersion(version),
    ctx.registry.getPointer('production'),
    ctx.registry.getPointer('candidate'),
  ]);
  if (stored === undefined) throw new NotFoundError(`no model version "${version}"`);
  const record = { ...stored, stage: derivedStage(stored, production, candidate) };
  return { record, report: modelReport(await loadArtifact(ctx, version)) };
}

export async function history(ctx: Context, kind: RecordKind | 'events', limit: number) {
  if (kind === 'events') return { items: await ctx.registry.listEvents(limit) };
  return { items: await ctx.registry.listRecords(kind, limit) };
}

/**
 * The drift checks, newest first. Without `symbol`: the checks' records, the newest one with its
 * per-symbol statistics (`symbols`, read from the check's symbols.json: up to 100, those with drift
 * first, and every symbol's name in `symbolNames`; a record written before they moved there keeps
 * its own). With `symbol`: that symbol's statistics at each check of new data, as
 * records whose `symbols` holds that one symbol (the dashboard's drift-over-time charts).
 */
export async function driftHistory(ctx: Context, limit: number, symbol?: string) {
  if (symbol !== undefined) {
    const records = await ctx.registry.listRecords(`drift:${symbol}`, limit);
    // As /timeline does: a symbol the lake has never held is a 404, one not checked yet an empty list.
    if (records.length === 0 && (await ctx.store.head(ctx.buckets.gold, keys.gold(symbol))) === undefined) {
      throw new NotFoundError(`no gold for symbol ${symbol}: no drift check can have covered it`);
    }
    return {
      items: records.map(({ id, at, modelVersion, ...entry }) => ({
        id,
        at,
        modelVersion,
        symbols: [entry],
      })),
    };
  }
  const items: Record<string, unknown>[] = await ctx.registry.listRecords('drift', limit);
  const newest = items[0];
  if (newest !== undefined && typeof newest.symbolsKey === 'string' && newest.symbols === undefined) {
    const text = await ctx.store.getText(ctx.buckets.gold, newest.symbolsKey);
    const entries: DriftSymbolEntry[] = text === undefined ? [] : JSON.parse(text);
    items[0] = {
      ...newest,
      symbols: driftingFirst(entries, DRIFT_SYMBOLS_SENT),
      symbolNames: entries.map((e) => e.symbol),
    };
  }
  return { items };
}

/** How many symbols' statistics GET /drift sends of the newest check (all names, in `symbolNames`). */
const DRIFT_SYMBOLS_SENT = 100;

/** What the drift-check order needs of a symbol's entry in symbols.json. */
interface DriftSymbolEntry {
  symbol: string;
  regimeMixDrift?: boolean;
  chainDrift?: boolean;
  features: { drift: boolean }[];
}

/** At most `max` entries, those with any drift (a feature, the regime mix, the chain) first. */
function driftingFirst(entries: DriftSymbolEntry[], max: number): DriftSymbolEntry[] {
  const drifted = (e: DriftSymbolEntry) =>
    e.regimeMixDrift === true || e.chainDrift === true || e.features.some((f) => f.drift);
  return [...entries.filter(drifted), ...entries.filter((e) => !drifted(e))].slice(0, max);
}

/**
 * Admin: make a registered version production (conditional on the pointer's revision). A rejected
 * version (its A/B test lost, or an operator rejected it) only with `force`: the operator says they
 * mean it, and the registry event and alert say it was forced.
 */
export async function promote(
  ctx: Context,
  version: string,
  reason: string,
  options: { force?: boolean } = {},
) {
  const record = await ctx.registry.getVersion(version);
  if (record === undefined) throw new NotFoundError(`no model version "${version}"`);
  const [from, candidate] = await Promise.all([
    ctx.registry.getPointer('production'),
    ctx.registry.getPointer('candidate'),
  ]);
  if (from?.version === version) {
    throw new PointerConflictError(`version ${version} is in production already: nothing to promote`);
  }
  if (record.stage === 'rejected' && options.force !== true) {
    throw new PointerConflictError(
      `version ${version} was rejected (see its candidate-rejected event under GET /events): nothing promoted — send "force": true to promote it anyway`,
    );
  }
  const why = record.stage === 'rejected' ? `${reason} (forced: the version had been rejected)` : reason;
  const moved = await switchProduction(ctx, {
    from,
    to: version,
    kind: 'promoted',
    reason: `manual: ${why}`,
  });
  if (candidate?.version === version) {
    await endAbTestByHand(ctx, version, `promoted to production (${why})`);
  }
  await alertManualChange(ctx, 'promoted', from?.version ?? null, moved, why);
  return moved;
}

/**
 * Admin: end the candidate's A/B test by hand and reject the candidate (production is unchanged) —
 * e.g. a model trained on data that turned out wrong, which the daily evaluation would keep testing
 * for up to abTest.maxDurationDays. With `version`, only if that is the candidate.
 */
export async function rejectCandidate(ctx: Context, reason: string, version?: string) {
  const [production, candidate] = await Promise.all([
    ctx.registry.getPointer('production'),
    ctx.registry.getPointer('candidate'),
  ]);
  if (candidate === undefined) throw new NotFoundError('there is no candidate under A/B test to reject');
  if (version !== undefined && version !== candidate.version) {
    throw new PointerConflictError(
      `version ${version} is not the candidate (${candidate.version} is): nothing rejected`,
    );
  }
  // Conditional on the pointer's revision: a candidate replaced meanwhile is not the one rejected.
  await ctx.registry.clearPointer('candidate', candidate.revision);
  await ctx.registry.setStage(candidate.version, 'rejected');
  const at = ctx.now().toISOString();
  await ctx.registry.appendEvent({
    at,
    kind: 'candidate-rejected',
    version: candidate.version,
    previousVersion: production?.version ?? null,
    reason: `manual: ${reason}`,
  });
  await endAbTestByHand(ctx, candidate.version, `rejected (${reason})`);
  return { rejected: candidate.version, production: production?.version ?? null, at };
}

/**
 * The candidate under A/B test was promoted or rejected by hand: its test ends undecided. Its newest
 * record is written again as `ended` (else the dashboard kept showing a test that "needs 19 more days").
 */
async function endAbTestByHand(ctx: Context, version: string, how: string) {
  const latest = (await ctx.registry.listRecords('abtest', 50)).find((r) => r.id === version);
  if (latest === undefined) return; // promoted before its first evaluation: no test recorded
  const sampleSize = latest.sampleSize as Record<string, unknown> | undefined;
  await ctx.registry.putRecord('abtest', {
    ...latest,
    at: ctx.now().toISOString(),
    outcome: 'ended',
    // Without what the test was still waiting for: an ended test needs no more days.
    reasons: [
      `ended by hand: ${how}`,
      ...((latest.reasons as string[] | undefined) ?? []).filter((r) => !/more day|needed|needs/i.test(r)),
    ],
    ...(sampleSize ? { sampleSize: { ...sampleSize, daysRemaining: null } } : {}),
  });
}

/**
 * Admin: put back the version that was in production before the current one. Rollbacks walk back
 * through the production history (A → C → N, rolled back twice, is A), not to and fro.
 */
export async function rollback(ctx: Context, reason: string) {
  const from = await ctx.registry.getPointer('production');
  const to = productionHistory(from)[0];
  if (from === undefined || to === undefined)
    throw new NotFoundError('there is no earlier production version to roll back to');
  const moved = await switchProduction(ctx, {
    from,
    to,
    kind: 'rolled-back',
    reason: `manual rollback: ${reason}`,
  });
  await alertManualChange(ctx, 'rolled-back', from.version, moved, reason);
  return moved;
}

/** The alert of a change of production made by hand (the automatic ones raise their own). */
async function alertManualChange(
  ctx: Context,
  change: 'promoted' | 'rolled-back',
  fromVersion: string | null,
  moved: ModelPointer,
  reason: string,
): Promise<void> {
  const facts = {
    change,
    fromVersion,
    toVersion: moved.version,
    reason,
    rollbackTarget: productionHistory(moved)[0] ?? null,
  };
  await raiseAlert(ctx, productionChangedByHandAlert(facts, ctx.config.monitoring, ctx.now().toISOString()));
}
