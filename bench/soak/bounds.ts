/**
 * The soak's bounds (issue 14), as pure functions over what the run observed: each returns the
 * figures it reports and the violations that fail the run.
 */

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

export interface BoundResult {
  readonly name: string;
  readonly ok: boolean;
  /** One line for the summary table. */
  readonly figure: string;
  readonly violations: string[];
}

/** Counts of ISO times per simulated week from `start` (week 0 = the first 7 days). */
export function perWeek(times: readonly string[], start: number, weeks: number): number[] {
  const out = new Array<number>(Math.max(1, weeks)).fill(0);
  for (const t of times) {
    const w = Math.floor((Date.parse(t) - start) / WEEK_MS);
    if (w >= 0 && w < out.length) out[w]!++;
  }
  return out;
}

export interface PredictionCheck {
  readonly symbol: string;
  readonly day: string;
  /** The forecast's `from.date`. */
  readonly from: string | null;
  /** The symbol's newest gold date when the forecast was asked. */
  readonly newestGold: string | null;
}

/** Every forecast starts from the newest gold day of its symbol. */
export function forecastsFromNewestDay(checks: readonly PredictionCheck[]): BoundResult {
  const bad = checks.filter((c) => c.from === null || c.from !== c.newestGold);
  return {
    name: 'forecasts from the newest day',
    ok: bad.length === 0 && checks.length > 0,
    figure: `${checks.length - bad.length} of ${checks.length} forecasts`,
    violations: [
      ...(checks.length === 0 ? ['no forecast was asked'] : []),
      ...bad
        .slice(0, 5)
        .map((c) => `${c.symbol} on ${c.day}: from ${c.from ?? 'nothing'}, newest gold ${c.newestGold}`),
      ...(bad.length > 5 ? [`and ${bad.length - 5} more`] : []),
    ],
  };
}

export interface Training {
  readonly version: string;
  /** When it was trained (ISO). */
  readonly at: string;
  /** Its gold data fingerprint. */
  readonly fingerprint: string;
  /** What started it (the registration reason or job trigger). */
  readonly trigger: string;
}

/**
 * Retrainings: after the first model, two trainings are never closer than the cool-down, at most
 * one a week comes from the schedule (the rest are drift- or data-triggered, still behind the
 * cool-down), and no training repeats the previous one's data fingerprint.
 */
export function retrainingsBounded(
  trainings: readonly Training[],
  options: { start: number; weeks: number; cooldownHours: number; scheduleIntervalDays: number },
): BoundResult {
  const sorted = [...trainings].sort((a, b) => (a.at < b.at ? -1 : 1));
  const violations: string[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    const hours = (Date.parse(b.at) - Date.parse(a.at)) / 3_600_000;
    if (hours < options.cooldownHours) {
      violations.push(
        `${b.version} trained ${hours.toFixed(1)} h after ${a.version} (cool-down ${options.cooldownHours} h)`,
      );
    }
    if (b.fingerprint === a.fingerprint) {
      violations.push(`${b.version} was trained on the same data fingerprint as ${a.version}`);
    }
  }
  const retrainings = sorted.slice(1);
  const weekly = perWeek(
    retrainings.map((t) => t.at),
    options.start,
    options.weeks,
  );
  // The cool-down allows at most ceil(7 × 24 / cooldownHours) trainings in any 7 days.
  const cap = Math.ceil((7 * 24) / options.cooldownHours);
  weekly.forEach((n, w) => {
    if (n > cap) violations.push(`week ${w + 1}: ${n} retrainings (the cool-down allows ${cap})`);
  });
  const scheduled = retrainings.filter((t) => /schedule/i.test(t.trigger));
  const scheduledWeekly = perWeek(
    scheduled.map((t) => t.at),
    options.start,
    options.weeks,
  );
  scheduledWeekly.forEach((n, w) => {
    if (n > Math.ceil(7 / options.scheduleIntervalDays))
      violations.push(`week ${w + 1}: ${n} scheduled retrainings`);
  });
  return {
    name: 'retrainings ≤ weekly + drift (cool-down)',
    ok: violations.length === 0,
    figure: `${retrainings.length} retrainings after the first model (${scheduled.length} scheduled); per week max ${Math.max(0, ...weekly)}: [${weekly.join(' ')}]`,
    violations,
  };
}

