import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lambdas/shared/openapi/document';
import { OPERATIONS } from '../../lambdas/shared/openapi/operations';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, startTestService } from '../support/local-service';
import { databaseSource, prune, runIdOf, smallDatabase } from '../support/retention-e2e';
import { withPostgres } from '../support/testbed';

/**
 * The security matrices, generated from the OpenAPI document.
 * S1, broken object-level authorization: every operation that takes an id, called with tenant B's token (an admin: the
 * most a tenant can be) on tenant A's ids → 404 and no side effect — the catalog table, the vault's object versions
 * and the Scheduler schedules are exactly as before. A PUT names a tenant-chosen id in the caller's own namespace, so
 * B's PUT creates B's own policy or webhook and leaves A's untouched (checked apart).
 * S2, roles: a tenant member on every operation whose least role is admin → 403 and no side effect. (Operators' own
 * routes are still to come.)
 */
let service: LocalService;
let acme: Api;
let globex: Api;
const ids: Record<string, string> = {};
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  globex = apiAs(service, 'globex');
  const db = await smallDatabase('bola');
  cleanup.push(db.drop);
  ids.source = await databaseSource(acme, db);
  const backup = await acme.post('/v1/backups', { sourceId: ids.source });
  ids.backup = backup.body.id as string;
  await service.idle();
  const restore = await acme.post('/v1/restores', { backupId: ids.backup, target: { database: `${db.name}_copy` } });
  ids.restore = restore.body.id as string;
  await service.idle();
  cleanup.push(() =>
    withPostgres('postgres', (client) => client.query(`DROP DATABASE IF EXISTS "${db.name}_copy"`)).then(
      () => undefined,
    ),
  );
  ids.pruneRun = runIdOf(await prune(service, {}));
  const policy = await acme.put('/v1/policies/nightly', {
    name: 'Nightly',
    sources: { ids: [ids.source] },
    schedules: [{ name: 'night', expression: 'cron(0 3 * * ? *)' }],
  });
  expect(policy.status).toBe(200);
  ids.policy = 'nightly';
  const webhook = await acme.put('/v1/webhooks/chat', {
    url: 'https://hooks.example.com/acme',
    events: ['*'],
    secret: 'acme-secret-0123456789abcdef',
  });
  // The example host does not resolve here, so registration may refuse it; a loopback URL is allowed in local mode.
  if (webhook.status !== 200) {
    const local = await acme.put('/v1/webhooks/chat', {
      url: 'http://127.0.0.1:9/acme',
      events: ['*'],
      secret: 'acme-secret-0123456789abcdef',
    });
    expect(local.status, JSON.stringify(local.body)).toBe(200);
  }
  ids.webhook = 'chat';
  for (const [kind, id] of Object.entries(ids)) expect(id, kind).toBeTruthy();
  expect((await acme.get(`/v1/retention/runs/${ids.pruneRun}`)).status).toBe(200);
});

afterAll(async () => {
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

/**
 * Everything an operation could change: catalog items, vault object versions, Scheduler schedules — except the audit
 * trail of `caller` (its refused call is recorded there, on purpose: checked apart with `lastAudit`).
 */
async function state(caller: string): Promise<string> {
  const scanned = await service.clients.dynamodb.send(
    new ScanCommand({ TableName: service.environment.STRONGBOX_TABLE_NAME }),
  );
  const items = {
    Items: (scanned.Items ?? []).filter((item) => !(item.entity === 'audit' && item.pk === `TENANT#${caller}`)),
  };
  const versions = await service.clients.s3.send(
    new ListObjectVersionsCommand({ Bucket: service.environment.STRONGBOX_VAULT_BUCKET }),
  );
  const schedules = await service.clients.scheduler.send(new ListSchedulesCommand({}));
  const sorted = (values: unknown[]) => values.map((value) => JSON.stringify(value)).sort();
  return JSON.stringify({
    items: sorted(items.Items ?? []),
    versions: sorted((versions.Versions ?? []).map((v) => [v.Key, v.VersionId])),
    markers: sorted((versions.DeleteMarkers ?? []).map((v) => [v.Key, v.VersionId])),
    schedules: sorted((schedules.Schedules ?? []).map((s) => [s.GroupName, s.Name, s.LastModificationDate])),
  });
}

const document = openApiDocument() as { paths: Record<string, Record<string, Record<string, unknown>>> };
const byId = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method, operation]) => method !== 'put' && operation['x-strongbox-id-kind'] !== undefined)
    .map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      kind: operation['x-strongbox-id-kind'] as string,
    })),
);

const adminOnly = OPERATIONS.filter((operation) => operation.role === 'admin');

/** The newest entry of a tenant's audit trail (read as its admin). */
async function lastAudit(api: Api): Promise<Record<string, unknown> | undefined> {
  const page = await api.get<{ items: Record<string, unknown>[] }>('/v1/audit?limit=1');
  expect(page.status).toBe(200);
  return page.body.items[0];
}

