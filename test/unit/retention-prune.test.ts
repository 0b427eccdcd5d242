import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { expireSurplusManual } from '../../lambdas/app/backups/manual-kept';
import { acknowledgeBrake } from '../../lambdas/app/retention/acknowledge-brake';
import { PRUNE_MAX_STEPS_PER_EXECUTION, type PruneStepDeps, pruneStep } from '../../lambdas/app/retention/prune-step';
import { type PruneTenantDeps, pruneTenant, type RunEach } from '../../lambdas/app/retention/prune-tenant';
import { type Backup, type BackupTrigger, newBackup, startBackup, succeedBackup } from '../../lambdas/domain/backup';
import { PLANS } from '../../lambdas/domain/plans';
import { putPolicy } from '../../lambdas/domain/policy';
import type { RetentionPolicy } from '../../lambdas/domain/retention/policy';
import { recordedKeys } from '../../lambdas/domain/vault-layout';
import { aSource, ids } from '../support/catalog-fixtures';
import { FakeCloud } from '../support/fake-cloud';
import { FixedClock, LockingVault, unpaced } from '../support/retention-fakes';

/**
 * pruneTenant and pruneStep as use cases on in-memory fakes: the in-memory catalog, a vault with an Object Lock state,
 * the fake cloud and a fixed clock. The AWS calls themselves run on moto in test/integration.
 */
const T = 'acme';
const NOW = new Date('2026-11-22T02:00:00Z');
const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

let catalog: MemoryCatalog;
let vault: LockingVault;
let clock: FixedClock;
let deps: PruneTenantDeps;

/** Sequential, by the test's clock: starts nothing at or after the deadline; each item takes `workMs` of it. */
function sequential(workMs = 0): RunEach {
  return async <I>(items: readonly I[], work: (item: I) => Promise<void>, deadline: Date) => {
    const failed: { item: I; error: unknown }[] = [];
    let started = 0;
    for (const item of items) {
      if (clock.now() >= deadline) break;
      started += 1;
      await work(item).catch((error: unknown) => failed.push({ item, error }));
      clock.at = new Date(clock.at.getTime() + workMs);
    }
    return { notStarted: items.length - started, failed };
  };
}

beforeEach(() => {
  catalog = new MemoryCatalog();
  vault = new LockingVault();
  clock = new FixedClock(NOW);
  deps = {
    catalog,
    vault,
    cloud: new FakeCloud(),
    clock,
    brake: { maxDeleteShare: 1 },
    paceEc2: unpaced,
    paceRds: unpaced,
    runEach: sequential(),
  };
});

/** A source with this retention policy of its own (none: undefined). */
async function aSourceWith(retention: RetentionPolicy | undefined, tenantId = T): Promise<string> {
  const source = aSource(tenantId);
  const settings = { copyRegions: [], restoreApproval: false, ...(retention ? { retention } : {}) };
  await catalog.sources.create({ ...source, settings });
  return source.id;
}

const DUMP = {
  ...({ format: 'pg-custom', compression: 'zstd', rawBytes: 100, storedBytes: 40, sha256: 'ab'.repeat(32) } as const),
  ...{ partCount: 1, partSize: 8 << 20, tableCount: 3, serverVersion: '17.2', toolVersion: 'pg_dump 17.2' },
};

/** A succeeded dump backup created at `createdAt`, stored in the catalog and the vault. */
async function backupAt(sourceId: string, createdAt: Date, trigger: BackupTrigger = 'scheduled', tenantId = T) {
  const id = ids.next('backup');
  const prefix = `tenants/${tenantId}/sources/${sourceId}/${id}/`;
  const running = startBackup(newBackup({ tenantId, id, sourceId, engine: 'postgres', trigger }, createdAt), createdAt);
  const dump = { ...DUMP, object: { key: `${prefix}data.dump.zst` }, manifest: { key: `${prefix}manifest.json` } };
  const backup = succeedBackup(running, dump, new Date(createdAt.getTime() + 60_000));
  await catalog.backups.save(backup, 'absent');
  for (const key of recordedKeys(backup)) vault.put(key);
  return backup;
}

