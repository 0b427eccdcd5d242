import { describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { type RestoreRequest, validateRestore } from '../../lambdas/app/restores/validate-restore';
import type { SnapshotBackup } from '../../lambdas/domain/backup';
import { defaultRestoredDbIdentifier, isDbIdentifier, TAGS } from '../../lambdas/domain/snapshot';
import { FakeCloud } from '../support/fake-cloud';

/**
 * Validation of volume and DB restores on a fake of the cloud port (test/support/fake-cloud.ts): every refusal
 * happens before any mutating call, names the field, and is the same on a retry (R14).
 */
const NOW = new Date('2025-06-01T12:34:56Z');
const REGION = 'us-east-1';
const acmeTags = { [TAGS.tenant]: 'acme' };
const RESTORE_ID = 'rst_01JX00000000000000000ABCDE';

async function setup(kind: 'ebs-volume' | 'ec2-instance' | 'rds-instance' = 'ebs-volume') {
  const cloud = new FakeCloud();
  const catalog = new MemoryCatalog();
  const source = cloud.addInstance(REGION, acmeTags, ['/dev/xvdf']);
  const volumeId = source.volumes[0]?.volumeId as string;
  const db = cloud.addDbInstance(REGION, 'shop', acmeTags);
  const snapshots =
    kind === 'rds-instance'
      ? [
          await cloud.rds.snapshotDbInstance(REGION, {
            dbInstanceIdentifier: 'shop',
            snapshotId: 'strongbox-1',
            tags: {},
          }),
        ]
      : kind === 'ec2-instance'
        ? await cloud.ec2.snapshotInstance(REGION, source.instanceId, { description: 'x', tags: {} })
        : [await cloud.ec2.snapshotVolume(REGION, volumeId, { description: 'x', tags: {} })];
  const backup: SnapshotBackup = {
    tenantId: 'acme',
    id: 'bkp_01JX0000000000000000000000',
    sourceId: 'src_01JX0000000000000000000000',
    kind: 'snapshot',
    sourceType: kind,
    region: REGION,
    trigger: 'manual',
    status: 'succeeded',
    createdAt: NOW.toISOString(),
    snapshots,
  };
  await catalog.backups.save(backup, 'absent');
  cloud.calls.length = 0;
  const deps = { catalog, cloud, vault: {} as never, clock: { now: () => NOW } };
  const request = (target: RestoreRequest['target']): RestoreRequest => ({
    tenantId: 'acme',
    backupId: backup.id,
    target,
    tables: [],
    schemas: [],
    requestedBy: 'admin@acme',
  });
  const attempt = (target: RestoreRequest['target']) =>
    validateRestore(deps, request(target), RESTORE_ID).catch((e: unknown) => e);
  return { cloud, source, db, attempt };
}

describe(`volume restore validation (use cases on an in-memory fake of the cloud port; the AWS calls themselves run on moto in test/integration and test/workflows)`, () => {
  it('accepts a free device on an owned instance and fills in the defaults', async () => {
    const { source, attempt } = await setup();
    expect(await attempt({ instanceId: source.instanceId, device: '/dev/xvdg' })).toMatchObject({
      kind: 'volume',
      target: { instanceId: source.instanceId, device: '/dev/xvdg', volumeType: 'gp3', replace: false },
    });
  });

  it('refuses a device in use (also named /dev/sdf) with 409 naming target.device, the same on a retry', async () => {
    const { cloud, source, attempt } = await setup();
    const first = await attempt({ instanceId: source.instanceId, device: '/dev/sdf' });
    const retry = await attempt({ instanceId: source.instanceId, device: '/dev/sdf' });
    for (const error of [first, retry]) {
      expect(error).toMatchObject({ name: 'RestoreTargetExistsError', fields: [{ path: 'target.device' }] });
    }
    expect(cloud.calls).toEqual([]);
  });

  it("answers another tenant's instance like a missing one, and an untagged one with 403", async () => {
    const { cloud, attempt } = await setup();
    const theirs = cloud.addInstance(REGION, { [TAGS.tenant]: 'globex' }, []);
    const bare = cloud.addInstance(REGION, {}, []);
    expect(await attempt({ instanceId: theirs.instanceId, device: '/dev/xvdg' })).toMatchObject({
      name: 'NotFoundError',
    });
    expect(await attempt({ instanceId: 'i-0123456789abcdef0', device: '/dev/xvdg' })).toMatchObject({
      name: 'NotFoundError',
    });
    expect(await attempt({ instanceId: bare.instanceId, device: '/dev/xvdg' })).toMatchObject({
      name: 'ForbiddenError',
    });
  });

  it('refuses an instance in another region, naming the field', async () => {
    const { cloud, attempt } = await setup();
    const far = cloud.addInstance('eu-west-1', acmeTags, []);
    expect(await attempt({ instanceId: far.instanceId, region: 'eu-west-1', device: '/dev/xvdg' })).toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('is in eu-west-1, the snapshot in us-east-1'),
      fields: [{ path: 'target.instanceId' }],
    });
  });

  it.each([
    [{ sizeGiB: 1 }, 'target.sizeGiB'],
    [{ volumeType: 'io2', sizeGiB: 20 }, 'target.iops'],
    [{ volumeType: 'st1', iops: 3000 }, 'target.iops'],
    [{ volumeType: 'gp2', throughput: 250 }, 'target.throughput'],
    [{ database: 'shop' }, 'target.database'],
    [{ dbInstanceIdentifier: 'x' }, 'target.dbInstanceIdentifier'],
  ] as const)('refuses %j naming %s', async (extra, path) => {
    const { source, attempt } = await setup();
    const error = await attempt({ instanceId: source.instanceId, device: '/dev/xvdg', ...extra });
    expect(error).toMatchObject({ name: 'ValidationError', fields: [expect.objectContaining({ path })] });
  });

  it('requires a volume at the device to replace, and a stopped instance to replace its root volume', async () => {
    const { cloud, source, attempt } = await setup();
    expect(await attempt({ instanceId: source.instanceId, device: '/dev/xvdg', replace: true })).toMatchObject({
      fields: [{ path: 'target.replace' }],
    });
    const running = cloud.addInstance(REGION, acmeTags, ['/dev/xvda']);
    cloud.instances.set(`${REGION}/${running.instanceId}`, { ...running, rootDeviceName: '/dev/xvda' });
    expect(await attempt({ instanceId: running.instanceId, device: '/dev/xvda', replace: true })).toMatchObject({
      fields: [{ path: 'target.instanceId', message: 'stop the instance first' }],
    });
    expect(cloud.calls).toEqual([]);
  });

  it('takes the devices of an instance backup from its snapshots: no device or size in the target', async () => {
    const { source, attempt } = await setup('ec2-instance');
    expect(await attempt({ instanceId: source.instanceId, device: '/dev/xvdg' })).toMatchObject({
      fields: [{ path: 'target.device' }],
    });
    expect(await attempt({ instanceId: source.instanceId })).toMatchObject({
      name: 'RestoreTargetExistsError',
      fields: [{ path: 'target.replace' }],
    });
  });
});

