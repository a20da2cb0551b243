/**
 * Scheduled and in-pipeline monitoring: the drift check against production (with live accuracy from
 * the prediction log), retraining when the rules say so, the daily A/B evaluation, and rollback.
 */

import { sha256Hex } from '#shared/hash';
import type { ModelArtifact } from '#shared/model/artifact';
import { parseLineage } from '#shared/model/lineage';
import { argmaxLowestTie } from '#shared/model/markov';
import {
  type AbOrigin,
  type AbRecord,
  decideRollback,
  evaluateAbTest,
  evaluateAbTestDaily,
} from '#shared/monitoring/ab';
import {
  type Alert,
  abDecisionAlert,
  accuracyDropAlert,
  chainDriftAlert,
  dataDriftAlert,
  logLossRiseAlert,
  modelPromotedAlert,
  modelRolledBackAlert,
} from '#shared/monitoring/alerts';
import { driftReport } from '#shared/monitoring/drift-report';
import { type LoggedPrediction, modelDrift, symbolDays } from '#shared/monitoring/model-drift';
import { decideRetraining, type RetrainingInput, type RetrainingReason } from '#shared/monitoring/retraining';
import type { PredictionLogEntry } from '#shared/ports';
import { raiseAlert } from './alerting.ts';
import { mapLimit } from './concurrency.ts';
import { type Context, keys, symbolOfKey } from './lake.ts';
import { loadArtifact, pointedModel } from './models.ts';
import { productionHistory, switchProduction } from './production.ts';
import {
  currentTrainingSettings,
  goldFingerprint,
  readGoldLake,
  registerModel,
  trainFromLake,
} from './training.ts';

function logged(entries: PredictionLogEntry[]): LoggedPrediction[] {
  return entries
    .filter((e) => e.outcome !== undefined)
    .map((e) => ({
      predictedProbabilities: e.nextDay,
      predictedState: argmaxLowestTie(e.nextDay),
      actualState: e.outcome!.state,
      symbol: e.symbol,
      fromDate: e.fromDate,
    }));
}

/**
 * What the retraining guards look at (DOMAIN §6 v2): the last training attempt (the newest
 * registered version's training time or training job, whichever is later), whether the gold
 * changed since the newest model was trained (its lineage's data fingerprint), and the running
 * candidate.
 */
async function retrainingGuards(
  ctx: Context,
  fingerprint: string,
  codeVersion?: string,
): Promise<Pick<RetrainingInput, 'lastAttemptAt' | 'dataChanged' | 'sameInputsAs' | 'candidateRunning'>> {
  const [candidate, [newest], jobs] = await Promise.all([
    ctx.registry.getPointer('candidate'),
    ctx.registry.listVersions(1),
    ctx.registry.listRecords('job', 20),
  ]);
  const attempts = [
    ...(newest ? [newest.createdAt] : []),
    ...jobs.filter((j) => j.status === 'trained' || j.status === 'failed').map((j) => j.at),
  ].sort();
  const newestModel = newest ? await loadArtifact(ctx, newest.version) : undefined;
  const dataChanged = newestModel === undefined || goldFingerprint(newestModel.lineage.gold) !== fingerprint;
  // Trained on this very gold, with these training settings and code: a training now reproduces it.
  const sameInputs =
    newestModel !== undefined &&
    !dataChanged &&
    (codeVersion === undefined || newestModel.lineage.codeVersion === codeVersion) &&
    (await sameTrainingSettings(ctx, newestModel));
  return {
    lastAttemptAt: attempts.length > 0 ? attempts[attempts.length - 1]! : null,
    dataChanged,
    sameInputsAs: sameInputs ? newestModel.version : null,
    candidateRunning: candidate?.version ?? null,
  };
}

/**
 * Whether `model` was trained with the settings a training would be given now — the data and model
 * config, the PSI bins and drift calibration, and the production HMM it was matched to (its lineage
 * manifest's `training`): an edit to the alerts or the platform config changes no model. Without a
 * manifest, by the whole config's hash.
 */
async function sameTrainingSettings(ctx: Context, model: ModelArtifact): Promise<boolean> {
  const text = await ctx.store.getText(ctx.buckets.artifacts, keys.lineage(model.version));
  if (text === undefined) return model.lineage.configHash === ctx.configHash;
  const { training } = parseLineage(text, keys.lineage(model.version));
  return canonicalJson(training) === canonicalJson(await currentTrainingSettings(ctx));
}

