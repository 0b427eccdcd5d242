import type { Snapshot, SnapshotInfo } from '@aws-sdk/client-ec2';
import type { DBCluster, DBClusterSnapshot, DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import { ValidationError } from '../../domain/errors';
import type { SnapshotArtifact, SnapshotState, Tags } from '../../domain/snapshot';
import type { DbClusterInfo, DbInstanceInfo } from '../../ports/cloud';

/** Shapes shared by the EC2 and RDS adapters: tag lists, dates, and RDS descriptions mapped onto the cloud port's. */
export function tagList(tags: Tags): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function tagsOf(list: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of list ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return tags;
}

export function hasTags(actual: Tags, wanted: Tags): boolean {
  return Object.entries(wanted).every(([key, value]) => actual[key] === value);
}

/** Finding by tags with no tags would be an unfiltered listing: refused. */
export function requireTags(tags: Tags, what: string): void {
  if (Object.keys(tags).length === 0) {
    throw new ValidationError(`finding ${what} needs at least one tag`, [{ path: 'tags', message: 'is empty' }]);
  }
}

export function isoDate(value: Date | undefined): string | undefined {
  return value === undefined || Number.isNaN(value.getTime()) ? undefined : value.toISOString();
}

/** EBS `pending`/`completed`/`error`; `recovering` (out of the Recycle Bin) is pending, `recoverable` is deleted. */
export function ebsSnapshotState(state: string | undefined): SnapshotState {
  switch (state) {
    case 'completed':
      return 'completed';
    case 'error':
    case 'recoverable':
      return 'error';
    default:
      return 'pending';
  }
}

/**
 * An EBS snapshot as the port describes it. `StorageTier` is mapped only when EC2 reports it (DescribeSnapshots on
 * AWS; moto 5.2.1 and CreateSnapshots' SnapshotInfo never do), so a missing tier stays undefined, not `standard`.
 */
export function snapshotArtifact(region: string, snapshot: Snapshot | SnapshotInfo): SnapshotArtifact {
  const tier = 'StorageTier' in snapshot ? snapshot.StorageTier : undefined;
  return {
    type: 'ebs-snapshot',
    id: snapshot.SnapshotId ?? '',
    region,
    resourceId: snapshot.VolumeId ?? '',
    sizeGiB: snapshot.VolumeSize,
    encrypted: snapshot.Encrypted ?? false,
    kmsKeyId: 'KmsKeyId' in snapshot ? snapshot.KmsKeyId : undefined,
    state: ebsSnapshotState(snapshot.State),
    providerState: snapshot.State,
    progress: snapshot.Progress,
    startedAt: isoDate(snapshot.StartTime),
    ...(tier === 'archive' || tier === 'standard' ? { storageTier: tier } : {}),
  };
}

/** RDS `available` is completed; `creating`, `copying`… are pending; `failed`, `error`, `incompatible-*` are errors. */
export function rdsSnapshotState(status: string | undefined): SnapshotState {
  if (status === 'available') return 'completed';
  if (status === 'failed' || status === 'error' || status?.startsWith('incompatible')) return 'error';
  return 'pending';
}

/** moto names a KMS key (`default_kms_key_id`) even for unencrypted storage: a key is reported only when encrypted. */
const keyIfEncrypted = (encrypted: boolean | undefined, key: string | undefined) => (encrypted ? key : undefined);
const percent = (value: number | undefined) => (value === undefined ? undefined : `${value}%`);

export function dbSnapshotArtifact(region: string, s: DBSnapshot): SnapshotArtifact {
  return {
    type: 'rds-snapshot',
    id: s.DBSnapshotIdentifier ?? '',
    arn: s.DBSnapshotArn,
    region,
    resourceId: s.DBInstanceIdentifier ?? '',
    sizeGiB: s.AllocatedStorage,
    encrypted: s.Encrypted ?? false,
    kmsKeyId: keyIfEncrypted(s.Encrypted, s.KmsKeyId),
    state: rdsSnapshotState(s.Status),
    providerState: s.Status,
    progress: percent(s.PercentProgress),
    startedAt: isoDate(s.SnapshotCreateTime),
    engine: s.Engine,
    engineVersion: s.EngineVersion,
    port: s.Port,
    availabilityZone: s.AvailabilityZone,
  };
}

export function clusterSnapshotArtifact(region: string, s: DBClusterSnapshot): SnapshotArtifact {
  return {
    type: 'rds-cluster-snapshot',
    id: s.DBClusterSnapshotIdentifier ?? '',
    arn: s.DBClusterSnapshotArn,
    region,
    resourceId: s.DBClusterIdentifier ?? '',
    sizeGiB: s.AllocatedStorage,
    encrypted: s.StorageEncrypted ?? false,
    kmsKeyId: keyIfEncrypted(s.StorageEncrypted, s.KmsKeyId),
    state: rdsSnapshotState(s.Status),
    providerState: s.Status,
    progress: percent(s.PercentProgress),
    startedAt: isoDate(s.SnapshotCreateTime),
    engine: s.Engine,
    engineVersion: s.EngineVersion,
    port: s.Port,
  };
}

export function dbInstanceInfo(region: string, i: DBInstance): DbInstanceInfo {
  const address = i.Endpoint?.Address;
  const port = i.Endpoint?.Port ?? i.DbInstancePort;
  return {
    dbInstanceIdentifier: i.DBInstanceIdentifier ?? '',
    region,
    arn: i.DBInstanceArn ?? '',
    status: i.DBInstanceStatus ?? 'creating',
    engine: i.Engine ?? '',
    engineVersion: i.EngineVersion,
    instanceClass: i.DBInstanceClass,
    availabilityZone: i.AvailabilityZone,
    endpoint: address !== undefined && port !== undefined ? { address, port } : undefined,
    dbClusterIdentifier: i.DBClusterIdentifier,
    storageEncrypted: i.StorageEncrypted ?? false,
    kmsKeyId: keyIfEncrypted(i.StorageEncrypted, i.KmsKeyId),
    latestRestorableTime: isoDate(i.LatestRestorableTime),
    allocatedStorageGiB: i.AllocatedStorage,
    publiclyAccessible: i.PubliclyAccessible,
    dbSubnetGroupName: i.DBSubnetGroup?.DBSubnetGroupName,
    vpcSecurityGroupIds: securityGroupIds(i.VpcSecurityGroups),
    tags: tagsOf(i.TagList),
  };
}

function securityGroupIds(groups: readonly { VpcSecurityGroupId?: string }[] | undefined): string[] | undefined {
  const ids = (groups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : []));
  return ids.length > 0 ? ids : undefined;
}

export function dbClusterInfo(region: string, c: DBCluster): DbClusterInfo {
  return {
    dbClusterIdentifier: c.DBClusterIdentifier ?? '',
    region,
    arn: c.DBClusterArn ?? '',
    status: c.Status ?? 'creating',
    engine: c.Engine ?? '',
    engineVersion: c.EngineVersion,
    endpoint: c.Endpoint !== undefined && c.Port !== undefined ? { address: c.Endpoint, port: c.Port } : undefined,
    members: (c.DBClusterMembers ?? []).flatMap((m) => (m.DBInstanceIdentifier ? [m.DBInstanceIdentifier] : [])),
    storageEncrypted: c.StorageEncrypted ?? false,
    kmsKeyId: keyIfEncrypted(c.StorageEncrypted, c.KmsKeyId),
    dbSubnetGroupName: c.DBSubnetGroup,
    vpcSecurityGroupIds: securityGroupIds(c.VpcSecurityGroups),
    tags: tagsOf(c.TagList),
  };
}
