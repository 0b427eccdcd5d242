import type { SnapshotBackup } from '../../domain/backup';
import { NotFoundError } from '../../domain/errors';
import { backupTags, rdsSnapshotIdentifier, type SnapshotArtifact, TAGS } from '../../domain/snapshot';
import { overallState, recordSnapshots } from '../../domain/snapshot-manifest';
import type { SnapshotSource } from '../../domain/source';
import type { CloudResources } from '../../ports/cloud';
import { loadSnapshotContext, requireRunning } from './snapshot-context';
import type { SnapshotStepDeps } from './start-snapshot-backup';

/**
 * "Create snapshots": takes the backup's snapshots, once. Idempotent: a retried step (after a throttling error, a
 * timeout, a crash after the create call) first looks for snapshots already tagged `strongbox:backup=<id>` and
 * records those instead of creating a second set. For an instance the volumes attached at creation are recorded as the
 * expected set: a set found again only in part is not done until every expected volume's snapshot is visible (the
 * check step keeps re-finding, within its bound). Throttling surfaces as SnapshotThrottledError, which the machine
 * retries with backoff.
 */
export async function createSnapshots(
  deps: SnapshotStepDeps,
  input: { tenantId: string; backupId: string },
): Promise<{ done: boolean; attempts: number; snapshots: number }> {
  const { backup: loaded, source } = await loadSnapshotContext(deps.catalog, input.tenantId, input.backupId);
  let backup = requireRunning(loaded);
  const existing = await findExisting(deps.cloud, source, backup);
  let snapshots: SnapshotArtifact[];
  if (existing !== undefined) {
    snapshots = existing;
    if (source.type === 'ec2-instance' && backup.expectedVolumes === undefined) {
      // Found again without a recorded set (a backup from before it was recorded): the attached volumes now.
      backup = { ...backup, expectedVolumes: await attachedVolumeIds(deps.cloud, source) };
    }
  } else {
    if (source.type === 'ec2-instance') {
      // Recorded before the create call: a retry that finds only part of the set (DescribeSnapshots is eventually
      // consistent) knows which volumes are still to appear.
      backup = { ...backup, expectedVolumes: await attachedVolumeIds(deps.cloud, source) };
      await deps.catalog.backups.save(backup, 'running');
    }
    snapshots = await create(deps.cloud, source, backup);
    // CreateSnapshots answers with the whole set it took: that is the set to expect.
    if (source.type === 'ec2-instance') backup = { ...backup, expectedVolumes: snapshots.map((s) => s.resourceId) };
  }
  const withDevices = await addDevices(deps.cloud, source, snapshots);
  await deps.catalog.backups.save(recordSnapshots(backup, withDevices), 'running');
  const complete = missingVolumes(backup, withDevices).length === 0;
  return {
    done: complete && overallState(withDevices) === 'completed',
    attempts: 0,
    snapshots: withDevices.length,
  };
}

/** Expected volumes (of an instance backup) without a snapshot among `snapshots`. */
export function missingVolumes(backup: SnapshotBackup, snapshots: readonly SnapshotArtifact[]): string[] {
  const have = new Set(snapshots.map((snapshot) => snapshot.resourceId));
  return (backup.expectedVolumes ?? []).filter((volumeId) => !have.has(volumeId));
}

/**
 * Re-finds an instance backup's snapshots by tag when some expected volume has none recorded yet (a retried create
 * found only part of the set). Returns the recorded snapshots plus any newly visible ones.
 */
export async function refindMissing(cloud: CloudResources, backup: SnapshotBackup): Promise<SnapshotArtifact[]> {
  const recorded = backup.snapshots ?? [];
  if (backup.sourceType !== 'ec2-instance' || missingVolumes(backup, recorded).length === 0) return [...recorded];
  const found = await cloud.ec2.findSnapshots(backup.region, {
    [TAGS.backup]: backup.id,
    [TAGS.tenant]: backup.tenantId,
  });
  const known = new Set(recorded.map((snapshot) => snapshot.id));
  const added: SnapshotArtifact[] = [];
  for (const snapshot of found.filter((candidate) => !known.has(candidate.id))) {
    if (snapshot.device !== undefined) {
      added.push(snapshot);
      continue;
    }
    // Found by tag, the snapshot lacks its device: the volume's attachment still says where it was.
    const volume = await cloud.ec2.describeVolume(backup.region, snapshot.resourceId);
    const device = volume?.attachments[0]?.device;
    added.push(device === undefined ? snapshot : { ...snapshot, device });
  }
  return [...recorded, ...added];
}

