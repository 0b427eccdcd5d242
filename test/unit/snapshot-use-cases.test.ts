import { beforeEach, describe, expect, it } from 'vitest';
import { requestBackup } from '../../lambdas/app/backups/request-backup';
import { copySnapshots } from '../../lambdas/app/snapshots/copy-snapshots';
import { createSnapshots } from '../../lambdas/app/snapshots/create-snapshots';
import { failSnapshotBackup } from '../../lambdas/app/snapshots/fail-snapshot-backup';
import { startSnapshotBackup } from '../../lambdas/app/snapshots/start-snapshot-backup';
import { registerSource } from '../../lambdas/app/sources/register-source';
import type { SnapshotBackup } from '../../lambdas/domain/backup';
import type { SnapshotManifest } from '../../lambdas/domain/snapshot-manifest';
import type { VolumeInfo } from '../../lambdas/ports/cloud';
import { type Deps, FakeCloud, runSteps, snapshotDeps } from '../support/fake-cloud';

/** Snapshot sources and the snapshot backup machine's steps, on the in-memory catalog and a fake cloud (the port). */
const TENANT = { 'strongbox:tenant': 'acme' };
let deps: Deps;
let cloud: FakeCloud;

beforeEach(() => {
  cloud = new FakeCloud();
  deps = snapshotDeps(cloud);
});

async function registerVolume(settings?: { copyRegions: { region: string; kmsKeyId?: string }[] }) {
  const volume = cloud.addVolume('us-east-1', TENANT, 50);
  return registerSource(deps, {
    tenantId: 'acme',
    name: 'data',
    type: 'ebs-volume',
    resourceId: volume.volumeId,
    region: 'us-east-1',
    ...(settings ? { settings } : {}),
  });
}

describe(`registering snapshot sources (use cases on an in-memory fake of the cloud port; the AWS calls themselves run on moto in test/integration and test/workflows)`, () => {
  it('accepts a volume tagged for the tenant and shows it by its own field, without a secret', async () => {
    const volume = cloud.addVolume('eu-central-1', TENANT);
    const view = await registerSource(deps, {
      tenantId: 'acme',
      name: 'data',
      type: 'ebs-volume',
      resourceId: volume.volumeId,
      region: 'eu-central-1',
    });
    expect(view).toMatchObject({ type: 'ebs-volume', volumeId: volume.volumeId, region: 'eu-central-1' });
    expect(view).not.toHaveProperty('secretRef');
  });

  it("refuses another tenant's volume as not found, an untagged one as forbidden, a missing one as not found", async () => {
    const globex = cloud.addVolume('us-east-1', { 'strongbox:tenant': 'globex' });
    const untagged = cloud.addVolume('us-east-1', {});
    const register = (resourceId: string) =>
      registerSource(deps, { tenantId: 'acme', name: 'x', type: 'ebs-volume', resourceId, region: 'us-east-1' });
    await expect(register(globex.volumeId)).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(register(untagged.volumeId)).rejects.toMatchObject({
      name: 'ForbiddenError',
      message: expect.stringContaining('strongbox:tenant=acme'),
    });
    await expect(register('vol-0000000000000dead')).rejects.toMatchObject({ name: 'NotFoundError' });
    expect((await deps.catalog.sources.list('acme', { limit: 10 })).items).toHaveLength(0);
  });

  it("refuses a DR copy into the source's own region, naming the field", async () => {
    await expect(registerVolume({ copyRegions: [{ region: 'us-east-1' }] })).rejects.toMatchObject({
      name: 'ValidationError',
      fields: [{ path: 'settings.copyRegions.0.region' }],
    });
  });
});

