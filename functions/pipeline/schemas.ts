/** The state the pipeline state machine passes between tasks (S3 keys and small facts, never data). */
import * as z from 'zod';

export const objectInput = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().optional(),
  etag: z.string().optional(),
  runId: z.string().min(1),
});

export const symbolsState = objectInput.extend({ silver: z.object({ symbols: z.array(z.string()) }) });
export const symbolItem = z.object({ symbol: z.string().min(1), runId: z.string().min(1) });
export const trainedState = objectInput.extend({ trained: z.object({ version: z.string() }) });
export const failedState = objectInput.extend({
  error: z.object({ Error: z.string(), Cause: z.string().optional() }),
});
