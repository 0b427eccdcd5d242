import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { requestBackup } from '../../lambdas/app/backups/request-backup';
import { acknowledgeBrake } from '../../lambdas/app/retention/acknowledge-brake';
import { type LegalHoldDeps, placeHold, releaseHold } from '../../lambdas/app/retention/legal-hold';
import { pruneTenant } from '../../lambdas/app/retention/prune-tenant';
import { registerSource } from '../../lambdas/app/sources/register-source';
import { updateSource } from '../../lambdas/app/sources/update-source';
import { type Backup, startBackup } from '../../lambdas/domain/backup';
import { finishDeletion, startDeletion } from '../../lambdas/domain/backup-retention';
import { TAGS } from '../../lambdas/domain/snapshot';
import type { Source } from '../../lambdas/domain/source';
import { recordedKeys } from '../../lambdas/domain/vault-layout';
import { aCompleteBackup, aFailedBackup, aPendingBackup, aSource, ids, rejectsOn } from '../support/catalog-fixtures';
import { FakeCloud, runSteps, snapshotDeps } from '../support/fake-cloud';
import { FixedClock, LockingVault, unpaced } from '../support/retention-fakes';

/**
 * Legal holds, the brake's acknowledgement and a source's retention settings as use cases on in-memory fakes: the
 * in-memory catalog, a vault with an Object Lock state, the fake cloud. The S3/EC2/RDS calls run on moto in
 * test/integration (vault-legal-hold among them).
 */
const T = 'acme';
const NOW = new Date('2026-11-22T02:00:00Z');
const HOLD = { by: 'admin@acme', reason: 'litigation 2026-17' };

let catalog: MemoryCatalog;
let vault: LockingVault;
let cloud: FakeCloud;
let clock: FixedClock;
let deps: LegalHoldDeps;

beforeEach(() => {
  catalog = new MemoryCatalog();
  vault = new LockingVault();
  cloud = new FakeCloud();
  clock = new FixedClock(NOW);
  deps = { catalog, vault, cloud, clock };
});

async function stored(backup: Backup): Promise<Backup> {
  await catalog.backups.save(backup, 'absent');
  for (const key of recordedKeys(backup)) vault.put(key);
  return backup;
}

const reread = async (backup: Backup) => catalog.backups.get(backup.tenantId, backup.id);
const vaultHolds = (backup: Backup) => recordedKeys(backup).map((key) => vault.keys.get(key)?.legalHold);

