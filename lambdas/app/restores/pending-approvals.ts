import type { Restore } from '../../domain/restore';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import { pagesWhile } from '../all-pages';
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
    const recent = await pagesWhile(
      (page) => deps.catalog.restores.list(tenantId, page),
      (restore) => Date.parse(restore.createdAt) >= since,
    );
    pending.push(...recent.filter((restore) => restore.status === 'pending_approval'));
  });
  if (walk.failed.length > 0) throw walk.failed[0]?.error;
  return pending.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}
