import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { UlidIdGenerator } from '../../lambdas/adapters/runtime';
import { type DispatchDeps, dispatchSchedule } from '../../lambdas/app/policies/dispatch';
import { reconcileSchedules } from '../../lambdas/app/policies/reconcile-schedules';
import { startBackup } from '../../lambdas/domain/backup';
import { type Policy, putPolicy } from '../../lambdas/domain/policy';
import type { Source } from '../../lambdas/domain/source';
import { aPendingBackup, aSource } from '../support/catalog-fixtures';
import { MemorySchedules } from '../support/fake-schedules';
import { FixedClock } from '../support/retention-fakes';

/** Dispatch and schedule reconciliation, use cases on the in-memory catalog and schedules (moto: test/integration). */
const T = 'acme';
const NOW = new Date('2027-03-28T03:00:00Z');
let catalog: MemoryCatalog;
let started: string[];
let deps: DispatchDeps;

beforeEach(() => {
  catalog = new MemoryCatalog();
  started = [];
  deps = {
    catalog,
    ids: new UlidIdGenerator(),
    clock: new FixedClock(NOW),
    jobs: { startDump: async ({ backupId }) => void started.push(backupId) },
  };
});

async function source(tags?: Record<string, string>, tenantId = T): Promise<Source> {
  const made = { ...aSource(tenantId), ...(tags ? { tags } : {}) };
  await catalog.sources.create(made);
  return made;
}

async function policy(sources: Policy['sources'], id = 'nightly', schedules = ['night']): Promise<Policy> {
  const current = await catalog.policies.get(T, id);
  const made = putPolicy(
    current,
    {
      tenantId: T,
      id,
      name: id,
      sources,
      schedules: schedules.map((name) => ({
        name,
        expression: 'cron(0 3 * * ? *)',
        timezone: 'Europe/London',
        windowMinutes: 30,
      })),
    },
    NOW,
  );
  await catalog.policies.put(made, current ? current.revision : 'absent');
  return made;
}

const fire = (scheduleName = 'night', policyId = 'nightly') =>
  dispatchSchedule(deps, { tenantId: T, policyId, scheduleName, scheduledTime: NOW.toISOString() });

describe('dispatching a policy schedule (use case on the in-memory catalog)', () => {
  it('starts one scheduled backup per selected source: explicit ids and the tag selector, each once', async () => {
    const explicit = await source();
    const tagged = await source({ env: 'prod', team: 'a' });
    const both = await source({ env: 'prod' });
    await source({ env: 'staging' });
    await policy({ ids: [explicit.id, both.id], tags: { env: 'prod' } });

    const dispatch = await fire();

    expect(dispatch.outcomes.map((o) => o.sourceId).sort()).toEqual([explicit.id, tagged.id, both.id].sort());
    expect(dispatch.outcomes.every((o) => o.outcome === 'started')).toBe(true);
    const backups = (await catalog.backups.list(T, { limit: 10 })).items;
    expect(backups).toHaveLength(3);
    expect(backups.every((b) => b.trigger === 'scheduled' && b.status === 'pending')).toBe(true);
    expect(started.sort()).toEqual(backups.map((b) => b.id).sort());
    expect(await catalog.dispatches.get(T, dispatch.id)).toStrictEqual(dispatch);
  });

  it('skips a source whose previous backup is still running, with the reason, and starts the others', async () => {
    const busy = await source({ env: 'prod' });
    const idle = await source({ env: 'prod' });
    const running = startBackup(aPendingBackup(T, busy.id), NOW);
    await catalog.backups.save(running, 'absent');
    await policy({ ids: [], tags: { env: 'prod' } });

    const dispatch = await fire();

    expect(dispatch.outcomes).toEqual(
      expect.arrayContaining([
        { sourceId: idle.id, outcome: 'started', backupId: expect.any(String) },
        {
          sourceId: busy.id,
          outcome: 'skipped',
          code: 'previous_backup_running',
          message: expect.stringContaining(running.id),
        },
      ]),
    );
    expect(started).toHaveLength(1);
  });

  it("records a source that no longer exists, never touches another tenant's sources", async () => {
    const gone = await source();
    const foreign = await source({ env: 'prod' }, 'globex');
    await policy({ ids: [gone.id], tags: { env: 'prod' } });
    await catalog.sources.delete(T, gone.id);

    const dispatch = await fire();

    expect(dispatch.missingSources).toEqual([gone.id]);
    expect(dispatch.outcomes).toEqual([]);
    expect((await catalog.backups.list('globex', { limit: 10 })).items).toEqual([]);
    expect(foreign.tenantId).toBe('globex');
  });

  it('a firing for a deleted policy or schedule starts nothing and says why', async () => {
    await source({ env: 'prod' });
    await policy({ ids: [], tags: { env: 'prod' } });

    expect((await fire('other')).stale).toMatch(/no schedule other/);
    expect((await fire('night', 'weekly')).stale).toMatch(/policy weekly is gone/);
    expect(started).toEqual([]);
  });

  it('a failed start is recorded and thrown (so Scheduler retries); the retry skips what did start', async () => {
    const a = await source({ env: 'prod' });
    const b = await source({ env: 'prod' });
    await policy({ ids: [], tags: { env: 'prod' } });
    let failOnce = true;
    deps = {
      ...deps,
      jobs: {
        startDump: async ({ backupId }) => {
          if (failOnce) {
            failOnce = false;
            throw new Error('Lambda is throttling');
          }
          started.push(backupId);
        },
      },
    };

    await expect(fire()).rejects.toThrow();
    const retry = await fire();

    const outcomes = new Map(retry.outcomes.map((o) => [o.sourceId, o.outcome]));
    expect([...outcomes.values()].sort()).toEqual(['skipped', 'started']);
    expect(outcomes.size).toBe(2);
    expect(new Set([a.id, b.id])).toEqual(new Set(outcomes.keys()));
    expect(started).toHaveLength(2);
  });
});

