import { type Backup, type BackupTrigger, failBackup, newBackup } from '../../domain/backup';
import { ServiceUnavailableError } from '../../domain/errors';
import { isSnapshotSource } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { BackupJobs, SnapshotBackupWorkflow } from '../../ports/jobs';
import type { Clock, IdGenerator } from '../../ports/runtime';
import { requestSnapshotBackup } from '../snapshots/request-snapshot-backup';
import { getSource, requireDatabaseSource } from '../sources/source-queries';

export interface RequestBackupDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups' | 'policies'>;
  readonly jobs: Pick<BackupJobs, 'startDump'>;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  /** For snapshot sources: the ownership and quota checks and the snapshot backup machine. */
  readonly cloud?: CloudResources;
  readonly snapshotWorkflow?: SnapshotBackupWorkflow;
}

/**
 * Records a pending backup and starts its work: the dump worker for a database, the snapshot backup machine for a
 * cloud resource. The caller polls the backup for its outcome.
 */
export async function requestBackup(
  deps: RequestBackupDeps,
  input: { tenantId: string; sourceId: string; trigger: BackupTrigger },
): Promise<Backup> {
  const found = await getSource(deps.catalog, input.tenantId, input.sourceId);
  if (isSnapshotSource(found)) {
    if (!deps.cloud || !deps.snapshotWorkflow) {
      throw new ServiceUnavailableError('snapshot backups are not available here');
    }
    return requestSnapshotBackup(
      {
        catalog: deps.catalog,
        cloud: deps.cloud,
        snapshotWorkflow: deps.snapshotWorkflow,
        ids: deps.ids,
        clock: deps.clock,
      },
      { source: found, trigger: input.trigger },
    );
  }
  const source = requireDatabaseSource(found);
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