export interface AbTest {
  readonly candidate: string;
  readonly startedAt: string;
  /** promote | reject | superseded (replaced by a newer candidate) | running (at the end). */
  readonly outcome: 'promote' | 'reject' | 'superseded' | 'running';
  readonly decidedAt: string | null;
}

/**
 * Every A/B test decides (promote or reject) within maxDurationDays, plus one evaluation period
 * (the daily schedule decides at its first run past the maximum); one still running at the end
 * must be younger than that; none is replaced by a newer candidate.
 */
export function abTestsDecide(
  tests: readonly AbTest[],
  options: { maxDurationDays: number; evaluationPeriodDays: number; end: number },
): BoundResult {
  const limitDays = options.maxDurationDays + options.evaluationPeriodDays;
  const violations: string[] = [];
  const durations: number[] = [];
  for (const t of tests) {
    const endAt = t.decidedAt === null ? options.end : Date.parse(t.decidedAt);
    const days = (endAt - Date.parse(t.startedAt)) / DAY_MS;
    if (t.outcome === 'superseded') violations.push(`${t.candidate}: replaced by a newer candidate mid-test`);
    else if (days > limitDays + 1e-9)
      violations.push(
        `${t.candidate}: ${t.outcome === 'running' ? 'still running' : t.outcome} after ${days.toFixed(1)} days (limit ${limitDays})`,
      );
    if (t.outcome === 'promote' || t.outcome === 'reject') durations.push(days);
  }
  const count = (o: AbTest['outcome']) => tests.filter((t) => t.outcome === o).length;
  return {
    name: `A/B tests decide within ${options.maxDurationDays} days`,
    ok: violations.length === 0,
    figure: `${tests.length} tests: ${count('promote')} promoted, ${count('reject')} rejected, ${count('running')} running${durations.length > 0 ? `; days to decide ${Math.min(...durations).toFixed(1)}–${Math.max(...durations).toFixed(1)}` : ''}`,
    violations,
  };
}

export interface ItemCounts {
  /** The share of the run (0.25, 0.5, 1). */
  readonly at: number;
  readonly symbolDays: number;
  readonly registry: number;
  readonly predictions: number;
}

/**
 * Registry and prediction-log items grow linearly in symbol-days: the items per symbol-day at
 * each checkpoint are not above the previous checkpoint's (5 % tolerance: the counts are small at
 * the first checkpoint of a short run).
 */
export function itemsLinear(points: readonly ItemCounts[], tolerance = 0.05): BoundResult {
  const violations: string[] = [];
  const ratio = (p: ItemCounts, k: 'registry' | 'predictions') => p[k] / Math.max(1, p.symbolDays);
  for (const k of ['registry', 'predictions'] as const) {
    for (let i = 1; i < points.length; i++) {
      const a = ratio(points[i - 1]!, k);
      const b = ratio(points[i]!, k);
      if (b > a * (1 + tolerance)) {
        violations.push(
          `${k}: ${b.toFixed(3)} items per symbol-day at ${points[i]!.at} of the run, up from ${a.toFixed(3)} at ${points[i - 1]!.at}`,
        );
      }
    }
  }
  const show = (k: 'registry' | 'predictions') => points.map((p) => ratio(p, k).toFixed(2)).join(' / ');
  return {
    name: 'items linear in symbol-days',
    ok: violations.length === 0 && points.length > 0,
    figure: `per symbol-day at ${points.map((p) => p.at).join(', ')}: registry ${show('registry')}, prediction log ${show('predictions')}`,
    violations,
  };
}

