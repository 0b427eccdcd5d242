import { startBackup } from '../../domain/backup';
import type { SnapshotQuotaUsage } from '../../domain/snapshot';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { Clock } from '../../ports/runtime';
import { settingsOf } from '../policies/source-policies';
import { isRdsSourceType, requireRdsQuota } from './rds-quota';
import { requireOwnedCloudResource } from './resource-ownership';
import { loadSnapshotContext } from './snapshot-context';

export interface SnapshotStepDeps {
  readonly catalog: Pick<Catalog, 'backups' | 'sources' | 'policies'>;
  readonly cloud: CloudResources;
  readonly clock: Clock;
}

export interface StartedSnapshotBackup {
  readonly sourceType: string;
  readonly region: string;
  readonly copyRegions: number;
  /** RDS sources: the region's manual snapshot quota usage (for the metric). */
  readonly quota?: SnapshotQuotaUsage;
}

/**
 * "Start snapshot backup": re-checks ownership (the tag may have been removed since registration) and, for RDS, the
 * quota, then moves the backup from pending to running.
 */
export async function startSnapshotBackup(
  deps: SnapshotStepDeps,
  input: { tenantId: string; backupId: string },
): Promise<StartedSnapshotBackup> {
  const { backup, source } = await loadSnapshotContext(deps.catalog, input.tenantId, input.backupId);
  await requireOwnedCloudResource(deps.cloud, {
    tenantId: source.tenantId,
    type: source.type,
    region: source.region,
    resourceId: source.resourceId,
  });
  const quota = isRdsSourceType(source.type) ? await requireRdsQuota(deps.cloud, source.region, 1) : undefined;
  // A retried step finds the backup running and goes on; a failed or succeeded one is refused (ConflictError).
  // The copy regions are frozen on the backup here: the copy step reads them from the backup, never the source.
  // The source's own regions and those of the policies selecting it (domain/policy-settings.ts).
  const copyRegions = backup.copyRegions ?? (await settingsOf(deps.catalog, source)).settings.copyRegions;
  if (backup.status !== 'running') {
    await deps.catalog.backups.save({ ...startBackup(backup, deps.clock.now()), copyRegions }, 'pending');
  }
  return {
    sourceType: source.type,
    region: source.region,
    copyRegions: copyRegions.length,
    ...(quota === undefined ? {} : { quota }),
  };
}