/** Five daily backups, oldest first (days −5 … −1). */
async function fiveDaily(sourceId: string, tenantId = T): Promise<Backup[]> {
  const out: Backup[] = [];
  for (let day = 5; day >= 1; day--) out.push(await backupAt(sourceId, at(-day * DAY), 'scheduled', tenantId));
  return out;
}

const statusOf = async (backup: Backup) => (await catalog.backups.get(backup.tenantId, backup.id))?.status;
const statuses = (backups: readonly Backup[]) => Promise.all(backups.map(statusOf));
const inVault = (backup: Backup) => recordedKeys(backup).every((key) => vault.keys.has(key));
/** What a run that deletes nothing returns; what keepLast 2 leaves of fiveDaily (oldest first). */
const NOTHING = { finished: true, deleted: 0, archived: 0, skipped: 0, brakeTripped: 0 };
const PRUNED = ['deleted', 'deleted', 'deleted', 'succeeded', 'succeeded'];
const prune = (runId: string, deadline = at(DAY), tenantId = T) =>
  pruneTenant(deps, { tenantId, runId, now: NOW.toISOString(), deadline });

describe('pruneTenant (use case on in-memory fakes; the AWS calls run on moto in test/integration)', () => {
  it('deletes exactly what the plan gives up (keepLast 2 over 5 daily), leaves tombstones and reports the run', async () => {
    const sourceId = await aSourceWith({ keepLast: 2 });
    const backups = await fiveDaily(sourceId);
    const runId = ids.next('pruneRun');

    await expect(prune(runId)).resolves.toEqual({ ...NOTHING, deleted: 3 });

    expect(await statuses(backups)).toEqual(PRUNED);
    expect([...vault.removed].sort()).toEqual(backups.slice(0, 3).flatMap(recordedKeys).sort());
    expect(backups.slice(3).every(inVault)).toBe(true);
    expect(await catalog.backups.get(T, backups[0]?.id as string)).toMatchObject({
      deletion: { runId, reasons: ['no rule keeps it (last 2)'] },
      deletedAt: NOW.toISOString(),
    });
    expect(await catalog.pruneRuns.get(T, runId)).toEqual({
      tenantId: T,
      id: runId,
      now: NOW.toISOString(),
      startedAt: NOW.toISOString(),
      finishedAt: NOW.toISOString(),
      status: 'finished',
      sources: [{ sourceId, planned: 3, deleted: 3, archived: 0, skipped: [], skippedCount: 0 }],
    });
  });

  it('keeps the newest successful backup even when no rule keeps it', async () => {
    const sourceId = await aSourceWith({ keepLast: 1, manual: { keepLast: 0 } });
    const scheduled = [await backupAt(sourceId, at(-3 * DAY)), await backupAt(sourceId, at(-2 * DAY))];
    const manual = await backupAt(sourceId, at(-DAY), 'manual');

    await expect(prune(ids.next('pruneRun'))).resolves.toMatchObject({ finished: true, deleted: 1 });

    expect(await statuses([...scheduled, manual])).toEqual(['deleted', 'succeeded', 'succeeded']);
    expect(inVault(manual)).toBe(true);
  });

  it("finishes the deletion the plan's manual-backup cap started, on a source whose own policy keeps everything", async () => {
    const sourceId = await aSourceWith({});
    const manual = [
      await backupAt(sourceId, at(-3 * DAY), 'manual'),
      await backupAt(sourceId, at(-2 * DAY), 'manual'),
      await backupAt(sourceId, at(-DAY), 'manual'),
    ];
    const plan = { ...PLANS.standard, manualKeptPerSource: 2 };
    expect(await expireSurplusManual(deps, { backup: manual[2] as Backup, plan })).toEqual([manual[0]?.id]);

    await expect(prune(ids.next('pruneRun'))).resolves.toMatchObject({ finished: true, deleted: 1 });

    expect(await statuses(manual)).toEqual(['deleted', 'succeeded', 'succeeded']);
    expect(inVault(manual[0] as Backup)).toBe(false);
    expect(manual.slice(1).every(inVault)).toBe(true);
  });

  it('applies the retention of the policy selecting a source that has none of its own', async () => {
    const sourceId = await aSourceWith(undefined);
    const backups = await fiveDaily(sourceId);
    const policy = putPolicy(
      undefined,
      {
        tenantId: T,
        id: 'nightly',
        name: 'Nightly',
        sources: { ids: [sourceId], tags: {} },
        schedules: [{ name: 'night', expression: 'cron(0 3 * * ? *)', timezone: 'UTC', windowMinutes: 0 }],
        settings: { retention: { keepLast: 2 } },
      },
      NOW,
    );
    await catalog.policies.put(policy, 'absent');

    await expect(prune(ids.next('pruneRun'))).resolves.toMatchObject({ finished: true, deleted: 3 });
    expect(await statuses(backups)).toEqual(PRUNED);
  });

  it("keeps backups created after the run's now (P3), which no rule keeps otherwise", async () => {
    const sourceId = await aSourceWith({ keepLast: 2, manual: { keepLast: 0 } });
    const scheduled = [await backupAt(sourceId, at(-3 * DAY)), await backupAt(sourceId, at(-2 * DAY))];
    scheduled.push(await backupAt(sourceId, at(-DAY)));
    const before = await backupAt(sourceId, at(-DAY + 3_600_000), 'manual');
    const during = [
      await backupAt(sourceId, at(3_600_000), 'manual'),
      await backupAt(sourceId, at(7_200_000), 'manual'),
    ];
    clock.at = at(3 * 3_600_000);

    await expect(prune(ids.next('pruneRun'))).resolves.toMatchObject({ finished: true, deleted: 2 });

    expect(await statuses([...scheduled, before])).toEqual(['deleted', 'succeeded', 'succeeded', 'deleted']);
    expect(await statuses(during)).toEqual(['succeeded', 'succeeded']);
    expect(during.every(inVault)).toBe(true);
  });

  it('reports a skip (vault legal hold) with its code, keeps that backup, and a rerun of the run converges', async () => {
    const sourceId = await aSourceWith({ keepLast: 2 });
    const backups = await fiveDaily(sourceId);
    const held = backups[0] as Backup;
    vault.put(recordedKeys(held)[0] as string, { legalHold: true });
    const runId = ids.next('pruneRun');

    await expect(prune(runId)).resolves.toMatchObject({ finished: true, deleted: 2, skipped: 1 });
    const report = { sourceId, planned: 3, deleted: 2, archived: 0, skippedCount: 1 };
    const skipped = [{ backupId: held.id, code: 'legal_hold', message: expect.stringContaining('legal hold') }];
    expect((await catalog.pruneRuns.get(T, runId))?.sources).toEqual([{ ...report, skipped }]);
    expect(await catalog.backups.get(T, held.id)).toMatchObject({
      status: 'succeeded',
      retentionSkip: { runId, code: 'legal_hold' },
    });
    expect(inVault(held)).toBe(true);
    const removed = [...vault.removed];

    // The same run again: nothing more to delete, the skip is not tried again, the record is unchanged.
    await expect(prune(runId)).resolves.toEqual(NOTHING);
    expect(vault.removed).toEqual(removed);
    expect((await catalog.pruneRuns.get(T, runId))?.sources).toEqual([{ ...report, skipped }]);
    expect(await statuses(backups)).toEqual(['succeeded', 'deleted', 'deleted', 'succeeded', 'succeeded']);

    // A later run tries it again: the hold is gone now.
    vault.put(recordedKeys(held)[0] as string);
    await expect(prune(ids.next('pruneRun'))).resolves.toMatchObject({ deleted: 1, skipped: 0 });
    expect(await statusOf(held)).toBe('deleted');
  });

  it('the brake: a plan over the share deletes nothing and reports it; an acknowledgement lets it through once', async () => {
    deps = { ...deps, brake: { maxDeleteShare: 0.5 } };
    const sourceId = await aSourceWith({ keepLast: 2 });
    const backups = await fiveDaily(sourceId);
    const tripped = ids.next('pruneRun');

    await expect(prune(tripped)).resolves.toMatchObject({ finished: true, deleted: 0, brakeTripped: 1 });
    expect(await statuses(backups)).toEqual(Array(5).fill('succeeded'));
    expect(vault.removed).toEqual([]);
    const brake = { sourceId, tripped: true, acknowledged: false, wouldDelete: 3, successful: 5 };
    const reason = 'brake: would delete 3 of 5 (> 50 %)';
    expect((await catalog.pruneRuns.get(T, tripped))?.sources).toEqual([
      { sourceId, planned: 0, deleted: 0, archived: 0, skipped: [], skippedCount: 0, brake: { ...brake, reason } },
    ]);

    // Too small an acknowledgement: the brake trips again and the acknowledgement stays.
    await acknowledgeBrake({ catalog, clock }, { tenantId: T, sourceId, deletions: 2, by: 'admin@acme' });
    await expect(prune(ids.next('pruneRun'))).resolves.toMatchObject({ deleted: 0, brakeTripped: 1 });
    expect((await catalog.sources.get(T, sourceId))?.retentionBrake).toMatchObject({ deletions: 2 });

    await acknowledgeBrake({ catalog, clock }, { tenantId: T, sourceId, deletions: 3, by: 'admin@acme' });
    const released = ids.next('pruneRun');
    await expect(prune(released)).resolves.toMatchObject({ finished: true, deleted: 3, brakeTripped: 0 });
    expect(await statuses(backups)).toEqual(PRUNED);
    const acknowledged = {
      tripped: false,
      acknowledged: true,
      reason: `${reason}, acknowledged by an admin for up to 3`,
    };
    expect((await catalog.pruneRuns.get(T, released))?.sources[0]).toMatchObject({ planned: 3, brake: acknowledged });
    expect((await catalog.sources.get(T, sourceId))?.retentionBrake).toBeUndefined();
  });

  it('starts nothing after the deadline (finished false, acknowledgement kept); a later step of the run finishes', async () => {
    deps = { ...deps, brake: { maxDeleteShare: 0.5 } };
    const sourceId = await aSourceWith({ keepLast: 2 });
    const backups = await fiveDaily(sourceId);
    await acknowledgeBrake({ catalog, clock }, { tenantId: T, sourceId, deletions: 3, by: 'admin@acme' });
    const runId = ids.next('pruneRun');

    await expect(prune(runId, at(-1000))).resolves.toMatchObject({ finished: false, deleted: 0, skipped: 0 });
    expect(vault.removed).toEqual([]);
    expect(await statuses(backups)).toEqual(Array(5).fill('succeeded'));
    expect(await catalog.pruneRuns.get(T, runId)).toMatchObject({ status: 'running', sources: [{ planned: 3 }] });
    expect(await catalog.pruneRuns.get(T, runId)).not.toHaveProperty('finishedAt');
    expect((await catalog.sources.get(T, sourceId))?.retentionBrake).toMatchObject({ deletions: 3 });

    await expect(prune(runId)).resolves.toMatchObject({ finished: true, deleted: 3, brakeTripped: 0 });
    expect(await catalog.pruneRuns.get(T, runId)).toMatchObject({
      status: 'finished',
      sources: [{ planned: 3, deleted: 3, brake: { acknowledged: true } }],
    });
    expect((await catalog.sources.get(T, sourceId))?.retentionBrake).toBeUndefined();
  });

  it('uses up the acknowledgement when the run that acted on it finishes in a later step', async () => {
    // keepLast 2 over 5, maxDeleteShare 0.5, acknowledged 3: step 1 deletes 1 before its deadline; step 2 plans 2 of 4,
    // which alone would not trip the brake, yet the run acted on the acknowledgement, so it is used up.
    deps = { ...deps, brake: { maxDeleteShare: 0.5 }, runEach: sequential(1000) };
    const sourceId = await aSourceWith({ keepLast: 2 });
    await fiveDaily(sourceId);
    await acknowledgeBrake({ catalog, clock }, { tenantId: T, sourceId, deletions: 3, by: 'admin@acme' });
    const runId = ids.next('pruneRun');

    await expect(prune(runId, at(500))).resolves.toMatchObject({ finished: false, deleted: 1 });
    expect((await catalog.sources.get(T, sourceId))?.retentionBrake).toMatchObject({ deletions: 3 });
    await expect(prune(runId, at(DAY))).resolves.toMatchObject({ finished: true, deleted: 2 });
    expect((await catalog.sources.get(T, sourceId))?.retentionBrake).toBeUndefined();
  });
});

