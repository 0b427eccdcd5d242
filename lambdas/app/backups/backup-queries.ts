import { type Backup, type DumpBackup, isDumpBackup, isSnapshotBackup, type SnapshotBackup } from '../../domain/backup';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { BackupQuery, Catalog, Page } from '../../ports/catalog';
import { getSource } from '../sources/source-queries';

export async function getBackup(catalog: Pick<Catalog, 'backups'>, tenantId: string, id: string): Promise<Backup> {
  const backup = await catalog.backups.get(tenantId, id);
  if (!backup) throw new NotFoundError('backup', id);
  return backup;
}

/** A dump backup, or a 409 that says this operation needs one (snapshots have no vault object). */
export function requireDumpBackup(backup: Backup, action: string): DumpBackup {
  if (!isDumpBackup(backup)) {
    throw new ConflictError(
      `backup ${backup.id} is a snapshot backup; only dump backups can be ${action}`,
      'not_a_dump',
    );
  }
  return backup;
}

export function requireSnapshotBackup(backup: Backup): SnapshotBackup {
  if (!isSnapshotBackup(backup))
    throw new ConflictError(`backup ${backup.id} is not a snapshot backup`, 'invalid_state');
  return backup;
}

/** Newest first. Filtering by a source the tenant does not have is a 404, not an empty list. */
export async function listBackups(
  catalog: Pick<Catalog, 'backups' | 'sources'>,
  tenantId: string,
  query: BackupQuery,
): Promise<Page<Backup>> {
  if (query.sourceId !== undefined) await getSource(catalog, tenantId, query.sourceId);
  return catalog.backups.list(tenantId, query);
}
