import type { SnapshotBackup } from '../../domain/backup';
import {
  BackupNotRestorableError,
  type FieldIssue,
  RestoreTargetExistsError,
  ValidationError,
} from '../../domain/errors';
import type { VolumeRestoreTarget } from '../../domain/restore';
import {
  IOPS_VOLUME_TYPES,
  requireOwnedResource,
  type SnapshotArtifact,
  THROUGHPUT_VOLUME_TYPES,
  type VolumeType,
} from '../../domain/snapshot';
import type { InstanceInfo } from '../../ports/cloud';
import { requireOwnedKmsKey } from '../snapshots/resource-ownership';
import { type RestoreTargetInput, requireOnlyFields, type SnapshotRestoreValidationDeps } from './restore-target-input';

const VOLUME_FIELDS = [
  'instanceId',
  'region',
  'device',
  'volumeType',
  'iops',
  'throughput',
  'kmsKeyId',
  'sizeGiB',
  'replace',
] as const;
const INSTANCE_FIELDS = VOLUME_FIELDS.filter((field) => field !== 'device' && field !== 'sizeGiB');

/** One new volume of a volume restore: where it goes and what it is created from. */
export interface PlannedVolume {
  readonly device: string;
  readonly snapshot: SnapshotArtifact;
}

/**
 * Which snapshot goes to which device: a volume backup's one snapshot to the target's device; an instance backup's
 * snapshots each to the device it was taken at.
 */
export function planVolumes(backup: SnapshotBackup, target: Pick<VolumeRestoreTarget, 'device'>): PlannedVolume[] {
  const snapshots = backup.snapshots ?? [];
  if (backup.sourceType === 'ebs-volume') {
    const [snapshot] = snapshots;
    if (!snapshot || target.device === undefined) {
      throw new BackupNotRestorableError(`backup ${backup.id} has no snapshot to restore`);
    }
    return [{ device: target.device, snapshot }];
  }
  const missing = snapshots.filter((snapshot) => snapshot.device === undefined);
  if (snapshots.length === 0 || missing.length > 0) {
    throw new BackupNotRestorableError(
      `backup ${backup.id} does not record the device of snapshot(s) ${missing.map((s) => s.id).join(', ')}`,
    );
  }
  return snapshots.map((snapshot) => ({ device: snapshot.device as string, snapshot }));
}

/** /dev/sdf and /dev/xvdf name the same attachment slot. */
export function deviceSlot(device: string): string {
  return device.replace(/^\/dev\/xvd/, '/dev/sd');
}

/** The volume attached at a device slot of an instance, if any. */
export function volumeAt(instance: InstanceInfo, device: string): string | undefined {
  return instance.volumes.find((volume) => deviceSlot(volume.device) === deviceSlot(device))?.volumeId;
}

function requireVolumeOptions(target: RestoreTargetInput, volumeType: VolumeType): void {
  const problems: FieldIssue[] = [];
  if (target.iops !== undefined && !IOPS_VOLUME_TYPES.includes(volumeType)) {
    problems.push({ path: 'target.iops', message: `only for volume types ${IOPS_VOLUME_TYPES.join(', ')}` });
  }
  if (target.iops === undefined && (volumeType === 'io1' || volumeType === 'io2')) {
    problems.push({ path: 'target.iops', message: `required for ${volumeType} volumes` });
  }
  if (target.throughput !== undefined && !THROUGHPUT_VOLUME_TYPES.includes(volumeType)) {
    problems.push({
      path: 'target.throughput',
      message: `only for volume types ${THROUGHPUT_VOLUME_TYPES.join(', ')}`,
    });
  }
  if (problems.length > 0) throw new ValidationError(`these options do not fit a ${volumeType} volume`, problems);
}

/**
 * A volume restore's target: an instance the tenant owns (tag checked: another tenant's or a missing one is a 404, an
 * untagged one a 403), running or stopped, in the snapshot's region (the new volumes are created in the instance's
 * own availability zone, so a wrong AZ cannot happen); volumes at least as large as the snapshots; each device free
 * unless replacing (and then a volume must be there to replace; a root volume only on a stopped instance).
 */