describe(`snapshot backups (use cases on an in-memory fake of the cloud port; the AWS calls themselves run on moto in test/integration and test/workflows)`, () => {
  it('backs up a volume: one tagged snapshot, a manifest, succeeded', async () => {
    const source = await registerVolume();
    const requested = await requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' });
    expect(requested).toMatchObject({ kind: 'snapshot', status: 'pending', region: 'us-east-1' });
    expect(deps.started).toEqual([{ tenantId: 'acme', backupId: requested.id }]);

    const { backup } = await runSteps(deps, 'acme', requested.id);

    expect(backup).toMatchObject({ status: 'succeeded', sizeGiB: 50 });
    expect(
      cloud.snapshotsTagged({ 'strongbox:backup': requested.id, 'strongbox:managed-by': 'strongbox' }),
    ).toHaveLength(1);
    const manifest = JSON.parse(
      deps.vault.objects.get(`tenants/acme/sources/${source.id}/${requested.id}/manifest.json`) ?? '{}',
    ) as SnapshotManifest;
    expect(manifest).toMatchObject({ kind: 'snapshot', backupId: requested.id, source: { type: 'ebs-volume' } });
    expect(manifest.snapshots).toHaveLength(1);
  });

  it('backs up an instance as one multi-volume set with devices', async () => {
    const instance = cloud.addInstance('us-east-1', TENANT, ['/dev/xvda', '/dev/xvdf']);
    const source = await registerSource(deps, {
      tenantId: 'acme',
      name: 'web',
      type: 'ec2-instance',
      resourceId: instance.instanceId,
      region: 'us-east-1',
    });
    const requested = await requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' });
    const { backup } = await runSteps(deps, 'acme', requested.id);
    expect((backup as SnapshotBackup).snapshots?.map((s) => s.device).sort()).toEqual(['/dev/xvda', '/dev/xvdf']);
    expect(cloud.calls.filter((call) => call.startsWith('snapshotInstance'))).toHaveLength(1);
  });

  it('a retried "Create snapshots" finds the snapshot of its backup instead of taking a second one (R11)', async () => {
    const source = await registerVolume();
    const requested = await requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' });
    await startSnapshotBackup(deps, { tenantId: 'acme', backupId: requested.id });
    await createSnapshots(deps, { tenantId: 'acme', backupId: requested.id });
    await createSnapshots(deps, { tenantId: 'acme', backupId: requested.id });
    expect(cloud.calls).toHaveLength(1);
    expect(cloud.snapshotsTagged({ 'strongbox:backup': requested.id })).toHaveLength(1);
  });

  it('copies to a DR region as a child backup that follows the parent', async () => {
    cloud.addKey('eu-west-1', TENANT, { alias: 'alias/dr' });
    const source = await registerVolume({ copyRegions: [{ region: 'eu-west-1', kmsKeyId: 'alias/dr' }] });
    const requested = await requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' });
    const { backup } = await runSteps(deps, 'acme', requested.id);
    const [childId] = (backup as SnapshotBackup).copies ?? [];
    const child = (await deps.catalog.backups.get('acme', childId as string)) as SnapshotBackup;
    expect(child).toMatchObject({ status: 'succeeded', copyOf: requested.id, region: 'eu-west-1' });
    expect(child.snapshots?.[0]).toMatchObject({ region: 'eu-west-1', encrypted: true, kmsKeyId: 'alias/dr' });
    const manifest = JSON.parse(
      deps.vault.objects.get(`tenants/acme/sources/${source.id}/${requested.id}/manifest.json`) ?? '{}',
    ) as SnapshotManifest;
    expect(manifest.copies).toMatchObject([{ backupId: childId, region: 'eu-west-1' }]);
  });

  it('backs up RDS instances and clusters with deterministic snapshot identifiers', async () => {
    cloud.addDbInstance('us-east-1', 'shop-db', TENANT);
    cloud.addDbCluster('us-east-1', 'shop-cluster', TENANT);
    for (const [type, resourceId] of [
      ['rds-instance', 'shop-db'],
      ['rds-cluster', 'shop-cluster'],
    ] as const) {
      const source = await registerSource(deps, {
        tenantId: 'acme',
        name: type,
        type,
        resourceId,
        region: 'us-east-1',
      });
      const requested = await requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' });
      const { backup } = await runSteps(deps, 'acme', requested.id);
      expect((backup as SnapshotBackup).snapshots?.[0]?.id).toBe(
        `strongbox-${requested.id.toLowerCase().replace('_', '-')}`,
      );
    }
  });

  it('refuses an RDS backup before the quota is hit, with usage and what to do (R12)', async () => {
    cloud.addDbInstance('us-east-1', 'shop-db', TENANT);
    cloud.quota.set('us-east-1', { used: 100, max: 100 });
    const source = await registerSource(deps, {
      tenantId: 'acme',
      name: 'db',
      type: 'rds-instance',
      resourceId: 'shop-db',
      region: 'us-east-1',
    });
    await expect(
      requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' }),
    ).rejects.toMatchObject({
      name: 'SnapshotQuotaExceededError',
      kind: 'conflict',
      message: expect.stringMatching(/100 of 100 .*Delete old manual snapshots/),
    });
    expect((await deps.catalog.backups.list('acme', { limit: 10 })).items).toHaveLength(0);
    expect(deps.started).toHaveLength(0);
  });

  it('refuses when the source region has room but a DR region is full (R12)', async () => {
    cloud.addDbInstance('us-east-1', 'shop-db', TENANT);
    cloud.quota.set('us-east-1', { used: 99, max: 100 });
    cloud.quota.set('eu-west-1', { used: 100, max: 100 });
    const source = await registerSource(deps, {
      tenantId: 'acme',
      name: 'db',
      type: 'rds-instance',
      resourceId: 'shop-db',
      region: 'us-east-1',
      settings: { copyRegions: [{ region: 'eu-west-1' }] },
    });
    await expect(
      requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' }),
    ).rejects.toMatchObject({ name: 'SnapshotQuotaExceededError', message: expect.stringContaining('eu-west-1') });
  });

  it('fails the backup and answers 503 when the machine cannot be started', async () => {
    const source = await registerVolume();
    deps.snapshotWorkflow.start = async () => {
      throw new Error('sfn down');
    };
    await expect(
      requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' }),
    ).rejects.toMatchObject({ name: 'ServiceUnavailableError' });
    const [backup] = (await deps.catalog.backups.list('acme', { limit: 10 })).items;
    expect(backup).toMatchObject({ status: 'failed', error: { code: 'not_started' } });
  });

  it('re-checks ownership when the backup starts (tag removed since registration)', async () => {
    const source = await registerVolume();
    const requested = await requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' });
    const [key, volume] = [...cloud.volumes.entries()][0] ?? [];
    cloud.volumes.set(key as string, { ...(volume as VolumeInfo), tags: {} });
    await expect(startSnapshotBackup(deps, { tenantId: 'acme', backupId: requested.id })).rejects.toMatchObject({
      name: 'ForbiddenError',
    });
  });

  it('records a failure on the backup and its unfinished copies, with the caught message', async () => {
    const source = await registerVolume({ copyRegions: [{ region: 'eu-west-1' }] });
    const requested = await requestBackup(deps, { tenantId: 'acme', sourceId: source.id, trigger: 'manual' });
    const ids = { tenantId: 'acme', backupId: requested.id };
    await startSnapshotBackup(deps, ids);
    await createSnapshots(deps, ids);
    const { copies } = await copySnapshots(deps, ids);
    const failed = await failSnapshotBackup(deps, {
      ...ids,
      error: {
        Error: 'SnapshotFailedError',
        Cause: JSON.stringify({ errorType: 'SnapshotFailedError', errorMessage: 'snap-1 is in state error' }),
      },
    });
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'snapshot_failed', message: 'snap-1 is in state error' },
    });
    expect(await deps.catalog.backups.get('acme', copies[0] as string)).toMatchObject({ status: 'failed' });
  });
});
