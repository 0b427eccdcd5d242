import { newSnapshotBackup, type SnapshotBackup, startBackup } from '../../domain/backup';
import { ConflictError } from '../../domain/errors';
import { rdsSnapshotIdentifier, type SnapshotArtifact, TAGS } from '../../domain/snapshot';
import { recordSnapshots } from '../../domain/snapshot-manifest';
import { type CopyRegion, sourceSettings } from '../../domain/source';
import type { IdGenerator } from '../../ports/runtime';
import { tagsFor } from './create-snapshots';
import { isRdsSourceType, requireRdsQuota } from './rds-quota';
import { requireOwnedKmsKey } from './resource-ownership';
import { loadSnapshotContext, requireRunning } from './snapshot-context';
import type { SnapshotStepDeps } from './start-snapshot-backup';

export interface CopySnapshotsDeps extends SnapshotStepDeps {
  readonly ids: IdGenerator;
}

/**
 * "Copy snapshots": one child backup per DR region frozen on the backup at Start (`copyOf` = this backup, same source and trigger,
 * its region the destination), each holding copies of every snapshot, encrypted with the region's key. Idempotent:
 * the child ids are recorded on the parent before anything is created, and a copy tagged with the child's backup id
 * and `strongbox:copy-of=<snapshot>` is found again instead of copied twice. For RDS the destination's manual
 * snapshot quota is checked first.
 */
export async function copySnapshots(
  deps: CopySnapshotsDeps,
  input: { tenantId: string; backupId: string },
): Promise<{ done: boolean; attempts: number; copies: readonly string[] }> {
  const { backup: loaded, source } = await loadSnapshotContext(deps.catalog, input.tenantId, input.backupId);
  let parent = requireRunning(loaded);
  // The regions frozen at Start (older backups: the source's settings); a settings change mid-run changes nothing.
  const regions = parent.copyRegions ?? sourceSettings(source).copyRegions;
  if (parent.copies === undefined) {
    const updated: SnapshotBackup = {
      ...parent,
      copyRegions: regions,
      copies: regions.map(() => deps.ids.next('backup')),
    };
    await deps.catalog.backups.save(updated, 'running');
    parent = updated;
  }
  const childIds = parent.copies ?? [];
  if (childIds.length !== regions.length) {
    throw new ConflictError(
      `backup ${parent.id} records ${childIds.length} DR copies for ${regions.length} copy regions; refusing to copy again`,
      'invalid_state',
    );
  }
  for (const [index, region] of regions.entries()) {
    const childId = childIds[index] as string;
    const child = await ensureChild(deps, parent, childId, region.region);
    if (child.status !== 'running') continue;
    if (region.kmsKeyId !== undefined) {
      // Re-checked before every copy: the key may have been retagged or disabled since the source was registered.
      await requireOwnedKmsKey(deps.cloud, {
        tenantId: parent.tenantId,
        region: region.region,
        keyId: region.kmsKeyId,
        path: `settings.copyRegions.${index}.kmsKeyId`,
      });
    }
    if (isRdsSourceType(source.type) && (child.snapshots ?? []).length === 0) {
      await requireRdsQuota(deps.cloud, region.region, 1, `the DR copy to ${region.region}`);
    }
    const copied: SnapshotArtifact[] = [];
    for (const snapshot of parent.snapshots ?? []) {
      copied.push({
        ...(await copyOne(deps, parent, child, snapshot, region)),
        resourceId: snapshot.resourceId,
        ...(snapshot.device === undefined ? {} : { device: snapshot.device }),
      });
    }
    await deps.catalog.backups.save(recordSnapshots(child, copied), 'running');
  }
  return { done: false, attempts: 0, copies: childIds };
}

async function ensureChild(
  deps: CopySnapshotsDeps,
  parent: SnapshotBackup,
  childId: string,
  region: string,
): Promise<SnapshotBackup> {
  let child = (await deps.catalog.backups.get(parent.tenantId, childId)) as SnapshotBackup | undefined;
  if (child === undefined) {
    const created = newSnapshotBackup(
      {
        tenantId: parent.tenantId,
        id: childId,
        sourceId: parent.sourceId,
        sourceType: parent.sourceType,
        region,
        trigger: parent.trigger,
        copyOf: parent.id,
        ...(parent.restoreId === undefined ? {} : { restoreId: parent.restoreId }),
      },
      deps.clock.now(),
    );
    await deps.catalog.backups.save(created, 'absent');
    child = created;
  }
  if (child.region !== region || child.copyOf !== parent.id) {
    throw new ConflictError(
      `DR copy ${childId} of backup ${parent.id} is in ${child.region}, not ${region}; refusing to copy into it`,
      'invalid_state',
    );
  }
  if (child.status === 'pending') {
    const started = startBackup(child, deps.clock.now());
    await deps.catalog.backups.save(started, 'pending');
    return started;
  }
  return child;
}

async function copyOne(
  deps: CopySnapshotsDeps,
  parent: SnapshotBackup,
  child: SnapshotBackup,
  snapshot: SnapshotArtifact,
  destination: CopyRegion,
): Promise<SnapshotArtifact> {
  const tags = { ...tagsFor(child), [TAGS.copyOf]: snapshot.id };
  const kms = destination.kmsKeyId === undefined ? {} : { kmsKeyId: destination.kmsKeyId };
  if (snapshot.type === 'ebs-snapshot') {
    const found = await deps.cloud.ec2.findSnapshots(destination.region, {
      [TAGS.backup]: child.id,
      [TAGS.copyOf]: snapshot.id,
    });
    if (found[0]) return found[0];
    return deps.cloud.ec2.copySnapshot({
      sourceRegion: parent.region,
      snapshotId: snapshot.id,
      destinationRegion: destination.region,
      description: `Strongbox DR copy ${child.id} of ${snapshot.id} (backup ${parent.id})`,
      tags,
      ...kms,
    });
  }
  const targetSnapshotId = rdsSnapshotIdentifier(child.id);
  const existing =
    snapshot.type === 'rds-snapshot'
      ? await deps.cloud.rds.describeDbSnapshot(destination.region, targetSnapshotId)
      : await deps.cloud.rds.describeDbClusterSnapshot(destination.region, targetSnapshotId);
  if (existing) return existing;
  return deps.cloud.rds.copyDbSnapshot({
    sourceRegion: parent.region,
    source: snapshot,
    destinationRegion: destination.region,
    targetSnapshotId,
    tags,
    ...kms,
  });
}
