import { describe, expect, it } from 'vitest';
import type { Dispatch } from '../../lambdas/domain/dispatch';
import { type Policy, putPolicy } from '../../lambdas/domain/policy';
import type { RpoStatus } from '../../lambdas/domain/rpo';
import type { Catalog } from '../../lambdas/ports/catalog';
import { A, allPages, B, ids, later, rejectsOn, stale } from './catalog-fixtures';

/** A policy with every attribute a policy carries (ids and a tag selector, two schedules). */
export function aPolicy(tenantId: string, id: string, current?: Policy): Policy {
  return putPolicy(
    current,
    {
      tenantId,
      id,
      name: `Nightly ${id}`,
      sources: { ids: [ids.next('source')], tags: { env: 'prod' } },
      schedules: [
        { name: 'nightly', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/London', windowMinutes: 60 },
        { name: 'often', expression: 'rate(6 hours)', timezone: 'UTC', windowMinutes: 0 },
      ],
    },
    later(),
  );
}

export function aDispatch(tenantId: string, policyId: string, id = ids.next('dispatch')): Dispatch {
  return {
    tenantId,
    id,
    policyId,
    scheduleName: 'nightly',
    scheduledTime: later().toISOString(),
    at: later().toISOString(),
    outcomes: [
      { sourceId: ids.next('source'), outcome: 'started', backupId: ids.next('backup') },
      { sourceId: ids.next('source'), outcome: 'skipped', code: 'previous_backup_running', message: 'bkp_… runs' },
    ],
    missingSources: [ids.next('source')],
  };
}

/** Policies and dispatches (part of the catalog contract, catalog-contract.ts). */
export function describeCatalogPolicies(current: () => Catalog): void {
  describe('policies', () => {
    it('round-trips a policy, replaces it only at the revision it was read at, and deletes it', async () => {
      const catalog = current();
      const first = aPolicy(A, 'nightly');
      await catalog.policies.put(first, 'absent');
      expect(await catalog.policies.get(A, 'nightly')).toStrictEqual(first);
      await expect(catalog.policies.put(first, 'absent')).rejects.toMatchObject(stale);

      const second = aPolicy(A, 'nightly', first);
      expect(second.revision).toBe(2);
      await catalog.policies.put(second, 1);
      expect(await catalog.policies.get(A, 'nightly')).toStrictEqual(second);
      // A writer that read revision 1 loses: the policy changed meanwhile.
      await expect(catalog.policies.put(aPolicy(A, 'nightly', first), 1)).rejects.toMatchObject(stale);
      await expect(catalog.policies.put(aPolicy(A, 'other'), 1)).rejects.toMatchObject(stale);

      await catalog.policies.delete(A, 'nightly');
      expect(await catalog.policies.get(A, 'nightly')).toBeUndefined();
    });

    it("lists a tenant's policies in ascending id order over pages, never another tenant's", async () => {
      const catalog = current();
      const names = ['zeta', 'alpha', 'm-1', 'beta', 'm-0'];
      for (const name of names) await catalog.policies.put(aPolicy(A, name), 'absent');
      await catalog.policies.put(aPolicy(B, 'alpha'), 'absent');

      const { items } = await allPages(2, (cursor) =>
        catalog.policies.list(A, { limit: 2, ...(cursor === undefined ? {} : { cursor }) }),
      );
      expect(items.map((policy) => policy.id)).toEqual([...names].sort());
      expect(items.every((policy) => policy.tenantId === A)).toBe(true);
      expect(await catalog.policies.get(B, 'zeta')).toBeUndefined();
    });

    it('refuses a malformed policy id and reads one as absent', async () => {
      const catalog = current();
      await expect(catalog.policies.put(aPolicy(A, 'Bad#Id'), 'absent')).rejects.toMatchObject(rejectsOn('id'));
      expect(await catalog.policies.get(A, 'Bad#Id')).toBeUndefined();
    });
  });

  describe('dispatches', () => {
    it("round-trips dispatches and lists them newest first, all or one policy's, per tenant", async () => {
      const catalog = current();
      const made = [aDispatch(A, 'nightly'), aDispatch(A, 'weekly'), aDispatch(A, 'nightly'), aDispatch(B, 'nightly')];
      for (const dispatch of made) await catalog.dispatches.save(dispatch);
      const [n1, w1, n2] = made as [Dispatch, Dispatch, Dispatch];

      expect(await catalog.dispatches.get(A, n1.id)).toStrictEqual(n1);
      const all = await allPages(2, (cursor) =>
        catalog.dispatches.list(A, { limit: 2, ...(cursor === undefined ? {} : { cursor }) }),
      );
      expect(all.items.map((d) => d.id)).toEqual([n2.id, w1.id, n1.id]);
      const nightly = await allPages(1, (cursor) =>
        catalog.dispatches.list(A, { limit: 1, policyId: 'nightly', ...(cursor === undefined ? {} : { cursor }) }),
      );
      expect(nightly.items.map((d) => d.id)).toEqual([n2.id, n1.id]);
    });

    it("refuses a cursor of one policy's dispatches for another's", async () => {
      const catalog = current();
      for (let i = 0; i < 3; i += 1) await catalog.dispatches.save(aDispatch(A, 'nightly'));
      const page = await catalog.dispatches.list(A, { limit: 1, policyId: 'nightly' });
      expect(page.nextCursor).toBeDefined();
      await expect(
        catalog.dispatches.list(A, { limit: 1, policyId: 'weekly', cursor: page.nextCursor as string }),
      ).rejects.toMatchObject(rejectsOn('cursor'));
    });
  });

  describe('RPO statuses', () => {
    it("round-trips a source's status, replaces it, lists per tenant newest source first, and deletes it", async () => {
      const catalog = current();
      const status = (sourceId: string, state: 'ok' | 'missed'): RpoStatus => ({
        tenantId: A,
        sourceId,
        status: state,
        checkedAt: later().toISOString(),
        deadline: later().toISOString(),
        policyId: 'nightly',
        scheduleName: 'night',
        expectedAt: later().toISOString(),
        ...(state === 'missed' ? { missedSince: later().toISOString() } : {}),
      });
      const [older, newer] = [ids.next('source'), ids.next('source')];
      await catalog.rpo.put(status(older, 'ok'));
      await catalog.rpo.put(status(newer, 'ok'));
      const missed = status(older, 'missed');
      await catalog.rpo.put(missed);
      await catalog.rpo.put({ ...status(ids.next('source'), 'ok'), tenantId: B });

      expect(await catalog.rpo.get(A, older)).toStrictEqual(missed);
      const { items } = await allPages(1, (cursor) =>
        catalog.rpo.list(A, { limit: 1, ...(cursor === undefined ? {} : { cursor }) }),
      );
      expect(items.map((s) => s.sourceId)).toEqual([newer, older]);
      expect(await catalog.rpo.get(B, older)).toBeUndefined();
      await catalog.rpo.delete(A, older);
      expect(await catalog.rpo.get(A, older)).toBeUndefined();
      // The sources' own listing is not disturbed by their statuses.
      expect((await catalog.sources.list(A, { limit: 10 })).items).toEqual([]);
    });
  });
}
