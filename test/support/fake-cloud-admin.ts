import { NotFoundError, ValidationError } from '../../lambdas/domain/errors';
import type { SnapshotArtifact, SnapshotQuotaUsage, Tags } from '../../lambdas/domain/snapshot';
import type { Ec2Resources, RdsResources } from '../../lambdas/ports/cloud';

/**
 * The retention calls of the in-memory cloud (FakeCloud, fake-cloud.ts): delete, tag/untag and archive snapshots,
 * acting on the fake's own snapshot store. They behave like the AWS adapters: deleting what is not there is 'gone',
 * tagging a missing snapshot is NotFoundError, untagging one is a no-op, archiving sets `storageTier: 'archive'`.
 */
export interface StoredSnapshot {
  artifact: SnapshotArtifact;
  tags: Tags;
}

/** What of FakeCloud these calls act on (structural, so this file does not import fake-cloud.ts). */
export interface SnapshotStore {
  readonly snapshots: Map<string, StoredSnapshot>;
  readonly quota: Map<string, SnapshotQuotaUsage>;
  /** Every mutating call, in order. */
  readonly calls: string[];
}

type Ec2Admin = Pick<Ec2Resources, 'deleteSnapshot' | 'tagSnapshots' | 'untagSnapshots' | 'archiveSnapshot'>;
type RdsAdmin = Pick<RdsResources, 'deleteDbSnapshot' | 'tagDbSnapshot' | 'untagDbSnapshot'>;

const withoutKeys = (tags: Tags, keys: readonly string[]): Tags =>
  Object.fromEntries(Object.entries(tags).filter(([key]) => !keys.includes(key)));

function ebs(store: SnapshotStore, region: string, id: string): StoredSnapshot | undefined {
  const found = store.snapshots.get(`${region}/${id}`);
  return found?.artifact.type === 'ebs-snapshot' ? found : undefined;
}

export function fakeEc2Admin(store: SnapshotStore): Ec2Admin {
  return {
    deleteSnapshot: async (region, snapshotId) => {
      store.calls.push(`deleteSnapshot ${region} ${snapshotId}`);
      if (!ebs(store, region, snapshotId)) return 'gone';
      store.snapshots.delete(`${region}/${snapshotId}`);
      return 'deleted';
    },
    tagSnapshots: async (region, snapshotIds, tags) => {
      store.calls.push(`tagSnapshots ${region} ${snapshotIds.join(',')}`);
      const missing = snapshotIds.filter((id) => ebs(store, region, id) === undefined);
      if (missing.length > 0) throw new NotFoundError('EBS snapshot', missing.join(', '));
      for (const id of snapshotIds) {
        const stored = ebs(store, region, id) as StoredSnapshot;
        stored.tags = { ...stored.tags, ...tags };
      }
    },
    untagSnapshots: async (region, snapshotIds, keys) => {
      store.calls.push(`untagSnapshots ${region} ${snapshotIds.join(',')}`);
      for (const id of snapshotIds) {
        const stored = ebs(store, region, id);
        if (stored) stored.tags = withoutKeys(stored.tags, keys);
      }
    },
    archiveSnapshot: async (region, snapshotId) => {
      store.calls.push(`archiveSnapshot ${region} ${snapshotId}`);
      const stored = ebs(store, region, snapshotId);
      if (!stored) throw new NotFoundError('EBS snapshot', snapshotId);
      stored.artifact = { ...stored.artifact, storageTier: 'archive' };
    },
  };
}

function rdsKind(snapshot: Pick<SnapshotArtifact, 'type' | 'id'>): 'rds-snapshot' | 'rds-cluster-snapshot' {
  if (snapshot.type === 'ebs-snapshot')
    throw new ValidationError(`${snapshot.id} is an EBS snapshot, not a DB snapshot`);
  return snapshot.type;
}

export function fakeRdsAdmin(store: SnapshotStore): RdsAdmin {
  const find = (region: string, snapshot: Pick<SnapshotArtifact, 'type' | 'id'>) => {
    const found = store.snapshots.get(`${region}/${snapshot.id}`);
    return found?.artifact.type === rdsKind(snapshot) ? found : undefined;
  };
  const existing = (region: string, snapshot: Pick<SnapshotArtifact, 'type' | 'id'>) => {
    const found = find(region, snapshot);
    if (found) return found;
    const name = snapshot.type === 'rds-cluster-snapshot' ? 'RDS DB cluster snapshot' : 'RDS DB snapshot';
    throw new NotFoundError(name, snapshot.id);
  };
  return {
    deleteDbSnapshot: async (region, snapshot) => {
      store.calls.push(`deleteDbSnapshot ${region} ${snapshot.id}`);
      if (!find(region, snapshot)) return 'gone';
      store.snapshots.delete(`${region}/${snapshot.id}`);
      const usage = store.quota.get(region);
      if (usage && usage.used > 0) store.quota.set(region, { ...usage, used: usage.used - 1 });
      return 'deleted';
    },
    tagDbSnapshot: async (region, snapshot, tags) => {
      store.calls.push(`tagDbSnapshot ${region} ${snapshot.id}`);
      const stored = existing(region, snapshot);
      stored.tags = { ...stored.tags, ...tags };
    },
    untagDbSnapshot: async (region, snapshot, keys) => {
      store.calls.push(`untagDbSnapshot ${region} ${snapshot.id}`);
      const stored = existing(region, snapshot);
      stored.tags = withoutKeys(stored.tags, keys);
    },
  };
}
