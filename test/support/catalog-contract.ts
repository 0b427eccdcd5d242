import { beforeEach, describe, expect, it } from 'vitest';
import { startBackup } from '../../lambdas/domain/backup';
import { startRestore } from '../../lambdas/domain/restore';
import type { Catalog } from '../../lambdas/ports/catalog';
import { describeCatalogAudit } from './catalog-contract-audit';
import { describeCatalogPagination } from './catalog-contract-pagination';
import { describeCatalogPolicies } from './catalog-contract-policies';
import { describeCatalogRetention } from './catalog-contract-retention';
import { describeCatalogWebhooks } from './catalog-contract-webhooks';
import {
  A,
  aCompleteBackup,
  aCompleteRestore,
  aFailedBackup,
  aFailedRestore,
  allRejectedWith,
  aPendingBackup,
  aPendingRestore,
  aSource,
  B,
  type CatalogContractOptions,
  ids,
  later,
  settle,
  stale,
} from './catalog-fixtures';

/**
 * The behaviour every Catalog implementation shares (DynamoDB on the emulator, memory for use-case tests).
 * `makeCatalog` returns an empty catalog; it runs before every test.
 */
export function describeCatalogContract(
  name: string,
  makeCatalog: () => Promise<Catalog>,
  options: CatalogContractOptions = {},
): void {
  describe(`${name} (catalog contract)`, () => {
    let catalog: Catalog;
    beforeEach(async () => {
      catalog = await makeCatalog();
    });

    describe('round trips', () => {
      it('returns a created source exactly as created', async () => {
        // Prepare
        const source = aSource(A);

        // Act
        await catalog.sources.create(source);

        // Assess
        expect(await catalog.sources.get(A, source.id)).toStrictEqual(source);
      });

      it('returns backups in every state exactly as saved, optional attributes absent or present', async () => {
        // Prepare
        const sourceId = ids.next('source');
        const backups = [
          aPendingBackup(A, sourceId),
          startBackup(aPendingBackup(A, sourceId), later()),
          aCompleteBackup(A, sourceId),
          aFailedBackup(A, sourceId),
        ];

        // Act
        for (const backup of backups) await catalog.backups.save(backup, 'absent');

        // Assess
        for (const backup of backups) expect(await catalog.backups.get(A, backup.id)).toStrictEqual(backup);
      });

      it('returns restores in every state exactly as saved, optional attributes absent or present', async () => {
        // Prepare
        const backupId = ids.next('backup');
        const restores = [aPendingRestore(A, backupId), aCompleteRestore(A, backupId), aFailedRestore(A, backupId)];

        // Act
        for (const restore of restores) await catalog.restores.save(restore, 'absent');

        // Assess
        for (const restore of restores) expect(await catalog.restores.get(A, restore.id)).toStrictEqual(restore);
      });

      it('drops attributes that are set to undefined', async () => {
        // Prepare
        const backup = aPendingBackup(A, ids.next('source'));

        // Act
        await catalog.backups.save({ ...backup, startedAt: undefined, error: undefined }, 'absent');

        // Assess
        expect(await catalog.backups.get(A, backup.id)).toStrictEqual(backup);
      });

      it('hands out copies that do not change what is stored', async () => {
        // Prepare
        const restore = aCompleteRestore(A, ids.next('backup'));
        await catalog.restores.save(restore, 'absent');
        const first = await catalog.restores.get(A, restore.id);
        expect(first).toBeDefined();

        // Act
        if (first?.kind === 'dump') (first.selection.tables as string[]).push('public.injected');

        // Assess
        expect(await catalog.restores.get(A, restore.id)).toStrictEqual(restore);
      });

      it('returns nothing for unknown or malformed ids', async () => {
        // Act
        const found = await Promise.all([
          catalog.sources.get(A, ids.next('source')),
          catalog.backups.get(A, ids.next('backup')),
          catalog.restores.get(A, ids.next('restore')),
          catalog.backups.get(A, 'bkp_../../x'),
          catalog.backups.get(A, ids.next('source')),
          catalog.sources.get(A, 'x'.repeat(5000)),
        ]);

        // Assess
        expect(found).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
      });

      it('refuses records whose tenant or ids are malformed', async () => {
        // Prepare
        const sourceId = ids.next('source');

        // Act
        const results = await settle([
          catalog.sources.create(aSource('Tenant#A')),
          catalog.sources.create({ ...aSource(A), id: 'src_1' }),
          catalog.backups.save({ ...aPendingBackup(A, sourceId), id: 'bkp_1#x' }, 'absent'),
          catalog.backups.save(aPendingBackup(A, 'src_x#BACKUP'), 'absent'),
          catalog.restores.save({ ...aPendingRestore(A, ids.next('backup')), id: ids.next('backup') }, 'absent'),
          catalog.backups.list('', { limit: 10 }),
        ]);

        // Assess
        allRejectedWith(results, { name: 'ValidationError' });
        expect((await catalog.backups.list(A, { limit: 10 })).items).toEqual([]);
      });
    });

    describe('conditional saves', () => {
      it('refuses to create a source or save a backup or restore that already exists', async () => {
        // Prepare
        const source = aSource(A);
        const backup = aPendingBackup(A, source.id);
        const restore = aPendingRestore(A, backup.id);
        await catalog.sources.create(source);
        await catalog.backups.save(backup, 'absent');
        await catalog.restores.save(restore, 'absent');

        // Act
        const results = await settle([
          catalog.sources.create({ ...source, name: 'replaced' }),
          catalog.backups.save({ ...backup, trigger: 'scheduled' }, 'absent'),
          catalog.restores.save({ ...restore, requestedBy: 'mallory' }, 'absent'),
        ]);

        // Assess
        allRejectedWith(results, stale);
        expect(await catalog.sources.get(A, source.id)).toStrictEqual(source);
        expect(await catalog.backups.get(A, backup.id)).toStrictEqual(backup);
        expect(await catalog.restores.get(A, restore.id)).toStrictEqual(restore);
      });

      it('saves a state change when the stored status is the expected one', async () => {
        // Prepare
        const backup = aPendingBackup(A, ids.next('source'));
        await catalog.backups.save(backup, 'absent');
        const running = startBackup(backup, later());

        // Act
        await catalog.backups.save(running, 'pending');

        // Assess
        expect(await catalog.backups.get(A, backup.id)).toStrictEqual(running);
      });

      it('refuses a state change when the stored status is another one', async () => {
        // Prepare
        const backup = aPendingBackup(A, ids.next('source'));
        const restore = aPendingRestore(A, backup.id);
        await catalog.backups.save(backup, 'absent');
        await catalog.restores.save(restore, 'absent');

        // Act
        const results = await settle([
          catalog.backups.save(startBackup(backup, later()), 'running'),
          catalog.restores.save(startRestore(restore, later()), 'running'),
        ]);

        // Assess
        allRejectedWith(results, stale);
        expect(await catalog.backups.get(A, backup.id)).toStrictEqual(backup);
        expect(await catalog.restores.get(A, restore.id)).toStrictEqual(restore);
      });

      it('refuses a state change of a record that does not exist, and creates nothing', async () => {
        // Prepare
        const backup = aPendingBackup(A, ids.next('source'));
        const restore = aPendingRestore(A, backup.id);

        // Act
        const results = await settle([
          catalog.backups.save(startBackup(backup, later()), 'pending'),
          catalog.restores.save(startRestore(restore, later()), 'pending'),
        ]);

        // Assess
        allRejectedWith(results, stale);
        expect(await catalog.backups.get(A, backup.id)).toBeUndefined();
        expect(await catalog.restores.get(A, restore.id)).toBeUndefined();
      });

      it('lets exactly one of two racing updates from the same status win', async () => {
        for (let round = 0; round < 10; round += 1) {
          // Prepare
          const backup = aPendingBackup(A, ids.next('source'));
          await catalog.backups.save(backup, 'absent');
          const contenders = [startBackup(backup, later()), { ...backup, status: 'failed' as const }];

          // Act
          const results = await Promise.allSettled(contenders.map((next) => catalog.backups.save(next, 'pending')));

          // Assess
          const winners = contenders.filter((_, index) => results[index]?.status === 'fulfilled');
          const losers = results.filter((result) => result.status === 'rejected');
          expect(winners).toHaveLength(1);
          expect(losers.map((result) => (result as PromiseRejectedResult).reason)).toMatchObject([stale]);
          expect(await catalog.backups.get(A, backup.id)).toStrictEqual(winners[0]);
        }
      });
    });

    describe('tenant isolation', () => {
      it('keeps records with the same ids apart per tenant', async () => {
        // Prepare
        const sourceA = aSource(A, ids.next('source'), 'of a');
        const sourceB = aSource(B, sourceA.id, 'of b');
        const backupA = aCompleteBackup(A, sourceA.id);
        const backupB = aPendingBackup(B, sourceA.id, backupA.id);
        const restoreA = aCompleteRestore(A, backupA.id);
        const restoreB = aPendingRestore(B, backupA.id, restoreA.id);

        // Act
        await Promise.all([catalog.sources.create(sourceA), catalog.sources.create(sourceB)]);
        await Promise.all([catalog.backups.save(backupA, 'absent'), catalog.backups.save(backupB, 'absent')]);
        await Promise.all([catalog.restores.save(restoreA, 'absent'), catalog.restores.save(restoreB, 'absent')]);
        await catalog.sources.delete(B, sourceA.id);

        // Assess
        expect(await catalog.sources.get(A, sourceA.id)).toStrictEqual(sourceA);
        expect(await catalog.sources.get(B, sourceA.id)).toBeUndefined();
        expect(await catalog.backups.get(A, backupA.id)).toStrictEqual(backupA);
        expect(await catalog.backups.get(B, backupA.id)).toStrictEqual(backupB);
        expect(await catalog.restores.get(A, restoreA.id)).toStrictEqual(restoreA);
        expect(await catalog.restores.get(B, restoreA.id)).toStrictEqual(restoreB);
        expect((await catalog.backups.list(B, { limit: 100, sourceId: sourceA.id })).items).toStrictEqual([backupB]);
      });

      it("never shows, lists or overwrites another tenant's records", async () => {
        // Prepare
        const source = aSource(A);
        const backup = aPendingBackup(A, source.id);
        const restore = aPendingRestore(A, backup.id);
        await catalog.sources.create(source);
        await catalog.backups.save(backup, 'absent');
        await catalog.restores.save(restore, 'absent');

        // Act
        const seen = [
          await catalog.sources.get(B, source.id),
          await catalog.backups.get(B, backup.id),
          await catalog.restores.get(B, restore.id),
        ];
        const listed = [
          ...(await catalog.sources.list(B, { limit: 100 })).items,
          ...(await catalog.backups.list(B, { limit: 100 })).items,
          ...(await catalog.backups.list(B, { limit: 100, sourceId: source.id })).items,
        ];
        const overwrites = await settle([
          catalog.backups.save({ ...startBackup(backup, later()), tenantId: B }, 'pending'),
          catalog.restores.save({ ...startRestore(restore, later()), tenantId: B }, 'pending'),
        ]);
        await catalog.sources.delete(B, source.id);

        // Assess
        expect(seen).toEqual([undefined, undefined, undefined]);
        expect(listed).toEqual([]);
        allRejectedWith(overwrites, stale);
        expect(await catalog.sources.get(A, source.id)).toStrictEqual(source);
        expect(await catalog.backups.get(A, backup.id)).toStrictEqual(backup);
        expect(await catalog.restores.get(A, restore.id)).toStrictEqual(restore);
      });
    });

    describeCatalogPagination(() => catalog, options);
    describeCatalogRetention(() => catalog);
    describeCatalogPolicies(() => catalog);
    describeCatalogWebhooks(() => catalog);
    describeCatalogAudit(() => catalog);
  });
}
