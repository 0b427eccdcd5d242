import {
  type DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  EC2ServiceException,
  ModifySnapshotTierCommand,
  type ModifySnapshotTierCommandInput,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { ListTagsForResourceCommand, type RDSClient, RDSServiceException } from '@aws-sdk/client-rds';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { isUnsupportedOperation } from '../../lambdas/adapters/aws/cloud-errors';
import { AwsCloudResources } from '../../lambdas/adapters/aws/cloud-resources';
import { AwsEc2Resources } from '../../lambdas/adapters/aws/ec2-resources';
import { AwsEc2SnapshotAdmin } from '../../lambdas/adapters/aws/ec2-snapshot-admin';
import { AwsRdsSnapshotAdmin } from '../../lambdas/adapters/aws/rds-snapshot-admin';
import { type SnapshotArtifact, TAGS } from '../../lambdas/domain/snapshot';
import { createTestDbCluster, createTestDbInstance, createTestVolume } from '../support/cloud-fixtures';
import { FakeCloud, withEmulatorGaps } from '../support/fake-cloud';
import { awsTestSettings, resetMoto } from '../support/testbed';

/**
 * Retention's calls on native snapshots (delete, legal-hold tags, archive tier) through the EC2/RDS adapters against
 * moto over HTTP. moto 5.2.1 has neither ModifySnapshotTier nor snapshot locks: archiving is tested on an in-process
 * stand-in of the EC2 client (tests named "emulator gap"), lock and throttling codes on constructed SDK exceptions.
 */
const REGION = 'us-east-1';

const settled = (attempt: Promise<unknown>) =>
  attempt.then(
    () => 'resolved',
    (error: unknown) => error,
  );

const ec2Error = (name: string, message = `${name} happened`) =>
  new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
const rdsError = (name: string, message = `${name} happened`) =>
  new RDSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });

