import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { overrideRuntimeForTests, runtime } from '../../lambdas/handlers/wiring';
import type { LocalService } from '../../scripts/local/service';
import { type GapOptions, withEmulatorGaps } from '../support/fake-cloud';
import { type Api, apiAs, startTestService } from '../support/local-service';
import {
  type Body,
  backUp,
  backupOf,
  prune,
  REGION,
  redate,
  runIdOf,
  runReport,
  snapshotsOf,
  statusOf,
  volumeSource,
} from '../support/retention-e2e';

/**
 * The prune machine (synthesized ASL, real step handler, moto) where moto falls short (DESIGN.md §8): it has no
 * ModifySnapshotTier and never throttles. The runtime's cloud port is wrapped by withEmulatorGaps (test/support/
 * fake-cloud-gaps.ts) through overrideRuntimeForTests: archiving happens in the wrapper's memory, and the first
 * DeleteSnapshot calls answer RequestLimitExceeded. Everything else (catalog, vault, EC2 snapshots) is moto's.
 */
let service: LocalService;
let acme: Api;
let undo: (() => void) | undefined;

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
});

afterEach(() => {
  undo?.();
  undo = undefined;
});

afterAll(async () => {
  await service?.stop();
});

function withGaps(options: GapOptions) {
  const gaps = withEmulatorGaps(runtime().cloud, options);
  undo = overrideRuntimeForTests({ cloud: gaps.cloud });
  return gaps;
}

/** Noon UTC on the 15th, `monthsAgo` calendar months before now: one backup per month bucket, all in the past. */
function monthsAgo(monthsAgo: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsAgo, 15, 12)).toISOString();
}

describe('prune machine: emulator gaps (moto lacks ModifySnapshotTier and never throttles)', () => {
  it('emulator gap (ModifySnapshotTier): archives the EBS backups only the monthly tier keeps; they show storageTier archive and refuse restores with 409', async () => {
    // Prepare: 5 backups of a volume. The API dates backups with the clock, so the four older ones are dated back one
    // calendar month each in the catalog table (see redate): one backup per month for the last five months.
    const sourceId = await volumeSource(service, acme, 'acme', { retention: { keepMonthly: 12, archive: true } });
    const ids = await backUp(service, acme, sourceId, 5);
    const newest = ids[4] as string;
    const older = ids.slice(0, 4);
    for (const [index, id] of older.entries()) await redate(service, 'acme', id, monthsAgo(4 - index));
    const preview = (await acme.get(`/v1/retention/preview?sourceId=${sourceId}`)).body;
    expect(preview.summary).toEqual({ keep: 5, delete: 0, archive: 4 });
    expect((preview.archive as Body[]).map((decision) => decision.backupId).sort()).toEqual([...older].sort());
    expect(preview.archive).toContainEqual({
      backupId: ids[3],
      sourceId,
      reason: `archive tier: kept only by monthly 2/12 ${monthsAgo(1).slice(0, 7)}, ≥ 280 more days`,
    });
    const gaps = withGaps({});

    // Act
    const execution = await prune(service, { run: { tenantId: 'acme' } });

    // Assess: the four month-end backups archived (each of their snapshots once), the newest left standard
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const snapshotId = async (id: string) => ((await backupOf(acme, id)).snapshots as Body[])[0]?.id as string;
    const olderSnapshots = await Promise.all(older.map(snapshotId));
    expect([...gaps.archived].sort()).toEqual([...olderSnapshots].sort());
    expect(gaps.counts).toMatchObject({ archives: 4, deletes: 0 });
    for (const id of older) {
      expect(await backupOf(acme, id)).toMatchObject({
        status: 'succeeded',
        archivedAt: expect.any(String),
        snapshots: [{ storageTier: 'archive' }],
      });
      expect(await snapshotsOf(service, REGION, id)).toHaveLength(1);
    }
    expect(await backupOf(acme, newest)).toMatchObject({
      status: 'succeeded',
      archivedAt: null,
      snapshots: [{ storageTier: 'standard' }],
    });
    expect(await runReport(acme, runIdOf(execution), sourceId)).toMatchObject({ planned: 0, deleted: 0, archived: 4 });

    // Assess: an archived backup is refused for restore (409), before anything is created
    const restore = await acme.post('/v1/restores', {
      backupId: older[0],
      target: { instanceId: 'i-0123456789abcdef0', device: '/dev/xvdf' },
    });
    expect(restore.status, JSON.stringify(restore.body)).toBe(409);
    expect(restore.body).toMatchObject({ error: { code: 'snapshot_archived' } });
    expect((await acme.get<{ items: unknown[] }>('/v1/restores')).body.items).toEqual([]);

    // Act / Assess: nothing is archived twice
    const again = await prune(service, { run: { tenantId: 'acme' } });
    expect(again.status, again.cause).toBe('SUCCEEDED');
    expect(gaps.counts.archives).toBe(4);
    expect((await acme.get(`/v1/retention/preview?sourceId=${sourceId}`)).body.summary).toEqual({
      keep: 5,
      delete: 0,
      archive: 0,
    });
  });

  it('emulator gap (RequestLimitExceeded): the first 3 DeleteSnapshot calls are throttled; the pacer retries and the run deletes everything', async () => {
    // Prepare: keepLast 2 of 5 — 3 deletions (60 %), accepted by the admin
    const sourceId = await volumeSource(service, acme, 'acme', { retention: { keepLast: 2 } });
    const ids = await backUp(service, acme, sourceId, 5);
    const ack = await acme.post('/v1/retention/acknowledge', { sourceId, deletions: 3 });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    const gaps = withGaps({ throttleDeletes: 3 });

    // Act
    const execution = await prune(service, { run: { tenantId: 'acme' } });

    // Assess: three throttled calls, then one successful DeleteSnapshot per snapshot; nothing skipped
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(gaps.counts).toMatchObject({ deletesThrottled: 3, deletes: 3 });
    for (const id of ids.slice(0, 3)) {
      expect(await backupOf(acme, id)).toMatchObject({ status: 'deleted', retention: { skipped: null } });
      expect(await snapshotsOf(service, REGION, id)).toEqual([]);
    }
    for (const id of ids.slice(3)) {
      expect(await statusOf(acme, id)).toBe('succeeded');
      expect(await snapshotsOf(service, REGION, id)).toHaveLength(1);
    }
    expect(await runReport(acme, runIdOf(execution), sourceId)).toMatchObject({
      planned: 3,
      deleted: 3,
      skippedCount: 0,
      skipped: [],
    });
  });
});
