import { ValidationError } from '../../domain/errors';
import { type IdKind, isId, isTenantId } from '../../domain/ids';

/**
 * The catalog's key design (docs/architecture.md, "Catalog"): every key starts with the tenant, so no read can
 * reach another tenant's items — except the tenant registry's (TENANTS_PK below), which holds tenant ids only.
 * Tenant ids and record ids are checked before they become part of a key: a `#` smuggled into either would let one
 * key name another partition.
 */
export const GSI1 = 'gsi1';
export const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity'] as const;

export const SK_PREFIX = {
  source: 'SOURCE#',
  backup: 'BACKUP#',
  restore: 'RESTORE#',
  pruneRun: 'PRUNERUN#',
  dispatch: 'DISPATCH#',
  policy: 'POLICY#',
  webhook: 'WEBHOOK#',
  webhookDelivery: 'WHDELIVERY#',
  audit: 'AUDIT#',
} as const satisfies Record<IdKind, string>;

/**
 * The tenant registry (which tenants exist, for account-wide jobs such as the daily prune) is the one listing whose
 * key does not start with a tenant: every tenant id is an item of the single partition `TENANTS` (sort key
 * `TENANT#<tenantId>`, entity `tenant`). Items hold the tenant id and when it was first registered — nothing a tenant
 * owns — and a tenant id is checked with isTenantId before it becomes part of that key.
 */
export const TENANTS_PK = 'TENANTS';
export const TENANT_SK_PREFIX = 'TENANT#';

/** A source's RPO status (`RPO#<src_id>`): keyed by the source it is about. */
export const RPO_SK_PREFIX = 'RPO#';

/** What an item is: a record kind with an id, a tenant registry entry, or a source's RPO status. */
export type EntityKind = IdKind | 'tenant' | 'rpo';

export function skPrefix(kind: EntityKind): string {
  return kind === 'tenant' ? TENANT_SK_PREFIX : kind === 'rpo' ? RPO_SK_PREFIX : SK_PREFIX[kind];
}

/** Whether `value` is the id part of a sort key of this kind (a record id, a tenant id, a source id for RPO). */
export function isListedId(kind: EntityKind, value: string): boolean {
  if (kind === 'tenant') return isTenantId(value);
  return isId(kind === 'rpo' ? 'source' : kind, value);
}

export function rpoSk(sourceId: string): string {
  requireId('source', sourceId, 'sourceId');
  return `${RPO_SK_PREFIX}${sourceId}`;
}

export function tenantRegistrySk(tenantId: string): string {
  requireTenant(tenantId);
  return `${TENANT_SK_PREFIX}${tenantId}`;
}

export const MAX_PAGE_LIMIT = 100;
/** Matches the API's cursor bound; anything longer is not a cursor this adapter issued. */
const MAX_CURSOR_LENGTH = 2048;

export function tenantPk(tenantId: string): string {
  requireTenant(tenantId);
  return `TENANT#${tenantId}`;
}

export function itemSk(kind: IdKind, id: string): string {
  return `${SK_PREFIX[kind]}${id}`;
}

export function sourceGsi1Pk(tenantId: string, sourceId: string): string {
  return `${tenantPk(tenantId)}#SOURCE#${sourceId}`;
}

/** gsi1 partition of one policy's dispatches. */
export function policyGsi1Pk(tenantId: string, policyId: string): string {
  return `${tenantPk(tenantId)}#POLICY#${policyId}`;
}

/** gsi1 partition of one webhook's deliveries. */
export function webhookGsi1Pk(tenantId: string, webhookId: string): string {
  return `${tenantPk(tenantId)}#WEBHOOK#${webhookId}`;
}

export function requireTenant(tenantId: string): void {
  if (!isTenantId(tenantId)) {
    throw new ValidationError('tenant id is malformed', [{ path: 'tenantId', message: 'is not a tenant id' }]);
  }
}

/** Ids of records being written: a malformed one is a bug in the caller, never stored. */
export function requireId(kind: IdKind, id: string, path: string): void {
  if (!isId(kind, id)) throw new ValidationError(`${path} is malformed`, [{ path, message: `is not a ${kind} id` }]);
}

export function requireLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`, [
      { path: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_LIMIT}` },
    ]);
  }
  return limit;
}

/** Domain record → item: the record's own attributes plus keys and an entity type. */
export function toItem(entity: EntityKind, keys: Record<string, string>, record: object): Record<string, unknown> {
  return { ...record, ...keys, entity };
}

/** Item → domain record: everything but the key attributes. */
export function fromItem<T>(item: Record<string, unknown>): T {
  const record: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) delete record[name];
  return record as T;
}

/** Which partition (and sort-key range) a listing reads; a cursor must point into exactly this. */
export interface Listing {
  readonly kind: EntityKind;
  readonly pk: string;
  /** Set when the listing reads gsi1 (backups of one source). */
  readonly gsi1pk?: string;
}

/** Records are listed newest first (ids are ULIDs); the tenant registry, policies and webhooks (named) ascending. */
export function isAscending(listing: Listing): boolean {
  return listing.kind === 'tenant' || listing.kind === 'policy' || listing.kind === 'webhook';
}

export type StartKey = Record<string, string>;

/** The key attributes that position a query in this listing (base table keys, plus index keys on gsi1). */
export function keyOf(listing: Listing, item: Record<string, unknown>): StartKey {
  const names = listing.gsi1pk === undefined ? ['pk', 'sk'] : ['pk', 'sk', 'gsi1pk', 'gsi1sk'];
  return Object.fromEntries(names.map((name) => [name, String(item[name])]));
}

export function encodeCursor(key: StartKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function invalidCursor(reason: string): ValidationError {
  return new ValidationError(`cursor is not valid for this listing: ${reason}`, [{ path: 'cursor', message: reason }]);
}

/**
 * Accepts only a cursor that positions this very listing: same tenant partition (or the registry's), same source
 * (gsi1), a sort key of the listed kind. Anything else — garbage, another tenant's or another source's cursor — is
 * refused rather than handed to DynamoDB as an ExclusiveStartKey.
 */
export function decodeCursor(listing: Listing, cursor: string): StartKey {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalidCursor('not a cursor');
  }
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('not a cursor');
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalidCursor('not a cursor');
  const entries = Object.entries(key);
  const expected = listing.gsi1pk === undefined ? ['pk', 'sk'] : ['gsi1pk', 'gsi1sk', 'pk', 'sk'];
  const names = entries.map(([name]) => name).sort();
  if (names.join() !== expected.join() || entries.some(([, value]) => typeof value !== 'string')) {
    throw invalidCursor('issued for a different listing');
  }
  const start = key as StartKey;
  const prefix = skPrefix(listing.kind);
  const sk = start.sk ?? '';
  if (start.pk !== listing.pk || !sk.startsWith(prefix) || !isListedId(listing.kind, sk.slice(prefix.length))) {
    throw invalidCursor('issued for a different listing');
  }
  if (listing.gsi1pk !== undefined && (start.gsi1pk !== listing.gsi1pk || start.gsi1sk !== sk)) {
    throw invalidCursor('issued for a different listing');
  }
  return start;
}
