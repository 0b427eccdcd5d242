import { type BackupTrigger, failBackup, newSnapshotBackup, type SnapshotBackup } from '../../domain/backup';
import { ServiceUnavailableError } from '../../domain/errors';
import type { SnapshotSource } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { SnapshotBackupWorkflow } from '../../ports/jobs';
import type { Clock, IdGenerator } from '../../ports/runtime';
import { settingsOf } from '../policies/source-policies';
import { isRdsSourceType, requireRdsQuota } from './rds-quota';
import { requireOwnedCloudResource } from './resource-ownership';

export interface RequestSnapshotBackupDeps {
  readonly catalog: Pick<Catalog, 'backups' | 'policies'>;
  readonly cloud: CloudResources;
  readonly snapshotWorkflow: SnapshotBackupWorkflow;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

/**
 * Records a pending snapshot backup and starts the snapshot backup machine. Before anything is recorded: the
 * resource must still carry the tenant's tag, and for RDS the manual snapshot quota must have room in the source's
 * region and in every DR region (SnapshotQuotaExceededError, 409, says how full and what to do).
 * A source whose previous backup is still running may be backed up again (as for dumps): each backup is its own
 * snapshot set, tagged with its own backup id.
 */
export async function requestSnapshotBackup(
  deps: RequestSnapshotBackupDeps,
  input: { source: SnapshotSource; trigger: BackupTrigger; restoreId?: string },
): Promise<SnapshotBackup> {
  const { source } = input;
  await requireOwnedCloudResource(deps.cloud, {
    tenantId: source.tenantId,
    type: source.type,
    region: source.region,
    resourceId: source.resourceId,
  });
  if (isRdsSourceType(source.type)) {
    await requireRdsQuota(deps.cloud, source.region, 1);
    for (const copy of (await settingsOf(deps.catalog, source)).settings.copyRegions) {
      await requireRdsQuota(deps.cloud, copy.region, 1, `the DR copy to ${copy.region}`);
    }
  }
  const backup = newSnapshotBackup(
    {
      tenantId: source.tenantId,
      id: deps.ids.next('backup'),
      sourceId: source.id,
      sourceType: source.type,
      region: source.region,
      trigger: input.trigger,
      ...(input.restoreId === undefined ? {} : { restoreId: input.restoreId }),
    },
    deps.clock.now(),
  );
  await deps.catalog.backups.save(backup, 'absent');
  try {
    await deps.snapshotWorkflow.start({ tenantId: backup.tenantId, backupId: backup.id });
  } catch (error) {
    const failed = failBackup(
      backup,
      { code: 'not_started', message: 'the snapshot backup workflow could not be started' },
      deps.clock.now(),
    );
    await deps.catalog.backups.save(failed, 'pending');
    throw new ServiceUnavailableError('the snapshot backup workflow could not be started; try again later', {
      cause: error,
    });
  }
  return backup;
}
