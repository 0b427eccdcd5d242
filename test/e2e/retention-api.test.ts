import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, startTestService } from '../support/local-service';
import {
  type Body,
  backUp,
  databaseSource,
  listBackups,
  smallDatabase,
  vaultPrefix,
  vaultVersions,
} from '../support/retention-e2e';
import type { TestDatabase } from '../support/testbed';

/**
 * Retention as a tenant uses it over HTTP (the local service): the preview of a source's policy and the what-if of
 * another, which explain every decision and delete nothing, and the simulation of any policy over any history (the
 * worked examples of docs/retention.md and the README, as in test/unit/retention-planner.test.ts), with errors that
 * name the field.
 */
let service: LocalService;
let acme: Api;
let db: TestDatabase;
let sourceId: string;
/** Oldest first. */
let ids: string[];

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  db = await smallDatabase('retention_api');
  sourceId = await databaseSource(acme, db, { keepLast: 3 });
  ids = await backUp(service, acme, sourceId, 4);
});

afterAll(async () => {
  await service?.stop();
  await db?.drop();
});

/** What a preview must leave as it was: every backup as listed, the vault's versions of each, and no prune run. */
async function snapshotOfState() {
  const backups = await listBackups(acme, sourceId);
  const versions = await Promise.all(ids.map((id) => vaultVersions(service, vaultPrefix('acme', sourceId, id))));
  const runs = (await acme.get('/v1/retention/runs')).body.items;
  return { backups, versions, runs };
}

function fieldsOf(body: Body): string[] {
  return ((body.error as { fields?: { path: string }[] }).fields ?? []).map((field) => field.path);
}

/** One scheduled backup a day at 02:00 UTC, `from` to `to` inclusive, named bkp_<date> (as the planner's unit test). */
function dailyHistory(from: string, to: string): { id: string; createdAt: string }[] {
  const out: { id: string; createdAt: string }[] = [];
  for (let t = Date.parse(`${from}T02:00:00Z`); t <= Date.parse(`${to}T02:00:00Z`); t += 86_400_000) {
    const createdAt = new Date(t).toISOString();
    out.push({ id: `bkp_${createdAt.slice(0, 10)}`, createdAt });
  }
  return out;
}

type Decision = { backupId: string; action: string; reasons: string[] };
const kept = (body: Body) => (body.decisions as Decision[]).filter((d) => d.action === 'keep').map((d) => d.backupId);
const reasonsOf = (body: Body, id: string) => (body.decisions as Decision[]).find((d) => d.backupId === id)?.reasons;

describe('retention preview (GET) and what-if (POST) over HTTP', () => {
  it("explains every decision of the source's policy, with coverage and the brake, and deletes nothing", async () => {
    // Prepare
    const before = await snapshotOfState();
    const [oldest, second, third, newest] = ids as [string, string, string, string];

    // Act
    const preview = await acme.get(`/v1/retention/preview?sourceId=${sourceId}`);

    // Assess
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({
      sourceId,
      now: expect.any(String),
      policy: { keepLast: 3, timeZone: 'UTC' },
      summary: { keep: 3, delete: 1, archive: 0 },
      archive: [],
    });
    expect(
      (preview.body.decisions as Body[]).map((d) => [d.backupId, d.action, d.reasons, d.status, d.trigger]),
    ).toEqual([
      [newest, 'keep', ['last 1/3', 'newest successful'], 'succeeded', 'manual'],
      [third, 'keep', ['last 2/3'], 'succeeded', 'manual'],
      [second, 'keep', ['last 3/3'], 'succeeded', 'manual'],
      [oldest, 'delete', ['no rule keeps it (last 3)'], 'succeeded', 'manual'],
    ]);
    for (const decision of preview.body.decisions as Body[]) expect(decision.createdAt).toEqual(expect.any(String));
    expect(preview.body.coverage).toEqual([
      { sourceId, rule: 'last', wanted: 3, covered: 3, buckets: expect.any(Array) },
    ]);
    expect(preview.body.brake).toEqual({
      tripped: false,
      sources: [{ sourceId, tripped: false, acknowledged: false, wouldDelete: 1, successful: 4 }],
    });
    expect(await snapshotOfState()).toEqual(before);
    expect(before.versions.every((versions) => versions.length === 2)).toBe(true);
  });

  it('lists what a stricter policy newly deletes and a looser one newly keeps, reports a brake, and deletes nothing', async () => {
    // Prepare
    const before = await snapshotOfState();
    const [oldest, second] = ids as [string, string];

    // Act
    const stricter = await acme.post('/v1/retention/preview', { sourceId, policy: { keepLast: 2 } });
    const looser = await acme.post('/v1/retention/preview', { sourceId, policy: { keepLast: 4 } });
    const braking = await acme.post('/v1/retention/preview', { sourceId, policy: { keepLast: 1 } });

    // Assess
    expect(stricter.status, JSON.stringify(stricter.body)).toBe(200);
    expect(stricter.body).toMatchObject({
      sourceId,
      current: { keep: 3, delete: 1, archive: 0 },
      proposed: { keep: 2, delete: 2, archive: 0 },
      newlyKept: [],
      brake: { tripped: false },
      plan: { policy: { keepLast: 2, timeZone: 'UTC' }, summary: { keep: 2, delete: 2 } },
    });
    expect((stricter.body.newlyDeleted as Body[]).map((d) => [d.backupId, d.reasons])).toEqual([
      [second, ['no rule keeps it (last 2)']],
    ]);
    expect(looser.body).toMatchObject({ newlyDeleted: [], proposed: { keep: 4, delete: 0 } });
    expect((looser.body.newlyKept as Body[]).map((d) => [d.backupId, d.reasons])).toEqual([[oldest, ['last 4/4']]]);
    expect(braking.body.brake).toMatchObject({
      tripped: true,
      sources: [{ sourceId, tripped: true, wouldDelete: 3, reason: 'brake: would delete 3 of 4 (> 50 %)' }],
    });
    // the source's own policy is unchanged, and so is everything else
    expect((await acme.get(`/v1/sources/${sourceId}`)).body.settings).toMatchObject({ retention: { keepLast: 3 } });
    expect(await snapshotOfState()).toEqual(before);
  });
});

