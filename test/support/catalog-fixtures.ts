import { expect } from 'vitest';
import { UlidIdGenerator } from '../../lambdas/adapters/runtime';
import {
  type Backup,
  failBackup,
  newBackup,
  recordVerification,
  startBackup,
  succeedBackup,
} from '../../lambdas/domain/backup';
import {
  type DumpRestore,
  failRestore,
  newRestore,
  type Restore,
  startRestore,
  succeedRestore,
} from '../../lambdas/domain/restore';
import type { Source } from '../../lambdas/domain/source';
import type { Page } from '../../lambdas/ports/catalog';

/** Domain records for catalog tests, made with the domain's own functions and the runtime id generator. */
export const ids = new UlidIdGenerator();

let tick = Date.parse('2025-01-01T00:00:00.000Z');
/** A later instant on every call, so timestamps are distinct and ordered. */
export function later(): Date {
  tick += 1000;
  return new Date(tick);
}

export function aSource(tenantId: string, id = ids.next('source'), name = 'orders'): Source {
  return {
    tenantId,
    id,
    name,
    type: 'postgres',
    host: 'db.example.com',
    port: 5432,
    database: 'orders',
    username: 'backup',
    secretRef: `arn:aws:secretsmanager:us-east-1:123456789012:secret:strongbox/${tenantId}/sources/${id}-AbCdEf`,
    createdAt: later().toISOString(),
  };
}

export function aPendingBackup(tenantId: string, sourceId: string, id = ids.next('backup')): Backup {
  return newBackup({ tenantId, id, sourceId, engine: 'postgres', trigger: 'manual' }, later());
}

/** A succeeded, verified pre-restore backup: every optional attribute a backup can carry but `error`. */
export function aCompleteBackup(tenantId: string, sourceId: string, id = ids.next('backup')): Backup {
  const pending = newBackup(
    { tenantId, id, sourceId, engine: 'postgres', trigger: 'pre-restore', restoreId: ids.next('restore') },
    later(),
  );
  const prefix = `tenants/${tenantId}/sources/${sourceId}/${id}/`;
  const succeeded = succeedBackup(
    startBackup(pending, later()),
    {
      format: 'pg-custom',
      compression: 'zstd',
      object: { key: `${prefix}data.dump.zst`, versionId: 'v-data-1' },
      manifest: { key: `${prefix}manifest.json`, versionId: 'v-manifest-1' },
      rawBytes: 9_876_543_210,
      storedBytes: 1_234_567_890,
      sha256: 'ab'.repeat(32),
      partCount: 148,
      partSize: 8 * 1024 * 1024,
      tableCount: 12,
      rowCount: 0,
      serverVersion: '17.2',
      toolVersion: 'pg_dump (PostgreSQL) 17.2',
    },
    later(),
  );
  return recordVerification(succeeded, { at: later().toISOString(), ok: true, detail: 'sha256 matches' });
}

export function aFailedBackup(tenantId: string, sourceId: string, id = ids.next('backup')): Backup {
  const running = startBackup(aPendingBackup(tenantId, sourceId, id), later());
  return failBackup(running, { code: 'dump_failed', message: 'pg_dump: connection refused' }, later());
}

export function aPendingRestore(tenantId: string, backupId: string, id = ids.next('restore')): DumpRestore {
  return newRestore(
    {
      kind: 'dump',
      tenantId,
      id,
      backupId,
      engine: 'postgres',
      target: { sourceId: ids.next('source'), database: 'orders_restored', replaceExisting: false },
      selection: { tables: [], schemas: [] },
      requestedBy: 'alice@example.com',
    },
    later(),
  ) as DumpRestore;
}

/** A succeeded restore with every optional attribute a restore can carry but `error`. */
export function aCompleteRestore(tenantId: string, backupId: string, id = ids.next('restore')): DumpRestore {
  const pending = aPendingRestore(tenantId, backupId, id);
  const running = startRestore(
    {
      ...pending,
      target: { ...pending.target, replaceExisting: true },
      selection: { tables: ['public.orders', 'public.lines'], schemas: ['public'] },
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:strongbox-restore:${id}`,
      preRestoreBackupId: ids.next('backup'),
      createdTarget: false,
    },
    later(),
  );
  return succeedRestore(running, { tables: 2, rows: 0 }, later());
}

export function aFailedRestore(tenantId: string, backupId: string, id = ids.next('restore')): Restore {
  const running = startRestore(aPendingRestore(tenantId, backupId, id), later());
  return failRestore(running, { code: 'restore_failed', message: 'relation already exists' }, later());
}

/**
 * Walks every page of a listing and checks the paging rules on the way: every page but the last is full, the
 * last is not empty (unless nothing matches) and carries no cursor.
 */
export async function allPages<T>(
  limit: number,
  list: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= 1000; pages += 1) {
    const page = await list(cursor);
    if (page.items.length > limit) throw new Error(`page ${pages} holds ${page.items.length} items, limit ${limit}`);
    items.push(...page.items);
    if (page.nextCursor === undefined) {
      if (page.items.length === 0 && pages > 1) throw new Error(`page ${pages} is empty`);
      return { items, pages };
    }
    if (page.items.length < limit) throw new Error(`page ${pages} is short but has a next cursor`);
    cursor = page.nextCursor;
  }
  throw new Error('listing never ended');
}

export function newestFirst(idsInCreationOrder: readonly string[]): string[] {
  return [...idsInCreationOrder].reverse();
}

/* Shared by the catalog contract's parts. */
export interface CatalogContractOptions {
  /** Runs of the pagination property (each run does dozens of catalog calls). */
  readonly propertyRuns?: number;
}

export const A = 'tenant-a';
export const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
export const B = 'tenant-b';

export const rejectsOn = (path: string) => ({ name: 'ValidationError', fields: [expect.objectContaining({ path })] });
export const stale = { name: 'StaleStateError' };

/** Settles every attempt at once, so no rejection goes unhandled while another is awaited. */
export const settle = (attempts: readonly Promise<unknown>[]) => Promise.allSettled(attempts);
export const allRejectedWith = (results: readonly PromiseSettledResult<unknown>[], reason: object) =>
  expect(results).toMatchObject(results.map(() => ({ status: 'rejected', reason })));
