import { type DumpBackup, isRestorable } from '../../domain/backup';
import { BackupNotRestorableError, NotFoundError, ValidationError } from '../../domain/errors';
import { resolveTables } from '../../domain/manifest';
import { newRestore, type Restore } from '../../domain/restore';
import type { DatabaseSource } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { Clock, IdGenerator } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { getBackup, requireDumpBackup } from '../backups/backup-queries';
import { requireDatabaseSource } from '../sources/source-queries';
import { readManifest } from '../backups/read-manifest';

export interface RestoreRequest {
  readonly tenantId: string;
  readonly backupId: string;
  readonly target: {
    readonly database: string;
    readonly sourceId?: string | undefined;
    readonly replaceExisting: boolean;
  };
  readonly tables: readonly string[];
  readonly schemas: readonly string[];
  readonly requestedBy: string;
}

export interface ValidatedRestore {
  readonly backup: DumpBackup;
  readonly targetSource: DatabaseSource;
}

/**
 * Everything that can be checked before anything is created: the backup is restorable, the target source exists,
 * has the same engine, and the requested tables/schemas exist in the backup. Errors name the field.
 */
export async function validateRestore(
  deps: { catalog: Pick<Catalog, 'sources' | 'backups'>; vault: Vault },
  request: RestoreRequest,
): Promise<ValidatedRestore> {
  const found = await getBackup(deps.catalog, request.tenantId, request.backupId);
  if (!isRestorable(found)) {
    throw new BackupNotRestorableError(
      `backup ${found.id} is ${found.status}; only succeeded backups can be restored`,
    );
  }
  const backup = requireDumpBackup(found, 'restored into a database');
  const targetSourceId = request.target.sourceId ?? backup.sourceId;
  const registered = await deps.catalog.sources.get(request.tenantId, targetSourceId);
  if (!registered) {
    if (request.target.sourceId !== undefined) throw new NotFoundError('source', targetSourceId);
    throw new ValidationError("the backup's source no longer exists; name a target source", [
      { path: 'target.sourceId', message: "required: the backup's source was deleted" },
    ]);
  }
  if (registered.type !== backup.engine) {
    throw new ValidationError(`a ${backup.engine} backup cannot be restored to a ${registered.type} source`, [
      { path: 'target.sourceId', message: `must be a ${backup.engine} source` },
    ]);
  }
  const targetSource = requireDatabaseSource(registered);
  if (targetSource.type !== backup.engine) {
    throw new ValidationError(`a ${backup.engine} backup cannot be restored to a ${targetSource.type} source`, [
      { path: 'target.sourceId', message: `must be a ${backup.engine} source` },
    ]);
  }
  if (request.target.replaceExisting && request.target.database !== targetSource.database) {
    throw new ValidationError("replaceExisting is only allowed for the target source's own database", [
      { path: 'target.replaceExisting', message: `only allowed when target.database is ${targetSource.database}` },
    ]);
  }
  if (request.schemas.length > 0 && backup.engine !== 'postgres') {
    throw new ValidationError('schemas can only be selected in PostgreSQL backups', [
      { path: 'schemas', message: 'only for PostgreSQL backups' },
    ]);
  }
  if (request.tables.length > 0 || request.schemas.length > 0) {
    const manifest = await readManifest(deps.vault, backup);
    const resolved = resolveTables(manifest.tables, request.tables, manifest.partitioned);
    const problems = [
      ...resolved.unknown.map((name) => ({ path: 'tables', message: `${name} is not in the backup` })),
      ...resolved.ambiguous.map((name) => ({
        path: 'tables',
        message: `${name} is ambiguous: qualify it as schema.table`,
      })),
      ...request.schemas
        .filter((schema) => !manifest.tables.some((table) => table.schema === schema))
        .map((schema) => ({ path: 'schemas', message: `${schema} has no tables in the backup` })),
    ];
    if (problems.length > 0) throw new ValidationError('the selection does not match the backup', problems);
  }
  return { backup, targetSource };
}

/**
 * Validates a request and records it as a pending restore: the one way a restore record comes to be, whether the
 * API asked (it names the execution it will start) or an operator started the state machine directly.
 */
export async function recordRestore(
  deps: { catalog: Pick<Catalog, 'sources' | 'backups' | 'restores'>; vault: Vault; ids: IdGenerator; clock: Clock },
  request: RestoreRequest,
  executionArnFor?: (restoreId: string) => string,
): Promise<Restore> {
  const { backup, targetSource } = await validateRestore(deps, request);
  const id = deps.ids.next('restore');
  const restore = newRestore(
    {
      tenantId: request.tenantId,
      id,
      kind: 'dump',
      backupId: backup.id,
      engine: backup.engine,
      target: {
        sourceId: targetSource.id,
        database: request.target.database,
        replaceExisting: request.target.replaceExisting,
      },
      selection: { tables: request.tables, schemas: request.schemas },
      requestedBy: request.requestedBy,
      ...(executionArnFor ? { executionArn: executionArnFor(id) } : {}),
    },
    deps.clock.now(),
  );
  await deps.catalog.restores.save(restore, 'absent');
  return restore;
}
