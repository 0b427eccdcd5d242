import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { EventBridgePublisher } from '../../lambdas/adapters/aws/eventbridge-events';
import { backupEvent, missedEvent } from '../../lambdas/domain/events';
import { aCompleteBackup, aFailedBackup, ids } from '../support/catalog-fixtures';
import { captureEvents } from '../support/event-capture';
import { awsTestSettings, resetMoto } from '../support/testbed';

/** The EventBridge publisher over HTTP against moto: a rule on the bus delivers to SQS, read back. */
const settings = awsTestSettings();
const clients = createAwsClients(settings);

beforeEach(async () => {
  await resetMoto();
});

describe('EventBridgePublisher on moto', () => {
  it('puts Strongbox events on the bus with source strongbox, the type as detail-type and the detail as built', async () => {
    const capture = await captureEvents(clients, settings, 'strongbox-test', { createBus: true });
    const succeeded = aCompleteBackup('acme', ids.next('source'));
    const failed = aFailedBackup('acme', ids.next('source'));
    const missed = missedEvent({
      tenantId: 'acme',
      sourceId: ids.next('source'),
      status: 'missed',
      checkedAt: '2026-11-22T04:31:00.000Z',
      deadline: '2026-11-22T04:30:00.000Z',
      missedSince: '2026-11-22T04:30:00.000Z',
      policyId: 'nightly',
      scheduleName: 'night',
      expectedAt: '2026-11-22T03:00:00.000Z',
    });
    const events = [backupEvent(succeeded), backupEvent(failed), missed].filter((e) => e !== undefined);
    // More than PutEvents' 10 entries per call, to cross a batch boundary.
    const many = [...events, ...Array.from({ length: 9 }, () => missed)];

    await new EventBridgePublisher(clients.eventBridge, 'strongbox-test').publish(many);

    const received = await capture.read();
    capture.close();
    expect(received).toHaveLength(12);
    expect(received.slice(0, 3)).toEqual([
      expect.objectContaining({
        source: 'strongbox',
        'detail-type': 'BackupSucceeded',
        detail: expect.objectContaining({ backupId: succeeded.id, tenantId: 'acme', status: 'succeeded' }),
      }),
      expect.objectContaining({
        'detail-type': 'BackupFailed',
        detail: expect.objectContaining({
          backupId: failed.id,
          error: { code: 'dump_failed', message: expect.any(String) },
        }),
      }),
      expect.objectContaining({
        'detail-type': 'BackupMissed',
        detail: expect.objectContaining({ policyId: 'nightly', deadline: '2026-11-22T04:30:00.000Z' }),
      }),
    ]);
  });

  it('fails loudly when the bus does not exist, so the caller can count it', async () => {
    await expect(
      new EventBridgePublisher(clients.eventBridge, 'no-such-bus').publish([
        backupEvent(aCompleteBackup('acme', ids.next('source'))) as NonNullable<ReturnType<typeof backupEvent>>,
      ]),
    ).rejects.toThrow();
  });
});