describe('retention simulate over HTTP (the worked examples)', () => {
  it("keeps 20 of 14 months of daily backups for Divio's 7 daily / 4 weekly / 12 monthly", async () => {
    // Act
    const response = await acme.post('/v1/retention/simulate', {
      policy: { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 },
      backups: dailyHistory('2025-10-01', '2026-11-20'),
      now: '2026-11-20T12:00:00Z',
      brake: { maxDeleteShare: 1 },
    });

    // Assess: the expectations of test/unit/retention-planner.test.ts
    expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(200);
    const days = ['2026-11-20', '2026-11-19', '2026-11-18', '2026-11-17', '2026-11-16', '2026-11-15', '2026-11-14'];
    const weeks = ['2026-11-08', '2026-11-01'];
    const months = ['2026-10-31', '2026-09-30', '2026-08-31', '2026-07-31', '2026-06-30', '2026-05-31'];
    months.push('2026-04-30', '2026-03-31', '2026-02-28', '2026-01-31', '2025-12-31');
    expect(response.body.now).toBe('2026-11-20T12:00:00Z');
    expect(kept(response.body)).toEqual([...days, ...weeks, ...months].map((d) => `bkp_${d}`));
    expect(response.body.decisions).toHaveLength(416);
    expect(reasonsOf(response.body, 'bkp_2026-11-20')).toEqual([
      'daily 1/7 2026-11-20',
      'weekly 1/4 2026-W47',
      'monthly 1/12 2026-11',
      'newest successful',
    ]);
    expect(reasonsOf(response.body, 'bkp_2026-11-15')).toEqual(['daily 6/7 2026-11-15', 'weekly 2/4 2026-W46']);
    expect(reasonsOf(response.body, 'bkp_2026-11-01')).toEqual(['weekly 4/4 2026-W44']);
    expect(reasonsOf(response.body, 'bkp_2025-12-31')).toEqual(['monthly 12/12 2025-12']);
    expect(reasonsOf(response.body, 'bkp_2025-12-30')).toEqual(['no rule keeps it (daily 7, weekly 4, monthly 12)']);
    expect((response.body.coverage as Body[]).map((c) => [c.rule, c.wanted, c.covered])).toEqual([
      ['daily', 7, 7],
      ['weekly', 4, 4],
      ['monthly', 12, 12],
    ]);
  });

  it("keeps 50 for Plant an App's 30 daily / 12 weekly / 12 monthly / yearly forever, the oldest among them", async () => {
    // Act
    const response = await acme.post('/v1/retention/simulate', {
      policy: { keepDaily: 30, keepWeekly: 12, keepMonthly: 12, keepYearly: 'unlimited' },
      backups: dailyHistory('2023-11-21', '2026-11-20'),
      now: '2026-11-20T12:00:00Z',
      brake: { maxDeleteShare: 1 },
    });

    // Assess
    expect(response.status).toBe(200);
    expect(kept(response.body)).toHaveLength(50);
    expect(reasonsOf(response.body, 'bkp_2026-09-06')).toEqual(['weekly 12/12 2026-W36']);
    expect(reasonsOf(response.body, 'bkp_2024-12-31')).toEqual(['yearly 3/∞ 2024']);
    expect(reasonsOf(response.body, 'bkp_2023-11-21')).toEqual(['oldest yearly 5/∞ 2023']);
  });

  it('applies the default brake to a simulation that would delete most of the history, and the README example in Europe/London', async () => {
    // Act
    const braked = await acme.post('/v1/retention/simulate', {
      policy: { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 },
      backups: dailyHistory('2025-10-01', '2026-11-20'),
      now: '2026-11-20T12:00:00Z',
    });
    const readme = await acme.post('/v1/retention/simulate', {
      policy: { keepDaily: 7, timeZone: 'Europe/London' },
      now: '2026-11-22T12:00:00Z',
      backups: [
        { id: 'a', createdAt: '2026-11-21T03:00:00Z' },
        { id: 'b', createdAt: '2026-11-21T02:00:00Z' },
      ],
    });

    // Assess
    expect(braked.body.brake).toMatchObject({
      tripped: true,
      sources: [{ sourceId: 'simulated', wouldDelete: 396, successful: 416 }],
    });
    expect(kept(braked.body)).toHaveLength(416);
    expect(readme.status, JSON.stringify(readme.body)).toBe(200);
    expect(readme.body.decisions).toEqual([
      {
        backupId: 'a',
        sourceId: 'simulated',
        action: 'keep',
        reasons: ['daily 1/7 2026-11-21', 'newest successful'],
        tiers: expect.any(Array),
      },
      {
        backupId: 'b',
        sourceId: 'simulated',
        action: 'keep',
        reasons: ['oldest daily 2/7 2026-11-21'],
        tiers: expect.any(Array),
      },
    ]);
  });
});

