import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { expireSurplusManual, MANUAL_CAP_RUN, requireManualRoom } from '../../lambdas/app/backups/manual-kept';
import type { Backup } from '../../lambdas/domain/backup';
import { placeLegalHold } from '../../lambdas/domain/backup-retention';
import { PLANS, type TenantPlan } from '../../lambdas/domain/plans';
import { aCompleteBackup, aFailedBackup, aPendingBackup, ids } from '../support/catalog-fixtures';
import { FixedClock } from '../support/retention-fakes';

/** The plan's cap on manual backups kept per source (reject, or expire the oldest): use cases on the memory catalog. */
const T = 'acme';
let catalog: MemoryCatalog;
let deps: { catalog: MemoryCatalog; clock: FixedClock };
const source = ids.next('source');

beforeEach(() => {
  catalog = new MemoryCatalog();
  deps = { catalog, clock: new FixedClock(new Date('2027-02-01T00:00:00Z')) };
});

async function stored(backup: Backup, trigger: Backup['trigger'] = 'manual'): Promise<Backup> {
  const made = { ...backup, trigger } as Backup;
  await catalog.backups.save(made, 'absent');
  return made;
}
const succeeded = (trigger: Backup['trigger'] = 'manual') => stored(aCompleteBackup(T, source), trigger);

describe('manual backups kept per source', () => {
  it('on a rejecting plan, refuses the next manual backup with 409 naming the oldest; scheduled and failed do not count', async () => {
    const plan = PLANS.free;
    expect(plan).toMatchObject({ manualKeptPerSource: 2, whenManualKeptFull: 'reject' });
    const oldest = await succeeded();
    await succeeded('scheduled');
    await stored(aFailedBackup(T, source));
    await requireManualRoom(deps, { tenantId: T, sourceId: source, plan });
    await stored(aPendingBackup(T, source));
    await expect(requireManualRoom(deps, { tenantId: T, sourceId: source, plan })).rejects.toMatchObject({
      name: 'ConflictError',
      code: 'manual_backups_full',
      message: expect.stringContaining(oldest.id),
    });
    // Another source, or another tenant's listing, is not affected.
    await requireManualRoom(deps, { tenantId: T, sourceId: ids.next('source'), plan });
    await requireManualRoom(deps, { tenantId: 'globex', sourceId: source, plan });
  });

  it('on an expiring plan, hands the oldest unheld manual backups beyond the cap to retention once the new one succeeded', async () => {
    const plan: TenantPlan = { ...PLANS.standard, manualKeptPerSource: 3 };
    const held = placeLegalHold(await succeeded(), { by: 'lead@acme', at: '2027-01-01T00:00:00Z' });
    await catalog.backups.save(held, 'succeeded');
    const oldestUnheld = await succeeded();
    const scheduled = await succeeded('scheduled');
    const newer = await succeeded();
    await requireManualRoom(deps, { tenantId: T, sourceId: source, plan }); // expiring plans never refuse
    const latest = await succeeded();

    expect(await expireSurplusManual(deps, { backup: latest, plan })).toEqual([oldestUnheld.id]);
    const expired = await catalog.backups.get(T, oldestUnheld.id);
    expect(expired).toMatchObject({
      status: 'deleting',
      deletion: { runId: MANUAL_CAP_RUN, reasons: [expect.stringContaining(latest.id)] },
    });
    for (const kept of [held, scheduled, newer, latest]) {
      expect((await catalog.backups.get(T, kept.id))?.status).toBe('succeeded');
    }
    // Held + newer + latest: the cap, so nothing more goes; the held one was passed over, never expired.
    expect(await expireSurplusManual(deps, { backup: latest, plan })).toEqual([]);
  });

  it('does nothing for scheduled or failed backups, or on a rejecting plan', async () => {
    for (let i = 0; i < 3; i += 1) await succeeded();
    const plan: TenantPlan = { ...PLANS.standard, manualKeptPerSource: 1 };
    expect(await expireSurplusManual(deps, { backup: await succeeded('scheduled'), plan })).toEqual([]);
    expect(await expireSurplusManual(deps, { backup: await stored(aFailedBackup(T, source)), plan })).toEqual([]);
    const rejecting: TenantPlan = { ...PLANS.free, manualKeptPerSource: 1 };
    expect(await expireSurplusManual(deps, { backup: await succeeded(), plan: rejecting })).toEqual([]);
  });
});
