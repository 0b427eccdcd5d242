import type { SnapshotBackup } from '../../domain/backup';
import { BackupNotRestorableError, RestoreTargetExistsError, ValidationError } from '../../domain/errors';
import type { DbRestoreTarget } from '../../domain/restore';
import { defaultRestoredDbIdentifier, requireOwnedResource, type SnapshotArtifact } from '../../domain/snapshot';
import { type RestoreTargetInput, requireOnlyFields, type SnapshotRestoreValidationDeps } from './restore-target-input';

const DB_INSTANCE_FIELDS = ['dbInstanceIdentifier', 'dbInstanceClass', 'pointInTime'] as const;
const DB_CLUSTER_FIELDS = ['dbInstanceIdentifier', 'dbClusterIdentifier', 'dbInstanceClass'] as const;

/** The first instance of a restored cluster: `<cluster>-1`, shortened to fit RDS's 63 characters. */
export function clusterInstanceIdentifier(clusterIdentifier: string): string {
  return `${clusterIdentifier.slice(0, 61).replace(/-+$/, '')}-1`;
}

function requireSnapshot(backup: SnapshotBackup): SnapshotArtifact {
  const snapshot = backup.snapshots?.[0];
  if (!snapshot) throw new BackupNotRestorableError(`backup ${backup.id} has no snapshot to restore`);
  return snapshot;
}

/**
 * A DB restore's target: always a new DB instance (or cluster + instance), named by the request or derived from the
 * source's identifier and the time. Refused before anything is created: an identifier already in use (409), a
 * snapshot that no longer exists, a restore time in the future or past the latest restorable time, point in time for
 * a source the tenant does not own (anymore).
 */
export async function validateDbTarget(
  deps: SnapshotRestoreValidationDeps,
  request: { tenantId: string; backup: SnapshotBackup; target: RestoreTargetInput; restoreId: string },
): Promise<DbRestoreTarget> {
  const { backup, target, tenantId, restoreId } = request;
  const cluster = backup.sourceType === 'rds-cluster';
  requireOnlyFields(target, cluster ? DB_CLUSTER_FIELDS : DB_INSTANCE_FIELDS, `an ${backup.sourceType} backup`);
  const snapshot = requireSnapshot(backup);
  const region = backup.region;
  const now = deps.clock.now();
  const options = target.dbInstanceClass === undefined ? {} : { dbInstanceClass: target.dbInstanceClass };

  if (cluster) {
    const dbClusterIdentifier =
      target.dbClusterIdentifier ?? defaultRestoredDbIdentifier(snapshot.resourceId, now, restoreId);
    const dbInstanceIdentifier = target.dbInstanceIdentifier ?? clusterInstanceIdentifier(dbClusterIdentifier);
    if (!(await deps.cloud.rds.describeDbClusterSnapshot(region, snapshot.id))) {
      throw new BackupNotRestorableError(`DB cluster snapshot ${snapshot.id} no longer exists in ${region}`);
    }
    if (await deps.cloud.rds.describeDbCluster(region, dbClusterIdentifier)) {
      throw exists('DB cluster', dbClusterIdentifier, region, 'target.dbClusterIdentifier');
    }
    if (await deps.cloud.rds.describeDbInstance(region, dbInstanceIdentifier)) {
      throw exists('DB instance', dbInstanceIdentifier, region, 'target.dbInstanceIdentifier');
    }
    return { dbInstanceIdentifier, dbClusterIdentifier, ...options };
  }

  const dbInstanceIdentifier =
    target.dbInstanceIdentifier ?? defaultRestoredDbIdentifier(snapshot.resourceId, now, restoreId);
  if (target.pointInTime) {
    const source = await deps.cloud.rds.describeDbInstance(region, snapshot.resourceId);
    requireOwnedResource('rds-instance', snapshot.resourceId, source?.tags, tenantId);
    if ('restoreTime' in target.pointInTime) {
      const at = new Date(target.pointInTime.restoreTime);
      const latest = source?.latestRestorableTime;
      if (at.getTime() > now.getTime()) {
        throw new ValidationError('the restore time is in the future', [
          { path: 'target.pointInTime.restoreTime', message: `must not be after ${now.toISOString()}` },
        ]);
      }
      if (latest !== undefined && at.getTime() > new Date(latest).getTime()) {
        throw new ValidationError(`${snapshot.resourceId} can be restored up to ${latest}`, [
          { path: 'target.pointInTime.restoreTime', message: `must not be after ${latest}` },
        ]);
      }
    }
  } else if (!(await deps.cloud.rds.describeDbSnapshot(region, snapshot.id))) {
    throw new BackupNotRestorableError(`DB snapshot ${snapshot.id} no longer exists in ${region}`);
  }
  if (await deps.cloud.rds.describeDbInstance(region, dbInstanceIdentifier)) {
    throw exists('DB instance', dbInstanceIdentifier, region, 'target.dbInstanceIdentifier');
  }
  return {
    dbInstanceIdentifier,
    ...options,
    ...(target.pointInTime === undefined ? {} : { pointInTime: target.pointInTime }),
  };
}

function exists(what: string, id: string, region: string, path: string): RestoreTargetExistsError {
  return new RestoreTargetExistsError(
    `${what} ${id} already exists in ${region}; restores always create a new one: choose another identifier`,
    { fields: [{ path, message: 'already exists' }] },
  );
}
