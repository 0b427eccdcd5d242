import { isDatabaseSource } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { SecretStore } from '../../ports/secrets';
import { getSource } from './source-queries';

export interface DeleteSourceDeps {
  readonly catalog: Pick<Catalog, 'sources'>;
  readonly secrets: SecretStore;
}

/**
 * Unregisters a source and schedules its secret for deletion. Its backups stay in the vault and the catalog:
 * they are kept (and pruned) by retention, never by deleting the source they came from.
 */
export async function deleteSource(deps: DeleteSourceDeps, tenantId: string, id: string): Promise<void> {
  const source = await getSource(deps.catalog, tenantId, id);
  await deps.catalog.sources.delete(tenantId, id);
  if (isDatabaseSource(source)) await deps.secrets.deleteSourcePassword(tenantId, source.secretRef);
}
