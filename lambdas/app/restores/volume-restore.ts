import { ResourceNotReadyError, RestoreTargetExistsError } from '../../domain/errors';
import type { RestoredVolume, VolumeRestore } from '../../domain/restore';
import { TAGS } from '../../domain/snapshot';
import type { VolumeInfo } from '../../ports/cloud';
import {
  loadVolumeRestore,
  nextPoll,
  ownedInstance,
  type PollOutcome,
  type RestorePoll,
  type RestoreStep,
  restoreTags,
  type SnapshotRestoreDeps,
  STARTED,
} from './snapshot-restore-context';
import { deviceSlot, planVolumes, volumeAt } from './validate-snapshot-restore';

/**
 * The volume branch of the restore machine: "Create volumes" → "Check volumes" (until available) → "Attach volumes"
 * → "Check attachments" (until attached). Every step is idempotent: a volume is found again by its restore and
 * device tags before one is created (moto ignores ClientToken; AWS honours it too), and recorded on the restore as
 * soon as it exists, so a failure names every volume the restore created. Nothing is ever deleted.
 */
type Deps = Pick<SnapshotRestoreDeps, 'catalog' | 'cloud'>;

/** ClientToken of a restore's volume at a device: a retried CreateVolume returns the same volume (≤ 64 chars). */
export function volumeClientToken(restoreId: string, device: string): string {
  return `${restoreId}:${device}`.slice(0, 64);
}

async function save(deps: Deps, restore: VolumeRestore, volumes: readonly RestoredVolume[]): Promise<VolumeRestore> {
  const updated = { ...restore, volumes };
  await deps.catalog.restores.save(updated, 'running');
  return updated;
}

/** "Create volumes": one new volume per planned device, in the instance's availability zone, tagged. */
export async function createVolumes(deps: Deps, input: RestoreStep): Promise<PollOutcome> {
  const { restore: loaded, backup } = await loadVolumeRestore(deps, input);
  let restore = loaded;
  const instance = await ownedInstance(deps.cloud, restore, backup.region);
  const { target } = restore;
  for (const { device, snapshot } of planVolumes(backup, target)) {
    if ((restore.volumes ?? []).some((volume) => volume.device === device)) continue;
    const tags = restoreTags(restore, { [TAGS.device]: device });
    const [found] = (await deps.cloud.ec2.findVolumes(backup.region, tags)).filter(
      (volume) => volume.state !== 'deleting' && volume.state !== 'deleted',
    );
    const volume =
      found ??
      (await deps.cloud.ec2.createVolume(backup.region, {
        snapshotId: snapshot.id,
        availabilityZone: instance.availabilityZone,
        ...(target.volumeType === undefined ? {} : { volumeType: target.volumeType }),
        ...(target.iops === undefined ? {} : { iops: target.iops }),
        ...(target.throughput === undefined ? {} : { throughput: target.throughput }),
        ...(target.kmsKeyId === undefined ? {} : { kmsKeyId: target.kmsKeyId }),
        ...(target.sizeGiB === undefined ? {} : { sizeGiB: target.sizeGiB }),
        tags,
        clientToken: volumeClientToken(restore.id, device),
      }));
    restore = await save(deps, restore, [
      ...(restore.volumes ?? []),
      { device, volumeId: volume.volumeId, snapshotId: snapshot.id, state: volume.state },
    ]);
  }
  return STARTED;
}

async function describeAll(deps: Deps, restore: VolumeRestore, region: string): Promise<VolumeInfo[]> {
  const described: VolumeInfo[] = [];
  for (const volume of restore.volumes ?? []) {
    const info = await deps.cloud.ec2.describeVolume(region, volume.volumeId);
    if (!info) throw new ResourceNotReadyError(`volume ${volume.volumeId} created for ${volume.device} has vanished`);
    if (info.state === 'error') {
      throw new ResourceNotReadyError(`volume ${volume.volumeId} for ${volume.device} is in state error`);
    }
    described.push(info);
  }
  return described;
}

function withStates(restore: VolumeRestore, described: readonly VolumeInfo[]): RestoredVolume[] {
  return (restore.volumes ?? []).map((volume) => {
    const state = described.find((info) => info.volumeId === volume.volumeId)?.state;
    return state === undefined ? volume : { ...volume, state };
  });
}

function attachedHere(info: VolumeInfo, instanceId: string, device: string, states: readonly string[]): boolean {
  return info.attachments.some(
    (a) => a.instanceId === instanceId && deviceSlot(a.device) === deviceSlot(device) && states.includes(a.state),
  );
}

/** "Check volumes": done when every new volume is available (or already attached here, on a retried restore). */
export async function checkVolumes(deps: Deps, input: RestorePoll): Promise<PollOutcome> {
  const { restore, backup } = await loadVolumeRestore(deps, input);
  const described = await describeAll(deps, restore, backup.region);
  await save(deps, restore, withStates(restore, described));
  const done = described.every((info) => info.state === 'available' || info.state === 'in-use');
  return nextPoll(input, done, `volumes ${(restore.volumes ?? []).map((v) => v.volumeId).join(', ')}`);
}

/** "Attach volumes": attaches each new volume at its device (skipping those already attached there). */
export async function attachVolumes(deps: Deps, input: RestoreStep): Promise<PollOutcome> {
  const { restore, backup } = await loadVolumeRestore(deps, input);
  const instance = await ownedInstance(deps.cloud, restore, backup.region);
  const { instanceId } = restore.target;
  for (const volume of restore.volumes ?? []) {
    const info = await deps.cloud.ec2.describeVolume(backup.region, volume.volumeId);
    if (info && attachedHere(info, instanceId, volume.device, ['attaching', 'attached'])) continue;
    const occupant = volumeAt(instance, volume.device);
    if (occupant !== undefined && occupant !== volume.volumeId) {
      throw new RestoreTargetExistsError(
        `${volume.device} on ${instanceId} was taken by ${occupant} after the restore was validated; the new ` +
          `volume ${volume.volumeId} is kept, unattached`,
      );
    }
    await deps.cloud.ec2.attachVolume(backup.region, { volumeId: volume.volumeId, instanceId, device: volume.device });
  }
  return STARTED;
}

/** "Check attachments": done when every new volume is attached to the instance at its device. */
export async function checkAttached(deps: Deps, input: RestorePoll): Promise<PollOutcome> {
  const { restore, backup } = await loadVolumeRestore(deps, input);
  const described = await describeAll(deps, restore, backup.region);
  await save(deps, restore, withStates(restore, described));
  const done = (restore.volumes ?? []).every((volume) => {
    const info = described.find((candidate) => candidate.volumeId === volume.volumeId);
    return info !== undefined && attachedHere(info, restore.target.instanceId, volume.device, ['attached']);
  });
  return nextPoll(input, done, `attachments of ${(restore.volumes ?? []).map((v) => v.volumeId).join(', ')}`);
}
