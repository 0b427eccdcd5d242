import { describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { forEachTenant } from '../../lambdas/app/tenants/for-each-tenant';

/** The account-wide jobs' walk over the tenant registry (use case on the in-memory catalog). */
describe('forEachTenant', () => {
  it('visits every tenant once across pages, and one tenant failing does not stop the others', async () => {
    const catalog = new MemoryCatalog();
    const names = Array.from({ length: 130 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    for (const name of names) await catalog.tenants.register(name, '2026-11-22T00:00:00Z');
    const visited: string[] = [];

    const walk = await forEachTenant(catalog, async (tenantId) => {
      visited.push(tenantId);
      if (tenantId === 't007' || tenantId === 't120') throw new Error(`boom ${tenantId}`);
    });

    expect(visited).toEqual(names);
    expect(walk.tenants).toBe(130);
    expect(walk.failed.map((f) => [f.tenantId, (f.error as Error).message])).toEqual([
      ['t007', 'boom t007'],
      ['t120', 'boom t120'],
    ]);
  });
});
