import {
  AttachVolumeCommand,
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  type EC2Client,
  type Filter,
  type Instance,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  type TagSpecification,
  type Volume,
} from '@aws-sdk/client-ec2';
import type { SnapshotArtifact, Tags } from '../../domain/snapshot';
import type { Ec2Resources, InstanceInfo, NewVolume, VolumeInfo } from '../../ports/cloud';
import { cloudCall, describeCall } from './cloud-errors';
import { requireTags, snapshotArtifact, tagList, tagsOf } from './cloud-shapes';
import { AwsEc2SnapshotAdmin } from './ec2-snapshot-admin';

/** Moved to cloud-shapes.ts (the snapshot admin module maps snapshots too); re-exported for existing importers. */
export { ebsSnapshotState, snapshotArtifact } from './cloud-shapes';

/** DescribeSnapshots accepts 5–1,000 results per page; a filter accepts at most 200 values. */
const SNAPSHOT_PAGE = 1000;
const VOLUME_PAGE = 500;
const FILTER_VALUES = 200;

/**
 * EC2/EBS through the SDK, one client per region. Every Describe names ids or tag filters: unfiltered Describe calls
 * draw on EC2's smaller request bucket (DESIGN.md §8) and would list other tenants' resources.
 */
export class AwsEc2Resources implements Ec2Resources {
  private readonly admin: AwsEc2SnapshotAdmin;

  constructor(private readonly ec2: (region: string) => EC2Client) {
    this.admin = new AwsEc2SnapshotAdmin(ec2, (region, ids) => this.describeSnapshots(region, ids));
  }

  async describeVolume(region: string, volumeId: string): Promise<VolumeInfo | undefined> {
    const call = { action: 'DescribeVolumes', region, ids: { volume: volumeId } };
    const out = await describeCall(call, ['volume'], () =>
      this.ec2(region).send(new DescribeVolumesCommand({ VolumeIds: [volumeId] })),
    );
    const volume = out?.Volumes?.find((v) => v.VolumeId === volumeId);
    return volume === undefined ? undefined : volumeInfo(region, volume);
  }

  async describeInstance(region: string, instanceId: string): Promise<InstanceInfo | undefined> {
    const instance = await this.instance(region, instanceId);
    return instance === undefined ? undefined : instanceInfo(region, instance);
  }

  async findVolumes(region: string, tags: Tags): Promise<VolumeInfo[]> {
    requireTags(tags, 'volumes');
    const volumes: VolumeInfo[] = [];
    const pages = paginateDescribeVolumes(
      { client: this.ec2(region), pageSize: VOLUME_PAGE },
      { Filters: tagFilters(tags) },
    );
    await cloudCall({ action: 'DescribeVolumes', region }, async () => {
      for await (const page of pages) for (const v of page.Volumes ?? []) volumes.push(volumeInfo(region, v));
    });
    return volumes;
  }

  async findSnapshots(region: string, tags: Tags): Promise<SnapshotArtifact[]> {
    requireTags(tags, 'snapshots');
    return this.snapshots(region, tagFilters(tags));
  }

  /** The snapshots that exist among `snapshotIds` (a deleted one is simply absent, as describe* returns undefined). */
  async describeSnapshots(region: string, snapshotIds: readonly string[]): Promise<SnapshotArtifact[]> {
    const found: SnapshotArtifact[] = [];
    for (let i = 0; i < snapshotIds.length; i += FILTER_VALUES) {
      const chunk = snapshotIds.slice(i, i + FILTER_VALUES);
      found.push(...(await this.snapshots(region, [{ Name: 'snapshot-id', Values: chunk }])));
    }
    return found;
  }

