import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../lambdas/app/webhooks/signing';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, sourceBodyFor, startTestService } from '../support/local-service';
import { smallDatabase } from '../support/retention-e2e';

/**
 * Tenant webhooks end to end on the local service: the API stores them, the bus's rule queues every event on moto's
 * SQS, the local event source hands the queue to the real deliverer, which POSTs signed requests to a receiver on
 * loopback (allowed in local mode only) and retries with backoff (1 s in local mode).
 */
const SECRET = 'whsec-e2e-0123456789abcdefghijkl';
const GLOBEX_SECRET = 'whsec-globex-0123456789abcdefghij';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let service: LocalService;
let acme: Api;
let globex: Api;
let receiver: Server;
let base: string;
const received: Received[] = [];
/** Status codes the receiver answers with, in order; 200 once they run out. */
const answers: number[] = [];
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(answers.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  service = await startTestService();
  acme = apiAs(service, 'acme');
  globex = apiAs(service, 'globex');
});

afterAll(async () => {
  await service?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

/** Delivers what the bus queued, then waits out a retry delay (local mode: 1 s, then 4 s) and delivers again. */
async function deliver(waitSeconds = 0): Promise<void> {
  await service.idle();
  await service.queues.drain();
  if (waitSeconds > 0) {
    await sleep(waitSeconds * 1000 + 300);
    await service.queues.drain();
  }
}

describe('webhooks (local service: moto EventBridge → SQS → deliverer → loopback receiver)', () => {
  it('stores a webhook without ever showing its secret, for admins only, and refuses unsafe URLs naming the field', async () => {
    const put = await acme.put('/v1/webhooks/chat', {
      url: `${base}/acme`,
      events: ['BackupSucceeded', 'BackupFailed'],
      description: 'chat-ops',
      secret: SECRET,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: 'chat', url: `${base}/acme`, enabled: true, secret: { configured: true } });
    const listed = await acme.get('/v1/webhooks');
    expect(JSON.stringify([put.body, listed.body])).not.toContain(SECRET);
    expect(JSON.stringify(listed.body)).not.toContain('secretRef');
    expect((await apiAs(service, 'acmeMember').get('/v1/webhooks')).status).toBe(403);
    expect((await globex.get('/v1/webhooks/chat')).status).toBe(404);

    const metadata = await acme.put('/v1/webhooks/imds', {
      url: 'http://169.254.169.254/latest/meta-data/',
      events: ['*'],
      secret: SECRET,
    });
    expect(metadata.status).toBe(400);
    expect(metadata.body).toMatchObject({
      error: { code: 'forbidden_host', fields: [{ path: 'url', message: expect.stringContaining('link-local') }] },
    });
    const badEvent = await acme.put('/v1/webhooks/x', { url: `${base}/x`, events: ['Nope'], secret: SECRET });
    expect(badEvent.status).toBe(400);
    expect(JSON.stringify(badEvent.body)).toContain('events.0');
    const noSecret = await acme.put('/v1/webhooks/x', { url: `${base}/x`, events: ['*'] });
    expect(noSecret.body).toMatchObject({ error: { fields: [{ path: 'secret' }] } });
    const reserved = await acme.put('/v1/webhooks/deliveries', { url: `${base}/x`, events: ['*'], secret: SECRET });
    expect(reserved.status).toBe(400);
    expect((await acme.get('/v1/webhooks/imds')).status).toBe(404);
  });

  it("delivers a backup's event signed, retries a failed attempt with the same body, and logs both attempts", async () => {
    expect(
      (await globex.put('/v1/webhooks/all', { url: `${base}/globex`, events: ['*'], secret: GLOBEX_SECRET })).status,
    ).toBe(200);
    const db = await smallDatabase('webhooks');
    cleanup.push(db.drop);
    const source = await acme.post('/v1/sources', sourceBodyFor(db, 'webhooks'));
    answers.push(500);
    const backup = await acme.post('/v1/backups', { sourceId: source.body.id });
    expect(backup.status).toBe(202);

    await deliver();
    expect(received).toHaveLength(1);
    const log = await acme.get<{ items: Record<string, unknown>[] }>('/v1/webhooks/deliveries?webhookId=chat');
    expect(log.body.items).toMatchObject([{ webhookId: 'chat', status: 'retrying', attempts: [{ statusCode: 500 }] }]);

    await deliver(1);
    expect(received).toHaveLength(2);
    const [first, second] = received as [Received, Received];
    for (const [index, request] of [first, second].entries()) {
      expect(request.path).toBe('/acme');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['strongbox-attempt']).toBe(String(index + 1));
      const signature = request.headers['strongbox-signature'] as string;
      expect(verifySignature(SECRET, signature, request.body, { now: new Date() })).toBe(true);
      expect(verifySignature(GLOBEX_SECRET, signature, request.body, { now: new Date() })).toBe(false);
    }
    expect(second.body).toBe(first.body);
    const payload = JSON.parse(first.body);
    expect(payload).toMatchObject({
      type: 'BackupSucceeded',
      tenantId: 'acme',
      data: { backupId: backup.body.id, sourceId: source.body.id, status: 'succeeded' },
    });
    expect(first.headers['strongbox-event-id']).toBe(payload.id);
    expect(first.body).not.toMatch(/password|secret/i);

    const after = await acme.get<{ items: Record<string, unknown>[] }>('/v1/webhooks/deliveries');
    expect(after.body.items).toMatchObject([
      {
        webhookId: 'chat',
        eventId: payload.id,
        status: 'delivered',
        attempts: [{ statusCode: 500 }, { statusCode: 200 }],
      },
    ]);
    // Nothing more comes: the event is delivered, and nothing of acme's ever went to globex's endpoint.
    await deliver(1);
    expect(received.map((request) => request.path)).toEqual(['/acme', '/acme']);
    expect((await globex.get<{ items: unknown[] }>('/v1/webhooks/deliveries')).body.items).toEqual([]);
  });

  it('sends nothing to a deleted webhook', async () => {
    expect((await acme.delete('/v1/webhooks/chat')).status).toBe(204);
    expect((await acme.get('/v1/webhooks/chat')).status).toBe(404);
    const sources = await acme.get<{ items: { id: string }[] }>('/v1/sources');
    const before = received.length;
    await acme.post('/v1/backups', { sourceId: sources.body.items[0]?.id });
    await deliver();
    expect(received.filter((request) => request.path === '/acme')).toHaveLength(before);
  });
});
