import { ServiceUnavailableError } from '../../domain/errors';
import { failRestore, newRestore, type Restore } from '../../domain/restore';
import type { Catalog } from '../../ports/catalog';
import type { RestoreWorkflow } from '../../ports/jobs';
import type { Clock, IdGenerator } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { type RestoreRequest, validateRestore } from './validate-restore';

export interface RequestRestoreDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups' | 'restores'>;
  readonly vault: Vault;
  readonly workflow: RestoreWorkflow;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

/** Validates, records a pending restore, and starts the restore state machine for it. */
export async function requestRestore(deps: RequestRestoreDeps, request: RestoreRequest): Promise<Restore> {
  const { backup, targetSource } = await validateRestore(deps, request);
  const id = deps.ids.next('restore');
  const restore = newRestore(
    {
      tenantId: request.tenantId,
      id,
      backupId: backup.id,
      engine: backup.engine,
      target: {
        sourceId: targetSource.id,
        database: request.target.database,
        replaceExisting: request.target.replaceExisting,
      },
      selection: { tables: request.tables, schemas: request.schemas },
      requestedBy: request.requestedBy,
      executionArn: deps.workflow.executionArnFor(id),
    },
    deps.clock.now(),
  );
  await deps.catalog.restores.save(restore, 'absent');
  try {
    await deps.workflow.start({ tenantId: restore.tenantId, restoreId: restore.id });
  } catch (error) {
    const failed = failRestore(
      restore,
      { code: 'not_started', message: 'the restore workflow could not be started' },
      deps.clock.now(),
    );
    await deps.catalog.restores.save(failed, 'pending').catch(() => undefined);
    throw new ServiceUnavailableError('the restore workflow could not be started; try again later', { cause: error });
  }
  return restore;
}
