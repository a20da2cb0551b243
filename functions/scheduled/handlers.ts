/** The EventBridge-scheduled tasks: hourly drift check, daily A/B evaluation and rollback check, weekly retraining. */
import { checkDrift, checkRollback, evaluateCandidate, retrainIfNeeded } from '#shared/usecases/monitoring';
import { codeVersion, context } from '../lib/context.ts';
import { instrumented } from '../lib/observability.ts';

/** Hourly: drift against production; when its rules (incl. the cool-down) say retrain, trains a candidate. */
export const drift = instrumented(async () => {
  const ctx = context();
  const report = await checkDrift(ctx);
  const retraining = report.retrain
    ? await retrainIfNeeded(ctx, { force: true, trigger: 'drift check', codeVersion: codeVersion() })
    : null;
  return { verdict: report.verdict, reasons: report.reasons, retrained: retraining?.retrained ?? false };
});

/** Daily: the A/B test's decision, then the rollback check. */
export const abEvaluation = instrumented(async () => {
  const ctx = context();
  const ab = await evaluateCandidate(ctx);
  const rollback = await checkRollback(ctx);
  return { ab: ab.status, rollback: rollback.rollback };
});

/** Weekly: scheduled retraining (the cool-down still applies). */
export const retraining = instrumented(async () =>
  retrainIfNeeded(context(), { force: false, trigger: 'schedule', codeVersion: codeVersion() }),
);
