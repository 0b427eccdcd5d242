import type { Backup, DumpBackup, SnapshotBackup } from '../domain/backup';
import type { Restore } from '../domain/restore';

/**
 * What the API shows. Internal details (bucket keys, version ids, secret references, execution ARNs, task tokens)
 * stay inside; tenants get ids, states, sizes, checksums and reasons.
 */
function commonBackupView(backup: Backup) {
  return {
    id: backup.id,
    sourceId: backup.sourceId,
    kind: backup.kind,
    trigger: backup.trigger,
    status: backup.status,
    createdAt: backup.createdAt,
    startedAt: backup.startedAt ?? null,
    finishedAt: backup.finishedAt ?? null,
    verification: backup.verification ?? null,
    error: backup.error ?? null,
    ...(backup.restoreId ? { restoreId: backup.restoreId } : {}),
    legalHold: backup.legalHold ?? null,
    holdHistory: backup.holdHistory ?? [],
    retention: {
      deletion: backup.deletion ?? null,
      skipped: backup.retentionSkip ?? null,
      lockedUntil: backup.lockedUntil ?? null,
      deletedAt: backup.deletedAt ?? null,
      /** When the catalog drops this record (failed backups, tombstones of deleted ones). */
      expiresAt: backup.expiresAt === undefined ? null : new Date(backup.expiresAt * 1000).toISOString(),
    },
  };
}

function dumpBackupView(backup: DumpBackup) {
  return {
    ...commonBackupView(backup),
    engine: backup.engine,
    format: backup.format ?? null,
    compression: backup.compression ?? null,
    bytes: backup.storedBytes ?? null,
    rawBytes: backup.rawBytes ?? null,
    sha256: backup.sha256 ?? null,
    partCount: backup.partCount ?? null,
    manifest:
      backup.status === 'succeeded'
        ? {
            tables: backup.tableCount ?? null,
            rows: backup.rowCount ?? null,
            serverVersion: backup.serverVersion ?? null,
            toolVersion: backup.toolVersion ?? null,
          }
        : null,
  };
}

function snapshotBackupView(backup: SnapshotBackup) {
  return {
    ...commonBackupView(backup),
    sourceType: backup.sourceType,
    region: backup.region,
    sizeGiB: backup.sizeGiB ?? null,
    snapshots: (backup.snapshots ?? []).map((snapshot) => ({
      id: snapshot.id,
      type: snapshot.type,
      region: snapshot.region,
      resourceId: snapshot.resourceId,
      device: snapshot.device ?? null,
      sizeGiB: snapshot.sizeGiB ?? null,
      encrypted: snapshot.encrypted,
      state: snapshot.state,
      storageTier: snapshot.storageTier ?? 'standard',
    })),
    archivedAt: backup.archivedAt ?? null,
    copyOf: backup.copyOf ?? null,
    copies: backup.copies ?? [],
  };
}

export function backupView(backup: Backup) {
  return backup.kind === 'snapshot' ? snapshotBackupView(backup) : dumpBackupView(backup);
}

function commonRestoreView(restore: Restore) {
  return {
    id: restore.id,
    kind: restore.kind,
    backupId: restore.backupId,
    status: restore.status,
    requestedBy: restore.requestedBy,
    createdAt: restore.createdAt,
    startedAt: restore.startedAt ?? null,
    finishedAt: restore.finishedAt ?? null,
    approval: restore.approval
      ? {
          reason: restore.approval.reason,
          decision: restore.approval.decision ?? null,
          decidedBy: restore.approval.decidedBy ?? null,
          decidedAt: restore.approval.decidedAt ?? null,
          requestedAt: restore.approval.requestedAt ?? null,
        }
      : null,
    preRestoreBackupId: restore.preRestoreBackupId ?? null,
    error: restore.error ?? null,
  };
}

export function restoreView(restore: Restore) {
  switch (restore.kind) {
    case 'dump':
      return {
        ...commonRestoreView(restore),
        engine: restore.engine,
        target: restore.target,
        tables: restore.selection.tables,
        schemas: restore.selection.schemas,
        restoredTables: restore.restoredTables ?? null,
        restoredRows: restore.restoredRows ?? null,
      };
    case 'volume':
      return {
        ...commonRestoreView(restore),
        target: restore.target,
        volumes: restore.volumes ?? [],
        detachedVolumes: restore.detachedVolumes ?? [],
      };
    case 'db':
      return { ...commonRestoreView(restore), target: restore.target, endpoint: restore.endpoint ?? null };
  }
}
