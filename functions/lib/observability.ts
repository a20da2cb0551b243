/**
 * One instrumentation style for every handler: Powertools logger (structured JSON with the request
 * id), metrics (embedded metric format) and tracer, applied through middy.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { asTransientAwsError } from '#shared/aws/errors';

export const logger = new Logger({ serviceName: 'finml' });
export const metrics = new Metrics({ namespace: 'FINML', serviceName: 'finml' });
export const tracer = new Tracer({ serviceName: 'finml' });

/** Wraps a handler with tracing, logging and metrics. */
export function instrumented<E, R>(handler: (event: E) => Promise<R>) {
  return middy(handler)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics));
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