describe('reconciling Scheduler schedules with the catalog (use case on in-memory schedules)', () => {
  it('creates one schedule per policy schedule, then changes nothing on a second run', async () => {
    const schedules = new MemorySchedules();
    await policy({ ids: [], tags: { env: 'prod' } }, 'nightly', ['night', 'noon']);

    const first = await reconcileSchedules({ catalog, schedules, clock: deps.clock }, { tenantId: T });
    const second = await reconcileSchedules({ catalog, schedules, clock: deps.clock }, { tenantId: T });

    expect([...first.created].sort()).toEqual(['nightly.night', 'nightly.noon']);
    expect(second).toEqual({ created: [], updated: [], deleted: [], unchanged: 2 });
    expect((await schedules.list(T)).find((s) => s.name === 'nightly.night')).toMatchObject({
      expression: 'cron(0 3 * * ? *)',
      timezone: 'Europe/London',
      windowMinutes: 30,
      target: { tenantId: T, policyId: 'nightly', scheduleName: 'night' },
    });
  });

  it('repairs drift: a changed schedule is updated, a stray one deleted, a missing one created', async () => {
    const schedules = new MemorySchedules();
    await policy({ ids: [], tags: { env: 'prod' } }, 'nightly', ['night', 'noon']);
    await reconcileSchedules({ catalog, schedules, clock: deps.clock }, { tenantId: T });
    const night = (await schedules.list(T)).find((s) => s.name === 'nightly.night');
    await schedules.put(T, { ...(night as NonNullable<typeof night>), expression: 'rate(1 minute)' });
    await schedules.put(T, { ...(night as NonNullable<typeof night>), name: 'gone.night' });
    await schedules.delete(T, 'nightly.noon');

    const result = await reconcileSchedules({ catalog, schedules, clock: deps.clock }, { tenantId: T });

    expect(result).toEqual({
      created: ['nightly.noon'],
      updated: ['nightly.night'],
      deleted: ['gone.night'],
      unchanged: 0,
    });
    expect((await schedules.list(T)).map((s) => s.name).sort()).toEqual(['nightly.night', 'nightly.noon']);
  });

  it("scoped to one policy, leaves the others' schedules alone", async () => {
    const schedules = new MemorySchedules();
    await policy({ ids: [], tags: { env: 'prod' } }, 'nightly');
    await policy({ ids: [], tags: { env: 'prod' } }, 'weekly');
    await reconcileSchedules({ catalog, schedules, clock: deps.clock }, { tenantId: T });
    await catalog.policies.delete(T, 'weekly');

    const scoped = await reconcileSchedules(
      { catalog, schedules, clock: deps.clock },
      { tenantId: T, policyId: 'nightly' },
    );
    expect(scoped.deleted).toEqual([]);
    const whole = await reconcileSchedules({ catalog, schedules, clock: deps.clock }, { tenantId: T });
    expect(whole.deleted).toEqual(['weekly.night']);
  });
});
