import { type Backup, type BackupTrigger, failBackup, newBackup } from '../../domain/backup';
import { ServiceUnavailableError } from '../../domain/errors';
import type { Catalog } from '../../ports/catalog';
import type { BackupJobs } from '../../ports/jobs';
import type { Clock, IdGenerator } from '../../ports/runtime';
import { getSource, requireDatabaseSource } from '../sources/source-queries';

export interface RequestBackupDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups'>;
  readonly jobs: Pick<BackupJobs, 'startDump'>;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

/** Records a pending backup and starts the dump worker; the caller polls the backup for its outcome. */
export async function requestBackup(
  deps: RequestBackupDeps,
  input: { tenantId: string; sourceId: string; trigger: BackupTrigger },
): Promise<Backup> {
  const source = requireDatabaseSource(await getSource(deps.catalog, input.tenantId, input.sourceId));
  const backup = newBackup(
    {
      tenantId: input.tenantId,
      id: deps.ids.next('backup'),
      sourceId: source.id,
      engine: source.type,
      trigger: input.trigger,
    },
    deps.clock.now(),
  );
  await deps.catalog.backups.save(backup, 'absent');
  try {
    await deps.jobs.startDump({ tenantId: backup.tenantId, backupId: backup.id });
  } catch (error) {
    const failed = failBackup(
      backup,
      { code: 'not_started', message: 'the dump worker could not be started' },
      deps.clock.now(),
    );
    await deps.catalog.backups.save(failed, 'pending');
    throw new ServiceUnavailableError('the dump worker could not be started; try again later', { cause: error });
  }
  return backup;
}
