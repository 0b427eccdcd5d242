import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambdas/ports/catalog';
import {
  A,
  allPages,
  allRejectedWith,
  aPendingBackup,
  aPendingRestore,
  aSource,
  B,
  base64url,
  type CatalogContractOptions,
  ids,
  newestFirst,
  rejectsOn,
  settle,
} from './catalog-fixtures';

/** Paging rules of the catalog contract; `current` is the catalog of the running test. */
export function describeCatalogPagination(current: () => Catalog, options: CatalogContractOptions): void {
  describe('pagination', () => {
    it('lists sources newest first, one page at a time, each exactly once', async () => {
      // Prepare
      const catalog = current();
      const sources = Array.from({ length: 7 }, () => aSource(A));
      for (const source of [...sources].reverse()) await catalog.sources.create(source);
      await catalog.sources.create(aSource(B));

      // Act
      const { items, pages } = await allPages(3, (cursor) => catalog.sources.list(A, { limit: 3, cursor }));

      // Assess
      expect(items.map((source) => source.id)).toEqual(newestFirst(sources.map((source) => source.id)));
      expect(pages).toBe(3);
    });

    it('lists backups newest first across many pages, overall and per source, each exactly once', async () => {
      // Prepare
      const catalog = current();
      const [x, y] = [ids.next('source'), ids.next('source')];
      const backups = Array.from({ length: 23 }, (_, index) => aPendingBackup(A, index % 3 === 0 ? x : y));
      for (const backup of backups) await catalog.backups.save(backup, 'absent');
      await catalog.backups.save(aPendingBackup(B, x), 'absent');
      const idsOf = (source?: string) =>
        newestFirst(backups.filter((b) => !source || b.sourceId === source).map((b) => b.id));

      // Act
      const all = await allPages(5, (cursor) => catalog.backups.list(A, { limit: 5, cursor }));
      const exact = await allPages(23, (cursor) => catalog.backups.list(A, { limit: 23, cursor }));
      const ofX = await allPages(2, (cursor) => catalog.backups.list(A, { limit: 2, cursor, sourceId: x }));
      const ofY = await allPages(4, (cursor) => catalog.backups.list(A, { limit: 4, cursor, sourceId: y }));

      // Assess
      expect(all.items.map((b) => b.id)).toEqual(idsOf());
      expect(all.pages).toBe(5);
      expect(exact.pages).toBe(1);
      expect(ofX.items.map((b) => b.id)).toEqual(idsOf(x));
      expect(ofY.items.map((b) => b.id)).toEqual(idsOf(y));
      expect(ofY.items.map((b) => b.id)).toHaveLength(15);
      expect(ofY.pages).toBe(4);
    });

    it("lists restores newest first, one page at a time, each exactly once, and only the tenant's", async () => {
      // Prepare
      const catalog = current();
      const backupId = ids.next('backup');
      const restores = Array.from({ length: 5 }, () => aPendingRestore(A, backupId));
      for (const restore of [...restores].reverse()) await catalog.restores.save(restore, 'absent');
      await catalog.restores.save(aPendingRestore(B, backupId), 'absent');

      // Act
      const { items, pages } = await allPages(2, (cursor) => catalog.restores.list(A, { limit: 2, cursor }));

      // Assess
      expect(items.map((restore) => restore.id)).toEqual(newestFirst(restores.map((restore) => restore.id)));
      expect(pages).toBe(3);
    });

    it('refuses page sizes outside 1 to 100', async () => {
      // Prepare
      const catalog = current();

      // Act
      const results = await settle(
        [0, -1, 101, 2.5, Number.NaN].flatMap((limit) => [
          catalog.sources.list(A, { limit }),
          catalog.backups.list(A, { limit }),
          catalog.backups.list(A, { limit, sourceId: ids.next('source') }),
        ]),
      );

      // Assess
      allRejectedWith(results, rejectsOn('limit'));
    });

    it('refuses cursors issued for another tenant, source or listing, forged or garbled', async () => {
      // Prepare
      const catalog = current();
      const [x, y] = [ids.next('source'), ids.next('source')];
      for (const tenant of [A, B]) {
        await catalog.sources.create(aSource(tenant));
        await catalog.sources.create(aSource(tenant));
        for (const source of [x, x, y, y]) await catalog.backups.save(aPendingBackup(tenant, source), 'absent');
      }
      const cursorOf = async (page: Promise<{ nextCursor?: string }>) => (await page).nextCursor as string;
      const ofA = await cursorOf(catalog.backups.list(A, { limit: 1 }));
      const ofAx = await cursorOf(catalog.backups.list(A, { limit: 1, sourceId: x }));
      const sourcesOfA = await cursorOf(catalog.sources.list(A, { limit: 1 }));
      const ofB = await cursorOf(catalog.backups.list(B, { limit: 1 }));
      const decodedB = Buffer.from(ofB, 'base64url').toString('utf8');
      const forged = base64url(decodedB.split(B).join(A));
      const garbage = ['!!!', 'AAAA', 'a'.repeat(3000), ...['{}', '[]', 'null', '"x"', '{"pk":1}'].map(base64url)];

      // Act
      const results = await settle([
        catalog.backups.list(B, { limit: 1, cursor: ofA }),
        catalog.backups.list(B, { limit: 1, cursor: ofAx, sourceId: x }),
        catalog.sources.list(B, { limit: 1, cursor: sourcesOfA }),
        catalog.backups.list(A, { limit: 1, cursor: ofAx, sourceId: y }),
        catalog.backups.list(A, { limit: 1, cursor: ofAx }),
        catalog.backups.list(A, { limit: 1, cursor: ofA, sourceId: x }),
        catalog.backups.list(A, { limit: 1, cursor: sourcesOfA }),
        catalog.sources.list(A, { limit: 1, cursor: ofA }),
        catalog.backups.list(B, { limit: 1, cursor: forged }),
        ...garbage.map((cursor) => catalog.backups.list(A, { limit: 1, cursor })),
      ]);

      // Assess
      expect(decodedB).toContain(B);
      allRejectedWith(results, rejectsOn('cursor'));
      expect((await catalog.backups.list(A, { limit: 1, cursor: ofA })).items).toHaveLength(1);
    });

    it('refuses arbitrary strings, base64 and encoded JSON as cursors', async () => {
      const catalog = current();
      const cursors = fc.oneof(
        fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }),
        fc.base64String({ minLength: 4, maxLength: 300 }),
        fc.json().map(base64url),
      );
      await fc.assert(
        fc.asyncProperty(cursors, async (cursor) => {
          await expect(catalog.backups.list(A, { limit: 5, cursor })).rejects.toMatchObject(rejectsOn('cursor'));
        }),
        { numRuns: 100 },
      );
    });

    it('pages through any set of backups saved in any order newest first, each exactly once', async () => {
      const catalog = current();
      let run = 0;
      const scenario = fc.array(fc.record({ tenant: fc.nat(1), source: fc.nat(2) }), { maxLength: 20 }).chain((plan) =>
        fc.record({
          plan: fc.constant(plan),
          order: fc.shuffledSubarray([...plan.keys()], { minLength: plan.length, maxLength: plan.length }),
          limit: fc.integer({ min: 1, max: 6 }),
        }),
      );
      await fc.assert(
        fc.asyncProperty(scenario, async ({ plan, order, limit }) => {
          // Fresh tenants per run keep runs apart without emptying the catalog.
          run += 1;
          const tenants = [`p${run}-a`, `p${run}-b`];
          const sources = [ids.next('source'), ids.next('source'), ids.next('source')];
          const backups = plan.map((step) => aPendingBackup(tenants[step.tenant] ?? A, sources[step.source] ?? ''));
          for (const index of order) await catalog.backups.save(backups[index] as (typeof backups)[number], 'absent');

          for (const tenant of tenants) {
            const mine = backups.filter((backup) => backup.tenantId === tenant);
            const listed = await allPages(limit, (cursor) => catalog.backups.list(tenant, { limit, cursor }));
            expect(listed.items.map((b) => b.id)).toEqual(newestFirst(mine.map((b) => b.id)));
            for (const sourceId of sources) {
              const query = (cursor?: string) => catalog.backups.list(tenant, { limit, cursor, sourceId });
              const ofSource = await allPages(limit, query);
              const expected = mine.filter((b) => b.sourceId === sourceId).map((b) => b.id);
              expect(ofSource.items.map((b) => b.id)).toEqual(newestFirst(expected));
            }
          }
        }),
        { numRuns: options.propertyRuns ?? 50 },
      );
    });
  });
}
