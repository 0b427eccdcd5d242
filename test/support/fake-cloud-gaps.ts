import { DeletionBlockedError, NotFoundError, SnapshotThrottledError } from '../../lambdas/domain/errors';
import type { SnapshotArtifact, SnapshotQuotaUsage } from '../../lambdas/domain/snapshot';
import type { CloudResources, Ec2Resources, RdsResources } from '../../lambdas/ports/cloud';

/**
 * Emulator gaps (DESIGN.md §8: moto completes snapshots at once, never throttles, has no snapshot lock and no
 * ModifySnapshotTier), played around ANY CloudResources (moto's adapter or the fake): snapshots stay `pending` for
 * the first `pendingPolls` describes and then complete or go to `error`; the first `throttleCreates` create/copy
 * calls fail with SnapshotThrottledError (as RequestLimitExceeded / SnapshotCreationPerVolumeRateExceeded would)
 * without creating anything; the first `failAfterCreate` ones create and then fail (the response was lost), so a
 * retry must find what was created. For retention: the first `throttleDeletes` deletes are throttled, snapshots
 * named in `inUseSnapshots` / `lockedSnapshots` refuse deletion, and archiveSnapshot always runs in memory.
 */
export interface GapOptions {
  readonly pendingPolls?: number;
  readonly finalState?: 'completed' | 'error';
  readonly throttleCreates?: number;
  /** The first N create/copy calls take effect and then fail (a lost response / timeout after the call). */
  readonly failAfterCreate?: number;
  /** What manualSnapshotUsage reports (moto's quota cannot be filled cheaply). */
  readonly quota?: SnapshotQuotaUsage;
  /**
   * The first N snapshot deletes (EC2 DeleteSnapshot and RDS DeleteDBSnapshot / DeleteDBClusterSnapshot, counted
   * together) fail with SnapshotThrottledError without deleting anything (RequestLimitExceeded / Throttling).
   */
  readonly throttleDeletes?: number;
  /**
   * EBS snapshot ids whose DeleteSnapshot fails with DeletionBlockedError('in_use'), as for a snapshot backing a
   * registered AMI (moto enforces that only for the snapshot it creates for an AMI itself, never for one named in
   * RegisterImage's block device mappings).
   */
  readonly inUseSnapshots?: readonly string[];
  /** EBS snapshot ids under an EBS snapshot lock (moto has no LockSnapshot): DeletionBlockedError('locked'). */
  readonly lockedSnapshots?: readonly string[];
}

export interface GapCounts {
  describes: number;
  /** Create/copy calls refused by `throttleCreates`. */
  throttled: number;
  creates: number;
  lost: number;
  /** Delete calls refused by `throttleDeletes`. */
  deletesThrottled: number;
  /** Delete calls passed on to the wrapped cloud (whatever they answered). */
  deletes: number;
  /** archiveSnapshot calls that archived (in memory). */
  archives: number;
}

/**
 * The wrapped cloud, its counters, and `archived`: the EBS snapshot ids archiveSnapshot moved to the archive tier (in
 * memory: moto 5.2.1 lacks ModifySnapshotTier), each once, in order. Archived snapshots are then described and found
 * with `storageTier: 'archive'`.
 */