describe('EBS snapshot deletion, tags and archive tier on moto', () => {
  const clients = createAwsClients(awsTestSettings());
  const cloud = new AwsCloudResources(clients, { rdsManualSnapshotQuota: 100 });

  const takeSnapshot = async (tags: Record<string, string> = { [TAGS.backup]: 'bkp_1' }) => {
    const volume = await createTestVolume(clients, REGION, { tenant: 'acme' });
    return cloud.ec2.snapshotVolume(REGION, volume.volumeId, { description: 'retention test', tags });
  };
  const rawTags = async (ids: readonly string[]) => {
    const out = await clients.ec2(REGION).send(new DescribeSnapshotsCommand({ SnapshotIds: [...ids] }));
    return Object.fromEntries(
      (out.Snapshots ?? []).map((s) => [s.SnapshotId, Object.fromEntries((s.Tags ?? []).map((t) => [t.Key, t.Value]))]),
    );
  };

  beforeEach(async () => {
    await resetMoto();
  });

  it("deletes an EBS snapshot ('deleted'), answers 'gone' for it afterwards, and Describe no longer finds it", async () => {
    // Prepare
    const snapshot = await takeSnapshot();
    const kept = await takeSnapshot();

    // Act
    const first = await cloud.ec2.deleteSnapshot(REGION, snapshot.id);
    const second = await cloud.ec2.deleteSnapshot(REGION, snapshot.id);
    const neverIssued = await cloud.ec2.deleteSnapshot(REGION, 'snap-0123456789abcdef0');

    // Assess
    expect([first, second, neverIssued]).toEqual(['deleted', 'gone', 'gone']);
    expect(await cloud.ec2.describeSnapshots(REGION, [snapshot.id, kept.id])).toEqual([
      expect.objectContaining({ id: kept.id }),
    ]);
    const raw = await settled(clients.ec2(REGION).send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshot.id] })));
    expect(raw).toMatchObject({ name: 'InvalidSnapshot.NotFound' });
  });

  it('tags snapshots (legal hold) and removes the tag again by key, leaving every other tag', async () => {
    // Prepare
    const snapshots = [await takeSnapshot(), await takeSnapshot(), await takeSnapshot()];
    const ids = snapshots.map((s) => s.id);
    const hold = { [TAGS.legalHold]: 'true', 'strongbox:hold-reason': 'case 42' };

    // Act
    await cloud.ec2.tagSnapshots(REGION, ids, hold);
    const held = await rawTags(ids);
    const found = await cloud.ec2.findSnapshots(REGION, { [TAGS.legalHold]: 'true' });
    await cloud.ec2.untagSnapshots(REGION, ids.slice(0, 2), [TAGS.legalHold, 'strongbox:hold-reason']);
    const released = await rawTags(ids);

    // Assess
    for (const id of ids) expect(held[id]).toEqual({ [TAGS.backup]: 'bkp_1', ...hold });
    expect(found.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(released[ids[0] as string]).toEqual({ [TAGS.backup]: 'bkp_1' });
    expect(released[ids[1] as string]).toEqual({ [TAGS.backup]: 'bkp_1' });
    expect(released[ids[2] as string]).toEqual({ [TAGS.backup]: 'bkp_1', ...hold });
  });

  it('refuses to tag a set naming a snapshot that does not exist (NotFoundError naming it), tagging none', async () => {
    // Prepare
    const snapshot = await takeSnapshot();
    const missing = 'snap-0123456789abcdef0';

    // Act
    const tagging = await settled(cloud.ec2.tagSnapshots(REGION, [snapshot.id, missing], { [TAGS.legalHold]: 'true' }));

    // Assess
    expect(tagging).toMatchObject({ name: 'NotFoundError', message: `EBS snapshot ${missing} was not found` });
    expect((await rawTags([snapshot.id]))[snapshot.id]).toEqual({ [TAGS.backup]: 'bkp_1' });
  });

  it("refuses to delete the snapshot of a registered AMI (DeletionBlockedError 'in_use') until it is deregistered", async () => {
    // Prepare: moto 5.2.1 ignores RegisterImage's BlockDeviceMappings and gives the image a root snapshot of its
    // own; that snapshot is the one it protects (InvalidSnapshot.InUse), as AWS protects a registered AMI's.
    const ours = await takeSnapshot();
    const ec2 = clients.ec2(REGION);
    const image = await ec2.send(
      new RegisterImageCommand({
        Name: 'strongbox-retention-ami',
        RootDeviceName: '/dev/xvda',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: ours.id } }],
      }),
    );
    const described = await ec2.send(new DescribeImagesCommand({ ImageIds: [image.ImageId as string] }));
    const imageSnapshot = described.Images?.[0]?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId as string;

    // Act
    const blocked = await settled(cloud.ec2.deleteSnapshot(REGION, imageSnapshot));
    const stillThere = await cloud.ec2.describeSnapshots(REGION, [imageSnapshot]);
    await ec2.send(new DeregisterImageCommand({ ImageId: image.ImageId }));
    const afterDeregister = await cloud.ec2.deleteSnapshot(REGION, imageSnapshot);

    // Assess
    expect(imageSnapshot).toMatch(/^snap-/);
    expect(imageSnapshot).not.toBe(ours.id);
    expect(blocked).toMatchObject({ name: 'DeletionBlockedError', code: 'deletion_blocked', reason: 'in_use' });
    expect((blocked as Error).message).toContain(`DeleteSnapshot in ${REGION}: The snapshot ${imageSnapshot}`);
    expect((blocked as Error).message).toContain(image.ImageId);
    expect(stillThere.map((s) => s.id)).toEqual([imageSnapshot]);
    expect(afterDeregister).toBe('deleted');
  });

  it('emulator gap: moto lacks ModifySnapshotTier, so archiving on moto itself fails as an unsupported action', async () => {
    // Prepare
    const snapshot = await takeSnapshot();

    // Act
    const archiving = await settled(cloud.ec2.archiveSnapshot(REGION, snapshot.id));

    // Assess: the failure is moto's (HTTP 500, not an AWS error document), not a domain error; nothing changed
    expect(isUnsupportedOperation(archiving)).toBe(true);
    const [described] = await cloud.ec2.describeSnapshots(REGION, [snapshot.id]);
    expect(described).toMatchObject({ id: snapshot.id, state: 'completed' });
    expect(described?.storageTier).toBeUndefined();
  });

  it('emulator gap: moto lacks ModifySnapshotTier — archives through an in-process stand-in and maps StorageTier', async () => {
    // Prepare: an EC2 client on moto whose ModifySnapshotTier is answered in process, and whose DescribeSnapshots
    // reports StorageTier the way AWS does; a second archive of the same snapshot is refused as AWS may refuse it.
    const snapshot = await takeSnapshot();
    const sent: ModifySnapshotTierCommandInput[] = [];
    const archived = new Set<string>();
    const standIn = new EC2Client({ ...awsTestSettings() });
    standIn.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ModifySnapshotTierCommand') {
          const input = args.input as ModifySnapshotTierCommandInput;
          const id = input.SnapshotId ?? '';
          sent.push(input);
          if (archived.has(id)) throw ec2Error('IncorrectState', 'The snapshot is already archived.');
          archived.add(id);
          const output = { SnapshotId: id, TieringStartTime: new Date(), $metadata: {} };
          return { output, response: {} } as never;
        }
        const result = await next(args);
        if (context.commandName === 'DescribeSnapshotsCommand') {
          const output = result.output as { Snapshots?: { SnapshotId?: string; StorageTier?: string }[] };
          for (const s of output.Snapshots ?? []) {
            s.StorageTier = archived.has(s.SnapshotId ?? '') ? 'archive' : 'standard';
          }
        }
        return result;
      },
      { step: 'initialize', name: 'modifySnapshotTierStandIn' },
    );
    const ec2 = new AwsEc2Resources(() => standIn);

    // Act
    const before = await ec2.describeSnapshots(REGION, [snapshot.id]);
    await ec2.archiveSnapshot(REGION, snapshot.id);
    const after = await ec2.describeSnapshots(REGION, [snapshot.id]);
    const again = await settled(ec2.archiveSnapshot(REGION, snapshot.id));

    // Assess
    expect(sent).toEqual([
      { SnapshotId: snapshot.id, StorageTier: 'archive' },
      { SnapshotId: snapshot.id, StorageTier: 'archive' },
    ]);
    expect(before[0]?.storageTier).toBe('standard');
    expect(after[0]?.storageTier).toBe('archive');
    expect(again).toBe('resolved');
    standIn.destroy();
  });
});

