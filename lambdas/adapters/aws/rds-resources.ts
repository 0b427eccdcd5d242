import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  type DBClusterSnapshot,
  type DBSnapshot,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { NotFoundError, ValidationError } from '../../domain/errors';
import type { SnapshotArtifact, SnapshotQuotaUsage, Tags } from '../../domain/snapshot';
import type { DbClusterInfo, DbInstanceInfo, RdsResources } from '../../ports/cloud';
import { cloudCall, describeCall, isUnsupportedOperation, translateCloudError } from './cloud-errors';
import {
  clusterSnapshotArtifact,
  dbClusterInfo,
  dbInstanceInfo,
  dbSnapshotArtifact,
  hasTags,
  requireTags,
  tagList,
  tagsOf,
} from './cloud-shapes';
import { AwsRdsRestores, required } from './rds-restores';
import { AwsRdsSnapshotAdmin } from './rds-snapshot-admin';

/** DescribeDBSnapshots / DescribeDBClusterSnapshots accept 20–100 records per page. */
const RDS_PAGE = 100;

export interface RdsResourcesOptions {
  /** Manual snapshots allowed per region, used when RDS cannot report its quota (see manualSnapshotUsage). */
  readonly manualSnapshotQuota: number;
}

/** RDS instances and clusters through the SDK, one client per region. */
export class AwsRdsResources extends AwsRdsRestores implements RdsResources {
  private readonly admin: AwsRdsSnapshotAdmin;

  constructor(
    rds: (region: string) => RDSClient,
    private readonly options: RdsResourcesOptions,
  ) {
    super(rds);
    this.admin = new AwsRdsSnapshotAdmin(rds, this);
  }

  async describeDbInstance(region: string, id: string): Promise<DbInstanceInfo | undefined> {
    const out = await describeCall({ action: 'DescribeDBInstances', region }, ['dbInstance'], () =>
      this.rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
    );
    const instance = out?.DBInstances?.[0];
    return instance === undefined ? undefined : dbInstanceInfo(region, instance);
  }

