import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { policyNextRuns } from '../../lambdas/app/policies/policy-queries';
import { deleteTenantPolicy, type PutPolicyDeps, putTenantPolicy } from '../../lambdas/app/policies/put-policy';
import { PLANS } from '../../lambdas/domain/plans';
import type { PolicyInput } from '../../lambdas/domain/policy';
import { aSource } from '../support/catalog-fixtures';
import { MemorySchedules } from '../support/fake-schedules';
import { FixedClock } from '../support/retention-fakes';

/** Creating, replacing and deleting policies (use cases on the in-memory catalog and schedules). */
const T = 'acme';
let catalog: MemoryCatalog;
let schedules: MemorySchedules;
let deps: PutPolicyDeps;
const clock = new FixedClock(new Date('2027-03-26T12:00:00Z'));

beforeEach(() => {
  catalog = new MemoryCatalog();
  schedules = new MemorySchedules();
  deps = { catalog, schedules, clock, plan: PLANS.standard };
});

const input = (changes: Partial<PolicyInput> = {}): PolicyInput => ({
  tenantId: T,
  id: 'nightly',
  name: 'Nightly',
  sources: { ids: [], tags: { env: 'prod' } },
  schedules: [{ name: 'night', expression: 'cron(30 1 * * ? *)', timezone: 'Europe/London', windowMinutes: 30 }],
  ...changes,
});

