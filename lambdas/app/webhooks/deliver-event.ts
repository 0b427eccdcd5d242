import { NotFoundError } from '../../domain/errors';
import { subscribes, type Webhook } from '../../domain/webhook';
import {
  type DeliveryAttempt,
  isFinished,
  payloadBody,
  recordAttempt,
  retryDelaySeconds,
  SIGNATURE_HEADER,
  type WebhookDelivery,
  type WebhookPayload,
} from '../../domain/webhook-delivery';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import type { WebhookSecretStore } from '../../ports/secrets';
import type { WebhookSender } from '../../ports/webhooks';
import { tenantWebhooks } from './put-webhook';
import { deliveryId, signPayload } from './signing';

export interface DeliverDeps {
  readonly catalog: Pick<Catalog, 'webhooks' | 'webhookDeliveries'>;
  readonly secrets: Pick<WebhookSecretStore, 'getWebhookSecret'>;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  /** First retry delay; later ones grow fourfold (retryDelaySeconds). */
  readonly retryBaseSeconds: number;
  readonly timeoutMs: number;
}

/** One event of the bus, as the delivery queue carries it (an EventBridge event's id, type, time and detail). */
export interface BusEvent {
  readonly id: string;
  readonly type: string;
  readonly time: string;
  readonly tenantId: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface DeliverResult {
  /** The deliveries this run attempted, after their attempt. */
  readonly attempted: readonly WebhookDelivery[];
  /** Set when some delivery wants another attempt: the delay before the event should come back. */
  readonly retryInSeconds?: number;
}

export const USER_AGENT = 'Strongbox-Webhooks/1';

/**
 * Delivers one event to every enabled webhook of its tenant that subscribes to its type — the tenant comes from the
 * event itself, so no event reaches another tenant's endpoints. Deliveries already finished (delivered, or failed for
 * good) are skipped, so a redelivered event, or its retry after some webhooks succeeded, reaches each endpoint once
 * more at most (delivery is at least once; receivers deduplicate on the event id). Each attempt is recorded before
 * this returns; the caller brings the event back after `retryInSeconds` while any delivery is still retrying.
 */
export async function deliverEvent(deps: DeliverDeps, event: BusEvent): Promise<DeliverResult> {
  const webhooks = (await tenantWebhooks(deps, event.tenantId)).filter((webhook) => subscribes(webhook, event.type));
  const payload: WebhookPayload = {
    id: event.id,
    type: event.type,
    time: event.time,
    tenantId: event.tenantId,
    data: event.detail,
  };
  const body = payloadBody(payload);
  const results = await Promise.all(webhooks.map((webhook) => deliverOnce(deps, event, webhook, body)));
  const attempted = results.filter((delivery): delivery is WebhookDelivery => delivery !== undefined);
  const retrying = attempted.filter((delivery) => delivery.status === 'retrying');
  if (retrying.length === 0) return { attempted };
  // One queue message carries the event for all its webhooks: it comes back when the earliest retry is due.
  const fewest = Math.min(...retrying.map((delivery) => delivery.attempts.length));
  return { attempted, retryInSeconds: retryDelaySeconds(fewest, deps.retryBaseSeconds) };
}

async function deliverOnce(
  deps: DeliverDeps,
  event: BusEvent,
  webhook: Webhook,
  body: string,
): Promise<WebhookDelivery | undefined> {
  const id = deliveryId(event.time, event.id, webhook.id);
  const previous = await deps.catalog.webhookDeliveries.get(event.tenantId, id);
  if (isFinished(previous)) return undefined;
  const started = deps.clock.now();
  const number = (previous?.attempts.length ?? 0) + 1;
  const attempt = await attemptDelivery(deps, webhook, {
    body,
    eventId: event.id,
    type: event.type,
    id,
    started,
    number,
  });
  const delivery = recordAttempt(
    previous,
    {
      tenantId: event.tenantId,
      id,
      webhookId: webhook.id,
      url: webhook.url,
      eventId: event.id,
      eventType: event.type,
      eventTime: event.time,
    },
    attempt,
    { now: deps.clock.now(), retryBaseSeconds: deps.retryBaseSeconds },
  );
  await deps.catalog.webhookDeliveries.save(delivery);
  return delivery;
}

async function attemptDelivery(
  deps: DeliverDeps,
  webhook: Webhook,
  request: { body: string; eventId: string; type: string; id: string; started: Date; number: number },
): Promise<DeliveryAttempt> {
  const at = request.started.toISOString();
  let secret: string;
  try {
    secret = await deps.secrets.getWebhookSecret(webhook.tenantId, webhook.secretRef);
  } catch (error) {
    // Never sent unsigned. A missing secret (the webhook being replaced) may come back; anything else is retried too.
    const code = error instanceof NotFoundError ? 'secret_missing' : 'secret_unreadable';
    return {
      at,
      durationMs: 0,
      error: { code, message: `the signing secret of webhook ${webhook.id} could not be read` },
    };
  }
  const timestamp = Math.floor(request.started.getTime() / 1000);
  const result = await deps.sender.send({
    url: webhook.url,
    body: request.body,
    timeoutMs: deps.timeoutMs,
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'strongbox-event-id': request.eventId,
      'strongbox-event-type': request.type,
      'strongbox-delivery-id': request.id,
      'strongbox-attempt': String(request.number),
      [SIGNATURE_HEADER]: signPayload(secret, timestamp, request.body),
    },
  });
  const durationMs = Math.round(result.durationMs);
  return result.outcome === 'response'
    ? { at, durationMs, statusCode: result.statusCode }
    : { at, durationMs, error: { code: result.code, message: result.message } };
}
