import { ConflictError, ForbiddenError } from './errors';
import type { VolumeType } from './snapshot';
import type { DatabaseEngine } from './source';

export const RESTORE_STATUSES = ['pending', 'pending_approval', 'running', 'succeeded', 'failed'] as const;
export type RestoreStatus = (typeof RESTORE_STATUSES)[number];

/** A dump restored into a database (new by default) on a registered database source's server. */
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

/**
 * EBS snapshots restored as new volumes attached to an instance the tenant owns. For a volume backup `device` names
 * where the volume goes; an instance backup restores every volume to the device it was snapshotted at.
 */
export interface VolumeRestoreTarget {
  readonly instanceId: string;
  readonly device?: string;
  readonly volumeType?: VolumeType;
  readonly iops?: number;
  readonly throughput?: number;
  readonly kmsKeyId?: string;
  /** Size of the new volume; at least the snapshot's. */
  readonly sizeGiB?: number;
  /** Replace the volume now at the device: it is snapshotted first, then detached and kept (never deleted). */
  readonly replace: boolean;
}

/** An RDS snapshot (or the source's point in time) restored to a new DB instance or cluster. */
export interface DbRestoreTarget {
  /** The new DB instance (for clusters: the new cluster's first instance is named `<id>-1`). */
  readonly dbInstanceIdentifier: string;
  /** For cluster backups: the new cluster's identifier. */
  readonly dbClusterIdentifier?: string;
  readonly dbInstanceClass?: string;
  /** Point-in-time restore of the source instance instead of the snapshot. */
  readonly pointInTime?: { readonly restoreTime: string } | { readonly useLatestRestorableTime: true };
}

export interface Approval {
  /** `source-deleted`: the source whose settings would decide is gone, so approval is required to be safe. */
  readonly reason: 'source-settings' | 'policy-settings' | 'source-deleted' | 'replace';
  readonly decision?: 'approved' | 'rejected';
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  readonly comment?: string;
  /** When the machine started waiting. */
  readonly requestedAt?: string;
}

