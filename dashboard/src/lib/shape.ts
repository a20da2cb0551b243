/**
 * Shaping API answers into what the pages draw: chart series, regime bands, summary tables,
 * "what was live when". Pure functions of the API's JSON (no DOM, no fetching), so each is unit
 * tested; nothing here makes up a value the API did not send.
 */
import { toNumber } from './format.ts';
import type {
  AbTestRecord,
  AlertRecord,
  DriftRecord,
  Headline,
  JobRecord,
  Layer,
  ModelReport,
  ModelsResponse,
  QualityRecord,
  RegistryEvent,
  Severity,
  TimelineRow,
} from './types.ts';
import { LAYERS, SEVERITIES } from './types.ts';

const DAY_SECONDS = 86_400;

/** "2008-10-10" → epoch seconds at 00:00 UTC (the x unit of uPlot time axes). */
export function isoDayToSeconds(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

/** Epoch seconds → "YYYY-MM-DD" (UTC). */
export function secondsToIsoDay(seconds: number): string {
  return new Date(Math.round(seconds / DAY_SECONDS) * DAY_SECONDS * 1000).toISOString().slice(0, 10);
}

/** An ISO 8601 instant → epoch seconds (NaN when unparseable). */
export function isoToSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

/** Newest first by `at` (ISO 8601 strings of one format compare as text). */
export function newestFirst<T extends { at: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/** Oldest first by `at`. */
export function oldestFirst<T extends { at: string }>(items: readonly T[]): T[] {
  return newestFirst(items).reverse();
}

/** The version a page shows: the URL's when registered, else production, else the newest. */
export function chooseVersion(models: ModelsResponse, wanted: string | undefined): string | null {
  const known = models.versions.map((v) => v.version);
  if (wanted !== undefined && known.includes(wanted)) return wanted;
  if (models.production !== null) return models.production;
  return [...known].sort().pop() ?? null;
}

/** `wanted` when it is one of `options`, else the first option (null when there is none). */
export function pickOption(options: readonly string[], wanted: string | null | undefined): string | null {
  if (wanted != null && options.includes(wanted)) return wanted;
  return options[0] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Regime timeline
// ---------------------------------------------------------------------------------------------

export interface TimelineSeries {
  /** Epoch seconds of each row's date. */
  x: number[];
  price: number[];
  risk: number[];
  state: number[];
}

/** The timeline rows as aligned chart columns, in date order. */
export function timelineSeries(rows: readonly TimelineRow[]): TimelineSeries {
  const sorted = [...rows].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return {
    x: sorted.map((r) => isoDayToSeconds(r.date)),
    price: sorted.map((r) => r.price),
    risk: sorted.map((r) => r.riskScore),
    state: sorted.map((r) => r.state),
  };
}

/** A maximal run of consecutive rows in one regime. */
export interface RegimeRun {
  state: number;
  /** Row indices (inclusive) in date order. */
  start: number;
  end: number;
  from: string;
  to: string;
  /** Number of gold rows (trading days) in the run. */
  days: number;
}

/** The regime bands of a timeline: maximal runs of one state, in date order. */
export function regimeRuns(rows: readonly TimelineRow[]): RegimeRun[] {
  const sorted = [...rows].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const runs: RegimeRun[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const row = sorted[i]!;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.state === row.state) {
      last.end = i;
      last.to = row.date;
      last.days++;
    } else {
      runs.push({ state: row.state, start: i, end: i, from: row.date, to: row.date, days: 1 });
    }
  }
  return runs;
}

/** The `limit` longest runs of one state, longest first (ties: earlier first). */
export function longestRuns(runs: readonly RegimeRun[], state: number, limit: number): RegimeRun[] {
  return runs
    .filter((r) => r.state === state)
    .sort((a, b) => b.days - a.days || a.start - b.start)
    .slice(0, limit);
}

/**
 * The runs of one state worth listing: the `limit` longest plus the most recent one (which a reader
 * always wants, even when short), in date order.
 */
export function notableRuns(runs: readonly RegimeRun[], state: number, limit: number): RegimeRun[] {
  const chosen = longestRuns(runs, state, limit);
  const latest = runs.filter((r) => r.state === state).at(-1);
  if (latest !== undefined && !chosen.includes(latest)) chosen.push(latest);
  return chosen.sort((a, b) => a.start - b.start);
}

/** Rows per regime (index = state; states beyond the labels are counted too). */
export function regimeCounts(rows: readonly TimelineRow[], states: number): number[] {
  const counts = new Array<number>(states).fill(0);
  for (const r of rows) {
    if (Number.isInteger(r.state) && r.state >= 0) counts[r.state] = (counts[r.state] ?? 0) + 1;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Markov chain
// ---------------------------------------------------------------------------------------------

/** Background and text colours of a heat-map cell for a probability (white → deep blue). */
export function heatColor(p: number): { background: string; color: string } {
  const x = Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0;
  const lightness = Math.round(97 - x * 67);
  return { background: `hsl(214 70% ${lightness}%)`, color: lightness < 55 ? '#ffffff' : '#0b1f33' };
}

export interface MatrixCell {
  from: string;
  to: string;
  p: number;
  lower: number;
  upper: number;
  count: number;
}

/** The transition matrix as rows of cells with their credible intervals and counts. */
export function transitionCells(report: ModelReport): MatrixCell[][] {
  const { labels, chain } = report;
  return chain.transitionMatrix.map((row, i) =>
    row.map((p, j) => ({
      from: labels[i] ?? `state ${i}`,
      to: labels[j] ?? `state ${j}`,
      p,
      lower: chain.credibleIntervals.lower[i]?.[j] ?? Number.NaN,
      upper: chain.credibleIntervals.upper[i]?.[j] ?? Number.NaN,
      count: chain.counts[i]?.[j] ?? 0,
    })),
  );
}

/** P(reach the absorbing regime within h | start) per start state and horizon, with intervals. */
export function reachTable(report: ModelReport): {
  horizons: number[];
  rows: { start: string; cells: { value: number; lower: number; upper: number }[] }[];
} {
  const reach = report.chain.absorbing.reachWithin;
  return {
    horizons: reach.map((r) => r.horizon),
    rows: report.labels.map((start, i) => ({
      start,
      cells: reach.map((r) => ({
        value: r.value[i] ?? Number.NaN,
        lower: r.lower[i] ?? Number.NaN,
        upper: r.upper[i] ?? Number.NaN,
      })),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

export type HeadlineMetric = Exclude<keyof Headline, 'n'>;
export const HEADLINE_METRICS: readonly HeadlineMetric[] = [
  'accuracy',
  'macroF1',
  'rocAuc',
  'logLoss',
  'brier',
];
/** Metrics where lower is better. */
export const LOWER_IS_BETTER: ReadonlySet<HeadlineMetric> = new Set(['logLoss', 'brier']);

export interface FoldSeries {
  folds: number[];
  model: (number | null)[];
  persistence: (number | null)[];
  climatology: (number | null)[];
  /** Null when the report has no HMM evaluation. */
  hmm: (number | null)[] | null;
}

/** One metric per fold for the model, both baselines and (when evaluated) the HMM. */
export function foldSeries(report: ModelReport, metric: HeadlineMetric): FoldSeries {
  const folds = [...report.evaluation.folds].sort((a, b) => a.fold - b.fold);
  const value = (h: Headline | null) => (h === null ? null : finiteOrNull(toNumber(h[metric])));
  const hasHmm = folds.some((f) => f.hmm !== null);
  return {
    folds: folds.map((f) => f.fold + 1),
    model: folds.map((f) => value(f.model)),
    persistence: folds.map((f) => value(f.persistence)),
    climatology: folds.map((f) => value(f.climatology)),
    hmm: hasHmm ? folds.map((f) => value(f.hmm)) : null,
  };
}

function finiteOrNull(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : x;
}

/**
 * The forecasters best on a metric overall (several when tied; lower-is-better metrics handled);
 * empty when none was scored.
 */
export function bestForecasters(
  overall: ModelReport['evaluation']['overall'],
  metric: HeadlineMetric,
): ('model' | 'persistence' | 'climatology' | 'hmm')[] {
  const names = ['model', 'persistence', 'climatology', 'hmm'] as const;
  const scored = names
    .map((name) => {
      const h = overall[name];
      return { name, value: h === null ? null : finiteOrNull(toNumber(h[metric])) };
    })
    .filter((s): s is { name: (typeof names)[number]; value: number } => s.value !== null);
  if (scored.length === 0) return [];
  const values = scored.map((s) => s.value);
  const best = LOWER_IS_BETTER.has(metric) ? Math.min(...values) : Math.max(...values);
  return scored.filter((s) => s.value === best).map((s) => s.name);
}

/** The reliability diagram's points: mean forecast vs observed frequency per non-empty bin. */
export function calibrationSeries(report: ModelReport): {
  predicted: number[];
  observed: number[];
  counts: number[];
} {
  const bins = [...report.evaluation.calibration.bins].sort((a, b) => a.meanPredicted - b.meanPredicted);
  return {
    predicted: bins.map((b) => b.meanPredicted),
    observed: bins.map((b) => b.observedFrequency),
    counts: bins.map((b) => b.count),
  };
}

/** Live accuracy over time from the drift records (only checks that had outcomes), oldest first. */
export function liveAccuracySeries(records: readonly DriftRecord[]): {
  x: number[];
  accuracy: number[];
  outcomes: number[];
  versions: string[];
} {
  const withAccuracy = oldestFirst(records).filter(
    (r) => r.liveAccuracy !== null && Number.isFinite(r.liveAccuracy),
  );
  return {
    x: withAccuracy.map((r) => isoToSeconds(r.at)),
    accuracy: withAccuracy.map((r) => r.liveAccuracy!),
    outcomes: withAccuracy.map((r) => r.liveOutcomes),
    versions: withAccuracy.map((r) => r.modelVersion),
  };
}

// ---------------------------------------------------------------------------------------------
// Alerts and drift
// ---------------------------------------------------------------------------------------------

/** Whether text names a severity. */
export function isSeverity(value: string | undefined): value is Severity {
  return value !== undefined && (SEVERITIES as readonly string[]).includes(value);
}

/** How many alerts of each severity (every severity present, most severe first). */
export function countBySeverity(alerts: readonly AlertRecord[]): { severity: Severity; count: number }[] {
  return SEVERITIES.map((severity) => ({
    severity,
    count: alerts.filter((a) => a.severity === severity).length,
  }));
}

/** Alerts of one severity (all when none is given), newest first. */
export function filterAlerts(alerts: readonly AlertRecord[], severity?: Severity): AlertRecord[] {
  return newestFirst(severity === undefined ? alerts : alerts.filter((a) => a.severity === severity));
}

/** Alerts per UTC day and severity, oldest day first (days without alerts are left out). */
export function alertsPerDay(
  alerts: readonly AlertRecord[],
): { day: string; counts: Record<Severity, number> }[] {
  const byDay = new Map<string, Record<Severity, number>>();
  for (const a of alerts) {
    const t = Date.parse(a.raisedAt ?? a.at);
    if (Number.isNaN(t)) continue;
    const day = new Date(t).toISOString().slice(0, 10);
    let counts = byDay.get(day);
    if (counts === undefined) {
      counts = { critical: 0, high: 0, medium: 0, low: 0 };
      byDay.set(day, counts);
    }
    if (isSeverity(a.severity)) counts[a.severity]++;
  }
  return [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, counts]) => ({ day, counts }));
}

/** Symbols and features that appear in the drift records, sorted. */
export function driftDimensions(records: readonly DriftRecord[]): { symbols: string[]; features: string[] } {
  const symbols = new Set<string>();
  const features = new Set<string>();
  for (const r of records) {
    for (const name of r.symbolNames ?? []) symbols.add(name);
    for (const s of r.symbols ?? []) {
      symbols.add(s.symbol);
      for (const f of s.features ?? []) features.add(f.feature);
    }
  }
  return { symbols: [...symbols].sort(), features: [...features].sort() };
}

/**
 * At most `max` of a check's symbols, those with any drift (a feature, the regime mix or the chain)
 * first, each group in the check's order.
 */
export function driftingFirst<S extends NonNullable<DriftRecord['symbols']>[number]>(
  symbols: readonly S[],
  max: number,
): S[] {
  const drifted = (s: S) =>
    s.regimeMixDrift === true || s.chainDrift === true || s.features.some((f) => f.drift);
  return [...symbols.filter(drifted), ...symbols.filter((s) => !drifted(s))].slice(0, max);
}

export interface DriftSeries {
  x: number[];
  ksD: number[];
  ksP: number[];
  psi: number[];
  drift: boolean[];
}

/** One feature of one symbol across the drift checks, oldest first (checks without it are skipped). */
export function driftSeries(records: readonly DriftRecord[], symbol: string, feature: string): DriftSeries {
  const out: DriftSeries = { x: [], ksD: [], ksP: [], psi: [], drift: [] };
  for (const r of oldestFirst(records)) {
    const f = r.symbols?.find((s) => s.symbol === symbol)?.features?.find((g) => g.feature === feature);
    if (f === undefined) continue;
    out.x.push(isoToSeconds(r.at));
    out.ksD.push(f.ksD);
    out.ksP.push(f.ksP);
    out.psi.push(f.psi);
    out.drift.push(f.drift);
  }
  return out;
}

/** The chain-drift G-test p-value of one symbol across the drift checks, oldest first. */
export function chainDriftSeries(
  records: readonly DriftRecord[],
  symbol: string,
): {
  x: number[];
  pValue: number[];
  statistic: number[];
  /** Each check's own calibrated threshold (null: that check judged by the p-value rule). */
  thresholds: (number | null)[];
  /** The newest check's: the rule in force (null: the p-value rule). */
  threshold: number | null;
} {
  const x: number[] = [];
  const pValue: number[] = [];
  const statistic: number[] = [];
  const thresholds: (number | null)[] = [];
  for (const r of oldestFirst(records)) {
    const s = r.symbols?.find((t) => t.symbol === symbol);
    if (s === undefined || !Number.isFinite(s.chainP)) continue;
    x.push(isoToSeconds(r.at));
    pValue.push(s.chainP);
    statistic.push(s.chainStatistic);
    thresholds.push(typeof s.chainThreshold === 'number' ? s.chainThreshold : null);
  }
  return { x, pValue, statistic, thresholds, threshold: thresholds.at(-1) ?? null };
}

/**
 * A y range from 0 that shows the data and the threshold lines (uPlot scales to the data alone: a
 * calibrated PSI threshold of 7.85 above PSI values of 5.0–5.4 fell off the chart).
 */
export function rangeWithLines(
  values: readonly number[],
  lines: readonly (number | null)[],
): [number, number] {
  let top = 0;
  for (const v of [...values, ...lines]) if (v !== null && Number.isFinite(v) && v > top) top = v;
  return [0, top > 0 ? top * 1.08 : 1];
}

// ---------------------------------------------------------------------------------------------
// Data quality
// ---------------------------------------------------------------------------------------------

/** The newest quality record of each layer (undefined for a layer never measured). */
export function latestQualityByLayer(
  records: readonly QualityRecord[],
): Record<Layer, QualityRecord | undefined> {
  const sorted = newestFirst(records);
  return {
    bronze: sorted.find((r) => r.layer === 'bronze'),
    silver: sorted.find((r) => r.layer === 'silver'),
    gold: sorted.find((r) => r.layer === 'gold' && r.scored !== false),
  };
}

/** Each layer's score over time (oldest first); layers without records have empty series. */
export function qualityScoreSeries(
  records: readonly QualityRecord[],
): Record<Layer, { x: number[]; score: number[] }> {
  const out = {} as Record<Layer, { x: number[]; score: number[] }>;
  const sorted = oldestFirst(records);
  for (const layer of LAYERS) {
    const rows = sorted.filter((r) => r.layer === layer && r.scored !== false && Number.isFinite(r.score));
    out[layer] = { x: rows.map((r) => isoToSeconds(r.at)), score: rows.map((r) => r.score) };
  }
  return out;
}

/** Dropped rows per reason summed over the records (reasons with no drops are kept, at 0), most first. */
export function droppedByReason(records: readonly QualityRecord[]): { reason: string; rows: number }[] {
  const totals = new Map<string, number>();
  for (const r of records) {
    for (const [reason, n] of Object.entries(r.dropped ?? {})) {
      if (typeof n === 'number' && Number.isFinite(n)) totals.set(reason, (totals.get(reason) ?? 0) + n);
    }
  }
  return [...totals.entries()]
    .map(([reason, rows]) => ({ reason, rows }))
    .sort((a, b) => b.rows - a.rows || (a.reason < b.reason ? -1 : 1));
}

/** "non_numeric_price" → "non-numeric price". */
export function reasonLabel(reason: string): string {
  return reason.replace(/^non_/, 'non-').replaceAll('_', ' ');
}

// ---------------------------------------------------------------------------------------------
// Retraining, A/B tests and the production history
// ---------------------------------------------------------------------------------------------

export interface ProductionPeriod {
  version: string;
  from: string;
  /** Null while it is still in production. */
  to: string | null;
  /** How it got there. */
  how: 'promoted' | 'rolled-back';
  reason: string;
}

/** "What was live when": production periods from the registry's promote and rollback events, newest first. */
export function productionPeriods(events: readonly RegistryEvent[]): ProductionPeriod[] {
  const periods: ProductionPeriod[] = [];
  for (const e of oldestFirst(events)) {
    if ((e.kind !== 'promoted' && e.kind !== 'rolled-back') || e.version === null) continue;
    const current = periods[periods.length - 1];
    if (current !== undefined && current.to === null) current.to = e.at;
    periods.push({ version: e.version, from: e.at, to: null, how: e.kind, reason: e.reason });
  }
  return periods.reverse();
}

/** The newest evaluation of each A/B test (by candidate), newest first. */
export function latestAbTests(records: readonly AbTestRecord[]): AbTestRecord[] {
  const seen = new Set<string>();
  const out: AbTestRecord[] = [];
  for (const r of newestFirst(records)) {
    if (seen.has(r.candidateVersion)) continue;
    seen.add(r.candidateVersion);
    out.push(r);
  }
  return out;
}

/** A candidate whose A/B test ended (rejected or promoted by hand) before the daily evaluation ran on it. */
export interface UnevaluatedTest {
  candidateVersion: string;
  startedAt: string;
  endedAt: string;
  how: 'rejected' | 'promoted';
  reason: string;
}

/**
 * The A/B tests the registry's events started and ended with no evaluation recorded (newest first):
 * a candidate rejected or promoted before its first daily evaluation has no A/B record, only its
 * `candidate-started` event and the event that ended it. The running candidate is not one of them.
 */
export function unevaluatedTests(
  events: readonly RegistryEvent[],
  evaluated: readonly AbTestRecord[],
  runningCandidate: string | null,
  /** True when `evaluated` is a page of the newest records only: tests older than its oldest are unknown. */
  truncated = false,
): UnevaluatedTest[] {
  const known = new Set(evaluated.map((t) => t.candidateVersion));
  // Beyond the oldest record read, an evaluated test could look unevaluated: none is listed there.
  const since = truncated && evaluated.length > 0 ? (oldestFirst(evaluated)[0]?.at ?? '') : '';
  const ordered = oldestFirst(events);
  const out: UnevaluatedTest[] = [];
  for (const [i, started] of ordered.entries()) {
    const v = started.version;
    if (started.kind !== 'candidate-started' || v === null || known.has(v) || v === runningCandidate)
      continue;
    if (started.at < since) continue;
    const end = ordered
      .slice(i + 1)
      .find((e) => e.version === v && (e.kind === 'candidate-rejected' || e.kind === 'promoted'));
    if (end === undefined) continue;
    out.push({
      candidateVersion: v,
      startedAt: started.at,
      endedAt: end.at,
      how: end.kind === 'promoted' ? 'promoted' : 'rejected',
      reason: end.reason,
    });
  }
  return out.reverse();
}

/** How far an A/B test is through its planned sample: per arm observed, required and share done (0..1). */
export function abProgress(record: AbTestRecord): {
  arm: 'production' | 'candidate';
  observed: number;
  required: number | null;
  share: number | null;
}[] {
  const { observed, required } = record.sampleSize;
  return (['production', 'candidate'] as const).map((arm) => {
    const need = required?.[arm] ?? null;
    return {
      arm,
      observed: observed[arm],
      required: need,
      share: need === null || need <= 0 ? null : Math.min(1, observed[arm] / need),
    };
  });
}

/**
 * Several series with their own x values on one shared x axis (the union, ascending): each series
 * gets null where it has no point (uPlot's aligned data). A repeated x keeps the series' last value.
 */
export function alignSeries(series: readonly { x: readonly number[]; y: readonly number[] }[]): {
  x: number[];
  ys: (number | null)[][];
} {
  const x = [...new Set(series.flatMap((s) => s.x.filter((v) => Number.isFinite(v))))].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const ys = series.map((s) => {
    const out = new Array<number | null>(x.length).fill(null);
    s.x.forEach((v, i) => {
      const at = index.get(v);
      if (at !== undefined) out[at] = s.y[i] ?? null;
    });
    return out;
  });
  return { x, ys };
}

/** Names of the horizon backtest's forecasters, for people. */
export const HORIZON_FORECASTER_LABELS: Record<string, string> = {
  markov: 'Markov chain',
  'semi-markov': 'Semi-Markov chain',
  direct: 'Direct h-step table',
  climatology: 'Climatology',
  persistence: 'Fitted persistence',
};

/**
 * Where the chain loses in the horizon backtest, in words: each horizon where another forecaster has
 * a lower out-of-fold log loss of P(regime at t+h), or a lower Brier of P(High within h).
 */
export function chainLosses(report: ModelReport): string[] {
  const t = report.horizons;
  if (!t) return [];
  const high = report.labels[t.highState] ?? 'High';
  const out: string[] = [];
  for (const r of t.results) {
    const chain = r.forecasters.find((f) => f.name === 'markov');
    if (!chain) continue;
    const best = r.forecasters.find((f) => f.name === r.winner.name)!;
    if (best.name !== 'markov') {
      out.push(
        `h = ${r.horizon}: ${HORIZON_FORECASTER_LABELS[best.name] ?? best.name} log loss ${best.regime.logLoss.toFixed(3)} against the chain’s ${chain.regime.logLoss.toFixed(3)}`,
      );
    }
    const reach = r.forecasters
      .filter(
        (f) =>
          f.name !== 'markov' && f.reachHigh && chain.reachHigh && f.reachHigh.brier < chain.reachHigh.brier,
      )
      .sort((a, b) => a.reachHigh!.brier - b.reachHigh!.brier)[0];
    if (reach && chain.reachHigh) {
      out.push(
        `h = ${r.horizon}: P(${high} within ${r.horizon} days) Brier ${chain.reachHigh.brier.toFixed(4)} for the chain against ${reach.reachHigh!.brier.toFixed(4)} (${HORIZON_FORECASTER_LABELS[reach.name] ?? reach.name}); the chain forecasts ${(100 * chain.reachHigh.meanForecast).toFixed(1)} % on average, ${(100 * chain.reachHigh.observedRate).toFixed(1)} % happened`,
      );
    }
  }
  return out;
}

/** The drift line of the retraining loop: the run of breached checks against persistChecks. */
export function driftStreakText(
  drift: Pick<DriftRecord, 'breached' | 'driftStreak' | 'persistChecks'>,
): string {
  if (!drift.breached) return 'no threshold breached on the newest check';
  const streak = drift.driftStreak ?? 0;
  const needed = drift.persistChecks ?? 0;
  return streak >= needed
    ? `breached on ${streak} consecutive checks: enough for drift to retrain (it needs ${needed} in a row)`
    : `breached on ${streak} of the ${needed} consecutive checks drift needs to retrain`;
}

/**
 * The end of the cool-down in force: the newest drift check's (null when it found none — e.g. after
 * retraining.cooldownHours was set to 0), unless a job recorded after that check says (a training
 * since — an operator's request — starts a new cool-down); the job's when the check does not say.
 */
export function currentCooldownEnd(
  drift: Pick<DriftRecord, 'cooldownEndsAt'> & { at?: string },
  job: (Pick<JobRecord, 'cooldownEndsAt'> & { at?: string }) | undefined,
): string | null {
  const jobIsNewer = job?.at !== undefined && drift.at !== undefined && job.at > drift.at;
  if (jobIsNewer && job?.cooldownEndsAt !== undefined) return job.cooldownEndsAt;
  return drift.cooldownEndsAt !== undefined ? drift.cooldownEndsAt : (job?.cooldownEndsAt ?? null);
}

/**
 * What holds a retraining back now, from the newest drift check and job: their blockers, without a
 * "candidate … is in its A/B test" whose candidate is no longer the one under test (stale since a
 * promotion or rejection), the candidate under test when no record has said so yet, and the cool-down when it is what stopped a retraining the rules asked for.
 */
export function heldBack(
  drift: Pick<DriftRecord, 'blockedBy' | 'verdict' | 'retrain' | 'cooldownEndsAt'>,
  job: Pick<JobRecord, 'blockedBy' | 'heldByCooldown' | 'cooldownEndsAt'> | undefined,
  candidate: string | null,
  now: Date,
): string[] {
  const out = new Set<string>();
  for (const b of [...(drift.blockedBy ?? []), ...(job?.blockedBy ?? [])]) {
    const running = /^candidate (\S+) is in its A\/B test/.exec(b);
    if (running && running[1] !== candidate) continue;
    out.add(b);
  }
  // A candidate under test holds every retraining back, whether or not a check has run since.
  if (candidate !== null && ![...out].some((b) => b.startsWith(`candidate ${candidate} `))) {
    out.add(`candidate ${candidate} is in its A/B test: one candidate at a time`);
  }
  const cooldownEnd = currentCooldownEnd(drift, job);
  const cooling = cooldownEnd !== null && Date.parse(cooldownEnd) > now.getTime();
  const asked = (drift.verdict === 'retrain' && drift.retrain === false) || job?.heldByCooldown === true;
  if (cooling && asked && out.size === 0) {
    out.add(`the cool-down after the last training, until ${cooldownEnd.slice(0, 16).replace('T', ' ')} UTC`);
  }
  return [...out];
}

/**
 * A time axis spans at least an hour around its points: runs recorded seconds apart (a first start,
 * a burst of uploads) would otherwise get ticks of milliseconds (":42.200").
 */
/**
 * The x range of a time chart whose points are all one instant (one drift check so far): a day
 * around it. uPlot widens one instant itself by 86400 / ms "seconds" — 1,000 days at FINML's
 * seconds — so one check drew an axis from December 2026 to August 2029. Undefined otherwise.
 */
export function dayAroundOneInstant(x: readonly number[]): [number, number] | undefined {
  if (x.length === 0 || !x.every((v) => v === x[0])) return undefined;
  return [x[0]! - 43_200, x[0]! + 43_200];
}

export function atLeastAnHour(min: number, max: number): [number, number] {
  const HOUR = 3600; // uPlot time scales are in seconds
  if (max - min >= HOUR) return [min, max];
  const mid = (min + max) / 2;
  return [mid - HOUR / 2, mid + HOUR / 2];
}

/**
 * How many calendar days a symbol's newest gold day is behind the day most symbols have reached (the
 * most common newest day; of equally common ones, the latest), or null when it is not behind: a
 * symbol a daily file left out shows its last day among everyone's next one. One symbol that runs
 * further (the sample's SPX, to 2020-04-17, beside a user's universe to 2019) puts no one behind.
 */
export function daysBehind(date: string, dates: readonly string[]): number | null {
  const counts = new Map<string, number>();
  for (const d of dates) counts.set(d, (counts.get(d) ?? 0) + 1);
  let current = date;
  let most = 0;
  for (const [d, n] of counts) {
    if (n > most || (n === most && d > current)) {
      current = d;
      most = n;
    }
  }
  if (current <= date) return null;
  return Math.round((Date.parse(`${current}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
}

/**
 * Retraining jobs as the table lists them: an operator's request shows as `requested` until its
 * function ends, then only the job that answered it (trained, skipped or failed) is left.
 */
export function foldRequestedJobs(items: readonly JobRecord[]): JobRecord[] {
  const answered = new Set(items.filter((j) => j.status !== 'requested' && j.request).map((j) => j.request));
  return items.filter((j) => j.status !== 'requested' || !answered.has(j.request));
}

/**
 * Quality records with one per (run, layer, file): a run a stop of `npm start` interrupted is run
 * again with the same run id, and its first attempt's records would count the file twice ("all 4
 * bronze files" for 3). The newest of each is kept; a file uploaded again is a new run, kept apart.
 */
export function onePerRunAttempt(records: readonly QualityRecord[]): QualityRecord[] {
  const seen = new Set<string>();
  const kept: QualityRecord[] = [];
  for (const r of newestFirst(records)) {
    const id = JSON.stringify([r.runId, r.layer, r.file]);
    if (seen.has(id)) continue;
    seen.add(id);
    kept.push(r);
  }
  return kept;
}
