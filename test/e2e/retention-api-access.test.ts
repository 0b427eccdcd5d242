import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, sourceBodyFor, startTestService } from '../support/local-service';
import {
  type Body,
  backUp,
  backupOf,
  databaseSource,
  legalHoldOf,
  listBackups,
  pruneOverHttp,
  runIdOf,
  smallDatabase,
  statusOf,
  vaultPrefix,
  vaultVersions,
} from '../support/retention-e2e';
import { testbedInfo } from '../support/testbed';

/**
 * Who may do what with retention, over HTTP (the local service): members read plans and simulate, only admins hold
 * backups, accept deletions and change policies (403 otherwise); another tenant's source, backup or run is a 404 and
 * stays as it was; PATCH /v1/sources/{id} names the bad fields of a policy; only succeeded backups can be held (409).
 */
let service: LocalService;
let acme: Api;
let member: Api;
let globex: Api;
const cleanup: (() => Promise<void>)[] = [];
let sourceId: string;
/** Oldest first. */
let ids: string[];

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  member = apiAs(service, 'acmeMember');
  globex = apiAs(service, 'globex');
  const db = await smallDatabase('retention_access');
  cleanup.push(db.drop);
  sourceId = await databaseSource(acme, db, { keepLast: 1 });
  ids = await backUp(service, acme, sourceId, 2);
});

