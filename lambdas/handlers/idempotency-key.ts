import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ConflictError, ValidationError } from '../domain/errors';
import { tenantIdempotencyStore } from './idempotency-store';

/** The header clients send on POSTs that create things (manual backups, restores). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** A key is remembered this long; a retry after that creates again. */
const REMEMBER_SECONDS = 24 * 3600;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface KeyedRequest {
  readonly route: string;
  readonly key: string;
  /** The parsed body: the same key with another body is refused (payload validation). */
  readonly body: unknown;
}

type Work = () => Promise<APIGatewayProxyResult>;
type Idempotent = (request: KeyedRequest, work: Work) => Promise<APIGatewayProxyResult>;
const byTenant = new Map<string, Idempotent>();

function idempotentFor(tenantId: string): Idempotent {
  const existing = byTenant.get(tenantId);
  if (existing) return existing;
  const persistenceStore = tenantIdempotencyStore(tenantId);
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[route, key]',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: REMEMBER_SECONDS,
    throwOnNoIdempotencyKey: true,
    // A replay says so; the body and status are the first answer's.
    responseHook: (response: JSONValue) => {
      const stored = response as unknown as APIGatewayProxyResult;
      return {
        ...stored,
        headers: { ...(stored.headers ?? {}), 'idempotent-replayed': 'true' },
      } as unknown as JSONValue;
    },
  });
  const fn = makeIdempotent(async (_request: KeyedRequest, work: Work) => work(), {
    persistenceStore,
    config,
  }) as unknown as Idempotent;
  byTenant.set(tenantId, fn);
  return fn;
}

/**
 * `Idempotency-Key` (issue 6, docs/api.md): a POST that creates something, sent again with the same key and body within
 * 24 hours, answers what the first one answered and creates nothing more (`idempotent-replayed: true`); the same key
 * with another body is a 409 `idempotency_key_reused`; while the first is still running, a 409
 * `idempotency_key_in_progress`. Errors are not remembered: a request that failed can be retried with its key. Without
 * the header, the request simply runs. Powertools idempotency, its records in the catalog under the tenant.
 */
export async function withIdempotencyKey(
  event: Pick<APIGatewayProxyEvent, 'headers' | 'httpMethod' | 'resource'>,
  tenantId: string,
  body: unknown,
  work: Work,
): Promise<APIGatewayProxyResult> {
  const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === IDEMPOTENCY_HEADER);
  if (header === undefined || header[1] === undefined) return work();
  const key = header[1];
  if (!KEY_PATTERN.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1–255 printable ASCII characters', [
      { path: 'Idempotency-Key', message: 'must be 1–255 printable ASCII characters without spaces' },
    ]);
  }
  try {
    return await idempotentFor(tenantId)({ route: `${event.httpMethod} ${event.resource}`, key, body }, work);
  } catch (error) {
    if (error instanceof IdempotencyValidationError) {
      throw new ConflictError(
        'this Idempotency-Key was used with a different request body; use a new key for a new request',
        'idempotency_key_reused',
      );
    }
    if (error instanceof IdempotencyAlreadyInProgressError) {
      throw new ConflictError(
        'a request with this Idempotency-Key is still running; retry shortly',
        'idempotency_key_in_progress',
      );
    }
    throw error;
  }
}
