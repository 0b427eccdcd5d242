import { NotFoundError } from '../../domain/errors';
import type { PruneRun } from '../../domain/retention/prune-run';
import type { Catalog, Page, PageRequest } from '../../ports/catalog';

/** GET /v1/retention/runs: the tenant's prune runs, newest first (what was deleted, skipped and why, brakes). */
export function listPruneRuns(
  catalog: Pick<Catalog, 'pruneRuns'>,
  tenantId: string,
  page: PageRequest,
): Promise<Page<PruneRun>> {
  return catalog.pruneRuns.list(tenantId, page);
}

export async function getPruneRun(
  catalog: Pick<Catalog, 'pruneRuns'>,
  tenantId: string,
  id: string,
): Promise<PruneRun> {
  const run = await catalog.pruneRuns.get(tenantId, id);
  if (!run) throw new NotFoundError('prune run', id);
  return run;
}
