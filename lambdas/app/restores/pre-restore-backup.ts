import { newBackup } from '../../domain/backup';
import { DumpFailedError } from '../../domain/errors';
import type { Catalog } from '../../ports/catalog';
import type { IdGenerator } from '../../ports/runtime';
import { type RunBackupDeps, runBackup } from '../backups/run-backup';
import { getRestore, type RestoreContextDeps, requireDumpRestore } from './restore-context';

export interface PreRestoreBackupDeps extends Omit<RunBackupDeps, 'catalog'>, Omit<RestoreContextDeps, 'catalog'> {
  readonly catalog: Pick<Catalog, 'sources' | 'backups' | 'restores'>;
  readonly ids: IdGenerator;
}

/**
 * Before a restore replaces a database, that database is backed up (trigger `pre-restore`). The restore goes on
 * only if this backup succeeded; a retried step reuses the backup it already made.
 */
export async function preRestoreBackup(
  deps: PreRestoreBackupDeps,
  input: { tenantId: string; restoreId: string },
): Promise<{ backupId: string }> {
  const restore = requireDumpRestore(await getRestore(deps.catalog, input.tenantId, input.restoreId));
  let backupId = restore.preRestoreBackupId;
  if (backupId === undefined) {
    const backup = newBackup(
      {
        tenantId: restore.tenantId,
        id: deps.ids.next('backup'),
        sourceId: restore.target.sourceId,
        engine: restore.engine,
        trigger: 'pre-restore',
        restoreId: restore.id,
      },
      deps.clock.now(),
    );
    await deps.catalog.backups.save(backup, 'absent');
    await deps.catalog.restores.save({ ...restore, preRestoreBackupId: backup.id }, restore.status);
    backupId = backup.id;
  }
  const outcome = await runBackup(deps, { tenantId: restore.tenantId, backupId });
  if (outcome.status !== 'succeeded') {
    throw new DumpFailedError(
      `the pre-restore backup ${backupId} of ${restore.target.database} ${outcome.status}${outcome.error ? `: ${outcome.error.message}` : ''}; nothing was replaced`,
    );
  }
  return { backupId };
}
