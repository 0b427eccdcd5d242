import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type DumpBackup, recordVerification } from '../../domain/backup';
import { BackupNotRestorableError, ChecksumMismatchError } from '../../domain/errors';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { getBackup, requireDumpBackup } from './backup-queries';
import { readManifest } from './read-manifest';

export interface VerifyBackupDeps {
  readonly catalog: Pick<Catalog, 'backups'>;
  readonly vault: Vault;
  readonly clock: Clock;
}

export interface VerificationOutcome {
  readonly backup: DumpBackup;
  readonly ok: boolean;
  readonly detail: string;
}

async function sha256Of(body: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of body) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Re-reads the stored object as it is now (the current version, not the recorded one: an overwrite is exactly
 * what this must catch), recomputes its SHA-256 and compares it with the catalog and the manifest. The outcome
 * is recorded on the backup either way. The recorded version stays in the versioned vault, so a mismatch is
 * reported with the version ids an operator needs to recover.
 */
export async function verifyBackup(
  deps: VerifyBackupDeps,
  input: { tenantId: string; backupId: string },
): Promise<VerificationOutcome> {
  const backup = requireDumpBackup(await getBackup(deps.catalog, input.tenantId, input.backupId), 'verified');
  if (backup.status !== 'succeeded' || !backup.object || !backup.manifest || !backup.sha256) {
    throw new BackupNotRestorableError(
      `backup ${backup.id} is ${backup.status}; only succeeded backups can be verified`,
    );
  }
  const manifest = await readManifest(deps.vault, backup);
  const stored = await deps.vault.open(backup.object.key);
  const actual = await sha256Of(stored.body);

  const problems: string[] = [];
  if (manifest.object.sha256 !== backup.sha256) problems.push('the manifest and the catalog disagree on the SHA-256');
  if (actual.sha256 !== backup.sha256) {
    problems.push(
      `the stored object's SHA-256 is ${actual.sha256} (version ${stored.versionId ?? 'unversioned'}), not the recorded ${backup.sha256} (version ${backup.object.versionId ?? 'unversioned'})`,
    );
  }
  if (actual.bytes !== backup.storedBytes)
    problems.push(`the stored object has ${actual.bytes} bytes, not ${backup.storedBytes}`);

  const ok = problems.length === 0;
  const detail = ok ? `SHA-256 ${actual.sha256} matches (${actual.bytes} bytes)` : problems.join('; ');
  const verified = recordVerification(backup, { at: deps.clock.now().toISOString(), ok, detail });
  await deps.catalog.backups.save(verified, 'succeeded');
  return { backup: verified, ok, detail };
}

/** For restores: verification that refuses instead of reporting. */
export async function requireVerifiedBackup(
  deps: VerifyBackupDeps,
  input: { tenantId: string; backupId: string },
): Promise<DumpBackup> {
  const outcome = await verifyBackup(deps, input);
  if (!outcome.ok) throw new ChecksumMismatchError(`backup ${input.backupId} failed verification: ${outcome.detail}`);
  return outcome.backup;
}
