import { GetScheduleCommand, ListScheduleGroupsCommand, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { DynamoDbCatalog } from '../../lambdas/adapters/aws/dynamodb-catalog';
import {
  SCHEDULED_TIME,
  SchedulerTenantSchedules,
  scheduleGroupName,
} from '../../lambdas/adapters/aws/scheduler-schedules';
import { SystemClock } from '../../lambdas/adapters/runtime';
import { reconcileSchedules } from '../../lambdas/app/policies/reconcile-schedules';
import { putPolicy } from '../../lambdas/domain/policy';
import type { ScheduleSpec } from '../../lambdas/ports/schedules';
import { createTestResources } from '../support/aws-resources';
import { awsTestSettings, resetMoto } from '../support/testbed';

/** The Scheduler adapter and schedule reconciliation over HTTP against moto (which stores schedules, never fires them). */
const clients = createAwsClients(awsTestSettings());
const settings = {
  groupPrefix: 'strongbox',
  targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:strongbox-dispatch',
  roleArn: 'arn:aws:iam::123456789012:role/strongbox-scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:strongbox-schedules-dlq',
};
const T = 'acme';
let schedules: SchedulerTenantSchedules;

const spec = (name: string, changes: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  name,
  expression: 'cron(0 3 * * ? *)',
  timezone: 'Europe/London',
  windowMinutes: 30,
  target: { tenantId: T, policyId: name.split('.')[0] ?? '', scheduleName: name.split('.')[1] ?? '' },
  ...changes,
});

beforeEach(async () => {
  await resetMoto();
  schedules = new SchedulerTenantSchedules(clients.scheduler, settings);
});

describe('SchedulerTenantSchedules on moto', () => {
  it("creates the tenant's group on first use, tagged for the tenant, and the schedule as specified", async () => {
    await schedules.put(T, spec('nightly.night'));

    const groups = await clients.scheduler.send(new ListScheduleGroupsCommand({}));
    expect(groups.ScheduleGroups?.map((g) => g.Name)).toContain('strongbox-acme');
    const got = await clients.scheduler.send(
      new GetScheduleCommand({ GroupName: 'strongbox-acme', Name: 'nightly.night' }),
    );
    expect(got).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/London',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
      State: 'ENABLED',
      Target: {
        Arn: settings.targetArn,
        RoleArn: settings.roleArn,
        DeadLetterConfig: { Arn: settings.deadLetterArn },
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      },
    });
    expect(JSON.parse(got.Target?.Input ?? '')).toEqual({
      tenantId: T,
      policyId: 'nightly',
      scheduleName: 'night',
      scheduledTime: SCHEDULED_TIME,
    });
  });

  it('reads schedules back as specs, updates one in place, and deletes idempotently', async () => {
    const start = '2027-01-01T00:00:00.000Z';
    await schedules.put(T, spec('nightly.night'));
    await schedules.put(T, spec('often.every', { expression: 'rate(6 hours)', windowMinutes: 0, startDate: start }));
    expect(await schedules.list('globex')).toEqual([]);

    const listed = await schedules.list(T);
    expect(listed.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      spec('nightly.night'),
      spec('often.every', { expression: 'rate(6 hours)', windowMinutes: 0, startDate: start }),
    ]);

    await schedules.put(T, spec('nightly.night', { expression: 'cron(30 1 * * ? *)', windowMinutes: 0 }));
    expect((await schedules.list(T)).find((s) => s.name === 'nightly.night')).toMatchObject({
      expression: 'cron(30 1 * * ? *)',
      windowMinutes: 0,
    });

    await schedules.delete(T, 'nightly.night');
    await schedules.delete(T, 'nightly.night');
    await schedules.delete('globex', 'nightly.night');
    expect((await schedules.list(T)).map((s) => s.name)).toEqual(['often.every']);
  });

  it('names groups within 64 characters, distinct for long tenant ids', () => {
    const long = `t${'a'.repeat(61)}z`;
    const other = `t${'a'.repeat(61)}y`;
    expect(scheduleGroupName('strongbox', 'acme')).toBe('strongbox-acme');
    expect(scheduleGroupName('strongbox', long).length).toBeLessThanOrEqual(64);
    expect(scheduleGroupName('strongbox', long)).not.toBe(scheduleGroupName('strongbox', other));
  });
});

