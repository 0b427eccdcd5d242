import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { type BusEvent, type DeliverDeps, deliverEvent } from '../../lambdas/app/webhooks/deliver-event';
import { deleteTenantWebhook, putTenantWebhook, type WebhookDeps } from '../../lambdas/app/webhooks/put-webhook';
import { deliveryId, signPayload, verifySignature } from '../../lambdas/app/webhooks/signing';
import { ForbiddenHostError, NotFoundError, ValidationError } from '../../lambdas/domain/errors';
import { isId } from '../../lambdas/domain/ids';
import { isWebhookId, MAX_WEBHOOKS_PER_TENANT, parseWebhookUrl } from '../../lambdas/domain/webhook';
import { MAX_DELIVERY_ATTEMPTS, retryDelaySeconds } from '../../lambdas/domain/webhook-delivery';
import type { WebhookSecretStore } from '../../lambdas/ports/secrets';
import type { WebhookAttemptResult, WebhookRequest, WebhookSender } from '../../lambdas/ports/webhooks';
import { FixedClock } from '../support/retention-fakes';

/** Webhook use cases on the in-memory catalog, with fake secrets, guard and sender (the real ones: e2e/webhooks). */
const T = 'acme';
const SECRET = 'whsec-0123456789abcdef0123456789';
const NOW = new Date('2027-01-10T12:00:00Z');

class MemorySecrets implements WebhookSecretStore {
  readonly values = new Map<string, string>();
  async putWebhookSecret(tenantId: string, webhookId: string, secret: string) {
    const ref = `arn:aws:secretsmanager:us-east-1:123456789012:secret:strongbox/${tenantId}/webhooks/${webhookId}-AbCdEf`;
    this.values.set(ref, secret);
    return ref;
  }
  async getWebhookSecret(_tenantId: string, ref: string) {
    const value = this.values.get(ref);
    if (value === undefined) throw new NotFoundError('webhook secret', ref);
    return value;
  }
  async deleteWebhookSecret(_tenantId: string, ref: string) {
    this.values.delete(ref);
  }
}

/** Answers from a script of results, recording each request. */
class ScriptedSender implements WebhookSender {
  readonly requests: WebhookRequest[] = [];
  constructor(private readonly script: (request: WebhookRequest) => WebhookAttemptResult) {}
  async send(request: WebhookRequest) {
    this.requests.push(request);
    return this.script(request);
  }
}

const ok = (): WebhookAttemptResult => ({ outcome: 'response', statusCode: 204, durationMs: 3, bodyExcerpt: '' });
const unavailable = (): WebhookAttemptResult => ({
  outcome: 'response',
  statusCode: 503,
  durationMs: 3,
  bodyExcerpt: '',
});

let catalog: MemoryCatalog;
let secrets: MemorySecrets;
let clock: FixedClock;
let guarded: string[];
let deps: WebhookDeps;

beforeEach(() => {
  catalog = new MemoryCatalog();
  secrets = new MemorySecrets();
  clock = new FixedClock(NOW);
  guarded = [];
  deps = {
    catalog,
    secrets,
    clock,
    allowHttp: false,
    webhookGuard: {
      check: async (host) => {
        guarded.push(host);
        if (host === 'internal.example.com') {
          throw new ForbiddenHostError('host internal.example.com resolves to a private address', {
            fields: [{ path: 'host', message: 'resolves to a private address' }],
          });
        }
      },
    },
  };
});

const hook = (id: string, extra: Partial<{ url: string; events: string[]; secret: string; enabled: boolean }> = {}) =>
  putTenantWebhook(deps, {
    tenantId: T,
    id,
    url: extra.url ?? `https://hooks.example.com/${id}`,
    events: extra.events ?? ['*'],
    enabled: extra.enabled ?? true,
    ...('secret' in extra ? { secret: extra.secret } : { secret: SECRET }),
  });

const event = (type = 'BackupSucceeded', tenantId = T, id = 'evt-1'): BusEvent => ({
  id,
  type,
  time: '2027-01-10T11:59:00Z',
  tenantId,
  detail: { tenantId, backupId: 'bkp_x', status: 'succeeded' },
});

function deliverDeps(sender: WebhookSender): DeliverDeps {
  return { catalog, secrets, sender, clock, retryBaseSeconds: 30, timeoutMs: 1000 };
}

