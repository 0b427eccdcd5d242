import type { SnapshotArtifact, SnapshotQuotaUsage, Tags, VolumeType } from '../domain/snapshot';

/**
 * The cloud resources snapshot backups and restores act on: EC2/EBS and RDS, in any region. Adapters translate
 * the services' errors into domain errors: throttling (`RequestLimitExceeded`, `SnapshotCreationPerVolumeRateExceeded`,
 * RDS `Throttling`) → SnapshotThrottledError (the state machines retry it by name); a missing resource → undefined
 * from describe*, NotFoundError from actions; a full RDS quota → SnapshotQuotaExceededError.
 * Every call names its region: sources live in any region, DR copies in others.
 */
export interface VolumeAttachment {
  readonly instanceId: string;
  readonly device: string;
  /** attaching | attached | detaching | detached | busy */
  readonly state: string;
}

export interface VolumeInfo {
  readonly volumeId: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly sizeGiB: number;
  readonly volumeType: string;
  readonly iops?: number;
  readonly throughput?: number;
  /** creating | available | in-use | deleting | deleted | error */
  readonly state: string;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly snapshotId?: string;
  readonly attachments: readonly VolumeAttachment[];
  readonly tags: Tags;
}

export interface InstanceInfo {
  readonly instanceId: string;
  readonly region: string;
  readonly availabilityZone: string;
  /** pending | running | stopping | stopped | shutting-down | terminated */
  readonly state: string;
  readonly rootDeviceName?: string;
  /** EBS volumes attached to the instance, by device. */
  readonly volumes: readonly { readonly device: string; readonly volumeId: string }[];
  readonly tags: Tags;
}

export interface NewVolume {
  readonly snapshotId: string;
  readonly availabilityZone: string;
  readonly volumeType?: VolumeType;
  readonly iops?: number;
  readonly throughput?: number;
  readonly kmsKeyId?: string;
  readonly sizeGiB?: number;
  readonly tags: Tags;
  /** Idempotency token: the same token returns the same volume. */
  readonly clientToken: string;
}

export interface Ec2Resources {
  describeVolume(region: string, volumeId: string): Promise<VolumeInfo | undefined>;
  describeInstance(region: string, instanceId: string): Promise<InstanceInfo | undefined>;
  /** Volumes carrying every given tag (always filtered: never an unfiltered Describe). */
  findVolumes(region: string, tags: Tags): Promise<VolumeInfo[]>;
  /** Snapshots owned by this account carrying every given tag. */
  findSnapshots(region: string, tags: Tags): Promise<SnapshotArtifact[]>;
  describeSnapshots(region: string, snapshotIds: readonly string[]): Promise<SnapshotArtifact[]>;
  /** CreateSnapshot with TagSpecifications. */
  snapshotVolume(
    region: string,
    volumeId: string,
    input: { description: string; tags: Tags },
  ): Promise<SnapshotArtifact>;
  /** CreateSnapshots: one crash-consistent set of every EBS volume attached to the instance, devices recorded. */
  snapshotInstance(
    region: string,
    instanceId: string,
    input: { description: string; tags: Tags },
  ): Promise<SnapshotArtifact[]>;
  /** CopySnapshot, called in the destination region; encrypted with the given key there. */
  copySnapshot(input: {
    sourceRegion: string;
    snapshotId: string;
    destinationRegion: string;
    kmsKeyId?: string;
    description: string;
    tags: Tags;
  }): Promise<SnapshotArtifact>;
  createVolume(region: string, input: NewVolume): Promise<VolumeInfo>;
  attachVolume(region: string, input: { volumeId: string; instanceId: string; device: string }): Promise<void>;
  detachVolume(region: string, input: { volumeId: string; instanceId: string }): Promise<void>;
  /**
   * DeleteSnapshot. An unknown snapshot → 'gone' (a rerun after a partial prune). In use by an AMI → DeletionBlockedError
   * ('in_use'); under an EBS snapshot lock → DeletionBlockedError ('locked'); RequestLimitExceeded →
   * SnapshotThrottledError (the pacer retries it).
   */
  deleteSnapshot(region: string, snapshotId: string): Promise<'deleted' | 'gone'>;
  /** CreateTags on snapshots (legal hold). */
  tagSnapshots(region: string, snapshotIds: readonly string[], tags: Tags): Promise<void>;
  /** DeleteTags on snapshots. */
  untagSnapshots(region: string, snapshotIds: readonly string[], keys: readonly string[]): Promise<void>;
  /** ModifySnapshotTier → archive (90-day minimum; restoring needs RestoreSnapshotTier, 24–72 h). */
  archiveSnapshot(region: string, snapshotId: string): Promise<void>;
}

export interface DbInstanceInfo {
  readonly dbInstanceIdentifier: string;
  readonly region: string;
  readonly arn: string;
  /** creating | available | backing-up | modifying | deleting | failed | … */
  readonly status: string;
  readonly engine: string;
  readonly engineVersion?: string;
  readonly instanceClass?: string;
  readonly availabilityZone?: string;
  readonly endpoint?: { readonly address: string; readonly port: number };
  readonly dbClusterIdentifier?: string;
  readonly storageEncrypted: boolean;
  readonly kmsKeyId?: string;
  readonly latestRestorableTime?: string;
  readonly allocatedStorageGiB?: number;
  readonly publiclyAccessible?: boolean;
  /** Network placement: a restore of this instance goes into the same subnet group and security groups. */
  readonly dbSubnetGroupName?: string;
  readonly vpcSecurityGroupIds?: readonly string[];
  readonly tags: Tags;
}