export async function validateVolumeTarget(
  deps: SnapshotRestoreValidationDeps,
  request: { tenantId: string; backup: SnapshotBackup; target: RestoreTargetInput },
): Promise<VolumeRestoreTarget> {
  const { backup, target, tenantId } = request;
  const ofVolume = backup.sourceType === 'ebs-volume';
  requireOnlyFields(target, ofVolume ? VOLUME_FIELDS : INSTANCE_FIELDS, `an ${backup.sourceType} backup`);
  const required: FieldIssue[] = [];
  if (target.instanceId === undefined) required.push({ path: 'target.instanceId', message: 'required' });
  if (ofVolume && target.device === undefined) {
    required.push({ path: 'target.device', message: 'required: where the restored volume is attached' });
  }
  if (required.length > 0) throw new ValidationError('the target instance is incomplete', required);
  const instanceId = target.instanceId as string;
  const volumeType = target.volumeType ?? 'gp3';
  requireVolumeOptions(target, volumeType);

  const instance = await findInstance(deps, tenantId, backup, instanceId, target.region);
  const plan = planVolumes(backup, target);
  if (target.sizeGiB !== undefined) {
    const size = plan[0]?.snapshot.sizeGiB ?? 0;
    if (target.sizeGiB < size) {
      throw new ValidationError(`the snapshot holds ${size} GiB; the new volume cannot be smaller`, [
        { path: 'target.sizeGiB', message: `must be at least ${size}` },
      ]);
    }
  }
  const present = await deps.cloud.ec2.describeSnapshots(
    backup.region,
    plan.map((p) => p.snapshot.id),
  );
  const gone = plan.filter((p) => !present.some((snapshot) => snapshot.id === p.snapshot.id));
  if (gone.length > 0) {
    throw new BackupNotRestorableError(
      `snapshot(s) ${gone.map((p) => p.snapshot.id).join(', ')} of backup ${backup.id} no longer exist in ${backup.region}`,
    );
  }
  requireDevices(instance, plan, target.replace ?? false, ofVolume);
  if (target.kmsKeyId !== undefined) {
    // The new volumes' key must be the tenant's own (tagged, enabled) key in the instance's region.
    await requireOwnedKmsKey(deps.cloud, {
      tenantId,
      region: instance.region,
      keyId: target.kmsKeyId,
      path: 'target.kmsKeyId',
    });
  }
  return {
    instanceId,
    ...(target.device === undefined ? {} : { device: target.device }),
    volumeType,
    ...(target.iops === undefined ? {} : { iops: target.iops }),
    ...(target.throughput === undefined ? {} : { throughput: target.throughput }),
    ...(target.kmsKeyId === undefined ? {} : { kmsKeyId: target.kmsKeyId }),
    ...(target.sizeGiB === undefined ? {} : { sizeGiB: target.sizeGiB }),
    replace: target.replace ?? false,
  };
}

/** The instance, owned by the tenant, usable, and in the snapshot's region (else a 400 naming the DR copy to use). */
async function findInstance(
  deps: SnapshotRestoreValidationDeps,
  tenantId: string,
  backup: SnapshotBackup,
  instanceId: string,
  askedRegion: string | undefined,
): Promise<InstanceInfo> {
  let instance = await deps.cloud.ec2.describeInstance(askedRegion ?? backup.region, instanceId);
  const copies = await copiesOf(deps, backup);
  if (!instance && askedRegion === undefined) {
    // Not in the snapshot's region: perhaps in a region the backup was copied to.
    for (const copy of copies) {
      instance = await deps.cloud.ec2.describeInstance(copy.region, instanceId);
      if (instance) break;
    }
  }
  requireOwnedResource('instance-target', instanceId, instance?.tags, tenantId);
  const found = instance as InstanceInfo;
  if (found.region !== backup.region) {
    const copy = copies.find((candidate) => candidate.region === found.region);
    throw new ValidationError(
      `instance ${instanceId} is in ${found.region}, the snapshot in ${backup.region}: ` +
        (copy
          ? `restore the DR copy backup ${copy.id} (in ${found.region}) instead`
          : `restore a DR copy of the backup in ${found.region} (copy regions are set on the source)`),
      [{ path: 'target.instanceId', message: `must be an instance in ${backup.region}` }],
    );
  }
  if (found.state === 'terminated' || found.state === 'shutting-down') {
    throw new ValidationError(`instance ${instanceId} is ${found.state}`, [
      { path: 'target.instanceId', message: 'must be a running or stopped instance' },
    ]);
  }
  return found;
}

async function copiesOf(deps: SnapshotRestoreValidationDeps, backup: SnapshotBackup): Promise<SnapshotBackup[]> {
  const found: SnapshotBackup[] = [];
  for (const id of backup.copies ?? []) {
    const copy = await deps.catalog.backups.get(backup.tenantId, id);
    if (copy?.kind === 'snapshot' && copy.status === 'succeeded') found.push(copy);
  }
  return found;
}

function requireDevices(instance: InstanceInfo, plan: readonly PlannedVolume[], replace: boolean, ofVolume: boolean) {
  const field = ofVolume ? 'target.device' : 'target.replace';
  const taken = plan.flatMap(({ device }) => {
    const volumeId = volumeAt(instance, device);
    return volumeId === undefined ? [] : [{ device, volumeId }];
  });
  if (!replace && taken.length > 0) {
    throw new RestoreTargetExistsError(
      `instance ${instance.instanceId} already has ${taken.map((t) => `${t.volumeId} at ${t.device}`).join(', ')}; ` +
        `${ofVolume ? 'choose a free device or ' : ''}set target.replace to replace (the volume is snapshotted, ` +
        'detached and kept)',
      { fields: [{ path: field, message: `${taken.map((t) => t.device).join(', ')} in use` }] },
    );
  }
  if (replace && ofVolume && taken.length === 0) {
    throw new ValidationError(`no volume is attached at ${plan[0]?.device} on ${instance.instanceId}`, [
      { path: 'target.replace', message: 'nothing to replace at target.device: leave replace unset' },
    ]);
  }
  const root = instance.rootDeviceName;
  const replacesRoot = root !== undefined && taken.some((t) => deviceSlot(t.device) === deviceSlot(root));
  if (replace && replacesRoot && instance.state !== 'stopped') {
    throw new ValidationError(
      `replacing the root volume (${root}) of instance ${instance.instanceId} needs the instance stopped; it is ${instance.state}`,
      [{ path: 'target.instanceId', message: 'stop the instance first' }],
    );
  }
}
