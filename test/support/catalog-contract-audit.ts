import { describe, expect, it } from 'vitest';
import { recordAudit } from '../../lambdas/app/audit/record-audit';
import type { AuditFacts } from '../../lambdas/domain/audit';
import type { Catalog } from '../../lambdas/ports/catalog';
import { A, allPages, B, later, stale } from './catalog-fixtures';

function facts(tenantId: string, action: string): AuditFacts {
  return {
    tenantId,
    at: later().toISOString(),
    actor: { subject: 'admin@a.example', roles: ['admin'] },
    action,
    target: { kind: 'source', id: 'src_01J00000000000000000000000' },
    result: 'succeeded',
    httpStatus: 201,
    requestId: `req-${action}`,
  };
}

/** The audit chain and the tenant registry's entries (part of the catalog contract, catalog-contract.ts). */
export function describeCatalogAudit(current: () => Catalog): void {
  describe('audit trail', () => {
    it('appends at free positions only, lists newest first in pages, and keeps tenants apart', async () => {
      // Prepare
      const catalog = current();
      const first = await recordAudit({ catalog }, facts(A, 'one'));

      // Act
      for (const action of ['two', 'three', 'four', 'five']) await recordAudit({ catalog }, facts(A, action));
      const replay = await catalog.audit.append({ ...first, action: 'rewritten' }).then(
        () => 'written',
        (error: unknown) => error,
      );
      const { items } = await allPages(2, (cursor) => catalog.audit.list(A, { limit: 2, cursor }));

      // Assess
      expect(replay).toMatchObject(stale);
      expect(items.map((entry) => entry.action)).toEqual(['five', 'four', 'three', 'two', 'one']);
      expect(items.map((entry) => entry.seq)).toEqual([5, 4, 3, 2, 1]);
      expect(items[4]).toStrictEqual(first);
      expect((await catalog.audit.latest(A))?.seq).toBe(5);
      expect(await catalog.audit.latest(B)).toBeUndefined();
      expect((await catalog.audit.list(B, { limit: 10 })).items).toEqual([]);
    });

    it('never forks the chain when writers race: every position once, each linked to the one before', async () => {
      // Prepare
      const catalog = current();

      // Act
      await Promise.all(Array.from({ length: 12 }, (_, n) => recordAudit({ catalog }, facts(B, `race-${n}`))));
      const { items } = await allPages(100, (cursor) => catalog.audit.list(B, { limit: 100, cursor }));

      // Assess
      const chain = [...items].reverse();
      expect(chain.map((entry) => entry.seq)).toEqual(Array.from({ length: 12 }, (_, n) => n + 1));
      for (let n = 1; n < chain.length; n += 1) expect(chain[n]?.prevHash).toBe(chain[n - 1]?.hash);
      expect(new Set(chain.map((entry) => entry.action)).size).toBe(12);
    });
  });

  describe('tenant entries', () => {
    it('keeps the first registration and an assigned plan apart: registering again changes neither', async () => {
      // Prepare
      const catalog = current();
      const tenant = `plans-${Date.now().toString(36)}`;
      await catalog.tenants.register(tenant, '2026-01-01T00:00:00.000Z');

      // Act
      await catalog.tenants.put({
        tenantId: tenant,
        registeredAt: '2026-01-01T00:00:00.000Z',
        plan: 'free',
        planAssignedBy: 'ops@example.com',
        planAssignedAt: '2026-02-01T00:00:00.000Z',
      });
      await catalog.tenants.register(tenant, '2026-03-01T00:00:00.000Z');
      const listed = await allPages(100, (cursor) => catalog.tenants.entries({ limit: 100, cursor }));

      // Assess
      const expected = {
        tenantId: tenant,
        registeredAt: '2026-01-01T00:00:00.000Z',
        plan: 'free',
        planAssignedBy: 'ops@example.com',
        planAssignedAt: '2026-02-01T00:00:00.000Z',
      };
      expect(await catalog.tenants.get(tenant)).toStrictEqual(expected);
      expect(listed.items.find((entry) => entry.tenantId === tenant)).toStrictEqual(expected);
      expect(await catalog.tenants.get('nobody-here')).toBeUndefined();
      expect((await catalog.tenants.list({ limit: 100 })).items).toContain(tenant);
    });
  });
}
