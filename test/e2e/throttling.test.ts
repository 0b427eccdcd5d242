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
    // Act: twice the burst at once, signed in, on a route that runs the authorizer and a handler.
    const flood = await Promise.all(
      Array.from({ length: 800 }, () =>
        fetch(`${service.apiUrl}/v1/sources`, { headers: { authorization: `Bearer ${service.tokens.acme}` } }).then(
          async (response) => ({
            status: response.status,
            type: response.headers.get('x-amzn-errortype'),
            body: (await response.json()) as { error?: { code?: string } },
          }),
        ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const after = await fetch(`${service.apiUrl}/v1/sources`, {
      headers: { authorization: `Bearer ${service.tokens.acme}` },
    });

    // Assess
    const throttled = flood.filter((answer) => answer.status === 429);
    const served = flood.filter((answer) => answer.status === 200);
    expect(throttled.length).toBeGreaterThan(0);
    expect(served.length).toBeGreaterThanOrEqual(400);
    expect(served.length + throttled.length).toBe(800);
    expect(throttled[0]).toMatchObject({ type: 'THROTTLED', body: { error: { code: 'too_many_requests' } } });
    expect(after.status).toBe(200);
  });
});
