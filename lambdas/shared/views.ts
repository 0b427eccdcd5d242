import type { Backup } from '../domain/backup';
import type { Restore } from '../domain/restore';

/**
 * What the API shows. Internal details (bucket keys, version ids, secret references, execution ARNs) stay inside;
 * tenants get ids, states, sizes, checksums and reasons.
 */
export function backupView(backup: Backup) {
  return {
    id: backup.id,
    sourceId: backup.sourceId,
    kind: backup.kind,
    engine: backup.engine,
    trigger: backup.trigger,
    status: backup.status,
    createdAt: backup.createdAt,
    startedAt: backup.startedAt ?? null,
    finishedAt: backup.finishedAt ?? null,
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
    verification: backup.verification ?? null,
    error: backup.error ?? null,
    ...(backup.restoreId ? { restoreId: backup.restoreId } : {}),
  };
}

export function restoreView(restore: Restore) {
  return {
    id: restore.id,
    backupId: restore.backupId,
    engine: restore.engine,
    target: restore.target,
    tables: restore.selection.tables,
    schemas: restore.selection.schemas,
    status: restore.status,
    requestedBy: restore.requestedBy,
    createdAt: restore.createdAt,
    startedAt: restore.startedAt ?? null,
    finishedAt: restore.finishedAt ?? null,
    preRestoreBackupId: restore.preRestoreBackupId ?? null,
    restoredTables: restore.restoredTables ?? null,
    restoredRows: restore.restoredRows ?? null,
    error: restore.error ?? null,
  };
}
