import type { Backup } from '../../domain/backup';
import { NotFoundError } from '../../domain/errors';
import type { BackupQuery, Catalog, Page } from '../../ports/catalog';
import { getSource } from '../sources/source-queries';

export async function getBackup(catalog: Pick<Catalog, 'backups'>, tenantId: string, id: string): Promise<Backup> {
  const backup = await catalog.backups.get(tenantId, id);
  if (!backup) throw new NotFoundError('backup', id);
  return backup;
}

/** Newest first. Filtering by a source the tenant does not have is a 404, not an empty list. */
export async function listBackups(
  catalog: Pick<Catalog, 'backups' | 'sources'>,
  tenantId: string,
  query: BackupQuery,
): Promise<Page<Backup>> {
  if (query.sourceId !== undefined) await getSource(catalog, tenantId, query.sourceId);
  return catalog.backups.list(tenantId, query);
}
