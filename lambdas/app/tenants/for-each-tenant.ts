import type { Catalog } from '../../ports/catalog';

export interface TenantWalk {
  readonly tenants: number;
  /** The tenants whose work threw, with what it threw; the others were still worked on. */
  readonly failed: readonly { readonly tenantId: string; readonly error: unknown }[];
}

/**
 * Runs `work` for every registered tenant, one after the other, in the registry's order. A tenant whose work throws is
 * collected and the walk goes on, so one tenant's trouble never starves the others (account-wide jobs: the
 * missed-backup sweep, the daily schedule repair).
 */
export async function forEachTenant(
  catalog: Pick<Catalog, 'tenants'>,
  work: (tenantId: string) => Promise<void>,
): Promise<TenantWalk> {
  let tenants = 0;
  const failed: { tenantId: string; error: unknown }[] = [];
  let cursor: string | undefined;
  do {
    const page = await catalog.tenants.list({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const tenantId of page.items) {
      tenants += 1;
      try {
        await work(tenantId);
      } catch (error) {
        failed.push({ tenantId, error });
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  return { tenants, failed };
}
