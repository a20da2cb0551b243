/**
 * The EventBridge-scheduled tasks: hourly drift check, daily A/B evaluation, rollback check and alert
 * digest, weekly retraining; and the retraining an operator requests (an S3 event of EventBridge's).
 */
import { awsContext } from '#composition/aws-context';
import { codeVersion } from '#composition/env';
import { lazy } from '#composition/lazy';
import { alertingOnFailure, sendAlertDigests } from '#shared/usecases/alerting';
import type { Context } from '#shared/usecases/lake';
import { checkDrift, checkRollback, evaluateCandidate, retrainIfNeeded } from '#shared/usecases/monitoring';
import { retrainOnRequest } from '#shared/usecases/retraining-requests';
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

  /**
   * An operator's request (POST /admin/retrain): the Object Created event of its object in the
   * artifacts bucket trains at once, with force (../../shared/usecases/retraining-requests.ts).
   */
  const retrainingRequested = instrumented(async (event: unknown) => {
    const ctx = context();
    return alertingOnFailure(ctx, 'requested retraining', () =>
      retrainOnRequest(ctx, requestKey(event), codeVersion()),
    );
  });
  return { drift, abEvaluation, retraining, retrainingRequested };
}

/** The object key of an S3 Object Created event in EventBridge's shape. */
function requestKey(event: unknown): string {
  const e = event as { source?: unknown; 'detail-type'?: unknown; detail?: { object?: { key?: unknown } } };
  const key = e?.detail?.object?.key;
  if (e?.source !== 'aws.s3' || e['detail-type'] !== 'Object Created' || typeof key !== 'string') {
    throw new Error('expected the S3 Object Created event of a retraining request');
  }
  return key;
}

export const { drift, abEvaluation, retraining, retrainingRequested } = createHandlers(
  lazy(() => awsContext()),
);