/** JSON with every object's keys sorted: equal values, equal text (whatever the YAML's key order). */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/**
 * The consecutive breaches before this check that count towards persistChecks (DOMAIN §6, decision
 * 19): the checks of `modelVersion` that breached, each counted only when it judged new data of the
 * symbols that breached — its breach parts (one per breaching symbol's gold partition, see
 * breachParts) include one that no earlier check of the run had. So two checks that ran at once (two
 * uploads published together) are one breach, a check after a file of other symbols judged the
 * drifting symbols' same data again, and one whose breaching symbols are fewer (a symbol's new data
 * ended its drift) adds nothing. This check itself does not count when it adds nothing either (the
 * count then gives back its predecessor's streak once this check adds one). A record written before
 * breach parts existed ends the run: its parts are unknown, and counting it could retrain on data
 * already judged.
 */
export function previousBreachCount(
  recent: readonly Record<string, unknown>[],
  modelVersion: string,
  parts: readonly string[],
): number {
  const run: string[][] = [];
  for (const r of recent) {
    if (r.modelVersion !== modelVersion || r.breached !== true || !Array.isArray(r.breachParts)) break;
    run.push(r.breachParts.map(String));
  }
  const seen = new Set<string>();
  let count = 0;
  for (const earlier of run.reverse()) {
    if (earlier.some((p) => !seen.has(p))) count++;
    for (const p of earlier) seen.add(p);
  }
  const adds = parts.some((p) => !seen.has(p));
  return adds || count === 0 ? count : count - 1;
}

/** Breach parts recorded in one drift record at most (a DynamoDB item holds 400 KB). */
const MAX_BREACH_PARTS = 4000;

/**
 * What a breach judged: one short hash per gold partition of the breaching symbols (its name and
 * content hash), sorted. Unchanged when those symbols' data is, whatever happened to the others.
 * More breaching partitions than MAX_BREACH_PARTS are judged as one part (all of them together).
 */
export function breachParts(
  sources: readonly { file: string; sha256: string }[],
  breaching: readonly string[],
): string[] {
  const drifting = new Set(breaching);
  const parts = sources
    .filter((s) => {
      const symbol = symbolOfKey(s.file);
      return symbol !== undefined && drifting.has(symbol);
    })
    .map((s) => sha256Hex(new TextEncoder().encode(`${s.file}\t${s.sha256}`)).slice(0, 16))
    .sort();
  if (parts.length <= MAX_BREACH_PARTS) return parts;
  return [sha256Hex(new TextEncoder().encode(parts.join('\n'))).slice(0, 16)];
}

