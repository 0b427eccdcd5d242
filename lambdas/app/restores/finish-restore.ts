import { type Backup, failBackup } from '../../domain/backup';
import { ConflictError, errorCodeForName, ResourceNotReadyError, StaleStateError } from '../../domain/errors';
import { redact } from '../../domain/redact';
import {
  completeRestore,
  type DbRestore,
  type DumpRestore,
  failRestore,
  isFinished,
  type Restore,
  succeedRestore,
  type VolumeRestore,
} from '../../domain/restore';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { DatabaseEngines } from '../../ports/databases';
import type { Clock } from '../../ports/runtime';
import { getBackup, requireSnapshotBackup } from '../backups/backup-queries';
import { type CaughtError, caughtMessage } from '../caught-error';
import type { RestoreCheck } from './check-restore';
import { getRestore, loadRestoreContext, type RestoreContextDeps, requireDumpRestore } from './restore-context';
import { deviceSlot, planVolumes } from './validate-snapshot-restore';

export async function completeDumpRestore(
  deps: { catalog: Pick<Catalog, 'restores'>; clock: Clock },
  input: { tenantId: string; restoreId: string; check: RestoreCheck },
): Promise<DumpRestore> {
  const restore = requireDumpRestore(await getRestore(deps.catalog, input.tenantId, input.restoreId));
  const done = succeedRestore(restore, input.check, deps.clock.now());
  await deps.catalog.restores.save(done, 'running');
  return done;
}

/**
 * "Record restored resources": a volume restore succeeds with one recorded volume per planned device, each attached
 * to the target instance at its device (described again: the recorded states alone are not proof), a DB restore with
 * the new instance's endpoint recorded (the check steps recorded them). Otherwise ResourceNotReadyError.
 */
export async function completeSnapshotRestore(
  deps: { catalog: Pick<Catalog, 'restores' | 'backups'>; cloud: Pick<CloudResources, 'ec2'>; clock: Clock },
  input: { tenantId: string; restoreId: string },
): Promise<VolumeRestore | DbRestore> {
  const restore = await getRestore(deps.catalog, input.tenantId, input.restoreId);
  if (restore.kind === 'dump') throw new ConflictError(`restore ${restore.id} is a dump restore`, 'invalid_state');
  if (restore.kind === 'volume') await requireAllAttached(deps, restore);
  if (restore.kind === 'db' && restore.endpoint === undefined) {
    throw new ConflictError(`restore ${restore.id}: the new DB instance has no endpoint yet`, 'invalid_state');
  }
  const done = completeRestore(restore, deps.clock.now());
  await deps.catalog.restores.save(done, 'running');
  return done;
}

async function requireAllAttached(
  deps: { catalog: Pick<Catalog, 'backups'>; cloud: Pick<CloudResources, 'ec2'> },
  restore: VolumeRestore,
): Promise<void> {
  const backup = requireSnapshotBackup(await getBackup(deps.catalog, restore.tenantId, restore.backupId));
  const { instanceId } = restore.target;
  const missing: string[] = [];
  for (const { device } of planVolumes(backup, restore.target)) {
    const recorded = (restore.volumes ?? []).find((volume) => deviceSlot(volume.device) === deviceSlot(device));
    const info = recorded && (await deps.cloud.ec2.describeVolume(backup.region, recorded.volumeId));
    const attached = info?.attachments.some(
      (a) => a.instanceId === instanceId && deviceSlot(a.device) === deviceSlot(device) && a.state === 'attached',
    );
    if (!attached) missing.push(recorded ? `${recorded.volumeId} at ${device}` : `no volume for ${device}`);
  }
  if (missing.length > 0) {
    throw new ResourceNotReadyError(
      `restore ${restore.id}: not every new volume is attached to ${instanceId} (${missing.join(', ')})`,
    );
  }
}

export type { CaughtError } from '../caught-error';

function messageOf(caught: CaughtError | undefined): string {
  return caughtMessage(caught) || caught?.Error || 'the restore failed';
}

export interface FailRestoreDeps extends RestoreContextDeps {
  readonly engines: Pick<DatabaseEngines, 'admin'>;
  readonly clock: Clock;
}

/**
 * The restore machine's failure path: drops the database this restore created (never one it did not create),
 * and records why it failed. A restore that replaced a database says where the previous one was saved.
 */
