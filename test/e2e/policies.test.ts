import { GetScheduleCommand, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import type { Firing } from '../../scripts/local/ticker';
import { type Api, apiAs, startTestService } from '../support/local-service';
import { type Body, databaseSource, listBackups, smallDatabase } from '../support/retention-e2e';

/**
 * Policies over HTTP on the local service: validation, roles and isolation, schedules on moto's Scheduler (drift
 * repaired by reconcile), next runs, and the local ticker — which reads the schedules back from the Scheduler API, as
 * Scheduler would fire them — driving the real dispatcher, which starts real dumps; a repeated delivery of one firing
 * starts nothing more (Powertools idempotency on moto's DynamoDB).
 */
let service: LocalService;
let acme: Api;
let member: Api;
let globex: Api;
const cleanup: (() => Promise<void>)[] = [];
let tagged: string;
let other: string;

const nightly = {
  name: 'Nightly',
  sources: { tags: { env: 'prod' } },
  schedules: [{ name: 'night', expression: 'cron(30 1 * * ? *)', timezone: 'Europe/London', windowMinutes: 30 }],
};

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  member = apiAs(service, 'acmeMember');
  globex = apiAs(service, 'globex');
  for (const name of ['policy_tagged', 'policy_other']) {
    const db = await smallDatabase(name);
    cleanup.push(db.drop);
    const id = await databaseSource(acme, db);
    if (name === 'policy_tagged') tagged = id;
    else other = id;
  }
  expect((await acme.patch(`/v1/sources/${tagged}`, { tags: { env: 'prod' } })).status).toBe(200);
});