/** The drift check: records the report, raises alerts, and says whether to retrain. */
export async function checkDrift(ctx: Context) {
  const now = ctx.now();
  const production = await pointedModel(ctx, 'production');
  if (production === undefined) {
    // Gold rows are what the first model trains on; a symbol gets its first one only after its
    // warm-up and burn-in (published gold rows leave a live state). Until then there is nothing to
    // train, and training would fail the run that just published good silver.
    if ((await ctx.registry.listLive()).length === 0) {
      const data = ctx.config.data;
      const burnIn = data.scoring.mode === 'point-in-time' ? data.scoring.minHistory : 1;
      return {
        verdict: 'wait' as const,
        retrain: false,
        reasons: [
          `no model in production yet, and no gold rows to train one on: a symbol's first gold row needs ${data.features.volatilityWindow + burnIn} rows of history (features.volatilityWindow + scoring.minHistory)`,
        ],
        reportKey: null,
      };
    }
    return {
      verdict: 'retrain' as const,
      retrain: true,
      reasons: ['no model in production yet'],
      fired: [
        { rule: 'no-model', detail: 'no model in production yet', value: null, threshold: null },
      ] satisfies RetrainingReason[],
      reportKey: null,
    };
  }
  const { model } = production;
  // Consecutive earlier checks of this model that breached (newest first), for persistChecks.
  const persist = ctx.config.monitoring.retraining.persistChecks;
  // More than persistChecks records: checks that ran at once on the same gold count once.
  const recent = await ctx.registry.listRecords('drift', persist * 4);
  const last = recent[0];
  // The gold partitions' keys and ETags, from one listing: unchanged gold is known without reading it.
  const goldRevision = sha256Hex(
    JSON.stringify(await ctx.store.listEtags(ctx.buckets.gold, keys.goldPrefix)),
  );
  if (
    last !== undefined &&
    last.modelVersion === model.version &&
    last.goldRevision === goldRevision &&
    last.configHash === ctx.configHash &&
    typeof last.goldFingerprint === 'string' &&
    Array.isArray(last.fired)
  ) {
    return recheckUnchanged(ctx, model, last.goldFingerprint, last);
  }
  const { tables, sources } = await readGoldLake(ctx);
  const fingerprint = goldFingerprint(sources);
  // Set by the report once it knows which symbols breach (see previousBreachCount).
  let breach: string[] = [];
  let previousCount = 0;
  const previousBreaches = (breaching: readonly string[]) => {
    breach = breachParts(sources, breaching);
    previousCount = breaching.length === 0 ? 0 : previousBreachCount(recent, model.version, breach);
    return previousCount;
  };
  const cv = model.evaluation.markov.overall.metrics.model;
  const live = modelDrift(
    logged(
      await ctx.predictions.withOutcomes(ctx.config.monitoring.modelDrift.liveWindow, {
        modelVersion: model.version,
      }),
    ),
    { accuracy: cv.accuracy, logLoss: cv.logLoss },
    ctx.config.monitoring.modelDrift,
  );
  const report = driftReport({
    model,
    tables,
    monitoring: ctx.config.monitoring,
    data: ctx.config.data,
    now,
    modelDrift: live,
    referenceFrom: 'history',
    previousBreaches,
    guards: await retrainingGuards(ctx, fingerprint),
  });
  const at = now.toISOString();
  const checkRun = `drift-${at.replace(/[:.]/g, '-')}`;
  const reportKey = keys.run(checkRun, 'drift.json');
  await ctx.store.put(ctx.buckets.gold, reportKey, JSON.stringify(report), 'application/json');
  // Per symbol: the check's statistics, beside the report (the newest check's table) and as one
  // record per symbol (its history). The check's own record stays the same size whatever the number
  // of symbols: a DynamoDB item holds 400 KB, about 200 symbols' entries.
  const entries = report.symbols.map(driftSymbolEntry);
  const symbolsKey = keys.run(checkRun, 'symbols.json');
  await ctx.store.put(ctx.buckets.gold, symbolsKey, JSON.stringify(entries), 'application/json');
  await mapLimit(entries, SYMBOL_RECORD_WRITES, (entry) =>
    ctx.registry.putRecord(driftSymbolKind(entry.symbol), {
      id: model.version,
      at,
      modelVersion: model.version,
      ...entry,
    }),
  );
  const drifting = entries.filter((e) => e.regimeMixDrift || e.chainDrift || e.features.some((f) => f.drift));
  await ctx.registry.putRecord('drift', {
    id: model.version,
    at,
    modelVersion: model.version,
    verdict: report.verdict,
    reasons: keptReasons(report.reasons, reportKey),
    breached: report.breached,
    driftStreak: report.breached ? previousCount + 1 : 0,
    ...(report.breached ? { breachParts: breach } : {}),
    persistChecks: persist,
    retrain: report.retraining.retrain,
    pending: keptReasons(
      report.retraining.pending.map((r) => r.detail),
      reportKey,
    ),
    blockedBy: report.retraining.blockedBy,
    cooldownEndsAt: report.retraining.cooldownEndsAt,
    // What a later check of the same model on the same gold repeats (recheckUnchanged).
    goldFingerprint: fingerprint,
    goldRevision,
    configHash: ctx.configHash,
    fired: report.retraining.reasons,
    reportKey,
    liveAccuracy: live.liveAccuracy,
    liveOutcomes: live.outcomes,
    liveLogLoss: live.liveLogLoss,
    modelDriftRule: live.rule,
    modelDriftVerdict: live.verdict,
    modelDriftP: live.test?.pValue ?? null,
    symbolsKey,
    symbolCount: entries.length,
    driftingSymbolCount: drifting.length,
    driftingSymbols: drifting.slice(0, DRIFTING_SYMBOLS_NAMED).map((e) => e.symbol),
    // The symbols with gold the check could not judge (too little history, not in the model), and
    // why: the first of them (the report in S3 has them all).
    skippedCount: report.skipped.length,
    skipped: report.skipped.slice(0, DRIFTING_SYMBOLS_NAMED).map((k) => ({
      symbol: k.symbol,
      reason: k.reason.length > 200 ? `${k.reason.slice(0, 199)}…` : k.reason,
    })),
  });
  const cfg = ctx.config.monitoring;
  // A send that fails is recorded and retried by raiseAlert.
  for (const alert of driftAlerts(report, model, cfg, at)) await raiseAlert(ctx, alert);
  const degraded = {
    modelVersion: model.version,
    drift: live,
    since: at,
    blockedBy: report.retraining.blockedBy,
  };
  if (live.verdict === 'accuracy-drop') await raiseAlert(ctx, accuracyDropAlert(degraded, cfg, at));
  if (live.verdict === 'log-loss-rise') await raiseAlert(ctx, logLossRiseAlert(degraded, cfg, at));
  return {
    verdict: report.verdict,
    retrain: report.retraining.retrain,
    reasons: keptReasons(report.reasons, reportKey),
    /** The rules that fired (for retrainIfNeeded when this check says retrain). */
    fired: report.retraining.reasons,
    reportKey,
  };
}

