import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRUNE_STATES } from '../../infra/constructs/retention';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, startTestService } from '../support/local-service';
import {
  type Body,
  backUp,
  backupOf,
  databaseSource,
  expectDownloadable,
  legalHoldOf,
  listBackups,
  prune,
  runIdOf,
  runReport,
  smallDatabase,
  statusOf,
  vaultPrefix,
  vaultVersions,
} from '../support/retention-e2e';
import { withPostgres } from '../support/testbed';

/**
 * The prune machine as synthesized, run by the local Step Functions endpoint with the real step handler against moto
 * (DynamoDB, S3) and the test bed's PostgreSQL: dump sources get a policy through PATCH /v1/sources/{id}, backups are
 * taken through the API (pg_dump into the vault), the machine is started as the schedule (`{}`) or an operator
 * (`{run: {tenantId}}`) starts it, and what it did is read back from the API and from S3. Tenants and scheduled runs
 * of several tenants: prune-machine-tenants.test.ts.
 */
let service: LocalService;
let acme: Api;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
});

afterAll(async () => {
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

async function database(prefix: string) {
  const db = await smallDatabase(prefix);
  cleanup.push(db.drop);
  return db;
}

/** The vault keys (data + manifest) of a backup, read from S3. */
async function objectsOf(tenant: string, sourceId: string, backupId: string): Promise<string[]> {
  return vaultVersions(service, vaultPrefix(tenant, sourceId, backupId));
}

describe('prune machine over dump backups (synthesized ASL, real handler, moto + PostgreSQL)', () => {
  it('deletes the two oldest of four dumps (keepLast 2) with every S3 version, keeps the newest two restorable, reports the run, and converges', async () => {
    // Prepare
    const db = await database('prune_dumps');
    const sourceId = await databaseSource(acme, db, { keepLast: 2 });
    const [oldest, older, newer, newest] = (await backUp(service, acme, sourceId, 4)) as [
      string,
      string,
      string,
      string,
    ];
    for (const id of [oldest, older, newer, newest]) {
      expect((await objectsOf('acme', sourceId, id)).map((v) => v.split('@')[0])).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/\/data\.dump\.zst$/),
          expect.stringMatching(/\/manifest\.json$/),
        ]),
      );
    }

    // Act
    const execution = await prune(service, {});

    // Assess: the machine
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(execution.states).toEqual([PRUNE_STATES.step, PRUNE_STATES.done, PRUNE_STATES.finished]);
    const runId = runIdOf(execution);
    expect(runId).toMatch(/^prn_/);
    // the two oldest: tombstones saying why, nothing left in the vault (no version, no delete marker)
    for (const id of [oldest, older]) {
      const tombstone = await backupOf(acme, id);
      expect(tombstone).toMatchObject({
        status: 'deleted',
        retention: {
          deletion: { runId, reasons: ['no rule keeps it (last 2)'] },
          deletedAt: expect.any(String),
          expiresAt: expect.any(String),
        },
      });
      const ttlDays = (Date.parse((tombstone.retention as Body).expiresAt as string) - Date.now()) / 86_400_000;
      expect(Math.round(ttlDays)).toBe(400);
      expect(await objectsOf('acme', sourceId, id)).toEqual([]);
      expect((await acme.get(`/v1/backups/${id}/download`)).body).toMatchObject({
        error: { code: 'backup_not_downloadable' },
      });
    }
    // the two newest: intact, downloadable, restorable
    for (const id of [newer, newest]) {
      expect(await backupOf(acme, id)).toMatchObject({ status: 'succeeded', retention: { deletion: null } });
      expect(await objectsOf('acme', sourceId, id)).toHaveLength(2);
      await expectDownloadable(acme, id);
    }
    const target = `${db.name}_kept`;
    cleanup.push(async () => {
      await withPostgres('postgres', (c) => c.query(`DROP DATABASE IF EXISTS "${target}" WITH (FORCE)`));
    });
    const restore = await acme.post('/v1/restores', { backupId: newer, target: { database: target } });
    expect(restore.status, JSON.stringify(restore.body)).toBe(202);
    await service.idle();
    expect((await acme.get(`/v1/restores/${restore.body.id}`)).body).toMatchObject({
      status: 'succeeded',
      restoredRows: 100,
    });
    // the run, as the tenant reads it
    const runs = (await acme.get('/v1/retention/runs')).body.items as Body[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: runId,
      status: 'finished',
      finishedAt: expect.any(String),
      sources: [{ sourceId, planned: 2, deleted: 2, archived: 0, skippedCount: 0, skipped: [] }],
    });

    // Act: the next scheduled run
    const again = await prune(service, {});

    // Assess: nothing more deleted, the tombstones stay as they were
    expect(again.status, again.cause).toBe('SUCCEEDED');
    const second = runIdOf(again);
    expect(second).not.toBe(runId);
    const secondRun = (await acme.get(`/v1/retention/runs/${second}`)).body;
    expect(secondRun.status).toBe('finished');
    for (const report of secondRun.sources as Body[]) expect(report).toMatchObject({ planned: 0, deleted: 0 });
    const listed = await listBackups(acme, sourceId);
    expect(listed.map((backup) => [backup.id, backup.status])).toEqual([
      [newest, 'succeeded'],
      [newer, 'succeeded'],
      [older, 'deleted'],
      [oldest, 'deleted'],
    ]);
    expect((await backupOf(acme, oldest)).retention).toMatchObject({ deletion: { runId } });
    expect(await objectsOf('acme', sourceId, newest)).toHaveLength(2);
  });

  it('keeps a backup under legal hold (S3 Object Lock legal hold on its objects) and deletes it once the hold is released', async () => {
    // Prepare
    const sourceId = await databaseSource(acme, await database('prune_hold'), { keepLast: 2 });
    const [oldest] = (await backUp(service, acme, sourceId, 3)) as [string, string, string];
    const held = await acme.post(`/v1/backups/${oldest}/hold`, { reason: 'audit 2026' });
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    expect(held.body.legalHold).toMatchObject({ by: 'admin@acme.local', reason: 'audit 2026' });
    const keys = (await objectsOf('acme', sourceId, oldest)).map((version) => version.split('@')[0] as string);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(await legalHoldOf(service, key)).toBe('ON');
    const preview = (await acme.get(`/v1/retention/preview?sourceId=${sourceId}`)).body;
    expect(preview.decisions).toContainEqual(
      expect.objectContaining({ backupId: oldest, action: 'keep', reasons: ['legal hold'] }),
    );

    // Act
    const run = await prune(service, { run: { tenantId: 'acme' } });

    // Assess
    expect(run.status, run.cause).toBe('SUCCEEDED');
    expect(await statusOf(acme, oldest)).toBe('succeeded');
    expect(await objectsOf('acme', sourceId, oldest)).toHaveLength(2);
    const kept = (await acme.get(`/v1/retention/runs/${runIdOf(run)}`)).body.sources as Body[];
    expect(kept.filter((report) => report.sourceId === sourceId && report.deleted !== 0)).toEqual([]);

    // Act: release, run again
    const released = await acme.delete(`/v1/backups/${oldest}/hold`);
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body.legalHold).toBeNull();
    expect((released.body.holdHistory as Body[]).map((event) => event.action)).toEqual(['placed', 'released']);
    for (const key of keys) expect(await legalHoldOf(service, key)).toBe('OFF');
    const next = await prune(service, { run: { tenantId: 'acme' } });

    // Assess
    expect(next.status, next.cause).toBe('SUCCEEDED');
    expect(await statusOf(acme, oldest)).toBe('deleted');
    expect(await objectsOf('acme', sourceId, oldest)).toEqual([]);
    expect(await runReport(acme, runIdOf(next), sourceId)).toMatchObject({ planned: 1, deleted: 1 });
  });

  it('stops a source at the brake (keepLast 1 of 5 = 80 %), records why, and deletes 4 once an admin acknowledges them', async () => {
    // Prepare
    const sourceId = await databaseSource(acme, await database('prune_brake'), { keepLast: 1 });
    const ids = await backUp(service, acme, sourceId, 5);

    // Act
    const braked = await prune(service, { run: { tenantId: 'acme' } });

    // Assess: everything kept, the reason on the run and in the preview
    expect(braked.status, braked.cause).toBe('SUCCEEDED');
    for (const id of ids) expect(await statusOf(acme, id)).toBe('succeeded');
    for (const id of ids) expect(await objectsOf('acme', sourceId, id)).toHaveLength(2);
    const report = await runReport(acme, runIdOf(braked), sourceId);
    expect(report).toMatchObject({
      planned: 0,
      deleted: 0,
      brake: { tripped: true, acknowledged: false, wouldDelete: 4, successful: 5 },
    });
    expect((report.brake as Body).reason).toBe('brake: would delete 4 of 5 (> 50 %)');
    const preview = (await acme.get(`/v1/retention/preview?sourceId=${sourceId}`)).body;
    expect(preview.brake).toMatchObject({ tripped: true });
    expect(preview.decisions).toContainEqual(
      expect.objectContaining({
        backupId: ids[0],
        action: 'keep',
        reasons: ['brake: would delete 4 of 5 (> 50 %)', 'otherwise: no rule keeps it (last 1)'],
      }),
    );

    // Act: a member may not accept deletions; an admin accepts 4
    const byMember = await apiAs(service, 'acmeMember').post('/v1/retention/acknowledge', { sourceId, deletions: 4 });
    expect(byMember.status).toBe(403);
    const ack = await acme.post('/v1/retention/acknowledge', { sourceId, deletions: 4 });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect((await acme.get(`/v1/sources/${sourceId}`)).body.retentionBrake).toMatchObject({
      deletions: 4,
      by: 'admin@acme.local',
    });
    const released = await prune(service, { run: { tenantId: 'acme' } });

    // Assess: 4 deleted, the newest kept, the acknowledgement used up
    expect(released.status, released.cause).toBe('SUCCEEDED');
    for (const id of ids.slice(0, 4)) {
      expect(await statusOf(acme, id)).toBe('deleted');
      expect(await objectsOf('acme', sourceId, id)).toEqual([]);
    }
    expect(await statusOf(acme, ids[4] as string)).toBe('succeeded');
    expect(await runReport(acme, runIdOf(released), sourceId)).toMatchObject({
      planned: 4,
      deleted: 4,
      brake: { tripped: false, acknowledged: true },
    });
    const source = (await acme.get(`/v1/sources/${sourceId}`)).body;
    expect(source).not.toHaveProperty('retentionBrake');
    expect(source.settings).toMatchObject({ retention: { keepLast: 1 } });
  });
});
