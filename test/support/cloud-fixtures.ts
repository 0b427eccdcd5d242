import { randomBytes } from 'node:crypto';
import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateDBClusterCommand, CreateDBInstanceCommand } from '@aws-sdk/client-rds';
import { type AwsClients, type AwsSettings, createAwsClients } from '../../lambdas/adapters/aws/clients';
import { TAGS, type Tags } from '../../lambdas/domain/snapshot';
import { awsTestSettings } from './testbed';

/**
 * EC2 and RDS resources on moto for tests: volumes, instances with volumes at given devices, DB instances and
 * clusters, each in a given region and tagged `strongbox:tenant=<tenant>` when a tenant is given (untagged
 * otherwise), plus KMS keys in any region. moto makes everything available at once (DESIGN.md §8).
 */
export type CloudFixtureClients = Pick<AwsClients, 'ec2' | 'rds'>;

export interface FixtureOptions {
  /** Value of the `strongbox:tenant` tag; no tag when undefined. */
  readonly tenant?: string;
  /** More tags. */
  readonly tags?: Tags;
}

export interface TestVolume {
  readonly volumeId: string;
  readonly region: string;
  readonly availabilityZone: string;
}

export interface TestInstance {
  readonly instanceId: string;
  readonly region: string;
  readonly availabilityZone: string;
  /** moto attaches the AMI's root volume at /dev/sda1, whatever the image says. */
  readonly rootDevice: string;
  readonly rootVolumeId: string;
  /** The extra volumes, in the order of the devices asked for. */
  readonly volumes: readonly { readonly device: string; readonly volumeId: string }[];
}

export interface TestDbInstance {
  readonly dbInstanceIdentifier: string;
  readonly arn: string;
  readonly region: string;
  readonly engine: string;
  readonly instanceClass: string;
}

export interface TestDbCluster {
  readonly dbClusterIdentifier: string;
  readonly arn: string;
  readonly region: string;
  readonly engine: string;
  /** The writer instance, when one was asked for. */
  readonly dbInstanceIdentifier?: string;
}

