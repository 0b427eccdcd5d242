import { type DumpBackup, isRestorable, isSnapshotBackup, type SnapshotBackup } from '../../domain/backup';
import { BackupNotRestorableError, ConflictError, NotFoundError, ValidationError } from '../../domain/errors';
import { resolveTables } from '../../domain/manifest';
import {
  type DbRestoreTarget,
  newRestore,
  type Restore,
  type RestoreTarget,
  type VolumeRestoreTarget,
} from '../../domain/restore';
import type { DatabaseSource } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { Clock, IdGenerator } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { getBackup } from '../backups/backup-queries';
import { readManifest } from '../backups/read-manifest';
import { requireDatabaseSource } from '../sources/source-queries';
import { type RestoreTargetInput, requireOnlyFields } from './restore-target-input';
import { validateDbTarget } from './validate-db-restore';
import { validateVolumeTarget } from './validate-snapshot-restore';

export type { RestoreTargetInput } from './restore-target-input';

export interface RestoreRequest {
  readonly tenantId: string;
  readonly backupId: string;
  readonly target: RestoreTargetInput;
  readonly tables: readonly string[];
  readonly schemas: readonly string[];
  readonly requestedBy: string;
}

export interface ValidatedDumpRestore {
  readonly kind: 'dump';
  readonly backup: DumpBackup;
  readonly targetSource: DatabaseSource;
  readonly target: RestoreTarget;
}

export type ValidatedRestore =
  | ValidatedDumpRestore
  | { readonly kind: 'volume'; readonly backup: SnapshotBackup; readonly target: VolumeRestoreTarget }
  | { readonly kind: 'db'; readonly backup: SnapshotBackup; readonly target: DbRestoreTarget };

export interface ValidateRestoreDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups'>;
  readonly vault: Vault;
  readonly cloud: CloudResources;
  readonly clock: Clock;
}

/**
 * Everything that can be checked before anything is created (R14), for every kind of backup: the backup is
 * restorable and the target fits it. A retried request meets the same answer. Errors name the field.
 */
export async function validateRestore(
  deps: ValidateRestoreDeps,
  request: RestoreRequest,
  restoreId: string,
): Promise<ValidatedRestore> {
  const backup = await getBackup(deps.catalog, request.tenantId, request.backupId);
  if (!isRestorable(backup)) {
    throw new BackupNotRestorableError(
      `backup ${backup.id} is ${backup.status}; only succeeded backups can be restored`,
    );
  }
  if (isSnapshotBackup(backup)) {
    if (request.tables.length > 0 || request.schemas.length > 0) {
      throw new ValidationError('tables and schemas can only be selected in dump backups', [
        ...(request.tables.length > 0 ? [{ path: 'tables', message: 'only for dump backups' }] : []),
        ...(request.schemas.length > 0 ? [{ path: 'schemas', message: 'only for dump backups' }] : []),
      ]);
    }
    const archived = (backup.snapshots ?? []).filter((snapshot) => snapshot.storageTier === 'archive');
    if (archived.length > 0) {
      throw new ConflictError(
        `backup ${backup.id} is in the EBS snapshot archive tier (${archived.map((s) => s.id).join(', ')}); ` +
          'restore it to the standard tier first (EC2 RestoreSnapshotTier, 24–72 hours), then restore the backup',
        'snapshot_archived',
      );
    }
    const snapshotRequest = { tenantId: request.tenantId, backup, target: request.target };
    return backup.sourceType === 'ebs-volume' || backup.sourceType === 'ec2-instance'
      ? { kind: 'volume', backup, target: await validateVolumeTarget(deps, snapshotRequest) }
      : { kind: 'db', backup, target: await validateDbTarget(deps, { ...snapshotRequest, restoreId }) };
  }
  requireOnlyFields(request.target, DUMP_TARGET_FIELDS, 'a dump backup');
  const { database } = request.target;
  if (database === undefined) {
    throw new ValidationError('a dump restore needs a target database', [
      { path: 'target.database', message: 'required for dump backups' },
    ]);
  }
  const target = { ...request.target, database, replaceExisting: request.target.replaceExisting ?? false };
  const { targetSource } = await validateDumpRestore(deps, { ...request, target }, backup);
  return {
    kind: 'dump',
    backup,
    targetSource,
    target: { sourceId: targetSource.id, database, replaceExisting: target.replaceExisting },
  };
}

const DUMP_TARGET_FIELDS = ['database', 'sourceId', 'replaceExisting'] as const;

interface DumpRequest extends Omit<RestoreRequest, 'target'> {
  readonly target: {
    readonly database: string;
    readonly sourceId?: string | undefined;
    readonly replaceExisting: boolean;
  };
}

/**
 * A dump restore: the target source exists, has the same engine, and the requested tables/schemas exist in the
 * backup. Errors name the field.
 */
async function validateDumpRestore(
  deps: { catalog: Pick<Catalog, 'sources' | 'backups'>; vault: Vault },
  request: DumpRequest,
  backup: DumpBackup,
): Promise<{ targetSource: DatabaseSource }> {
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
  return { targetSource };
}

/**
 * Validates a request and records it as a pending restore: the one way a restore record comes to be, whether the
 * API asked (it names the execution it will start) or an operator started the state machine directly.
 */
export async function recordRestore(
  deps: ValidateRestoreDeps & { catalog: Pick<Catalog, 'sources' | 'backups' | 'restores'>; ids: IdGenerator },
  request: RestoreRequest,
  executionArnFor?: (restoreId: string) => string,
): Promise<Restore> {
  const id = deps.ids.next('restore'); // first: a default DB identifier ends with part of it
  const validated = await validateRestore(deps, request, id);
  const common = {
    tenantId: request.tenantId,
    id,
    backupId: validated.backup.id,
    requestedBy: request.requestedBy,
    ...(executionArnFor ? { executionArn: executionArnFor(id) } : {}),
  };
  const restore = newRestore(
    validated.kind === 'dump'
      ? {
          ...common,
          kind: 'dump',
          engine: validated.backup.engine,
          target: validated.target,
          selection: { tables: request.tables, schemas: request.schemas },
        }
      : validated.kind === 'volume'
        ? { ...common, kind: 'volume', target: validated.target }
        : { ...common, kind: 'db', target: validated.target },
    deps.clock.now(),
  );
  await deps.catalog.restores.save(restore, 'absent');
  return restore;
}