describe('webhook configuration', () => {
  it('stores the secret apart, shows no secret and checks the host (named as url)', async () => {
    const view = await hook('chat');
    expect(JSON.stringify(view)).not.toContain(SECRET);
    expect(view).not.toHaveProperty('secretRef');
    expect(view.secret).toEqual({ configured: true, updatedAt: NOW.toISOString() });
    expect([...secrets.values.values()]).toEqual([SECRET]);
    expect(guarded).toEqual(['hooks.example.com']);

    await expect(hook('inner', { url: 'https://internal.example.com/x' })).rejects.toMatchObject({
      name: 'ForbiddenHostError',
      fields: [{ path: 'url', message: 'resolves to a private address' }],
    });
    expect(await catalog.webhooks.get(T, 'inner')).toBeUndefined();
  });

  it('refuses bad URLs, unknown events, a missing secret and an eleventh webhook, naming the field', async () => {
    const field = (path: string) => ({ name: 'ValidationError', fields: [expect.objectContaining({ path })] });
    await expect(hook('a', { url: 'http://hooks.example.com/' })).rejects.toMatchObject(field('url'));
    await expect(hook('a', { url: 'https://user:pw@hooks.example.com/' })).rejects.toMatchObject(field('url'));
    await expect(hook('a', { url: 'hooks.example.com' })).rejects.toMatchObject(field('url'));
    await expect(hook('a', { events: ['BackupExploded'] })).rejects.toMatchObject(field('events.0'));
    await expect(hook('a', { events: ['*', 'BackupFailed'] })).rejects.toMatchObject(field('events'));
    await expect(
      putTenantWebhook(deps, { tenantId: T, id: 'a', url: 'https://h.example.com/', events: ['*'], enabled: true }),
    ).rejects.toMatchObject(field('secret'));
    for (let i = 0; i < MAX_WEBHOOKS_PER_TENANT; i += 1) await hook(`h${i}`);
    await expect(hook('one-more')).rejects.toMatchObject(field('id'));
    // Replacing one of the ten is still allowed.
    await expect(hook('h0', { events: ['BackupFailed'] })).resolves.toMatchObject({ revision: 2 });
  });

  it('keeps the secret when a PUT carries none, replaces it when one does, and deletes it with the webhook', async () => {
    await hook('chat');
    clock.at = new Date(NOW.getTime() + 60_000);
    const kept = await putTenantWebhook(deps, {
      tenantId: T,
      id: 'chat',
      url: 'https://hooks.example.com/v2',
      events: ['BackupFailed', 'BackupFailed'],
      enabled: false,
    });
    expect(kept).toMatchObject({ revision: 2, events: ['BackupFailed'], enabled: false });
    expect(kept.secret.updatedAt).toBe(NOW.toISOString());
    const rotated = await hook('chat', { secret: 'another-secret-of-enough-length' });
    expect(rotated.secret.updatedAt).toBe(clock.at.toISOString());
    expect([...secrets.values.values()]).toEqual(['another-secret-of-enough-length']);

    await deleteTenantWebhook(deps, T, 'chat');
    expect(await catalog.webhooks.get(T, 'chat')).toBeUndefined();
    expect(secrets.values.size).toBe(0);
    await expect(deleteTenantWebhook(deps, T, 'chat')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reserves the route name "deliveries" and allows http only where loopback is (local mode)', () => {
    expect(isWebhookId('deliveries')).toBe(false);
    expect(isWebhookId('chat-ops')).toBe(true);
    expect(() => parseWebhookUrl('http://127.0.0.1:9/x', { allowHttp: false })).toThrow(ValidationError);
    expect(parseWebhookUrl('http://127.0.0.1:9/x', { allowHttp: true }).port).toBe('9');
    expect(() => parseWebhookUrl('https://h.example.com/#frag', { allowHttp: false })).toThrow(/fragment/);
  });
});

describe('signatures', () => {
  it('verifies a fresh signature and refuses a changed body, another secret, a stale or a missing timestamp', () => {
    const body = '{"id":"evt-1"}';
    const t = Math.floor(NOW.getTime() / 1000);
    const header = signPayload(SECRET, t, body);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, header, body, { now: NOW })).toBe(true);
    expect(verifySignature(SECRET, header, `${body} `, { now: NOW })).toBe(false);
    expect(verifySignature('another-secret-entirely-xx', header, body, { now: NOW })).toBe(false);
    expect(verifySignature(SECRET, header, body, { now: new Date(NOW.getTime() + 301_000) })).toBe(false);
    expect(verifySignature(SECRET, header.replace(/^t=\d+,/, ''), body, { now: NOW })).toBe(false);
    // The timestamp is signed: moving it forward breaks the signature.
    expect(verifySignature(SECRET, header.replace(`t=${t}`, `t=${t + 1}`), body, { now: NOW })).toBe(false);
  });

  it('derives one delivery id per (event, webhook), ordered by event time', () => {
    const a = deliveryId('2027-01-10T11:59:00Z', 'evt-1', 'chat');
    expect(isId('webhookDelivery', a)).toBe(true);
    expect(deliveryId('2027-01-10T11:59:00Z', 'evt-1', 'chat')).toBe(a);
    expect(deliveryId('2027-01-10T11:59:00Z', 'evt-1', 'pager')).not.toBe(a);
    expect(deliveryId('2027-01-10T11:59:01Z', 'evt-0', 'chat') > a).toBe(true);
  });
});

