import { TooManyRequestsError } from '../../domain/errors';
import type { TenantPlan } from '../../domain/plans';
import type { Catalog, Page, PageRequest } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';

/** Work older than this is not looked at: no backup or restore runs for a day (their machines time out first). */
const LOOKBACK_MS = 24 * 3600 * 1000;
/** What a refused client is told to wait before trying again. */
export const RETRY_AFTER_SECONDS = 60;

type Deps = { readonly catalog: Pick<Catalog, 'backups' | 'restores'>; readonly clock: Clock };

/** How many records of the listing (newest first) created within the lookback match, stopping at `limit`. */
async function countRecent<T extends { createdAt: string }>(
  now: Date,
  list: (page: PageRequest) => Promise<Page<T>>,
  matches: (item: T) => boolean,
  limit: number,
): Promise<number> {
  const since = now.getTime() - LOOKBACK_MS;
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    for (const item of page.items) {
      if (Date.parse(item.createdAt) < since) return count;
      if (matches(item)) count += 1;
      if (count >= limit) return count;
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return count;
}

function refuse(what: string, limit: number, plan: TenantPlan): never {
  throw new TooManyRequestsError(
    `the ${plan.name} plan runs at most ${limit} ${what} of a tenant at once and that many are under way; ` +
      `try again when one has finished`,
    RETRY_AFTER_SECONDS,
  );
}

/**
 * A manual backup while the tenant has its plan's number of backups pending or running → 429 with Retry-After.
 * Scheduled backups are never refused by it (a refusal would be a missed backup). Counted from the catalog: a soft
 * limit, like the plan's other limits.
 */
export async function requireBackupSlot(deps: Deps, input: { tenantId: string; plan: TenantPlan }): Promise<void> {
  const limit = input.plan.maxRunningBackups;
  const running = await countRecent(
    deps.clock.now(),
    (page) => deps.catalog.backups.list(input.tenantId, page),
    (backup) => backup.status === 'pending' || backup.status === 'running',
    limit,
  );
  if (running >= limit) refuse('backups', limit, input.plan);
}

/** A restore while the tenant has its plan's number of restores under way (not counting those awaiting approval). */
export async function requireRestoreSlot(deps: Deps, input: { tenantId: string; plan: TenantPlan }): Promise<void> {
  const limit = input.plan.maxRunningRestores;
  const running = await countRecent(
    deps.clock.now(),
    (page) => deps.catalog.restores.list(input.tenantId, page),
    (restore) => restore.status !== 'succeeded' && restore.status !== 'failed' && restore.status !== 'pending_approval',
    limit,
  );
  if (running >= limit) refuse('restores', limit, input.plan);
}
