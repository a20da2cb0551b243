/**
 * The pipeline's Lambda tasks (one bundle, one export per task: the stack points each function at
 * its export). Each parses its input with zod, calls one use case, and returns a small JSON result.
 * `createHandlers(context)` builds them on any context (the local runtime's, a test's); the Lambda
 * exports are built on the AWS one (#composition/aws-context), made at the first event.
 */

import { awsContext } from '#composition/aws-context';
import { codeVersion } from '#composition/env';
import { lazy } from '#composition/lazy';
import type { RetrainingReason } from '#shared/monitoring/retraining';
import { executionFailed } from '#shared/usecases/failures';
import { buildSymbolGold, finishGold, runSummary } from '#shared/usecases/gold';
import {
  claimObject,
  cleanToSilver,
  diagnoseRejection,
  quarantineObject,
  validateBronze,
} from '#shared/usecases/ingest';
import type { Context } from '#shared/usecases/lake';
import { checkDrift, registerFromPipeline, retrainIfNeeded } from '#shared/usecases/monitoring';
import { recordOutcomes } from '#shared/usecases/outcomes';
import { trainFromLake } from '#shared/usecases/training';
import { asTask, instrumented } from '../lib/observability.ts';
import {
  executionStatusChange,
  failedState,
  objectInput,
  symbolItem,
  symbolsState,
  trainedState,
} from './schemas.ts';

/** The pipeline's tasks on a context. */
export function createHandlers(context: () => Context) {
  const claim = instrumented(async (event: unknown) => {
    const input = objectInput.parse(event);
    return asTask(() => claimObject(context(), input, input.runId));
  });

  const validate = instrumented(async (event: unknown) => {
    const input = objectInput.parse(event);
    return asTask(() => validateBronze(context(), input, input.runId));
  });

  const clean = instrumented(async (event: unknown) => {
    const input = objectInput.parse(event);
    return asTask(() => cleanToSilver(context(), input, input.runId));
  });

  const gold = instrumented(async (event: unknown) => {
    const { symbol, runId } = symbolItem.parse(event);
    return asTask(() => buildSymbolGold(context(), symbol, runId));
  });

  const finish = instrumented(async (event: unknown) => {
    const input = objectInput.parse(event);
    return asTask(async () => runSummary(input.runId, await finishGold(context(), input.runId, input.key)));
  });

  const outcomes = instrumented(async (event: unknown) => {
    const input = symbolsState.parse(event);
    return asTask(() => recordOutcomes(context(), input.silver.symbols));
  });

  const drift = instrumented(async (event: unknown) => {
    objectInput.parse(event);
    return asTask(() => checkDrift(context()));
  });

  const train = instrumented(async (event: unknown) => {
    objectInput.parse(event);
    return asTask(() => trainFromLake(context(), codeVersion()));
  });

  const register = instrumented(async (event: unknown) => {
    const input = trainedState.parse(event);
    const fired = (input.drift?.fired ?? []) as RetrainingReason[];
    return asTask(() => registerFromPipeline(context(), input.trained.version, input.key, fired));
  });

  const quarantine = instrumented(async (event: unknown) => {
    const input = { ...objectInput.parse(event), ...failedState.parse(event) };
    return asTask(async () => {
      const ctx = context();
      // The Catch keeps only the error's name and message: find the structured rejection again.
      const diagnosed = await diagnoseRejection(ctx, input);
      const message = errorMessage(input.error.Cause) ?? input.error.Error;
      return quarantineObject(ctx, input, input.runId, {
        name: input.error.Error,
        message: diagnosed?.message ?? message,
        ...(diagnosed
          ? {
              code: diagnosed.code,
              reason: diagnosed.reason,
              ...(diagnosed.line === undefined ? {} : { line: diagnosed.line }),
              ...(diagnosed.quality ? { quality: diagnosed.quality } : {}),
            }
          : { reason: message }),
      });
    });
  });

  /**
   * The target of the rule on the state machine's status changes (FAILED, TIMED_OUT, ABORTED): marks the
   * object's claim failed (so it can run again) and raises the run's one alert.
   */
  const failed = instrumented(async (event: unknown) => {
    const { detail } = executionStatusChange.parse(event);
    const input = parseInput(detail.input);
    return asTask(() =>
      executionFailed(context(), {
        executionName: detail.name,
        status: detail.status,
        ...(detail.error ? { error: detail.error } : {}),
        ...(detail.cause ? { cause: detail.cause } : {}),
        ...(input ? { input } : {}),
      }),
    );
  });

  return { claim, validate, clean, gold, finish, outcomes, drift, train, register, quarantine, failed };
}

export const { claim, validate, clean, gold, finish, outcomes, drift, train, register, quarantine, failed } =
  createHandlers(lazy(() => awsContext()));

/** The execution's input (JSON text) as the object it names, when it names one. */
function parseInput(text: string | null | undefined) {
  try {
    const parsed = objectInput.safeParse(JSON.parse(text ?? 'null'));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not JSON: an execution started by hand with some other input
  }
}

/** The errorMessage of a Lambda error Cause (JSON), when there is one. */
function errorMessage(cause: string | undefined): string | undefined {
  try {
    return (JSON.parse(cause ?? '{}') as { errorMessage?: string }).errorMessage;
  } catch {
    return cause;
  }
}

export { retrainIfNeeded };
