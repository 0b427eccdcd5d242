import { DescribeSnapshotsCommand, DescribeVolumesCommand, EC2ServiceException } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { translateCloudError } from '../../lambdas/adapters/aws/cloud-errors';
import { AwsCloudResources } from '../../lambdas/adapters/aws/cloud-resources';
import { ebsSnapshotState } from '../../lambdas/adapters/aws/ec2-resources';
import { backupTags, TAGS } from '../../lambdas/domain/snapshot';
import { createTestInstance, createTestKmsKey, createTestVolume } from '../support/cloud-fixtures';
import { awsTestSettings, resetMoto } from '../support/testbed';

const REGION = 'us-east-1';
const DR_REGION = 'eu-west-1';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const settled = (attempt: Promise<unknown>) =>
  attempt.then(
    () => 'resolved',
    (error: unknown) => error,
  );

const tagsOfBackup = (backupId: string) =>
  backupTags({ tenantId: 'acme', sourceId: 'src_1', backupId, trigger: 'manual' });

describe('AwsCloudResources: EC2/EBS on moto', () => {
  const clients = createAwsClients(awsTestSettings());
  const cloud = new AwsCloudResources(clients, { rdsManualSnapshotQuota: 100 });

  beforeEach(async () => {
    await resetMoto();
  });

  it('snapshots a volume with its tags and finds exactly that snapshot again by the backup tag', async () => {
    // Prepare
    const volume = await createTestVolume(clients, REGION, { tenant: 'acme', sizeGiB: 12 });
    const other = await createTestVolume(clients, REGION, { tenant: 'acme' });
    await cloud.ec2.snapshotVolume(REGION, other.volumeId, { description: 'noise', tags: tagsOfBackup('bkp_other') });

    // Act
    const snapshot = await cloud.ec2.snapshotVolume(REGION, volume.volumeId, {
      description: 'Strongbox backup bkp_1',
      tags: tagsOfBackup('bkp_1'),
    });
    const found = await cloud.ec2.findSnapshots(REGION, { [TAGS.backup]: 'bkp_1', [TAGS.tenant]: 'acme' });

    // Assess
    expect(snapshot).toMatchObject({
      type: 'ebs-snapshot',
      region: REGION,
      resourceId: volume.volumeId,
      sizeGiB: 12,
      encrypted: false,
      state: 'completed',
      providerState: 'completed',
      progress: '100%',
    });
    expect(snapshot.id).toMatch(/^snap-/);
    expect(snapshot.startedAt).toMatch(ISO);
    expect(found).toEqual([snapshot]);
    const raw = await clients.ec2(REGION).send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshot.id] }));
    expect(raw.Snapshots?.[0]?.Description).toBe('Strongbox backup bkp_1');
    expect(raw.Snapshots?.[0]?.Tags).toEqual(
      expect.arrayContaining([
        { Key: TAGS.backup, Value: 'bkp_1' },
        { Key: TAGS.managedBy, Value: 'strongbox' },
      ]),
    );
  });

  it('snapshots every volume of an instance as one set, recording the device of each', async () => {
    // Prepare
    const instance = await createTestInstance(clients, REGION, { tenant: 'acme', devices: ['/dev/xvdf', '/dev/xvdg'] });

    // Act
    const snapshots = await cloud.ec2.snapshotInstance(REGION, instance.instanceId, {
      description: 'Strongbox backup bkp_2',
      tags: tagsOfBackup('bkp_2'),
    });

    // Assess: the boot volume is included; devices come from the instance's block device mappings
    const devices = Object.fromEntries(snapshots.map((s) => [s.resourceId, s.device]));
    expect(devices).toEqual({
      [instance.rootVolumeId]: instance.rootDevice,
      [instance.volumes[0]?.volumeId ?? '']: '/dev/xvdf',
      [instance.volumes[1]?.volumeId ?? '']: '/dev/xvdg',
    });
    // moto 5.2.1 leaves State out of CreateSnapshots' answer: reported as pending until described.
    for (const snapshot of snapshots) expect(snapshot).toMatchObject({ type: 'ebs-snapshot', state: 'pending' });
    const described = await cloud.ec2.describeSnapshots(
      REGION,
      snapshots.map((s) => s.id),
    );
    expect(described.map((s) => s.state)).toEqual(['completed', 'completed', 'completed']);
    const found = await cloud.ec2.findSnapshots(REGION, { [TAGS.backup]: 'bkp_2' });
    expect(found.map((s) => s.id).sort()).toEqual(snapshots.map((s) => s.id).sort());
  });

  it('describes snapshots normalized, leaving out ids that do not exist', async () => {
    // Prepare
    const volume = await createTestVolume(clients, REGION, { sizeGiB: 5 });
    const taken = await cloud.ec2.snapshotVolume(REGION, volume.volumeId, { description: 'd', tags: { a: 'b' } });

    // Act
    const described = await cloud.ec2.describeSnapshots(REGION, [taken.id, 'snap-0123456789abcdef0']);
    const none = await cloud.ec2.describeSnapshots(REGION, []);

    // Assess
    expect(described).toEqual([
      {
        type: 'ebs-snapshot',
        id: taken.id,
        region: REGION,
        resourceId: volume.volumeId,
        sizeGiB: 5,
        encrypted: false,
        kmsKeyId: undefined,
        state: 'completed',
        providerState: 'completed',
        progress: '100%',
        startedAt: expect.stringMatching(ISO),
      },
    ]);
    expect(none).toEqual([]);
  });

  it('copies a snapshot to another region, encrypted with a key there and tagged', async () => {
    // Prepare
    const volume = await createTestVolume(clients, REGION, { tenant: 'acme' });
    const source = await cloud.ec2.snapshotVolume(REGION, volume.volumeId, { description: 'd', tags: { a: 'b' } });
    const keyArn = await createTestKmsKey(DR_REGION);

    // Act
    const copy = await cloud.ec2.copySnapshot({
      sourceRegion: REGION,
      snapshotId: source.id,
      destinationRegion: DR_REGION,
      kmsKeyId: keyArn,
      description: 'Strongbox DR copy',
      tags: { [TAGS.copyOf]: source.id, [TAGS.backup]: 'bkp_copy' },
    });

    // Assess
    expect(copy).toMatchObject({ type: 'ebs-snapshot', region: DR_REGION, encrypted: true, kmsKeyId: keyArn });
    expect(copy.id).not.toBe(source.id);
    expect(await cloud.ec2.findSnapshots(DR_REGION, { [TAGS.copyOf]: source.id })).toEqual([copy]);
    expect(await cloud.ec2.findSnapshots(REGION, { [TAGS.copyOf]: source.id })).toEqual([]);
  });

  it('creates a volume from a snapshot in the instance AZ, attaches it and detaches it', async () => {
    // Prepare
    const instance = await createTestInstance(clients, REGION, { tenant: 'acme', availabilityZone: 'us-east-1b' });
    const source = await createTestVolume(clients, REGION, { sizeGiB: 10 });
    const snapshot = await cloud.ec2.snapshotVolume(REGION, source.volumeId, { description: 'd', tags: { a: 'b' } });

    // Act
    const volume = await cloud.ec2.createVolume(REGION, {
      snapshotId: snapshot.id,
      availabilityZone: 'us-east-1b',
      volumeType: 'gp3',
      iops: 4000,
      throughput: 250,
      sizeGiB: 20,
      tags: { [TAGS.restore]: 'rst_1', [TAGS.device]: '/dev/xvdh' },
      clientToken: 'rst_1-/dev/xvdh',
    });
    await cloud.ec2.attachVolume(REGION, {
      volumeId: volume.volumeId,
      instanceId: instance.instanceId,
      device: '/dev/xvdh',
    });
    const attached = await cloud.ec2.describeVolume(REGION, volume.volumeId);
    const withVolume = await cloud.ec2.describeInstance(REGION, instance.instanceId);
    await cloud.ec2.detachVolume(REGION, { volumeId: volume.volumeId, instanceId: instance.instanceId });
    const detached = await cloud.ec2.describeVolume(REGION, volume.volumeId);

    // Assess
    expect(volume).toMatchObject({
      region: REGION,
      availabilityZone: 'us-east-1b',
      sizeGiB: 20,
      volumeType: 'gp3',
      iops: 4000,
      throughput: 250,
      snapshotId: snapshot.id,
      encrypted: false,
      tags: { [TAGS.restore]: 'rst_1', [TAGS.device]: '/dev/xvdh' },
    });
    expect(attached?.attachments).toEqual([
      expect.objectContaining({ instanceId: instance.instanceId, device: '/dev/xvdh' }),
    ]);
    expect(withVolume?.volumes).toContainEqual({ device: '/dev/xvdh', volumeId: volume.volumeId });
    expect(detached?.attachments).toEqual([]);
    expect(detached?.state).toBe('available');
  });

  it('creates an encrypted volume when a key is given', async () => {
    // Prepare
    const source = await createTestVolume(clients, REGION);
    const snapshot = await cloud.ec2.snapshotVolume(REGION, source.volumeId, { description: 'd', tags: { a: 'b' } });
    const keyArn = await createTestKmsKey(REGION);

    // Act
    const volume = await cloud.ec2.createVolume(REGION, {
      snapshotId: snapshot.id,
      availabilityZone: 'us-east-1a',
      kmsKeyId: keyArn,
      tags: { a: 'b' },
      clientToken: 'token-encrypted',
    });

    // Assess
    const raw = await clients.ec2(REGION).send(new DescribeVolumesCommand({ VolumeIds: [volume.volumeId] }));
    expect(volume).toMatchObject({ encrypted: true, kmsKeyId: keyArn });
    expect(raw.Volumes?.[0]).toMatchObject({ Encrypted: true, KmsKeyId: keyArn });
  });

  it('describes volumes and instances with their tags, finds volumes by tag, and answers undefined for missing ones', async () => {
    // Prepare
    const instance = await createTestInstance(clients, REGION, { tenant: 'acme', devices: ['/dev/xvdf'] });
    const globex = await createTestVolume(clients, REGION, { tenant: 'globex' });

    // Act
    const described = await cloud.ec2.describeInstance(REGION, instance.instanceId);
    const volume = await cloud.ec2.describeVolume(REGION, globex.volumeId);
    const acmeVolumes = await cloud.ec2.findVolumes(REGION, { [TAGS.tenant]: 'acme' });
    const missing = await Promise.all([
      cloud.ec2.describeVolume(REGION, 'vol-0123456789abcdef0'),
      cloud.ec2.describeInstance(REGION, 'i-0123456789abcdef0'),
      cloud.ec2.describeVolume(DR_REGION, globex.volumeId),
    ]);

    // Assess
    expect(described).toMatchObject({
      instanceId: instance.instanceId,
      region: REGION,
      availabilityZone: 'us-east-1a',
      state: 'running',
      rootDeviceName: instance.rootDevice,
      tags: { [TAGS.tenant]: 'acme' },
    });
    expect(described?.volumes).toEqual([
      { device: instance.rootDevice, volumeId: instance.rootVolumeId },
      { device: '/dev/xvdf', volumeId: instance.volumes[0]?.volumeId },
    ]);
    expect(volume).toMatchObject({ volumeId: globex.volumeId, state: 'available', tags: { [TAGS.tenant]: 'globex' } });
    expect(acmeVolumes.map((v) => v.volumeId)).toEqual([instance.volumes[0]?.volumeId]);
    expect(missing).toEqual([undefined, undefined, undefined]);
  });

  it('reports a missing resource in an action as NotFoundError and refuses tag-less finds', async () => {
    // Act
    const snapshotting = await settled(
      cloud.ec2.snapshotVolume(REGION, 'vol-0123456789abcdef0', { description: 'd', tags: {} }),
    );
    const attaching = await settled(
      cloud.ec2.attachVolume(REGION, {
        volumeId: 'vol-0123456789abcdef0',
        instanceId: 'i-0123456789abcdef0',
        device: '/dev/xvdf',
      }),
    );
    const findingSnapshots = await settled(cloud.ec2.findSnapshots(REGION, {}));
    const findingVolumes = await settled(cloud.ec2.findVolumes(REGION, {}));

    // Assess
    expect(snapshotting).toMatchObject({
      name: 'NotFoundError',
      message: 'EBS volume vol-0123456789abcdef0 was not found',
    });
    expect(attaching).toMatchObject({ name: 'NotFoundError' });
    expect(findingSnapshots).toMatchObject({ name: 'ValidationError' });
    expect(findingVolumes).toMatchObject({ name: 'ValidationError' });
  });
});

