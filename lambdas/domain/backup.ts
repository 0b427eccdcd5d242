import { ConflictError } from './errors';
import type { SnapshotArtifact } from './snapshot';
import type { CopyRegion, DatabaseEngine, SnapshotSourceType } from './source';

/**
 * `deleting`: retention has started removing the backup's artifacts (a rerun finishes it); `deleted`: they are gone and
 * the record is a tombstone that expires (TOMBSTONE_TTL_DAYS).
 */
export const BACKUP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'deleting', 'deleted'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];
export const BACKUP_TRIGGERS = ['manual', 'scheduled', 'pre-restore', 'drill'] as const;
export type BackupTrigger = (typeof BACKUP_TRIGGERS)[number];
export type Compression = 'zstd';
export type DumpFormat = 'pg-custom' | 'mysql-sql';

export const DUMP_FORMATS: Record<DatabaseEngine, DumpFormat> = { postgres: 'pg-custom', mysql: 'mysql-sql' };
export const DEFAULT_COMPRESSION: Compression = 'zstd';

export interface StoredObject {
  readonly key: string;
  readonly versionId?: string;
}

export interface BackupError {
  readonly code: string;
  readonly message: string;
}

export interface Verification {
  readonly at: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** A legal hold: retention never deletes the backup while it is placed (S3 Object Lock legal hold / snapshot tag). */
export interface LegalHold {
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

/** The audit trail of holds on one backup (issue 6's audit log will carry these too). */
export interface HoldEvent {
  readonly action: 'placed' | 'released';
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

/** Why retention deleted a backup, or why it had to leave one it meant to delete. */
export interface RetentionNote {
  readonly runId: string;
  readonly at: string;
  readonly reasons: readonly string[];
  /** For a skip: `locked`, `legal_hold`, `in_use`, `stale_state`, `error`. */
  readonly code?: string;
}

/** Failed backups' catalog records expire this long after they finished (DynamoDB TTL on `expiresAt`). */
export const FAILED_RECORD_TTL_DAYS = 30;

const DAY_SECONDS = 86_400;

/** `expiresAt` as DynamoDB TTL wants it: epoch seconds. */
export function expiryAfterDays(from: Date, days: number): number {
  return Math.floor(from.getTime() / 1000) + days * DAY_SECONDS;
}

interface BackupBase {
  readonly tenantId: string;
  readonly id: string;
  readonly sourceId: string;
  readonly trigger: BackupTrigger;
  readonly status: BackupStatus;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly manifest?: StoredObject;
  readonly verification?: Verification;
  readonly error?: BackupError;
  /** For pre-restore backups: the restore that asked for it. */
  readonly restoreId?: string;
  readonly legalHold?: LegalHold;
  readonly holdHistory?: readonly HoldEvent[];
  /** Epoch seconds: the catalog drops the record then (failed records, tombstones). */
  readonly expiresAt?: number;
  /** Retention found an Object Lock retention on the vault objects until then (ISO-8601). */
  readonly lockedUntil?: string;
  /** Set by retention when it deleted the backup (status deleting/deleted). */
  readonly deletion?: RetentionNote;
  /** Set by retention when it meant to delete the backup and could not (the next run tries again). */
  readonly retentionSkip?: RetentionNote;
  readonly deletedAt?: string;
}

/** A logical dump (pg_dump / mysqldump) stored in the vault. */
export interface DumpBackup extends BackupBase {
  readonly kind: 'dump';
  readonly engine: DatabaseEngine;
  readonly format?: DumpFormat;
  readonly compression?: Compression;
  readonly object?: StoredObject;
  readonly rawBytes?: number;
  readonly storedBytes?: number;
  readonly sha256?: string;
  readonly partCount?: number;
  readonly partSize?: number;
  readonly tableCount?: number;
  readonly rowCount?: number;
  readonly serverVersion?: string;
  readonly toolVersion?: string;
}

/**
 * Native snapshots (EBS, RDS) taken by the snapshot backup machine. The data stays with the cloud provider; the
 * vault holds the manifest. A DR copy is a backup of its own, a child (`copyOf`) of the backup it copies.
 */
export interface SnapshotBackup extends BackupBase {
  readonly kind: 'snapshot';
  readonly sourceType: SnapshotSourceType;
  readonly region: string;
  readonly snapshots?: readonly SnapshotArtifact[];
  /** For a DR copy: the backup it is a copy of. */
  readonly copyOf?: string;
  /** For a backup with DR copies: their backup ids, one per entry of `copyRegions`, in the same order. */
  readonly copies?: readonly string[];
  /**
   * The source's DR copy regions (and keys) as they were when the backup started: frozen, so a settings change
   * mid-run neither duplicates nor misplaces copies. Absent on backups started before it was recorded.
   */
  readonly copyRegions?: readonly CopyRegion[];
  /** For an instance backup: the volume ids attached when its snapshot set was created (each needs a snapshot). */
  readonly expectedVolumes?: readonly string[];
  /** Sum of the snapshotted volumes' / storage sizes. */
  readonly sizeGiB?: number;
  /** When retention moved its EBS snapshots to the archive tier. */
  readonly archivedAt?: string;
}

export type Backup = DumpBackup | SnapshotBackup;

export function isDumpBackup(backup: Backup): backup is DumpBackup {
  return backup.kind === 'dump';
}

export function isSnapshotBackup(backup: Backup): backup is SnapshotBackup {
  return backup.kind === 'snapshot';
}

export interface NewBackup {
  readonly tenantId: string;
  readonly id: string;
  readonly sourceId: string;
  readonly engine: DatabaseEngine;
  readonly trigger: BackupTrigger;
  readonly restoreId?: string;
}

export function newBackup(input: NewBackup, now: Date): DumpBackup {
  return { ...input, kind: 'dump', status: 'pending', createdAt: now.toISOString() };
}

export interface NewSnapshotBackup {
  readonly tenantId: string;
  readonly id: string;
  readonly sourceId: string;
  readonly sourceType: SnapshotSourceType;
  readonly region: string;
  readonly trigger: BackupTrigger;
  readonly restoreId?: string;
  readonly copyOf?: string;
}

export function newSnapshotBackup(input: NewSnapshotBackup, now: Date): SnapshotBackup {
  return { ...input, kind: 'snapshot', status: 'pending', createdAt: now.toISOString() };
}

export function requireStatus(backup: Backup, allowed: readonly BackupStatus[], action: string): void {
  if (!allowed.includes(backup.status)) {
    throw new ConflictError(`backup ${backup.id} is ${backup.status}; cannot ${action}`, 'invalid_state');
  }
}

export function startBackup<T extends Backup>(backup: T, now: Date): T {
  requireStatus(backup, ['pending'], 'start it');
  return { ...backup, status: 'running', startedAt: now.toISOString() };
}

/** Everything that must be true of a dump before it may be called succeeded (DESIGN.md §4). */
export interface CompletedDump {
  readonly format: DumpFormat;
  readonly compression: Compression;
  readonly object: StoredObject;
  readonly manifest: StoredObject;
  readonly rawBytes: number;
  readonly storedBytes: number;
  readonly sha256: string;
  readonly partCount: number;
  readonly partSize: number;
  readonly tableCount: number;
  readonly rowCount?: number;
  readonly serverVersion: string;
  readonly toolVersion: string;
}

export function succeedBackup(backup: DumpBackup, dump: CompletedDump, now: Date): DumpBackup {
  requireStatus(backup, ['running'], 'mark it succeeded');
  if (!/^[0-9a-f]{64}$/.test(dump.sha256))
    throw new ConflictError('a succeeded backup needs a SHA-256', 'invalid_state');
  if (dump.partCount < 1 || dump.storedBytes < 1) {
    throw new ConflictError('a succeeded backup needs a stored, non-empty object', 'invalid_state');
  }
  return { ...backup, ...dump, status: 'succeeded', finishedAt: now.toISOString() };
}

export function failBackup<T extends Backup>(backup: T, error: BackupError, now: Date): T {
  requireStatus(backup, ['pending', 'running'], 'mark it failed');
  const { object: _object, manifest: _manifest, ...rest } = backup as T & { object?: StoredObject };
  return {
    ...rest,
    status: 'failed',
    error,
    finishedAt: now.toISOString(),
    expiresAt: expiryAfterDays(now, FAILED_RECORD_TTL_DAYS),
  } as T;
}

/** Everything that must be true of a snapshot backup before it may be called succeeded. */
export interface CompletedSnapshots {
  readonly snapshots: readonly SnapshotArtifact[];
  readonly manifest: StoredObject;
  readonly copies?: readonly string[];
}

export function succeedSnapshotBackup(backup: SnapshotBackup, done: CompletedSnapshots, now: Date): SnapshotBackup {
  requireStatus(backup, ['running'], 'mark it succeeded');
  if (done.snapshots.length === 0)
    throw new ConflictError('a succeeded snapshot backup needs snapshots', 'invalid_state');
  const unfinished = done.snapshots.filter((snapshot) => snapshot.state !== 'completed');
  if (unfinished.length > 0) {
    throw new ConflictError(
      `snapshots not completed: ${unfinished.map((snapshot) => `${snapshot.id} (${snapshot.state})`).join(', ')}`,
      'invalid_state',
    );
  }
  const sizeGiB = done.snapshots.reduce((sum, snapshot) => sum + (snapshot.sizeGiB ?? 0), 0);
  return {
    ...backup,
    snapshots: done.snapshots,
    manifest: done.manifest,
    ...(done.copies && done.copies.length > 0 ? { copies: done.copies } : {}),
    ...(sizeGiB > 0 ? { sizeGiB } : {}),
    status: 'succeeded',
    finishedAt: now.toISOString(),
  };
}

export function recordVerification(backup: DumpBackup, verification: Verification): DumpBackup {
  requireStatus(backup, ['succeeded'], 'verify it');
  return { ...backup, verification };
}

export function isRestorable(backup: Backup): boolean {
  if (backup.status !== 'succeeded') return false;
  if (backup.kind === 'snapshot') return (backup.snapshots ?? []).length > 0;
  return backup.object !== undefined && backup.sha256 !== undefined;
}
