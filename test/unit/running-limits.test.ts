import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { requireBackupSlot, requireRestoreSlot } from '../../lambdas/app/tenants/running-limits';
import type { Backup } from '../../lambdas/domain/backup';
import { PLANS, type TenantPlan } from '../../lambdas/domain/plans';
import type { Restore } from '../../lambdas/domain/restore';
import {
  aCompleteBackup,
  aFailedBackup,
  aPendingBackup,
  aPendingRestore,
  ids,
  later,
} from '../support/catalog-fixtures';
import { FixedClock } from '../support/retention-fakes';

/** The plan's limits on backups and restores under way at once (use cases on the in-memory catalog). */
const T = 'acme';
const plan: TenantPlan = { ...PLANS.standard, maxRunningBackups: 2, maxRunningRestores: 1 };
let catalog: MemoryCatalog;
let deps: { catalog: MemoryCatalog; clock: FixedClock };
const source = ids.next('source');

beforeEach(() => {
  catalog = new MemoryCatalog();
  later(); // the fixtures' clock moves on; this test's clock is a day past their times
  deps = { catalog, clock: new FixedClock(new Date(later().getTime() + 3600_000)) };
});

const save = (backup: Backup) => catalog.backups.save(backup, 'absent');

describe('backups and restores under way at once', () => {
  it('refuses a manual backup with 429 and Retry-After when the plan’s number are pending or running', async () => {
    await save(aCompleteBackup(T, source));
    await save(aFailedBackup(T, source));
    await save(aPendingBackup(T, source));
    await requireBackupSlot(deps, { tenantId: T, plan });
    await save(aPendingBackup(T, source));
    await expect(requireBackupSlot(deps, { tenantId: T, plan })).rejects.toMatchObject({
      name: 'TooManyRequestsError',
      retryAfterSeconds: 60,
      message: expect.stringContaining('at most 2 backups'),
    });
    // Another tenant is not affected.
    await requireBackupSlot(deps, { tenantId: 'globex', plan });
  });

  it('does not count work older than a day (stuck records cannot block a tenant for ever)', async () => {
    await save(aPendingBackup(T, source));
    await save(aPendingBackup(T, source));
    deps.clock.at = new Date(deps.clock.at.getTime() + 25 * 3600_000);
    await requireBackupSlot(deps, { tenantId: T, plan });
  });

  it('counts restores under way but not those waiting for approval', async () => {
    const waiting = { ...aPendingRestore(T, ids.next('backup')), status: 'pending_approval' } as Restore;
    await catalog.restores.save(waiting, 'absent');
    await requireRestoreSlot(deps, { tenantId: T, plan });
    await catalog.restores.save(aPendingRestore(T, ids.next('backup')), 'absent');
    await expect(requireRestoreSlot(deps, { tenantId: T, plan })).rejects.toMatchObject({
      name: 'TooManyRequestsError',
    });
  });
});