  async snapshotVolume(
    region: string,
    volumeId: string,
    input: { description: string; tags: Tags },
  ): Promise<SnapshotArtifact> {
    const call = { action: 'CreateSnapshot', region, ids: { volume: volumeId } };
    const created = await cloudCall(call, () =>
      this.ec2(region).send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          Description: input.description,
          TagSpecifications: tagSpecifications('snapshot', input.tags),
        }),
      ),
    );
    return snapshotArtifact(region, created);
  }

  /**
   * One crash-consistent set of every EBS volume of the instance, boot volume included. CreateSnapshots answers
   * without device names, so each snapshot's volume is looked up in the instance's block device mappings
   * afterwards. moto 5.2.1 omits `State` from the SnapshotInfo it returns: a missing state counts as pending (the
   * machine's next check describes the snapshots), never as completed.
   */
  async snapshotInstance(
    region: string,
    instanceId: string,
    input: { description: string; tags: Tags },
  ): Promise<SnapshotArtifact[]> {
    const call = { action: 'CreateSnapshots', region, ids: { instance: instanceId } };
    const created = await cloudCall(call, () =>
      this.ec2(region).send(
        new CreateSnapshotsCommand({
          InstanceSpecification: { InstanceId: instanceId, ExcludeBootVolume: false },
          Description: input.description,
          TagSpecifications: tagSpecifications('snapshot', input.tags),
          CopyTagsFromSource: undefined,
        }),
      ),
    );
    const instance = await this.instance(region, instanceId);
    const devices = new Map(instance === undefined ? [] : attachedVolumes(instance).map((v) => [v.volumeId, v.device]));
    return (created.Snapshots ?? []).map((info) => {
      const artifact = snapshotArtifact(region, info);
      const device = devices.get(artifact.resourceId);
      return device === undefined ? artifact : { ...artifact, device };
    });
  }

  /** Called on the destination region's client; the new snapshot is encrypted with `kmsKeyId` there when given. */
  async copySnapshot(input: {
    sourceRegion: string;
    snapshotId: string;
    destinationRegion: string;
    kmsKeyId?: string;
    description: string;
    tags: Tags;
  }): Promise<SnapshotArtifact> {
    const region = input.destinationRegion;
    const call = { action: 'CopySnapshot', region, ids: { snapshot: input.snapshotId } };
    const copied = await cloudCall(call, () =>
      this.ec2(region).send(
        new CopySnapshotCommand({
          SourceRegion: input.sourceRegion,
          SourceSnapshotId: input.snapshotId,
          Description: input.description,
          ...(input.kmsKeyId === undefined ? {} : { Encrypted: true, KmsKeyId: input.kmsKeyId }),
          TagSpecifications: tagSpecifications('snapshot', input.tags),
        }),
      ),
    );
    const id = copied.SnapshotId;
    if (id === undefined) throw new Error(`CopySnapshot in ${region} returned no snapshot id for ${input.snapshotId}`);
    const [described] = await this.describeSnapshots(region, [id]);
    // A copy not yet visible to Describe (eventual consistency) is reported as just started, of the source snapshot.
    return (
      described ?? {
        type: 'ebs-snapshot',
        id,
        region,
        resourceId: input.snapshotId,
        encrypted: input.kmsKeyId !== undefined,
        kmsKeyId: input.kmsKeyId,
        state: 'pending',
      }
    );
  }

  /** moto 5.2.1 ignores ClientToken (every call creates a volume); on AWS the same token returns the same volume. */
  async createVolume(region: string, input: NewVolume): Promise<VolumeInfo> {
    const call = { action: 'CreateVolume', region, ids: { snapshot: input.snapshotId } };
    const created = await cloudCall(call, () =>
      this.ec2(region).send(
        new CreateVolumeCommand({
          SnapshotId: input.snapshotId,
          AvailabilityZone: input.availabilityZone,
          VolumeType: input.volumeType,
          Iops: input.iops,
          Throughput: input.throughput,
          ...(input.kmsKeyId === undefined ? {} : { Encrypted: true, KmsKeyId: input.kmsKeyId }),
          Size: input.sizeGiB,
          TagSpecifications: tagSpecifications('volume', input.tags),
          ClientToken: input.clientToken,
        }),
      ),
    );
    return volumeInfo(region, created);
  }

  async attachVolume(region: string, input: { volumeId: string; instanceId: string; device: string }): Promise<void> {
    const call = { action: 'AttachVolume', region, ids: { volume: input.volumeId, instance: input.instanceId } };
    await cloudCall(call, () =>
      this.ec2(region).send(
        new AttachVolumeCommand({ VolumeId: input.volumeId, InstanceId: input.instanceId, Device: input.device }),
      ),
    );
  }

  /** Never forced: a forced detach can corrupt the file system of a mounted volume. */
  async detachVolume(region: string, input: { volumeId: string; instanceId: string }): Promise<void> {
    const call = { action: 'DetachVolume', region, ids: { volume: input.volumeId, instance: input.instanceId } };
    await cloudCall(call, () =>
      this.ec2(region).send(new DetachVolumeCommand({ VolumeId: input.volumeId, InstanceId: input.instanceId })),
    );
  }

  /* Retention (ec2-snapshot-admin.ts): delete, legal-hold tags, archive tier. */
  deleteSnapshot(region: string, snapshotId: string): Promise<'deleted' | 'gone'> {
    return this.admin.deleteSnapshot(region, snapshotId);
  }

  tagSnapshots(region: string, snapshotIds: readonly string[], tags: Tags): Promise<void> {
    return this.admin.tagSnapshots(region, snapshotIds, tags);
  }

  untagSnapshots(region: string, snapshotIds: readonly string[], keys: readonly string[]): Promise<void> {
    return this.admin.untagSnapshots(region, snapshotIds, keys);
  }

  archiveSnapshot(region: string, snapshotId: string): Promise<void> {
    return this.admin.archiveSnapshot(region, snapshotId);
  }

  private async instance(region: string, instanceId: string): Promise<Instance | undefined> {
    const call = { action: 'DescribeInstances', region, ids: { instance: instanceId } };
    const out = await describeCall(call, ['instance'], () =>
      this.ec2(region).send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
    );
    return out?.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
  }

  private async snapshots(region: string, filters: Filter[]): Promise<SnapshotArtifact[]> {
    const found: SnapshotArtifact[] = [];
    const pages = paginateDescribeSnapshots(
      { client: this.ec2(region), pageSize: SNAPSHOT_PAGE },
      { OwnerIds: ['self'], Filters: filters },
    );
    await cloudCall({ action: 'DescribeSnapshots', region }, async () => {
      for await (const page of pages) for (const s of page.Snapshots ?? []) found.push(snapshotArtifact(region, s));
    });
    return found;
  }
}