describe('putting policies (use case on in-memory catalog and schedules)', () => {
  it('creates the policy and its schedule; a second PUT replaces it at the next revision', async () => {
    const first = await putTenantPolicy(deps, input());
    expect(first.policy).toMatchObject({ revision: 1, createdAt: clock.at.toISOString() });
    expect(first.schedules.created).toEqual(['nightly.night']);

    const second = await putTenantPolicy(deps, input({ name: 'Renamed' }));
    expect(second.policy).toMatchObject({ revision: 2, name: 'Renamed' });
    // Same expression and zone: the schedule keeps its start date and Scheduler is not touched again.
    expect(second.policy.schedules[0]?.startDate).toBe(first.policy.schedules[0]?.startDate);
    expect(second.schedules).toMatchObject({ created: [], updated: [], unchanged: 1 });
    expect(await catalog.policies.get(T, 'nightly')).toStrictEqual(second.policy);
    // The daily repair and the missed-backup sweep find the tenant even before it has a source.
    expect((await catalog.tenants.list({ limit: 10 })).items).toEqual([T]);
  });

  it('keeps the settings a policy gives its sources, and refuses a retention policy that cannot be planned', async () => {
    const settings = {
      retention: { keepDaily: 7, timeZone: 'Europe/London' },
      copyRegions: ['eu-central-1'],
      restoreApproval: true,
    };
    const put = await putTenantPolicy(deps, input({ settings }));
    expect(put.policy.settings).toEqual(settings);
    expect((await catalog.policies.get(T, 'nightly'))?.settings).toEqual(settings);

    await expect(
      putTenantPolicy(deps, input({ id: 'bad', settings: { retention: { keepDaily: 7, timeZone: 'Mars/Olympus' } } })),
    ).rejects.toMatchObject({ name: 'ValidationError', fields: [{ path: 'settings.retention.timeZone' }] });
    expect(await catalog.policies.get(T, 'bad')).toBeUndefined();
  });

  it('refuses what fires more often than the plan allows, naming the schedule', async () => {
    const every15 = input({
      schedules: [{ name: 'often', expression: 'cron(0/15 * * * ? *)', timezone: 'UTC', windowMinutes: 0 }],
    });
    await expect(putTenantPolicy(deps, every15)).rejects.toMatchObject({
      name: 'ValidationError',
      fields: [{ path: 'schedules.0.expression', message: expect.stringContaining('standard plan') }],
    });
    await expect(putTenantPolicy({ ...deps, plan: PLANS.business }, every15)).resolves.toBeDefined();
    expect(await catalog.policies.get(T, 'nightly')).toMatchObject({ revision: 1 });
  });

  it('refuses an unknown source id, a malformed or dead expression and duplicate schedule names; stores nothing', async () => {
    const known = aSource(T);
    await catalog.sources.create(known);
    const unknown = aSource(T);
    await expect(
      putTenantPolicy(deps, input({ sources: { ids: [known.id, unknown.id], tags: {} } })),
    ).rejects.toMatchObject({
      fields: [{ path: 'sources.ids.1' }],
    });
    const bad = (expression: string) =>
      putTenantPolicy(deps, input({ schedules: [{ name: 'x', expression, timezone: 'UTC', windowMinutes: 0 }] }));
    await expect(bad('cron(0 25 * * ? *)')).rejects.toMatchObject({ fields: [{ path: 'schedules.0.expression' }] });
    await expect(bad('cron(0 0 1 1 ? 2020)')).rejects.toMatchObject({
      fields: [{ path: 'schedules.0.expression', message: expect.stringContaining('never fires') }],
    });
    const twice = input({
      schedules: [
        { name: 'a', expression: 'rate(1 day)', timezone: 'UTC', windowMinutes: 0 },
        { name: 'a', expression: 'rate(2 days)', timezone: 'UTC', windowMinutes: 0 },
      ],
    });
    await expect(putTenantPolicy(deps, twice)).rejects.toMatchObject({ fields: [{ path: 'schedules.1.name' }] });
    await expect(putTenantPolicy(deps, input({ sources: { ids: [], tags: {} } }))).rejects.toMatchObject({
      fields: [{ path: 'sources' }],
    });
    expect(await catalog.policies.get(T, 'nightly')).toBeUndefined();
    expect(schedules.calls).toEqual([]);
  });

  it('lets the free plan keep a daily schedule in a DST zone in the days before spring forward', async () => {
    const free = { ...deps, plan: PLANS.free, clock: new FixedClock(new Date('2027-03-24T12:00:00Z')) };
    const daily = [{ name: 'd', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/London', windowMinutes: 0 }];
    await expect(putTenantPolicy(free, input({ schedules: daily }))).resolves.toBeDefined();
  });

  it('refuses a policy beyond the plan count', async () => {
    const small = { ...deps, plan: PLANS.free };
    const daily = [{ name: 'd', expression: 'rate(1 day)', timezone: 'UTC', windowMinutes: 0 }];
    await putTenantPolicy(small, input({ id: 'a', schedules: daily }));
    await putTenantPolicy(small, input({ id: 'b', schedules: daily }));
    await putTenantPolicy(small, input({ id: 'b', name: 'again', schedules: daily }));
    await expect(putTenantPolicy(small, input({ id: 'c', schedules: daily }))).rejects.toMatchObject({
      fields: [{ path: 'id', message: expect.stringContaining('free plan allows 2') }],
    });
  });

  it('deletes the schedules with the policy; an unknown policy is a 404', async () => {
    await putTenantPolicy(deps, input());
    await deleteTenantPolicy(deps, { tenantId: T, policyId: 'nightly' });
    expect(await schedules.list(T)).toEqual([]);
    expect(await catalog.policies.get(T, 'nightly')).toBeUndefined();
    await expect(deleteTenantPolicy(deps, { tenantId: T, policyId: 'nightly' })).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('lists next runs over all schedules in UTC and local time, across the spring-forward day', async () => {
    await putTenantPolicy(
      deps,
      input({
        schedules: [
          { name: 'night', expression: 'cron(30 1 * * ? *)', timezone: 'Europe/London', windowMinutes: 30 },
          { name: 'ny', expression: 'cron(0 3 * * ? *)', timezone: 'America/New_York', windowMinutes: 0 },
        ],
      }),
    );
    const { runs } = await policyNextRuns({ catalog, clock }, { tenantId: T, policyId: 'nightly', count: 4 });
    expect(runs.map((r) => [r.schedule, r.utc, r.local])).toEqual([
      ['night', '2027-03-27T01:30:00.000Z', '2027-03-27T01:30:00+00:00'],
      ['ny', '2027-03-27T07:00:00.000Z', '2027-03-27T03:00:00-04:00'],
      ['ny', '2027-03-28T07:00:00.000Z', '2027-03-28T03:00:00-04:00'],
      ['night', '2027-03-29T00:30:00.000Z', '2027-03-29T01:30:00+01:00'],
    ]);
  });
});