export function withEmulatorGaps(inner: CloudResources, options: GapOptions) {
  const counts: GapCounts = {
    describes: 0,
    throttled: 0,
    creates: 0,
    lost: 0,
    deletesThrottled: 0,
    deletes: 0,
    archives: 0,
  };
  const archived: string[] = [];
  const archivedKeys = new Set<string>();
  const pendingPolls = options.pendingPolls ?? 0;
  const tier = (snapshot: SnapshotArtifact): SnapshotArtifact =>
    archivedKeys.has(`${snapshot.region}/${snapshot.id}`) ? { ...snapshot, storageTier: 'archive' } : snapshot;
  const shape = (snapshot: SnapshotArtifact): SnapshotArtifact => {
    if (counts.describes <= pendingPolls) {
      return { ...snapshot, state: 'pending', providerState: 'pending', progress: '42%' };
    }
    if (options.finalState === 'error') return { ...snapshot, state: 'error', providerState: 'error' };
    return snapshot;
  };
  const throttle = async <T>(call: () => Promise<T>): Promise<T> => {
    if (counts.throttled < (options.throttleCreates ?? 0)) {
      counts.throttled += 1;
      throw new SnapshotThrottledError('Request limit exceeded. (RequestLimitExceeded)');
    }
    counts.creates += 1;
    const result = await call();
    if (counts.lost < (options.failAfterCreate ?? 0)) {
      counts.lost += 1;
      throw new SnapshotThrottledError('Request limit exceeded. (RequestLimitExceeded, after the call took effect)');
    }
    return result;
  };
  const deleting = async <T>(action: string, region: string, call: () => Promise<T>, ebsId?: string): Promise<T> => {
    if (counts.deletesThrottled < (options.throttleDeletes ?? 0)) {
      counts.deletesThrottled += 1;
      const code = ebsId === undefined ? 'Throttling' : 'RequestLimitExceeded';
      throw new SnapshotThrottledError(`${action} in ${region} was throttled (${code})`);
    }
    if (ebsId !== undefined && options.inUseSnapshots?.includes(ebsId)) {
      throw new DeletionBlockedError(
        `DeleteSnapshot in ${region}: The snapshot ${ebsId} is currently in use by ami-0123456789abcdef0`,
        'in_use',
      );
    }
    if (ebsId !== undefined && options.lockedSnapshots?.includes(ebsId)) {
      throw new DeletionBlockedError(`DeleteSnapshot in ${region}: snapshot ${ebsId} is locked`, 'locked');
    }
    counts.deletes += 1;
    return call();
  };
  const ec2: Ec2Resources = {
    describeVolume: (...args) => inner.ec2.describeVolume(...args),
    describeInstance: (...args) => inner.ec2.describeInstance(...args),
    findVolumes: (...args) => inner.ec2.findVolumes(...args),
    findSnapshots: async (...args) => (await inner.ec2.findSnapshots(...args)).map(tier),
    describeSnapshots: async (region, ids) => {
      counts.describes += 1;
      return (await inner.ec2.describeSnapshots(region, ids)).map(shape).map(tier);
    },
    snapshotVolume: (...args) => throttle(() => inner.ec2.snapshotVolume(...args)),
    snapshotInstance: (...args) => throttle(() => inner.ec2.snapshotInstance(...args)),
    copySnapshot: (...args) => throttle(() => inner.ec2.copySnapshot(...args)),
    createVolume: (...args) => inner.ec2.createVolume(...args),
    attachVolume: (...args) => inner.ec2.attachVolume(...args),
    detachVolume: (...args) => inner.ec2.detachVolume(...args),
    deleteSnapshot: (region, id) => deleting('DeleteSnapshot', region, () => inner.ec2.deleteSnapshot(region, id), id),
    tagSnapshots: (...args) => inner.ec2.tagSnapshots(...args),
    untagSnapshots: (...args) => inner.ec2.untagSnapshots(...args),
    archiveSnapshot: async (region, snapshotId) => {
      const [found] = await inner.ec2.describeSnapshots(region, [snapshotId]);
      if (found === undefined) throw new NotFoundError('EBS snapshot', snapshotId);
      counts.archives += 1;
      const key = `${region}/${snapshotId}`;
      if (!archivedKeys.has(key)) {
        archivedKeys.add(key);
        archived.push(snapshotId);
      }
    },
  };
  const rds: RdsResources = {
    describeDbInstance: (...args) => inner.rds.describeDbInstance(...args),
    describeDbCluster: (...args) => inner.rds.describeDbCluster(...args),
    manualSnapshotUsage: async (...args) => options.quota ?? inner.rds.manualSnapshotUsage(...args),
    findDbSnapshots: (...args) => inner.rds.findDbSnapshots(...args),
    describeDbSnapshot: async (...args) => {
      counts.describes += 1;
      const found = await inner.rds.describeDbSnapshot(...args);
      return found && shape(found);
    },
    describeDbClusterSnapshot: async (...args) => {
      counts.describes += 1;
      const found = await inner.rds.describeDbClusterSnapshot(...args);
      return found && shape(found);
    },
    snapshotDbInstance: (...args) => throttle(() => inner.rds.snapshotDbInstance(...args)),
    snapshotDbCluster: (...args) => throttle(() => inner.rds.snapshotDbCluster(...args)),
    copyDbSnapshot: (...args) => throttle(() => inner.rds.copyDbSnapshot(...args)),
    restoreDbInstanceFromSnapshot: (...args) => inner.rds.restoreDbInstanceFromSnapshot(...args),
    restoreDbInstanceToPointInTime: (...args) => inner.rds.restoreDbInstanceToPointInTime(...args),
    restoreDbClusterFromSnapshot: (...args) => inner.rds.restoreDbClusterFromSnapshot(...args),
    // Throttled like the create calls: a retry must create only what is missing (the cluster exists by then).
    createDbClusterInstance: (...args) => throttle(() => inner.rds.createDbClusterInstance(...args)),
    deleteDbSnapshot: (region, snapshot) =>
      deleting(snapshot.type === 'rds-cluster-snapshot' ? 'DeleteDBClusterSnapshot' : 'DeleteDBSnapshot', region, () =>
        inner.rds.deleteDbSnapshot(region, snapshot),
      ),
    tagDbSnapshot: (...args) => inner.rds.tagDbSnapshot(...args),
    untagDbSnapshot: (...args) => inner.rds.untagDbSnapshot(...args),
  };
  return { cloud: { ec2, rds, kms: inner.kms } satisfies CloudResources, counts, archived };
}
