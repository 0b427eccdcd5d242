import { newSnapshotBackup, type SnapshotBackup, startBackup, succeedSnapshotBackup } from '../../domain/backup';
import { isStrongboxError, ResourceNotReadyError, SnapshotFailedError } from '../../domain/errors';
import type { VolumeRestore } from '../../domain/restore';
import { backupTags, type SnapshotArtifact, TAGS } from '../../domain/snapshot';
import { buildSnapshotManifest, overallState, recordSnapshots } from '../../domain/snapshot-manifest';
import type { SnapshotSource } from '../../domain/source';
import { manifestKey } from '../../domain/vault-layout';
import { getSnapshotBackup } from '../snapshots/snapshot-context';
import {
  loadVolumeRestore,
  nextPoll,
  ownedInstance,
  type PollOutcome,
  type RestorePoll,
  type RestoreStep,
  type SnapshotRestoreDeps,
  STARTED,
} from './snapshot-restore-context';
import { planVolumes, volumeAt } from './validate-snapshot-restore';

/**
 * A replacing volume restore first saves what it replaces (non-negotiable 2): "Snapshot replaced volumes" takes a
 * pre-restore snapshot backup (trigger `pre-restore`) of every volume now at a planned device, "Check replaced
 * snapshots" waits for them to complete and records the backup (manifest, succeeded), then "Detach replaced volumes"
 * detaches them (never forced, never deleted) and "Check detached" waits until they are. Each step is idempotent.
 */

/** The volumes now attached at the devices the restore will use (none that the restore itself created). */
async function replacedVolumes(deps: SnapshotRestoreDeps, restore: VolumeRestore, backup: SnapshotBackup) {
  const instance = await ownedInstance(deps.cloud, restore, backup.region);
  const created = new Set((restore.volumes ?? []).map((volume) => volume.volumeId));
  return planVolumes(backup, restore.target).flatMap(({ device }) => {
    const volumeId = volumeAt(instance, device);
    return volumeId === undefined || created.has(volumeId) ? [] : [{ device, volumeId }];
  });
}

/** "Snapshot replaced volumes". */
export async function snapshotReplacedVolumes(deps: SnapshotRestoreDeps, input: RestoreStep): Promise<PollOutcome> {
  const { restore, backup } = await loadVolumeRestore(deps, input);
  const region = backup.region;
  let pre: SnapshotBackup;
  if (restore.preRestoreBackupId !== undefined) {
    pre = await getSnapshotBackup(deps.catalog, restore.tenantId, restore.preRestoreBackupId);
    if ((pre.snapshots ?? []).length > 0 || pre.status !== 'running') return STARTED;
  } else {
    const replaced = await replacedVolumes(deps, restore, backup);
    if (replaced.length === 0) return STARTED; // nothing attached at those devices: nothing to save
    const now = deps.clock.now();
    const created = newSnapshotBackup(
      {
        tenantId: restore.tenantId,
        id: deps.ids.next('backup'),
        sourceId: backup.sourceId,
        sourceType: backup.sourceType,
        region,
        trigger: 'pre-restore',
        restoreId: restore.id,
      },
      now,
    );
    pre = startBackup(created, now);
    await deps.catalog.backups.save(pre, 'absent');
    await deps.catalog.restores.save({ ...restore, preRestoreBackupId: pre.id }, 'running');
  }
  const tags = {
    ...backupTags({ tenantId: pre.tenantId, sourceId: pre.sourceId, backupId: pre.id, trigger: pre.trigger }),
    [TAGS.restore]: restore.id,
  };
  const existing = await deps.cloud.ec2.findSnapshots(region, { [TAGS.backup]: pre.id, [TAGS.tenant]: pre.tenantId });
  const snapshots: SnapshotArtifact[] = [...existing];
  for (const { device, volumeId } of await replacedVolumes(deps, restore, backup)) {
    const known = snapshots.findIndex((snapshot) => snapshot.resourceId === volumeId);
    if (known >= 0) {
      snapshots[known] = { ...(snapshots[known] as SnapshotArtifact), device };
      continue;
    }
    const description = `Strongbox pre-restore backup ${pre.id} of ${volumeId} (${device}) before restore ${restore.id}`;
    const taken = await deps.cloud.ec2.snapshotVolume(region, volumeId, {
      description,
      tags: { ...tags, [TAGS.device]: device },
    });
    snapshots.push({ ...taken, device });
  }
  await deps.catalog.backups.save(recordSnapshots(pre, snapshots), 'running');
  return STARTED;
}

