import { describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { restoreDb } from '../../lambdas/app/restores/db-restore';
import { completeSnapshotRestore } from '../../lambdas/app/restores/finish-restore';
import type { SnapshotBackup } from '../../lambdas/domain/backup';
import { type DbRestoreTarget, newRestore, type Restore, startRestore } from '../../lambdas/domain/restore';
import { type SnapshotArtifact, TAGS } from '../../lambdas/domain/snapshot';
import type { CloudResources } from '../../lambdas/ports/cloud';
import { FakeCloud, withEmulatorGaps } from '../support/fake-cloud';

/**
 * Restore machine steps on the fake cloud port: what each step checks right before it changes something, and that a
 * retried step creates only what is missing.
 */
const NOW = new Date('2025-06-01T12:34:56Z');
const REGION = 'us-east-1';
const acmeTags = { [TAGS.tenant]: 'acme' };
const BACKUP_ID = 'bkp_01JX0000000000000000000000';
const RESTORE_ID = 'rst_01JX0000000000000000000000';

async function setup(
  cloud: FakeCloud,
  sourceType: SnapshotBackup['sourceType'],
  snapshots: SnapshotArtifact[],
  restoreOf: (common: { tenantId: string; id: string; backupId: string; requestedBy: string }) => Restore,
) {
  const catalog = new MemoryCatalog();
  const backup: SnapshotBackup = {
    tenantId: 'acme',
    id: BACKUP_ID,
    sourceId: 'src_01JX0000000000000000000000',
    kind: 'snapshot',
    sourceType,
    region: REGION,
    trigger: 'manual',
    status: 'succeeded',
    createdAt: NOW.toISOString(),
    snapshots,
  };
  await catalog.backups.save(backup, 'absent');
  const restore = startRestore(
    restoreOf({ tenantId: 'acme', id: RESTORE_ID, backupId: BACKUP_ID, requestedBy: 'admin@acme' }),
    NOW,
  );
  await catalog.restores.save(restore, 'absent');
  cloud.calls.length = 0;
  return { catalog, restore, clock: { now: () => NOW } };
}

const dbRestore = (target: DbRestoreTarget) => (common: Parameters<Parameters<typeof setup>[3]>[0]) =>
  newRestore({ ...common, kind: 'db', target }, NOW);

describe(`DB restore step (use cases on an in-memory fake of the cloud port; the AWS calls themselves run on moto in test/integration and test/workflows)`, () => {
  it('emulator gap: a throttled CreateDBInstance after the cluster was restored is retried by creating only the instance', async () => {
    // Prepare
    const fake = new FakeCloud();
    fake.addDbCluster(REGION, 'orders', acmeTags);
    const snapshot = await fake.rds.snapshotDbCluster(REGION, {
      dbClusterIdentifier: 'orders',
      snapshotId: 'strongbox-1',
      tags: {},
    });
    const { catalog } = await setup(
      fake,
      'rds-cluster',
      [{ ...snapshot, engine: 'aurora-postgresql' }],
      dbRestore({ dbClusterIdentifier: 'orders-restored', dbInstanceIdentifier: 'orders-restored-1' }),
    );
    const gaps = withEmulatorGaps(fake as unknown as CloudResources, { throttleCreates: 1 });
    const deps = { catalog, cloud: gaps.cloud as CloudResources };
    const step = { tenantId: 'acme', restoreId: RESTORE_ID };

    // Act
    const first = await restoreDb(deps, step).catch((error: unknown) => error);
    const retry = await restoreDb(deps, step);
    const again = await restoreDb(deps, step);

    // Assess
    expect(first).toMatchObject({ name: 'SnapshotThrottledError' });
    expect(retry).toEqual({ done: false, attempts: 0 });
    expect(again).toEqual({ done: false, attempts: 0 });
    expect(fake.calls).toEqual([
      `restoreDbClusterFromSnapshot ${REGION} orders-restored`,
      `createDbClusterInstance ${REGION} orders-restored-1`,
    ]);
    expect(fake.dbClusters.get(`${REGION}/orders-restored`)?.members).toEqual(['orders-restored-1']);
    expect(fake.dbInstances.get(`${REGION}/orders-restored-1`)?.tags).toMatchObject({ [TAGS.restore]: RESTORE_ID });
  });

  it('checks the source instance is still the tenant’s right before a point-in-time restore', async () => {
    // Prepare
    const fake = new FakeCloud();
    fake.addDbInstance(REGION, 'shop', acmeTags);
    const snapshot = await fake.rds.snapshotDbInstance(REGION, {
      dbInstanceIdentifier: 'shop',
      snapshotId: 'strongbox-2',
      tags: {},
    });
    const { catalog } = await setup(
      fake,
      'rds-instance',
      [snapshot],
      dbRestore({ dbInstanceIdentifier: 'shop-pitr', pointInTime: { useLatestRestorableTime: true } }),
    );
    fake.addDbInstance(REGION, 'shop', {}); // untagged after the restore was requested (and approved)

    // Act
    const outcome = await restoreDb(
      { catalog, cloud: fake as unknown as CloudResources },
      {
        tenantId: 'acme',
        restoreId: RESTORE_ID,
      },
    ).catch((error: unknown) => error);

    // Assess
    expect(outcome).toMatchObject({ name: 'ForbiddenError', message: expect.stringContaining('strongbox:tenant') });
    expect(fake.calls).toEqual([]);
    expect(fake.dbInstances.has(`${REGION}/shop-pitr`)).toBe(false);
  });
});

describe(`completing a volume restore (use cases on an in-memory fake of the cloud port; the AWS calls themselves run on moto in test/integration and test/workflows)`, () => {
  async function volumeSetup(attachment: 'none' | 'attaching' | 'attached', recorded = true) {
    const fake = new FakeCloud();
    const source = fake.addVolume(REGION, acmeTags);
    const snapshot = await fake.ec2.snapshotVolume(REGION, source.volumeId, { description: 'x', tags: {} });
    const instance = fake.addInstance(REGION, acmeTags, []);
    const created = fake.addVolume(REGION, {});
    if (attachment !== 'none') {
      fake.volumes.set(`${REGION}/${created.volumeId}`, {
        ...created,
        state: 'in-use',
        attachments: [{ instanceId: instance.instanceId, device: '/dev/xvdh', state: attachment }],
      });
    }
    const volumes = recorded
      ? [{ device: '/dev/xvdh', volumeId: created.volumeId, snapshotId: snapshot.id, state: 'in-use' }]
      : [];
    const { catalog, clock } = await setup(fake, 'ebs-volume', [snapshot], (common) =>
      newRestore(
        { ...common, kind: 'volume', target: { instanceId: instance.instanceId, device: '/dev/xvdh', replace: false } },
        NOW,
      ),
    );
    const restore = await catalog.restores.get('acme', RESTORE_ID);
    await catalog.restores.save({ ...(restore as Restore), volumes } as Restore, 'running');
    const complete = () =>
      completeSnapshotRestore(
        { catalog, cloud: fake as unknown as CloudResources, clock },
        { tenantId: 'acme', restoreId: RESTORE_ID },
      ).catch((error: unknown) => error);
    return { catalog, complete };
  }

  it('refuses to succeed with no volume recorded for a planned device, or one not attached at it', async () => {
    for (const [attachment, recorded] of [
      ['attached', false],
      ['none', true],
      ['attaching', true],
    ] as const) {
      const { catalog, complete } = await volumeSetup(attachment, recorded);
      expect(await complete(), `${attachment} ${recorded}`).toMatchObject({ name: 'ResourceNotReadyError' });
      expect((await catalog.restores.get('acme', RESTORE_ID))?.status).toBe('running');
    }
  });

  it('succeeds when every planned device has its new volume attached to the target instance', async () => {
    const { complete } = await volumeSetup('attached');
    expect(await complete()).toMatchObject({ status: 'succeeded' });
  });
});
