import { StaleStateError, ValidationError } from '../../domain/errors';
import { type IdKind, isId, isTenantId } from '../../domain/ids';
import type { RpoStatus } from '../../domain/rpo';
import type { TenantEntry } from '../../domain/tenant';
import type { Page, PageRequest } from '../../ports/catalog';

/**
 * The in-memory catalog's tables (memory-catalog.ts): tenant-scoped rows with conditional writes, pages in key order
 * with cursors that only work for the listing that issued them, and stored copies — the DynamoDB catalog's contract.
 */
const MAX_PAGE_LIMIT = 100;
const MAX_CURSOR_LENGTH = 2048;

interface Stored {
  readonly tenantId: string;
  readonly id: string;
  readonly status?: string;
  readonly revision?: number;
}

/** `list: 'tenant'` is the tenant registry's cursor (no tenant of its own: `tenant` is null). */
interface CursorBody {
  readonly tenant: string | null;
  readonly list: IdKind | 'tenant' | 'rpo';
  /** The listing's scope within the tenant: a source's backups, a policy's dispatches. */
  readonly sourceId: string | null;
  readonly after: string;
}

function encodeCursor(body: CursorBody): string {
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

export class Table<T extends Stored> {
  private readonly rows = new Map<string, T>();

  constructor(
    private readonly kind: IdKind,
    /** The listing's name in cursors (a table keyed by another kind's ids lists apart from it). */
    private readonly listName: IdKind | 'rpo' = kind,
  ) {}

  /** `expect`: 'absent', the stored status, or (a number) the stored revision. */
  put(record: T, expect: string | number): void {
    const key = rowKey(record.tenantId, record.id);
    const stored = this.rows.get(key);
    const current = typeof expect === 'number' ? stored?.revision : stored?.status;
    if (expect === 'absent' ? stored !== undefined : current !== expect) {
      const message =
        expect === 'absent'
          ? `${this.kind} ${record.id} already exists`
          : typeof expect === 'number'
            ? `${this.kind} ${record.id} is not at revision ${expect} (changed meanwhile, or missing)`
            : `${this.kind} ${record.id} is not ${expect} (changed meanwhile, or missing)`;
      throw new StaleStateError(message);
    }
    this.rows.set(key, copy(record));
  }

  /** Replaces a stored record; false (nothing written) when there is none. */
  replace(record: T): boolean {
    const key = rowKey(record.tenantId, record.id);
    if (!this.rows.has(key)) return false;
    this.rows.set(key, copy(record));
    return true;
  }

  overwrite(record: T): void {
    this.rows.set(rowKey(record.tenantId, record.id), copy(record));
  }

  get(tenantId: string, id: string): T | undefined {
    requireTenant(tenantId);
    const stored = this.rows.get(rowKey(tenantId, id));
    return stored === undefined ? undefined : copy(stored);
  }

  delete(tenantId: string, id: string): void {
    requireTenant(tenantId);
    this.rows.delete(rowKey(tenantId, id));
  }

  list(tenantId: string, page: PageRequest, sourceId?: string, include: (record: T) => boolean = () => true): Page<T> {
    requireTenant(tenantId);
    const limit = requireLimit(page.limit);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, tenantId, this.listName, sourceId);
    // Newest first (ULIDs); policies and webhooks (named) in ascending id order, as in the DynamoDB catalog.
    const sign = this.kind === 'policy' || this.kind === 'webhook' ? 1 : -1;
    const matching = [...this.rows.values()]
      .filter((record) => record.tenantId === tenantId && include(record))
      .filter((record) => after === undefined || (sign > 0 ? record.id > after : record.id < after))
      .sort((a, b) => sign * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const items = matching.slice(0, limit).map(copy);
    const last = items.at(-1);
    if (matching.length <= limit || last === undefined) return { items };
    return {
      items,
      nextCursor: encodeCursor({ tenant: tenantId, list: this.listName, sourceId: sourceId ?? null, after: last.id }),
    };
  }
}

/**
 * The tenant registry: tenant ids with their first registration, listed in ascending order — the one listing that
 * does not belong to a tenant (as in the DynamoDB catalog's `TENANTS` partition).
 */
export class TenantIndex {
  private readonly entries = new Map<string, TenantEntry>();

  register(tenantId: string, at: string): void {
    requireTenant(tenantId);
    if (!this.entries.has(tenantId)) this.entries.set(tenantId, { tenantId, registeredAt: at });
  }

  get(tenantId: string): TenantEntry | undefined {
    requireTenant(tenantId);
    const entry = this.entries.get(tenantId);
    return entry === undefined ? undefined : copy(entry);
  }

  put(entry: TenantEntry): void {
    requireTenant(entry.tenantId);
    this.entries.set(entry.tenantId, copy(entry));
  }

  list(page: PageRequest): Page<TenantEntry> {
    const limit = requireLimit(page.limit);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, null, 'tenant', undefined);
    const matching = [...this.entries.keys()]
      .filter((tenantId) => after === undefined || tenantId > after)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const items = matching.slice(0, limit).map((tenantId) => copy(this.entries.get(tenantId) as TenantEntry));
    const last = items.at(-1);
    if (matching.length <= limit || last === undefined) return { items };
    return {
      items,
      nextCursor: encodeCursor({ tenant: null, list: 'tenant', sourceId: null, after: last.tenantId }),
    };
  }
}

function decodeCursor(
  cursor: string,
  tenantId: string | null,
  list: IdKind | 'tenant' | 'rpo',
  sourceId: string | undefined,
): string {
  const invalid = (reason: string) =>
    new ValidationError(`cursor is not valid for this listing: ${reason}`, [{ path: 'cursor', message: reason }]);
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid('not a cursor');
  }
  let body: Partial<CursorBody>;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor');
  }
  if (typeof body !== 'object' || body === null || typeof body.after !== 'string') throw invalid('not a cursor');
  if (
    body.tenant !== tenantId ||
    body.list !== list ||
    body.sourceId !== (sourceId ?? null) ||
    !(list === 'tenant' ? isTenantId(body.after) : isId(list === 'rpo' ? 'source' : list, body.after))
  ) {
    throw invalid('issued for a different listing');
  }
  return body.after;
}

function rowKey(tenantId: string, id: string): string {
  return `${tenantId}/${id}`;
}

export function checked<T extends Stored>(kind: IdKind, record: T): T {
  requireTenant(record.tenantId);
  requireId(kind, record.id, 'id');
  return record;
}

function requireTenant(tenantId: string): void {
  if (!isTenantId(tenantId)) {
    throw new ValidationError('tenant id is malformed', [{ path: 'tenantId', message: 'is not a tenant id' }]);
  }
}

export function requireId(kind: IdKind, id: string, path: string): void {
  if (!isId(kind, id)) throw new ValidationError(`${path} is malformed`, [{ path, message: `is not a ${kind} id` }]);
}

function requireLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`, [
      { path: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_LIMIT}` },
    ]);
  }
  return limit;
}

/** A deep copy without `undefined` attributes: callers can neither share nor mutate what is stored. */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((entry) => copy(entry)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (entry !== undefined) out[name] = copy(entry);
  }
  return out as T;
}

export function withoutId(stored: (RpoStatus & { id: string }) | undefined): RpoStatus | undefined {
  if (stored === undefined) return undefined;
  const { id: _id, ...status } = stored;
  return status;
}