afterAll(async () => {
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

function fieldsOf(body: Body): string[] {
  return ((body.error as { fields?: { path: string }[] }).fields ?? []).map((field) => field.path);
}

/** What no refused request may change: the source, its backups (holds included) and the vault's legal holds. */
async function acmeState() {
  const source = (await acme.get(`/v1/sources/${sourceId}`)).body;
  const backups = await listBackups(acme, sourceId);
  const holds: (string | undefined)[] = [];
  for (const id of ids) {
    for (const version of await vaultVersions(service, vaultPrefix('acme', sourceId, id))) {
      holds.push(await legalHoldOf(service, version.split('@')[0] as string));
    }
  }
  return { source, backups, holds };
}

describe('retention roles and tenants over HTTP', () => {
  it('lets a member preview, simulate and read runs, and refuses holds, acknowledgements and policy changes (403)', async () => {
    // Prepare
    const before = await acmeState();
    const backupId = ids[0] as string;

    // Act
    const reads = await Promise.all([
      member.get(`/v1/retention/preview?sourceId=${sourceId}`),
      member.post('/v1/retention/preview', { sourceId, policy: { keepLast: 2 } }),
      member.post('/v1/retention/simulate', { policy: { keepLast: 1 }, backups: [] }),
      member.get('/v1/retention/runs'),
    ]);
    const writes = await Promise.all([
      member.post(`/v1/backups/${backupId}/hold`, { reason: 'mine' }),
      member.delete(`/v1/backups/${backupId}/hold`),
      member.post('/v1/retention/acknowledge', { sourceId, deletions: 1 }),
      member.patch(`/v1/sources/${sourceId}`, { settings: { retention: { keepLast: 5 } } }),
    ]);

    // Assess
    expect(reads.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    expect(reads[0]?.body.summary).toEqual({ keep: 1, delete: 1, archive: 0 });
    expect(writes.map((response) => response.status)).toEqual([403, 403, 403, 403]);
    for (const response of writes) expect(response.body).toMatchObject({ error: { code: 'forbidden' } });
    expect(await acmeState()).toEqual(before);
  });

  it("answers globex 404 for acme's source, backup and run, and changes nothing", async () => {
    // Prepare: a run of acme (an operator's, through the Step Functions API) that deletes acme's older backup
    const execution = await pruneOverHttp(service, { run: { tenantId: 'acme' } });
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await statusOf(acme, ids[0] as string)).toBe('deleted');
    const runId = runIdOf(execution);
    expect((await acme.get(`/v1/retention/runs/${runId}`)).status).toBe(200);
    const before = await acmeState();
    const backupId = ids[1] as string;

    // Act
    const answers = await Promise.all([
      globex.get(`/v1/retention/preview?sourceId=${sourceId}`),
      globex.post('/v1/retention/preview', { sourceId, policy: { keepLast: 1 } }),
      globex.post(`/v1/backups/${backupId}/hold`, { reason: 'theirs' }),
      globex.delete(`/v1/backups/${backupId}/hold`),
      globex.post('/v1/retention/acknowledge', { sourceId, deletions: 1 }),
      globex.patch(`/v1/sources/${sourceId}`, { settings: { retention: null } }),
      globex.get(`/v1/retention/runs/${runId}`),
    ]);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    for (const answer of answers) {
      expect(answer.body).toMatchObject({ error: { code: 'not_found' } });
      expect(JSON.stringify(answer.body)).not.toContain('acme');
    }
    expect((await globex.get<{ items: unknown[] }>('/v1/retention/runs')).body.items).toEqual([]);
    expect(await acmeState()).toEqual(before);
    expect(before.holds.every((hold) => hold !== 'ON')).toBe(true);
    expect(before.source.settings).toMatchObject({ retention: { keepLast: 1 } });
  });
});

describe('PATCH /v1/sources/{id} with a retention policy', () => {
  it('names every bad field of a policy (400), answers 404 for an unknown or malformed source, and changes nothing', async () => {
    // Prepare
    const before = (await acme.get(`/v1/sources/${sourceId}`)).body;

    // Act
    const bad = await acme.patch(`/v1/sources/${sourceId}`, {
      settings: { retention: { keepDaily: -1, timeZone: 'Mars/Olympus', keepForever: 1, manual: { keepLast: 'x' } } },
    });
    const unknownSetting = await acme.patch(`/v1/sources/${sourceId}`, { settings: { retentionPolicy: {} } });
    const unknown = await acme.patch('/v1/sources/src_01JAAAAAAAAAAAAAAAAAAAAAAA', {
      settings: { retention: { keepLast: 1 } },
    });
    const malformed = await acme.patch('/v1/sources/nope', { settings: { retention: { keepLast: 1 } } });

    // Assess
    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
    expect(fieldsOf(bad.body).sort()).toEqual([
      'settings.retention.keepDaily',
      'settings.retention.keepForever',
      'settings.retention.manual.keepLast',
      'settings.retention.timeZone',
    ]);
    expect(unknownSetting.status).toBe(400);
    expect(fieldsOf(unknownSetting.body)).toEqual(['settings.retentionPolicy']);
    expect([unknown.status, malformed.status]).toEqual([404, 404]);
    expect((await acme.get(`/v1/sources/${sourceId}`)).body).toEqual(before);
  });

  it('sets a policy (normalized, time zone defaulted), and removes it with null', async () => {
    // Act
    const set = await acme.patch(`/v1/sources/${sourceId}`, {
      settings: { retention: { keepDaily: 7, keepWeekly: 4, manual: { keepWithin: 'P30D', keepLast: 3 } } },
    });
    const preview = await acme.get(`/v1/retention/preview?sourceId=${sourceId}`);
    const removed = await acme.patch(`/v1/sources/${sourceId}`, { settings: { retention: null } });
    const restored = await acme.patch(`/v1/sources/${sourceId}`, { settings: { retention: { keepLast: 1 } } });

    // Assess
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect((set.body.settings as Body).retention).toEqual({
      keepDaily: 7,
      keepWeekly: 4,
      manual: { keepWithin: 'P30D', keepLast: 3 },
      timeZone: 'UTC',
    });
    expect(preview.body.policy).toEqual((set.body.settings as Body).retention);
    expect(removed.status).toBe(200);
    expect(removed.body.settings).not.toHaveProperty('retention');
    expect((await acme.get(`/v1/retention/preview?sourceId=${sourceId}`)).body).toMatchObject({ policy: {} });
    expect(restored.body.settings).toMatchObject({ retention: { keepLast: 1 } });
  });
});

describe('legal hold on a backup that is not succeeded', () => {
  it('refuses to hold a pending/running backup and a failed one (409), and holds the same backup once it succeeded', async () => {
    // Prepare: a backup held up by a lock on the table it dumps (pg_dump waits for it)
    const db = await smallDatabase('retention_hold');
    cleanup.push(db.drop);
    const heldUpSource = await databaseSource(acme, db);
    const server = testbedInfo().postgres;
    const locker = new pg.Client({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      database: db.name,
    });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
    const requested = await acme.post('/v1/backups', { sourceId: heldUpSource });
    expect(requested.status).toBe(202);
    const inFlight = requested.body.id as string;

    // Act
    const early = await acme.post(`/v1/backups/${inFlight}/hold`, { reason: 'too early' });
    const stateThen = await statusOf(acme, inFlight);
    await locker.query('COMMIT');
    await locker.end();
    await service.idle();
    const later = await acme.post(`/v1/backups/${inFlight}/hold`, { reason: 'now' });

    // Assess
    expect(['pending', 'running']).toContain(stateThen);
    expect(early.status, JSON.stringify(early.body)).toBe(409);
    expect(early.body).toMatchObject({ error: { code: 'invalid_state' } });
    expect(later.status, JSON.stringify(later.body)).toBe(200);
    expect(later.body).toMatchObject({ status: 'succeeded', legalHold: { reason: 'now' } });

    // Prepare: a backup of a database that is gone fails
    const gone = await smallDatabase('retention_gone');
    const goneSource = (await acme.post('/v1/sources', sourceBodyFor(gone))).body.id as string;
    await gone.drop();
    const failedId = (await acme.post('/v1/backups', { sourceId: goneSource })).body.id as string;
    await service.idle();
    expect(await backupOf(acme, failedId)).toMatchObject({ status: 'failed' });

    // Act
    const failed = await acme.post(`/v1/backups/${failedId}/hold`, {});

    // Assess
    expect(failed.status, JSON.stringify(failed.body)).toBe(409);
    expect(failed.body).toMatchObject({ error: { code: 'invalid_state' } });
    expect(await backupOf(acme, failedId)).toMatchObject({ legalHold: null, holdHistory: [] });
  });
});
