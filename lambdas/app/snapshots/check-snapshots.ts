import type { SnapshotBackup } from '../../domain/backup';
import { SnapshotFailedError } from '../../domain/errors';
import { countPoll, type PollBound, type PollOutcome } from '../../domain/polling';
import type { SnapshotArtifact } from '../../domain/snapshot';
import { overallState, recordSnapshots } from '../../domain/snapshot-manifest';
import type { CloudResources } from '../../ports/cloud';
import { missingVolumes, refindMissing } from './create-snapshots';
import { getSnapshotBackup, requireRunning } from './snapshot-context';
import type { SnapshotStepDeps } from './start-snapshot-backup';

export interface PollInput extends PollBound {
  readonly tenantId: string;
  readonly backupId: string;
}

export type { PollOutcome } from '../../domain/polling';

/**
 * "Check snapshots" / "Check copies": describes the snapshots and records their state. Done only when every one has
 * completed (a pending snapshot is never treated as usable); any in the provider's error state fails the backup
 * (SnapshotFailedError); still pending after `maxAttempts` polls fails it too, naming the bound.
 * `copies: true` checks the backup's DR copies (child backups, in their own regions) instead of its own snapshots.
 */
export async function checkSnapshots(
  deps: Pick<SnapshotStepDeps, 'catalog' | 'cloud'>,
  input: PollInput & { copies?: boolean },
): Promise<PollOutcome> {
  const parent = requireRunning(await getSnapshotBackup(deps.catalog, input.tenantId, input.backupId));
  const backups = input.copies
    ? await Promise.all((parent.copies ?? []).map((id) => getSnapshotBackup(deps.catalog, input.tenantId, id)))
    : [parent];
  const states: ('pending' | 'completed' | 'error')[] = [];
  const incomplete: string[] = [];
  for (const backup of backups) {
    // An instance backup found again only in part: look for the snapshots of the volumes still missing.
    const recorded = await refindMissing(deps.cloud, backup);
    const current = await describe(deps.cloud, { ...backup, snapshots: recorded });
    await deps.catalog.backups.save(recordSnapshots(requireRunning(backup), current), 'running');
    const missing = missingVolumes(backup, current);
    if (missing.length > 0) incomplete.push(...missing);
    const state = missing.length > 0 && overallState(current) === 'completed' ? 'pending' : overallState(current);
    if (state === 'error') {
      const failed = current.filter((snapshot) => snapshot.state === 'error');
      throw new SnapshotFailedError(
        `${input.copies ? `DR copy ${backup.id} in ${backup.region}` : `backup ${backup.id}`}: snapshot ` +
          `${failed.map((s) => `${s.id} is in state ${s.providerState ?? s.state}`).join(', ')}`,
      );
    }
    states.push(state);
  }
  const done = states.every((state) => state === 'completed');
  const { outcome, exhausted, minutes } = countPoll(input, done);
  if (exhausted && incomplete.length > 0) {
    throw new SnapshotFailedError(
      `backup ${input.backupId}: no snapshot of volume(s) ${incomplete.join(', ')} became visible within ` +
        `${input.maxAttempts} checks; the instance's snapshot set is incomplete, so the backup is not counted as succeeded`,
    );
  }
  if (exhausted) {
    throw new SnapshotFailedError(
      `${input.copies ? 'DR copies' : 'snapshots'} of backup ${input.backupId} did not complete within ` +
        `${input.maxAttempts} checks (about ${minutes} minutes); they may still complete, but the backup is not ` +
        'counted as succeeded',
    );
  }
  return outcome;
}

/** The latest state of a backup's recorded snapshots; facts recorded at creation (devices) are kept. */
async function describe(cloud: CloudResources, backup: SnapshotBackup): Promise<SnapshotArtifact[]> {
  const recorded = backup.snapshots ?? [];
  if (recorded.length === 0) throw new SnapshotFailedError(`backup ${backup.id} has no snapshots to check`);
  const current: SnapshotArtifact[] = [];
  if (recorded[0]?.type === 'ebs-snapshot') {
    const described = await cloud.ec2.describeSnapshots(
      backup.region,
      recorded.map((s) => s.id),
    );
    const byId = new Map(described.map((snapshot) => [snapshot.id, snapshot]));
    for (const snapshot of recorded) current.push(merge(snapshot, byId.get(snapshot.id)));
    return current;
  }
  for (const snapshot of recorded) {
    const described =
      snapshot.type === 'rds-snapshot'
        ? await cloud.rds.describeDbSnapshot(backup.region, snapshot.id)
        : await cloud.rds.describeDbClusterSnapshot(backup.region, snapshot.id);
    current.push(merge(snapshot, described));
  }
  return current;
}

/** A snapshot that vanished is an error (deleted behind Strongbox's back), not a pending one. */
function merge(recorded: SnapshotArtifact, described: SnapshotArtifact | undefined): SnapshotArtifact {
  if (!described) return { ...recorded, state: 'error', providerState: 'missing (deleted?)' };
  return {
    ...described,
    resourceId: recorded.resourceId,
    ...(recorded.device === undefined ? {} : { device: recorded.device }),
  };
}
