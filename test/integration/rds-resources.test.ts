import {
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DescribeAccountAttributesCommand,
  DescribeDBSnapshotsCommand,
  type RDSClient,
  RDSServiceException,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { isUnsupportedOperation, translateCloudError } from '../../lambdas/adapters/aws/cloud-errors';
import { AwsCloudResources } from '../../lambdas/adapters/aws/cloud-resources';
import { rdsSnapshotState } from '../../lambdas/adapters/aws/cloud-shapes';
import { TAGS } from '../../lambdas/domain/snapshot';
import {
  createTestDbCluster,
  createTestDbInstance,
  createTestKmsKey,
  uniqueDbIdentifier,
} from '../support/cloud-fixtures';
import { awsTestSettings, resetMoto } from '../support/testbed';

const REGION = 'us-east-1';
const DR_REGION = 'eu-west-1';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const settled = (attempt: Promise<unknown>) =>
  attempt.then(
    () => 'resolved',
    (error: unknown) => error,
  );

describe('AwsCloudResources: RDS on moto', () => {
  const clients = createAwsClients(awsTestSettings());
  const cloud = new AwsCloudResources(clients, { rdsManualSnapshotQuota: 40 });

  const snapshotDb = (dbInstanceIdentifier: string, snapshotId: string) =>
    cloud.rds.snapshotDbInstance(REGION, { dbInstanceIdentifier, snapshotId, tags: { a: 'b' } });

  beforeEach(async () => {
    await resetMoto();
  });

  it('snapshots a DB instance with its tags and finds it by tag, never the automated snapshot', async () => {
    // Prepare: the instance copies its tags to snapshots, so its automated snapshot carries the tenant tag too
    const db = await createTestDbInstance(clients, REGION, { tenant: 'acme' });
    const other = await createTestDbInstance(clients, REGION, { tenant: 'acme' });
    const tags = (backupId: string) => ({ [TAGS.tenant]: 'acme', [TAGS.backup]: backupId });
    const snapshotOf = (id: string, snapshotId: string, backupId: string) =>
      cloud.rds.snapshotDbInstance(REGION, { dbInstanceIdentifier: id, snapshotId, tags: tags(backupId) });
    await snapshotOf(other.dbInstanceIdentifier, 'strongbox-bkp-other', 'bkp_other');

    // Act
    const snapshot = await snapshotOf(db.dbInstanceIdentifier, 'strongbox-bkp-1', 'bkp_1');
    const found = await cloud.rds.findDbSnapshots(REGION, tags('bkp_1'));
    const byTenant = await cloud.rds.findDbSnapshots(REGION, { [TAGS.tenant]: 'acme' });

    // Assess
    expect(snapshot).toMatchObject({
      type: 'rds-snapshot',
      id: 'strongbox-bkp-1',
      arn: `arn:aws:rds:${REGION}:123456789012:snapshot:strongbox-bkp-1`,
      region: REGION,
      resourceId: db.dbInstanceIdentifier,
      sizeGiB: 20,
      encrypted: false,
      state: 'completed',
      providerState: 'available',
      engine: 'postgres',
      engineVersion: '15.4',
      port: 5432,
      startedAt: expect.stringMatching(ISO),
    });
    // moto 5.2.1 records no AvailabilityZone on DB snapshots (AWS does): the field stays empty here.
    expect(snapshot.availabilityZone).toBeUndefined();
    expect(found).toEqual([snapshot]);
    expect(byTenant.map((s) => s.id).sort()).toEqual(['strongbox-bkp-1', 'strongbox-bkp-other']);
    const automated = await clients.rds(REGION).send(new DescribeDBSnapshotsCommand({ SnapshotType: 'automated' }));
    expect(automated.DBSnapshots?.map((s) => s.TagList)).toEqual(Array(2).fill([{ Key: TAGS.tenant, Value: 'acme' }]));
    expect(await cloud.rds.describeDbSnapshot(REGION, 'strongbox-bkp-1')).toEqual(snapshot);
  });

  it('counts manual DB and cluster snapshots against the configured quota, without automated ones', async () => {
    // Prepare: moto 5.2.1 does not implement DescribeAccountAttributes, so the adapter counts
    const db = await createTestDbInstance(clients, REGION, { tenant: 'acme' });
    const cluster = await createTestDbCluster(clients, REGION, { tenant: 'acme' });
    const dr = await createTestDbInstance(clients, DR_REGION);
    for (const [region, id, snapshotId] of [
      [REGION, db.dbInstanceIdentifier, 'manual-a'],
      [REGION, db.dbInstanceIdentifier, 'manual-b'],
      [DR_REGION, dr.dbInstanceIdentifier, 'elsewhere'],
    ] as const) {
      await cloud.rds.snapshotDbInstance(region, { dbInstanceIdentifier: id, snapshotId, tags: {} });
    }
    const clusterSnapshot = { dbClusterIdentifier: cluster.dbClusterIdentifier, snapshotId: 'manual-c', tags: {} };
    await cloud.rds.snapshotDbCluster(REGION, clusterSnapshot);

    // Act
    const usage = await cloud.rds.manualSnapshotUsage(REGION);
    const empty = await cloud.rds.manualSnapshotUsage('ap-southeast-2');

    // Assess
    expect(usage).toEqual({ used: 3, max: 40 });
    expect(empty).toEqual({ used: 0, max: 40 });
  });

  it("uses RDS's own ManualSnapshots quota, and never guesses after throttling or denial (moto gap: faked client)", async () => {
    // Prepare: stand-in RDS clients for the one action moto lacks (DescribeAccountAttributes)
    const sent: string[] = [];
    const withRds = (answer: () => unknown) =>
      new AwsCloudResources(
        {
          ec2: clients.ec2,
          rds: () =>
            ({
              send: async (command: object) => {
                sent.push(command.constructor.name);
                return answer();
              },
            }) as unknown as RDSClient,
        },
        { rdsManualSnapshotQuota: 40 },
      );
    const reporting = withRds(() => ({ AccountQuotas: [{ AccountQuotaName: 'ManualSnapshots', Used: 97, Max: 100 }] }));
    const failing = (name: string) =>
      withRds(() => {
        throw new RDSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: name });
      });

    // Act
    const usage = await reporting.rds.manualSnapshotUsage(REGION);
    const throttled = await settled(failing('Throttling').rds.manualSnapshotUsage(REGION));
    const denied = await settled(failing('AccessDenied').rds.manualSnapshotUsage(REGION));

    // Assess: one DescribeAccountAttributes each, no counting
    expect(usage).toEqual({ used: 97, max: 100 });
    expect(throttled).toMatchObject({ name: 'SnapshotThrottledError' });
    expect(denied).toMatchObject({ name: 'AccessDenied' });
    expect(sent).toEqual(Array(3).fill(DescribeAccountAttributesCommand.name));
  });

  it('copies a DB snapshot to another region, encrypted with a key there and tagged', async () => {
    // Prepare
    const db = await createTestDbInstance(clients, REGION, { tenant: 'acme' });
    const source = await snapshotDb(db.dbInstanceIdentifier, 'strongbox-bkp-2');
    const keyArn = await createTestKmsKey(DR_REGION);

    // Act
    const copy = await cloud.rds.copyDbSnapshot({
      sourceRegion: REGION,
      source,
      destinationRegion: DR_REGION,
      targetSnapshotId: 'strongbox-bkp-2-copy',
      kmsKeyId: keyArn,
      tags: { [TAGS.copyOf]: source.id },
    });

    // Assess
    expect(copy).toMatchObject({
      type: 'rds-snapshot',
      id: 'strongbox-bkp-2-copy',
      arn: `arn:aws:rds:${DR_REGION}:123456789012:snapshot:strongbox-bkp-2-copy`,
      region: DR_REGION,
      encrypted: true,
      kmsKeyId: keyArn,
      state: 'completed',
      engine: 'postgres',
    });
    expect(await cloud.rds.findDbSnapshots(DR_REGION, { [TAGS.copyOf]: source.id })).toEqual([copy]);
    expect(await cloud.rds.describeDbSnapshot(REGION, 'strongbox-bkp-2-copy')).toBeUndefined();
  });

  it('restores a DB snapshot into a new instance, keeping the source class when none is given', async () => {
    // Prepare
    const db = await createTestDbInstance(clients, REGION, { tenant: 'acme', instanceClass: 'db.t3.small' });
    await snapshotDb(db.dbInstanceIdentifier, 'strongbox-bkp-3');
    const target = uniqueDbIdentifier('restored');
    const restore = (tags: Record<string, string>) =>
      cloud.rds.restoreDbInstanceFromSnapshot(REGION, {
        snapshotId: 'strongbox-bkp-3',
        dbInstanceIdentifier: target,
        tags,
      });

    // Act
    const restored = await restore({ [TAGS.restore]: 'rst_1', [TAGS.tenant]: 'acme' });
    const again = await settled(restore({}));

    // Assess
    expect(restored).toMatchObject({
      dbInstanceIdentifier: target,
      region: REGION,
      arn: `arn:aws:rds:${REGION}:123456789012:db:${target}`,
      status: 'available',
      engine: 'postgres',
      instanceClass: 'db.t3.small',
      endpoint: { address: expect.stringContaining(target), port: 5432 },
      storageEncrypted: false,
      allocatedStorageGiB: 20,
      tags: { [TAGS.restore]: 'rst_1', [TAGS.tenant]: 'acme' },
    });
    expect(await cloud.rds.describeDbInstance(REGION, target)).toMatchObject({ dbInstanceIdentifier: target });
    expect(again).toMatchObject({ name: 'ConflictError', code: 'resource_exists' });
  });

  it('restores an instance to a point in time (moto ignores the time: the call is made and the instance exists)', async () => {
    // Prepare
    const db = await createTestDbInstance(clients, REGION, { tenant: 'acme' });
    const restoreTime = (await cloud.rds.describeDbInstance(REGION, db.dbInstanceIdentifier))?.latestRestorableTime;
    const [atTime, latest] = [uniqueDbIdentifier('pitr'), uniqueDbIdentifier('latest')];
    const sourceDbInstanceIdentifier = db.dbInstanceIdentifier;

    // Act
    const restored = await cloud.rds.restoreDbInstanceToPointInTime(REGION, {
      sourceDbInstanceIdentifier,
      dbInstanceIdentifier: atTime,
      restoreTime,
      dbInstanceClass: 'db.t3.medium',
      tags: { [TAGS.restore]: 'rst_2' },
    });
    const newest = await cloud.rds.restoreDbInstanceToPointInTime(REGION, {
      sourceDbInstanceIdentifier,
      dbInstanceIdentifier: latest,
      useLatestRestorableTime: true,
      tags: { [TAGS.restore]: 'rst_3' },
    });
    const both = await settled(
      cloud.rds.restoreDbInstanceToPointInTime(REGION, {
        sourceDbInstanceIdentifier,
        dbInstanceIdentifier: uniqueDbIdentifier('both'),
        restoreTime,
        useLatestRestorableTime: true,
        tags: {},
      }),
    );

    // Assess
    expect(restoreTime).toMatch(ISO);
    expect(restored).toMatchObject({
      dbInstanceIdentifier: atTime,
      engine: 'postgres',
      tags: { [TAGS.restore]: 'rst_2' },
    });
    expect(newest).toMatchObject({ dbInstanceIdentifier: latest, instanceClass: db.instanceClass });
    expect(await cloud.rds.describeDbInstance(REGION, atTime)).toMatchObject({ status: 'available' });
    expect(both).toMatchObject({ name: 'ValidationError' });
  });

  it('snapshots a cluster, copies it, and restores it into a new cluster with an instance', async () => {
    // Prepare
    const cluster = await createTestDbCluster(clients, REGION, { tenant: 'acme' });
    const target = uniqueDbIdentifier('restoredcluster');

    // Act
    const snapshot = await cloud.rds.snapshotDbCluster(REGION, {
      dbClusterIdentifier: cluster.dbClusterIdentifier,
      snapshotId: 'strongbox-bkp-4',
      tags: { [TAGS.tenant]: 'acme', [TAGS.backup]: 'bkp_4' },
    });
    const copy = await cloud.rds.copyDbSnapshot({
      sourceRegion: REGION,
      source: snapshot,
      destinationRegion: DR_REGION,
      targetSnapshotId: 'strongbox-bkp-4-copy',
      tags: { [TAGS.copyOf]: snapshot.id },
    });
    const restoredCluster = await cloud.rds.restoreDbClusterFromSnapshot(REGION, {
      snapshotId: snapshot.id,
      engine: snapshot.engine ?? '',
      dbClusterIdentifier: target,
      tags: { [TAGS.restore]: 'rst_4' },
    });
    const instance = await cloud.rds.createDbClusterInstance(REGION, {
      dbClusterIdentifier: target,
      dbInstanceIdentifier: `${target}-1`,
      engine: restoredCluster.engine,
      tags: { [TAGS.restore]: 'rst_4' },
    });
    const restored = { cluster: await cloud.rds.describeDbCluster(REGION, target), instance };

    // Assess
    expect(snapshot).toMatchObject({
      type: 'rds-cluster-snapshot',
      id: 'strongbox-bkp-4',
      resourceId: cluster.dbClusterIdentifier,
      state: 'completed',
      providerState: 'available',
      progress: '100%',
      engine: 'aurora-postgresql',
      encrypted: false,
      kmsKeyId: undefined,
    });
    expect(await cloud.rds.findDbSnapshots(REGION, { [TAGS.backup]: 'bkp_4' })).toEqual([snapshot]);
    expect(copy).toMatchObject({ type: 'rds-cluster-snapshot', id: 'strongbox-bkp-4-copy', region: DR_REGION });
    expect(await cloud.rds.describeDbClusterSnapshot(DR_REGION, copy.id)).toEqual(copy);
    expect(restored.cluster).toMatchObject({
      dbClusterIdentifier: target,
      engine: 'aurora-postgresql',
      members: [`${target}-1`],
      tags: { [TAGS.restore]: 'rst_4' },
    });
    expect(restoredCluster).toMatchObject({ dbClusterIdentifier: target, tags: { [TAGS.restore]: 'rst_4' } });
    expect(restored.cluster?.endpoint?.port).toBe(5432);
    expect(restored.instance).toMatchObject({
      publiclyAccessible: false,
      dbInstanceIdentifier: `${target}-1`,
      dbClusterIdentifier: target,
      instanceClass: 'db.t4g.medium',
      engine: 'aurora-postgresql',
    });
  });

  it('describes instances and clusters with their tags; missing ones are undefined, actions on them NotFoundError', async () => {
    // Prepare
    const db = await createTestDbInstance(clients, REGION, { tenant: 'globex' });
    const cluster = await createTestDbCluster(clients, REGION, { tenant: 'acme' });

    // Act
    const instance = await cloud.rds.describeDbInstance(REGION, db.dbInstanceIdentifier);
    const described = await cloud.rds.describeDbCluster(REGION, cluster.dbClusterIdentifier);
    const missing = [
      await cloud.rds.describeDbInstance(REGION, 'no-such-db'),
      await cloud.rds.describeDbCluster(REGION, 'no-such-cluster'),
      await cloud.rds.describeDbSnapshot(REGION, 'no-such-snapshot'),
      await cloud.rds.describeDbClusterSnapshot(REGION, 'no-such-snapshot'),
      await cloud.rds.describeDbInstance(DR_REGION, db.dbInstanceIdentifier),
    ];
    const snapshotting = await settled(
      cloud.rds.snapshotDbInstance(REGION, { dbInstanceIdentifier: 'no-such-db', snapshotId: 'x', tags: {} }),
    );

    // Assess
    expect(instance).toMatchObject({
      dbInstanceIdentifier: db.dbInstanceIdentifier,
      arn: db.arn,
      status: 'available',
      engine: 'postgres',
      instanceClass: 'db.t3.micro',
      availabilityZone: 'us-east-1a',
      tags: { [TAGS.tenant]: 'globex' },
    });
    expect(described).toMatchObject({
      dbClusterIdentifier: cluster.dbClusterIdentifier,
      arn: cluster.arn,
      members: [cluster.dbInstanceIdentifier],
      tags: { [TAGS.tenant]: 'acme' },
    });
    expect(missing).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(snapshotting).toMatchObject({ name: 'NotFoundError', message: 'RDS DB instance no-such-db was not found' });
  });
});

