import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  type EC2Client,
  ModifySnapshotTierCommand,
} from '@aws-sdk/client-ec2';
import { DeletionBlockedError, NotFoundError, SnapshotThrottledError } from '../../domain/errors';
import type { SnapshotArtifact, Tags } from '../../domain/snapshot';
import type { Ec2Resources } from '../../ports/cloud';
import { type CloudCall, errorName, isNotFound, providerMessage, translateCloudError } from './cloud-errors';
import { tagList } from './cloud-shapes';

/** CreateTags / DeleteTags name many resources per call; batches of 200 keep each request small. */
const TAG_BATCH = 200;

/** A lock named by the message only (`… is locked …`): see deleteError. */
const LOCKED_MESSAGE = /\blocked\b/i;

export type DescribeEbsSnapshots = (region: string, snapshotIds: readonly string[]) => Promise<SnapshotArtifact[]>;

/**
 * The retention half of the EC2 adapter (AwsEc2Resources delegates to it): deleting, tagging (legal hold) and archiving
 * EBS snapshots. `describe` is AwsEc2Resources.describeSnapshots (absent ids are left out, never an error).
 */
export class AwsEc2SnapshotAdmin
  implements Pick<Ec2Resources, 'deleteSnapshot' | 'tagSnapshots' | 'untagSnapshots' | 'archiveSnapshot'>
{
  constructor(
    private readonly ec2: (region: string) => EC2Client,
    private readonly describe: DescribeEbsSnapshots,
  ) {}

  /**
   * 'gone' when EC2 does not know the id (InvalidSnapshot.NotFound, or a malformed id, which names nothing): a rerun
   * after a partial prune. In use by an AMI / locked → DeletionBlockedError; RequestLimitExceeded →
   * SnapshotThrottledError.
   */
  async deleteSnapshot(region: string, snapshotId: string): Promise<'deleted' | 'gone'> {
    const call = { action: 'DeleteSnapshot', region, ids: { snapshot: snapshotId } };
    try {
      await this.ec2(region).send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
      return 'deleted';
    } catch (error) {
      if (isNotFound(error, 'snapshot')) return 'gone';
      throw deleteError(error, call);
    }
  }

  /** CreateTags in batches. A snapshot that does not exist fails its batch: NotFoundError naming the missing ids. */
  async tagSnapshots(region: string, snapshotIds: readonly string[], tags: Tags): Promise<void> {
    if (snapshotIds.length === 0 || Object.keys(tags).length === 0) return;
    for (const batch of batches(snapshotIds)) {
      try {
        await this.ec2(region).send(new CreateTagsCommand({ Resources: batch, Tags: tagList(tags) }));
      } catch (error) {
        if (!isNotFound(error, 'snapshot')) throw translateCloudError(error, { action: 'CreateTags', region });
        const missing = await this.missing(region, batch);
        throw new NotFoundError('EBS snapshot', missing.length > 0 ? missing.join(', ') : batch.join(', '));
      }
    }
  }

  /**
   * DeleteTags by key (whatever the value) in batches. A snapshot that is gone has no tags left to remove: when a
   * batch fails because some snapshot does not exist, it is sent again for the ones that still do.
   */
  async untagSnapshots(region: string, snapshotIds: readonly string[], keys: readonly string[]): Promise<void> {
    if (snapshotIds.length === 0 || keys.length === 0) return;
    const send = (resources: string[]) =>
      this.ec2(region).send(new DeleteTagsCommand({ Resources: resources, Tags: keys.map((Key) => ({ Key })) }));
    for (const batch of batches(snapshotIds)) {
      try {
        await send(batch);
      } catch (error) {
        if (!isNotFound(error, 'snapshot')) throw translateCloudError(error, { action: 'DeleteTags', region });
        const missing = new Set(await this.missing(region, batch));
        const present = batch.filter((id) => !missing.has(id));
        if (present.length > 0) {
          try {
            await send(present);
          } catch (retry) {
            throw translateCloudError(retry, { action: 'DeleteTags', region });
          }
        }
      }
    }
  }

  /**
   * ModifySnapshotTier → archive (completed snapshots only; 90-day minimum in the tier). A retry after the call took
   * effect succeeds: when EC2 refuses the call (other than throttling) and the snapshot already reports the archive
   * tier, there is nothing left to do. moto 5.2.1 does not implement ModifySnapshotTier.
   */
  async archiveSnapshot(region: string, snapshotId: string): Promise<void> {
    const call = { action: 'ModifySnapshotTier', region, ids: { snapshot: snapshotId } };
    try {
      await this.ec2(region).send(new ModifySnapshotTierCommand({ SnapshotId: snapshotId, StorageTier: 'archive' }));
    } catch (error) {
      if (isNotFound(error, 'snapshot')) throw new NotFoundError('EBS snapshot', snapshotId);
      const translated = translateCloudError(error, call);
      if (translated instanceof SnapshotThrottledError) throw translated;
      const [current] = await this.describe(region, [snapshotId]);
      if (current?.storageTier === 'archive') return;
      throw translated;
    }
  }

  private async missing(region: string, ids: readonly string[]): Promise<string[]> {
    const found = new Set((await this.describe(region, ids)).map((s) => s.id));
    return ids.filter((id) => !found.has(id));
  }
}

/**
 * DeleteSnapshot's failure as a domain error. A lock is recognized by its code (cloud-errors.ts) or, since the code
 * AWS answers for DeleteSnapshot on a locked snapshot could not be confirmed from its documentation, by a message
 * saying the snapshot is locked, whatever code carries it: such a snapshot must be left, not retried.
 */
function deleteError(error: unknown, call: CloudCall): unknown {
  const translated = translateCloudError(error, call);
  if (translated instanceof DeletionBlockedError || translated instanceof SnapshotThrottledError) return translated;
  const message = isServiceError(error) ? providerMessage(error) : '';
  if (LOCKED_MESSAGE.test(message)) {
    return new DeletionBlockedError(`${call.action} in ${call.region}: ${message}`, 'locked', { cause: error });
  }
  return translated;
}

/** An error document the service sent (SDK service exceptions carry `$fault`), not a network or SDK failure. */
function isServiceError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$fault' in error && errorName(error) !== undefined;
}

function batches(ids: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += TAG_BATCH) out.push(ids.slice(i, i + TAG_BATCH));
  return out;
}
