import { ConflictError } from '../../domain/errors';
import { downloadFileName } from '../../domain/vault-layout';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { getBackup, requireDumpBackup } from './backup-queries';

export interface DownloadLinkDeps {
  readonly catalog: Pick<Catalog, 'backups'>;
  readonly vault: Vault;
  readonly clock: Clock;
  /** At most 900 s (15 minutes). */
  readonly ttlSeconds: number;
}

export interface DownloadLink {
  readonly url: string;
  readonly expiresAt: string;
  readonly fileName: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly compression: string;
  readonly format: string;
}

/** A short-lived pre-signed URL for exactly the recorded version of a succeeded backup's data object. */
export async function getDownloadLink(
  deps: DownloadLinkDeps,
  input: { tenantId: string; backupId: string },
): Promise<DownloadLink> {
  const backup = requireDumpBackup(
    await getBackup(deps.catalog, input.tenantId, input.backupId),
    'downloaded (snapshots stay with EBS/RDS)',
  );
  if (
    backup.status !== 'succeeded' ||
    !backup.object ||
    !backup.sha256 ||
    !backup.format ||
    !backup.compression ||
    backup.storedBytes === undefined
  ) {
    throw new ConflictError(
      `backup ${backup.id} is ${backup.status}; only succeeded backups can be downloaded`,
      'backup_not_downloadable',
    );
  }
  const ttlSeconds = Math.min(deps.ttlSeconds, 900);
  const fileName = downloadFileName(backup.id, backup.format, backup.compression);
  const url = await deps.vault.presignDownload(backup.object.key, {
    expiresInSeconds: ttlSeconds,
    fileName,
    ...(backup.object.versionId ? { versionId: backup.object.versionId } : {}),
  });
  return {
    url,
    expiresAt: new Date(deps.clock.now().getTime() + ttlSeconds * 1000).toISOString(),
    fileName,
    sha256: backup.sha256,
    bytes: backup.storedBytes,
    compression: backup.compression,
    format: backup.format,
  };
}
