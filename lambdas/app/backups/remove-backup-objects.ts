import type { Backup } from '../../domain/backup';
import { backupKeys, manifestKey } from '../../domain/vault-layout';
import type { Vault } from '../../ports/vault';

/**
 * Removes every version of a backup's data and manifest, best effort: a failed or abandoned backup must leave
 * nothing in the vault that could pass for a backup.
 */
export async function removeBackupObjects(vault: Vault, backup: Backup): Promise<void> {
  if (backup.kind === 'snapshot') {
    await vault.removeAllVersions(manifestKey(backup.tenantId, backup.sourceId, backup.id)).catch(() => undefined);
    return;
  }
  const keys = backupKeys(backup);
  await Promise.allSettled([vault.removeAllVersions(keys.data), vault.removeAllVersions(keys.manifest)]);
}
