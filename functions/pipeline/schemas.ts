/** The state the pipeline state machine passes between tasks (S3 keys and small facts, never data). */
import * as z from 'zod';

/** The bronze object (a null version id — an unversioned bucket — reads as absent). */
export const objectInput = z
  .object({
    bucket: z.string().min(1),
    key: z.string().min(1),
    versionId: z.string().nullish(),
    etag: z.string().nullish(),
    runId: z.string().min(1),
  })
  .transform(({ versionId, etag, ...rest }) => ({
    ...rest,
    ...(versionId ? { versionId } : {}),
    ...(etag ? { etag } : {}),
  }));

export const symbolsState = z.object({ silver: z.object({ symbols: z.array(z.string()) }) });
export const symbolItem = z.object({ symbol: z.string().min(1), runId: z.string().min(1) });
export const trainedState = z.object({
  key: z.string(),
  trained: z.object({ version: z.string() }),
  /** The drift check's result: the rules that fired (absent in a state from before they were passed on). */
  drift: z
    .object({
      fired: z
        .array(
          z.object({
            rule: z.string(),
            detail: z.string(),
            value: z.number().nullable(),
            threshold: z.number().nullable(),
          }),
        )
        .optional(),
    })
    .optional(),
});
export const failedState = z.object({ error: z.object({ Error: z.string(), Cause: z.string().optional() }) });

/** The EventBridge "Step Functions Execution Status Change" event of a failed, timed-out or aborted execution. */
export const executionStatusChange = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    name: z.string().min(1),
    status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']),
    input: z.string().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});
