import { errorCodeForName } from '../../domain/errors';
import { redact } from '../../domain/redact';
import { type DumpRestore, failRestore, isFinished, type Restore, succeedRestore } from '../../domain/restore';
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

  const notes = restore.kind === 'dump' ? await undoDumpRestore(deps, restore) : { notes: [], secrets: [] };
  const message = [redact(messageOf(input.error), notes.secrets), ...notes.notes].join('; ');
  const failed = failRestore(
    restore,
    { code: errorCodeForName(input.error?.Error ?? '', 'restore_failed'), message },
    deps.clock.now(),
  );
  await deps.catalog.restores.save(failed, restore.status);
  return failed;
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