/** "Check replaced snapshots": done when the pre-restore backup's snapshots completed and it is recorded. */
export async function checkReplacedSnapshots(deps: SnapshotRestoreDeps, input: RestorePoll): Promise<PollOutcome> {
  const { restore } = await loadVolumeRestore(deps, input);
  if (restore.preRestoreBackupId === undefined) return { done: true, attempts: input.attempts + 1 };
  const pre = await getSnapshotBackup(deps.catalog, restore.tenantId, restore.preRestoreBackupId);
  if (pre.status === 'succeeded') return { done: true, attempts: input.attempts + 1 };
  const recorded = pre.snapshots ?? [];
  const described = await deps.cloud.ec2.describeSnapshots(
    pre.region,
    recorded.map((s) => s.id),
  );
  const current = recorded.map((snapshot): SnapshotArtifact => {
    const found = described.find((candidate) => candidate.id === snapshot.id);
    if (!found) return { ...snapshot, state: 'error', providerState: 'missing (deleted?)' };
    return { ...found, resourceId: snapshot.resourceId, ...(snapshot.device ? { device: snapshot.device } : {}) };
  });
  const state = overallState(current);
  if (state === 'error') {
    throw new SnapshotFailedError(
      `the pre-restore snapshot of the replaced volume failed (${current.map((s) => `${s.id}: ${s.providerState ?? s.state}`).join(', ')}); nothing was replaced`,
    );
  }
  if (state !== 'completed') {
    await deps.catalog.backups.save(recordSnapshots(pre, current), 'running');
    try {
      return nextPoll(input, false, `pre-restore snapshots of backup ${pre.id}`);
    } catch (error) {
      throw new SnapshotFailedError(`${(error as Error).message}; nothing was replaced`);
    }
  }
  await recordPreRestoreBackup(deps, restore, recordSnapshots(pre, current));
  return { done: true, attempts: input.attempts + 1 };
}

/** Writes the pre-restore backup's manifest (create-once) and marks it succeeded. */
async function recordPreRestoreBackup(deps: SnapshotRestoreDeps, restore: VolumeRestore, pre: SnapshotBackup) {
  const registered = await deps.catalog.sources.get(pre.tenantId, pre.sourceId);
  const single = pre.sourceType === 'ebs-volume' ? pre.snapshots?.[0]?.resourceId : undefined;
  const source: SnapshotSource = {
    tenantId: pre.tenantId,
    id: pre.sourceId,
    name: registered?.name ?? `pre-restore of ${restore.target.instanceId}`,
    createdAt: registered?.createdAt ?? pre.createdAt,
    type: pre.sourceType,
    region: pre.region,
    resourceId: single ?? restore.target.instanceId,
  };
  const now = deps.clock.now();
  const manifest = buildSnapshotManifest({ backup: pre, source, copies: [], finishedAt: now });
  const key = manifestKey(pre.tenantId, pre.sourceId, pre.id);
  let stored: { key: string; versionId?: string };
  try {
    stored = { key, ...(await deps.vault.putJsonOnce(key, `${JSON.stringify(manifest, null, 2)}\n`)) };
  } catch (error) {
    const head = isStrongboxError(error) && error.code === 'object_exists' ? await deps.vault.head(key) : undefined;
    if (!head) throw error;
    stored = { key, ...(head.versionId === undefined ? {} : { versionId: head.versionId }) };
  }
  const done = succeedSnapshotBackup(pre, { snapshots: pre.snapshots ?? [], manifest: stored }, now);
  await deps.catalog.backups.save(done, 'running');
}

/** "Detach replaced volumes": records them on the restore first (so a failure names them), then detaches. */
export async function detachReplacedVolumes(deps: SnapshotRestoreDeps, input: RestoreStep): Promise<PollOutcome> {
  const { restore, backup } = await loadVolumeRestore(deps, input);
  const pre = restore.preRestoreBackupId
    ? await getSnapshotBackup(deps.catalog, restore.tenantId, restore.preRestoreBackupId)
    : undefined;
  const replaced = await replacedVolumes(deps, restore, backup);
  const saved = new Set((pre?.snapshots ?? []).map((snapshot) => snapshot.resourceId));
  const unsaved = replaced.filter((volume) => pre?.status !== 'succeeded' || !saved.has(volume.volumeId));
  if (unsaved.length > 0) {
    // Attached after the pre-restore backup was taken: never detach what has not been saved.
    throw new ResourceNotReadyError(
      `${unsaved.map((v) => `${v.volumeId} at ${v.device}`).join(', ')} has no completed pre-restore snapshot; nothing was detached`,
    );
  }
  const known = restore.detachedVolumes ?? [];
  const detached = [...known, ...replaced.filter((v) => !known.some((k) => k.volumeId === v.volumeId))];
  await deps.catalog.restores.save({ ...restore, detachedVolumes: detached }, 'running');
  for (const volume of replaced) {
    await deps.cloud.ec2.detachVolume(backup.region, {
      volumeId: volume.volumeId,
      instanceId: restore.target.instanceId,
    });
  }
  return STARTED;
}

/** "Check detached": done when no replaced volume is attached to the instance any more. */
export async function checkDetached(deps: SnapshotRestoreDeps, input: RestorePoll): Promise<PollOutcome> {
  const { restore, backup } = await loadVolumeRestore(deps, input);
  let done = true;
  for (const volume of restore.detachedVolumes ?? []) {
    const info = await deps.cloud.ec2.describeVolume(backup.region, volume.volumeId);
    const still = info?.attachments.some((a) => a.instanceId === restore.target.instanceId && a.state !== 'detached');
    if (still) done = false;
  }
  return nextPoll(input, done, `detaching ${(restore.detachedVolumes ?? []).map((v) => v.volumeId).join(', ')}`);
}
