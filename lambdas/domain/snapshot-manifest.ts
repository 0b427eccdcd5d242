import type { BackupTrigger, SnapshotBackup } from './backup';
import { ConflictError } from './errors';
import type { SnapshotArtifact, SnapshotType } from './snapshot';
import type { SnapshotSource, SnapshotSourceType } from './source';

/**
 * The manifest of a snapshot backup (native EBS / RDS snapshots). Like the dump manifest it is written once, last,
 * into the vault, and never rewritten; it carries what a restore needs without the catalog (snapshot ids, regions,
 * sizes, KMS keys, the volume → device map of an instance) and nothing secret. A DR copy has a manifest of its own
 * (`copyOf` names the backup it copies); the parent's manifest lists its copies too.
 */
export const SNAPSHOT_MANIFEST_SCHEMA_VERSION = 1;

export interface ManifestSnapshot {
  readonly type: SnapshotType;
  readonly id: string;
  readonly arn?: string;
  readonly region: string;
  readonly resourceId: string;
  readonly device?: string;
  readonly sizeGiB?: number;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly engine?: string;
  readonly engineVersion?: string;
}

export interface ManifestCopy {
  readonly backupId: string;
  readonly region: string;
  readonly snapshots: readonly ManifestSnapshot[];
}

export interface SnapshotManifest {
  readonly schemaVersion: typeof SNAPSHOT_MANIFEST_SCHEMA_VERSION;
  readonly kind: 'snapshot';
  readonly backupId: string;
  readonly tenantId: string;
  readonly trigger: BackupTrigger;
  /** For a DR copy: the backup it copies. */
  readonly copyOf?: string;
  readonly source: {
    readonly id: string;
    readonly name: string;
    readonly type: SnapshotSourceType;
    readonly region: string;
    readonly resourceId: string;
  };
  /** Region the snapshots of this backup live in (the source's region, or a DR region for a copy). */
  readonly region: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly snapshots: readonly ManifestSnapshot[];
  readonly copies: readonly ManifestCopy[];
}

function manifestSnapshot(snapshot: SnapshotArtifact): ManifestSnapshot {
  return {
    type: snapshot.type,
    id: snapshot.id,
    ...(snapshot.arn === undefined ? {} : { arn: snapshot.arn }),
    region: snapshot.region,
    resourceId: snapshot.resourceId,
    ...(snapshot.device === undefined ? {} : { device: snapshot.device }),
    ...(snapshot.sizeGiB === undefined ? {} : { sizeGiB: snapshot.sizeGiB }),
    encrypted: snapshot.encrypted,
    ...(snapshot.kmsKeyId === undefined ? {} : { kmsKeyId: snapshot.kmsKeyId }),
    ...(snapshot.engine === undefined ? {} : { engine: snapshot.engine }),
    ...(snapshot.engineVersion === undefined ? {} : { engineVersion: snapshot.engineVersion }),
  };
}

/** Every snapshot must have completed: a manifest is never written for something still pending or failed. */
function requireCompleted(backup: SnapshotBackup): readonly SnapshotArtifact[] {
  const snapshots = backup.snapshots ?? [];
  if (snapshots.length === 0) throw new ConflictError(`backup ${backup.id} has no snapshots`, 'invalid_state');
  const unfinished = snapshots.filter((snapshot) => snapshot.state !== 'completed');
  if (unfinished.length > 0) {
    throw new ConflictError(
      `backup ${backup.id}: snapshots not completed: ${unfinished.map((s) => `${s.id} (${s.state})`).join(', ')}`,
      'invalid_state',
    );
  }
  return snapshots;
}

export function buildSnapshotManifest(input: {
  readonly backup: SnapshotBackup;
  readonly source: SnapshotSource;
  readonly copies: readonly SnapshotBackup[];
  readonly finishedAt: Date;
}): SnapshotManifest {
  const { backup, source } = input;
  return {
    schemaVersion: SNAPSHOT_MANIFEST_SCHEMA_VERSION,
    kind: 'snapshot',
    backupId: backup.id,
    tenantId: backup.tenantId,
    trigger: backup.trigger,
    ...(backup.copyOf === undefined ? {} : { copyOf: backup.copyOf }),
    source: {
      id: source.id,
      name: source.name,
      type: source.type,
      region: source.region,
      resourceId: source.resourceId,
    },
    region: backup.region,
    startedAt: backup.startedAt ?? backup.createdAt,
    finishedAt: input.finishedAt.toISOString(),
    snapshots: requireCompleted(backup).map(manifestSnapshot),
    copies: input.copies.map((copy) => ({
      backupId: copy.id,
      region: copy.region,
      snapshots: requireCompleted(copy).map(manifestSnapshot),
    })),
  };
}

/** Records the snapshots a running backup has taken (or their latest state); only while it runs. */
export function recordSnapshots(backup: SnapshotBackup, snapshots: readonly SnapshotArtifact[]): SnapshotBackup {
  if (backup.status !== 'running') {
    throw new ConflictError(`backup ${backup.id} is ${backup.status}; cannot record snapshots`, 'invalid_state');
  }
  return { ...backup, snapshots };
}

/** Overall state of a set of snapshots: error if any failed, pending while any is pending, else completed. */
export function overallState(snapshots: readonly SnapshotArtifact[]): 'pending' | 'completed' | 'error' {
  if (snapshots.some((snapshot) => snapshot.state === 'error')) return 'error';
  if (snapshots.length === 0 || snapshots.some((snapshot) => snapshot.state === 'pending')) return 'pending';
  return 'completed';
}