export interface DbClusterInfo {
  readonly dbClusterIdentifier: string;
  readonly region: string;
  readonly arn: string;
  readonly status: string;
  readonly engine: string;
  readonly engineVersion?: string;
  readonly endpoint?: { readonly address: string; readonly port: number };
  readonly members: readonly string[];
  readonly storageEncrypted: boolean;
  readonly kmsKeyId?: string;
  readonly dbSubnetGroupName?: string;
  readonly vpcSecurityGroupIds?: readonly string[];
  readonly tags: Tags;
}

export interface RdsResources {
  describeDbInstance(region: string, id: string): Promise<DbInstanceInfo | undefined>;
  describeDbCluster(region: string, id: string): Promise<DbClusterInfo | undefined>;
  /** Manual DB (instance + cluster) snapshots in the region against the account quota (default 100). */
  manualSnapshotUsage(region: string): Promise<SnapshotQuotaUsage>;
  /** Manual snapshots of the instance / cluster carrying every given tag (automated snapshots are ignored). */
  findDbSnapshots(region: string, tags: Tags): Promise<SnapshotArtifact[]>;
  describeDbSnapshot(region: string, snapshotId: string): Promise<SnapshotArtifact | undefined>;
  describeDbClusterSnapshot(region: string, snapshotId: string): Promise<SnapshotArtifact | undefined>;
  snapshotDbInstance(
    region: string,
    input: { dbInstanceIdentifier: string; snapshotId: string; tags: Tags },
  ): Promise<SnapshotArtifact>;
  snapshotDbCluster(
    region: string,
    input: { dbClusterIdentifier: string; snapshotId: string; tags: Tags },
  ): Promise<SnapshotArtifact>;
  /** CopyDBSnapshot / CopyDBClusterSnapshot, called in the destination region. */
  copyDbSnapshot(input: {
    sourceRegion: string;
    source: SnapshotArtifact;
    destinationRegion: string;
    targetSnapshotId: string;
    kmsKeyId?: string;
    tags: Tags;
  }): Promise<SnapshotArtifact>;
  /** Never publicly accessible; in the given subnet group / security groups (the source's) when given. */
  restoreDbInstanceFromSnapshot(
    region: string,
    input: {
      snapshotId: string;
      dbInstanceIdentifier: string;
      dbInstanceClass?: string;
      dbSubnetGroupName?: string;
      vpcSecurityGroupIds?: readonly string[];
      tags: Tags;
    },
  ): Promise<DbInstanceInfo>;
  restoreDbInstanceToPointInTime(
    region: string,
    input: {
      sourceDbInstanceIdentifier: string;
      dbInstanceIdentifier: string;
      restoreTime?: string;
      useLatestRestorableTime?: boolean;
      dbInstanceClass?: string;
      dbSubnetGroupName?: string;
      vpcSecurityGroupIds?: readonly string[];
      tags: Tags;
    },
  ): Promise<DbInstanceInfo>;
  /**
   * RestoreDBClusterFromSnapshot only (a cluster without instances serves nothing: createDbClusterInstance adds its
   * first one, a separate call so a retry creates only what is missing).
   */
  restoreDbClusterFromSnapshot(
    region: string,
    input: {
      snapshotId: string;
      engine: string;
      dbClusterIdentifier: string;
      dbSubnetGroupName?: string;
      vpcSecurityGroupIds?: readonly string[];
      tags: Tags;
    },
  ): Promise<DbClusterInfo>;
  /** CreateDBInstance in an existing cluster, never publicly accessible. */
  createDbClusterInstance(
    region: string,
    input: {
      dbClusterIdentifier: string;
      dbInstanceIdentifier: string;
      dbInstanceClass?: string;
      engine: string;
      tags: Tags;
    },
  ): Promise<DbInstanceInfo>;
  /**
   * DeleteDBSnapshot or DeleteDBClusterSnapshot (by `snapshot.type`). Unknown → 'gone'; throttling →
   * SnapshotThrottledError.
   */
  deleteDbSnapshot(region: string, snapshot: Pick<SnapshotArtifact, 'type' | 'id'>): Promise<'deleted' | 'gone'>;
  /** AddTagsToResource on a DB (cluster) snapshot (looked up by id when the artifact has no ARN). */
  tagDbSnapshot(region: string, snapshot: Pick<SnapshotArtifact, 'type' | 'id' | 'arn'>, tags: Tags): Promise<void>;
  /** RemoveTagsFromResource on a DB (cluster) snapshot. */
  untagDbSnapshot(
    region: string,
    snapshot: Pick<SnapshotArtifact, 'type' | 'id' | 'arn'>,
    keys: readonly string[],
  ): Promise<void>;
}

/** A KMS key as Strongbox checks it before a tenant may name it (DR copies, restored volumes). */
export interface KmsKeyInfo {
  readonly keyArn: string;
  readonly enabled: boolean;
  readonly tags: Tags;
}

export interface KmsResources {
  /** DescribeKey + ListResourceTags in the region; an alias name (`alias/…`) resolves to its key. Missing → undefined. */
  describeKey(region: string, keyId: string): Promise<KmsKeyInfo | undefined>;
}

export interface CloudResources {
  readonly ec2: Ec2Resources;
  readonly rds: RdsResources;
  readonly kms: KmsResources;
}
