import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { captureEvents } from '../support/event-capture';
import { type Api, apiAs, sourceBodyFor, startTestService } from '../support/local-service';
import { smallDatabase } from '../support/retention-e2e';

/**
 * Strongbox's events on the local service's EventBridge bus (moto), read back through a rule → SQS queue like a
 * platform team's subscription: a dump that succeeds, one that fails, a restore — each outcome once, with ids and
 * states and nothing secret.
 */
let service: LocalService;
let acme: Api;
let capture: Awaited<ReturnType<typeof captureEvents>>;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  capture = await captureEvents(
    service.clients,
    { region: service.region, endpoint: service.motoEndpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } },
    service.eventBusName,
  );
});

afterAll(async () => {
  capture?.close();
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

describe('events on the bus (local service, moto EventBridge → SQS)', () => {
  it('publishes BackupSucceeded, BackupFailed and RestoreSucceeded once each, without secrets', async () => {
    const db = await smallDatabase('events');
    cleanup.push(db.drop);
    const good = await acme.post('/v1/sources', sourceBodyFor(db, 'events good'));
    const bad = await acme.post('/v1/sources', { ...sourceBodyFor(db, 'events bad'), database: 'no_such_database' });
    expect([good.status, bad.status]).toEqual([201, 201]);

    const ok = await acme.post('/v1/backups', { sourceId: good.body.id });
    const failing = await acme.post('/v1/backups', { sourceId: bad.body.id });
    await service.idle();
    const restore = await acme.post('/v1/restores', {
      backupId: ok.body.id,
      target: { database: `${db.name}_restored` },
    });
    expect(restore.status).toBe(202);
    await service.idle();
    cleanup.push(async () => {
      const { withPostgres } = await import('../support/testbed');
      await withPostgres('postgres', (client) => client.query(`DROP DATABASE IF EXISTS "${db.name}_restored"`));
    });

    const events = await capture.read();
    const byType = (type: string) => events.filter((event) => event['detail-type'] === type);
    expect(byType('BackupSucceeded').map((e) => e.detail.backupId)).toEqual([ok.body.id]);
    expect(byType('BackupFailed').map((e) => e.detail)).toEqual([
      expect.objectContaining({
        backupId: failing.body.id,
        sourceId: bad.body.id,
        tenantId: 'acme',
        status: 'failed',
        trigger: 'manual',
        error: expect.objectContaining({ code: expect.any(String) }),
      }),
    ]);
    expect(byType('RestoreSucceeded').map((e) => e.detail)).toEqual([
      expect.objectContaining({ restoreId: restore.body.id, backupId: ok.body.id, status: 'succeeded' }),
    ]);
    expect(events.every((event) => event.source === 'strongbox')).toBe(true);
    // The local test bed's password is "strongbox", the events' own source name: look for where secrets would sit.
    const text = JSON.stringify(events);
    expect(text).not.toMatch(/password|secretRef|approvalToken|taskToken|username|postgres(ql)?:\/\//i);
  });
});
