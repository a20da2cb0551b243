/**
 * Raising an alert: it is e-mailed when its severity is routed to e-mail and the same fingerprint was
 * not e-mailed within the cool-down (or its severity rose); it is recorded for the dashboard unless
 * the same fingerprint was already recorded within the cool-down at the same or a higher severity
 * (so an hourly drift check lists a lasting breach once a day, not every hour).
 *
 * Sending is retried with backoff (monitoring.alerts.delivery). An e-mail that still cannot be sent is
 * recorded as undelivered (`deliveryFailed`) and sent again when the next alert is raised: an alert is
 * never dropped, and a failed send never fails the step that raised it.
 */
import {
  type Alert,
  formatEmail,
  type PreviousAlert,
  pipelineFailedAlert,
  planDelivery,
  type Severity,
} from '#shared/monitoring/alerts';
import type { AlertState } from '#shared/ports';
import type { Context } from './lake.ts';

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** What became of an alert. */
export interface AlertOutcome {
  /** The e-mail went out (now). */
  emailed: boolean;
  /** The alert was written to the dashboard's alert history. */
  recorded: boolean;
  /** sent; not-routed (dashboard only, or within the cool-down); failed (recorded as undelivered, sent again later). */
  delivery: 'sent' | 'not-routed' | 'failed';
  reason: string;
  /** Undelivered alerts of earlier calls that were sent now. */
  redelivered: number;
}

