import { ConflictError, RestoreTargetExistsError } from '../../domain/errors';
import type { DatabaseEngines } from '../../ports/databases';
import type { Vault } from '../../ports/vault';
import { loadRestoreContext, type RestoreContextDeps } from './restore-context';

export interface LoadRestoreDeps extends RestoreContextDeps {
  readonly vault: Vault;
  readonly engines: Pick<DatabaseEngines, 'admin' | 'loader'>;
}

/**
 * Creates the target database and streams the dump into it, pinned to the recorded object version and re-hashed
 * on the way (the loader refuses bytes whose SHA-256 differs). `createdTarget` is recorded before loading, so a
 * failure anywhere after this point drops only what Strongbox created.
 */
export async function loadRestore(
  deps: LoadRestoreDeps,
  input: { tenantId: string; restoreId: string },
): Promise<void> {
  const context = await loadRestoreContext(deps, input);
  const { restore, backup } = context;
  const admin = deps.engines.admin(context.target.type);
  const name = restore.target.database;

  if (restore.target.replaceExisting) {
    const saved = restore.preRestoreBackupId
      ? await deps.catalog.backups.get(restore.tenantId, restore.preRestoreBackupId)
      : undefined;
    if (saved?.status !== 'succeeded') {
      throw new ConflictError(
        `restore ${restore.id} would replace ${name} without a succeeded pre-restore backup`,
        'invalid_state',
      );
    }
    if (await admin.databaseExists(context.server, name)) await admin.dropDatabase(context.server, name);
  } else if (await admin.databaseExists(context.server, name)) {
    if (!restore.createdTarget) {
      throw new RestoreTargetExistsError(
        `database ${name} already exists on source ${context.target.id}; choose a new name`,
      );
    }
    // A retried step: the database is the one this restore created and half-filled.
    await admin.dropDatabase(context.server, name);
  }

  await admin.createDatabase(context.server, name);
  if (!restore.createdTarget) await deps.catalog.restores.save({ ...restore, createdTarget: true }, 'running');

  const object = backup.object;
  const sha256 = backup.sha256;
  if (!object || !sha256) throw new ConflictError(`backup ${backup.id} has no stored object`, 'invalid_state');
  await deps.engines.loader(context.target.type).load({
    connection: context.database,
    open: async () => (await deps.vault.open(object.key, object.versionId)).body,
    tables: restore.selection.tables,
    schemas: restore.selection.schemas,
    expectedSha256: sha256,
  });
}
