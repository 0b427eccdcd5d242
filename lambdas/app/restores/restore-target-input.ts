import { type FieldIssue, ValidationError } from '../../domain/errors';
import type { VolumeType } from '../../domain/snapshot';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { Clock } from '../../ports/runtime';

/**
 * What a restore request may name as its target. Which fields fit depends on the backup (a dump, volume/instance
 * snapshots, DB snapshots); validateRestore refuses the others with a 400 naming them.
 */
export interface RestoreTargetInput {
  readonly database?: string | undefined;
  readonly sourceId?: string | undefined;
  readonly replaceExisting?: boolean | undefined;
  readonly instanceId?: string | undefined;
  /** The instance's region, when it is not the snapshot's (then refused, naming the DR copy to restore instead). */
  readonly region?: string | undefined;
  readonly device?: string | undefined;
  readonly volumeType?: VolumeType | undefined;
  readonly iops?: number | undefined;
  readonly throughput?: number | undefined;
  readonly kmsKeyId?: string | undefined;
  readonly sizeGiB?: number | undefined;
  readonly replace?: boolean | undefined;
  readonly dbInstanceIdentifier?: string | undefined;
  readonly dbClusterIdentifier?: string | undefined;
  readonly dbInstanceClass?: string | undefined;
  readonly pointInTime?: { readonly restoreTime: string } | { readonly useLatestRestorableTime: true } | undefined;
}

/** What validating a snapshot restore reads: the backup's DR copies, the cloud resources, the time. */
export interface SnapshotRestoreValidationDeps {
  readonly catalog: Pick<Catalog, 'backups'>;
  readonly cloud: CloudResources;
  readonly clock: Clock;
}

/** Fields of the target that are set but do not fit this kind of backup: a 400 naming each. */
export function requireOnlyFields(target: RestoreTargetInput, allowed: readonly string[], what: string): void {
  const misfits: FieldIssue[] = Object.entries(target)
    .filter(([field, value]) => value !== undefined && !allowed.includes(field))
    .map(([field]) => ({ path: `target.${field}`, message: `not allowed when restoring ${what}` }));
  if (misfits.length > 0) {
    throw new ValidationError(`the target does not fit ${what}: it takes ${allowed.join(', ')}`, misfits);
  }
}
