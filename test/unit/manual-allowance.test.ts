import { describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { requireManualAllowance, utcMonth } from '../../lambdas/app/backups/manual-allowance';
import { type Backup, type BackupTrigger, failBackup, newBackup, startBackup } from '../../lambdas/domain/backup';
import { PLANS } from '../../lambdas/domain/plans';
import { ids } from '../support/catalog-fixtures';
import { FixedClock } from '../support/retention-fakes';

/** The monthly allowance of manual backups (use case on the in-memory catalog). */
const T = 'acme';
const plan = { ...PLANS.free, manualPerMonth: 3 };

async function backup(catalog: MemoryCatalog, createdAt: string, trigger: BackupTrigger, failed = false) {
  let made: Backup = newBackup(
    { tenantId: T, id: ids.next('backup'), sourceId: ids.next('source'), engine: 'postgres', trigger },
    new Date(createdAt),
  );
  if (failed)
    made = failBackup(startBackup(made, new Date(createdAt)), { code: 'x', message: 'x' }, new Date(createdAt));
  await catalog.backups.save(made, 'absent');
}

describe('manual backup allowance per calendar month', () => {
  it('counts this UTC month’s manual backups only: not last month’s, not scheduled ones, not failed ones', async () => {
    const catalog = new MemoryCatalog();
    const clock = new FixedClock(new Date('2026-11-22T12:00:00Z'));
    await backup(catalog, '2026-10-31T23:59:00Z', 'manual');
    await backup(catalog, '2026-11-01T00:00:00Z', 'manual');
    await backup(catalog, '2026-11-02T00:00:00Z', 'scheduled');
    await backup(catalog, '2026-11-03T00:00:00Z', 'manual', true);
    await backup(catalog, '2026-11-04T00:00:00Z', 'manual');

    await expect(requireManualAllowance({ catalog, clock }, { tenantId: T, plan })).resolves.toEqual({
      used: 2,
      allowed: 3,
      resetsAt: '2026-12-01T00:00:00.000Z',
    });
  });

  it('refuses the next one with 429, when it resets and how long to wait; another tenant is not affected', async () => {
    const catalog = new MemoryCatalog();
    const clock = new FixedClock(new Date('2026-11-30T23:00:00Z'));
    for (const day of ['01', '02', '03']) await backup(catalog, `2026-11-${day}T00:00:00Z`, 'manual');

    const refused = requireManualAllowance({ catalog, clock }, { tenantId: T, plan });
    await expect(refused).rejects.toMatchObject({
      name: 'TooManyRequestsError',
      retryAfterSeconds: 3600,
      message: expect.stringContaining('resets at 2026-12-01T00:00:00.000Z'),
    });
    await expect(requireManualAllowance({ catalog, clock }, { tenantId: 'globex', plan })).resolves.toMatchObject({
      used: 0,
    });
    clock.at = new Date('2026-12-01T00:00:00Z');
    await expect(requireManualAllowance({ catalog, clock }, { tenantId: T, plan })).resolves.toMatchObject({ used: 0 });
  });

  it('knows month boundaries, December included', () => {
    expect(utcMonth(new Date('2026-12-31T23:59:59Z'))).toEqual({
      start: new Date('2026-12-01T00:00:00Z'),
      end: new Date('2027-01-01T00:00:00Z'),
    });
  });
});