describe('pruneStep (use case on in-memory fakes; the AWS calls run on moto in test/integration)', () => {
  let stepDeps: PruneStepDeps;
  const G = 'globex';
  beforeEach(async () => {
    stepDeps = { ...deps, catalog, ids, stepSeconds: 600 };
    for (const tenantId of [T, G]) await catalog.tenants.register(tenantId, NOW.toISOString());
  });

  it('walks the tenant registry in one step when time allows, and says done after the last tenant', async () => {
    const mine = await fiveDaily(await aSourceWith({ keepLast: 2 }));
    const theirs = await fiveDaily(await aSourceWith({ keepLast: 4 }, G), G);

    const { cursor, deleted } = await pruneStep(stepDeps, {});

    expect(deleted).toBe(4);
    expect(cursor).toEqual({
      runId: expect.stringMatching(/^prn_[0-9A-Z]{26}$/),
      now: NOW.toISOString(),
      steps: 1,
      generation: 0,
      totals: { deleted: 4, archived: 0, skipped: 0 },
      done: true,
    });
    expect(await statuses(mine)).toEqual(PRUNED);
    expect(await statuses(theirs)).toEqual(['deleted', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    for (const tenantId of [T, G]) {
      expect(await catalog.pruneRuns.get(tenantId, cursor.runId as string)).toMatchObject({ status: 'finished' });
    }
  });

  it('hands the rest to the next step when time is up, with the same run id and now, until done', async () => {
    stepDeps = { ...stepDeps, stepSeconds: 90, runEach: sequential(60_000) };
    const mine = await fiveDaily(await aSourceWith({ keepLast: 2 }));
    const theirs = await fiveDaily(await aSourceWith({ keepLast: 2 }, G), G);

    const first = await pruneStep(stepDeps, {});
    expect(first.cursor).toMatchObject({ tenant: T, tenantCursor: expect.any(String), steps: 1 });
    expect(first.cursor.done).toBeUndefined();
    expect(first.deleted).toBe(2);

    const cursors = [first.cursor];
    while (cursors.at(-1)?.done !== true && cursors.length < 10) {
      cursors.push((await pruneStep(stepDeps, cursors.at(-1) as object)).cursor);
    }
    const last = cursors.at(-1);
    expect(cursors).toHaveLength(3);
    expect(last).toMatchObject({ done: true, steps: 3, totals: { deleted: 6, archived: 0, skipped: 0 } });
    expect(new Set(cursors.map((c) => `${c.runId} ${c.now}`)).size).toBe(1);
    expect(last?.now).toBe(NOW.toISOString());
    expect(await statuses([...mine, ...theirs])).toEqual([...PRUNED, ...PRUNED]);
  });

  it("an operator's run prunes only its tenant", async () => {
    const mine = await fiveDaily(await aSourceWith({ keepLast: 2 }));
    const theirs = await fiveDaily(await aSourceWith({ keepLast: 2 }, G), G);

    const { cursor } = await pruneStep(stepDeps, { tenantId: G });

    expect(cursor).toMatchObject({ tenantId: G, done: true, totals: { deleted: 3 } });
    expect(await statuses(mine)).toEqual(Array(5).fill('succeeded'));
    expect(await statuses(theirs)).toEqual(PRUNED);
    expect(await catalog.pruneRuns.get(T, cursor.runId as string)).toBeUndefined();
  });

  it(`continues as new after ${PRUNE_MAX_STEPS_PER_EXECUTION} steps (a larger maxSteps is capped), then goes on`, async () => {
    await fiveDaily(await aSourceWith({ keepLast: 2 }));
    const idle = { ...stepDeps, stepSeconds: 0 };

    const early = await pruneStep(idle, { maxSteps: 10_000, steps: PRUNE_MAX_STEPS_PER_EXECUTION - 2 });
    expect(early.cursor).toMatchObject({ steps: PRUNE_MAX_STEPS_PER_EXECUTION - 1, generation: 0 });
    expect(early.cursor.continueAsNew).toBeUndefined();

    const { cursor } = await pruneStep(idle, early.cursor);
    expect(cursor).toMatchObject({ continueAsNew: true, steps: 0, generation: 1, runId: early.cursor.runId });
    expect(cursor.done).toBeUndefined();

    const next = await pruneStep(stepDeps, cursor);
    expect(next.cursor).toMatchObject({ done: true, steps: 1, generation: 1, totals: { deleted: 3 } });
    expect(next.cursor.continueAsNew).toBeUndefined();
  });
});
