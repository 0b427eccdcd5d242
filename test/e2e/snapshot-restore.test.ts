import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeVolumesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateDBInstanceCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import {
  createTestDbCluster,
  createTestDbInstance,
  createTestInstance,
  createTestVolume,
  uniqueDbIdentifier,
} from '../support/cloud-fixtures';
import { type Api, apiAs, startTestService } from '../support/local-service';

/**
 * A tenant restores snapshot backups over the local API: RDS snapshots into new DB instances (from the snapshot, to a
 * point in time, a cluster), and the R14 refusals — every one before anything is created, the same on a retry.
 */
const REGION = 'us-east-1';
let service: LocalService;
let acme: Api;

async function backUp(body: Record<string, unknown>) {
  const source = await acme.post('/v1/sources', { name: `src ${Math.random()}`, ...body });
  expect(source.status, JSON.stringify(source.body)).toBe(201);
  const requested = await acme.post('/v1/backups', { sourceId: source.body.id });
  await service.idle();
  const backup = await acme.get(`/v1/backups/${requested.body.id}`);
  expect(backup.body.status, JSON.stringify(backup.body)).toBe('succeeded');
  return backup.body as { id: string };
}

async function restored(body: Record<string, unknown>) {
  const requested = await acme.post('/v1/restores', body);
  expect(requested.status, JSON.stringify(requested.body)).toBe(202);
  await service.idle();
  return (await acme.get(`/v1/restores/${requested.body.id}`)).body;
}

async function volumeCount(region = REGION): Promise<number> {
  return ((await service.clients.ec2(region).send(new DescribeVolumesCommand({}))).Volumes ?? []).length;
}

async function dbInstanceCount(): Promise<number> {
  return ((await service.clients.rds(REGION).send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).length;
}

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
});

afterAll(async () => {
  await service?.stop();
});

describe('DB restores over the API', () => {
  it('restores an RDS instance backup to a new identifier and records its endpoint', async () => {
    // Prepare
    const db = await createTestDbInstance(service.clients, REGION, { tenant: 'acme' });
    const backup = await backUp({ type: 'rds-instance', dbInstanceIdentifier: db.dbInstanceIdentifier });
    const identifier = uniqueDbIdentifier('restored');

    // Act
    const restore = await restored({ backupId: backup.id, target: { dbInstanceIdentifier: identifier } });

    // Assess
    expect(restore, JSON.stringify(restore)).toMatchObject({
      kind: 'db',
      status: 'succeeded',
      target: { dbInstanceIdentifier: identifier },
      endpoint: { address: expect.any(String), port: expect.any(Number) },
    });
    const described = await service.clients
      .rds(REGION)
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    expect(described.DBInstances?.[0]?.DBInstanceStatus).toBe('available');
  });

  it('restores into the source instance’s subnet group and security groups, never publicly accessible', async () => {
    // Prepare
    const ec2 = service.clients.ec2(REGION);
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }))).Vpc?.VpcId as string;
    const subnets: string[] = [];
    for (const [cidr, zone] of [
      ['10.42.1.0/24', 'a'],
      ['10.42.2.0/24', 'b'],
    ] as const) {
      const subnet = await ec2.send(
        new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: `${REGION}${zone}` }),
      );
      subnets.push(subnet.Subnet?.SubnetId as string);
    }
    const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'sb-db', Description: 'db', VpcId: vpc }));
    const subnetGroup = uniqueDbIdentifier('sbnet');
    const rds = service.clients.rds(REGION);
    await rds.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: subnetGroup,
        DBSubnetGroupDescription: 'private',
        SubnetIds: subnets,
      }),
    );
    const source = uniqueDbIdentifier('sbnetdb');
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: source,
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        AllocatedStorage: 20,
        MasterUsername: 'strongbox',
        MasterUserPassword: 'strongbox-test-password',
        DBSubnetGroupName: subnetGroup,
        VpcSecurityGroupIds: [group.GroupId as string],
        // Not public: moto 5.2.1 ignores PubliclyAccessible=false on a restore (it skips falsy overrides) and copies
        // the source's flag, so only the adapter's request (test/integration/rds-resources.test.ts) can show it.
        PubliclyAccessible: false,
        CopyTagsToSnapshot: true,
        Tags: [{ Key: 'strongbox:tenant', Value: 'acme' }],
      }),
    );
    const backup = await backUp({ type: 'rds-instance', dbInstanceIdentifier: source });
    const identifier = uniqueDbIdentifier('private');

    // Act
    const restore = await restored({ backupId: backup.id, target: { dbInstanceIdentifier: identifier } });

    // Assess
    expect(restore.status, JSON.stringify(restore)).toBe('succeeded');
    const [described] =
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances ?? [];
    expect(described?.PubliclyAccessible).toBe(false);
    const [original] =
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: source }))).DBInstances ?? [];
    expect(original?.DBSubnetGroup?.DBSubnetGroupName).toBe(subnetGroup); // moto reports it
    expect(described?.DBSubnetGroup?.DBSubnetGroupName).toBe(subnetGroup);
    expect(described?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([group.GroupId]);
  });

  it('derives the identifier from the source and the time, and restores to the latest restorable time', async () => {
    // Prepare
    const db = await createTestDbInstance(service.clients, REGION, { tenant: 'acme' });
    const backup = await backUp({ type: 'rds-instance', dbInstanceIdentifier: db.dbInstanceIdentifier });

    // Act
    const restore = await restored({
      backupId: backup.id,
      target: { pointInTime: { useLatestRestorableTime: true } },
    });

    // Assess
    expect(restore, JSON.stringify(restore)).toMatchObject({
      status: 'succeeded',
      target: {
        dbInstanceIdentifier: expect.stringMatching(
          new RegExp(`^${db.dbInstanceIdentifier}-restored-\\d{12}-[0-9a-z]{6}$`),
        ),
      },
      endpoint: { address: expect.any(String) },
    });
  });

  it('restores a cluster backup to a new cluster with a first instance', async () => {
    // Prepare
    const cluster = await createTestDbCluster(service.clients, REGION, { tenant: 'acme' });
    const backup = await backUp({ type: 'rds-cluster', dbClusterIdentifier: cluster.dbClusterIdentifier });
    const identifier = uniqueDbIdentifier('rcluster');

    // Act
    const restore = await restored({ backupId: backup.id, target: { dbClusterIdentifier: identifier } });

    // Assess
    expect(restore, JSON.stringify(restore)).toMatchObject({
      status: 'succeeded',
      target: { dbClusterIdentifier: identifier, dbInstanceIdentifier: `${identifier}-1` },
    });
    const described = await service.clients
      .rds(REGION)
      .send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    expect(described.DBClusters?.[0]?.DBClusterMembers?.map((m) => m.DBInstanceIdentifier)).toContain(
      `${identifier}-1`,
    );
  });

  it('refuses an identifier in use with 409 before creating anything, the same on a retry', async () => {
    // Prepare
    const db = await createTestDbInstance(service.clients, REGION, { tenant: 'acme' });
    const backup = await backUp({ type: 'rds-instance', dbInstanceIdentifier: db.dbInstanceIdentifier });
    const before = await dbInstanceCount();
    const body = { backupId: backup.id, target: { dbInstanceIdentifier: db.dbInstanceIdentifier } };

    // Act
    const first = await acme.post('/v1/restores', body);
    const retry = await acme.post('/v1/restores', body);

    // Assess
    for (const answer of [first, retry]) {
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({
        error: { code: 'restore_target_exists', fields: [{ path: 'target.dbInstanceIdentifier' }] },
      });
    }
    expect(await dbInstanceCount()).toBe(before);
  });
});

