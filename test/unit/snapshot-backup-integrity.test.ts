import { beforeEach, describe, expect, it } from 'vitest';
import { requestBackup } from '../../lambdas/app/backups/request-backup';
import { checkSnapshots } from '../../lambdas/app/snapshots/check-snapshots';
import { copySnapshots } from '../../lambdas/app/snapshots/copy-snapshots';
import { createSnapshots } from '../../lambdas/app/snapshots/create-snapshots';
import { startSnapshotBackup } from '../../lambdas/app/snapshots/start-snapshot-backup';
import { registerSource } from '../../lambdas/app/sources/register-source';
import type { SnapshotBackup } from '../../lambdas/domain/backup';
import type { SnapshotSource } from '../../lambdas/domain/source';
import type { CloudResources } from '../../lambdas/ports/cloud';
import { type Deps, FakeCloud, snapshotDeps, withEmulatorGaps } from '../support/fake-cloud';

/**
 * Snapshot backup integrity: an instance's set is complete before the backup succeeds (#9), DR copies go where the
 * backup's frozen copy regions say (#10), and tenants' KMS keys are checked at registration and before copying (#3).
 */
const ACME = { 'strongbox:tenant': 'acme' };
let cloud: FakeCloud;
let deps: Deps;

beforeEach(() => {
  cloud = new FakeCloud();
  deps = snapshotDeps(cloud);
});

async function backupOf(
  type: 'ec2-instance' | 'ebs-volume',
  resourceId: string,
  settings?: SnapshotSource['settings'],
) {
  const source = await registerSource(deps, {
    tenantId: 'acme',
    name: 'src',
    type,
    resourceId,
    region: 'us-east-1',
    ...(settings === undefined ? {} : { settings }),
  });
  const requested = await requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' });
  return { sourceId: source.id, ids: { tenantId: 'acme', backupId: requested.id } };
}

/**
 * Emulator gap (DescribeSnapshots is eventually consistent on AWS, never on moto): findSnapshots hides the snapshot of
 * `hidden` for the first `hiddenFor` calls.
 */
function eventuallyConsistent(inner: CloudResources, hidden: () => string | undefined, hiddenFor: number) {
  let calls = 0;
  return {
    ...inner,
    ec2: {
      ...inner.ec2,
      findSnapshots: async (region: string, tags: Record<string, string>) => {
        calls += 1;
        const found = await inner.ec2.findSnapshots(region, tags);
        return calls <= hiddenFor ? found.filter((snapshot) => snapshot.resourceId !== hidden()) : found;
      },
    },
  } satisfies CloudResources;
}

const poll = (ids: { tenantId: string; backupId: string }, attempts: number, maxAttempts = 5) =>
  checkSnapshots(deps, { ...ids, attempts, maxAttempts, waitSeconds: 30 });

describe(`instance backups need a snapshot of every attached volume (#9) (use cases on an in-memory fake of the cloud port; the AWS calls themselves run on moto in test/integration and test/workflows)`, () => {
  it('a retried create that finds part of the set keeps re-finding until every volume is there (emulator gap: eventual consistency, faked)', async () => {
    // Prepare: the create call takes effect but its answer is lost; the retry sees only one of the two snapshots
    const instance = cloud.addInstance('us-east-1', ACME, ['/dev/xvda', '/dev/xvdf']);
    const second = instance.volumes[1]?.volumeId;
    const gaps = withEmulatorGaps(
      eventuallyConsistent(cloud, () => second, 3),
      { failAfterCreate: 1 },
    );
    const { ids } = await backupOf('ec2-instance', instance.instanceId);
    deps = { ...deps, cloud: gaps.cloud };
    await startSnapshotBackup(deps, ids);
    await expect(createSnapshots(deps, ids)).rejects.toMatchObject({ name: 'SnapshotThrottledError' });

    // Act
    const retried = await createSnapshots(deps, ids);
    const first = await poll(ids, 0);
    const second2 = await poll(ids, first.attempts);

    // Assess
    expect(retried).toMatchObject({ done: false, snapshots: 1 });
    expect(first.done).toBe(false);
    expect(second2.done).toBe(true);
    const backup = (await deps.catalog.backups.get('acme', ids.backupId)) as SnapshotBackup;
    expect(backup.expectedVolumes).toEqual(instance.volumes.map((v) => v.volumeId));
    expect(backup.snapshots?.map((s) => s.device).sort()).toEqual(['/dev/xvda', '/dev/xvdf']);
    expect(gaps.counts.creates).toBe(1);
  });

  it('fails clearly, naming the volume, when a snapshot never becomes visible within the bound', async () => {
    // Prepare
    const instance = cloud.addInstance('us-east-1', ACME, ['/dev/xvda', '/dev/xvdf']);
    const missing = instance.volumes[1]?.volumeId as string;
    const gaps = withEmulatorGaps(
      eventuallyConsistent(cloud, () => missing, 1_000),
      { failAfterCreate: 1 },
    );
    const { ids } = await backupOf('ec2-instance', instance.instanceId);
    deps = { ...deps, cloud: gaps.cloud };
    await startSnapshotBackup(deps, ids);
    await createSnapshots(deps, ids).catch(() => undefined);
    await createSnapshots(deps, ids);

    // Act
    const first = await poll(ids, 0, 2);
    const last = poll(ids, first.attempts, 2);

    // Assess
    expect(first.done).toBe(false);
    await expect(last).rejects.toMatchObject({
      name: 'SnapshotFailedError',
      message: expect.stringContaining(missing),
    });
  });
});