type RecordedAlert = Alert & { id: string; at: string; notified: boolean; deliveryFailed?: boolean };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes with retries; the last error when every attempt failed. */
async function send(ctx: Context, alert: Alert): Promise<{ ok: true } | { ok: false; error: string }> {
  const { attempts, firstDelayMs } = ctx.config.monitoring.alerts.delivery;
  const email = formatEmail(alert, ctx.config.monitoring.alerts, ctx.dashboardUrl);
  let last = '';
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(Math.random() * firstDelayMs * 2 ** (attempt - 1));
    try {
      await ctx.alerts.publish({ ...email, severity: alert.severity, fingerprint: alert.fingerprint });
      return { ok: true };
    } catch (error) {
      last = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
  return { ok: false, error: `${attempts} attempt(s) failed, last: ${last}` };
}

/**
 * Sends the undelivered alerts again, oldest first — the whole `undelivered` queue, however many
 * alerts wait in it (not a look through the newest records); each one sent is recorded as notified
 * and taken off the queue. Stops at the first failure: the rest wait for the next call.
 */
async function redeliver(ctx: Context): Promise<number> {
  let sent = 0;
  for (const r of await ctx.registry.listPendingAlerts('undelivered')) {
    const a = r as unknown as RecordedAlert;
    const result = await send(ctx, a);
    if (!result.ok) break; // still down: keep them for the next call
    await ctx.registry.putRecord('alert', {
      ...a,
      notified: true,
      deliveryFailed: false,
      delivery: 'sent again after a failed send',
    });
    await ctx.registry.deletePendingAlert('undelivered', a);
    sent++;
  }
  return sent;
}

/**
 * Raises one alert. Its fingerprint's state (one registry item per fingerprint: when it was last
 * recorded and last e-mailed, at which severity) decides the de-duplication, so it holds at any
 * number of symbols and features — not only within the newest records.
 */
export async function raiseAlert(ctx: Context, alert: Alert): Promise<AlertOutcome> {
  const cfg = ctx.config.monitoring.alerts;
  // Undelivered e-mails wait in their own queue, retried at every later alert.
  const redelivered = await redeliver(ctx);
  const state = await ctx.registry.getAlertState(alert.fingerprint);
  const previous: PreviousAlert[] = state === undefined ? [] : previousOf(state);
  const planned = planDelivery(alert, previous, alert.raisedAt, cfg);
  // Past digestAbove e-mails of its kind in the UTC day, a non-critical alert waits for the daily
  // digest. Counted per kind: a storm of one kind (data drift on a new universe of symbols) does not
  // hold back the e-mail about another (a rejected file, a production change by hand).
  const day = alert.raisedAt.slice(0, 10);
  const held =
    planned.email &&
    alert.severity !== 'critical' &&
    (await ctx.registry.countAlertEmail(`${day}#${alert.kind}`)) > cfg.digestAbove;
  const plan = held
    ? {
        ...planned,
        email: false,
        reason: `${planned.reason}; held for the daily digest of ${day} (more than ${cfg.digestAbove} ${alert.kind} alert e-mails that day)`,
      }
    : planned;
  const sent = plan.email ? await send(ctx, alert) : undefined;
  const since = Date.parse(alert.raisedAt) - cfg.cooldownHours * 3_600_000;
  const shown =
    state !== undefined &&
    Date.parse(state.recordedAt) > since &&
    RANK[state.recordedSeverity] >= RANK[alert.severity];
  if (shown && !plan.email) {
    return {
      emailed: false,
      recorded: false,
      delivery: 'not-routed',
      reason: `already shown: ${plan.reason}`,
      redelivered,
    };
  }
  const failed = sent !== undefined && !sent.ok;
  const reason = failed ? `${plan.reason}; the e-mail failed (${sent.error}), sent again later` : plan.reason;
  const record = {
    ...alert,
    id: alert.fingerprint.slice(0, 16),
    at: alert.raisedAt,
    notified: sent?.ok === true,
    ...(failed ? { deliveryFailed: true } : {}),
    ...(held ? { digest: day } : {}),
    delivery: reason,
  };
  await ctx.registry.putRecord('alert', record);
  if (failed) await ctx.registry.putPendingAlert('undelivered', record);
  if (held) await ctx.registry.putPendingAlert(`digest#${day}`, record);
  // A failed send counts as e-mailed for the cool-down (the outbox sends it, not the next breach),
  // and so does one held for the digest (the digest sends it).
  const emailed = sent !== undefined || held;
  await ctx.registry.putAlertState({
    fingerprint: alert.fingerprint,
    recordedAt: alert.raisedAt,
    recordedSeverity: alert.severity,
    ...(emailed
      ? { emailedAt: alert.raisedAt, emailedSeverity: alert.severity }
      : state?.emailedAt !== undefined
        ? { emailedAt: state.emailedAt, emailedSeverity: state.emailedSeverity! }
        : {}),
  });
  return {
    emailed: sent?.ok === true,
    recorded: true,
    delivery: sent === undefined ? 'not-routed' : sent.ok ? 'sent' : 'failed',
    reason,
    redelivered,
  };
}

/** A fingerprint's state as the earlier alerts planDelivery weighs: its last e-mail and last record. */
function previousOf(state: AlertState): PreviousAlert[] {
  const out: PreviousAlert[] = [
    {
      fingerprint: state.fingerprint,
      severity: state.recordedSeverity,
      raisedAt: state.recordedAt,
      notified: false,
    },
  ];
  if (state.emailedAt !== undefined) {
    out.push({
      fingerprint: state.fingerprint,
      severity: state.emailedSeverity ?? state.recordedSeverity,
      raisedAt: state.emailedAt,
      notified: true,
    });
  }
  return out;
}

/**
 * The daily schedule's digests: those of the `alerts.digestLookbackDays` days before today, oldest
 * first — a day whose schedule did not run is sent the next time, and a day already sent has an empty
 * queue (nothing is sent twice).
 */
export async function sendAlertDigests(ctx: Context): Promise<{ sent: number; days: string[] }> {
  const today = Date.parse(`${ctx.now().toISOString().slice(0, 10)}T00:00:00Z`);
  let sent = 0;
  const days: string[] = [];
  for (let back = ctx.config.monitoring.alerts.digestLookbackDays; back >= 1; back--) {
    const day = new Date(today - back * 86_400_000).toISOString().slice(0, 10);
    const digest = await sendAlertDigest(ctx, day);
    if (digest.sent > 0) days.push(day);
    sent += digest.sent;
  }
  return { sent, days };
}

/**
 * The daily digest: one e-mail listing the alerts of `day` that were held back because more than
 * `alerts.digestAbove` alert e-mails went out that day (most severe first) — the day's whole digest
 * queue, however many alerts it holds — after which each is marked notified and taken off the
 * queue. Nothing held, nothing sent; run again, it sends only what is still unsent.
 */
export async function sendAlertDigest(ctx: Context, day: string): Promise<{ sent: number }> {
  const queue = `digest#${day}` as const;
  const held = ((await ctx.registry.listPendingAlerts(queue)) as unknown as RecordedAlert[])
    .filter((r) => r.notified !== true)
    .sort((a, b) => RANK[b.severity] - RANK[a.severity] || (a.raisedAt < b.raisedAt ? -1 : 1));
  if (held.length === 0) return { sent: 0 };
  const worst = held[0]!.severity;
  const bySeverity = (['critical', 'high', 'medium', 'low'] as const)
    .map((sev) => [sev, held.filter((r) => r.severity === sev).length] as const)
    .filter(([, n]) => n > 0)
    .map(([sev, n]) => `${n} ${sev}`)
    .join(', ');
  const lines = held.map(
    (r) => `- [${r.severity.toUpperCase()}] ${r.raisedAt.slice(11, 16)} UTC  ${r.title}`,
  );
  const body = [
    `FINML held ${held.length} alert(s) of ${day} for this digest (${bySeverity}): more than`,
    `${ctx.config.monitoring.alerts.digestAbove} alert e-mails went out that day, so the rest come together.`,
    'Each one is on the dashboard (Alerts & drift) with its full text.',
    '',
    ...lines,
  ].join('\n');
  await ctx.alerts.publish({
    subject: `[FINML ${worst.toUpperCase()}] Daily digest ${day}: ${held.length} alert(s)`,
    body,
    severity: worst,
    fingerprint: `digest:${day}`,
  });
  for (const r of held) {
    await ctx.registry.putRecord('alert', {
      ...r,
      notified: true,
      delivery: `sent in the daily digest of ${day}`,
    });
    await ctx.registry.deletePendingAlert(queue, r);
  }
  return { sent: held.length };
}

/**
 * Runs a scheduled job (the hourly drift check, the daily A/B evaluation, the weekly retraining);
 * when it throws, raises a pipelineFailed alert naming the job and the error (de-duplicated like any
 * alert: an hourly job failing the same way is e-mailed once a day) and throws the error on. A
 * failing schedule is never silent.
 */
export async function alertingOnFailure<T>(ctx: Context, job: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const at = ctx.now().toISOString();
    const e = error as Error;
    await raiseAlert(
      ctx,
      pipelineFailedAlert(
        { stage: job, error: `${e.name}: ${e.message}`, since: at },
        ctx.config.monitoring,
        at,
      ),
    ).catch(() => undefined); // the job's own error is the one to report
    throw error;
  }
}
