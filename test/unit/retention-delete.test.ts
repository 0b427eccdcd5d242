import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { requestBackup } from '../../lambdas/app/backups/request-backup';
import { type DeleteBackupDeps, deleteBackup } from '../../lambdas/app/retention/delete-backup';
import { registerSource } from '../../lambdas/app/sources/register-source';
import { type Backup, startBackup } from '../../lambdas/domain/backup';
import { placeLegalHold } from '../../lambdas/domain/backup-retention';
import { recordedKeys } from '../../lambdas/domain/vault-layout';
import { aCompleteBackup, aPendingBackup, aPendingRestore, ids } from '../support/catalog-fixtures';
import { FakeCloud, runSteps, snapshotDeps } from '../support/fake-cloud';
import { FixedClock, LockingVault, unpaced } from '../support/retention-fakes';

/**
 * deleteBackup's re-checks and its lifecycle (DESIGN.md P4, P5), on the in-memory catalog, an in-memory vault with an
 * Object Lock state and the fake cloud. The S3 and EC2/RDS calls themselves run on moto in test/integration.
 */
const T = 'acme';
const SOURCE = ids.next('source');
const NOW = new Date('2026-11-22T02:00:00Z');
let catalog: MemoryCatalog;
let vault: LockingVault;
let deps: DeleteBackupDeps;

beforeEach(() => {
  catalog = new MemoryCatalog();
  vault = new LockingVault();
  deps = { catalog, vault, cloud: new FakeCloud(), clock: new FixedClock(NOW), paceEc2: unpaced, paceRds: unpaced };
});

async function stored(backup: Backup = aCompleteBackup(T, SOURCE)): Promise<Backup> {
  await catalog.backups.save(backup, 'absent');
  for (const key of recordedKeys(backup)) vault.put(key);
  return backup;
}

const run = (backupId: string) => deleteBackup(deps, { tenantId: T, backupId, runId: 'prn_1', reasons: ['not kept'] });
const reread = async (backup: Backup) => (await catalog.backups.get(T, backup.id)) as Backup;

