import { recordArchived } from '../../domain/backup-retention';
import { isStrongboxError } from '../../domain/errors';
import { isArchivable } from '../../domain/retention/archive';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { Clock } from '../../ports/runtime';
import type { Pace } from './delete-backup';

export interface ArchiveBackupDeps {
  readonly catalog: Pick<Catalog, 'backups'>;
  readonly cloud: CloudResources;
  readonly clock: Clock;
  readonly paceEc2: Pace;
}

export type ArchiveOutcome =
  | { readonly outcome: 'archived'; readonly backupId: string }
  | { readonly outcome: 'skipped'; readonly backupId: string; readonly code: string; readonly message: string };

/**
 * Moves a kept EBS snapshot backup's snapshots to the archive tier (ModifySnapshotTier, paced like every EC2 call
 * that shares the token bucket), after re-reading it: still succeeded, archivable, not under legal hold. The record
 * then says which snapshots are archived; restores refuse archived snapshots with a clear 409.
 */
export async function archiveBackup(
  deps: ArchiveBackupDeps,
  input: { tenantId: string; backupId: string },
): Promise<ArchiveOutcome> {
  const fresh = await deps.catalog.backups.get(input.tenantId, input.backupId);
  if (!fresh || !isArchivable(fresh) || fresh.kind !== 'snapshot') {
    return { outcome: 'skipped', backupId: input.backupId, code: 'stale_state', message: 'no longer archivable' };
  }
  if (fresh.legalHold !== undefined) {
    return { outcome: 'skipped', backupId: input.backupId, code: 'legal_hold', message: 'under legal hold' };
  }
  const moved: string[] = [];
  try {
    for (const snapshot of fresh.snapshots ?? []) {
      if (snapshot.storageTier === 'archive') continue;
      await deps.paceEc2(() => deps.cloud.ec2.archiveSnapshot(snapshot.region, snapshot.id));
      moved.push(snapshot.id);
    }
  } catch (error) {
    if (moved.length > 0) await deps.catalog.backups.save(recordArchived(fresh, moved, deps.clock.now()), 'succeeded');
    const code = isStrongboxError(error) ? error.code : 'error';
    return { outcome: 'skipped', backupId: input.backupId, code, message: (error as Error).message };
  }
  await deps.catalog.backups.save(recordArchived(fresh, moved, deps.clock.now()), 'succeeded');
  return { outcome: 'archived', backupId: input.backupId };
}
