import type { SnapshotBackup } from '../../domain/backup';
import { ConflictError, ResourceNotReadyError } from '../../domain/errors';
import { countPoll, type PollBound, type PollOutcome } from '../../domain/polling';
import type { DbRestore, Restore, VolumeRestore } from '../../domain/restore';
import { MANAGED_BY, requireOwnedResource, TAGS, type Tags } from '../../domain/snapshot';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources, InstanceInfo } from '../../ports/cloud';
import type { Clock, IdGenerator } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { getBackup, requireSnapshotBackup } from '../backups/backup-queries';
import { getRestore } from './restore-context';

/** What the volume and DB steps of the restore machine use: ports only. */
export interface SnapshotRestoreDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups' | 'restores'>;
  readonly cloud: CloudResources;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly vault: Pick<Vault, 'putJsonOnce' | 'head'>;
}

export interface RestoreStep {
  readonly tenantId: string;
  readonly restoreId: string;
}

/** A bounded poll: the machine passes how many checks were done and the bound; the step says whether it is done. */
export interface RestorePoll extends RestoreStep, PollBound {}

export type { PollOutcome } from '../../domain/polling';

/** The first poll of a loop, returned by the step that starts something. */
export const STARTED: PollOutcome = { done: false, attempts: 0 };

/** Counts a check; past the bound, a resource that is still not ready fails the restore with a clear message. */
export function nextPoll(input: RestorePoll, done: boolean, what: string): PollOutcome {
  const { outcome, exhausted, minutes } = countPoll(input, done);
  if (exhausted) {
    throw new ResourceNotReadyError(`${what} not ready after ${input.maxAttempts} checks (about ${minutes} minutes)`);
  }
  return outcome;
}

function requireRunning<T extends Restore>(restore: T): T {
  if (restore.status !== 'running') {
    throw new ConflictError(`restore ${restore.id} is ${restore.status}, not running`, 'invalid_state');
  }
  return restore;
}

export async function loadVolumeRestore(
  deps: Pick<SnapshotRestoreDeps, 'catalog'>,
  input: RestoreStep,
): Promise<{ restore: VolumeRestore; backup: SnapshotBackup }> {
  const restore = requireRunning(await getRestore(deps.catalog, input.tenantId, input.restoreId));
  if (restore.kind !== 'volume') {
    throw new ConflictError(
      `restore ${restore.id} is a ${restore.kind} restore, not a volume restore`,
      'invalid_state',
    );
  }
  const backup = requireSnapshotBackup(await getBackup(deps.catalog, restore.tenantId, restore.backupId));
  return { restore, backup };
}

export async function loadDbRestore(
  deps: Pick<SnapshotRestoreDeps, 'catalog'>,
  input: RestoreStep,
): Promise<{ restore: DbRestore; backup: SnapshotBackup }> {
  const restore = requireRunning(await getRestore(deps.catalog, input.tenantId, input.restoreId));
  if (restore.kind !== 'db') {
    throw new ConflictError(`restore ${restore.id} is a ${restore.kind} restore, not a DB restore`, 'invalid_state');
  }
  const backup = requireSnapshotBackup(await getBackup(deps.catalog, restore.tenantId, restore.backupId));
  return { restore, backup };
}

/** The target instance, checked again before every change (its tag may have been removed meanwhile). */
export async function ownedInstance(
  cloud: CloudResources,
  restore: VolumeRestore,
  region: string,
): Promise<InstanceInfo> {
  const instance = await cloud.ec2.describeInstance(region, restore.target.instanceId);
  requireOwnedResource('instance-target', restore.target.instanceId, instance?.tags, restore.tenantId);
  return instance as InstanceInfo;
}

/** Tags on everything a restore creates: whose it is, which restore made it, that Strongbox manages it. */
export function restoreTags(restore: Restore, extra: Tags = {}): Record<string, string> {
  return {
    [TAGS.tenant]: restore.tenantId,
    [TAGS.restore]: restore.id,
    [TAGS.backup]: restore.backupId,
    [TAGS.managedBy]: MANAGED_BY,
    ...extra,
  };
}