describe('EC2 errors as domain errors (constructed SDK exceptions)', () => {
  const call = { action: 'CreateSnapshot', region: REGION, ids: { volume: 'vol-1', snapshot: 'snap-1' } };
  const ec2Error = (name: string, message = `${name} happened`) =>
    new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });

  it.each(['RequestLimitExceeded', 'SnapshotCreationPerVolumeRateExceeded', 'ConcurrentSnapshotLimitExceeded'])(
    '%s → SnapshotThrottledError naming the call',
    (name) => {
      // Act
      const translated = translateCloudError(ec2Error(name), call);

      // Assess
      expect(translated).toMatchObject({ name: 'SnapshotThrottledError', code: 'throttled' });
      expect((translated as Error).message).toContain('CreateSnapshot in us-east-1 was throttled');
    },
  );

  it('maps NotFound, invalid parameters and busy resources, and leaves anything else unchanged', () => {
    // Prepare
    const unknown = ec2Error('UnauthorizedOperation');

    // Act
    const outcomes = {
      volume: translateCloudError(ec2Error('InvalidVolume.NotFound'), call),
      snapshot: translateCloudError(ec2Error('InvalidSnapshot.NotFound'), call),
      instance: translateCloudError(ec2Error('InvalidInstanceID.NotFound'), call),
      invalid: translateCloudError(
        ec2Error('InvalidParameterValue', 'Value (foo) for parameter iops is invalid'),
        call,
      ),
      combination: translateCloudError(ec2Error('InvalidParameterCombination'), call),
      inUse: translateCloudError(ec2Error('VolumeInUse'), call),
      incorrect: translateCloudError(ec2Error('IncorrectState'), call),
      unknown: translateCloudError(unknown, call),
    };

    // Assess
    expect(outcomes.volume).toMatchObject({ name: 'NotFoundError', message: 'EBS volume vol-1 was not found' });
    expect(outcomes.snapshot).toMatchObject({ name: 'NotFoundError', message: 'EBS snapshot snap-1 was not found' });
    expect(outcomes.instance).toMatchObject({ name: 'NotFoundError', message: 'EC2 instance (unknown) was not found' });
    expect(outcomes.invalid).toMatchObject({
      name: 'ValidationError',
      message: 'CreateSnapshot in us-east-1: Value (foo) for parameter iops is invalid',
    });
    expect(outcomes.combination).toMatchObject({ name: 'ValidationError' });
    expect(outcomes.inUse).toMatchObject({ name: 'ConflictError', code: 'conflict' });
    expect(outcomes.incorrect).toMatchObject({ name: 'ConflictError' });
    expect(outcomes.unknown).toBe(unknown);
  });

  it('normalizes EBS snapshot states', () => {
    // Assess
    expect(['pending', 'completed', 'error', 'recovering', 'recoverable', undefined].map(ebsSnapshotState)).toEqual([
      'pending',
      'completed',
      'error',
      'pending',
      'error',
      'pending',
    ]);
  });
});
