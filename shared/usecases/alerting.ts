/**
 * Raising an alert: it is e-mailed when its severity is routed to e-mail and the same fingerprint was
 * not e-mailed within the cool-down (or its severity rose); it is recorded for the dashboard unless
 * the same fingerprint was already recorded within the cool-down at the same or a higher severity
 * (so an hourly drift check lists a lasting breach once a day, not every hour).
 */
import {
  type Alert,
  formatEmail,
  type PreviousAlert,
  planDelivery,
  type Severity,
} from '#shared/monitoring/alerts';
import type { Context } from './lake.ts';

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export async function raiseAlert(
  ctx: Context,
  alert: Alert,
): Promise<{ emailed: boolean; recorded: boolean; reason: string }> {
  const cfg = ctx.config.monitoring.alerts;
  const recent = (await ctx.registry.listRecords('alert', 500)) as unknown as (Alert & {
    notified: boolean;
  })[];
  const previous: PreviousAlert[] = recent
    .filter((a) => a.fingerprint === alert.fingerprint)
    .map((a) => ({
      fingerprint: a.fingerprint,
      severity: a.severity,
      raisedAt: a.raisedAt,
      notified: a.notified,
    }));
  const plan = planDelivery(alert, previous, alert.raisedAt, cfg);
  if (plan.email) {
    const email = formatEmail(alert, cfg, ctx.dashboardUrl);
    await ctx.alerts.publish({ ...email, severity: alert.severity, fingerprint: alert.fingerprint });
  }
  const since = Date.parse(alert.raisedAt) - cfg.cooldownHours * 3_600_000;
  const shown = previous.some(
    (p) => Date.parse(p.raisedAt) > since && RANK[p.severity] >= RANK[alert.severity],
  );
  if (shown && !plan.email)
    return { emailed: false, recorded: false, reason: `already shown: ${plan.reason}` };
  await ctx.registry.putRecord('alert', {
    ...alert,
    id: alert.fingerprint.slice(0, 16),
    at: alert.raisedAt,
    notified: plan.email,
    delivery: plan.reason,
  });
  return { emailed: plan.email, recorded: true, reason: plan.reason };
}