describe('delivering an event', () => {
  it("posts the signed event to the tenant's subscribed, enabled webhooks only, and records it", async () => {
    await hook('all');
    await hook('failures', { events: ['BackupFailed'] });
    await hook('off', { enabled: false });
    const sender = new ScriptedSender(ok);
    const result = await deliverEvent(deliverDeps(sender), event());

    expect(sender.requests.map((request) => request.url)).toEqual(['https://hooks.example.com/all']);
    const [request] = sender.requests as [WebhookRequest];
    expect(JSON.parse(request.body)).toEqual({
      id: 'evt-1',
      type: 'BackupSucceeded',
      time: '2027-01-10T11:59:00Z',
      tenantId: T,
      data: { tenantId: T, backupId: 'bkp_x', status: 'succeeded' },
    });
    expect(request.headers).toMatchObject({ 'strongbox-event-id': 'evt-1', 'strongbox-attempt': '1' });
    expect(verifySignature(SECRET, request.headers['strongbox-signature'] as string, request.body, { now: NOW })).toBe(
      true,
    );
    expect(request.body).not.toContain(SECRET);
    expect(result.retryInSeconds).toBeUndefined();
    const log = await catalog.webhookDeliveries.list(T, { limit: 10 });
    expect(log.items).toMatchObject([{ webhookId: 'all', status: 'delivered', attempts: [{ statusCode: 204 }] }]);
  });

  it("never reaches another tenant's webhooks", async () => {
    await hook('all');
    const sender = new ScriptedSender(ok);
    await deliverEvent(deliverDeps(sender), event('BackupSucceeded', 'globex'));
    expect(sender.requests).toEqual([]);
  });

  it('retries with growing delays only the webhook that failed, then gives up after the last attempt', async () => {
    await hook('good');
    await hook('flaky');
    const sender = new ScriptedSender((request) => (request.url.endsWith('/flaky') ? unavailable() : ok()));
    const first = await deliverEvent(deliverDeps(sender), event());
    expect(first.retryInSeconds).toBe(retryDelaySeconds(1, 30));
    expect(retryDelaySeconds(2, 30)).toBe(120);

    for (let attempt = 2; attempt <= MAX_DELIVERY_ATTEMPTS; attempt += 1) {
      const again = await deliverEvent(deliverDeps(sender), event());
      if (attempt < MAX_DELIVERY_ATTEMPTS) expect(again.retryInSeconds).toBe(retryDelaySeconds(attempt, 30));
      else expect(again.retryInSeconds).toBeUndefined();
    }
    const urls = sender.requests.map((request) => request.url.split('/').pop());
    expect(urls.filter((name) => name === 'good')).toHaveLength(1);
    expect(urls.filter((name) => name === 'flaky')).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    const flaky = await catalog.webhookDeliveries.list(T, { limit: 10, webhookId: 'flaky' });
    expect(flaky.items).toMatchObject([{ status: 'failed' }]);
    expect(flaky.items[0]?.attempts).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    // A later redelivery of the same event finds both finished and sends nothing.
    await deliverEvent(deliverDeps(sender), event());
    expect(sender.requests).toHaveLength(1 + MAX_DELIVERY_ATTEMPTS);
  });

  it('gives up at once on a refused host, and records but never sends unsigned when the secret is gone', async () => {
    await hook('guarded');
    const refused = new ScriptedSender(() => ({
      outcome: 'error',
      code: 'forbidden_host',
      message: 'host hooks.example.com resolves to a private address',
      durationMs: 1,
    }));
    expect((await deliverEvent(deliverDeps(refused), event())).retryInSeconds).toBeUndefined();
    expect((await catalog.webhookDeliveries.list(T, { limit: 10 })).items).toMatchObject([
      { status: 'failed', attempts: [{ error: { code: 'forbidden_host' } }] },
    ]);

    secrets.values.clear();
    const sender = new ScriptedSender(ok);
    const result = await deliverEvent(deliverDeps(sender), event('BackupFailed', T, 'evt-2'));
    expect(sender.requests).toEqual([]);
    expect(result.retryInSeconds).toBe(30);
    expect(result.attempted).toMatchObject([{ status: 'retrying', attempts: [{ error: { code: 'secret_missing' } }] }]);
  });
});