describe("S1: tenant B on tenant A's ids (generated from the OpenAPI document)", () => {
  it('covers every operation that takes an id', () => {
    expect(byId.length).toBeGreaterThanOrEqual(18);
    expect(new Set(byId.map((operation) => operation.kind))).toEqual(new Set(Object.keys(ids)));
  });

  it.each(byId)('$method $path → 404, nothing changed', async ({ method, path, kind }) => {
    const before = await state('globex');
    const example = OPERATIONS.find((operation) => operation.path === path && operation.method === method)?.example;
    const url = path.replace('{id}', ids[kind] as string);
    const response =
      method === 'GET'
        ? await globex.get(url)
        : method === 'DELETE'
          ? await globex.delete(url)
          : method === 'PATCH'
            ? await globex.patch(url, example ?? {})
            : await globex.post(url, example ?? {});
    expect(response.status, JSON.stringify(response.body)).toBe(404);
    expect(response.body).toMatchObject({ error: { code: 'not_found' } });
    expect(JSON.stringify(response.body)).not.toContain('acme');
    expect(await state('globex')).toBe(before);
    // The attempt is in globex's own audit trail (a refusal), and acme's trail is untouched (part of the state).
    if (method !== 'GET') {
      const operationId = OPERATIONS.find((op) => op.path === path && op.method === method)?.operationId;
      expect(await lastAudit(globex)).toMatchObject({
        tenantId: 'globex',
        action: operationId,
        result: 'refused',
        httpStatus: 404,
        code: 'not_found',
        actor: { subject: 'admin@globex.local' },
      });
    }
    // And A still sees it.
    if (method === 'GET') expect((await acme.get(url)).status).toBe(200);
  });

  it("lets B's PUT with A's policy and webhook ids create B's own, leaving A's as they were", async () => {
    const policyBefore = await acme.get('/v1/policies/nightly');
    const webhookBefore = await acme.get('/v1/webhooks/chat');
    const put = await globex.put('/v1/policies/nightly', {
      name: 'Globex nightly',
      sources: { tags: { env: 'prod' } },
      schedules: [{ name: 'night', expression: 'cron(0 4 * * ? *)' }],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ tenantId: 'globex', revision: 1 });
    expect(await acme.get('/v1/policies/nightly')).toMatchObject({ status: 200, body: policyBefore.body });
    expect(await acme.get('/v1/webhooks/chat')).toMatchObject({ status: 200, body: webhookBefore.body });
    expect((await globex.delete('/v1/policies/nightly')).status).toBe(204);
    expect((await acme.get('/v1/policies/nightly')).status).toBe(200);
  });

  it('serves the OpenAPI document to a signed-in caller only', async () => {
    const served = await globex.get('/v1/openapi.json');
    expect(served.status).toBe(200);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(document)));
    const anonymous = await fetch(`${service.apiUrl}/v1/openapi.json`);
    expect(anonymous.status).toBe(401);
  });
});

describe("S2: a tenant's admin on every operator operation (generated from the OpenAPI document)", () => {
  const operatorOnly = OPERATIONS.filter((operation) => operation.role === 'operator');

  it('covers the operator operations', () => {
    expect(operatorOnly.map((operation) => operation.operationId).sort()).toEqual(
      ['assignTenantPlan', 'getTenant', 'listPendingApprovals', 'listTenants'].sort(),
    );
  });

  it.each(operatorOnly.map((operation) => ({ ...operation })))(
    '$method $path → 403, nothing changed',
    async ({ method, path, example }) => {
      const before = await state('acme');
      const url = path.replace('{id}', 'globex');
      const response = method === 'GET' ? await acme.get(url) : await acme.put(url, example ?? {});
      expect(response.status, JSON.stringify(response.body)).toBe(403);
      expect(response.body).toMatchObject({ error: { code: 'forbidden' } });
      expect(await state('acme')).toBe(before);
    },
  );
});

describe('S2: a member on every operation that needs an admin (generated from the OpenAPI document)', () => {
  it('covers the admin operations', () => {
    expect(adminOnly.length).toBeGreaterThanOrEqual(15);
  });

  it.each(adminOnly.map((operation) => ({ ...operation })))(
    '$method $path → 403, nothing changed',
    async ({ method, path, idKind, example }) => {
      const member = apiAs(service, 'acmeMember');
      const before = await state('acme');
      const url = idKind ? path.replace('{id}', ids[idKind] ?? 'x') : path;
      const body = example ?? {};
      const response =
        method === 'GET'
          ? await member.get(url)
          : method === 'DELETE'
            ? await member.delete(url)
            : method === 'PATCH'
              ? await member.patch(url, body)
              : method === 'PUT'
                ? await member.put(url, body)
                : await member.post(url, body);
      expect(response.status, JSON.stringify(response.body)).toBe(403);
      expect(response.body).toMatchObject({ error: { code: 'forbidden' } });
      expect(await state('acme')).toBe(before);
      if (method !== 'GET') {
        expect(await lastAudit(acme)).toMatchObject({
          tenantId: 'acme',
          result: 'refused',
          httpStatus: 403,
          actor: { subject: 'dev@acme.local', roles: ['member'] },
        });
      }
    },
  );
});
