import type { DumpBackup } from '../../domain/backup';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { DumpRestore, Restore } from '../../domain/restore';
import type { DatabaseSource } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { DatabaseConnection } from '../../ports/databases';
import type { HostGuard } from '../../ports/jobs';
import type { SecretStore } from '../../ports/secrets';
import { getBackup, requireDumpBackup } from '../backups/backup-queries';
import { getSource, requireDatabaseSource } from '../sources/source-queries';

export interface RestoreContextDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups' | 'restores'>;
  readonly secrets: SecretStore;
  readonly hostGuard: HostGuard;
}

/** What every restore step needs: the records, and a connection to the target server (host re-checked). */
export interface RestoreContext {
  readonly restore: DumpRestore;
  readonly backup: DumpBackup;
  readonly target: DatabaseSource;
  /** The target source's own database: the maintenance connection for create/drop. */
  readonly server: DatabaseConnection;
  /** The database being restored into. */
  readonly database: DatabaseConnection;
  readonly password: string;
}

export async function getRestore(catalog: Pick<Catalog, 'restores'>, tenantId: string, id: string): Promise<Restore> {
  const restore = await catalog.restores.get(tenantId, id);
  if (!restore) throw new NotFoundError('restore', id);
  return restore;
}

export function requireDumpRestore(restore: Restore): DumpRestore {
  if (restore.kind !== 'dump') {
    throw new ConflictError(
      `restore ${restore.id} restores ${restore.kind === 'db' ? 'a DB instance' : 'volumes'}, not a dump`,
      'invalid_state',
    );
  }
  return restore;
}

export async function loadRestoreContext(
  deps: RestoreContextDeps,
  input: { tenantId: string; restoreId: string },
  options: { requireRunning: boolean } = { requireRunning: true },
): Promise<RestoreContext> {
  const restore = requireDumpRestore(await getRestore(deps.catalog, input.tenantId, input.restoreId));
  if (options.requireRunning && restore.status !== 'running') {
    throw new ConflictError(`restore ${restore.id} is ${restore.status}, not running`, 'invalid_state');
  }
  const backup = requireDumpBackup(await getBackup(deps.catalog, restore.tenantId, restore.backupId), 'loaded');
  const target = requireDatabaseSource(await getSource(deps.catalog, restore.tenantId, restore.target.sourceId));
  const password = await deps.secrets.getSourcePassword(target.tenantId, target.secretRef);
  await deps.hostGuard.check(target.host);
  const server: DatabaseConnection = {
    engine: target.type,
    host: target.host,
    port: target.port,
    database: target.database,
    username: target.username,
    password,
  };
  return { restore, backup, target, server, database: { ...server, database: restore.target.database }, password };
}
