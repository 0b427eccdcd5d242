import { ConflictError } from './errors';
import type { DatabaseEngine } from './source';

export const BACKUP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'deleted'] as const;
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

export interface Backup {
  readonly tenantId: string;
  readonly id: string;
  readonly sourceId: string;
  readonly kind: 'dump';
  readonly engine: DatabaseEngine;
  readonly trigger: BackupTrigger;
  readonly status: BackupStatus;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly format?: DumpFormat;
  readonly compression?: Compression;
  readonly object?: StoredObject;
  readonly manifest?: StoredObject;
  readonly rawBytes?: number;
  readonly storedBytes?: number;
  readonly sha256?: string;
  readonly partCount?: number;
  readonly partSize?: number;
  readonly tableCount?: number;
  readonly rowCount?: number;
  readonly serverVersion?: string;
  readonly toolVersion?: string;
  readonly verification?: Verification;
  readonly error?: BackupError;
  /** For pre-restore backups: the restore that asked for it. */
  readonly restoreId?: string;
}

export interface NewBackup {
  readonly tenantId: string;
  readonly id: string;
  readonly sourceId: string;
  readonly engine: DatabaseEngine;
  readonly trigger: BackupTrigger;
  readonly restoreId?: string;
}

export function newBackup(input: NewBackup, now: Date): Backup {
  return { ...input, kind: 'dump', status: 'pending', createdAt: now.toISOString() };
}

function requireStatus(backup: Backup, allowed: readonly BackupStatus[], action: string): void {
  if (!allowed.includes(backup.status)) {
    throw new ConflictError(`backup ${backup.id} is ${backup.status}; cannot ${action}`, 'invalid_state');
  }
}

export function startBackup(backup: Backup, now: Date): Backup {
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

export function succeedBackup(backup: Backup, dump: CompletedDump, now: Date): Backup {
  requireStatus(backup, ['running'], 'mark it succeeded');
  if (!/^[0-9a-f]{64}$/.test(dump.sha256))
    throw new ConflictError('a succeeded backup needs a SHA-256', 'invalid_state');
  if (dump.partCount < 1 || dump.storedBytes < 1) {
    throw new ConflictError('a succeeded backup needs a stored, non-empty object', 'invalid_state');
  }
  return { ...backup, ...dump, status: 'succeeded', finishedAt: now.toISOString() };
}

export function failBackup(backup: Backup, error: BackupError, now: Date): Backup {
  requireStatus(backup, ['pending', 'running'], 'mark it failed');
  const { object: _object, manifest: _manifest, ...rest } = backup;
  return { ...rest, status: 'failed', error, finishedAt: now.toISOString() };
}

export function recordVerification(backup: Backup, verification: Verification): Backup {
  requireStatus(backup, ['succeeded'], 'verify it');
  return { ...backup, verification };
}

export function isRestorable(backup: Backup): boolean {
  return backup.status === 'succeeded' && backup.object !== undefined && backup.sha256 !== undefined;
}
