import { describe, expect, it } from 'vitest';
import { startBackup } from '../../lambdas/domain/backup';
import { backupEvent, restoreEvent } from '../../lambdas/domain/events';
import {
  aCompleteBackup,
  aCompleteRestore,
  aFailedBackup,
  aFailedRestore,
  aPendingBackup,
  aPendingRestore,
  ids,
  later,
} from '../support/catalog-fixtures';

/** The events built from catalog records (lambdas/domain/events.ts). */
describe('domain events', () => {
  it('exists for finished backups only, with the outcome as type', () => {
    const source = ids.next('source');
    expect(backupEvent(aPendingBackup('acme', source))).toBeUndefined();
    expect(backupEvent(startBackup(aPendingBackup('acme', source), later()))).toBeUndefined();
    expect(backupEvent(aCompleteBackup('acme', source))).toMatchObject({
      type: 'BackupSucceeded',
      tenantId: 'acme',
      detail: { status: 'succeeded', kind: 'dump', trigger: 'pre-restore', storedBytes: 1_234_567_890 },
    });
    const failed = backupEvent(aFailedBackup('acme', source));
    expect(failed).toMatchObject({ type: 'BackupFailed', detail: { error: { code: 'dump_failed' } } });
  });

  it('names restores that wait, succeed or fail, and nothing internal', () => {
    const backup = ids.next('backup');
    const waiting = { ...aPendingRestore('acme', backup), status: 'pending_approval' as const, approvalToken: 'tok' };
    expect(restoreEvent(aPendingRestore('acme', backup), '2026-11-22T00:00:00Z')).toBeUndefined();
    const awaiting = restoreEvent(waiting, '2026-11-22T00:00:00Z');
    expect(awaiting).toMatchObject({ type: 'RestoreAwaitingApproval', time: '2026-11-22T00:00:00Z' });
    expect(JSON.stringify(awaiting)).not.toContain('tok');
    expect(restoreEvent(aCompleteRestore('acme', backup), 'x')?.type).toBe('RestoreSucceeded');
    expect(restoreEvent(aFailedRestore('acme', backup), 'x')).toMatchObject({
      type: 'RestoreFailed',
      detail: { error: { code: 'restore_failed' } },
    });
  });
});