interface RestoreBase {
  readonly tenantId: string;
  readonly id: string;
  readonly backupId: string;
  readonly status: RestoreStatus;
  readonly requestedBy: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly executionArn?: string;
  /** Present when the restore must be approved before anything is created or changed. */
  readonly approval?: Approval;
  /** The Step Functions task token the approval resumes. Internal: never shown. */
  readonly approvalToken?: string;
  readonly preRestoreBackupId?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface DumpRestore extends RestoreBase {
  readonly kind: 'dump';
  readonly engine: DatabaseEngine;
  readonly target: RestoreTarget;
  readonly selection: RestoreSelection;
  /** True once Strongbox created the target database: a failed restore drops only what it created. */
  readonly createdTarget?: boolean;
  readonly restoredTables?: number;
  readonly restoredRows?: number;
}

export interface RestoredVolume {
  readonly device: string;
  readonly volumeId: string;
  readonly snapshotId: string;
  readonly state?: string;
}

export interface VolumeRestore extends RestoreBase {
  readonly kind: 'volume';
  readonly target: VolumeRestoreTarget;
  readonly volumes?: readonly RestoredVolume[];
  /** Volumes a replacing restore detached (kept, never deleted). */
  readonly detachedVolumes?: readonly { readonly device: string; readonly volumeId: string }[];
}

export interface DbRestore extends RestoreBase {
  readonly kind: 'db';
  readonly target: DbRestoreTarget;
  readonly endpoint?: { readonly address: string; readonly port: number };
}

export type Restore = DumpRestore | VolumeRestore | DbRestore;
export type RestoreKind = Restore['kind'];

export function isSubset(selection: RestoreSelection): boolean {
  return selection.tables.length > 0 || selection.schemas.length > 0;
}

function requireStatus(restore: Restore, allowed: readonly RestoreStatus[], action: string): void {
  if (!allowed.includes(restore.status)) {
    throw new ConflictError(`restore ${restore.id} is ${restore.status}; cannot ${action}`, 'invalid_state');
  }
}

export function startRestore<T extends Restore>(restore: T, now: Date): T {
  requireStatus(restore, ['pending', 'pending_approval', 'running'], 'start it');
  return { ...restore, status: 'running', startedAt: restore.startedAt ?? now.toISOString() };
}

export function succeedRestore(
  restore: DumpRestore,
  result: { tables: number; rows?: number },
  now: Date,
): DumpRestore {
  requireStatus(restore, ['running'], 'mark it succeeded');
  return {
    ...restore,
    status: 'succeeded',
    restoredTables: result.tables,
    ...(result.rows === undefined ? {} : { restoredRows: result.rows }),
    finishedAt: now.toISOString(),
  };
}

/** Volume and DB restores succeed with what they created already recorded on them. */
export function completeRestore<T extends VolumeRestore | DbRestore>(restore: T, now: Date): T {
  requireStatus(restore, ['running'], 'mark it succeeded');
  return { ...restore, status: 'succeeded', finishedAt: now.toISOString() };
}

export function failRestore<T extends Restore>(restore: T, error: { code: string; message: string }, now: Date): T {
  requireStatus(restore, ['pending', 'pending_approval', 'running'], 'mark it failed');
  const { approvalToken: _token, ...rest } = restore;
  return { ...rest, status: 'failed', error, finishedAt: now.toISOString() } as T;
}

/** The machine waits: the restore shows `pending_approval` and keeps the token the decision resumes. */
export function awaitApproval<T extends Restore>(restore: T, token: string, now: Date): T {
  requireStatus(restore, ['running', 'pending_approval'], 'wait for approval');
  if (!restore.approval) throw new ConflictError(`restore ${restore.id} needs no approval`, 'invalid_state');
  if (restore.approval.decision !== undefined) {
    // A retried "Await approval" must never undo a decision already given.
    throw new ConflictError(`restore ${restore.id} was already ${restore.approval.decision}`, 'invalid_state');
  }
  return {
    ...restore,
    status: 'pending_approval',
    approvalToken: token,
    approval: { ...restore.approval, requestedAt: now.toISOString() },
  };
}

/**
 * Four eyes: the approver is never the requester. Returns the decided restore (token removed) and the token to
 * resume the machine with.
 */
export function decideApproval<T extends Restore>(
  restore: T,
  decision: { by: string; approve: boolean; comment?: string },
  now: Date,
): { restore: T; token: string } {
  requireStatus(restore, ['pending_approval'], decision.approve ? 'approve it' : 'reject it');
  if (!restore.approval || !restore.approvalToken) {
    throw new ConflictError(`restore ${restore.id} is not waiting for approval`, 'invalid_state');
  }
  if (decision.by === restore.requestedBy) {
    throw new ForbiddenError('the approver must not be the requester of the restore (four eyes)');
  }
  const { approvalToken, ...rest } = restore;
  const approval: Approval = {
    ...restore.approval,
    decision: decision.approve ? 'approved' : 'rejected',
    decidedBy: decision.by,
    decidedAt: now.toISOString(),
    ...(decision.comment ? { comment: decision.comment } : {}),
  };
  return { restore: { ...rest, status: 'running', approval } as T, token: approvalToken };
}

interface NewRestoreBase {
  readonly tenantId: string;
  readonly id: string;
  readonly backupId: string;
  readonly requestedBy: string;
  readonly executionArn?: string;
  readonly approval?: Approval;
}

export type NewRestore =
  | (NewRestoreBase & {
      readonly kind: 'dump';
      readonly engine: DatabaseEngine;
      readonly target: RestoreTarget;
      readonly selection: RestoreSelection;
    })
  | (NewRestoreBase & { readonly kind: 'volume'; readonly target: VolumeRestoreTarget })
  | (NewRestoreBase & { readonly kind: 'db'; readonly target: DbRestoreTarget });

export function newRestore(input: NewRestore, now: Date): Restore {
  return { ...input, status: 'pending', createdAt: now.toISOString() } as Restore;
}

export function isFinished(restore: Restore): boolean {
  return restore.status === 'succeeded' || restore.status === 'failed';
}

export function isDumpRestore(restore: Restore): restore is DumpRestore {
  return restore.kind === 'dump';
}
