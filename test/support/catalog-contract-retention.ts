import { describe, expect, it } from 'vitest';
import type { Backup } from '../../lambdas/domain/backup';
import { finishDeletion, skipDeletion, startDeletion } from '../../lambdas/domain/backup-retention';
import type { PruneRun } from '../../lambdas/domain/retention/prune-run';
import type { Source } from '../../lambdas/domain/source';
import type { Catalog } from '../../lambdas/ports/catalog';
import {
  A,
  aCompleteBackup,
  allPages,
  allRejectedWith,
  aPendingBackup,
  aSource,
  B,
  base64url,
  ids,
  later,
  newestFirst,
  rejectsOn,
  settle,
  stale,
} from './catalog-fixtures';

/** A prune run with every optional attribute a run can carry (finished, a brake, skips). */
function aPruneRun(tenantId: string, id = ids.next('pruneRun')): PruneRun {
  const now = later().toISOString();
  return {
    tenantId,
    id,
    now,
    startedAt: now,
    finishedAt: later().toISOString(),
    status: 'finished',
    sources: [
      {
        sourceId: ids.next('source'),
        planned: 3,
        deleted: 1,
        archived: 1,
        skipped: [{ backupId: ids.next('backup'), code: 'legal_hold', message: 'held by legal' }],
        skippedCount: 1,
        brake: {
          sourceId: ids.next('source'),
          tripped: true,
          acknowledged: false,
          wouldDelete: 9,
          successful: 10,
          reason: 'would delete 90 % of the successful backups',
        },
      },
      { sourceId: ids.next('source'), planned: 0, deleted: 0, archived: 0, skipped: [], skippedCount: 0 },
    ],
  };
}

function aRunningPruneRun(tenantId: string, id = ids.next('pruneRun')): PruneRun {
  const now = later().toISOString();
  return { tenantId, id, now, startedAt: now, status: 'running', sources: [] };
}

const retentionNote = (code?: string) => ({
  runId: ids.next('pruneRun'),
  at: later().toISOString(),
  reasons: ['older than keepDaily 7'],
  ...(code === undefined ? {} : { code }),
});

