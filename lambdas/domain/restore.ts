import { ConflictError } from './errors';
import type { DatabaseEngine } from './source';

export const RESTORE_STATUSES = ['pending', 'running', 'succeeded', 'failed'] as const;
export type RestoreStatus = (typeof RESTORE_STATUSES)[number];

export interface RestoreTarget {
  /** Source whose server receives the restore (same engine as the backup). */
  readonly sourceId: string;
  readonly database: string;
  /** Replace an existing database; only after a pre-restore backup of it succeeded. */
  readonly replaceExisting: boolean;
}

export interface RestoreSelection {
  readonly tables: readonly string[];
  /** PostgreSQL only. */
  readonly schemas: readonly string[];
}

export interface Restore {
  readonly tenantId: string;
  readonly id: string;
  readonly backupId: string;
  readonly engine: DatabaseEngine;
  readonly target: RestoreTarget;
  readonly selection: RestoreSelection;
  readonly status: RestoreStatus;
  readonly requestedBy: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly executionArn?: string;
  readonly preRestoreBackupId?: string;
  /** True once Strongbox created the target database: a failed restore drops only what it created. */
  readonly createdTarget?: boolean;
  readonly restoredTables?: number;
  readonly restoredRows?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export function isSubset(selection: RestoreSelection): boolean {
  return selection.tables.length > 0 || selection.schemas.length > 0;
}

function requireStatus(restore: Restore, allowed: readonly RestoreStatus[], action: string): void {
  if (!allowed.includes(restore.status)) {
    throw new ConflictError(`restore ${restore.id} is ${restore.status}; cannot ${action}`, 'invalid_state');
  }
}

export function startRestore(restore: Restore, now: Date): Restore {
  requireStatus(restore, ['pending', 'running'], 'start it');
  return { ...restore, status: 'running', startedAt: restore.startedAt ?? now.toISOString() };
}

export function succeedRestore(restore: Restore, result: { tables: number; rows?: number }, now: Date): Restore {
  requireStatus(restore, ['running'], 'mark it succeeded');
  return {
    ...restore,
    status: 'succeeded',
    restoredTables: result.tables,
    ...(result.rows === undefined ? {} : { restoredRows: result.rows }),
    finishedAt: now.toISOString(),
  };
}

export function failRestore(restore: Restore, error: { code: string; message: string }, now: Date): Restore {
  requireStatus(restore, ['pending', 'running'], 'mark it failed');
  return { ...restore, status: 'failed', error, finishedAt: now.toISOString() };
}

export interface NewRestore {
  readonly tenantId: string;
  readonly id: string;
  readonly backupId: string;
  readonly engine: DatabaseEngine;
  readonly target: RestoreTarget;
  readonly selection: RestoreSelection;
  readonly requestedBy: string;
  readonly executionArn?: string;
}

export function newRestore(input: NewRestore, now: Date): Restore {
  return { ...input, status: 'pending', createdAt: now.toISOString() };
}

export function isFinished(restore: Restore): boolean {
  return restore.status === 'succeeded' || restore.status === 'failed';
}
