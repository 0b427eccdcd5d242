/**
 * Delivering one event to one webhook (docs/webhooks.md): the signed request, the retry schedule, and the delivery
 * record the tenant reads in `GET /v1/webhooks/deliveries`. Delivery is at least once; the event id is the receiver's
 * deduplication key and stays the same on every attempt.
 */

/** Attempts per delivery (the first and its retries); the queue's maxReceiveCount is above this. */
export const MAX_DELIVERY_ATTEMPTS = 8;
/** The longest wait between two attempts (SQS visibility timeouts reach 12 hours; this stays well inside). */
export const MAX_RETRY_DELAY_SECONDS = 6 * 3600;
/** Delivery records expire (DynamoDB TTL) this long after their last attempt. */
export const DELIVERY_TTL_DAYS = 30;
/** Receivers should refuse signatures older than this (replays). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
export const SIGNATURE_HEADER = 'strongbox-signature';

export type DeliveryStatus = 'retrying' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  readonly at: string;
  readonly durationMs: number;
  readonly statusCode?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface WebhookDelivery {
  readonly tenantId: string;
  /** `whd_<ULID>`: derived from the event and the webhook (deliveryId), so a retry finds the same record. */
  readonly id: string;
  readonly webhookId: string;
  readonly url: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly eventTime: string;
  readonly status: DeliveryStatus;
  readonly attempts: readonly DeliveryAttempt[];
  /** While retrying: when the next attempt is due (roughly: the queue decides). */
  readonly nextAttemptAt?: string;
  readonly updatedAt: string;
  /** DynamoDB TTL (epoch seconds). */
  readonly expiresAt: number;
}

/** The JSON a webhook receives; the same bytes on every attempt. */
export interface WebhookPayload {
  readonly id: string;
  readonly type: string;
  readonly time: string;
  readonly tenantId: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export function payloadBody(payload: WebhookPayload): string {
  return JSON.stringify(payload);
}

/** Seconds to wait before attempt `attempt + 1` after `attempt` failed: 30 s, 2 min, 8 min, 32 min, ~2 h, 6 h… */
export function retryDelaySeconds(attempt: number, baseSeconds: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, baseSeconds * 4 ** Math.max(0, attempt - 1));
}

function expiry(now: Date): number {
  return Math.floor(now.getTime() / 1000) + DELIVERY_TTL_DAYS * 86_400;
}

/**
 * The record after one more attempt. A 2xx delivers; anything else retries until MAX_DELIVERY_ATTEMPTS, except a
 * refusal no retry can cure (the URL is invalid or its host is not public): that fails at once.
 */
export function recordAttempt(
  previous: WebhookDelivery | undefined,
  base: Omit<WebhookDelivery, 'status' | 'attempts' | 'nextAttemptAt' | 'updatedAt' | 'expiresAt'>,
  attempt: DeliveryAttempt,
  options: { now: Date; retryBaseSeconds: number },
): WebhookDelivery {
  const attempts = [...(previous?.attempts ?? []), attempt];
  const ok = attempt.statusCode !== undefined && attempt.statusCode >= 200 && attempt.statusCode < 300;
  const permanent = attempt.error?.code === 'forbidden_host' || attempt.error?.code === 'invalid_url';
  const status: DeliveryStatus = ok
    ? 'delivered'
    : permanent || attempts.length >= MAX_DELIVERY_ATTEMPTS
      ? 'failed'
      : 'retrying';
  const next =
    status === 'retrying'
      ? new Date(options.now.getTime() + retryDelaySeconds(attempts.length, options.retryBaseSeconds) * 1000)
      : undefined;
  return {
    ...base,
    status,
    attempts,
    ...(next ? { nextAttemptAt: next.toISOString() } : {}),
    updatedAt: options.now.toISOString(),
    expiresAt: expiry(options.now),
  };
}

/** Whether another attempt is due for this delivery (it is not finished). */
export function isFinished(delivery: WebhookDelivery | undefined): boolean {
  return delivery !== undefined && delivery.status !== 'retrying';
}
