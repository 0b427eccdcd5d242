import type { Restore } from '../../domain/restore';
import type { Catalog, Page, PageRequest } from '../../ports/catalog';

/** The tenant's restores, newest first. */
export function listRestores(
  catalog: Pick<Catalog, 'restores'>,
  tenantId: string,
  page: PageRequest,
): Promise<Page<Restore>> {
  return catalog.restores.list(tenantId, page);
}