/** How many of a check's reasons its record and result list (its report in S3 has them all). */
const REASONS_KEPT = 25;

/**
 * The first REASONS_KEPT reasons, and how many more the report holds: a reason can be one symbol's
 * ("S0042: 3 extreme daily return(s) …"), and the record (a DynamoDB item) and the check's result
 * (a Step Functions state) must not grow with the symbols.
 */
export function keptReasons(reasons: readonly string[], reportKey: string): string[] {
  if (reasons.length <= REASONS_KEPT) return [...reasons];
  return [
    ...reasons.slice(0, REASONS_KEPT),
    `… and ${reasons.length - REASONS_KEPT} more in the report (${reportKey})`,
  ];
}

/** How many drifting symbols a drift record names (all are in its symbols.json and per-symbol records). */
const DRIFTING_SYMBOLS_NAMED = 50;
/** Per-symbol drift records written at once. */
const SYMBOL_RECORD_WRITES = 16;

/** The record kind of one symbol's drift history (one record per check of new data). */
export function driftSymbolKind(symbol: string): `drift:${string}` {
  return `drift:${symbol}`;
}

/** One symbol's statistics of a drift check, as the dashboard shows them. */
export function driftSymbolEntry(s: ReturnType<typeof driftReport>['symbols'][number]) {
  return {
    symbol: s.symbol,
    window: s.window,
    features: s.features.map((f) => ({
      feature: f.feature,
      ksD: f.ks.d,
      ksP: f.ks.pValue,
      ksBootstrapP: f.ks.bootstrapPValue,
      psi: f.psi.value,
      band: f.psi.band,
      thresholds: f.thresholds,
      drift: f.drift,
    })),
    regimeMixP: s.regimeMix.pValue,
    regimeMixTv: s.regimeMix.totalVariation,
    regimeMixThreshold: s.regimeMix.threshold,
    regimeMixDrift: s.regimeMix.drift,
    chainP: s.transitions.pValue,
    chainStatistic: s.transitions.statistic,
    chainThreshold: s.transitions.threshold,
    chainDrift: s.transitions.drift,
    calibrationChunks: s.calibrationChunks,
    anomalies: s.anomalies.extremeReturns.length + s.anomalies.isolationForest.length,
  };
}

/**
 * The alerts of a drift report: one per feature that drifted (data drift, judged by the rule the
 * check applied), and one per symbol whose transitions drifted — only for a symbol the model was
 * trained on (`model.lineage.symbols`): a symbol the chain never saw has no chain of its own to
 * drift from (its data drift is still checked, against its own earlier rows).
 */