describe('RDS snapshot deletion and tags on moto', () => {
  const clients = createAwsClients(awsTestSettings());
  const cloud = new AwsCloudResources(clients, { rdsManualSnapshotQuota: 40 });
  const tagsOf = async (arn: string) => {
    const out = await clients.rds(REGION).send(new ListTagsForResourceCommand({ ResourceName: arn }));
    return Object.fromEntries((out.TagList ?? []).map((t) => [t.Key, t.Value]));
  };
  const instanceSnapshot = async (snapshotId: string) => {
    const db = await createTestDbInstance(clients, REGION, { tenant: 'acme' });
    return cloud.rds.snapshotDbInstance(REGION, {
      dbInstanceIdentifier: db.dbInstanceIdentifier,
      snapshotId,
      tags: { [TAGS.backup]: 'bkp_1' },
    });
  };
  const clusterSnapshot = async (snapshotId: string) => {
    const cluster = await createTestDbCluster(clients, REGION, { tenant: 'acme' });
    return cloud.rds.snapshotDbCluster(REGION, {
      dbClusterIdentifier: cluster.dbClusterIdentifier,
      snapshotId,
      tags: { [TAGS.backup]: 'bkp_1' },
    });
  };

  beforeEach(async () => {
    await resetMoto();
  });

  it("deletes a DB snapshot and a DB cluster snapshot ('deleted', then 'gone'), freeing their quota", async () => {
    // Prepare
    const db = await instanceSnapshot('strongbox-bkp-del-1');
    const cluster = await clusterSnapshot('strongbox-bkp-del-2');
    const before = await cloud.rds.manualSnapshotUsage(REGION);

    // Act
    const outcomes = [
      await cloud.rds.deleteDbSnapshot(REGION, db),
      await cloud.rds.deleteDbSnapshot(REGION, db),
      await cloud.rds.deleteDbSnapshot(REGION, cluster),
      await cloud.rds.deleteDbSnapshot(REGION, cluster),
      // the same identifier as the other type is a different snapshot: not there either
      await cloud.rds.deleteDbSnapshot(REGION, { type: 'rds-cluster-snapshot', id: 'strongbox-bkp-nothing' }),
    ];

    // Assess
    expect(outcomes).toEqual(['deleted', 'gone', 'deleted', 'gone', 'gone']);
    expect(await cloud.rds.describeDbSnapshot(REGION, db.id)).toBeUndefined();
    expect(await cloud.rds.describeDbClusterSnapshot(REGION, cluster.id)).toBeUndefined();
    expect(before.used).toBe(2);
    expect(await cloud.rds.manualSnapshotUsage(REGION)).toEqual({ used: 0, max: 40 });
  });

  it('tags and untags DB (cluster) snapshots by ARN, looking the ARN up when the artifact has none', async () => {
    // Prepare
    const db = await instanceSnapshot('strongbox-bkp-tag-1');
    const cluster = await clusterSnapshot('strongbox-bkp-tag-2');
    const hold = { [TAGS.legalHold]: 'true', 'strongbox:hold-reason': 'case 42' };
    const withoutArn = (s: SnapshotArtifact) => ({ type: s.type, id: s.id });

    // Act
    await cloud.rds.tagDbSnapshot(REGION, db, hold);
    await cloud.rds.tagDbSnapshot(REGION, withoutArn(cluster), hold);
    const held = [await tagsOf(db.arn as string), await tagsOf(cluster.arn as string)];
    const found = await cloud.rds.findDbSnapshots(REGION, { [TAGS.legalHold]: 'true' });
    await cloud.rds.untagDbSnapshot(REGION, withoutArn(db), [TAGS.legalHold]);
    await cloud.rds.untagDbSnapshot(REGION, cluster, [TAGS.legalHold, 'strongbox:hold-reason']);
    const released = [await tagsOf(db.arn as string), await tagsOf(cluster.arn as string)];

    // Assess
    expect(held).toEqual([
      { [TAGS.backup]: 'bkp_1', ...hold },
      { [TAGS.backup]: 'bkp_1', ...hold },
    ]);
    expect(found.map((s) => s.id).sort()).toEqual([cluster.id, db.id].sort());
    expect(released).toEqual([
      { [TAGS.backup]: 'bkp_1', 'strongbox:hold-reason': 'case 42' },
      { [TAGS.backup]: 'bkp_1' },
    ]);
  });

  it('reports a missing snapshot as NotFoundError when tagging without an ARN, and refuses EBS artifacts', async () => {
    // Act
    const tagging = await settled(
      cloud.rds.tagDbSnapshot(REGION, { type: 'rds-snapshot', id: 'strongbox-missing' }, { a: 'b' }),
    );
    const untagging = await settled(
      cloud.rds.untagDbSnapshot(REGION, { type: 'rds-cluster-snapshot', id: 'strongbox-missing' }, ['a']),
    );
    const ebs = await settled(cloud.rds.deleteDbSnapshot(REGION, { type: 'ebs-snapshot', id: 'snap-1' }));

    // Assess
    expect(tagging).toMatchObject({
      name: 'NotFoundError',
      message: 'RDS DB snapshot strongbox-missing was not found',
    });
    expect(untagging).toMatchObject({
      name: 'NotFoundError',
      message: 'RDS DB cluster snapshot strongbox-missing was not found',
    });
    expect(ebs).toMatchObject({ name: 'ValidationError' });
  });
});