describe('placeHold / releaseHold (use cases on in-memory fakes; the AWS calls run on moto in test/integration)', () => {
  it('places a hold on the record and the vault objects, keeps the first when placed twice, and releases it', async () => {
    const backup = await stored(aCompleteBackup(T, ids.next('source')));

    const held = await placeHold(deps, { tenantId: T, backupId: backup.id, ...HOLD });

    const placed = { action: 'placed', at: NOW.toISOString(), ...HOLD };
    expect(await reread(backup)).toEqual({
      ...backup,
      legalHold: { at: NOW.toISOString(), ...HOLD },
      holdHistory: [placed],
    });
    expect(held).toEqual(await reread(backup));
    expect(vaultHolds(backup)).toEqual([true, true]);

    clock.at = new Date('2026-12-01T00:00:00Z');
    await placeHold(deps, { tenantId: T, backupId: backup.id, by: 'someone@acme' });
    expect(await reread(backup)).toMatchObject({ legalHold: { by: HOLD.by }, holdHistory: [placed] });

    const released = await releaseHold(deps, { tenantId: T, backupId: backup.id, by: 'counsel@acme' });
    const after = await reread(backup);
    expect(after).toEqual(released);
    expect(after).not.toHaveProperty('legalHold');
    expect(after?.holdHistory).toEqual([
      placed,
      { action: 'released', by: 'counsel@acme', at: clock.at.toISOString() },
    ]);
    expect(vaultHolds(backup)).toEqual([false, false]);

    await releaseHold(deps, { tenantId: T, backupId: backup.id, by: 'counsel@acme' });
    expect(await reread(backup)).toEqual(after);
  });

  it('tags the snapshots of EBS and RDS snapshot backups, and untags them on release', async () => {
    const sdeps = snapshotDeps(cloud);
    const owned = { [TAGS.tenant]: T };
    const instance = cloud.addInstance('us-east-1', owned, ['/dev/xvda', '/dev/xvdf']);
    cloud.addDbInstance('us-east-1', 'shop-db', owned);
    deps = { ...deps, catalog: sdeps.catalog };
    for (const [type, resourceId, count] of [
      ['ec2-instance', instance.instanceId, 2],
      ['rds-instance', 'shop-db', 1],
    ] as const) {
      const source = await registerSource(sdeps, { tenantId: T, name: type, type, resourceId, region: 'us-east-1' });
      const requested = await requestBackup(sdeps, { tenantId: T, sourceId: source.id, trigger: 'manual' });
      const { backup } = await runSteps(sdeps, T, requested.id);
      for (const key of recordedKeys(backup)) vault.put(key);
      const snapshots = backup.kind === 'snapshot' ? (backup.snapshots ?? []) : [];
      expect(snapshots).toHaveLength(count);
      const tagsOf = () => snapshots.map((s) => cloud.snapshots.get(`${s.region}/${s.id}`)?.tags[TAGS.legalHold]);

      await placeHold(deps, { tenantId: T, backupId: backup.id, ...HOLD });
      expect(tagsOf()).toEqual(snapshots.map(() => 'true'));
      expect(vaultHolds(backup)).toEqual([true]);
      expect(await sdeps.catalog.backups.get(T, backup.id)).toMatchObject({ legalHold: { by: HOLD.by } });

      await releaseHold(deps, { tenantId: T, backupId: backup.id, by: HOLD.by });
      expect(tagsOf()).toEqual(snapshots.map(() => undefined));
      expect(vaultHolds(backup)).toEqual([false]);
    }
  });

  it('a held backup is never deleted by pruneTenant; once released, the next run deletes it', async () => {
    const source = aSource(T);
    await catalog.sources.create({
      ...source,
      settings: { copyRegions: [], restoreApproval: false, retention: { keepLast: 1 } },
    });
    const [oldest, middle, newest] = [
      await stored(aCompleteBackup(T, source.id)),
      await stored(aCompleteBackup(T, source.id)),
      await stored(aCompleteBackup(T, source.id)),
    ] as [Backup, Backup, Backup];
    await placeHold(deps, { tenantId: T, backupId: oldest.id, ...HOLD });
    const prune = (runId: string) =>
      pruneTenant(
        {
          catalog,
          vault,
          cloud,
          clock,
          brake: { maxDeleteShare: 1 },
          paceEc2: unpaced,
          paceRds: unpaced,
          runEach: async (items, work) => {
            for (const item of items) await work(item);
            return { notStarted: 0, failed: [] };
          },
        },
        { tenantId: T, runId, now: NOW.toISOString(), deadline: new Date(NOW.getTime() + 60_000) },
      );

    const runId = ids.next('pruneRun');
    await expect(prune(runId)).resolves.toMatchObject({ deleted: 1, skipped: 0 });
    expect((await catalog.pruneRuns.get(T, runId))?.sources).toMatchObject([{ planned: 1, deleted: 1 }]);
    expect((await Promise.all([oldest, middle, newest].map(reread))).map((b) => b?.status)).toEqual([
      'succeeded',
      'deleted',
      'succeeded',
    ]);
    expect(vault.keys.has(recordedKeys(oldest)[0] as string)).toBe(true);

    await releaseHold(deps, { tenantId: T, backupId: oldest.id, by: HOLD.by });
    await expect(prune(ids.next('pruneRun'))).resolves.toMatchObject({ deleted: 1 });
    expect(await reread(oldest)).toMatchObject({ status: 'deleted' });
    expect(vault.keys.has(recordedKeys(oldest)[0] as string)).toBe(false);
  });

  it('refuses a backup that is not succeeded (ConflictError) and another tenant’s (NotFoundError)', async () => {
    const sourceId = ids.next('source');
    const complete = aCompleteBackup(T, sourceId);
    const tombstone = finishDeletion(startDeletion(complete, { runId: 'prn', at: '', reasons: [] }), NOW);
    for (const backup of [
      aPendingBackup(T, sourceId),
      startBackup(aPendingBackup(T, sourceId), NOW),
      aFailedBackup(T, sourceId),
      tombstone,
    ]) {
      await stored(backup);
      await expect(placeHold(deps, { tenantId: T, backupId: backup.id, ...HOLD })).rejects.toMatchObject({
        name: 'ConflictError',
      });
      expect(await reread(backup)).toEqual(backup);
    }

    const theirs = await stored(aCompleteBackup('globex', ids.next('source')));
    await expect(placeHold(deps, { tenantId: T, backupId: theirs.id, ...HOLD })).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await placeHold(deps, { tenantId: 'globex', backupId: theirs.id, ...HOLD });
    await expect(releaseHold(deps, { tenantId: T, backupId: theirs.id, by: HOLD.by })).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    expect(await reread(theirs)).toMatchObject({ legalHold: { by: HOLD.by } });
    expect(vaultHolds(theirs)).toEqual([true, true]);
  });
});