export function driftAlerts(
  report: Pick<ReturnType<typeof driftReport>, 'symbols'>,
  model: Pick<ModelArtifact, 'version'> & { lineage: Pick<ModelArtifact['lineage'], 'symbols'> },
  cfg: Context['config']['monitoring'],
  at: string,
): Alert[] {
  const trained = new Set(model.lineage.symbols);
  const alerts: Alert[] = [];
  for (const s of report.symbols) {
    for (const f of s.features) {
      // f.drift is exactly a breach of `thresholds`, so there is an alert (dataDriftAlert throws without one).
      if (!f.drift) continue;
      alerts.push(
        dataDriftAlert(
          {
            symbol: s.symbol,
            feature: f.feature,
            ks: { d: f.ks.d, pValue: f.ks.pValue },
            psi: { psi: f.psi.value },
            windowRows: s.window.rows,
            since: s.window.from,
            reference: s.reference.source,
            // The rule f.drift applied: the calibrated thresholds (or their fallback), else the bands.
            thresholds:
              f.thresholds.source === 'fixed'
                ? null
                : {
                    ks: f.thresholds.ks,
                    psi: f.thresholds.psi,
                    strict: f.thresholds.source === 'calibrated',
                  },
          },
          cfg,
          at,
        ),
      );
    }
    if (s.transitions.drift && trained.has(s.symbol)) {
      alerts.push(
        chainDriftAlert(
          {
            scope: s.symbol,
            modelVersion: model.version,
            gTest: { statistic: s.transitions.statistic, df: s.transitions.df, pValue: s.transitions.pValue },
            threshold: s.transitions.threshold,
            windowRows: s.window.rows,
            since: s.window.from,
          },
          cfg,
          at,
        ),
      );
    }
  }
  return alerts;
}

/**
 * A check of the same production model on the same gold (and config) as the newest drift record —
 * the hourly check between two files: its statistics would be the same, so they are not computed
 * again, nothing is recorded and no alert is raised, and it does not count as one more consecutive
 * breach (persistence is measured over checks of new data, not over hours; decision 19). Only what
 * moves with time is decided again: the rules the last check found (persistent drift, accuracy
 * drop), the schedule and the guards — so drift held back by the cool-down still retrains when the
 * cool-down ends.
 */
async function recheckUnchanged(
  ctx: Context,
  model: ModelArtifact,
  fingerprint: string,
  last: { at: string; reportKey?: unknown; fired?: unknown; driftStreak?: unknown },
) {
  const decision = decideRetraining(
    {
      now: ctx.now().toISOString(),
      lastTrainedAt: model.createdAt,
      ...(await retrainingGuards(ctx, fingerprint)),
      carried: last.fired as RetrainingReason[],
      driftStreak: 0,
    },
    { retraining: ctx.config.monitoring.retraining, drift: ctx.config.monitoring.drift },
  );
  const verdict: 'ok' | 'warn' | 'retrain' =
    decision.retrain || decision.heldByCooldown ? 'retrain' : decision.reasons.length > 0 ? 'warn' : 'ok';
  return {
    verdict,
    retrain: decision.retrain,
    reasons: [
      `the gold and the production model are unchanged since the check of ${last.at}: its findings stand`,
      ...decision.reasons.map((r) => r.detail),
      ...decision.blockedBy,
    ],
    fired: decision.reasons,
    reportKey: typeof last.reportKey === 'string' ? last.reportKey : null,
    unchanged: true,
  };
}

/**
 * The pipeline's Register step: the model its Train step fitted (after a drift check said retrain)
 * is registered, and recorded as a retraining job like the scheduled ones — its trigger the file,
 * its reasons the rules the check found firing — so the Retraining page lists every training.
 */
export async function registerFromPipeline(
  ctx: Context,
  version: string,
  key: string,
  fired: readonly RetrainingReason[],
) {
  const rules = [...new Set(fired.map((r) => r.rule))];
  const registered = await registerModel(
    ctx,
    version,
    `new data: ${key}${rules.length > 0 ? ` (${rules.join(', ')})` : ''}`,
  );
  await ctx.registry.putRecord('job', {
    id: version,
    at: ctx.now().toISOString(),
    trigger: `pipeline run of ${key}`,
    status: 'trained',
    version,
    stage: registered.stage,
    reasons: fired,
  });
  return registered;
}

/** The end of the cool-down a training attempt at `at` starts. */
function cooldownFrom(ctx: Context, at: string): string {
  return new Date(Date.parse(at) + ctx.config.monitoring.retraining.cooldownHours * 3_600_000).toISOString();
}

