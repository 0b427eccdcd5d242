import { ForbiddenHostError, NotFoundError, StrongboxError, ValidationError } from '../../domain/errors';
import {
  MAX_WEBHOOKS_PER_TENANT,
  parseWebhookUrl,
  putWebhook,
  urlHost,
  type Webhook,
  type WebhookInput,
  type WebhookView,
  webhookView,
} from '../../domain/webhook';
import type { Catalog } from '../../ports/catalog';
import type { HostGuard } from '../../ports/jobs';
import type { Clock } from '../../ports/runtime';
import type { WebhookSecretStore } from '../../ports/secrets';
import { allPages } from '../all-pages';

export interface WebhookDeps {
  readonly catalog: Pick<Catalog, 'webhooks'>;
  readonly secrets: WebhookSecretStore;
  /** The SSRF guard for webhook hosts (loopback only in local mode, private ranges only from the allow list). */
  readonly webhookGuard: HostGuard;
  readonly clock: Clock;
  /** Local mode: http:// endpoints (on loopback) are accepted. */
  readonly allowHttp: boolean;
}

/**
 * The URL a webhook may have: well formed (domain rules) and, resolved now, on public addresses only. The host is
 * checked again when each delivery connects, since DNS can change between the two (docs/webhooks.md, "SSRF").
 */
export async function checkWebhookUrl(deps: Pick<WebhookDeps, 'webhookGuard' | 'allowHttp'>, text: string) {
  const url = parseWebhookUrl(text, { allowHttp: deps.allowHttp });
  try {
    await deps.webhookGuard.check(urlHost(url));
  } catch (error) {
    // The guard speaks of `host`; the tenant sent `url`.
    if (!(error instanceof StrongboxError)) throw error;
    const fields = (error.fields ?? []).map((field) => ({ ...field, path: 'url' }));
    if (error instanceof ForbiddenHostError) throw new ForbiddenHostError(error.message, { fields, cause: error });
    if (error instanceof ValidationError) throw new ValidationError(error.message, fields, { cause: error });
    throw error;
  }
  return url;
}

/**
 * Creates or replaces a webhook (`PUT /v1/webhooks/{id}`): the URL checked, at most MAX_WEBHOOKS_PER_TENANT, the
 * secret stored in Secrets Manager (a PUT without one keeps the current secret), then the catalog record at the
 * revision read, so a concurrent PUT fails rather than being lost. The secret is stored first: its name is fixed per
 * webhook, so a failed PUT leaves at worst a stored secret that the retry overwrites.
 */
export async function putTenantWebhook(deps: WebhookDeps, input: WebhookInput): Promise<WebhookView> {
  await checkWebhookUrl(deps, input.url);
  const current = await deps.catalog.webhooks.get(input.tenantId, input.id);
  if (!current) await requireRoom(deps, input.tenantId);
  const now = deps.clock.now();
  const secret =
    input.secret === undefined
      ? current && { ref: current.secretRef, updatedAt: current.secretUpdatedAt }
      : {
          ref: await deps.secrets.putWebhookSecret(input.tenantId, input.id, input.secret),
          updatedAt: now.toISOString(),
        };
  // Without a secret and without a current webhook, putWebhook refuses with the field named.
  const webhook = putWebhook(current, input, secret ?? { ref: '', updatedAt: '' }, now);
  await deps.catalog.webhooks.put(webhook, current ? current.revision : 'absent');
  return webhookView(webhook);
}

export async function deleteTenantWebhook(
  deps: Pick<WebhookDeps, 'catalog' | 'secrets'>,
  tenantId: string,
  id: string,
): Promise<void> {
  const current = await requireWebhook(deps, tenantId, id);
  await deps.catalog.webhooks.delete(tenantId, id);
  await deps.secrets.deleteWebhookSecret(tenantId, current.secretRef);
}

export async function requireWebhook(
  deps: Pick<WebhookDeps, 'catalog'>,
  tenantId: string,
  id: string,
): Promise<Webhook> {
  const webhook = await deps.catalog.webhooks.get(tenantId, id);
  if (!webhook) throw new NotFoundError('webhook', id);
  return webhook;
}

/** Every webhook of the tenant (at most MAX_WEBHOOKS_PER_TENANT). */
export function tenantWebhooks(deps: Pick<WebhookDeps, 'catalog'>, tenantId: string): Promise<Webhook[]> {
  return allPages((page) => deps.catalog.webhooks.list(tenantId, page));
}

async function requireRoom(deps: Pick<WebhookDeps, 'catalog'>, tenantId: string): Promise<void> {
  const count = (await tenantWebhooks(deps, tenantId)).length;
  if (count >= MAX_WEBHOOKS_PER_TENANT) {
    const message = `would be webhook ${count + 1}; a tenant has at most ${MAX_WEBHOOKS_PER_TENANT}`;
    throw new ValidationError(`a tenant has at most ${MAX_WEBHOOKS_PER_TENANT} webhooks`, [{ path: 'id', message }]);
  }
}