export async function recordRestoreFailure(
  deps: FailRestoreDeps,
  input: { tenantId?: string; restoreId?: string; error?: CaughtError },
): Promise<Restore | undefined> {
  if (!input.tenantId || !input.restoreId) return undefined; // an operator's input that never became a restore
  const restore = await getRestore(deps.catalog, input.tenantId, input.restoreId);
  if (isFinished(restore)) return restore;

  const code = errorCodeForName(input.error?.Error ?? '', 'restore_failed');
  const pre = await settlePreRestoreBackup(deps, restore, { code, message: messageOf(input.error) });
  const notes =
    restore.kind === 'dump'
      ? await undoDumpRestore(deps, restore, pre)
      : { notes: restore.kind === 'volume' ? volumeNotes(restore, pre) : dbNotes(restore), secrets: [] };
  const message = [redact(messageOf(input.error), notes.secrets), ...notes.notes].join('; ');
  const failed = failRestore(restore, { code, message }, deps.clock.now());
  await deps.catalog.restores.save(failed, restore.status);
  return failed;
}

/**
 * The pre-restore backup of a failed restore: one still pending or running (its snapshot failed, or the restore
 * stopped while it ran) is failed too, with the restore's reason, so it never stays `running`.
 */
async function settlePreRestoreBackup(
  deps: FailRestoreDeps,
  restore: Restore,
  reason: { code: string; message: string },
): Promise<Backup | undefined> {
  if (restore.kind === 'db' || restore.preRestoreBackupId === undefined) return undefined;
  const pre = await deps.catalog.backups.get(restore.tenantId, restore.preRestoreBackupId);
  if (pre === undefined || (pre.status !== 'pending' && pre.status !== 'running')) return pre;
  const failed = failBackup(
    pre,
    { code: reason.code, message: `the restore ${restore.id} failed: ${reason.message}` },
    deps.clock.now(),
  );
  try {
    await deps.catalog.backups.save(failed, pre.status);
    return failed;
  } catch (error) {
    if (!(error instanceof StaleStateError)) throw error;
    return deps.catalog.backups.get(restore.tenantId, restore.preRestoreBackupId); // finished meanwhile
  }
}

/** What a failure message says about the pre-restore backup: "saved" only when it succeeded. */
function preRestoreNote(what: string, pre: Backup | undefined, id: string | undefined): string[] {
  if (id === undefined) return [];
  if (pre?.status === 'succeeded') return [`${what} as it was before the restore is saved in backup ${id}`];
  return [
    `${what} as it was before the restore was NOT saved: the pre-restore backup ${id} is ${pre?.status ?? 'missing'}`,
  ];
}

/** A failed volume restore deletes nothing: it names what it created and what it detached (both kept). */
function volumeNotes(restore: VolumeRestore, pre: Backup | undefined): string[] {
  const notes: string[] = [];
  const created = restore.volumes ?? [];
  const detached = restore.detachedVolumes ?? [];
  if (created.length > 0) {
    notes.push(
      `volumes created by this restore are kept: ${created.map((v) => `${v.volumeId} (for ${v.device}, ${v.state ?? 'unknown'})`).join(', ')}`,
    );
  }
  if (detached.length > 0) {
    notes.push(
      `replaced volumes were detached and kept: ${detached.map((v) => `${v.volumeId} (was at ${v.device})`).join(', ')}`,
    );
  }
  notes.push(...preRestoreNote('the volume data', pre, restore.preRestoreBackupId));
  return notes;
}

function dbNotes(restore: DbRestore): string[] {
  const { dbInstanceIdentifier, dbClusterIdentifier } = restore.target;
  const what = dbClusterIdentifier
    ? `DB cluster ${dbClusterIdentifier} / instance ${dbInstanceIdentifier}`
    : `DB instance ${dbInstanceIdentifier}`;
  return [`${what}, if it was created, is kept (tagged strongbox:restore=${restore.id})`];
}

/** Drops the database a failed dump restore created, and says where a replaced database was saved. */
async function undoDumpRestore(
  deps: FailRestoreDeps,
  restore: DumpRestore,
  pre: Backup | undefined,
): Promise<{ notes: string[]; secrets: string[] }> {
  const notes: string[] = [];
  let secrets: string[] = [];
  if (restore.createdTarget) {
    try {
      const context = await loadRestoreContext(
        deps,
        { tenantId: restore.tenantId, restoreId: restore.id },
        { requireRunning: false },
      );
      secrets = [context.password];
      await deps.engines.admin(context.target.type).dropDatabase(context.server, restore.target.database);
      notes.push(`the partly restored database ${restore.target.database} was dropped`);
    } catch {
      notes.push(`the partly restored database ${restore.target.database} could not be dropped`);
    }
  }
  if (restore.target.replaceExisting) {
    notes.push(...preRestoreNote('the database', pre, restore.preRestoreBackupId));
  }
  return { notes, secrets };
}