describe('acknowledgeBrake (use case on in-memory fakes; the AWS calls run on moto in test/integration)', () => {
  it('records the acknowledgement on the source; rejects a bad count and another tenant’s source', async () => {
    const source = aSource(T);
    await catalog.sources.create(source);
    const input = { tenantId: T, sourceId: source.id, by: 'admin@acme' };

    const view = await acknowledgeBrake({ catalog, clock }, { ...input, deletions: 8 });

    const ack = { deletions: 8, by: 'admin@acme', at: NOW.toISOString() };
    expect((await catalog.sources.get(T, source.id))?.retentionBrake).toEqual(ack);
    expect(view).toMatchObject({ id: source.id, retentionBrake: ack });
    expect(view).not.toHaveProperty('secretRef');

    for (const deletions of [0, -1, 2.5, Number.NaN]) {
      await expect(acknowledgeBrake({ catalog, clock }, { ...input, deletions })).rejects.toMatchObject(
        rejectsOn('deletions'),
      );
    }
    await expect(
      acknowledgeBrake({ catalog, clock }, { ...input, tenantId: 'globex', deletions: 3 }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    expect((await catalog.sources.get(T, source.id))?.retentionBrake).toEqual(ack);
  });
});

describe('updateSource retention (use case on in-memory fakes; the AWS calls run on moto in test/integration)', () => {
  let source: Source;
  const update = (settings: Parameters<typeof updateSource>[1]['settings'], tenantId = T) =>
    updateSource({ catalog, cloud, clock }, { tenantId, sourceId: source.id, settings });
  const settingsNow = async () => (await catalog.sources.get(T, source.id))?.settings;

  beforeEach(async () => {
    source = { ...aSource(T), settings: { copyRegions: [], restoreApproval: true } };
    await catalog.sources.create(source);
  });

  it('sets settings.retention, keeps it when left out, and removes it with null', async () => {
    const policy = { keepDaily: 7, keepWeekly: 4, keepMonthly: 12, manual: { keepWithin: 'P30D', keepLast: 3 } };

    const view = await update({ retention: policy });
    expect(await settingsNow()).toEqual({ copyRegions: [], restoreApproval: true, retention: policy });
    expect(view.settings).toEqual(await settingsNow());
    expect((await catalog.tenants.list({ limit: 10 })).items).toEqual([T]);

    await updateSource({ catalog, cloud, clock }, { tenantId: T, sourceId: source.id, name: 'renamed' });
    await update({ restoreApproval: false });
    expect(await settingsNow()).toEqual({ copyRegions: [], restoreApproval: false, retention: policy });

    await update({ retention: null });
    expect(await settingsNow()).toEqual({ copyRegions: [], restoreApproval: false });
    expect(await catalog.sources.get(T, source.id)).toMatchObject({ name: 'renamed' });
  });

  it('another tenant’s source is NotFoundError, and nothing changes', async () => {
    await expect(update({ retention: { keepLast: 1 } }, 'globex')).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(await settingsNow()).toEqual({ copyRegions: [], restoreApproval: true });
  });

  it('rejects an invalid retention policy with a ValidationError naming the field, and stores nothing', async () => {
    await expect(update({ retention: { keepDaily: -1 } })).rejects.toMatchObject({
      name: 'ValidationError',
      fields: [expect.objectContaining({ path: 'settings.retention.keepDaily' })],
    });
    await expect(update({ retention: { keepLast: 1, timeZone: 'Mars/Olympus' } })).rejects.toMatchObject({
      name: 'ValidationError',
      fields: [expect.objectContaining({ path: 'settings.retention.timeZone' })],
    });
    expect(await settingsNow()).toEqual({ copyRegions: [], restoreApproval: true });
  });
});
