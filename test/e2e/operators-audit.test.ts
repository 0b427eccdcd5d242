import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { type Api, type ApiResponse, apiAs, startTestService } from '../support/local-service';
import { databaseSource, smallDatabase } from '../support/retention-e2e';
import { withPostgres } from '../support/testbed';

/**
 * Operators and the audit trail over the local API. Operators see every tenant, assign plans (which bound the tenant at
 * once), list the approvals waiting anywhere and act on one tenant's records by naming it in the Strongbox-Tenant
 * header; a tenant's token never can. Every mutating call and every workflow outcome lands in the tenant's
 * hash-chained trail, which GET /v1/audit/verify re-computes (and which an edit in the table breaks).
 */
type Body = Record<string, unknown>;
let service: LocalService;
let acme: Api;
let approver: Api;
let globex: Api;
const cleanup: (() => Promise<void>)[] = [];

/** The local operator's token, optionally naming the tenant to act on. */
function operator(tenant?: string) {
  const call = async <T = Body>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => {
    const response = await fetch(`${service.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${service.tokens.admin}`,
        ...(tenant === undefined ? {} : { 'strongbox-tenant': tenant }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
  };
  return {
    get: <T = Body>(path: string) => call<T>('GET', path),
    post: <T = Body>(path: string, body: unknown) => call<T>('POST', path, body),
    put: <T = Body>(path: string, body: unknown) => call<T>('PUT', path, body),
  };
}

/** Acme's whole trail, oldest first (read as acme's admin, page by page). */
async function trail(api: Api = acme): Promise<Body[]> {
  const entries: Body[] = [];
  let cursor: string | null = null;
  do {
    const page: ApiResponse<{ items: Body[]; nextCursor: string | null }> = await api.get(
      `/v1/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    entries.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return entries.reverse();
}

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  approver = apiAs(service, 'acmeApprover');
  globex = apiAs(service, 'globex');
});

afterAll(async () => {
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

describe('operators', () => {
  it('list tenants with their plan, assign a plan that bounds the tenant at once, and onboard a new tenant', async () => {
    // Prepare: acme becomes a registered tenant with its first policy.
    const policy = (id: string) =>
      acme.put(`/v1/policies/${id}`, {
        name: id,
        sources: { tags: { env: 'prod' } },
        schedules: [{ name: 'night', expression: 'cron(0 3 * * ? *)' }],
      });
    expect((await policy('one')).status).toBe(200);

    // Act
    const before = await operator().get<{ items: Body[] }>('/v1/tenants');
    const assigned = await operator().put('/v1/tenants/acme', { plan: 'free' });
    const second = await policy('two');
    const third = await policy('three');
    const onboarded = await operator().put('/v1/tenants/initech', { plan: 'business' });
    const after = await operator().get<{ items: Body[] }>('/v1/tenants');
    const bad = await operator().put('/v1/tenants/acme', { plan: 'platinum', tenantId: 'globex' });

    // Assess
    expect(before.status).toBe(200);
    const defaultPlan = before.body.items.find((tenant) => tenant.tenantId === 'acme');
    expect(defaultPlan).toMatchObject({ planSource: 'default', limits: { name: defaultPlan?.plan } });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    expect(assigned.body).toMatchObject({
      tenantId: 'acme',
      plan: 'free',
      planSource: 'assigned',
      planAssignedBy: 'operator@platform.local',
      limits: { maxPolicies: 2, manualKeptPerSource: 2 },
    });
    expect(second.status).toBe(200);
    expect(third.status, JSON.stringify(third.body)).toBe(400);
    expect(JSON.stringify(third.body)).toContain('the free plan allows 2 policies');
    expect(onboarded.body).toMatchObject({ tenantId: 'initech', plan: 'business', planSource: 'assigned' });
    expect(after.body.items.map((tenant) => tenant.tenantId)).toEqual(expect.arrayContaining(['acme', 'initech']));
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { fields: { path: string }[] } }).error.fields.map((f) => f.path).sort()).toEqual(
      ['plan', 'tenantId'].sort(),
    );
    expect((await operator().get('/v1/tenants/acme')).body).toMatchObject({ plan: 'free' });
    expect((await operator().put('/v1/tenants/acme', { plan: defaultPlan?.plan })).status).toBe(200);
  });

  it('act on a tenant only by naming it; a tenant token naming another tenant is refused', async () => {
    // Act
    const named = await operator('acme').get<{ items: Body[] }>('/v1/policies');
    const unnamed = await operator().get('/v1/policies');
    const unknown = await operator('nobody-here').get('/v1/policies');
    const malformed = await operator('Not A Tenant').get('/v1/policies');
    const foreign = await fetch(`${service.apiUrl}/v1/policies`, {
      headers: { authorization: `Bearer ${service.tokens.globex}`, 'strongbox-tenant': 'acme' },
    });
    const own = await fetch(`${service.apiUrl}/v1/policies`, {
      headers: { authorization: `Bearer ${service.tokens.globex}`, 'strongbox-tenant': 'globex' },
    });

    // Assess
    expect(named.status).toBe(200);
    expect(named.body.items.map((policy) => policy.tenantId)).toContain('acme');
    expect(unnamed.status).toBe(403);
    expect(JSON.stringify(unnamed.body)).toContain('Strongbox-Tenant');
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toContain('Strongbox-Tenant');
    expect(foreign.status).toBe(403);
    expect(JSON.stringify(await foreign.json())).not.toContain('nightly');
    expect(own.status).toBe(200);
  });

  it('list approvals waiting in any tenant and approve one as the second pair of eyes', async () => {
    // Prepare: a replacing restore of acme's database waits for approval.
    const db = await smallDatabase('ops');
    cleanup.push(db.drop);
    const sourceId = await databaseSource(acme, db);
    const backup = await acme.post('/v1/backups', { sourceId });
    await service.idle();
    expect((await acme.get(`/v1/backups/${backup.body.id}`)).body.status).toBe('succeeded');
    const requested = await acme.post('/v1/restores', {
      backupId: backup.body.id,
      target: { database: db.name, replaceExisting: true },
    });
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    await service.idle();
    await withPostgres(db.name, (client) => client.query('DELETE FROM items WHERE id > 10'));

    // Act
    const waiting = await operator().get<{ items: Body[] }>('/v1/approvals');
    const approved = await operator('acme').post(`/v1/restores/${requested.body.id}/approve`, {});
    await service.idle();
    const restore = await acme.get(`/v1/restores/${requested.body.id}`);
    const rows = await withPostgres(db.name, (client) => client.query('SELECT count(*)::int AS n FROM items'));

    // Assess
    expect(waiting.status).toBe(200);
    expect(waiting.body.items).toContainEqual(
      expect.objectContaining({ tenantId: 'acme', id: requested.body.id, status: 'pending_approval' }),
    );
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(restore.body).toMatchObject({ status: 'succeeded' });
    expect(rows.rows[0]).toEqual({ n: 100 });
    expect((await operator().get<{ items: Body[] }>('/v1/approvals')).body.items).not.toContainEqual(
      expect.objectContaining({ id: requested.body.id }),
    );
  });
});

describe('audit trail', () => {
  it('records who did what to which record, refusals too, and the workflows’ outcomes — reads not', async () => {
    // Act
    const entries = await trail();
    const globexEntries = await trail(globex);

    // Assess
    const actions = entries.map((entry) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining(['putPolicy', 'createSource', 'createBackup', 'BackupSucceeded', 'approveRestore']),
    );
    expect(actions).toContain('RestoreSucceeded');
    expect(actions).not.toContain('listPolicies');
    expect(entries.find((entry) => entry.action === 'createSource')).toMatchObject({
      tenantId: 'acme',
      actor: { subject: 'admin@acme.local', roles: ['admin'] },
      target: { kind: 'source' },
      result: 'succeeded',
      httpStatus: 201,
    });
    expect(entries.find((entry) => entry.action === 'approveRestore')).toMatchObject({
      actor: { subject: 'operator@platform.local', roles: ['operator'] },
      target: { kind: 'restore' },
      result: 'succeeded',
    });
    expect(entries.find((entry) => entry.action === 'BackupSucceeded')).toMatchObject({
      actor: { subject: 'strongbox' },
      target: { kind: 'backup' },
      result: 'succeeded',
    });
    expect(entries.find((entry) => entry.action === 'putPolicy' && entry.result === 'refused')).toMatchObject({
      httpStatus: 400,
      code: 'validation_failed',
      target: { kind: 'policy', id: 'three' },
    });
    expect(entries.find((entry) => entry.action === 'assignTenantPlan')).toMatchObject({
      actor: { subject: 'operator@platform.local' },
      target: { kind: 'tenant', id: 'acme' },
    });
    // Ids and codes only: never a password or a request body.
    const fields = new Set(entries.flatMap((entry) => Object.keys(entry)));
    const allowed = ['tenantId', 'at', 'actor', 'action', 'target', 'result', 'httpStatus', 'code', 'requestId'];
    expect([...fields].sort()).toEqual(
      [...allowed, 'id', 'seq', 'prevHash', 'hash'].filter((f) => fields.has(f)).sort(),
    );
    expect(JSON.stringify(entries)).not.toMatch(/password|host|127\.0\.0\.1/i);
    expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_, n) => n + 1));
    expect(globexEntries.every((entry) => entry.tenantId === 'globex')).toBe(true);
    expect(JSON.stringify(globexEntries)).not.toContain('admin@acme.local');
  });

  it('keeps one unbroken chain under concurrent calls, verified by the API; an edit in the table breaks it', async () => {
    // Act: concurrent mutating calls of two admins (simulations change nothing but are recorded).
    await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        (n % 2 === 0 ? acme : approver).post('/v1/retention/simulate', {
          policy: { keepLast: 1 },
          backups: [],
        }),
      ),
    );
    const verified = await acme.get<Body>('/v1/audit/verify');
    const byOperator = await operator('acme').get<Body>('/v1/audit/verify');
    const entries = await trail();
    const target = entries[3] as Body;
    await service.clients.dynamodb.send(
      new UpdateCommand({
        TableName: service.environment.STRONGBOX_TABLE_NAME,
        Key: { pk: 'TENANT#acme', sk: `AUDIT#${target.id}` },
        UpdateExpression: 'SET #result = :result',
        ExpressionAttributeNames: { '#result': 'result' },
        ExpressionAttributeValues: { ':result': target.result === 'succeeded' ? 'refused' : 'succeeded' },
      }),
    );
    const tampered = await acme.get<Body>('/v1/audit/verify');

    // Assess
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: true, checked: entries.length });
    expect((verified.body.head as Body).seq).toBe(entries.length);
    expect((verified.body.head as Body).hash).toBe(entries.at(-1)?.hash);
    expect(byOperator.body).toMatchObject({ ok: true });
    expect(entries.filter((entry) => entry.action === 'simulateRetention')).toHaveLength(8);
    expect(tampered.body).toMatchObject({
      ok: false,
      brokenAt: { seq: target.seq, reason: 'hash does not match the entry' },
    });
  });
});