/** Retrains (and registers the new model as candidate or first production) when asked or when the rules fire. */
export async function retrainIfNeeded(
  ctx: Context,
  options: {
    force: boolean;
    trigger: string;
    codeVersion: string;
    /** Reasons a drift check found (already persistent over persistChecks checks). */
    drift?: readonly RetrainingReason[];
    /** The operator's request this training answers (./retraining-requests.ts), kept on its job record. */
    request?: string;
  },
) {
  const production = await ctx.registry.getPointer('production');
  const lastTrainedAt = production ? (await loadArtifact(ctx, production.version)).createdAt : null;
  const { sources } = await readGoldLake(ctx);
  const fingerprint = goldFingerprint(sources);
  // Without the caller's: what the newest drift check of this production model found firing (so
  // the weekly job does not say "no rule fired" while the hourly check says one does) — only while
  // that check's findings stand: it judged the gold there is now, under the configuration in force.
  let drift = options.drift;
  if (drift === undefined && production !== undefined) {
    const [last] = await ctx.registry.listRecords('drift', 1);
    if (
      last?.modelVersion === production.version &&
      last.goldFingerprint === fingerprint &&
      last.configHash === ctx.configHash &&
      Array.isArray(last.fired)
    ) {
      drift = last.fired as RetrainingReason[];
    }
  }
  const decision = decideRetraining(
    {
      now: ctx.now().toISOString(),
      lastTrainedAt,
      force: options.force,
      ...(await retrainingGuards(ctx, fingerprint, options.codeVersion)),
      ...(drift && drift.length > 0 ? { carried: drift } : {}),
    },
    { retraining: ctx.config.monitoring.retraining, drift: ctx.config.monitoring.drift },
  );
  const at = ctx.now().toISOString();
  if (!decision.retrain) {
    await ctx.registry.putRecord('job', {
      id: `skipped-${at}`,
      at,
      trigger: options.trigger,
      status: 'skipped',
      reasons: decision.reasons,
      blockedBy: decision.blockedBy,
      heldByCooldown: decision.heldByCooldown,
      cooldownEndsAt: decision.cooldownEndsAt,
      ...(options.request ? { request: options.request } : {}),
    });
    return { retrained: false, decision };
  }
  const trained = await trainFromLake(ctx, options.codeVersion);
  const registered = await registerModel(
    ctx,
    trained.version,
    `${options.trigger}: ${decision.reasons.map((r) => r.detail).join('; ')}`,
  );
  await ctx.registry.putRecord('job', {
    id: trained.version,
    at,
    trigger: options.trigger,
    status: 'trained',
    version: trained.version,
    stage: registered.stage,
    reasons: decision.reasons,
    // This training is the newest attempt: the cool-down runs from it (the newest drift check's
    // end, computed before it, is stale).
    cooldownEndsAt: cooldownFrom(ctx, at),
    ...(options.request ? { request: options.request } : {}),
  });
  return { retrained: true, decision, ...registered };
}

/** The daily A/B evaluation of the candidate against production: promote, reject or keep collecting. */
export async function evaluateCandidate(ctx: Context) {
  const [production, candidate] = await Promise.all([
    ctx.registry.getPointer('production'),
    ctx.registry.getPointer('candidate'),
  ]);
  if (production === undefined || candidate === undefined) return { status: 'no A/B test running' as const };
  const prodModel = await loadArtifact(ctx, production.version);
  const entries = (await ctx.predictions.withOutcomes(ctx.config.monitoring.abTest.maxRecords)).filter(
    (e) =>
      e.at >= candidate.updatedAt &&
      (e.modelVersion === production.version || e.modelVersion === candidate.version),
  );
  const at = ctx.now().toISOString();
  const ab = ctx.config.monitoring.abTest;
  const result =
    ab.design === 'symbol-day'
      ? evaluateAbTestDaily(
          {
            productionVersion: production.version,
            candidateVersion: candidate.version,
            origins: entries.map((e) => abOrigin(e, production.version, candidate.version)),
            startedAt: candidate.updatedAt,
            now: at,
          },
          ab,
        )
      : evaluateRequests(
          entries,
          production.version,
          candidate.version,
          candidate.updatedAt,
          at,
          prodModel,
          ab,
        );
  await ctx.registry.putRecord('abtest', { id: candidate.version, at, ...result });
  const cfg = ctx.config.monitoring;
  if (result.outcome === 'promote') {
    await switchProduction(ctx, {
      from: production,
      to: candidate.version,
      kind: 'promoted',
      reason: `A/B test won: ${result.reasons.join('; ')}`,
    });
    await raiseAlert(ctx, modelPromotedAlert(result, cfg, at));
  } else if (result.outcome === 'reject') {
    await ctx.registry.clearPointer('candidate', candidate.revision);
    await ctx.registry.setStage(candidate.version, 'rejected');
    await ctx.registry.appendEvent({
      at,
      kind: 'candidate-rejected',
      version: candidate.version,
      previousVersion: production.version,
      reason: result.reasons.join('; '),
    });
    await raiseAlert(ctx, abDecisionAlert(result, cfg, at));
  }
  return { status: result.outcome, result };
}

