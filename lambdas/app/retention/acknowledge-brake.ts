import { ValidationError } from '../../domain/errors';
import type { SourceView } from '../../domain/source';
import { toSourceView } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import { getSource } from '../sources/source-queries';

/**
 * POST /v1/retention/acknowledge {sourceId, deletions}: an admin accepts that the next prune run deletes up to
 * `deletions` backups of the source although the brake tripped (look at the preview first). A run that would delete
 * more trips the brake again; the acknowledgement is used up by the run that acts on it.
 */
export async function acknowledgeBrake(
  deps: { catalog: Pick<Catalog, 'sources'>; clock: Clock },
  input: { tenantId: string; sourceId: string; deletions: number; by: string },
): Promise<SourceView> {
  if (!Number.isInteger(input.deletions) || input.deletions < 1) {
    throw new ValidationError('deletions must be a whole number ≥ 1', [
      { path: 'deletions', message: 'must be a whole number ≥ 1' },
    ]);
  }
  const source = await getSource(deps.catalog, input.tenantId, input.sourceId);
  const updated = {
    ...source,
    retentionBrake: { deletions: input.deletions, by: input.by, at: deps.clock.now().toISOString() },
  };
  await deps.catalog.sources.update(updated);
  return toSourceView(updated);
}