/** EC2 refuses a tag specification without tags. */
function tagSpecifications(type: 'snapshot' | 'volume', tags: Tags): TagSpecification[] | undefined {
  return Object.keys(tags).length === 0 ? undefined : [{ ResourceType: type, Tags: tagList(tags) }];
}

function tagFilters(tags: Tags): Filter[] {
  return Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
}

function volumeInfo(region: string, volume: Volume): VolumeInfo {
  return {
    volumeId: volume.VolumeId ?? '',
    region,
    availabilityZone: volume.AvailabilityZone ?? '',
    sizeGiB: volume.Size ?? 0,
    volumeType: volume.VolumeType ?? 'standard',
    iops: volume.Iops,
    throughput: volume.Throughput,
    state: volume.State ?? 'creating',
    encrypted: volume.Encrypted ?? false,
    kmsKeyId: volume.KmsKeyId,
    snapshotId: volume.SnapshotId || undefined,
    attachments: (volume.Attachments ?? []).map((a) => ({
      instanceId: a.InstanceId ?? '',
      device: a.Device ?? '',
      state: a.State ?? 'attaching',
    })),
    tags: tagsOf(volume.Tags),
  };
}

function attachedVolumes(instance: Instance): { device: string; volumeId: string }[] {
  return (instance.BlockDeviceMappings ?? []).flatMap((mapping) =>
    mapping.DeviceName !== undefined && mapping.Ebs?.VolumeId !== undefined
      ? [{ device: mapping.DeviceName, volumeId: mapping.Ebs.VolumeId }]
      : [],
  );
}

function instanceInfo(region: string, instance: Instance): InstanceInfo {
  return {
    instanceId: instance.InstanceId ?? '',
    region,
    availabilityZone: instance.Placement?.AvailabilityZone ?? '',
    state: instance.State?.Name ?? 'pending',
    rootDeviceName: instance.RootDeviceName,
    volumes: attachedVolumes(instance),
    tags: tagsOf(instance.Tags),
  };
}
