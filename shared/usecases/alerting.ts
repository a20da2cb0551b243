/**
 * Raising an alert: every alert is recorded for the dashboard; it is e-mailed when its severity is
 * routed to e-mail and the same fingerprint was not e-mailed within the cool-down (or its severity rose).
 */
import { type Alert, formatEmail, type PreviousAlert, planDelivery } from '#shared/monitoring/alerts';
import type { Context } from './lake.ts';

export async function raiseAlert(ctx: Context, alert: Alert): Promise<{ emailed: boolean; reason: string }> {
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
  await ctx.registry.putRecord('alert', {
    ...alert,
    id: alert.fingerprint.slice(0, 16),
    at: alert.raisedAt,
    notified: plan.email,
    delivery: plan.reason,
  });
  return { emailed: plan.email, reason: plan.reason };
}