describe('volume restore refusals (R14)', () => {
  it('refuses a device in use, an instance in another region, a foreign and an untagged instance', async () => {
    // Prepare
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme' });
    const backup = await backUp({ type: 'ebs-volume', volumeId: volume.volumeId });
    const mine = await createTestInstance(service.clients, REGION, { tenant: 'acme', devices: ['/dev/xvdf'] });
    const elsewhere = await createTestInstance(service.clients, 'eu-west-1', { tenant: 'acme', devices: [] });
    const theirs = await createTestInstance(service.clients, REGION, { tenant: 'globex', devices: [] });
    const bare = await createTestInstance(service.clients, REGION, { devices: [] });
    const before = [await volumeCount(), await volumeCount('eu-west-1')];
    const ask = (target: Record<string, unknown>) => acme.post('/v1/restores', { backupId: backup.id, target });

    // Act
    const inUse = [
      await ask({ instanceId: mine.instanceId, device: '/dev/xvdf' }),
      await ask({ instanceId: mine.instanceId, device: '/dev/xvdf' }),
    ];
    const otherRegion = await ask({ instanceId: elsewhere.instanceId, region: 'eu-west-1', device: '/dev/xvdf' });
    const foreign = await ask({ instanceId: theirs.instanceId, device: '/dev/xvdf' });
    const untagged = await ask({ instanceId: bare.instanceId, device: '/dev/xvdf' });
    const misfit = await ask({ instanceId: mine.instanceId, device: '/dev/xvdh', database: 'x' });
    const small = await ask({ instanceId: mine.instanceId, device: '/dev/xvdh', sizeGiB: 1 });
    const noIops = await ask({ instanceId: mine.instanceId, device: '/dev/xvdh', volumeType: 'st1', iops: 3000 });

    // Assess
    for (const answer of inUse) {
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ error: { fields: [{ path: 'target.device' }] } });
    }
    expect(otherRegion.status).toBe(400);
    expect(otherRegion.body).toMatchObject({
      error: {
        message: expect.stringContaining('is in eu-west-1, the snapshot in us-east-1'),
        fields: [{ path: 'target.instanceId' }],
      },
    });
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body)).not.toContain('globex');
    expect(untagged.status).toBe(403);
    expect(untagged.body).toMatchObject({ error: { message: expect.stringContaining('strongbox:tenant=acme') } });
    expect(misfit.body).toMatchObject({ error: { fields: [{ path: 'target.database' }] } });
    expect(small.body).toMatchObject({ error: { fields: [{ path: 'target.sizeGiB' }] } });
    expect(noIops.body).toMatchObject({ error: { fields: [{ path: 'target.iops' }] } });
    for (const answer of [misfit, small, noIops]) expect(answer.status).toBe(400);
    expect([await volumeCount(), await volumeCount('eu-west-1')]).toEqual(before);
    const listed = (await acme.get('/v1/restores?limit=100')).body.items as { backupId: string }[];
    expect(listed.filter((item) => item.backupId === backup.id)).toEqual([]);
  });
});
