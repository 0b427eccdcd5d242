import type { Backup, BackupStatus } from '../domain/backup';
import type { Restore, RestoreStatus } from '../domain/restore';
import type { Source } from '../domain/source';

export interface PageRequest {
  readonly limit: number;
  /** Opaque cursor from a previous page; adapters reject cursors they did not issue for this tenant. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/**
 * Every method takes the tenant id first: there is no access path without it.
 * `save` with `expect` is a conditional write: it fails with StaleStateError if the stored record is not in
 * the expected state ('absent' = must not exist yet).
 */
export interface SourceRepository {
  create(source: Source): Promise<void>;
  get(tenantId: string, id: string): Promise<Source | undefined>;
  list(tenantId: string, page: PageRequest): Promise<Page<Source>>;
  delete(tenantId: string, id: string): Promise<void>;
}

export interface BackupQuery extends PageRequest {
  readonly sourceId?: string;
}

export interface BackupRepository {
  save(backup: Backup, expect: BackupStatus | 'absent'): Promise<void>;
  get(tenantId: string, id: string): Promise<Backup | undefined>;
  /** Newest first. */
  list(tenantId: string, query: BackupQuery): Promise<Page<Backup>>;
}

export interface RestoreRepository {
  save(restore: Restore, expect: RestoreStatus | 'absent'): Promise<void>;
  get(tenantId: string, id: string): Promise<Restore | undefined>;
  /** Newest first. */
  list(tenantId: string, page: PageRequest): Promise<Page<Restore>>;
}

export interface Catalog {
  readonly sources: SourceRepository;
  readonly backups: BackupRepository;
  readonly restores: RestoreRepository;
}