/** What the retention pruner needs of the catalog: source updates, the tenant registry, prune runs, deletions. */
export function describeCatalogRetention(current: () => Catalog): void {
  describe('source updates', () => {
    it('replaces an existing source with the new settings, exactly as given', async () => {
      // Prepare
      const catalog = current();
      const source = aSource(A);
      await catalog.sources.create(source);
      const updated: Source = {
        ...source,
        name: 'orders (renamed)',
        settings: {
          copyRegions: [{ region: 'eu-west-1', kmsKeyId: 'alias/dr' }],
          restoreApproval: true,
          retention: { keepDaily: 7, keepMonthly: 'unlimited', keepWithin: 'P2D', timeZone: 'Europe/Paris' },
        },
        retentionBrake: { deletions: 12, by: 'admin@example.com', at: later().toISOString() },
      };

      // Act
      await catalog.sources.update(updated);

      // Assess
      expect(await catalog.sources.get(A, source.id)).toStrictEqual(updated);
      expect((await catalog.sources.list(A, { limit: 10 })).items).toStrictEqual([updated]);
    });

    it('drops attributes an update sets to undefined (the brake acknowledgement, once used)', async () => {
      // Prepare
      const catalog = current();
      const source: Source = {
        ...aSource(A),
        retentionBrake: { deletions: 3, by: 'admin@example.com', at: later().toISOString() },
      };
      await catalog.sources.create(source);

      // Act
      await catalog.sources.update({ ...source, retentionBrake: undefined });

      // Assess
      const { retentionBrake: _used, ...withoutBrake } = source;
      expect(await catalog.sources.get(A, source.id)).toStrictEqual(withoutBrake);
    });

    it("refuses to update a missing source, or another tenant's, with NotFoundError and creates nothing", async () => {
      // Prepare
      const catalog = current();
      const ofA = aSource(A);
      await catalog.sources.create(ofA);
      const missing = aSource(A);

      // Act
      const results = await settle([
        catalog.sources.update(missing),
        catalog.sources.update({ ...ofA, tenantId: B, name: 'hijacked' }),
      ]);

      // Assess
      expect(results).toMatchObject([
        { status: 'rejected', reason: { name: 'NotFoundError', message: `source ${missing.id} was not found` } },
        { status: 'rejected', reason: { name: 'NotFoundError', message: `source ${ofA.id} was not found` } },
      ]);
      expect(await catalog.sources.get(A, missing.id)).toBeUndefined();
      expect(await catalog.sources.get(B, ofA.id)).toBeUndefined();
      expect(await catalog.sources.get(A, ofA.id)).toStrictEqual(ofA);
    });

    it('refuses updates whose tenant or id is malformed', async () => {
      // Act
      const results = await settle([
        current().sources.update(aSource('Tenant#A')),
        current().sources.update({ ...aSource(A), id: 'src_1#BACKUP' }),
      ]);

      // Assess
      allRejectedWith(results, { name: 'ValidationError' });
    });
  });

  describe('tenant registry', () => {
    it('lists registered tenants once each, in ascending order, one page at a time', async () => {
      // Prepare
      const catalog = current();
      const tenants = ['zeta', 'acme', 'a', 'a-b', 'a0', 'tenant-b', 'tenant-a', '9lives'];
      for (const tenant of tenants) await catalog.tenants.register(tenant, later().toISOString());
      for (const tenant of ['acme', 'zeta']) await catalog.tenants.register(tenant, later().toISOString());

      // Act
      const { items, pages } = await allPages(3, (cursor) => catalog.tenants.list({ limit: 3, cursor }));
      const exact = await allPages(8, (cursor) => catalog.tenants.list({ limit: 8, cursor }));

      // Assess
      expect(items).toEqual(['9lives', 'a', 'a-b', 'a0', 'acme', 'tenant-a', 'tenant-b', 'zeta']);
      expect(pages).toBe(3);
      expect(exact.pages).toBe(1);
    });

    it('lists nothing, without a cursor, before any tenant registered', async () => {
      // Act
      const page = await current().tenants.list({ limit: 100 });

      // Assess
      expect(page).toStrictEqual({ items: [] });
    });

    it('refuses malformed tenant ids and page sizes outside 1 to 100', async () => {
      // Prepare
      const catalog = current();

      // Act
      const badTenants = await settle(
        ['Tenant#A', '', 'TENANTS', 'a'.repeat(64), '-a'].map((tenant) =>
          catalog.tenants.register(tenant, later().toISOString()),
        ),
      );
      const badLimits = await settle([0, -1, 101, 2.5, Number.NaN].map((limit) => catalog.tenants.list({ limit })));

      // Assess
      allRejectedWith(badTenants, rejectsOn('tenantId'));
      allRejectedWith(badLimits, rejectsOn('limit'));
      expect((await catalog.tenants.list({ limit: 10 })).items).toEqual([]);
    });

    it('refuses cursors of other listings as tenant cursors and the other way round, forged or garbled', async () => {
      // Prepare
      const catalog = current();
      for (const tenant of [B, 'zz', A]) await catalog.tenants.register(tenant, later().toISOString());
      for (const source of [aSource(A), aSource(A)]) await catalog.sources.create(source);
      const tenantCursor = (await catalog.tenants.list({ limit: 1 })).nextCursor as string;
      const sourceCursor = (await catalog.sources.list(A, { limit: 1 })).nextCursor as string;
      const decoded = Buffer.from(tenantCursor, 'base64url').toString('utf8');
      const forged = base64url(decoded.split(A).join('Tenant#X'));
      const garbage = ['!!!', 'AAAA', 'a'.repeat(3000), ...['{}', '[]', 'null', '"x"'].map(base64url)];

      // Act
      const results = await settle([
        catalog.tenants.list({ limit: 1, cursor: sourceCursor }),
        catalog.sources.list(A, { limit: 1, cursor: tenantCursor }),
        catalog.backups.list(A, { limit: 1, cursor: tenantCursor }),
        catalog.pruneRuns.list(A, { limit: 1, cursor: tenantCursor }),
        catalog.tenants.list({ limit: 1, cursor: forged }),
        ...garbage.map((cursor) => catalog.tenants.list({ limit: 1, cursor })),
      ]);

      // Assess
      expect(decoded).toContain(A);
      allRejectedWith(results, rejectsOn('cursor'));
      expect((await catalog.tenants.list({ limit: 5, cursor: tenantCursor })).items).toEqual([B, 'zz']);
    });
  });

  describe('prune runs', () => {
    it('returns a saved run exactly as saved, and the latest save of it', async () => {
      // Prepare
      const catalog = current();
      const running = aRunningPruneRun(A);
      const finished: PruneRun = { ...aPruneRun(A, running.id), now: running.now, startedAt: running.startedAt };

      // Act
      await catalog.pruneRuns.save(running);
      const first = await catalog.pruneRuns.get(A, running.id);
      await catalog.pruneRuns.save(finished);
      await catalog.pruneRuns.save(finished);

      // Assess
      expect(first).toStrictEqual(running);
      expect(await catalog.pruneRuns.get(A, running.id)).toStrictEqual(finished);
      expect((await catalog.pruneRuns.list(A, { limit: 10 })).items).toStrictEqual([finished]);
    });

    it("lists a tenant's runs newest first, one page at a time, each exactly once, and only the tenant's", async () => {
      // Prepare
      const catalog = current();
      const runs = Array.from({ length: 5 }, () => aPruneRun(A));
      for (const run of [...runs].reverse()) await catalog.pruneRuns.save(run);
      await catalog.pruneRuns.save(aPruneRun(B));

      // Act
      const { items, pages } = await allPages(2, (cursor) => catalog.pruneRuns.list(A, { limit: 2, cursor }));

      // Assess
      expect(items.map((run) => run.id)).toEqual(newestFirst(runs.map((run) => run.id)));
      expect(pages).toBe(3);
    });

    it("never shows another tenant's runs, and refuses malformed runs, page sizes and foreign cursors", async () => {
      // Prepare
      const catalog = current();
      const runs = [aPruneRun(A), aPruneRun(A)];
      for (const run of runs) await catalog.pruneRuns.save(run);
      await catalog.pruneRuns.save(aPruneRun(B));
      await catalog.backups.save(aPendingBackup(A, ids.next('source')), 'absent');
      await catalog.backups.save(aPendingBackup(A, ids.next('source')), 'absent');
      const ofA = (await catalog.pruneRuns.list(A, { limit: 1 })).nextCursor as string;
      const backupsOfA = (await catalog.backups.list(A, { limit: 1 })).nextCursor as string;

      // Act
      const seen = await Promise.all([
        catalog.pruneRuns.get(B, runs[0]?.id ?? ''),
        catalog.pruneRuns.get(A, ids.next('pruneRun')),
        catalog.pruneRuns.get(A, 'prn_../../x'),
        catalog.pruneRuns.get(A, ids.next('backup')),
      ]);
      const refusedRuns = await settle([
        catalog.pruneRuns.save(aPruneRun('Tenant#A')),
        catalog.pruneRuns.save({ ...aPruneRun(A), id: ids.next('backup') }),
      ]);
      const refusedCursors = await settle([
        catalog.pruneRuns.list(B, { limit: 1, cursor: ofA }),
        catalog.pruneRuns.list(A, { limit: 1, cursor: backupsOfA }),
        catalog.backups.list(A, { limit: 1, cursor: ofA }),
      ]);
      const refusedLimits = await settle([0, 101, 1.5].map((limit) => catalog.pruneRuns.list(A, { limit })));

      // Assess
      expect(seen).toEqual([undefined, undefined, undefined, undefined]);
      allRejectedWith(refusedRuns, { name: 'ValidationError' });
      allRejectedWith(refusedCursors, rejectsOn('cursor'));
      allRejectedWith(refusedLimits, rejectsOn('limit'));
      expect((await catalog.pruneRuns.list(B, { limit: 10 })).items).toHaveLength(1);
      expect((await catalog.pruneRuns.list(A, { limit: 1, cursor: ofA })).items).toHaveLength(1);
    });
  });

  describe('deletions', () => {
    it('walks a backup through deleting to deleted with conditional saves, keeping expiresAt', async () => {
      // Prepare
      const catalog = current();
      const succeeded = aCompleteBackup(A, ids.next('source'));
      await catalog.backups.save(succeeded, 'absent');
      const deleting = startDeletion(succeeded, retentionNote());
      const deleted = finishDeletion(deleting, later());

      // Act
      await catalog.backups.save(deleting, 'succeeded');
      const whileDeleting = await catalog.backups.get(A, succeeded.id);
      await catalog.backups.save(deleted, 'deleting');

      // Assess
      expect(whileDeleting).toStrictEqual(deleting);
      expect(await catalog.backups.get(A, succeeded.id)).toStrictEqual(deleted);
      expect(deleted.expiresAt).toEqual(expect.any(Number));
      expect((await catalog.backups.list(A, { limit: 10 })).items).toStrictEqual([deleted]);
    });

    it('refuses a deletion step from a status the backup is no longer in', async () => {
      // Prepare
      const catalog = current();
      const succeeded = aCompleteBackup(A, ids.next('source'));
      await catalog.backups.save(succeeded, 'absent');
      const deleting = startDeletion(succeeded, retentionNote());
      await catalog.backups.save(deleting, 'succeeded');

      // Act
      const results = await settle([
        catalog.backups.save(startDeletion(succeeded, retentionNote()), 'succeeded'),
        catalog.backups.save(finishDeletion(deleting, later()), 'succeeded'),
        catalog.backups.save(finishDeletion(deleting, later()), 'deleted'),
      ]);

      // Assess
      allRejectedWith(results, stale);
      expect(await catalog.backups.get(A, succeeded.id)).toStrictEqual(deleting);
    });

    it('returns a deletion that was given up (back to succeeded, with the reason) exactly as saved', async () => {
      // Prepare
      const catalog = current();
      const succeeded = aCompleteBackup(A, ids.next('source'));
      await catalog.backups.save(succeeded, 'absent');
      const deleting = startDeletion(succeeded, retentionNote());
      await catalog.backups.save(deleting, 'succeeded');
      const lockedUntil = '2031-02-03T04:05:06.000Z';
      const kept: Backup = skipDeletion(deleting, retentionNote('locked'), lockedUntil);

      // Act
      await catalog.backups.save(kept, 'deleting');

      // Assess
      expect(await catalog.backups.get(A, succeeded.id)).toStrictEqual(kept);
      expect(kept).toMatchObject({ status: 'succeeded', lockedUntil, retentionSkip: { code: 'locked' } });
    });
  });
}
