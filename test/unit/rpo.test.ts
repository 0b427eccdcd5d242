import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { checkRpo } from '../../lambdas/app/policies/check-rpo';
import { newBackup, startBackup, succeedBackup } from '../../lambdas/domain/backup';
import { putPolicy } from '../../lambdas/domain/policy';
import { rpoStatus } from '../../lambdas/domain/rpo';
import type { Source } from '../../lambdas/domain/source';
import { aSource, ids } from '../support/catalog-fixtures';
import { FixedClock } from '../support/retention-fakes';

/** Missed-backup (RPO) detection: the pure rule, and the check over a tenant's catalog (in memory). */
const T = 'acme';
const at = (iso: string) => new Date(iso);
const night = { name: 'night', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/London', windowMinutes: 30 };
const startDate = '2026-11-01T00:00:00.000Z';
const policy = (schedules = [night]) => ({ id: 'nightly', schedules: schedules.map((s) => ({ ...s, startDate })) });

describe('rpoStatus (pure)', () => {
  const base = { tenantId: T, sourceId: 'src', sourceCreatedAt: startDate, graceMinutes: 60 };

  it('is ok until the first fire after the last success plus window and grace, then missed', () => {
    const lastSuccess = { createdAt: '2026-11-20T03:05:00.000Z' };
    const inTime = rpoStatus({ ...base, policies: [policy()], lastSuccess, now: at('2026-11-21T04:29:00Z') });
    expect(inTime).toMatchObject({
      status: 'ok',
      expectedAt: '2026-11-21T03:00:00.000Z',
      deadline: '2026-11-21T04:30:00.000Z',
      lastSuccessAt: lastSuccess.createdAt,
    });
    const late = rpoStatus({ ...base, policies: [policy()], lastSuccess, now: at('2026-11-21T04:31:00Z') });
    expect(late).toMatchObject({ status: 'missed', missedSince: '2026-11-21T04:30:00.000Z', scheduleName: 'night' });
  });

  it('follows the zone: in summer 03:00 London is 02:00Z', () => {
    const lastSuccess = { createdAt: '2027-06-01T02:05:00.000Z' };
    expect(rpoStatus({ ...base, policies: [policy()], lastSuccess, now: at('2027-06-02T03:31:00Z') })).toMatchObject({
      status: 'missed',
      expectedAt: '2027-06-02T02:00:00.000Z',
    });
  });

  it('takes the strictest schedule, and never blames a source for fires before it existed', () => {
    const hourly = { name: 'hourly', expression: 'rate(1 hour)', timezone: 'UTC', windowMinutes: 0 };
    const status = rpoStatus({
      ...base,
      sourceCreatedAt: '2026-11-21T10:10:00.000Z',
      policies: [policy([night, hourly])],
      now: at('2026-11-21T11:30:00Z'),
    });
    expect(status).toMatchObject({ status: 'ok', scheduleName: 'hourly', expectedAt: '2026-11-21T11:00:00.000Z' });
    expect(status?.lastSuccessAt).toBeUndefined();
    expect(rpoStatus({ ...base, policies: [], now: at('2026-11-21T11:30:00Z') })).toBeUndefined();
  });
});

describe('checkRpo (use case on the in-memory catalog)', () => {
  let catalog: MemoryCatalog;
  let clock: FixedClock;
  let source: Source;

  beforeEach(async () => {
    catalog = new MemoryCatalog();
    clock = new FixedClock(at('2026-11-20T12:00:00Z'));
    source = { ...aSource(T), createdAt: startDate, tags: { env: 'prod' } };
    await catalog.sources.create(source);
    await catalog.sources.create({ ...aSource(T), createdAt: startDate });
    const made = putPolicy(
      undefined,
      { tenantId: T, id: 'nightly', name: 'n', sources: { ids: [], tags: { env: 'prod' } }, schedules: [night] },
      at(startDate),
    );
    await catalog.policies.put(made, 'absent');
  });

  async function succeeded(createdAt: string) {
    const pending = newBackup(
      { tenantId: T, id: ids.next('backup'), sourceId: source.id, engine: 'postgres', trigger: 'scheduled' },
      at(createdAt),
    );
    const done = succeedBackup(
      startBackup(pending, at(createdAt)),
      {
        format: 'pg-custom',
        compression: 'zstd',
        object: { key: 'k', versionId: 'v' },
        manifest: { key: 'm', versionId: 'v' },
        rawBytes: 1,
        storedBytes: 1,
        sha256: 'ab'.repeat(32),
        partCount: 1,
        partSize: 1,
        tableCount: 1,
        rowCount: 1,
        serverVersion: '15',
        toolVersion: 'pg_dump 15',
      },
      at(createdAt),
    );
    await catalog.backups.save(done, 'absent');
  }

  it('marks the selected source missed once, keeps it missed quietly, and reports its recovery', async () => {
    await succeeded('2026-11-19T03:02:00Z');
    const deps = { catalog, clock, graceMinutes: 60 };

    const first = await checkRpo(deps, { tenantId: T });
    expect(first).toMatchObject({ checked: 1, missed: 1, recovered: [] });
    expect(first.newlyMissed.map((s) => s.sourceId)).toEqual([source.id]);
    expect(await catalog.rpo.get(T, source.id)).toMatchObject({ status: 'missed', policyId: 'nightly' });

    clock.at = at('2026-11-20T12:15:00Z');
    expect(await checkRpo(deps, { tenantId: T })).toMatchObject({ missed: 1, newlyMissed: [], recovered: [] });

    await succeeded('2026-11-20T12:20:00Z');
    clock.at = at('2026-11-20T12:30:00Z');
    const after = await checkRpo(deps, { tenantId: T });
    expect(after.recovered.map((s) => s.sourceId)).toEqual([source.id]);
    expect(await catalog.rpo.get(T, source.id)).toMatchObject({ status: 'ok', deadline: '2026-11-21T04:30:00.000Z' });
  });

  it('forgets the status of a source no schedule selects any more', async () => {
    await checkRpo({ catalog, clock, graceMinutes: 60 }, { tenantId: T });
    expect(await catalog.rpo.get(T, source.id)).toBeDefined();
    await catalog.sources.update({ ...source, tags: {} });
    await checkRpo({ catalog, clock, graceMinutes: 60 }, { tenantId: T });
    expect(await catalog.rpo.get(T, source.id)).toBeUndefined();
  });
});