describe(`DR copies use the regions frozen at Start (#10) (use cases on an in-memory fake of the cloud port; the AWS calls themselves run on moto in test/integration and test/workflows)`, () => {
  it('a settings change mid-run neither duplicates nor moves the copies', async () => {
    // Prepare
    const volume = cloud.addVolume('us-east-1', ACME);
    const { sourceId, ids } = await backupOf('ebs-volume', volume.volumeId, {
      copyRegions: [{ region: 'us-west-2' }],
      restoreApproval: false,
    });
    const started = await startSnapshotBackup(deps, ids);
    await createSnapshots(deps, ids);
    const source = (await deps.catalog.sources.get('acme', sourceId)) as SnapshotSource;
    // The source's copy regions change while the backup runs (a new region first, the old one second).
    await deps.catalog.sources.delete('acme', sourceId);
    await deps.catalog.sources.create({
      ...source,
      settings: { copyRegions: [{ region: 'eu-west-1' }, { region: 'us-west-2' }], restoreApproval: false },
    });

    // Act
    const first = await copySnapshots(deps, ids);
    const retried = await copySnapshots(deps, ids);

    // Assess
    expect(started.copyRegions).toBe(1);
    expect(first.copies).toHaveLength(1);
    expect(retried.copies).toEqual(first.copies);
    const child = (await deps.catalog.backups.get('acme', first.copies[0] as string)) as SnapshotBackup;
    expect(child.region).toBe('us-west-2');
    expect(cloud.calls.filter((call) => call.startsWith('copySnapshot'))).toEqual([
      expect.stringContaining('→ us-west-2'),
    ]);
  });
});

describe(`tenants' KMS keys for DR copies (#3) (use cases on an in-memory fake of the cloud port; the AWS calls themselves run on moto in test/integration and test/workflows)`, () => {
  it('registration accepts only an own, enabled key; the copy step re-checks it before copying', async () => {
    // Prepare
    const volume = cloud.addVolume('us-east-1', ACME);
    const own = cloud.addKey('us-west-2', ACME);
    const theirs = cloud.addKey('us-west-2', { 'strongbox:tenant': 'globex' });
    const bare = cloud.addKey('us-west-2', {});
    const disabled = cloud.addKey('us-west-2', ACME, { enabled: false });
    const register = (kmsKeyId: string) =>
      backupOf('ebs-volume', volume.volumeId, {
        copyRegions: [{ region: 'us-west-2', kmsKeyId }],
        restoreApproval: false,
      });

    // Act / Assess: registration
    await expect(register(theirs)).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(register(bare)).rejects.toMatchObject({ name: 'ForbiddenError' });
    await expect(register(disabled)).rejects.toMatchObject({
      name: 'ValidationError',
      fields: [{ path: 'settings.copyRegions.0.kmsKeyId' }],
    });
    const { ids } = await register(own);

    // Act / Assess: the key is handed to another tenant before the copy
    await startSnapshotBackup(deps, ids);
    await createSnapshots(deps, ids);
    const keys = [...cloud.keys.entries()].filter(([, key]) => key.keyArn === own);
    for (const [id, key] of keys) cloud.keys.set(id, { ...key, tags: { 'strongbox:tenant': 'globex' } });
    await expect(copySnapshots(deps, ids)).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(cloud.calls.filter((call) => call.startsWith('copySnapshot'))).toEqual([]);
  });
});
