import { ResourceNotReadyError, RestoreTargetExistsError } from '../../domain/errors';
import type { DbRestore } from '../../domain/restore';
import { requireOwnedResource, TAGS } from '../../domain/snapshot';
import type { DbInstanceInfo } from '../../ports/cloud';
import {
  loadDbRestore,
  nextPoll,
  type PollOutcome,
  type RestorePoll,
  type RestoreStep,
  restoreTags,
  type SnapshotRestoreDeps,
  STARTED,
} from './snapshot-restore-context';

/**
 * The DB branch of the restore machine: "Restore DB instance" (from the snapshot, to a point in time of the source
 * instance, or a cluster from its snapshot plus its first instance) → "Check DB instance" until available, recording
 * the endpoint. Always a new identifier (validated before anything was created); a retried step that finds the
 * instance this restore created (tag `strongbox:restore`) goes on with it instead of restoring twice.
 */
type Deps = Pick<SnapshotRestoreDeps, 'catalog' | 'cloud'>;

/** RDS statuses from which a restored instance never becomes available on its own. */
const DEAD_STATUSES = [
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'inaccessible-encryption-credentials',
  'storage-full',
  'deleting',
];

function ours(restore: DbRestore, tags: Readonly<Record<string, string>> | undefined): boolean {
  return tags?.[TAGS.restore] === restore.id;
}

/** The source's subnet group and security groups, when it (still) exists and reports them. */
function placementOf(source: Pick<DbInstanceInfo, 'dbSubnetGroupName' | 'vpcSecurityGroupIds'> | undefined): {
  dbSubnetGroupName?: string;
  vpcSecurityGroupIds?: readonly string[];
} {
  return {
    ...(source?.dbSubnetGroupName === undefined ? {} : { dbSubnetGroupName: source.dbSubnetGroupName }),
    ...(source?.vpcSecurityGroupIds === undefined ? {} : { vpcSecurityGroupIds: source.vpcSecurityGroupIds }),
  };
}

/** "Restore DB instance". */
export async function restoreDb(deps: Deps, input: RestoreStep): Promise<PollOutcome> {
  const { restore, backup } = await loadDbRestore(deps, input);
  const region = backup.region;
  const { target } = restore;
  const snapshot = backup.snapshots?.[0];
  if (!snapshot) throw new ResourceNotReadyError(`backup ${backup.id} has no snapshot`);
  const tags = restoreTags(restore, { [TAGS.source]: backup.sourceId });
  const taken = (what: string, id: string) =>
    new RestoreTargetExistsError(`${what} ${id} was created by someone else after the restore was validated`);

  const existing = await deps.cloud.rds.describeDbInstance(region, target.dbInstanceIdentifier);
  if (existing) {
    if (ours(restore, existing.tags)) return STARTED;
    throw taken('DB instance', target.dbInstanceIdentifier);
  }
  const options = target.dbInstanceClass === undefined ? {} : { dbInstanceClass: target.dbInstanceClass };
  if (target.dbClusterIdentifier !== undefined) {
    const cluster = await deps.cloud.rds.describeDbCluster(region, target.dbClusterIdentifier);
    if (cluster && !ours(restore, cluster.tags)) throw taken('DB cluster', target.dbClusterIdentifier);
    const engine =
      cluster?.engine ||
      (snapshot.engine ?? (await deps.cloud.rds.describeDbClusterSnapshot(region, snapshot.id))?.engine ?? undefined);
    if (engine === undefined) throw new ResourceNotReadyError(`the engine of ${snapshot.id} is unknown`);
    if (!cluster) {
      // Into the source cluster's subnet group and security groups when it still exists. Otherwise the subnet group
      // is left unset (RDS then uses the default VPC): the snapshot's VPC alone does not name a subnet group.
      const source = await deps.cloud.rds.describeDbCluster(region, snapshot.resourceId);
      await deps.cloud.rds.restoreDbClusterFromSnapshot(region, {
        snapshotId: snapshot.id,
        engine,
        dbClusterIdentifier: target.dbClusterIdentifier,
        ...placementOf(source),
        tags,
      });
    }
    // A separate call: a retry after a throttled CreateDBInstance finds the cluster and creates only the instance.
    await deps.cloud.rds.createDbClusterInstance(region, {
      dbClusterIdentifier: target.dbClusterIdentifier,
      dbInstanceIdentifier: target.dbInstanceIdentifier,
      engine,
      ...options,
      tags,
    });
  } else if (target.pointInTime !== undefined) {
    // Checked again right before the change, like the volume branch: the tag may have been removed meanwhile.
    const source = await deps.cloud.rds.describeDbInstance(region, snapshot.resourceId);
    requireOwnedResource('rds-instance', snapshot.resourceId, source?.tags, restore.tenantId);
    await deps.cloud.rds.restoreDbInstanceToPointInTime(region, {
      sourceDbInstanceIdentifier: snapshot.resourceId,
      dbInstanceIdentifier: target.dbInstanceIdentifier,
      ...('restoreTime' in target.pointInTime
        ? { restoreTime: target.pointInTime.restoreTime }
        : { useLatestRestorableTime: true }),
      ...options,
      ...placementOf(source),
      tags,
    });
  } else {
    // As for clusters: the source instance's network when it still exists; else the subnet group is left unset.
    const source = await deps.cloud.rds.describeDbInstance(region, snapshot.resourceId);
    await deps.cloud.rds.restoreDbInstanceFromSnapshot(region, {
      snapshotId: snapshot.id,
      dbInstanceIdentifier: target.dbInstanceIdentifier,
      ...options,
      ...placementOf(source),
      tags,
    });
  }
  return STARTED;
}

/** "Check DB instance": done when the new instance is available; records the endpoint (the cluster's, for clusters). */
export async function checkDb(deps: Deps, input: RestorePoll): Promise<PollOutcome> {
  const { restore, backup } = await loadDbRestore(deps, input);
  const region = backup.region;
  const { dbInstanceIdentifier, dbClusterIdentifier } = restore.target;
  const instance: DbInstanceInfo | undefined = await deps.cloud.rds.describeDbInstance(region, dbInstanceIdentifier);
  if (!instance) throw new ResourceNotReadyError(`DB instance ${dbInstanceIdentifier} does not exist in ${region}`);
  if (DEAD_STATUSES.includes(instance.status)) {
    throw new ResourceNotReadyError(`DB instance ${dbInstanceIdentifier} is ${instance.status}`);
  }
  const available = instance.status === 'available';
  if (available) {
    const cluster =
      dbClusterIdentifier === undefined
        ? undefined
        : await deps.cloud.rds.describeDbCluster(region, dbClusterIdentifier);
    const endpoint = cluster?.endpoint ?? instance.endpoint;
    if (!endpoint) throw new ResourceNotReadyError(`DB instance ${dbInstanceIdentifier} is available without endpoint`);
    await deps.catalog.restores.save({ ...restore, endpoint }, 'running');
  }
  return nextPoll(input, available, `DB instance ${dbInstanceIdentifier}`);
}