describe('retention errors as domain errors (constructed SDK exceptions on a stand-in client)', () => {
  const ec2Failing = (error: Error, sent: object[] = []) =>
    new AwsEc2SnapshotAdmin(
      () =>
        ({
          send: async (command: object) => {
            sent.push(command);
            throw error;
          },
        }) as unknown as EC2Client,
      async () => [],
    );
  const rdsFailing = (error: Error) =>
    new AwsRdsSnapshotAdmin(
      () =>
        ({
          send: async () => {
            throw error;
          },
        }) as unknown as RDSClient,
      { describeDbSnapshot: async () => undefined, describeDbClusterSnapshot: async () => undefined },
    );

  it.each([
    ['RequestLimitExceeded', 'Request limit exceeded.', { name: 'SnapshotThrottledError', code: 'throttled' }],
    ['InvalidSnapshot.InUse', 'The snapshot snap-1 is currently in use by ami-1', { reason: 'in_use' }],
    ['SnapshotLocked', 'The snapshot snap-1 is locked.', { reason: 'locked' }],
    ['InvalidSnapshot.Locked', 'The snapshot snap-1 is locked.', { reason: 'locked' }],
    ['InvalidParameterValue', 'Snapshot snap-1 is locked in compliance mode', { reason: 'locked' }],
    ['IncorrectState', 'The snapshot snap-1 is locked and cannot be deleted', { reason: 'locked' }],
  ])('DeleteSnapshot failing with %s → %o', async (name, message, expected) => {
    // Act
    const outcome = await settled(ec2Failing(ec2Error(name, message)).deleteSnapshot(REGION, 'snap-1'));

    // Assess
    expect(outcome).toMatchObject(
      'reason' in expected ? { name: 'DeletionBlockedError', code: 'deletion_blocked', ...expected } : expected,
    );
    expect((outcome as Error).message).toContain(`DeleteSnapshot in ${REGION}`);
  });

  it("answers 'gone' for a malformed snapshot id and passes unknown failures through unchanged", async () => {
    // Prepare
    const denied = ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.');

    // Act
    const malformed = await ec2Failing(ec2Error('InvalidSnapshotID.Malformed')).deleteSnapshot(REGION, 'snap-x');
    const unauthorized = await settled(ec2Failing(denied).deleteSnapshot(REGION, 'snap-1'));
    const tagging = await settled(
      ec2Failing(ec2Error('RequestLimitExceeded')).tagSnapshots(REGION, ['snap-1'], { a: 'b' }),
    );

    // Assess
    expect(malformed).toBe('gone');
    expect(unauthorized).toBe(denied);
    expect(tagging).toMatchObject({ name: 'SnapshotThrottledError' });
  });

  it('untags the snapshots that still exist when a batch names one that is gone', async () => {
    // Prepare: the first DeleteTags fails on the gone snapshot, the retry names only the others
    const sent: DeleteTagsCommand[] = [];
    const admin = new AwsEc2SnapshotAdmin(
      () =>
        ({
          send: async (command: DeleteTagsCommand) => {
            sent.push(command);
            if (sent.length === 1)
              throw ec2Error('InvalidSnapshot.NotFound', "The snapshot 'snap-gone' does not exist.");
            return {};
          },
        }) as unknown as EC2Client,
      async (_region, ids) => ids.filter((id) => id !== 'snap-gone').map((id) => ({ id }) as SnapshotArtifact),
    );

    // Act
    await admin.untagSnapshots(REGION, ['snap-a', 'snap-gone', 'snap-b'], [TAGS.legalHold]);

    // Assess
    expect(sent.map((c) => c.input.Resources)).toEqual([
      ['snap-a', 'snap-gone', 'snap-b'],
      ['snap-a', 'snap-b'],
    ]);
    expect(sent[1]?.input.Tags).toEqual([{ Key: TAGS.legalHold }]);
  });

  it('maps archive failures: missing → NotFoundError, throttled → SnapshotThrottledError (no describe)', async () => {
    // Act
    const missing = await settled(ec2Failing(ec2Error('InvalidSnapshot.NotFound')).archiveSnapshot(REGION, 'snap-1'));
    const sent: object[] = [];
    const throttled = await settled(
      ec2Failing(ec2Error('RequestLimitExceeded'), sent).archiveSnapshot(REGION, 'snap-1'),
    );

    // Assess
    expect(missing).toMatchObject({ name: 'NotFoundError', message: 'EBS snapshot snap-1 was not found' });
    expect(throttled).toMatchObject({ name: 'SnapshotThrottledError' });
    expect(sent.map((c) => c.constructor.name)).toEqual([ModifySnapshotTierCommand.name]);
  });

  it.each([
    ['Throttling', 'rds-snapshot', { name: 'SnapshotThrottledError', code: 'throttled' }],
    ['InvalidDBSnapshotStateFault', 'rds-snapshot', { name: 'ResourceNotReadyError', code: 'resource_not_ready' }],
    ['InvalidDBSnapshotState', 'rds-snapshot', { name: 'ResourceNotReadyError' }],
    ['InvalidDBClusterSnapshotStateFault', 'rds-cluster-snapshot', { name: 'ResourceNotReadyError' }],
  ] as const)('DeleteDB(Cluster)Snapshot failing with %s (%s) → %o', async (name, type, expected) => {
    // Act
    const outcome = await settled(rdsFailing(rdsError(name)).deleteDbSnapshot(REGION, { type, id: 'strongbox-1' }));

    // Assess
    expect(outcome).toMatchObject(expected);
    const action = type === 'rds-cluster-snapshot' ? 'DeleteDBClusterSnapshot' : 'DeleteDBSnapshot';
    expect((outcome as Error).message).toContain(`${action} in ${REGION}`);
  });
});

