import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { createTestVolume } from '../support/cloud-fixtures';
import { type Api, apiAs, startTestService } from '../support/local-service';

/** A tenant backs up an EBS volume over the local API, and cannot use what is not theirs. */
let service: LocalService;
let acme: Api;

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
});

afterAll(async () => {
  await service?.stop();
});

describe('snapshot sources and backups over the API', () => {
  it('registers a tagged volume and backs it up; the snapshot ids are on the backup', async () => {
    const volume = await createTestVolume(service.clients, 'us-east-1', { tenant: 'acme' });

    const registered = await acme.post('/v1/sources', {
      name: 'app data',
      type: 'ebs-volume',
      volumeId: volume.volumeId,
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body).toMatchObject({
      type: 'ebs-volume',
      volumeId: volume.volumeId,
      region: 'us-east-1',
      settings: { copyRegions: [], restoreApproval: false },
    });
    expect(registered.body).not.toHaveProperty('resourceId');

    const requested = await acme.post('/v1/backups', { sourceId: registered.body.id });
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ kind: 'snapshot', status: 'pending', sourceType: 'ebs-volume' });
    await service.idle();

    const backup = await acme.get(`/v1/backups/${requested.body.id}`);
    expect(backup.body).toMatchObject({
      status: 'succeeded',
      region: 'us-east-1',
      snapshots: [{ id: expect.stringMatching(/^snap-/), resourceId: volume.volumeId, state: 'completed' }],
    });
    const globex = apiAs(service, 'globex');
    expect((await globex.get(`/v1/backups/${requested.body.id}`)).status).toBe(404);

    // Snapshots stay with EBS: no download link and no re-read, each a clear 409 rather than a job that fails later.
    const download = await acme.get(`/v1/backups/${requested.body.id}/download`);
    const verify = await acme.post(`/v1/backups/${requested.body.id}/verify`, {});
    for (const refused of [download, verify]) {
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        error: { code: 'not_a_dump', message: expect.stringContaining('snapshot') },
      });
    }
  });

  it("refuses another tenant's volume (404), an untagged one (403) and a missing one (404)", async () => {
    const globexVolume = await createTestVolume(service.clients, 'us-east-1', { tenant: 'globex' });
    const untagged = await createTestVolume(service.clients, 'us-east-1');
    const body = (volumeId: string) => ({ name: 'not mine', type: 'ebs-volume', volumeId });

    const other = await acme.post('/v1/sources', body(globexVolume.volumeId));
    const bare = await acme.post('/v1/sources', body(untagged.volumeId));
    const missing = await acme.post('/v1/sources', body('vol-0123456789abcdef0'));

    expect(other.status).toBe(404);
    expect(bare.status).toBe(403);
    expect(bare.body).toMatchObject({ error: { message: expect.stringContaining('strongbox:tenant=acme') } });
    expect(missing.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain('globex');
    expect((await acme.get('/v1/sources')).body).toMatchObject({
      items: expect.not.arrayContaining([expect.objectContaining({ name: 'not mine' })]),
    });
  });

  it('answers a bad body with 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', type: 'ebs-volume', volumeId: 'disk-1' }, 'volumeId'],
      [{ name: 'x', type: 'ebs-volume', volumeId: 'vol-0123456789abcdef0', region: 'mars-1' }, 'region'],
      [{ name: 'x', type: 'ebs-volume', volumeId: 'vol-0123456789abcdef0', tenantId: 'globex' }, 'tenantId'],
      [{ name: 'x', type: 'ec2-instance', volumeId: 'vol-0123456789abcdef0' }, 'instanceId'],
      [
        {
          name: 'x',
          type: 'ebs-volume',
          volumeId: 'vol-0123456789abcdef0',
          settings: { copyRegions: [{ region: 'eu-west-1' }, { region: 'eu-west-1' }] },
        },
        'settings.copyRegions',
      ],
      [
        {
          name: 'x',
          type: 'ebs-volume',
          volumeId: 'vol-0123456789abcdef0',
          settings: { copyRegions: [{ region: 'us-east-1' }] },
        },
        'settings.copyRegions.0.region',
      ],
    ];
    for (const [body, field] of cases) {
      const response = await acme.post('/v1/sources', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body, JSON.stringify(body)).toMatchObject({
        error: { fields: expect.arrayContaining([expect.objectContaining({ path: field })]) },
      });
    }
  });
});
