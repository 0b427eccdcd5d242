import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, startTestService } from '../support/local-service';
import { createPostgresDatabase, type TestDatabase, testbedInfo } from '../support/testbed';

/** The tenant API's promises, checked over HTTP against the local service: errors name the field, tenants never meet. */
let service: LocalService;
let acme: Api;
let globex: Api;
let database: TestDatabase;
let sourceId: string;
let backupId: string;
let restoreId: string;

function sourceBody(overrides: Record<string, unknown> = {}) {
  const server = testbedInfo().postgres;
  return {
    name: 'contract',
    type: 'postgres',
    host: server.host,
    port: server.port,
    database: database.name,
    username: server.user,
    password: server.password,
    ...overrides,
  };
}

function fieldsOf(body: Record<string, unknown>): string[] {
  return ((body.error as { fields?: { path: string }[] }).fields ?? []).map((field) => field.path);
}

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  globex = apiAs(service, 'globex');
  database = await createPostgresDatabase('contract');
  sourceId = (await acme.post('/v1/sources', sourceBody())).body.id as string;
  backupId = (await acme.post('/v1/backups', { sourceId })).body.id as string;
  await service.idle();
  restoreId = (await acme.post('/v1/restores', { backupId, target: { database: `${database.name}_r` } })).body
    .id as string;
  await service.idle();
});

afterAll(async () => {
  await database?.drop();
  await service?.stop();
});

describe('tenant isolation', () => {
  it("answers 404 to every route that takes another tenant's id, and changes nothing", async () => {
    // Prepare
    const before = await acme.get(`/v1/backups/${backupId}`);

    // Act
    const answers = await Promise.all([
      globex.get(`/v1/sources/${sourceId}`),
      globex.delete(`/v1/sources/${sourceId}`),
      globex.get(`/v1/backups/${backupId}`),
      globex.get(`/v1/backups/${backupId}/download`),
      globex.post(`/v1/backups/${backupId}/verify`, {}),
      globex.get(`/v1/restores/${restoreId}`),
      globex.get(`/v1/backups?sourceId=${sourceId}`),
      globex.post('/v1/backups', { sourceId }),
      globex.post('/v1/restores', { backupId, target: { database: 'stolen' } }),
    ]);
    await service.idle();

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404, 404, 404, 404]);
    for (const answer of answers) expect(answer.body).toMatchObject({ error: { code: 'not_found' } });
    expect((await acme.get(`/v1/sources/${sourceId}`)).status).toBe(200);
    expect((await acme.get(`/v1/backups/${backupId}`)).body).toEqual(before.body);
    expect((await globex.get<{ items: unknown[] }>('/v1/backups')).body.items).toEqual([]);
    expect((await globex.get<{ items: unknown[] }>('/v1/restores')).body.items).toEqual([]);
  });

  it('refuses a tenant id or other server-owned field in a body, by name (mass assignment)', async () => {
    // Act
    const answer = await globex.post('/v1/sources', sourceBody({ tenantId: 'acme', secretRef: 'x' }));
    const backup = await globex.post('/v1/backups', { sourceId, tenantId: 'acme', status: 'succeeded' });

    // Assess
    expect(answer.status).toBe(400);
    expect(fieldsOf(answer.body).sort()).toEqual(['secretRef', 'tenantId']);
    expect(backup.status).toBe(400);
    expect(fieldsOf(backup.body).sort()).toEqual(['status', 'tenantId']);
  });
});

describe('input validation', () => {
  it('names the field and the reason of every invalid source field', async () => {
    // Act
    const answer = await acme.post(
      '/v1/sources',
      sourceBody({ type: 'oracle', port: 70000, host: 'http://x', password: '' }),
    );

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'validation_failed' } });
    expect(fieldsOf(answer.body).sort()).toEqual(['host', 'password', 'port', 'type']);
  });

  it('answers 400 to a body that is not JSON and to page sizes and cursors it cannot honour', async () => {
    // Act
    const notJson = await acme.post('/v1/backups', '{"sourceId":');
    const tooMany = await acme.get('/v1/backups?limit=1000');
    const garbage = await acme.get('/v1/backups?cursor=not-a-cursor');

    // Assess
    expect([notJson.status, tooMany.status, garbage.status]).toEqual([400, 400, 400]);
    expect(fieldsOf(notJson.body)).toEqual(['body']);
    expect(fieldsOf(tooMany.body)).toEqual(['limit']);
    expect(fieldsOf(garbage.body)).toEqual(['cursor']);
  });

  it('refuses a restore of tables the backup does not have, naming them, before starting anything', async () => {
    // Act
    const answer = await acme.post('/v1/restores', {
      backupId,
      target: { database: 'never' },
      tables: ['public.nope'],
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: { fields: [{ path: 'tables', message: 'public.nope is not in the backup' }] },
    });
    expect((await acme.get<{ items: unknown[] }>('/v1/restores')).body.items).toHaveLength(1);
  });

  it('refuses sources on link-local, metadata and private addresses before storing anything (SSRF)', async () => {
    // Act
    const answers = await Promise.all(
      ['169.254.169.254', '10.0.0.5', '[fd00:ec2::254]', '192.168.1.1', 'metadata.google.internal.'].map((host) =>
        acme.post('/v1/sources', sourceBody({ host: host.replace(/\.$/, '') })),
      ),
    );

    // Assess
    for (const answer of answers.slice(0, 4)) expect(answer.body).toMatchObject({ error: { code: 'forbidden_host' } });
    expect(answers.every((answer) => answer.status === 400)).toBe(true);
    expect((await acme.get<{ items: unknown[] }>('/v1/sources')).body.items).toHaveLength(1);
  });
});

describe('roles and credentials', () => {
  it('lets members back up but not manage sources, and keeps operators off tenant routes', async () => {
    // Prepare
    const member = await service.issuer.issue({ subject: 'dev@acme.local', tenantId: 'acme', roles: ['member'] });
    const asMember = (path: string, init: RequestInit = {}) =>
      fetch(`${service.apiUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
      });

    // Act
    const create = await asMember('/v1/sources', { method: 'POST', body: JSON.stringify(sourceBody()) });
    const list = await asMember('/v1/backups');
    const operator = await apiAs(service, 'admin').get('/v1/backups');

    // Assess
    expect(create.status).toBe(403);
    expect(list.status).toBe(200);
    expect(operator.status).toBe(403);
  });

  it('answers 401 in the API error shape without a valid token', async () => {
    // Act
    const missing = await fetch(`${service.apiUrl}/v1/backups`);
    const forged = await fetch(`${service.apiUrl}/v1/backups`, {
      headers: { authorization: `Bearer ${service.tokens.acme}x` },
    });

    // Assess
    expect([missing.status, forged.status]).toEqual([401, 401]);
    expect(await missing.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('never returns the password or where it is kept', async () => {
    // Act
    const one = await acme.get(`/v1/sources/${sourceId}`);
    const all = await acme.get('/v1/sources');

    // Assess
    for (const body of [one.body, ...(all.body.items as Record<string, unknown>[])]) {
      expect(Object.keys(body).sort()).toEqual([
        'createdAt',
        'database',
        'host',
        'id',
        'name',
        'port',
        'settings',
        'tenantId',
        'type',
        'username',
      ]);
    }
  });
});
