import { ConflictError, errorCodeForName } from '../../domain/errors';
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
import type { DatabaseEngines } from '../../ports/databases';
import type { Clock } from '../../ports/runtime';
import type { RestoreCheck } from './check-restore';
import { getRestore, loadRestoreContext, type RestoreContextDeps, requireDumpRestore } from './restore-context';

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
 * "Record restored resources": a volume restore succeeds with every new volume attached, a DB restore with the new
 * instance's endpoint recorded (the check steps recorded them).
 */
export async function completeSnapshotRestore(
  deps: { catalog: Pick<Catalog, 'restores'>; clock: Clock },
  input: { tenantId: string; restoreId: string },
): Promise<VolumeRestore | DbRestore> {
  const restore = await getRestore(deps.catalog, input.tenantId, input.restoreId);
  if (restore.kind === 'dump') throw new ConflictError(`restore ${restore.id} is a dump restore`, 'invalid_state');
  if (restore.kind === 'volume' && (restore.volumes ?? []).some((volume) => volume.state !== 'in-use')) {
    throw new ConflictError(`restore ${restore.id}: not every new volume is attached`, 'invalid_state');
  }
  if (restore.kind === 'db' && restore.endpoint === undefined) {
    throw new ConflictError(`restore ${restore.id}: the new DB instance has no endpoint yet`, 'invalid_state');
  }
  const done = completeRestore(restore, deps.clock.now());
  await deps.catalog.restores.save(done, 'running');
  return done;
}

/** The error a Step Functions Catch hands over: `Error` is the error name, `Cause` usually Lambda's JSON. */
export interface CaughtError {
  readonly Error?: string;
  readonly Cause?: string;
}

function messageOf(caught: CaughtError | undefined): string {
  const cause = caught?.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not Lambda's JSON: States.* errors carry plain text.
  }
  return cause || caught?.Error || 'the restore failed';
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

  const notes =
    restore.kind === 'dump'
      ? await undoDumpRestore(deps, restore)
      : { notes: restore.kind === 'volume' ? volumeNotes(restore) : dbNotes(restore), secrets: [] };
  const message = [redact(messageOf(input.error), notes.secrets), ...notes.notes].join('; ');
  const failed = failRestore(
    restore,
    { code: errorCodeForName(input.error?.Error ?? '', 'restore_failed'), message },
    deps.clock.now(),
  );
  await deps.catalog.restores.save(failed, restore.status);
  return failed;
}

/** A failed volume restore deletes nothing: it names what it created and what it detached (both kept). */
function volumeNotes(restore: VolumeRestore): string[] {
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
  if (restore.preRestoreBackupId) {
    notes.push(`the volumes as they were before the restore are saved in backup ${restore.preRestoreBackupId}`);
  }
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
  if (restore.target.replaceExisting && restore.preRestoreBackupId) {
    notes.push(`the database as it was before the restore is saved in backup ${restore.preRestoreBackupId}`);
  }
  return { notes, secrets };
}
