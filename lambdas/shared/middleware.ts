import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { errorResponse, statusFor } from './http';
import { logger, metrics, tracer } from './powertools';

/**
 * Publishes the invocation's metrics, if it recorded any. (Powertools' logMetrics warns on every invocation that
 * records none, which is most API calls.)
 */
function flushMetrics<E, R>(): MiddlewareObj<E, R> {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}

type ApiFunction = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Turns any error into the API's error shape; 4xx are expected and logged quietly, 5xx loudly. */
function httpErrors(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const status = statusFor(request.error);
      const details = { status, route: `${request.event.httpMethod} ${request.event.resource}` };
      if (status >= 500) logger.error('request failed', { ...details, error: request.error as Error });
      else logger.info('request rejected', { ...details, code: (request.error as { code?: string }).code });
      request.response = errorResponse(request.error, request.context.awsRequestId);
    },
  };
}

/** The middy chain of every API handler: logger context, metrics flush, tracing, `extra`, then error mapping. */
export function apiHandler(fn: ApiFunction, ...extra: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>[]) {
  const chain = middy(fn)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics<APIGatewayProxyEvent, APIGatewayProxyResult>())
    .use(captureLambdaHandler(tracer, { captureResponse: false }));
  // Extra middlewares go before the error mapping, so their after/onError see the final response (middy runs
  // onError in reverse order: httpErrors sets the response first).
  for (const middleware of extra) chain.use(middleware);
  return chain.use(httpErrors());
}

/** The middy chain of jobs and workflow tasks: errors propagate, so Lambda and Step Functions see their names. */
export function taskHandler<E, R>(fn: (event: E, context: Context) => Promise<R>) {
  return middy(fn)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics<E, R>())
    .use(captureLambdaHandler(tracer, { captureResponse: false }));
}
