import {
  CreateDBInstanceCommand,
  type RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { ValidationError } from '../../domain/errors';
import type { Tags } from '../../domain/snapshot';
import type { DbClusterInfo, DbInstanceInfo, RdsResources } from '../../ports/cloud';
import { cloudCall } from './cloud-errors';
import { dbClusterInfo, dbInstanceInfo, tagList } from './cloud-shapes';

/** The class of the instance created in a restored cluster when none is asked for. */
const DEFAULT_CLUSTER_INSTANCE_CLASS = 'db.t4g.medium';

/**
 * The restoring half of the RDS adapter (AwsRdsResources extends it): new DB instances from snapshots or a point in
 * time, and clusters with their instances, never publicly accessible, in the network they are given.
 */
export class AwsRdsRestores
  implements
    Pick<
      RdsResources,
      | 'restoreDbInstanceFromSnapshot'
      | 'restoreDbInstanceToPointInTime'
      | 'restoreDbClusterFromSnapshot'
      | 'createDbClusterInstance'
    >
{
  constructor(protected readonly rds: (region: string) => RDSClient) {}

  /** Without a class, RDS uses the class of the instance the snapshot was taken of (moto does the same). */
  async restoreDbInstanceFromSnapshot(
    region: string,
    input: {
      snapshotId: string;
      dbInstanceIdentifier: string;
      dbInstanceClass?: string;
      dbSubnetGroupName?: string;
      vpcSecurityGroupIds?: readonly string[];
      tags: Tags;
    },
  ): Promise<DbInstanceInfo> {
    const call = { action: 'RestoreDBInstanceFromDBSnapshot', region, ids: { dbSnapshot: input.snapshotId } };
    const out = await cloudCall(call, () =>
      this.rds(region).send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBSnapshotIdentifier: input.snapshotId,
          DBInstanceIdentifier: input.dbInstanceIdentifier,
          DBInstanceClass: input.dbInstanceClass,
          ...placement(input),
          Tags: tagList(input.tags),
        }),
      ),
    );
    return dbInstanceInfo(region, required(out.DBInstance, call.action));
  }

  /**
   * Either a restore time or the latest restorable time (the default). Without a class, RDS uses the source
   * instance's. moto 5.2.1 ignores RestoreTime (DESIGN.md §8): it copies the source as it is now.
   */
  async restoreDbInstanceToPointInTime(
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
  ): Promise<DbInstanceInfo> {
    const when = pointInTime(input.restoreTime, input.useLatestRestorableTime);
    const call = {
      action: 'RestoreDBInstanceToPointInTime',
      region,
      ids: { dbInstance: input.sourceDbInstanceIdentifier },
    };
    const out = await cloudCall(call, () =>
      this.rds(region).send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: input.sourceDbInstanceIdentifier,
          TargetDBInstanceIdentifier: input.dbInstanceIdentifier,
          ...when,
          DBInstanceClass: input.dbInstanceClass,
          ...placement(input),
          Tags: tagList(input.tags),
        }),
      ),
    );
    return dbInstanceInfo(region, required(out.DBInstance, call.action));
  }

  /**
   * RestoreDBClusterFromSnapshot (engine as given: the snapshot's), in the given subnet group / security groups. A
   * retry after it succeeded meets the cluster as ConflictError `resource_exists`: the caller describes what exists
   * before restoring again. The cluster's first instance is createDbClusterInstance.
   */
  async restoreDbClusterFromSnapshot(
    region: string,
    input: {
      snapshotId: string;
      engine: string;
      dbClusterIdentifier: string;
      dbSubnetGroupName?: string;
      vpcSecurityGroupIds?: readonly string[];
      tags: Tags;
    },
  ): Promise<DbClusterInfo> {
    const call = { action: 'RestoreDBClusterFromSnapshot', region, ids: { dbClusterSnapshot: input.snapshotId } };
    const restored = await cloudCall(call, () =>
      this.rds(region).send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: input.dbClusterIdentifier,
          SnapshotIdentifier: input.snapshotId,
          Engine: input.engine,
          DBSubnetGroupName: input.dbSubnetGroupName,
          VpcSecurityGroupIds: input.vpcSecurityGroupIds === undefined ? undefined : [...input.vpcSecurityGroupIds],
          Tags: tagList(input.tags),
        }),
      ),
    );
    return dbClusterInfo(region, required(restored.DBCluster, call.action));
  }

  /** CreateDBInstance in the cluster (its network is the cluster's), never publicly accessible. */
  async createDbClusterInstance(
    region: string,
    input: {
      dbClusterIdentifier: string;
      dbInstanceIdentifier: string;
      dbInstanceClass?: string;
      engine: string;
      tags: Tags;
    },
  ): Promise<DbInstanceInfo> {
    const call = { action: 'CreateDBInstance', region, ids: { dbCluster: input.dbClusterIdentifier } };
    const created = await cloudCall(call, () =>
      this.rds(region).send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: input.dbInstanceIdentifier,
          DBClusterIdentifier: input.dbClusterIdentifier,
          Engine: input.engine,
          DBInstanceClass: input.dbInstanceClass ?? DEFAULT_CLUSTER_INSTANCE_CLASS,
          PubliclyAccessible: false,
          Tags: tagList(input.tags),
        }),
      ),
    );
    return dbInstanceInfo(region, required(created.DBInstance, call.action));
  }
}

function pointInTime(restoreTime: string | undefined, useLatest: boolean | undefined) {
  if (restoreTime === undefined) return { UseLatestRestorableTime: true };
  const at = new Date(restoreTime);
  if (useLatest === true || Number.isNaN(at.getTime())) {
    const message = useLatest ? 'give a restore time or the latest restorable time, not both' : 'is not a date';
    throw new ValidationError(`point-in-time restore: ${message}`, [{ path: 'restoreTime', message }]);
  }
  return { RestoreTime: at };
}

/** A restored instance is never publicly accessible; it goes where the source was when that is known. */
function placement(input: { dbSubnetGroupName?: string; vpcSecurityGroupIds?: readonly string[] }) {
  return {
    PubliclyAccessible: false,
    DBSubnetGroupName: input.dbSubnetGroupName,
    VpcSecurityGroupIds: input.vpcSecurityGroupIds === undefined ? undefined : [...input.vpcSecurityGroupIds],
  };
}

export function required<T>(value: T | undefined, action: string): T {
  if (value === undefined) throw new Error(`${action} returned no resource description`);
  return value;
}