describe('RDS errors as domain errors (constructed SDK exceptions)', () => {
  const call = { action: 'CreateDBSnapshot', region: REGION, ids: { dbInstance: 'db-1' } };
  const rdsError = (name: string) =>
    new RDSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: `${name}!` });

  it.each([
    [rdsError('Throttling'), 'SnapshotThrottledError', 'throttled'],
    [rdsError('ThrottlingException'), 'SnapshotThrottledError', 'throttled'],
    [
      new SnapshotQuotaExceededFault({ $metadata: {}, message: 'full' }),
      'SnapshotQuotaExceededError',
      'snapshot_quota_exceeded',
    ],
    [rdsError('SnapshotQuotaExceeded'), 'SnapshotQuotaExceededError', 'snapshot_quota_exceeded'],
    [new DBInstanceNotFoundFault({ $metadata: {}, message: 'gone' }), 'NotFoundError', 'not_found'],
    [rdsError('DBInstanceNotFound'), 'NotFoundError', 'not_found'],
    [new DBInstanceAlreadyExistsFault({ $metadata: {}, message: 'exists' }), 'ConflictError', 'resource_exists'],
    [rdsError('DBClusterAlreadyExistsFault'), 'ConflictError', 'resource_exists'],
  ])('%s → %s (%s)', (error, name, code) => {
    // Act
    const translated = translateCloudError(error, call);

    // Assess
    expect(translated).toMatchObject({ name, code });
  });

  it('names the call and the resource in messages, and leaves unknown errors unchanged', () => {
    // Prepare
    const other = rdsError('StorageQuotaExceeded');

    // Act
    const throttled = translateCloudError(rdsError('Throttling'), call);
    const missing = translateCloudError(rdsError('DBInstanceNotFound'), call);

    // Assess
    expect(throttled).toMatchObject({
      message: 'CreateDBSnapshot in us-east-1 was throttled (Throttling): Throttling!',
    });
    expect(missing).toMatchObject({ message: 'RDS DB instance db-1 was not found' });
    expect(translateCloudError(other, call)).toBe(other);
  });

  it('recognizes an unimplemented action, but not auth or throttling errors', () => {
    // Prepare: what the SDK raises for moto's HTML 500 page, and AWS's own codes
    const motoPage = Object.assign(new Error('Deserialization error: to see the raw response, inspect $response'), {
      $metadata: { httpStatusCode: 500 },
    });
    const serverError = Object.assign(new Error('InternalFailure'), { $metadata: { httpStatusCode: 500 } });

    // Assess
    expect(isUnsupportedOperation(motoPage)).toBe(true);
    expect(isUnsupportedOperation(rdsError('InvalidAction'))).toBe(true);
    expect(isUnsupportedOperation(rdsError('AccessDenied'))).toBe(false);
    expect(isUnsupportedOperation(rdsError('Throttling'))).toBe(false);
    expect(isUnsupportedOperation(serverError)).toBe(false);
  });

  it('normalizes RDS snapshot states', () => {
    // Assess
    const states = ['creating', 'copying', 'available', 'failed', 'error', 'incompatible-restore', undefined];
    expect(states.map(rdsSnapshotState)).toEqual([
      'pending',
      'pending',
      'completed',
      'error',
      'error',
      'error',
      'pending',
    ]);
  });
});
