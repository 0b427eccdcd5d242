import { type BackupError, failBackup, type SnapshotBackup } from '../../domain/backup';
import { errorCodeForName } from '../../domain/errors';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import { type CaughtError, caughtMessage } from '../caught-error';

export interface FailSnapshotBackupDeps {
  readonly catalog: Pick<Catalog, 'backups'>;
  readonly clock: Clock;
}

export type { CaughtError } from '../caught-error';

export function describeCaught(caught: CaughtError | undefined): BackupError {
  const name = caught?.Error ?? 'Error';
  let message = caughtMessage(caught);
  if (name === 'States.Timeout') message = `a step of the snapshot backup timed out${message ? `: ${message}` : ''}`;
  return {
    code: errorCodeForName(name),
    message: (message || `the snapshot backup failed (${name})`).slice(0, 1000),
  };
}

/**
 * "Record backup failure": marks the backup and its unfinished DR copies failed with the caught error's message
 * (an RDS quota error keeps its explanation). Backups already finished are left alone; an unknown backup (bad input)
 * records nothing.
 */
export async function failSnapshotBackup(
  deps: FailSnapshotBackupDeps,
  input: { tenantId?: string | undefined; backupId?: string | undefined; error?: CaughtError | undefined },
): Promise<SnapshotBackup | undefined> {
  if (!input.tenantId || !input.backupId) return undefined;
  const backup = await deps.catalog.backups.get(input.tenantId, input.backupId);
  if (backup?.kind !== 'snapshot') return undefined;
  const error = describeCaught(input.error);
  const now = deps.clock.now();
  for (const id of backup.copies ?? []) {
    const copy = await deps.catalog.backups.get(input.tenantId, id);
    if (copy && (copy.status === 'pending' || copy.status === 'running')) {
      const reason = { code: error.code, message: `the backup this copies (${backup.id}) failed: ${error.message}` };
      await deps.catalog.backups.save(failBackup(copy, reason, now), copy.status);
    }
  }
  if (backup.status !== 'pending' && backup.status !== 'running') return backup;
  const failed = failBackup(backup, error, now);
  await deps.catalog.backups.save(failed, backup.status);
  return failed;
}
