import {
  AddTagsToResourceCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  type RDSClient,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-rds';
import { NotFoundError, ResourceNotReadyError, ValidationError } from '../../domain/errors';
import type { SnapshotArtifact, Tags } from '../../domain/snapshot';
import type { RdsResources } from '../../ports/cloud';
import { type CloudResourceKind, errorName, isNotFound, providerMessage, translateCloudError } from './cloud-errors';
import { tagList } from './cloud-shapes';

/** A snapshot RDS will not delete yet (creating, copying…): retention tries again on a later run. */
const NOT_READY = new Set([
  'InvalidDBSnapshotState',
  'InvalidDBSnapshotStateFault',
  'InvalidDBClusterSnapshotState',
  'InvalidDBClusterSnapshotStateFault',
]);

type DbSnapshotRef = Pick<SnapshotArtifact, 'type' | 'id' | 'arn'>;

interface Target {
  readonly cluster: boolean;
  readonly kind: Extract<CloudResourceKind, 'dbSnapshot' | 'dbClusterSnapshot'>;
  readonly name: string;
}

/**
 * The retention half of the RDS adapter (AwsRdsResources delegates to it): deleting and tagging (legal hold) manual
 * DB snapshots and DB cluster snapshots, chosen by the artifact's type. `describe` finds a snapshot's ARN when the
 * artifact has none (AddTagsToResource / RemoveTagsFromResource name resources by ARN).
 */
export class AwsRdsSnapshotAdmin
  implements Pick<RdsResources, 'deleteDbSnapshot' | 'tagDbSnapshot' | 'untagDbSnapshot'>
{
  constructor(
    private readonly rds: (region: string) => RDSClient,
    private readonly describe: Pick<RdsResources, 'describeDbSnapshot' | 'describeDbClusterSnapshot'>,
  ) {}

  /**
   * DeleteDBSnapshot / DeleteDBClusterSnapshot. Unknown → 'gone'; throttling → SnapshotThrottledError; a snapshot
   * not in a deletable state (still creating, being copied) → ResourceNotReadyError.
   */
  async deleteDbSnapshot(region: string, snapshot: Pick<SnapshotArtifact, 'type' | 'id'>): Promise<'deleted' | 'gone'> {
    const target = targetOf(snapshot);
    const action = target.cluster ? 'DeleteDBClusterSnapshot' : 'DeleteDBSnapshot';
    try {
      const client = this.rds(region);
      if (target.cluster) {
        await client.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: snapshot.id }));
      } else {
        await client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshot.id }));
      }
      return 'deleted';
    } catch (error) {
      if (isNotFound(error, target.kind)) return 'gone';
      if (NOT_READY.has(errorName(error) ?? '')) {
        throw new ResourceNotReadyError(
          `${target.name} ${snapshot.id} cannot be deleted in its current state (${action} in ${region}): ` +
            `${providerMessage(error)}; retention tries again later`,
          { cause: error },
        );
      }
      throw translateCloudError(error, { action, region, ids: { [target.kind]: snapshot.id } });
    }
  }

  async tagDbSnapshot(region: string, snapshot: DbSnapshotRef, tags: Tags): Promise<void> {
    if (Object.keys(tags).length === 0) return;
    const target = targetOf(snapshot);
    const arn = await this.arnOf(region, snapshot, target);
    await this.send(region, 'AddTagsToResource', snapshot, target, () =>
      this.rds(region).send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tagList(tags) })),
    );
  }

  async untagDbSnapshot(region: string, snapshot: DbSnapshotRef, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const target = targetOf(snapshot);
    const arn = await this.arnOf(region, snapshot, target);
    await this.send(region, 'RemoveTagsFromResource', snapshot, target, () =>
      this.rds(region).send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: [...keys] })),
    );
  }

  /** The artifact's ARN, else the described snapshot's; a snapshot that does not exist → NotFoundError. */
  private async arnOf(region: string, snapshot: DbSnapshotRef, target: Target): Promise<string> {
    if (snapshot.arn) return snapshot.arn;
    const described = target.cluster
      ? await this.describe.describeDbClusterSnapshot(region, snapshot.id)
      : await this.describe.describeDbSnapshot(region, snapshot.id);
    if (described?.arn === undefined) throw new NotFoundError(target.name, snapshot.id);
    return described.arn;
  }

  private async send(
    region: string,
    action: string,
    snapshot: DbSnapshotRef,
    target: Target,
    call: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await call();
    } catch (error) {
      throw translateCloudError(error, { action, region, ids: { [target.kind]: snapshot.id } });
    }
  }
}

function targetOf(snapshot: Pick<SnapshotArtifact, 'type' | 'id'>): Target {
  if (snapshot.type === 'rds-cluster-snapshot') {
    return { cluster: true, kind: 'dbClusterSnapshot', name: 'RDS DB cluster snapshot' };
  }
  if (snapshot.type === 'rds-snapshot') return { cluster: false, kind: 'dbSnapshot', name: 'RDS DB snapshot' };
  throw new ValidationError(`${snapshot.id} is an EBS snapshot, not a DB snapshot`, [
    { path: 'type', message: `is ${snapshot.type}` },
  ]);
}
