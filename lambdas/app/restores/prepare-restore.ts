import { ConflictError, RestoreTargetExistsError } from '../../domain/errors';
import { failRestore, isFinished, type Restore, startRestore } from '../../domain/restore';
import type { CloudResources } from '../../ports/cloud';
import type { DatabaseEngines } from '../../ports/databases';
import type { Clock, IdGenerator } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { getBackup, requireSnapshotBackup } from '../backups/backup-queries';
import { describeFailure } from '../backups/failure';
import { getRestore, loadRestoreContext, type RestoreContextDeps } from './restore-context';
import { validateDbTarget } from './validate-db-restore';
import { type RestoreRequest, recordRestore } from './validate-restore';
import { validateVolumeTarget } from './validate-snapshot-restore';

export interface PrepareRestoreDeps extends RestoreContextDeps {
  readonly vault: Vault;
  readonly engines: Pick<DatabaseEngines, 'admin'>;
  readonly cloud: CloudResources;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

/**
 * State the restore machine carries between steps: ids and the choices its Choice states read ("Restore kind?",
 * "Replace existing?", "Replace volumes?"); every step reloads what it needs.
 */
export type RestoreState =
  | { readonly tenantId: string; readonly restoreId: string; readonly kind: 'dump'; readonly replaceExisting: boolean }
  | { readonly tenantId: string; readonly restoreId: string; readonly kind: 'volume'; readonly replace: boolean }
  | { readonly tenantId: string; readonly restoreId: string; readonly kind: 'db' };

export type PrepareInput = { readonly tenantId: string; readonly restoreId: string } | RestoreRequest;

/**
 * First step of the restore machine. A restore requested through the API already has a record; an operator who
 * starts the machine directly passes the request, and it is validated and recorded here. Before anything is created
 * the target is checked: an existing database is refused unless replacing it was asked for.
 */
export async function prepareRestore(deps: PrepareRestoreDeps, input: PrepareInput): Promise<RestoreState> {
  let restore: Restore;
  if ('restoreId' in input) {
    restore = await getRestore(deps.catalog, input.tenantId, input.restoreId);
  } else {
    restore = await recordRestore(deps, input);
  }
  if (isFinished(restore))
    throw new ConflictError(`restore ${restore.id} is already ${restore.status}`, 'invalid_state');

  const running = startRestore(restore, deps.clock.now());
  await deps.catalog.restores.save(running, restore.status);
  try {
    await checkTarget(deps, running);
  } catch (error) {
    // When this step fails the machine's state never learns the restore id (an operator's input has none), so the
    // failure is recorded here; "Record failure" then finds the restore finished and leaves it as it is.
    await deps.catalog.restores
      .save(failRestore(running, describeFailure(error, []), deps.clock.now()), 'running')
      .catch(() => undefined);
    throw error;
  }
  const ids = { tenantId: running.tenantId, restoreId: running.id };
  switch (running.kind) {
    case 'dump':
      return { ...ids, kind: 'dump', replaceExisting: running.target.replaceExisting };
    case 'volume':
      return { ...ids, kind: 'volume', replace: running.target.replace };
    case 'db':
      return { ...ids, kind: 'db' };
  }
}

/**
 * The target is checked again at the start of the machine (a restore the API recorded may have waited): an existing
 * database is refused unless replacing it was asked for; a volume or DB target is validated as on request (device
 * free, identifier unused…). Nothing is created or changed here.
 */
async function checkTarget(deps: PrepareRestoreDeps, restore: Restore): Promise<void> {
  if (restore.kind !== 'dump') {
    const backup = requireSnapshotBackup(await getBackup(deps.catalog, restore.tenantId, restore.backupId));
    const request = { tenantId: restore.tenantId, backup, target: restore.target };
    if (restore.kind === 'volume') await validateVolumeTarget(deps, request);
    else await validateDbTarget(deps, { ...request, restoreId: restore.id });
    return;
  }
  const context = await loadRestoreContext(deps, { tenantId: restore.tenantId, restoreId: restore.id });
  const dump = context.restore;
  const exists = await deps.engines.admin(context.target.type).databaseExists(context.server, dump.target.database);
  if (exists && !dump.target.replaceExisting && !dump.createdTarget) {
    throw new RestoreTargetExistsError(
      `database ${dump.target.database} already exists on source ${context.target.id}; choose a new name (restores never overwrite unless target.replaceExisting is set)`,
    );
  }
}
