import type { Backup } from './backup';
import type { Restore } from './restore';
import type { RpoStatus } from './rpo';

/**
 * What Strongbox tells the world (docs/events.md): events on the deployment's EventBridge bus, source `strongbox`,
 * detail-type the event type, detail as built here — ids, states, times and error codes/messages (already redacted
 * by the domain), never a secret, a connection string or a task token.
 */
export const EVENT_SOURCE = 'strongbox';

export const EVENT_TYPES = [
  'BackupSucceeded',
  'BackupFailed',
  'BackupMissed',
  'RestoreAwaitingApproval',
  'RestoreSucceeded',
  'RestoreFailed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface StrongboxEvent {
  readonly type: EventType;
  readonly tenantId: string;
  /** When it happened (ISO-8601). */
  readonly time: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** BackupSucceeded / BackupFailed for a finished backup; undefined for any other state. */
export function backupEvent(backup: Backup): StrongboxEvent | undefined {
  if (backup.status !== 'succeeded' && backup.status !== 'failed') return undefined;
  const time = backup.finishedAt ?? backup.createdAt;
  return {
    type: backup.status === 'succeeded' ? 'BackupSucceeded' : 'BackupFailed',
    tenantId: backup.tenantId,
    time,
    detail: {
      tenantId: backup.tenantId,
      backupId: backup.id,
      sourceId: backup.sourceId,
      kind: backup.kind,
      trigger: backup.trigger,
      status: backup.status,
      createdAt: backup.createdAt,
      finishedAt: backup.finishedAt ?? null,
      ...(backup.kind === 'dump' && backup.storedBytes !== undefined ? { storedBytes: backup.storedBytes } : {}),
      ...(backup.kind === 'snapshot' ? { snapshots: (backup.snapshots ?? []).length } : {}),
      ...(backup.error ? { error: { code: backup.error.code, message: backup.error.message } } : {}),
    },
  };
}

/** RestoreAwaitingApproval / RestoreSucceeded / RestoreFailed; undefined for any other state. */
export function restoreEvent(restore: Restore, at: string): StrongboxEvent | undefined {
  const type: EventType | undefined =
    restore.status === 'pending_approval'
      ? 'RestoreAwaitingApproval'
      : restore.status === 'succeeded'
        ? 'RestoreSucceeded'
        : restore.status === 'failed'
          ? 'RestoreFailed'
          : undefined;
  if (!type) return undefined;
  return {
    type,
    tenantId: restore.tenantId,
    time: restore.finishedAt ?? at,
    detail: {
      tenantId: restore.tenantId,
      restoreId: restore.id,
      backupId: restore.backupId,
      kind: restore.kind,
      status: restore.status,
      requestedBy: restore.requestedBy,
      createdAt: restore.createdAt,
      finishedAt: restore.finishedAt ?? null,
      ...(restore.approval ? { approvalReason: restore.approval.reason } : {}),
      ...(restore.preRestoreBackupId ? { preRestoreBackupId: restore.preRestoreBackupId } : {}),
      ...(restore.error ? { error: { code: restore.error.code, message: restore.error.message } } : {}),
    },
  };
}

/** BackupMissed for a source that became missed (domain/rpo.ts). */
export function missedEvent(status: RpoStatus): StrongboxEvent {
  return {
    type: 'BackupMissed',
    tenantId: status.tenantId,
    time: status.missedSince ?? status.checkedAt,
    detail: {
      tenantId: status.tenantId,
      sourceId: status.sourceId,
      policyId: status.policyId,
      scheduleName: status.scheduleName,
      expectedAt: status.expectedAt,
      deadline: status.deadline,
      lastSuccessAt: status.lastSuccessAt ?? null,
    },
  };
}
