import { type Backup, failBackup } from '../../domain/backup';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { removeBackupObjects } from './remove-backup-objects';

/**
 * The dump worker died without recording an outcome (Lambda timeout, crash, out of memory): Lambda's on-failure
 * destination lands here. A backup still pending or running is failed with the worker's error, and whatever the
 * worker left in the vault for it is removed. A backup that already finished is left alone.
 */
export async function abandonBackup(
  deps: { catalog: Pick<Catalog, 'backups'>; vault: Vault; clock: Clock },
  input: { tenantId: string; backupId: string; reason: string },
): Promise<Backup | undefined> {
  const backup = await deps.catalog.backups.get(input.tenantId, input.backupId);
  if (!backup || (backup.status !== 'pending' && backup.status !== 'running')) return backup;
  await removeBackupObjects(deps.vault, backup);
  const failed = failBackup(backup, { code: 'worker_failed', message: input.reason }, deps.clock.now());
  await deps.catalog.backups.save(failed, backup.status);
  return failed;
}
