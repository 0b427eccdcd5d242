import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { acknowledgeBrake } from '../../lambdas/app/retention/acknowledge-brake';
import {
  type PreviewDeps,
  previewPolicyChange,
  previewRetention,
  type SimulatedBackup,
  simulateRetention,
} from '../../lambdas/app/retention/preview';
import { type Backup, newBackup, startBackup, succeedBackup } from '../../lambdas/domain/backup';
import type { RetentionPolicy } from '../../lambdas/domain/retention/policy';
import { aFailedBackup, aPendingRestore, aSource, ids, rejectsOn } from '../support/catalog-fixtures';
import { FixedClock } from '../support/retention-fakes';

/**
 * The retention previews and the simulator as use cases on in-memory fakes (the in-memory catalog, a fixed clock).
 * They plan and never delete: the deletions themselves (and the AWS calls, on moto) are tested elsewhere.
 */
const T = 'acme';
const NOW = new Date('2026-11-22T02:00:00Z');
const DAY = 86_400_000;
const DIVIO: RetentionPolicy = { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 };

let catalog: MemoryCatalog;
let clock: FixedClock;
let deps: PreviewDeps;

beforeEach(() => {
  catalog = new MemoryCatalog();
  clock = new FixedClock(NOW);
  deps = { catalog, clock, brake: { maxDeleteShare: 1 } };
});

async function aSourceWith(retention?: RetentionPolicy, tenantId = T): Promise<string> {
  const source = aSource(tenantId);
  const settings = { copyRegions: [], restoreApproval: false, ...(retention === undefined ? {} : { retention }) };
  await catalog.sources.create({ ...source, settings });
  return source.id;
}

/** Succeeded daily dump backups of the source, days −count … −1, oldest first. */
async function daily(sourceId: string, count = 5): Promise<Backup[]> {
  const out: Backup[] = [];
  for (let day = count; day >= 1; day--) {
    const createdAt = new Date(NOW.getTime() - day * DAY);
    const id = ids.next('backup');
    const pending = newBackup({ tenantId: T, id, sourceId, engine: 'postgres', trigger: 'scheduled' }, createdAt);
    const backup = succeedBackup(
      startBackup(pending, createdAt),
      {
        format: 'pg-custom',
        compression: 'zstd',
        object: { key: `tenants/${T}/sources/${sourceId}/${id}/data.dump.zst` },
        manifest: { key: `tenants/${T}/sources/${sourceId}/${id}/manifest.json` },
        rawBytes: 100,
        storedBytes: 40,
        sha256: 'cd'.repeat(32),
        partCount: 1,
        partSize: 8 * 1024 * 1024,
        tableCount: 3,
        serverVersion: '17.2',
        toolVersion: 'pg_dump (PostgreSQL) 17.2',
      },
      createdAt,
    );
    await catalog.backups.save(backup, 'absent');
    out.push(backup);
  }
  return out;
}

/** Everything the catalog holds of the tenant that retention could change. */
const catalogState = async () => ({
  backups: (await catalog.backups.list(T, { limit: 100 })).items,
  sources: (await catalog.sources.list(T, { limit: 100 })).items,
  runs: (await catalog.pruneRuns.list(T, { limit: 100 })).items,
});

const newestFirst = (backups: readonly Backup[]) => [...backups].reverse().map((backup) => backup.id);

