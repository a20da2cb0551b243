/**
 * One instrumentation style for every handler: Powertools logger (structured JSON with the request
 * id), metrics (embedded metric format) and tracer, applied through middy.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import middy from '@middy/core';
import { asTransientAwsError } from '#shared/aws/errors';

export const logger = new Logger({ serviceName: 'finml' });
export const metrics = new Metrics({ namespace: 'FINML', serviceName: 'finml' });

/**
 * Whether the environment turns tracing off (POWERTOOLS_TRACE_ENABLED=false, as the local runtime
 * does). The tracer is then not even loaded: importing it loads the X-Ray SDK, whose cls-hooked
 * context installs an async hook with destroy tracking on every promise of the process — a cost
 * paid by each request of the local runtime (all functions in one process) for no trace.
 */
export function tracingTurnedOff(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === 'false';
}

async function loadTracing(): Promise<{ tracer: Tracer; middleware: middy.MiddlewareObj }> {
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([
    import('@aws-lambda-powertools/tracer'),
    import('@aws-lambda-powertools/tracer/middleware'),
  ]);
  const tracer = new Tracer({ serviceName: 'finml' });
  return { tracer, middleware: captureLambdaHandler(tracer) };
}

/** The Powertools tracer and its middleware; undefined when the environment turns tracing off. */
const tracing = tracingTurnedOff() ? undefined : await loadTracing();
export const tracer: Tracer | undefined = tracing?.tracer;

/** Wraps a handler with tracing (unless turned off), logging and metrics. */
export function instrumented<E, R>(handler: (event: E) => Promise<R>) {
  const wrapped = middy(handler);
  if (tracing) wrapped.use(tracing.middleware);
  return wrapped.use(injectLambdaContext(logger, { clearState: true })).use(logMetrics(metrics));
}

/**
 * For pipeline tasks: transient AWS errors become TransientAwsError (retried by the state machine);
 * everything else — DataRejectedError above all — keeps its name so the state machine can catch it.
 */
export async function asTask<R>(work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (error) {
    logger.error('task failed', { error: error as Error });
    throw asTransientAwsError(error);
  }
}
