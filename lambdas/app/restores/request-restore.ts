import { ServiceUnavailableError } from '../../domain/errors';
import { failRestore, type Restore } from '../../domain/restore';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { RestoreWorkflow } from '../../ports/jobs';
import type { Clock, IdGenerator } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { type RestoreRequest, recordRestore } from './validate-restore';

export interface RequestRestoreDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups' | 'restores'>;
  readonly vault: Vault;
  readonly cloud: CloudResources;
  readonly workflow: RestoreWorkflow;
  readonly ids: IdGenerator;
  readonly clock: Clock;
}

/** Validates, records a pending restore, and starts the restore state machine for it. */
export async function requestRestore(deps: RequestRestoreDeps, request: RestoreRequest): Promise<Restore> {
  const restore = await recordRestore(deps, request, (id) => deps.workflow.executionArnFor(id));
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