describe(`DB restore validation (use cases on an in-memory fake of the cloud port; the AWS calls themselves run on moto in test/integration and test/workflows)`, () => {
  it('derives a new identifier from the source, the time and the restore id', async () => {
    const { attempt } = await setup('rds-instance');
    expect(await attempt({})).toMatchObject({
      kind: 'db',
      target: { dbInstanceIdentifier: 'shop-restored-202506011234-0abcde' },
    });
  });

  it('gives two restores of the same source in the same minute different valid identifiers of at most 63 chars', () => {
    const long = `a${'-b'.repeat(40)}`;
    const first = defaultRestoredDbIdentifier(long, NOW, 'rst_01JX0000000000000000000001');
    const second = defaultRestoredDbIdentifier(long, NOW, 'rst_01JX0000000000000000000002');
    expect(first).not.toBe(second);
    for (const id of [first, second, defaultRestoredDbIdentifier('shop', NOW, 'rst_01JXABCDEFGHJKMNPQRSTVWXYZ')]) {
      expect(id.length).toBeLessThanOrEqual(63);
      expect(isDbIdentifier(id), id).toBe(true);
    }
    expect(first).toMatch(/-restored-202506011234-000001$/);
  });

  it('refuses an identifier in use with 409 before anything is created', async () => {
    const { cloud, attempt } = await setup('rds-instance');
    expect(await attempt({ dbInstanceIdentifier: 'shop' })).toMatchObject({
      name: 'RestoreTargetExistsError',
      fields: [{ path: 'target.dbInstanceIdentifier' }],
    });
    expect(cloud.calls).toEqual([]);
  });

  it('refuses a restore time in the future and cluster fields for an instance backup', async () => {
    const { attempt } = await setup('rds-instance');
    expect(await attempt({ pointInTime: { restoreTime: '2030-01-01T00:00:00Z' } })).toMatchObject({
      fields: [{ path: 'target.pointInTime.restoreTime' }],
    });
    expect(await attempt({ dbClusterIdentifier: 'new-cluster' })).toMatchObject({
      fields: [{ path: 'target.dbClusterIdentifier' }],
    });
  });
});
