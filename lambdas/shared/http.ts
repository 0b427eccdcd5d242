import type { APIGatewayProxyResult } from 'aws-lambda';
import { type ErrorKind, isStrongboxError, TooManyRequestsError } from '../domain/errors';

/** One error shape everywhere: `{error: {code, message, fields?}}`. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly fields?: readonly { path: string; message: string }[];
    readonly requestId?: string;
  };
}

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_many: 429,
  failed: 502,
  unavailable: 503,
};

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Maps an error to a response. Unknown errors become a 500 that reveals nothing but the request id. */
export function errorResponse(error: unknown, requestId?: string): APIGatewayProxyResult {
  if (isStrongboxError(error)) {
    const body: ErrorBody = {
      error: {
        code: error.code,
        message: error.message,
        ...(error.fields && error.fields.length > 0 ? { fields: error.fields } : {}),
        ...(requestId ? { requestId } : {}),
      },
    };
    const headers: Record<string, string> =
      error instanceof TooManyRequestsError && error.retryAfterSeconds !== undefined
        ? { 'retry-after': String(error.retryAfterSeconds) }
        : {};
    return json(STATUS_BY_KIND[error.kind], body, headers);
  }
  return json(500, {
    error: { code: 'internal_error', message: 'internal error', ...(requestId ? { requestId } : {}) },
  } satisfies ErrorBody);
}

export function statusFor(error: unknown): number {
  return isStrongboxError(error) ? STATUS_BY_KIND[error.kind] : 500;
}