/**
 * A logged entry as an A/B v2 origin: the served forecast and the shadow, each given to its model
 * (a shadow of another version than the test's other arm counts as missing).
 */
function abOrigin(e: PredictionLogEntry, productionVersion: string, candidateVersion: string): AbOrigin {
  const shadow = e.shadow?.nextDay ?? null;
  const servedByProduction = e.modelVersion === productionVersion;
  const otherVersion = servedByProduction ? candidateVersion : productionVersion;
  const other = e.shadow?.modelVersion === otherVersion ? shadow : null;
  return {
    symbol: e.symbol,
    fromDate: e.fromDate,
    actualState: e.outcome!.state,
    productionProbabilities: servedByProduction ? e.nextDay : other,
    candidateProbabilities: servedByProduction ? other : e.nextDay,
  };
}

/** The first version's A/B test (abTest.design: requests): each request is a unit. */
function evaluateRequests(
  entries: readonly PredictionLogEntry[],
  productionVersion: string,
  candidateVersion: string,
  startedAt: string,
  now: string,
  prodModel: ModelArtifact,
  config: Context['config']['monitoring']['abTest'],
) {
  const records: AbRecord[] = entries.map((e) => {
    const served = e.nextDay;
    const other = e.shadow?.nextDay ?? null;
    const isA = e.arm === 'production';
    return {
      arm: isA ? 'A' : 'B',
      actualState: e.outcome!.state,
      productionProbabilities: isA ? served : other,
      candidateProbabilities: isA ? other : served,
    };
  });
  return evaluateAbTest(
    {
      productionVersion,
      candidateVersion,
      records,
      startedAt,
      now,
      baselineAccuracy: prodModel.evaluation.markov.overall.metrics.model.accuracy,
    },
    config,
  );
}

/** After a promotion: roll back when production's live accuracy clearly fell below its predecessor's. */
export async function checkRollback(ctx: Context) {
  const production = await ctx.registry.getPointer('production');
  // The version before this one in the production history (what a rollback restores).
  const before = productionHistory(production)[0];
  if (production === undefined || before === undefined)
    return { rollback: false as const, reason: 'no earlier production version' };
  if (production.change === 'rolled-back')
    return { rollback: false as const, reason: 'production was rolled back to: no promotion to check' };
  const previous = await loadArtifact(ctx, before);
  const since = (
    await ctx.predictions.withOutcomes(ctx.config.monitoring.modelDrift.liveWindow, {
      modelVersion: production.version,
    })
  ).filter((e) => e.at >= production.updatedAt);
  const decision = decideRollback(
    {
      productionVersion: production.version,
      previousVersion: before,
      previousAccuracy: previous.evaluation.markov.overall.metrics.model.accuracy,
      // One outcome per symbol-day (the log has one entry per horizon asked).
      predictions: symbolDays(logged(since)),
    },
    ctx.config.monitoring.rollback,
  );
  if (!decision.rollback) return { rollback: false as const, decision };
  const at = ctx.now().toISOString();
  await switchProduction(ctx, {
    from: production,
    to: before,
    kind: 'rolled-back',
    reason: `rollback: ${decision.reasons.join('; ')}`,
  });
  await raiseAlert(ctx, modelRolledBackAlert(decision, ctx.config.monitoring, at));
  return { rollback: true as const, decision };
}