function tagsFor(options: FixtureOptions): { Key: string; Value: string }[] {
  const tags = { ...(options.tenant === undefined ? {} : { [TAGS.tenant]: options.tenant }), ...options.tags };
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** A DB identifier nobody else in the run uses: letter first, lower case, no `--`. */
export function uniqueDbIdentifier(prefix = 'sbtest'): string {
  return `${prefix}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export async function createTestVolume(
  clients: CloudFixtureClients,
  region: string,
  options: FixtureOptions & { availabilityZone?: string; sizeGiB?: number; volumeType?: VolumeType } = {},
): Promise<TestVolume> {
  const availabilityZone = options.availabilityZone ?? `${region}a`;
  const created = await clients.ec2(region).send(
    new CreateVolumeCommand({
      AvailabilityZone: availabilityZone,
      Size: options.sizeGiB ?? 8,
      VolumeType: options.volumeType ?? 'gp3',
      TagSpecifications: tagsFor(options).length > 0 ? [{ ResourceType: 'volume', Tags: tagsFor(options) }] : undefined,
    }),
  );
  if (created.VolumeId === undefined) throw new Error('CreateVolume returned no volume id');
  return { volumeId: created.VolumeId, region, availabilityZone };
}

/** moto runs without its default AMIs (MOTO_EC2_LOAD_DEFAULT_AMIS=false): instances need an image registered first. */
export async function registerTestImage(clients: CloudFixtureClients, region: string): Promise<string> {
  const image = await clients.ec2(region).send(
    new RegisterImageCommand({
      Name: `strongbox-test-${randomBytes(4).toString('hex')}`,
      Architecture: 'x86_64',
      VirtualizationType: 'hvm',
      RootDeviceName: '/dev/xvda',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8, VolumeType: 'gp3' } }],
    }),
  );
  if (image.ImageId === undefined) throw new Error('RegisterImage returned no image id');
  return image.ImageId;
}

/** A running instance (tagged like its volumes) with a new volume attached at each device (default xvdf, xvdg). */
export async function createTestInstance(
  clients: CloudFixtureClients,
  region: string,
  options: FixtureOptions & { availabilityZone?: string; devices?: readonly string[]; sizeGiB?: number } = {},
): Promise<TestInstance> {
  const availabilityZone = options.availabilityZone ?? `${region}a`;
  const ec2 = clients.ec2(region);
  const imageId = await registerTestImage(clients, region);
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      Placement: { AvailabilityZone: availabilityZone },
      TagSpecifications:
        tagsFor(options).length > 0 ? [{ ResourceType: 'instance', Tags: tagsFor(options) }] : undefined,
    }),
  );
  const instanceId = run.Instances?.[0]?.InstanceId;
  if (instanceId === undefined) throw new Error('RunInstances returned no instance');
  const volumes: { device: string; volumeId: string }[] = [];
  for (const device of options.devices ?? ['/dev/xvdf', '/dev/xvdg']) {
    const { volumeId } = await createTestVolume(clients, region, { ...options, availabilityZone });
    await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }));
    volumes.push({ device, volumeId });
  }
  const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const instance = described.Reservations?.[0]?.Instances?.[0];
  const rootDevice = instance?.RootDeviceName ?? '/dev/sda1';
  const rootVolumeId = instance?.BlockDeviceMappings?.find((m) => m.DeviceName === rootDevice)?.Ebs?.VolumeId;
  if (rootVolumeId === undefined) throw new Error(`instance ${instanceId} has no root volume at ${rootDevice}`);
  return { instanceId, region, availabilityZone, rootDevice, rootVolumeId, volumes };
}

/**
 * A DB instance (PostgreSQL 15 by default) with backups on, so moto gives it an automated snapshot as AWS would;
 * tags are copied to snapshots, so that automated snapshot carries the tenant tag too.
 */
export async function createTestDbInstance(
  clients: CloudFixtureClients,
  region: string,
  options: FixtureOptions & {
    identifier?: string;
    engine?: 'postgres' | 'mysql' | 'mariadb';
    instanceClass?: string;
  } = {},
): Promise<TestDbInstance> {
  const engine = options.engine ?? 'postgres';
  const instanceClass = options.instanceClass ?? 'db.t3.micro';
  const created = await clients.rds(region).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: options.identifier ?? uniqueDbIdentifier('sbdb'),
      DBInstanceClass: instanceClass,
      Engine: engine,
      EngineVersion: engine === 'postgres' ? '15.4' : undefined,
      AllocatedStorage: 20,
      MasterUsername: 'strongbox',
      MasterUserPassword: 'strongbox-test-password',
      AvailabilityZone: `${region}a`,
      BackupRetentionPeriod: 7,
      CopyTagsToSnapshot: true,
      Tags: tagsFor(options),
    }),
  );
  const db = created.DBInstance;
  if (db?.DBInstanceIdentifier === undefined || db.DBInstanceArn === undefined) {
    throw new Error('CreateDBInstance returned no instance');
  }
  return { dbInstanceIdentifier: db.DBInstanceIdentifier, arn: db.DBInstanceArn, region, engine, instanceClass };
}

/** An Aurora cluster (aurora-postgresql by default), with a writer instance unless `withInstance: false`. */
export async function createTestDbCluster(
  clients: CloudFixtureClients,
  region: string,
  options: FixtureOptions & {
    identifier?: string;
    engine?: 'aurora-postgresql' | 'aurora-mysql';
    withInstance?: boolean;
  } = {},
): Promise<TestDbCluster> {
  const engine = options.engine ?? 'aurora-postgresql';
  const rds = clients.rds(region);
  const created = await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: options.identifier ?? uniqueDbIdentifier('sbcluster'),
      Engine: engine,
      EngineVersion: engine === 'aurora-postgresql' ? '15.4' : undefined,
      MasterUsername: 'strongbox',
      MasterUserPassword: 'strongbox-test-password',
      Tags: tagsFor(options),
    }),
  );
  const cluster = created.DBCluster;
  if (cluster?.DBClusterIdentifier === undefined || cluster.DBClusterArn === undefined) {
    throw new Error('CreateDBCluster returned no cluster');
  }
  const base = { dbClusterIdentifier: cluster.DBClusterIdentifier, arn: cluster.DBClusterArn, region, engine };
  if (options.withInstance === false) return base;
  const dbInstanceIdentifier = `${cluster.DBClusterIdentifier}-writer`;
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: dbInstanceIdentifier,
      DBClusterIdentifier: cluster.DBClusterIdentifier,
      DBInstanceClass: 'db.t4g.medium',
      Engine: engine,
      Tags: tagsFor(options),
    }),
  );
  return { ...base, dbInstanceIdentifier };
}

/**
 * A symmetric KMS key in `region` (the factory's KMS client is bound to the settings' region), tagged
 * `strongbox:tenant=<tenant>` when a tenant is given; `alias` (`alias/…`) names it too.
 */
export async function createTestKmsKey(
  region: string,
  settings: AwsSettings = awsTestSettings(),
  options: FixtureOptions & { readonly alias?: string } = {},
): Promise<string> {
  const kms = createAwsClients({ ...settings, region }).kms;
  const tags = tagsFor(options);
  const key = await kms.send(
    new CreateKeyCommand({
      Description: `strongbox test key in ${region}`,
      ...(tags.length === 0 ? {} : { Tags: tags.map((tag) => ({ TagKey: tag.Key, TagValue: tag.Value })) }),
    }),
  );
  if (options.alias !== undefined && key.KeyMetadata?.KeyId !== undefined) {
    await kms.send(new CreateAliasCommand({ AliasName: options.alias, TargetKeyId: key.KeyMetadata.KeyId }));
  }
  const arn = key.KeyMetadata?.Arn;
  if (arn === undefined) throw new Error('CreateKey returned no key');
  return arn;
}
