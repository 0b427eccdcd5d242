import type { z } from 'zod';
import type { IdKind } from '../../domain/ids';
import type { Role } from '../auth';

/**
 * Every operation of the tenant API, as the OpenAPI document (document.ts) describes it and the security matrices test
 * it: the least role that may call it, the kind of id in its path, the zod schemas its handler parses (the same
 * objects), an example body, and what it answers. infra's API_ROUTES and this list must name the same routes
 * (test/unit/openapi.test.ts).
 */
export interface Operation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  /** The least role allowed; operators may do everything (on tenant routes, naming the tenant: Strongbox-Tenant). */
  readonly role: Role;
  /** The kind of `{id}` in the path; a malformed or another tenant's id is a 404 (a PUT's tenant-chosen id: a 400). */
  readonly idKind?: IdKind;
  /** The `{id}` in the path is a tenant id (operators' routes). */
  readonly pathTenant?: boolean;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly example?: unknown;
  /** Takes an `Idempotency-Key` header (handlers/idempotency-key.ts). */
  readonly idempotent?: boolean;
  readonly success: { readonly status: number; readonly description: string };
  /** Error statuses beyond those every authenticated operation can answer (400, 401, 403, 429, 500). */
  readonly errors?: readonly number[];
}

export const ok = (description: string) => ({ status: 200, description });
export const accepted = (description: string) => ({ status: 202, description });
export const noContent = { status: 204, description: 'Done; no body.' };
