/** The EventBridge-scheduled tasks: hourly drift check, daily A/B evaluation, rollback check and alert digest, weekly retraining. */
import { awsContext } from '#composition/aws-context';
import { codeVersion } from '#composition/env';
import { lazy } from '#composition/lazy';
import { alertingOnFailure, sendAlertDigests } from '#shared/usecases/alerting';
import type { Context } from '#shared/usecases/lake';
import { checkDrift, checkRollback, evaluateCandidate, retrainIfNeeded } from '#shared/usecases/monitoring';
import { instrumented } from '../lib/observability.ts';

/** The scheduled tasks on a context (the Lambda exports below use the AWS one). */
export function createHandlers(context: () => Context) {
  /**
   * Hourly: drift against production; when its rules say retrain (drift on persistChecks checks in a
   * row, changed data, no candidate running, past the cool-down), trains a candidate. Never forces.
   */
  const drift = instrumented(async () => {
    const ctx = context();
    return alertingOnFailure(ctx, 'scheduled drift check', async () => {
      const report = await checkDrift(ctx);
      const retraining = report.retrain
        ? await retrainIfNeeded(ctx, {
            force: false,
            trigger: 'drift check',
            codeVersion: codeVersion(),
            drift: report.fired ?? [],
          })
        : null;
      return { verdict: report.verdict, reasons: report.reasons, retrained: retraining?.retrained ?? false };
    });
  });

  /** Daily: the A/B test's decision, the rollback check, then the digests of the held alerts of earlier days. */
  const abEvaluation = instrumented(async () => {
    const ctx = context();
    return alertingOnFailure(ctx, 'daily A/B evaluation', async () => {
      const ab = await evaluateCandidate(ctx);
      const rollback = await checkRollback(ctx);
      const digest = await sendAlertDigests(ctx);
      return { ab: ab.status, rollback: rollback.rollback, digest: digest.sent };
    });
  });

  /** Weekly: scheduled retraining (the cool-down still applies). */
  const retraining = instrumented(async () => {
    const ctx = context();
    return alertingOnFailure(ctx, 'weekly retraining', () =>
      retrainIfNeeded(ctx, { force: false, trigger: 'schedule', codeVersion: codeVersion() }),
    );
  });
  return { drift, abEvaluation, retraining };
}

export const { drift, abEvaluation, retraining } = createHandlers(lazy(() => awsContext()));