afterAll(async () => {
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

const fieldsOf = (body: Body) => ((body.error as { fields?: { path: string }[] }).fields ?? []).map((f) => f.path);
const schedule = (group: string, name: string) =>
  service.clients.scheduler.send(new GetScheduleCommand({ GroupName: group, Name: name }));

describe('policies API (local service, moto Scheduler)', () => {
  it('validates with the field named, lets only admins change policies, and keeps tenants apart', async () => {
    const bad = await acme.put('/v1/policies/nightly', {
      ...nightly,
      schedules: [{ name: 'night', expression: 'cron(0 24 * * ? *)', timezone: 'Mars/Olympus', windowMinutes: 2000 }],
      tenantId: 'globex',
    });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(
      expect.arrayContaining(['tenantId', 'schedules.0.timezone', 'schedules.0.windowMinutes']),
    );
    const cron = await acme.put('/v1/policies/nightly', {
      ...nightly,
      schedules: [{ name: 'night', expression: 'cron(0 24 * * ? *)' }],
    });
    expect(cron.status).toBe(400);
    expect(fieldsOf(cron.body)).toEqual(['schedules.0.expression']);
    const settings = await acme.put('/v1/policies/nightly', {
      ...nightly,
      settings: { retention: { keepDaily: -1 }, copyRegions: ['moon-1'], restoreApproval: 'yes', encrypt: true },
    });
    expect(settings.status).toBe(400);
    expect(fieldsOf(settings.body)).toEqual(
      expect.arrayContaining([
        'settings.retention.keepDaily',
        'settings.copyRegions.0',
        'settings.restoreApproval',
        'settings.encrypt',
      ]),
    );
    expect((await acme.put('/v1/policies/Bad_Id', nightly)).status).toBe(400);
    expect((await member.put('/v1/policies/nightly', nightly)).status).toBe(403);
    expect((await acme.get('/v1/policies/nightly')).status).toBe(404);

    const created = await acme.put('/v1/policies/nightly', nightly);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({ id: 'nightly', revision: 1, reconciled: { created: ['nightly.night'] } });
    expect((await member.get('/v1/policies/nightly')).status).toBe(200);
    expect((await globex.get('/v1/policies/nightly')).status).toBe(404);
    expect((await globex.get('/v1/policies')).body).toEqual({ items: [], nextCursor: null });
    await expect(schedule('strongbox-globex', 'nightly.night')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('creates the schedule on Scheduler as the policy says, and reconcile undoes an edit made behind its back', async () => {
    const got = await schedule('strongbox-acme', 'nightly.night');
    expect(got).toMatchObject({
      ScheduleExpression: 'cron(30 1 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/London',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
    });
    expect(JSON.parse(got.Target?.Input ?? '{}')).toMatchObject({ tenantId: 'acme', policyId: 'nightly' });

    await service.clients.scheduler.send(
      new UpdateScheduleCommand({
        GroupName: 'strongbox-acme',
        Name: 'nightly.night',
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: got.Target,
      }),
    );
    expect((await member.post('/v1/schedules/reconcile', {})).status).toBe(403);
    const repaired = await acme.post('/v1/schedules/reconcile', {});
    expect(repaired.body).toEqual({ created: [], updated: ['nightly.night'], deleted: [], unchanged: 0 });
    expect((await schedule('strongbox-acme', 'nightly.night')).ScheduleExpression).toBe('cron(30 1 * * ? *)');
  });

  it('shows the next runs in UTC and London time', async () => {
    const runs = await member.get<{ runs: Body[] }>('/v1/policies/nightly/next-runs?count=3');
    expect(runs.status).toBe(200);
    expect(runs.body.runs).toHaveLength(3);
    for (const run of runs.body.runs) {
      expect(run).toMatchObject({ schedule: 'night', timezone: 'Europe/London', windowMinutes: 30 });
      expect(String(run.local)).toMatch(/T01:30:00\+0[01]:00$/);
    }
    expect((await member.get('/v1/policies/nightly/next-runs?count=0')).status).toBe(400);
  });

  it('fires from the local ticker: one scheduled backup of the tagged source, once per scheduled time', async () => {
    const fired = await service.ticker.fireNow('strongbox-acme', 'nightly.night', new Date('2027-03-29T00:30:00Z'));
    expect(fired).toMatchObject({ outcome: 'invoked', scheduledTime: '2027-03-29T00:30:00Z' });
    await service.idle();
    const backups = await listBackups(acme, tagged);
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatchObject({ trigger: 'scheduled', status: 'succeeded' });
    expect(await listBackups(acme, other)).toEqual([]);

    // The same firing delivered again (Scheduler is at-least-once): the first answer, nothing started.
    await service.ticker.fireNow('strongbox-acme', 'nightly.night', new Date('2027-03-29T00:30:00Z'));
    await service.idle();
    expect(await listBackups(acme, tagged)).toHaveLength(1);
    const dispatches = await member.get<{ items: Body[] }>('/v1/policies/nightly/dispatches');
    expect(dispatches.body.items).toHaveLength(1);
    expect(dispatches.body.items[0]).toMatchObject({
      scheduledTime: '2027-03-29T00:30:00Z',
      outcomes: [{ sourceId: tagged, outcome: 'started' }],
    });
  });

  it('ticks through a controlled clock: each due time fires once, in order, none twice', async () => {
    // 01:30 London falls due at 00:30Z on 30 and 31 March; a tick fires what fell due since the last one.
    service.ticker.skipTo(new Date('2027-03-29T12:00:00Z'));
    const acmeOnly = { groups: ['strongbox-acme'] };
    const first = await service.ticker.tick(new Date('2027-03-30T12:00:00Z'), acmeOnly);
    await service.idle();
    const second = await service.ticker.tick(new Date('2027-03-31T12:00:00Z'), acmeOnly);
    const again = await service.ticker.tick(new Date('2027-03-31T12:00:00Z'), acmeOnly);
    await service.idle();
    const ours = (fired: Firing[]) => fired.filter((f) => f.name === 'nightly.night');
    expect(ours(first).map((f) => [f.scheduledTime, f.outcome])).toEqual([['2027-03-30T00:30:00Z', 'invoked']]);
    expect(ours(second).map((f) => [f.scheduledTime, f.outcome])).toEqual([['2027-03-31T00:30:00Z', 'invoked']]);
    expect(again).toEqual([]);
    expect(await listBackups(acme, tagged)).toHaveLength(3);
  });

  it('does not double a backup still running when the next time falls due', async () => {
    // Two due times in one tick: the second finds the first's backup still under way and skips it, with the reason.
    service.ticker.skipTo(new Date('2027-04-01T12:00:00Z'));
    await service.ticker.tick(new Date('2027-04-03T12:00:00Z'), { groups: ['strongbox-acme'] });
    await service.idle();
    expect(await listBackups(acme, tagged)).toHaveLength(4);
    const dispatches = await member.get<{ items: Body[] }>('/v1/policies/nightly/dispatches?limit=2');
    expect(dispatches.body.items.map((d) => d.outcomes)).toEqual([
      [
        {
          sourceId: tagged,
          outcome: 'skipped',
          code: 'previous_backup_running',
          message: expect.stringContaining('still'),
        },
      ],
      [{ sourceId: tagged, outcome: 'started', backupId: expect.any(String) }],
    ]);
  });

  it("the missed-backup sweep records the tagged source's RPO status: due by the next 01:30 London plus window and grace", async () => {
    const sweep = service.functions.all().find((fn) => fn.entry.endsWith('schedules/rpo-sweep.ts'));
    expect(sweep).toBeDefined();
    await service.functions.invoke(sweep?.arn ?? '', {});
    const rpo = await member.get<{ items: Body[] }>('/v1/rpo');
    expect(rpo.status).toBe(200);
    expect(rpo.body.items).toEqual([
      expect.objectContaining({ sourceId: tagged, status: 'ok', policyId: 'nightly', scheduleName: 'night' }),
    ]);
    const [status] = rpo.body.items as [Body];
    // 01:30 London + 30 minutes window + the configured grace (config/local.json).
    const grace = Number(service.environment.STRONGBOX_RPO_GRACE_MINUTES);
    expect(Date.parse(String(status.deadline)) - Date.parse(String(status.expectedAt))).toBe((30 + grace) * 60_000);
    expect(String(status.expectedAt)).toMatch(/T0[01]:30:00\.000Z$/);
    expect((await globex.get<{ items: Body[] }>('/v1/rpo')).body.items).toEqual([]);
  });

  it("the daily repair puts every tenant's schedules right without anyone asking", async () => {
    const got = await schedule('strongbox-acme', 'nightly.night');
    await service.clients.scheduler.send(
      new UpdateScheduleCommand({
        GroupName: 'strongbox-acme',
        Name: 'nightly.night',
        ScheduleExpression: 'cron(0 12 * * ? *)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: got.Target,
      }),
    );
    const repair = service.functions.all().find((fn) => fn.entry.endsWith('schedules/reconcile-all.ts'));
    expect(await service.functions.invoke(repair?.arn ?? '', {})).toMatchObject({ repaired: 1 });
    expect(await schedule('strongbox-acme', 'nightly.night')).toMatchObject({
      ScheduleExpression: 'cron(30 1 * * ? *)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
    });
    expect(await service.functions.invoke(repair?.arn ?? '', {})).toMatchObject({ repaired: 0 });
  });

  it('deletes the schedule with the policy', async () => {
    expect((await member.delete('/v1/policies/nightly')).status).toBe(403);
    expect((await acme.delete('/v1/policies/nightly')).status).toBe(204);
    await expect(schedule('strongbox-acme', 'nightly.night')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect((await acme.get('/v1/policies/nightly')).status).toBe(404);
  });
});
