import type { Backup } from '../../domain/backup';
import { BackupNotRestorableError } from '../../domain/errors';
import type { Catalog } from '../../ports/catalog';
import type { BackupJobs } from '../../ports/jobs';
import { getBackup } from './backup-queries';

/** Starts a verification job; its outcome appears as the backup's `verification`. */
export async function requestVerify(
  deps: { catalog: Pick<Catalog, 'backups'>; jobs: Pick<BackupJobs, 'startVerify'> },
  input: { tenantId: string; backupId: string },
): Promise<Backup> {
  const backup = await getBackup(deps.catalog, input.tenantId, input.backupId);
  if (backup.status !== 'succeeded') {
    throw new BackupNotRestorableError(
      `backup ${backup.id} is ${backup.status}; only succeeded backups can be verified`,
    );
  }
  await deps.jobs.startVerify(input);
  return backup;
}
