import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { apiAs, startTestService } from '../support/local-service';
import { databaseSource, smallDatabase } from '../support/retention-e2e';
import { withPostgres } from '../support/testbed';

/**
 * Idempotency-Key on the POSTs that create (local service over HTTP): a retried request creates nothing more and
 * answers the first answer; a reused key with another body, a malformed key and another tenant's use of the same key
 * are told apart.
 */
let service: LocalService;
let sourceId: string;
let otherSourceId: string;
let database: string;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  service = await startTestService();
  const acme = apiAs(service, 'acme');
  const db = await smallDatabase('idem');
  cleanup.push(db.drop);
  database = db.name;
  sourceId = await databaseSource(acme, db);
  const other = await smallDatabase('idem_other');
  cleanup.push(other.drop);
  otherSourceId = await databaseSource(acme, other);
});

afterAll(async () => {
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

interface Answer {
  readonly id?: string;
  readonly error: { readonly code: string; readonly fields?: readonly { path: string }[] };
}

async function post(principal: string, path: string, body: unknown, key?: string) {
  const response = await fetch(`${service.apiUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${service.tokens[principal]}`,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'Idempotency-Key': key }),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer };
}

const backupsOf = async (id: string) =>
  ((await apiAs(service, 'acme').get<{ items: unknown[] }>(`/v1/backups?sourceId=${id}`)).body.items ?? []).length;

describe('Idempotency-Key (local service)', () => {
  it('answers a retried backup request with the first answer and starts no second backup', async () => {
    const first = await post('acme', '/v1/backups', { sourceId }, 'backup-2027-01-01-a');
    const again = await post('acme', '/v1/backups', { sourceId }, 'backup-2027-01-01-a');
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    await service.idle();
    expect(await backupsOf(sourceId)).toBe(1);

    // Without a key, each request creates.
    await post('acme', '/v1/backups', { sourceId });
    await service.idle();
    expect(await backupsOf(sourceId)).toBe(2);
  });

  it('refuses the same key with another body, and a malformed key, naming it', async () => {
    const reused = await post('acme', '/v1/backups', { sourceId: otherSourceId }, 'backup-2027-01-01-a');
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    const malformed = await post('acme', '/v1/backups', { sourceId }, 'has spaces in it');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.fields).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
    await service.idle();
    expect(await backupsOf(otherSourceId)).toBe(0);
  });

  it("keeps each tenant's keys apart: another tenant's same key and body is its own request", async () => {
    const globex = await post('globex', '/v1/backups', { sourceId }, 'backup-2027-01-01-a');
    expect(globex.status).toBe(404);
    expect(JSON.stringify(globex.body)).not.toContain('bkp_');
  });

  it('does not remember errors: a failed request can be retried with its key', async () => {
    const missing = 'src_01J0000000000000000000000A';
    const failed = await post('acme', '/v1/backups', { sourceId: missing }, 'retry-me');
    expect(failed.status).toBe(404);
    const again = await post('acme', '/v1/backups', { sourceId: missing }, 'retry-me');
    expect(again.status).toBe(404);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers a retried restore request with the same restore', async () => {
    const [backup] = (await apiAs(service, 'acme').get<{ items: { id: string }[] }>(`/v1/backups?sourceId=${sourceId}`))
      .body.items;
    const body = { backupId: backup?.id, target: { database: `${database}_idem` } };
    cleanup.push(() =>
      withPostgres('postgres', (client) => client.query(`DROP DATABASE IF EXISTS "${database}_idem"`)).then(
        () => undefined,
      ),
    );
    const first = await post('acme', '/v1/restores', body, 'restore-1');
    const again = await post('acme', '/v1/restores', body, 'restore-1');
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    await service.idle();
    const restores = await apiAs(service, 'acme').get<{ items: unknown[] }>('/v1/restores');
    expect(restores.body.items).toHaveLength(1);
  });
});
