import { ConflictError, ValidationError } from './errors';
import { EVENT_TYPES, type EventType } from './events';
import { POLICY_ID_PATTERN } from './ids';

/**
 * Tenant webhooks (docs/webhooks.md): an HTTPS endpoint a tenant names (`PUT /v1/webhooks/{id}`) that receives the
 * tenant's own Strongbox events, signed with a secret only the tenant and Secrets Manager know. The catalog keeps a
 * reference to the secret, never the secret.
 */
export const WEBHOOK_ID_PATTERN = POLICY_ID_PATTERN;
/** Path segments under /v1/webhooks that are routes, so never webhook ids. */
export const RESERVED_WEBHOOK_IDS: readonly string[] = ['deliveries'];
export const MAX_WEBHOOKS_PER_TENANT = 10;
export const MIN_SECRET_LENGTH = 24;
export const MAX_SECRET_LENGTH = 256;
export const MAX_URL_LENGTH = 2048;
/** `events: ["*"]`: every event type, including ones added later. */
export const ALL_EVENTS = '*';

export type WebhookEvents = readonly EventType[] | readonly [typeof ALL_EVENTS];

export interface Webhook {
  readonly tenantId: string;
  readonly id: string;
  readonly url: string;
  readonly events: WebhookEvents;
  readonly description?: string;
  /** A disabled webhook keeps its configuration and receives nothing. */
  readonly enabled: boolean;
  /** Secrets Manager ARN of the signing secret. */
  readonly secretRef: string;
  readonly secretUpdatedAt: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic lock: incremented by every PUT. */
  readonly revision: number;
}

export interface WebhookInput {
  readonly tenantId: string;
  readonly id: string;
  readonly url: string;
  /** Event types or `*`, as sent; normalized (and refused if unknown) by putWebhook. */
  readonly events: readonly string[];
  readonly description?: string;
  readonly enabled: boolean;
  /** Required when creating; when replacing, absent keeps the current secret. */
  readonly secret?: string;
}

/** What the API shows: everything but the secret's reference. */
export type WebhookView = Omit<Webhook, 'secretRef' | 'secretUpdatedAt'> & {
  readonly secret: { readonly configured: true; readonly updatedAt: string };
};

export function isWebhookId(value: string): boolean {
  return WEBHOOK_ID_PATTERN.test(value) && !RESERVED_WEBHOOK_IDS.includes(value);
}

export function webhookView(webhook: Webhook): WebhookView {
  const { secretRef: _ref, secretUpdatedAt, ...rest } = webhook;
  return { ...rest, secret: { configured: true, updatedAt: secretUpdatedAt } };
}

/** Whether the webhook wants events of this type. */
export function subscribes(webhook: Pick<Webhook, 'events' | 'enabled'>, type: string): boolean {
  if (!webhook.enabled) return false;
  return webhook.events.some((wanted) => wanted === ALL_EVENTS || wanted === type);
}

/** The events list with duplicates removed; `*` must stand alone. */
export function normalizeEvents(events: readonly string[]): WebhookEvents {
  if (events.includes(ALL_EVENTS)) {
    if (events.length > 1) {
      throw new ValidationError('events: "*" stands for every event and must be the only entry', [
        { path: 'events', message: '"*" must be the only entry' },
      ]);
    }
    return [ALL_EVENTS];
  }
  const known = new Set<string>(EVENT_TYPES);
  for (const [index, type] of events.entries()) {
    if (!known.has(type)) {
      throw new ValidationError(`events.${index}: ${type} is not an event type`, [
        { path: `events.${index}`, message: `must be one of ${EVENT_TYPES.join(', ')} or "*"` },
      ]);
    }
  }
  return [...new Set(events)] as EventType[];
}

/**
 * The webhook a PUT leaves: created (a secret is then required) or replaced at the current revision. `secretRef` is
 * the reference of the secret as stored for this PUT (a new one, or the current one when the PUT carries none).
 */
export function putWebhook(
  current: Webhook | undefined,
  input: WebhookInput,
  secret: { ref: string; updatedAt: string },
  now: Date,
): Webhook {
  if (current === undefined && input.secret === undefined) {
    throw new ValidationError('secret is required when creating a webhook', [
      {
        path: 'secret',
        message: `is required when creating a webhook (${MIN_SECRET_LENGTH}–${MAX_SECRET_LENGTH} characters)`,
      },
    ]);
  }
  if (current !== undefined && current.tenantId !== input.tenantId) {
    throw new ConflictError(`webhook ${input.id} belongs to another tenant`);
  }
  const at = now.toISOString();
  return {
    tenantId: input.tenantId,
    id: input.id,
    url: input.url,
    events: normalizeEvents(input.events),
    ...(input.description === undefined ? {} : { description: input.description }),
    enabled: input.enabled,
    secretRef: secret.ref,
    secretUpdatedAt: secret.updatedAt,
    createdAt: current?.createdAt ?? at,
    updatedAt: at,
    revision: (current?.revision ?? 0) + 1,
  };
}

/**
 * The URL rules that need no network: absolute, https (http only where loopback endpoints are allowed: local mode),
 * no credentials, no fragment, bounded length. Whether the host is a public address is the SSRF guard's question,
 * asked at registration and again when connecting.
 */
export function parseWebhookUrl(text: string, options: { allowHttp: boolean }): URL {
  const refuse = (message: string): never => {
    throw new ValidationError(`url ${message}`, [{ path: 'url', message }]);
  };
  if (text.length > MAX_URL_LENGTH) refuse(`must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('is not an absolute URL');
  }
  const schemes = options.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) refuse(options.allowHttp ? 'must be https or http' : 'must be https');
  if (url.username !== '' || url.password !== '') refuse('must not carry a user name or password');
  if (url.hash !== '') refuse('must not have a fragment');
  if (url.hostname === '') refuse('must name a host');
  return url;
}

/** The host as the SSRF guard takes it: IPv6 literals without their brackets. */
export function urlHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}