  async describeDbCluster(region: string, id: string): Promise<DbClusterInfo | undefined> {
    const out = await describeCall({ action: 'DescribeDBClusters', region }, ['dbCluster'], () =>
      this.rds(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })),
    );
    const cluster = out?.DBClusters?.[0];
    return cluster === undefined ? undefined : dbClusterInfo(region, cluster);
  }

  /**
   * RDS reports the quota itself (DescribeAccountAttributes, quota `ManualSnapshots`). Fallback, only when the
   * service does not implement that action (moto 5.2.1 does not) or reports no such quota: count the manual DB and
   * DB cluster snapshots in the region against the configured quota. Throttling, auth and other failures are not a
   * reason to guess: they propagate.
   */
  async manualSnapshotUsage(region: string): Promise<SnapshotQuotaUsage> {
    try {
      const out = await this.rds(region).send(new DescribeAccountAttributesCommand({}));
      const quota = out.AccountQuotas?.find((q) => q.AccountQuotaName === 'ManualSnapshots');
      if (quota?.Used !== undefined && quota.Max !== undefined) return { used: quota.Used, max: quota.Max };
    } catch (error) {
      if (!isUnsupportedOperation(error))
        throw translateCloudError(error, { action: 'DescribeAccountAttributes', region });
    }
    const { db, cluster } = await this.manualSnapshots(region);
    return { used: db.length + cluster.length, max: this.options.manualSnapshotQuota };
  }

  /** Manual snapshots only: moto (like AWS) keeps an automated snapshot per instance, which is never returned. */
  async findDbSnapshots(region: string, tags: Tags): Promise<SnapshotArtifact[]> {
    requireTags(tags, 'DB snapshots');
    const { db, cluster } = await this.manualSnapshots(region);
    const found: SnapshotArtifact[] = [];
    for (const s of db) {
      const own = s.TagList ?? (await this.tagsOfResource(region, s.DBSnapshotArn));
      if (hasTags(tagsOf(own), tags)) found.push(dbSnapshotArtifact(region, { ...s, TagList: own }));
    }
    for (const s of cluster) {
      const own = s.TagList ?? (await this.tagsOfResource(region, s.DBClusterSnapshotArn));
      if (hasTags(tagsOf(own), tags)) found.push(clusterSnapshotArtifact(region, { ...s, TagList: own }));
    }
    return found;
  }

  async describeDbSnapshot(region: string, snapshotId: string): Promise<SnapshotArtifact | undefined> {
    const out = await describeCall({ action: 'DescribeDBSnapshots', region }, ['dbSnapshot'], () =>
      this.rds(region).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId })),
    );
    const snapshot = out?.DBSnapshots?.[0];
    return snapshot === undefined ? undefined : dbSnapshotArtifact(region, snapshot);
  }

  async describeDbClusterSnapshot(region: string, snapshotId: string): Promise<SnapshotArtifact | undefined> {
    const out = await describeCall({ action: 'DescribeDBClusterSnapshots', region }, ['dbClusterSnapshot'], () =>
      this.rds(region).send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: snapshotId })),
    );
    const snapshot = out?.DBClusterSnapshots?.[0];
    return snapshot === undefined ? undefined : clusterSnapshotArtifact(region, snapshot);
  }

  async snapshotDbInstance(
    region: string,
    input: { dbInstanceIdentifier: string; snapshotId: string; tags: Tags },
  ): Promise<SnapshotArtifact> {
    const call = { action: 'CreateDBSnapshot', region, ids: { dbInstance: input.dbInstanceIdentifier } };
    const out = await cloudCall(call, () =>
      this.rds(region).send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: input.dbInstanceIdentifier,
          DBSnapshotIdentifier: input.snapshotId,
          Tags: tagList(input.tags),
        }),
      ),
    );
    return dbSnapshotArtifact(region, required(out.DBSnapshot, call.action));
  }

  async snapshotDbCluster(
    region: string,
    input: { dbClusterIdentifier: string; snapshotId: string; tags: Tags },
  ): Promise<SnapshotArtifact> {
    const call = { action: 'CreateDBClusterSnapshot', region, ids: { dbCluster: input.dbClusterIdentifier } };
    const out = await cloudCall(call, () =>
      this.rds(region).send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: input.dbClusterIdentifier,
          DBClusterSnapshotIdentifier: input.snapshotId,
          Tags: tagList(input.tags),
        }),
      ),
    );
    return clusterSnapshotArtifact(region, required(out.DBClusterSnapshot, call.action));
  }

  /** Sent to the destination region's client, naming the source by ARN (the SDK presigns the source request). */
  async copyDbSnapshot(input: {
    sourceRegion: string;
    source: SnapshotArtifact;
    destinationRegion: string;
    targetSnapshotId: string;
    kmsKeyId?: string;
    tags: Tags;
  }): Promise<SnapshotArtifact> {
    const { source, destinationRegion: region } = input;
    if (source.type === 'ebs-snapshot') throw new ValidationError(`${source.id} is an EBS snapshot, not a DB snapshot`);
    const cluster = source.type === 'rds-cluster-snapshot';
    const arn =
      source.arn ??
      (cluster
        ? await this.describeDbClusterSnapshot(input.sourceRegion, source.id)
        : await this.describeDbSnapshot(input.sourceRegion, source.id)
      )?.arn;
    if (arn === undefined) throw new NotFoundError(cluster ? 'RDS DB cluster snapshot' : 'RDS DB snapshot', source.id);
    const common = { SourceRegion: input.sourceRegion, KmsKeyId: input.kmsKeyId, Tags: tagList(input.tags) };
    const ids = cluster ? { dbClusterSnapshot: source.id } : { dbSnapshot: source.id };
    const call = { action: cluster ? 'CopyDBClusterSnapshot' : 'CopyDBSnapshot', region, ids };
    if (cluster) {
      const out = await cloudCall(call, () =>
        this.rds(region).send(
          new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: arn,
            TargetDBClusterSnapshotIdentifier: input.targetSnapshotId,
            ...common,
          }),
        ),
      );
      return clusterSnapshotArtifact(region, required(out.DBClusterSnapshot, call.action));
    }
    const out = await cloudCall(call, () =>
      this.rds(region).send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: arn,
          TargetDBSnapshotIdentifier: input.targetSnapshotId,
          ...common,
        }),
      ),
    );
    return dbSnapshotArtifact(region, required(out.DBSnapshot, call.action));
  }

  /* Retention (rds-snapshot-admin.ts): delete and legal-hold tags, by the artifact's type. */
  deleteDbSnapshot(region: string, snapshot: Pick<SnapshotArtifact, 'type' | 'id'>): Promise<'deleted' | 'gone'> {
    return this.admin.deleteDbSnapshot(region, snapshot);
  }

  tagDbSnapshot(region: string, snapshot: Pick<SnapshotArtifact, 'type' | 'id' | 'arn'>, tags: Tags): Promise<void> {
    return this.admin.tagDbSnapshot(region, snapshot, tags);
  }

  untagDbSnapshot(
    region: string,
    snapshot: Pick<SnapshotArtifact, 'type' | 'id' | 'arn'>,
    keys: readonly string[],
  ): Promise<void> {
    return this.admin.untagDbSnapshot(region, snapshot, keys);
  }

  /** Manual DB and DB cluster snapshots of the region (`SnapshotType: manual`, checked again on each record). */
  private async manualSnapshots(region: string): Promise<{ db: DBSnapshot[]; cluster: DBClusterSnapshot[] }> {
    const client = this.rds(region);
    const db: DBSnapshot[] = [];
    const cluster: DBClusterSnapshot[] = [];
    await cloudCall({ action: 'DescribeDBSnapshots', region }, async () => {
      const pages = paginateDescribeDBSnapshots({ client, pageSize: RDS_PAGE }, { SnapshotType: 'manual' });
      for await (const page of pages) db.push(...(page.DBSnapshots ?? []).filter((s) => s.SnapshotType === 'manual'));
    });
    await cloudCall({ action: 'DescribeDBClusterSnapshots', region }, async () => {
      const pages = paginateDescribeDBClusterSnapshots({ client, pageSize: RDS_PAGE }, { SnapshotType: 'manual' });
      for await (const page of pages) {
        cluster.push(...(page.DBClusterSnapshots ?? []).filter((s) => s.SnapshotType === 'manual'));
      }
    });
    return { db, cluster };
  }

  /** For snapshots described without their TagList. */
  private async tagsOfResource(region: string, arn: string | undefined) {
    if (arn === undefined) return [];
    const out = await cloudCall({ action: 'ListTagsForResource', region }, () =>
      this.rds(region).send(new ListTagsForResourceCommand({ ResourceName: arn })),
    );
    return out.TagList ?? [];
  }
}