/** No pipeline run failed. */
export function noFailedRuns(runs: readonly { key: string; status: string; error?: string }[]): BoundResult {
  const failed = runs.filter((r) => r.status !== 'SUCCEEDED');
  return {
    name: 'zero failed pipeline runs',
    ok: failed.length === 0,
    figure: `${runs.length - failed.length} of ${runs.length} runs succeeded`,
    violations: failed.slice(0, 5).map((r) => `${r.key}: ${r.status} ${r.error ?? ''}`.trim()),
  };
}

/** Peak RSS below the limit, and the last quarter's peak not far above the second quarter's (no leak). */
export function rssBounded(samples: readonly number[], limitMiB: number): BoundResult {
  const mib = (b: number) => b / 2 ** 20;
  const peak = Math.max(0, ...samples);
  const quarter = (q: number) =>
    Math.max(
      0,
      ...samples.slice(Math.floor((q * samples.length) / 4), Math.floor(((q + 1) * samples.length) / 4)),
    );
  const violations: string[] = [];
  if (mib(peak) > limitMiB) violations.push(`peak RSS ${mib(peak).toFixed(0)} MiB > ${limitMiB} MiB`);
  return {
    name: 'process RSS bounded',
    ok: violations.length === 0,
    figure: `peak ${mib(peak).toFixed(0)} MiB (limit ${limitMiB}); quarter peaks ${[0, 1, 2, 3].map((q) => mib(quarter(q)).toFixed(0)).join(' / ')} MiB`,
    violations,
  };
}

export interface AlertSeen {
  readonly fingerprint: string;
  readonly severity: string;
  /** The alert's kind (records carry it; an e-mail's is its record's). */
  readonly kind?: string;
  /** When it was raised (ISO). */
  readonly at: string;
}

/**
 * Alerts are bounded: the same fingerprint is recorded at most once per cool-down unless its
 * severity rose, and the non-critical e-mails of one alert kind in a UTC day are at most
 * `digestAbove` + 1 (the rest wait for the daily digest) plus the critical ones and the digests.
 * Reports both per week.
 */
export function alertsBounded(
  records: readonly AlertSeen[],
  emails: readonly AlertSeen[],
  options: { start: number; weeks: number; cooldownHours: number; digestAbove: number },
): BoundResult {
  const rank: Record<string, number> = { low: 0, medium: 1, high: 2, critical: 3 };
  const violations: string[] = [];
  const last = new Map<string, AlertSeen>();
  for (const r of [...records].sort((a, b) => (a.at < b.at ? -1 : 1))) {
    const before = last.get(r.fingerprint);
    if (
      before !== undefined &&
      Date.parse(r.at) - Date.parse(before.at) < options.cooldownHours * 3_600_000 &&
      (rank[r.severity] ?? 0) <= (rank[before.severity] ?? 0)
    ) {
      violations.push(`${r.fingerprint.slice(0, 12)} recorded again at ${r.at} within the cool-down`);
    }
    last.set(r.fingerprint, r);
  }
  const kindOf = new Map(records.map((r) => [r.fingerprint, r.kind ?? 'unknown']));
  const byDay = new Map<string, number>();
  for (const e of emails) {
    if (e.severity === 'critical' || e.fingerprint.startsWith('digest:')) continue;
    const key = `${e.at.slice(0, 10)} ${e.kind ?? kindOf.get(e.fingerprint) ?? 'unknown'}`;
    byDay.set(key, (byDay.get(key) ?? 0) + 1);
  }
  for (const [dayKind, n] of byDay) {
    if (n > options.digestAbove + 1) violations.push(`${dayKind}: ${n} non-critical alert e-mails`);
  }
  const weekly = perWeek(
    records.map((r) => r.at),
    options.start,
    options.weeks,
  );
  const weeklyEmails = perWeek(
    emails.map((r) => r.at),
    options.start,
    options.weeks,
  );
  return {
    name: 'alerts bounded',
    ok: violations.length === 0,
    figure: `${records.length} recorded (per week max ${Math.max(0, ...weekly)}: [${weekly.join(' ')}]), ${emails.length} e-mailed (per week max ${Math.max(0, ...weeklyEmails)})`,
    violations: violations.slice(0, 10),
  };
}
