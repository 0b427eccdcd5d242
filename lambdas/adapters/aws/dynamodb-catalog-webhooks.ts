import type { Webhook } from '../../domain/webhook';
import type { WebhookDelivery } from '../../domain/webhook-delivery';
import type {
  Page,
  PageRequest,
  WebhookDeliveryQuery,
  WebhookDeliveryRepository,
  WebhookRepository,
} from '../../ports/catalog';
import { itemSk, requireId, tenantPk, toItem, webhookGsi1Pk } from './dynamodb-catalog-keys';
import type { CatalogTable } from './dynamodb-catalog-table';

/** Webhooks (`WEBHOOK#<name>`, ascending) and their deliveries (`WHDELIVERY#<ulid>`, newest first; per webhook on gsi1). */
export class DynamoDbWebhooks implements WebhookRepository {
  constructor(private readonly table: CatalogTable) {}

  async put(webhook: Webhook, expect: number | 'absent'): Promise<void> {
    requireId('webhook', webhook.id, 'id');
    const keys = { pk: tenantPk(webhook.tenantId), sk: itemSk('webhook', webhook.id) };
    await this.table.put('webhook', webhook.id, toItem('webhook', keys, webhook), expect);
  }

  async get(tenantId: string, id: string): Promise<Webhook | undefined> {
    return this.table.get<Webhook>(tenantId, 'webhook', id);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Webhook>> {
    return this.table.list<Webhook>({ kind: 'webhook', pk: tenantPk(tenantId) }, page);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    return this.table.delete(tenantId, 'webhook', id);
  }
}

export class DynamoDbWebhookDeliveries implements WebhookDeliveryRepository {
  constructor(private readonly table: CatalogTable) {}

  async save(delivery: WebhookDelivery): Promise<void> {
    requireId('webhookDelivery', delivery.id, 'id');
    requireId('webhook', delivery.webhookId, 'webhookId');
    const sk = itemSk('webhookDelivery', delivery.id);
    const keys = {
      pk: tenantPk(delivery.tenantId),
      sk,
      gsi1pk: webhookGsi1Pk(delivery.tenantId, delivery.webhookId),
      gsi1sk: sk,
    };
    await this.table.overwrite(toItem('webhookDelivery', keys, delivery));
  }

  async get(tenantId: string, id: string): Promise<WebhookDelivery | undefined> {
    return this.table.get<WebhookDelivery>(tenantId, 'webhookDelivery', id);
  }

  async list(tenantId: string, query: WebhookDeliveryQuery): Promise<Page<WebhookDelivery>> {
    const pk = tenantPk(tenantId);
    if (query.webhookId === undefined) return this.table.list<WebhookDelivery>({ kind: 'webhookDelivery', pk }, query);
    requireId('webhook', query.webhookId, 'webhookId');
    const gsi1pk = webhookGsi1Pk(tenantId, query.webhookId);
    return this.table.list<WebhookDelivery>({ kind: 'webhookDelivery', pk, gsi1pk }, query);
  }
}
