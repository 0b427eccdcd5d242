import type { Backup } from '../../domain/backup';
import { BackupNotRestorableError } from '../../domain/errors';
import type { DumpManifest } from '../../domain/manifest';
import type { Vault } from '../../ports/vault';

/** The manifest of a succeeded backup, pinned to the version written at backup time. */
export async function readManifest(vault: Vault, backup: Backup): Promise<DumpManifest> {
  if (!backup.manifest) throw new BackupNotRestorableError(`backup ${backup.id} has no manifest`);
  const manifest = JSON.parse(await vault.getText(backup.manifest.key, backup.manifest.versionId)) as DumpManifest;
  if (manifest.backupId !== backup.id || manifest.tenantId !== backup.tenantId) {
    throw new BackupNotRestorableError(`the manifest of backup ${backup.id} belongs to another backup`);
  }
  return manifest;
}
