import { TooManyRequestsError } from '../../domain/errors';
import type { TenantPlan } from '../../domain/plans';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';

/** The UTC calendar month `now` is in: [start, next month's start). */
export function utcMonth(now: Date): { start: Date; end: Date } {
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

/**
 * Refuses a manual backup beyond the plan's monthly allowance (manual backups started this UTC calendar month, failed
 * ones not counted) with 429, saying when the allowance resets (Retry-After). Counted from the catalog, newest first,
 * until the month's start: a soft limit — two requests at the same instant may both pass.
 */
export async function requireManualAllowance(
  deps: { readonly catalog: Pick<Catalog, 'backups'>; readonly clock: Clock },
  input: { tenantId: string; plan: TenantPlan },
): Promise<{ used: number; allowed: number; resetsAt: string }> {
  const now = deps.clock.now();
  const { start, end } = utcMonth(now);
  const allowed = input.plan.manualPerMonth;
  let used = 0;
  let cursor: string | undefined;
  scan: do {
    const page = await deps.catalog.backups.list(input.tenantId, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const backup of page.items) {
      if (Date.parse(backup.createdAt) < start.getTime()) break scan;
      if (backup.trigger === 'manual' && backup.status !== 'failed') used += 1;
      if (used >= allowed) break scan;
    }
    cursor = page.nextCursor;
  } while (cursor);
  const resetsAt = end.toISOString();
  if (used >= allowed) {
    throw new TooManyRequestsError(
      `the ${input.plan.name} plan allows ${allowed} manual backups per calendar month (UTC) and this month's are ` +
        `used; the allowance resets at ${resetsAt}. Scheduled backups are not affected.`,
      Math.ceil((end.getTime() - now.getTime()) / 1000),
    );
  }
  return { used, allowed, resetsAt };
}