describe('retention through the emulator-gap wrapper (moto) and the in-memory fake', () => {
  const clients = createAwsClients(awsTestSettings());
  const moto = new AwsCloudResources(clients, { rdsManualSnapshotQuota: 100 });
  const takeSnapshot = async () => {
    const volume = await createTestVolume(clients, REGION);
    return moto.ec2.snapshotVolume(REGION, volume.volumeId, { description: 'gap test', tags: { a: 'b' } });
  };
  const ids = async (snapshotIds: string[]) => (await moto.ec2.describeSnapshots(REGION, snapshotIds)).map((s) => s.id);

  beforeEach(async () => {
    await resetMoto();
  });

  it('emulator gap: throttled, in-use and locked deletes leave the snapshots on moto; archive is recorded in memory', async () => {
    // Prepare
    const [throttled, inUse, locked] = [await takeSnapshot(), await takeSnapshot(), await takeSnapshot()];
    const gaps = withEmulatorGaps(moto, {
      throttleDeletes: 1,
      inUseSnapshots: [inUse.id],
      lockedSnapshots: [locked.id],
    });

    // Act
    const first = await settled(gaps.cloud.ec2.deleteSnapshot(REGION, throttled.id));
    const afterThrottle = await ids([throttled.id]);
    const retried = await gaps.cloud.ec2.deleteSnapshot(REGION, throttled.id);
    const blocked = [
      await settled(gaps.cloud.ec2.deleteSnapshot(REGION, inUse.id)),
      await settled(gaps.cloud.ec2.deleteSnapshot(REGION, locked.id)),
    ];
    await gaps.cloud.ec2.archiveSnapshot(REGION, inUse.id);
    await gaps.cloud.ec2.archiveSnapshot(REGION, inUse.id);
    const archivingMissing = await settled(gaps.cloud.ec2.archiveSnapshot(REGION, throttled.id));
    const described = await gaps.cloud.ec2.describeSnapshots(REGION, [inUse.id, locked.id]);

    // Assess
    expect(first).toMatchObject({ name: 'SnapshotThrottledError' });
    expect(afterThrottle).toEqual([throttled.id]);
    expect(retried).toBe('deleted');
    expect(blocked).toEqual([
      expect.objectContaining({ name: 'DeletionBlockedError', reason: 'in_use' }),
      expect.objectContaining({ name: 'DeletionBlockedError', reason: 'locked' }),
    ]);
    expect((await ids([throttled.id, inUse.id, locked.id])).sort()).toEqual([inUse.id, locked.id].sort());
    expect(archivingMissing).toMatchObject({ name: 'NotFoundError' });
    expect(gaps.archived).toEqual([inUse.id]);
    expect(gaps.counts).toMatchObject({ deletesThrottled: 1, deletes: 1, archives: 2 });
    expect(Object.fromEntries(described.map((s) => [s.id, s.storageTier]))).toEqual({
      [inUse.id]: 'archive',
      [locked.id]: undefined,
    });
  });

  it('the in-memory fake deletes, tags, archives and frees RDS quota like the adapters', async () => {
    // Prepare
    const fake = new FakeCloud();
    const volume = fake.addVolume(REGION, {});
    const ebs = await fake.ec2.snapshotVolume(REGION, volume.volumeId, { description: 'd', tags: { a: 'b' } });
    fake.addDbInstance(REGION, 'db-1', {});
    const db = await fake.rds.snapshotDbInstance(REGION, { dbInstanceIdentifier: 'db-1', snapshotId: 's-1', tags: {} });

    // Act
    await fake.ec2.tagSnapshots(REGION, [ebs.id], { [TAGS.legalHold]: 'true' });
    const held = fake.snapshotsTagged({ [TAGS.legalHold]: 'true' }).map((s) => s.id);
    await fake.ec2.untagSnapshots(REGION, [ebs.id, 'snap-gone'], [TAGS.legalHold]);
    await fake.ec2.archiveSnapshot(REGION, ebs.id);
    const [archived] = await fake.ec2.describeSnapshots(REGION, [ebs.id]);
    const tagMissing = await settled(fake.ec2.tagSnapshots(REGION, ['snap-gone'], { a: 'b' }));
    await fake.rds.tagDbSnapshot(REGION, db, { [TAGS.legalHold]: 'true' });
    const dbHeld = fake.snapshotsTagged({ [TAGS.legalHold]: 'true' }).map((s) => s.id);
    const deletes = [
      await fake.ec2.deleteSnapshot(REGION, ebs.id),
      await fake.ec2.deleteSnapshot(REGION, ebs.id),
      await fake.rds.deleteDbSnapshot(REGION, { type: 'rds-cluster-snapshot', id: db.id }),
      await fake.rds.deleteDbSnapshot(REGION, db),
      await fake.rds.deleteDbSnapshot(REGION, db),
    ];

    // Assess
    expect(held).toEqual([ebs.id]);
    expect(archived?.storageTier).toBe('archive');
    expect(tagMissing).toMatchObject({ name: 'NotFoundError' });
    expect(dbHeld).toEqual([db.id]);
    expect(deletes).toEqual(['deleted', 'gone', 'gone', 'deleted', 'gone']);
    expect(await fake.rds.manualSnapshotUsage(REGION)).toEqual({ used: 0, max: 100 });
    expect(fake.snapshots.size).toBe(0);
  });
});
