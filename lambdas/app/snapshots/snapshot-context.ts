import { isSnapshotBackup, type SnapshotBackup } from '../../domain/backup';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { SnapshotSource } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import { getSource, requireSnapshotSource } from '../sources/source-queries';

/** A snapshot backup and the source it belongs to, as every step of the machine loads them. */
export interface SnapshotContext {
  readonly backup: SnapshotBackup;
  readonly source: SnapshotSource;
}

export async function getSnapshotBackup(
  catalog: Pick<Catalog, 'backups'>,
  tenantId: string,
  backupId: string,
): Promise<SnapshotBackup> {
  const backup = await catalog.backups.get(tenantId, backupId);
  if (!backup) throw new NotFoundError('backup', backupId);
  if (!isSnapshotBackup(backup)) {
    throw new ConflictError(`backup ${backupId} is a ${backup.kind} backup, not a snapshot backup`, 'invalid_state');
  }
  return backup;
}

export async function loadSnapshotContext(
  catalog: Pick<Catalog, 'backups' | 'sources'>,
  tenantId: string,
  backupId: string,
): Promise<SnapshotContext> {
  const backup = await getSnapshotBackup(catalog, tenantId, backupId);
  const source = requireSnapshotSource(await getSource(catalog, tenantId, backup.sourceId));
  return { backup, source };
}

/** The backup must be running for a step to act on it (Start moved it from pending). */
export function requireRunning(backup: SnapshotBackup): SnapshotBackup {
  if (backup.status !== 'running') {
    throw new ConflictError(`backup ${backup.id} is ${backup.status}, not running`, 'invalid_state');
  }
  return backup;
}
