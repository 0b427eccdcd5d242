import type { Backup } from '../../domain/backup';
import { BackupNotRestorableError } from '../../domain/errors';
import type { Catalog } from '../../ports/catalog';
import type { BackupJobs } from '../../ports/jobs';
import { getBackup, requireDumpBackup } from './backup-queries';

/** Starts a verification job; its outcome appears as the backup's `verification`. */
export async function requestVerify(
  deps: { catalog: Pick<Catalog, 'backups'>; jobs: Pick<BackupJobs, 'startVerify'> },
  input: { tenantId: string; backupId: string },
): Promise<Backup> {
  const backup = await getBackup(deps.catalog, input.tenantId, input.backupId);
  // Snapshots stay with EBS/RDS: there is no stored object to re-read, so the request is refused, not queued.
  requireDumpBackup(backup, 'verified by re-reading their stored object; snapshots stay with EBS/RDS');
  if (backup.status !== 'succeeded') {
    throw new BackupNotRestorableError(
      `backup ${backup.id} is ${backup.status}; only succeeded backups can be verified`,
    );
  }
  await deps.jobs.startVerify(input);
  return backup;
}
