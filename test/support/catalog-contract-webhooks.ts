import { describe, expect, it } from 'vitest';
import { deliveryId } from '../../lambdas/app/webhooks/signing';
import { putWebhook, type Webhook } from '../../lambdas/domain/webhook';
import { recordAttempt, type WebhookDelivery } from '../../lambdas/domain/webhook-delivery';
import type { Catalog } from '../../lambdas/ports/catalog';
import { A, allPages, B, later, rejectsOn, stale } from './catalog-fixtures';

const SECRET_REF = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:strongbox/tenant-a/webhooks/x-AbCdEf';

export function aWebhook(tenantId: string, id: string, current?: Webhook): Webhook {
  return putWebhook(
    current,
    {
      tenantId,
      id,
      url: `https://hooks.example.com/${id}`,
      events: ['BackupSucceeded', 'BackupFailed'],
      description: 'chat-ops',
      enabled: true,
      secret: 'x'.repeat(32),
    },
    { ref: SECRET_REF, updatedAt: later().toISOString() },
    later(),
  );
}

let eventCounter = 0;
/** A delivery of a fresh event (event times increase, so ids do too) after one failed attempt. */
export function aDelivery(tenantId: string, webhookId: string): WebhookDelivery {
  eventCounter += 1;
  const eventTime = later().toISOString();
  const eventId = `event-${eventCounter}`;
  return recordAttempt(
    undefined,
    {
      tenantId,
      id: deliveryId(eventTime, eventId, webhookId),
      webhookId,
      url: `https://hooks.example.com/${webhookId}`,
      eventId,
      eventType: 'BackupSucceeded',
      eventTime,
    },
    { at: later().toISOString(), durationMs: 12, statusCode: 503 },
    { now: later(), retryBaseSeconds: 30 },
  );
}

/** Webhooks and their deliveries (part of the catalog contract, catalog-contract.ts). */
export function describeCatalogWebhooks(current: () => Catalog): void {
  describe('webhooks', () => {
    it('round-trips a webhook, replaces it only at the revision it was read at, and deletes it', async () => {
      const catalog = current();
      const first = aWebhook(A, 'chat');
      await catalog.webhooks.put(first, 'absent');
      expect(await catalog.webhooks.get(A, 'chat')).toStrictEqual(first);
      await expect(catalog.webhooks.put(first, 'absent')).rejects.toMatchObject(stale);
      const second = aWebhook(A, 'chat', first);
      await catalog.webhooks.put(second, 1);
      expect(await catalog.webhooks.get(A, 'chat')).toStrictEqual(second);
      await expect(catalog.webhooks.put(aWebhook(A, 'chat', first), 1)).rejects.toMatchObject(stale);
      expect(await catalog.webhooks.get(B, 'chat')).toBeUndefined();
      await catalog.webhooks.delete(A, 'chat');
      expect(await catalog.webhooks.get(A, 'chat')).toBeUndefined();
    });

    it("lists a tenant's webhooks in ascending id order over pages, never another tenant's", async () => {
      const catalog = current();
      const names = ['pager', 'chat', 'zz-audit'];
      for (const name of names) await catalog.webhooks.put(aWebhook(A, name), 'absent');
      await catalog.webhooks.put(aWebhook(B, 'alpha'), 'absent');
      const { items } = await allPages(1, (cursor) =>
        catalog.webhooks.list(A, { limit: 1, ...(cursor === undefined ? {} : { cursor }) }),
      );
      expect(items.map((webhook) => webhook.id)).toEqual([...names].sort());
    });

    it('refuses a malformed webhook id', async () => {
      const catalog = current();
      await expect(catalog.webhooks.put(aWebhook(A, 'Bad#Id'), 'absent')).rejects.toMatchObject(rejectsOn('id'));
      expect(await catalog.webhooks.get(A, 'Bad#Id')).toBeUndefined();
    });
  });

  describe('webhook deliveries', () => {
    it("saves a delivery over its earlier attempt and lists newest event first, all or one webhook's", async () => {
      const catalog = current();
      const made = [aDelivery(A, 'chat'), aDelivery(A, 'pager'), aDelivery(A, 'chat'), aDelivery(B, 'chat')];
      for (const delivery of made) await catalog.webhookDeliveries.save(delivery);
      const [c1, p1, c2] = made as [WebhookDelivery, WebhookDelivery, WebhookDelivery];
      const delivered = recordAttempt(
        c1,
        c1,
        { at: later().toISOString(), durationMs: 5, statusCode: 200 },
        { now: later(), retryBaseSeconds: 30 },
      );
      await catalog.webhookDeliveries.save(delivered);
      expect(await catalog.webhookDeliveries.get(A, c1.id)).toStrictEqual(delivered);
      expect(delivered.attempts).toHaveLength(2);

      const all = await allPages(2, (cursor) =>
        catalog.webhookDeliveries.list(A, { limit: 2, ...(cursor === undefined ? {} : { cursor }) }),
      );
      expect(all.items.map((d) => d.id)).toEqual([c2.id, p1.id, c1.id]);
      const chat = await allPages(1, (cursor) =>
        catalog.webhookDeliveries.list(A, { limit: 1, webhookId: 'chat', ...(cursor === undefined ? {} : { cursor }) }),
      );
      expect(chat.items.map((d) => d.id)).toEqual([c2.id, c1.id]);
      expect(await catalog.webhookDeliveries.get(B, c1.id)).toBeUndefined();
    });
  });
}