describe('reconciling policies with Scheduler on moto', () => {
  it('creates what the catalog says, repairs drift made behind its back, and is idempotent', async () => {
    const { tableName } = await createTestResources(clients);
    const catalog = new DynamoDbCatalog(clients.dynamodb, tableName);
    const policy = putPolicy(
      undefined,
      {
        tenantId: T,
        id: 'nightly',
        name: 'Nightly',
        sources: { ids: [], tags: { env: 'prod' } },
        schedules: [
          { name: 'night', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/London', windowMinutes: 30 },
          { name: 'often', expression: 'rate(6 hours)', timezone: 'UTC', windowMinutes: 0 },
        ],
      },
      new Date('2027-01-01T00:00:00Z'),
    );
    await catalog.policies.put(policy, 'absent');
    const deps = { catalog, schedules, clock: new SystemClock() };

    expect([...(await reconcileSchedules(deps, { tenantId: T })).created].sort()).toEqual([
      'nightly.night',
      'nightly.often',
    ]);
    expect(await reconcileSchedules(deps, { tenantId: T })).toEqual({
      created: [],
      updated: [],
      deleted: [],
      unchanged: 2,
    });

    // Someone edits a schedule in the console and adds one of their own to the tenant's group.
    const got = await clients.scheduler.send(
      new GetScheduleCommand({ GroupName: 'strongbox-acme', Name: 'nightly.night' }),
    );
    await clients.scheduler.send(
      new UpdateScheduleCommand({
        GroupName: 'strongbox-acme',
        Name: 'nightly.night',
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: got.Target,
      }),
    );
    await schedules.put(T, spec('stray.one'));

    expect(await reconcileSchedules(deps, { tenantId: T })).toEqual({
      created: [],
      updated: ['nightly.night'],
      deleted: ['stray.one'],
      unchanged: 1,
    });
    expect((await schedules.list(T)).find((s) => s.name === 'nightly.night')).toMatchObject({
      expression: 'cron(0 3 * * ? *)',
      timezone: 'Europe/London',
      windowMinutes: 30,
    });
    expect((await schedules.list(T)).find((s) => s.name === 'nightly.often')?.startDate).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  it('re-creates an old rate schedule on its rhythm with a start Scheduler accepts (not in the past)', async () => {
    const { tableName } = await createTestResources(clients);
    const catalog = new DynamoDbCatalog(clients.dynamodb, tableName);
    // A policy saved long ago: its rate schedule started then.
    const policy = putPolicy(
      undefined,
      {
        tenantId: T,
        id: 'old',
        name: 'Old',
        sources: { ids: [], tags: { env: 'prod' } },
        schedules: [{ name: 'six', expression: 'rate(6 hours)', timezone: 'UTC', windowMinutes: 0 }],
      },
      new Date('2026-01-01T00:07:00Z'),
    );
    await catalog.policies.put(policy, 'absent');
    const deps = { catalog, schedules, clock: new SystemClock() };

    expect(await reconcileSchedules(deps, { tenantId: T })).toMatchObject({ created: ['old.six'] });
    const [created] = await schedules.list(T);
    const start = Date.parse(created?.startDate ?? '');
    expect(start).toBeGreaterThan(Date.now());
    expect(start - Date.now()).toBeLessThanOrEqual(6 * 3600_000 + 60_000);
    expect((start - Date.parse('2026-01-01T00:07:00Z')) % (6 * 3600_000)).toBe(0);
    expect(await reconcileSchedules(deps, { tenantId: T })).toMatchObject({ updated: [], unchanged: 1 });
  });
});