describe('previewRetention (use case on in-memory fakes; the AWS calls run on moto in test/integration)', () => {
  it("plans the source's policy: keep and delete with every reason, and deletes nothing", async () => {
    const sourceId = await aSourceWith({ keepLast: 2 });
    const backups = await daily(sourceId);
    await daily(await aSourceWith({ keepLast: 1 }), 2);
    const before = await catalogState();

    const preview = await previewRetention(deps, { tenantId: T, sourceId });

    expect(preview).toMatchObject({
      sourceId,
      now: NOW.toISOString(),
      policy: { keepLast: 2 },
      summary: { keep: 2, delete: 3, archive: 0 },
      coverage: [{ sourceId, rule: 'last', wanted: 2, covered: 2 }],
      brake: { tripped: false },
      archive: [],
    });
    expect(preview.decisions.map((d) => [d.backupId, d.action, d.reasons])).toEqual(
      newestFirst(backups).map((id, i) => [
        id,
        i < 2 ? 'keep' : 'delete',
        [['last 1/2', 'newest successful'], ['last 2/2']][i] ?? ['no rule keeps it (last 2)'],
      ]),
    );
    expect(preview.decisions[4]).toMatchObject({
      createdAt: backups[0]?.createdAt,
      status: 'succeeded',
      trigger: 'scheduled',
    });
    expect(await catalogState()).toEqual(before);
  });

  it('shows the brake (and an acknowledgement) as the prune run would apply it', async () => {
    deps = { ...deps, brake: { maxDeleteShare: 0.5 } };
    const sourceId = await aSourceWith({ keepLast: 2 });
    const backups = await daily(sourceId);

    const tripped = await previewRetention(deps, { tenantId: T, sourceId });
    expect(tripped.summary).toEqual({ keep: 5, delete: 0, archive: 0 });
    expect(tripped.brake).toMatchObject({ tripped: true, sources: [{ sourceId, wouldDelete: 3, successful: 5 }] });
    expect(tripped.decisions.find((d) => d.backupId === backups[0]?.id)?.reasons).toEqual([
      'brake: would delete 3 of 5 (> 50 %)',
      'otherwise: no rule keeps it (last 2)',
    ]);

    await acknowledgeBrake({ catalog, clock }, { tenantId: T, sourceId, deletions: 3, by: 'admin@acme' });
    const released = await previewRetention(deps, { tenantId: T, sourceId });
    expect(released.summary).toEqual({ keep: 2, delete: 3, archive: 0 });
    expect(released.brake.sources).toMatchObject([{ tripped: false, acknowledged: true }]);
    expect((await catalog.sources.get(T, sourceId))?.retentionBrake).toMatchObject({ deletions: 3 });
  });

  it('keeps everything without a policy, keeps what an open restore reads, and is tenant-scoped', async () => {
    const sourceId = await aSourceWith();
    const backups = await daily(sourceId, 3);
    const failed = aFailedBackup(T, sourceId);
    await catalog.backups.save(failed, 'absent');

    const preview = await previewRetention(deps, { tenantId: T, sourceId });
    expect(preview.summary).toEqual({ keep: 4, delete: 0, archive: 0 });
    expect(preview.decisions.find((d) => d.backupId === backups[0]?.id)?.reasons).toEqual([
      'policy is empty: restic keeps everything',
    ]);
    expect(preview.decisions.find((d) => d.backupId === failed.id)?.reasons).toEqual([
      'failed: catalog record expires by TTL',
    ]);

    const limited = await aSourceWith({ keepLast: 1 });
    const read = (await daily(limited, 3))[0] as Backup;
    await catalog.restores.save(aPendingRestore(T, read.id), 'absent');
    const withRestore = await previewRetention(deps, { tenantId: T, sourceId: limited });
    expect(withRestore.decisions.find((d) => d.backupId === read.id)).toMatchObject({
      action: 'keep',
      reasons: ['an open restore is reading it'],
    });
    expect(withRestore.summary).toEqual({ keep: 2, delete: 1, archive: 0 });

    await expect(previewRetention(deps, { tenantId: 'globex', sourceId })).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await expect(previewRetention(deps, { tenantId: T, sourceId: ids.next('source') })).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });
});