async function attachedVolumeIds(cloud: CloudResources, source: SnapshotSource): Promise<string[]> {
  const instance = await cloud.ec2.describeInstance(source.region, source.resourceId);
  if (!instance) throw new NotFoundError('EC2 instance', source.resourceId);
  return instance.volumes.map((volume) => volume.volumeId);
}

export function tagsFor(backup: SnapshotBackup): Record<string, string> {
  return backupTags({
    tenantId: backup.tenantId,
    sourceId: backup.sourceId,
    backupId: backup.id,
    trigger: backup.trigger,
  });
}

async function findExisting(
  cloud: CloudResources,
  source: SnapshotSource,
  backup: SnapshotBackup,
): Promise<SnapshotArtifact[] | undefined> {
  const byTag = { [TAGS.backup]: backup.id, [TAGS.tenant]: backup.tenantId };
  switch (source.type) {
    case 'ebs-volume':
    case 'ec2-instance': {
      const found = await cloud.ec2.findSnapshots(source.region, byTag);
      return found.length > 0 ? found : undefined;
    }
    case 'rds-instance':
    case 'rds-cluster': {
      const found = await cloud.rds.findDbSnapshots(source.region, byTag);
      if (found.length > 0) return found;
      // The identifier is derived from the backup id: a snapshot whose tagging failed is still found by name.
      const id = rdsSnapshotIdentifier(backup.id);
      const named =
        source.type === 'rds-instance'
          ? await cloud.rds.describeDbSnapshot(source.region, id)
          : await cloud.rds.describeDbClusterSnapshot(source.region, id);
      return named ? [named] : undefined;
    }
  }
}

async function create(cloud: CloudResources, source: SnapshotSource, backup: SnapshotBackup) {
  const tags = tagsFor(backup);
  const description = `Strongbox backup ${backup.id} of ${source.type} ${source.resourceId} (${backup.trigger})`;
  switch (source.type) {
    case 'ebs-volume':
      return [await cloud.ec2.snapshotVolume(source.region, source.resourceId, { description, tags })];
    case 'ec2-instance':
      return cloud.ec2.snapshotInstance(source.region, source.resourceId, { description, tags });
    case 'rds-instance':
      return [
        await cloud.rds.snapshotDbInstance(source.region, {
          dbInstanceIdentifier: source.resourceId,
          snapshotId: rdsSnapshotIdentifier(backup.id),
          tags,
        }),
      ];
    case 'rds-cluster':
      return [
        await cloud.rds.snapshotDbCluster(source.region, {
          dbClusterIdentifier: source.resourceId,
          snapshotId: rdsSnapshotIdentifier(backup.id),
          tags,
        }),
      ];
  }
}

/** Instance snapshots found again by tag may lack their device: take it from the instance's attachments. */
async function addDevices(
  cloud: CloudResources,
  source: SnapshotSource,
  snapshots: SnapshotArtifact[],
): Promise<SnapshotArtifact[]> {
  if (source.type !== 'ec2-instance' || snapshots.every((snapshot) => snapshot.device !== undefined)) return snapshots;
  const instance = await cloud.ec2.describeInstance(source.region, source.resourceId);
  if (!instance) throw new NotFoundError('EC2 instance', source.resourceId);
  const devices = new Map(instance.volumes.map((volume) => [volume.volumeId, volume.device]));
  return snapshots.map((snapshot) => {
    const device = snapshot.device ?? devices.get(snapshot.resourceId);
    return device === undefined ? snapshot : { ...snapshot, device };
  });
}