describe('deleteBackup (use case on an in-memory catalog and vault)', () => {
  it('deletes every vault object of a succeeded backup and leaves a tombstone that expires after 400 days', async () => {
    const backup = await stored();
    expect(recordedKeys(backup)).toHaveLength(2);

    await expect(run(backup.id)).resolves.toEqual({ outcome: 'deleted', backupId: backup.id });

    expect(vault.removed.sort()).toEqual([...recordedKeys(backup)].sort());
    const tombstone = await reread(backup);
    expect(tombstone).toMatchObject({ status: 'deleted', deletedAt: NOW.toISOString(), deletion: { runId: 'prn_1' } });
    expect(tombstone.expiresAt).toBe(Math.floor(NOW.getTime() / 1000) + 400 * 86_400);
  });

  it('skips what changed since the plan: gone from the catalog, no longer succeeded, held meanwhile', async () => {
    await expect(run(ids.next('backup'))).resolves.toMatchObject({ outcome: 'skipped', code: 'stale_state' });

    const running = await stored(startBackup(aPendingBackup(T, SOURCE), NOW));
    await expect(run(running.id)).resolves.toMatchObject({ outcome: 'skipped', code: 'stale_state' });

    const held = await stored(
      placeLegalHold(aCompleteBackup(T, SOURCE), { by: 'admin@acme', at: NOW.toISOString(), reason: 'audit' }),
    );
    await expect(run(held.id)).resolves.toMatchObject({ outcome: 'skipped', code: 'legal_hold' });

    expect(vault.removed).toEqual([]);
    expect(await reread(running)).toEqual(running);
    expect(await reread(held)).toEqual(held);
  });

  it('keeps a backup whose vault object carries an Object Lock legal hold, and says so on the record', async () => {
    const backup = await stored();
    vault.put(recordedKeys(backup)[0] as string, { legalHold: true });

    await expect(run(backup.id)).resolves.toMatchObject({ outcome: 'skipped', code: 'legal_hold' });

    expect(vault.removed).toEqual([]);
    expect(await reread(backup)).toMatchObject({ status: 'succeeded', retentionSkip: { code: 'legal_hold' } });
  });

  it('keeps a backup under an Object Lock retention date until that date, and deletes it after', async () => {
    const backup = await stored();
    const until = '2027-01-01T00:00:00.000Z';
    for (const key of recordedKeys(backup))
      vault.put(key, { legalHold: false, retainUntil: until, mode: 'GOVERNANCE' });

    await expect(run(backup.id)).resolves.toMatchObject({ outcome: 'skipped', code: 'locked' });
    expect(await reread(backup)).toMatchObject({ status: 'succeeded', lockedUntil: until });

    deps = { ...deps, clock: new FixedClock(new Date('2027-01-02T00:00:00Z')) };
    await expect(run(backup.id)).resolves.toMatchObject({ outcome: 'deleted' });
  });

  it('keeps a backup an open restore reads, whole and succeeded', async () => {
    const backup = await stored();
    await catalog.restores.save(aPendingRestore(T, backup.id), 'absent');

    await expect(run(backup.id)).resolves.toMatchObject({ outcome: 'skipped', code: 'in_use' });

    expect(vault.removed).toEqual([]);
    expect(await reread(backup)).toMatchObject({ status: 'succeeded', retentionSkip: { code: 'in_use' } });
  });

  it('goes back to succeeded when the first artifact cannot be deleted (nothing is gone yet)', async () => {
    const backup = await stored();
    for (const key of recordedKeys(backup)) vault.refuse.add(key);

    await expect(run(backup.id)).resolves.toMatchObject({ outcome: 'skipped', code: 'locked' });

    expect(await reread(backup)).toMatchObject({ status: 'succeeded', retentionSkip: { code: 'locked' } });
  });

  it('stays deleting when a later artifact is refused (never succeeded over missing data), and a rerun finishes', async () => {
    const backup = await stored();
    const [first, second] = recordedKeys(backup) as [string, string];
    vault.refuse.add(second);

    await expect(run(backup.id)).resolves.toMatchObject({ outcome: 'skipped', code: 'locked' });
    expect(vault.removed).toEqual([first]);
    expect(await reread(backup)).toMatchObject({ status: 'deleting', retentionSkip: { code: 'locked' } });

    vault.refuse.clear();
    await expect(run(backup.id)).resolves.toMatchObject({ outcome: 'deleted' });
    expect(await reread(backup)).toMatchObject({ status: 'deleted' });
  });

  it('a resumed deletion that meets a lock or an open restore stays deleting (part of it may be gone already)', async () => {
    const backup = await stored();
    const [first, second] = recordedKeys(backup) as [string, string];
    vault.refuse.add(second);
    await run(backup.id);
    vault.refuse.clear();
    vault.put(second, { legalHold: false, retainUntil: '2027-06-01T00:00:00.000Z', mode: 'COMPLIANCE' });

    await expect(run(backup.id)).resolves.toMatchObject({ outcome: 'skipped', code: 'locked' });
    expect(await reread(backup)).toMatchObject({ status: 'deleting', lockedUntil: '2027-06-01T00:00:00.000Z' });

    vault.put(second);
    await catalog.restores.save(aPendingRestore(T, backup.id), 'absent');
    await expect(run(backup.id)).resolves.toMatchObject({ outcome: 'skipped', code: 'in_use' });
    expect(await reread(backup)).toMatchObject({ status: 'deleting', retentionSkip: { code: 'in_use' } });
    expect(vault.removed).toEqual([first]);
  });

  it('deletes the snapshots of a snapshot backup, counting one already gone as deleted', async () => {
    const cloud = new FakeCloud();
    const sdeps = snapshotDeps(cloud);
    const instance = cloud.addInstance('us-east-1', { 'strongbox:tenant': T }, ['/dev/xvda', '/dev/xvdf']);
    const source = await registerSource(sdeps, {
      tenantId: T,
      name: 'data',
      type: 'ec2-instance',
      resourceId: instance.instanceId,
      region: 'us-east-1',
    });
    const requested = await requestBackup(sdeps, { tenantId: T, sourceId: source.id, trigger: 'manual' });
    const { backup } = await runSteps(sdeps, T, requested.id);
    const snapshots = backup.kind === 'snapshot' ? (backup.snapshots ?? []) : [];
    expect(snapshots).toHaveLength(2);
    cloud.snapshots.delete(`${snapshots[0]?.region}/${snapshots[0]?.id}`);
    deps = { ...deps, catalog: sdeps.catalog, cloud };

    await expect(
      deleteBackup(deps, { tenantId: T, backupId: backup.id, runId: 'prn_1', reasons: ['not kept'] }),
    ).resolves.toMatchObject({ outcome: 'deleted' });

    expect(cloud.snapshots.size).toBe(0);
    expect(await sdeps.catalog.backups.get(T, backup.id)).toMatchObject({ status: 'deleted' });
  });
});