describe('retention request validation over HTTP: 400 naming the field', () => {
  const one = [{ id: 'a', createdAt: '2026-11-21T03:00:00Z' }];

  it.each([
    ['a negative count', { policy: { keepDaily: -1 }, backups: one }, 'policy.keepDaily'],
    ['a count that is not whole', { policy: { keepLast: 1.5 }, backups: one }, 'policy.keepLast'],
    ['an unknown time zone', { policy: { keepDaily: 7, timeZone: 'Mars/Olympus' }, backups: one }, 'policy.timeZone'],
    ['an unknown policy field', { policy: { keepDaily: 7, keepForever: true }, backups: one }, 'policy.keepForever'],
    ['a duration in minutes', { policy: { keepWithin: 'PT30M' }, backups: one }, 'policy.keepWithin'],
    ['an empty manual rule', { policy: { manual: {} }, backups: one }, 'policy.manual'],
    ['a tenant id in the body', { policy: {}, backups: one, tenantId: 'globex' }, 'tenantId'],
    [
      'a createdAt that is no instant',
      { policy: {}, backups: [{ id: 'a', createdAt: 'yesterday' }] },
      'backups.0.createdAt',
    ],
    ['a duplicate id', { policy: {}, backups: [...one, ...one] }, 'backups.1.id'],
    ['a brake share above 1', { policy: {}, backups: one, brake: { maxDeleteShare: 2 } }, 'brake.maxDeleteShare'],
  ])('simulate refuses %s', async (_what, body, field) => {
    const response = await acme.post('/v1/retention/simulate', body);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(fieldsOf(response.body)).toContain(field);
  });

  it('simulate refuses 10,001 backups (10,000 is the most it plans)', async () => {
    const backups = Array.from({ length: 10_001 }, (_, i) => ({
      id: `b${i}`,
      createdAt: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 3_600_000).toISOString(),
    }));
    const refused = await acme.post('/v1/retention/simulate', { policy: { keepLast: 1 }, backups });
    const accepted = await acme.post('/v1/retention/simulate', { policy: { keepLast: 1 }, backups: backups.slice(1) });
    expect(refused.status).toBe(400);
    expect(fieldsOf(refused.body)).toEqual(['backups']);
    expect(accepted.status).toBe(200);
    expect(accepted.body.decisions).toHaveLength(10_000);
  });

  it('preview refuses a missing or malformed source id, a bad policy, and an unknown source (404)', async () => {
    const missing = await acme.get('/v1/retention/preview');
    const malformed = await acme.get('/v1/retention/preview?sourceId=nope');
    const badPolicy = await acme.post('/v1/retention/preview', { sourceId, policy: { keepDaily: -1, hourly: 2 } });
    const unknown = await acme.get('/v1/retention/preview?sourceId=src_01JAAAAAAAAAAAAAAAAAAAAAAA');
    expect([missing.status, malformed.status, badPolicy.status]).toEqual([400, 400, 400]);
    expect(fieldsOf(missing.body)).toContain('sourceId');
    expect(fieldsOf(malformed.body)).toContain('sourceId');
    expect(fieldsOf(badPolicy.body)).toEqual(expect.arrayContaining(['policy.keepDaily', 'policy.hourly']));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'not_found' } });
  });
});
