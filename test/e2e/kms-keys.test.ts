import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { createTestInstance, createTestKmsKey, createTestVolume } from '../support/cloud-fixtures';
import { type Api, apiAs, startTestService } from '../support/local-service';
import { awsTestSettings } from '../support/testbed';

/**
 * A tenant may name only its own KMS keys (tagged `strongbox:tenant=<tenant>`, enabled): for a DR copy region at
 * registration and for a volume restore's new volumes. Another tenant's key is a 404, an untagged one a 403.
 */
const REGION = 'us-east-1';
const DR_REGION = 'us-west-2';
let service: LocalService;
let acme: Api;

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
});

afterAll(async () => {
  await service?.stop();
});

const key = (region: string, tenant?: string, alias?: string) =>
  createTestKmsKey(region, awsTestSettings(), {
    ...(tenant === undefined ? {} : { tenant }),
    ...(alias === undefined ? {} : { alias }),
  });

describe('tenant KMS keys', () => {
  it("accepts the tenant's own DR copy key (by ARN or alias), refuses globex's (404) and an untagged one (403)", async () => {
    // Prepare
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme' });
    const alias = `alias/acme-dr-${Date.now().toString(36)}`;
    const own = await key(DR_REGION, 'acme', alias);
    const theirs = await key(DR_REGION, 'globex');
    const bare = await key(DR_REGION);
    const register = (kmsKeyId: string) =>
      acme.post('/v1/sources', {
        name: `dr ${Math.random()}`,
        type: 'ebs-volume',
        volumeId: volume.volumeId,
        settings: { copyRegions: [{ region: DR_REGION, kmsKeyId }] },
      });

    // Act
    const byArn = await register(own);
    const byAlias = await register(alias);
    const foreign = await register(theirs);
    const untagged = await register(bare);
    const otherRegion = await register(await key(REGION, 'acme'));

    // Assess
    expect(byArn.status, JSON.stringify(byArn.body)).toBe(201);
    expect(byAlias.status, JSON.stringify(byAlias.body)).toBe(201);
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body)).not.toContain('globex');
    expect(untagged.status).toBe(403);
    expect(untagged.body).toMatchObject({ error: { message: expect.stringContaining('strongbox:tenant=acme') } });
    expect(otherRegion.status).toBe(404);
  });

  it("a volume restore's kmsKeyId: own key accepted, globex's 404, untagged 403", async () => {
    // Prepare
    const volume = await createTestVolume(service.clients, REGION, { tenant: 'acme' });
    const source = await acme.post('/v1/sources', {
      name: 'kms restore',
      type: 'ebs-volume',
      volumeId: volume.volumeId,
    });
    const requested = await acme.post('/v1/backups', { sourceId: source.body.id });
    await service.idle();
    expect((await acme.get(`/v1/backups/${requested.body.id}`)).body.status).toBe('succeeded');
    const instance = await createTestInstance(service.clients, REGION, { tenant: 'acme', devices: [] });
    const ask = async (kmsKeyId: string) =>
      acme.post('/v1/restores', {
        backupId: requested.body.id,
        target: { instanceId: instance.instanceId, device: '/dev/xvdg', kmsKeyId },
      });

    // Act
    const foreign = await ask(await key(REGION, 'globex'));
    const untagged = await ask(await key(REGION));
    const own = await ask(await key(REGION, 'acme'));

    // Assess
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body)).not.toContain('globex');
    expect(untagged.status).toBe(403);
    expect(untagged.body).toMatchObject({ error: { message: expect.stringContaining('strongbox:tenant=acme') } });
    expect(own.status, JSON.stringify(own.body)).toBe(202);
    await service.idle();
  });
});
