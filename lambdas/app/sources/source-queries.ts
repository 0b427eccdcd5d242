import { ConflictError, NotFoundError } from '../../domain/errors';
import {
  type DatabaseSource,
  isDatabaseSource,
  isSnapshotSource,
  type SnapshotSource,
  type Source,
  type SourceView,
  toSourceView,
} from '../../domain/source';
import type { Catalog, Page, PageRequest } from '../../ports/catalog';

export async function getSource(catalog: Pick<Catalog, 'sources'>, tenantId: string, id: string): Promise<Source> {
  const source = await catalog.sources.get(tenantId, id);
  if (!source) throw new NotFoundError('source', id);
  return source;
}

export function requireDatabaseSource(source: Source): DatabaseSource {
  if (!isDatabaseSource(source)) {
    throw new ConflictError(`source ${source.id} is a ${source.type} source, not a database`, 'not_a_database');
  }
  return source;
}

export function requireSnapshotSource(source: Source): SnapshotSource {
  if (!isSnapshotSource(source)) {
    throw new ConflictError(`source ${source.id} is a ${source.type} database, not a snapshot source`, 'invalid_state');
  }
  return source;
}

export async function listSources(
  catalog: Pick<Catalog, 'sources'>,
  tenantId: string,
  page: PageRequest,
): Promise<Page<SourceView>> {
  const result = await catalog.sources.list(tenantId, page);
  return { items: result.items.map(toSourceView), ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}) };
}