describe('previewPolicyChange (use case on in-memory fakes; the AWS calls run on moto in test/integration)', () => {
  it('reports what the proposed policy deletes that the current one keeps, and changes nothing', async () => {
    const sourceId = await aSourceWith({ keepLast: 4 });
    const backups = await daily(sourceId);
    const before = await catalogState();

    const stricter = await previewPolicyChange(deps, { tenantId: T, sourceId, policy: { keepLast: 2 } });

    expect(stricter).toMatchObject({
      sourceId,
      current: { keep: 4, delete: 1, archive: 0 },
      proposed: { keep: 2, delete: 3, archive: 0 },
      newlyKept: [],
      brake: { tripped: false },
      plan: { policy: { keepLast: 2 }, summary: { delete: 3 } },
    });
    expect(stricter.newlyDeleted.map((d) => d.backupId)).toEqual(newestFirst(backups).slice(2, 4));
    expect(stricter.newlyDeleted[0]).toMatchObject({ action: 'delete', reasons: ['no rule keeps it (last 2)'] });
    expect(await catalogState()).toEqual(before);

    const looser = await previewPolicyChange(deps, { tenantId: T, sourceId, policy: { keepLast: 5 } });
    expect(looser.newlyDeleted).toEqual([]);
    expect(looser.newlyKept.map((d) => d.backupId)).toEqual([backups[0]?.id]);
  });

  it('rejects an invalid policy with a ValidationError naming the field, and another tenant with NotFoundError', async () => {
    const sourceId = await aSourceWith({ keepLast: 4 });
    await daily(sourceId, 2);
    const cases: [RetentionPolicy, string][] = [
      [{ keepDaily: -1 }, 'keepDaily'],
      [{ keepWeekly: 1.5 }, 'keepWeekly'],
      [{ keepLast: 1, timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      [{ keepLast: 1, manual: { keepWithin: 'soon' } }, 'manual.keepWithin'],
    ];
    for (const [policy, path] of cases) {
      await expect(previewPolicyChange(deps, { tenantId: T, sourceId, policy })).rejects.toMatchObject(rejectsOn(path));
    }
    await expect(
      previewPolicyChange(deps, { tenantId: 'globex', sourceId, policy: { keepLast: 1 } }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

/** One backup a day at 02:00 UTC, from `first` to `last` (inclusive). */
function dailyHistory(first: string, last: string): SimulatedBackup[] {
  const out: SimulatedBackup[] = [];
  for (let t = Date.parse(`${first}T02:00:00Z`); t <= Date.parse(`${last}T02:00:00Z`); t += DAY) {
    out.push({ id: `b-${new Date(t).toISOString().slice(0, 10)}`, createdAt: new Date(t).toISOString() });
  }
  return out;
}

describe('simulateRetention (use case; reads and writes nothing)', () => {
  const history = dailyHistory('2025-10-01', '2026-11-20');
  const now = '2026-11-20T12:00:00Z';

  it("plans Divio's 7 daily / 4 weekly / 12 monthly over 14 months of dailies: 20 kept", () => {
    expect(history).toHaveLength(416);
    const plan = simulateRetention({ policy: DIVIO, backups: history, now, brake: { maxDeleteShare: 1 } });

    const kept = plan.decisions.filter((d) => d.action === 'keep').map((d) => d.backupId);
    expect(kept).toHaveLength(20);
    expect(kept.slice(0, 9)).toEqual(
      ['20', '19', '18', '17', '16', '15', '14', '08', '01'].map((day) => `b-2026-11-${day}`),
    );
    expect(kept.at(-1)).toBe('b-2025-12-31');
    expect(plan.decisions.every((d) => d.sourceId === 'simulated')).toBe(true);
    expect(plan.brake.tripped).toBe(false);
  });

  it('applies the default brake unless told otherwise, and the defaults and protections of each backup', () => {
    const braked = simulateRetention({ policy: DIVIO, backups: history, now });
    expect(braked.brake).toMatchObject({ tripped: true, sources: [{ wouldDelete: 396, successful: 416 }] });
    expect(braked.decisions.every((d) => d.action === 'keep')).toBe(true);

    const counted = simulateRetention({
      policy: DIVIO,
      backups: history,
      now,
      brake: { maxDeleteShare: 1, maxDeleteCount: 395 },
    });
    expect(counted.brake.sources[0]?.reason).toBe('brake: would delete 396 of 416 (> 395 allowed)');

    const backups: SimulatedBackup[] = [
      { id: 'new', createdAt: '2026-11-20T02:00:00Z' },
      { id: 'held', createdAt: '2026-01-10T02:00:00Z', legalHold: true },
      { id: 'broken', createdAt: '2026-01-11T02:00:00Z', status: 'failed' },
      { id: 'old', createdAt: '2026-01-12T02:00:00Z', trigger: 'manual' },
    ];
    const plan = simulateRetention({ policy: { keepLast: 1 }, backups, now, brake: { maxDeleteShare: 1 } });
    expect(plan.decisions.map((d) => [d.backupId, d.action, d.reasons])).toEqual([
      ['new', 'keep', ['last 1/1', 'newest successful']],
      ['old', 'delete', ['no rule keeps it (last 1)']],
      ['broken', 'keep', ['failed: catalog record expires by TTL']],
      ['held', 'keep', ['legal hold']],
    ]);
  });

  it('rejects invalid input with a ValidationError naming the field', () => {
    const two = history.slice(0, 2);
    const duplicate = [...two, { id: two[0]?.id as string, createdAt: now }];
    expect(() => simulateRetention({ policy: DIVIO, backups: duplicate, now })).toThrow(
      expect.objectContaining(rejectsOn('backups.2.id')),
    );
    const cases: [Parameters<typeof simulateRetention>[0], string][] = [
      [{ policy: DIVIO, backups: two, now: 'yesterday' }, 'now'],
      [{ policy: DIVIO, backups: two, now, brake: { maxDeleteShare: 1.5 } }, 'brake.maxDeleteShare'],
      [{ policy: DIVIO, backups: two, now, brake: { maxDeleteCount: -1 } }, 'brake.maxDeleteCount'],
      [{ policy: { keepMonthly: 'lots' as never }, backups: two, now }, 'keepMonthly'],
      [{ policy: { keepWithin: 'P1M2W3X' }, backups: two, now }, 'keepWithin'],
    ];
    for (const [input, path] of cases) {
      expect(() => simulateRetention(input)).toThrow(expect.objectContaining(rejectsOn(path)));
    }
  });
});
