import type { Restore } from '../../domain/restore';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import { forEachTenant } from '../tenants/for-each-tenant';

/** The restore machine waits at most 7 days for a decision (infra APPROVAL_TIMEOUT); a day more covers clock skew. */
const APPROVAL_LOOKBACK_MS = 8 * 24 * 3600 * 1000;

/**
 * Operators: every restore of every tenant waiting for approval, oldest request first. Each tenant's restores are read
 * newest first only as far back as a request can still be waiting.
 */
export async function pendingApprovals(deps: {
  readonly catalog: Pick<Catalog, 'tenants' | 'restores'>;
  readonly clock: Clock;
}): Promise<Restore[]> {
  const since = deps.clock.now().getTime() - APPROVAL_LOOKBACK_MS;
  const pending: Restore[] = [];
  const walk = await forEachTenant(deps.catalog, async (tenantId) => {
    let cursor: string | undefined;
    do {
      const page = await deps.catalog.restores.list(tenantId, { limit: 100, ...(cursor ? { cursor } : {}) });
      for (const restore of page.items) {
        if (Date.parse(restore.createdAt) < since) return;
        if (restore.status === 'pending_approval') pending.push(restore);
      }
      cursor = page.nextCursor;
    } while (cursor);
  });
  if (walk.failed.length > 0) throw walk.failed[0]?.error;
  return pending.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}
