import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { startTestService } from '../support/local-service';

/**
 * S4 floods: the stage's throttling (infra: deployOptions throttlingRateLimit / throttlingBurstLimit; config/local.json
 * gives local mode 200 per second with bursts of 400) is enforced by the local API server as API Gateway does, a token
 * bucket before authorization and before any handler runs, answering 429 in the API's error shape (the THROTTLED
 * gateway response). Per-tenant request rates (usage plans keyed by tenant) are not built.
 */
let service: LocalService;

beforeAll(async () => {
  service = await startTestService();
});

afterAll(async () => {
  await service?.stop();
});

describe('S4: a flood is throttled at the gateway, and the API recovers', () => {
  it('answers 429 too_many_requests beyond the burst, then serves again once the bucket refilled', async () => {
    // Act: 1,500 requests at once. They name no route, so the gateway answers each at once (no such route) unless it throttles
    // first: the flood outruns 200 per second on any machine, while a flood of real calls would be paced by the handlers.
    const started = Date.now();
    const flood = await Promise.all(
      Array.from({ length: 1500 }, () =>
        fetch(`${service.apiUrl}/v1/flood`).then(async (response) => ({
          status: response.status,
          type: response.headers.get('x-amzn-errortype'),
          body: (await response.json()) as { error?: { code?: string } },
        })),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const after = await fetch(`${service.apiUrl}/v1/sources`, {
      headers: { authorization: `Bearer ${service.tokens.acme}` },
    });

    // Assess: never more through than the bucket allows (burst + rate × time), the rest throttled.
    const throttled = flood.filter((answer) => answer.status === 429);
    const through = flood.length - throttled.length;
    expect(through).toBeLessThanOrEqual(400 + Math.ceil(200 * seconds) + 1);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled[0]).toMatchObject({ type: 'THROTTLED', body: { error: { code: 'too_many_requests' } } });
    const unrouted = flood.filter((answer) => answer.status !== 429);
    expect(unrouted.every((answer) => answer.type === 'MISSING_AUTHENTICATION_TOKEN')).toBe(true);
    expect(after.status).toBe(200);
  });
});
